"""The category catalogue: the packaged default, deployment and community overrides, validation."""

from __future__ import annotations

import textwrap

import pytest

from bot.categories import Catalog, Category, CategoryConfigError, load_catalogs
from bot.deadlines import Duration, ServiceHours
from bot.words import default_skills


def category(catalog: Catalog, key: str) -> Category:
    found_ = catalog.get(key)
    assert found_ is not None, f"no category {key!r}"
    return found_


def found(catalog: Catalog, word: str) -> Category:
    category_ = catalog.find(word)
    assert category_ is not None, f"{word!r} found no category"
    return category_


def write(tmp_path, text: str):
    path = tmp_path / "categories.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def default() -> Catalog:
    return load_catalogs().default


def test_default_catalogue_loads_with_other_last(default):
    keys = [c.key for c in default.categories]
    assert keys == ["repair", "sanitation", "parking", "elderly", "dispute", "consultation", "other"]
    assert default.other.key == "other"


def test_default_deadlines_follow_5341(default):
    assert category(default, "repair").response == Duration(minutes=5)
    assert category(default, "repair").resolution == Duration(minutes=30)
    assert category(default, "dispute").resolution == Duration(minutes=240)
    assert default.urgent_factor == 0.5
    assert default.service_hours == ServiceHours.parse("08:00-20:00")
    assert default.auto_confirm == Duration(minutes=48 * 60)


def test_every_default_skill_of_a_category_is_a_known_skill(default):
    known = set(default_skills())
    for category in default.categories:
        assert set(category.skills) <= known, category.key


def test_every_default_category_has_chinese_and_english_names(default):
    for category in default.categories:
        assert category.name("zh_CN")
        assert category.name("en")
        assert category.complexity in {"simple", "complex", "hard"}
        assert category.points >= 0


def test_name_falls_back_to_chinese_then_key(default):
    repair = default.get("repair")
    assert repair.name("en") == "Repairs"
    assert repair.name("fr") == repair.name("zh_CN") == "维修"


def test_default_keywords_cover_the_tricky_excludes(default):
    repair = default.get("repair")
    assert "灯" in repair.keywords
    assert "灯笼" in repair.exclude
    assert "电梯广告" in repair.exclude


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("repair", "repair"),
        (" REPAIR ", "repair"),
        ("维修", "repair"),
        ("Repairs", "repair"),
        ("repairs", "repair"),
        ("为老服务", "elderly"),
        ("Elderly care", "elderly"),
        ("其他", "other"),
        ("other", "other"),
    ],
)
def test_find_by_key_or_any_name(default, word, key):
    assert default.find(word).key == key


def test_find_unknown_word_is_none(default):
    assert default.find("pets") is None
    assert default.find("  ") is None


def test_get_unknown_key_is_none(default):
    assert default.get("nope") is None


def test_without_override_every_community_gets_the_default():
    catalogs = load_catalogs()
    assert catalogs.for_community("阳光社区") == catalogs.default


def test_deployment_override_merges_field_by_field(tmp_path):
    path = write(
        tmp_path,
        """
        deadlines:
          resolution: {complex: 6h}
        service_hours: "09:00-18:00"
        categories:
          repair:
            points: 20
          pets:
            names: {zh_CN: 宠物, en: Pets}
            keywords: [狗, 猫]
            complexity: complex
            skills: [跑腿]
          parking:
            enabled: false
        """,
    )
    catalog = load_catalogs(path).default
    keys = [c.key for c in catalog.categories]
    assert keys == ["repair", "sanitation", "elderly", "dispute", "consultation", "pets", "other"]
    repair = category(catalog, "repair")
    assert repair.points == 20
    assert "水管" in repair.keywords  # not given: kept from the default
    assert category(catalog, "pets").resolution == Duration(minutes=360)
    assert category(catalog, "pets").points == 0
    assert category(catalog, "dispute").resolution == Duration(minutes=360)
    assert category(catalog, "repair").resolution == Duration(minutes=30)
    assert catalog.service_hours == ServiceHours.parse("09:00-18:00")
    assert catalog.auto_confirm == Duration(minutes=48 * 60)
    assert found(catalog, "宠物").key == "pets"


def test_community_section_merges_over_the_deployment(tmp_path):
    path = write(
        tmp_path,
        """
        categories:
          repair:
            points: 20
        communities:
          阳光社区:
            auto_confirm: 1d
            deadlines: {urgent_factor: 0.25, response: 10m}
            categories:
              repair:
                skills: [维修]
              dispute:
                enabled: false
              parking:
                response: 15m
          幸福社区: {}
        """,
    )
    catalogs = load_catalogs(path)
    sunny = catalogs.for_community("阳光社区")
    assert category(sunny, "repair").points == 20  # from the deployment
    assert category(sunny, "repair").skills == ("维修",)  # from the community
    assert sunny.get("dispute") is None
    assert category(sunny, "parking").response == Duration(minutes=15)
    assert category(sunny, "repair").response == Duration(minutes=10)
    assert sunny.urgent_factor == 0.25
    assert sunny.auto_confirm == Duration(days=1)
    assert sunny.other.key == "other"
    assert catalogs.for_community(" 阳光社区 ") is sunny  # cached, name stripped
    happy = catalogs.for_community("幸福社区")
    assert happy.get("dispute") is not None
    assert category(happy, "repair").skills == ("维修", "电工")
    assert catalogs.for_community("别的社区") == catalogs.default


def test_community_can_re_enable_what_the_deployment_removed(tmp_path):
    path = write(
        tmp_path,
        """
        categories:
          dispute: {enabled: false}
        communities:
          阳光社区:
            categories:
              dispute: {enabled: true}
        """,
    )
    catalogs = load_catalogs(path)
    assert catalogs.default.get("dispute") is None
    assert catalogs.for_community("阳光社区").get("dispute") is not None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("categories:\n  repair:\n    colour: red\n", "categories.repair.colour"),
        ("categories:\n  repair:\n    complexity: medium\n", "categories.repair.complexity"),
        ("categories:\n  repair:\n    points: -1\n", "categories.repair.points"),
        ("categories:\n  repair:\n    points: lots\n", "categories.repair.points"),
        ("categories:\n  repair:\n    response: soon\n", "categories.repair.response"),
        ("categories:\n  repair:\n    keywords: 灯\n", "categories.repair.keywords"),
        ("categories:\n  repair:\n    names: {zh_CN: ''}\n", "categories.repair.names.zh_CN"),
        ("categories:\n  Repair-2:\n    names: {en: x}\n", "categories.Repair-2"),
        ("categories:\n  other:\n    enabled: false\n", "categories.other.enabled"),
        ("categories:\n  pets:\n    keywords: [狗]\n", "categories.pets.names"),
        ("categories:\n  pets:\n    names: {en: Pets}\n", "categories.pets.complexity"),
        ("deadlines:\n  response: 0m\n", "deadlines.response"),
        ("deadlines:\n  resolution: {simple: 30}\n", "deadlines.resolution.simple"),
        ("deadlines:\n  resolution: {medium: 1h}\n", "deadlines.resolution.medium"),
        ("deadlines:\n  urgent_factor: 2\n", "deadlines.urgent_factor"),
        ("deadlines:\n  grace: 1h\n", "deadlines.grace"),
        ("service_hours: 20:00-08:00\n", "service_hours"),
        ("auto_confirm: forever\n", "auto_confirm"),
        ("colour: red\n", "colour"),
        ("triage_threshold: 1.5\n", "triage_threshold"),
        ("triage_threshold: maybe\n", "triage_threshold"),
        ("categories:\n  repair:\n    examples: 水管漏水\n", "categories.repair.examples"),
        ("communities:\n  阳光社区:\n    triage_threshold: -1\n", "communities.阳光社区.triage_threshold"),
        (
            "communities:\n  阳光社区:\n    categories:\n      repair:\n        points: -5\n",
            "communities.阳光社区.categories.repair.points",
        ),
        ("communities:\n  阳光社区:\n    service_hours: late\n", "communities.阳光社区.service_hours"),
        ("communities:\n  阳光社区:\n    communities: {}\n", "communities.阳光社区.communities"),
        (
            "communities:\n  阳光社区:\n    categories:\n      pets: {keywords: [狗]}\n",
            "communities.阳光社区.categories.pets.names",
        ),
    ],
)
def test_bad_override_raises_naming_file_and_field(tmp_path, text, field):
    path = write(tmp_path, text)
    with pytest.raises(CategoryConfigError) as caught:
        load_catalogs(path)
    message = str(caught.value)
    assert str(path) in message
    assert f" {field}:" in message
    assert "\n" not in message


def test_unreadable_or_invalid_override_raises(tmp_path):
    with pytest.raises(CategoryConfigError, match="cannot be read"):
        load_catalogs(tmp_path / "missing.yaml")
    with pytest.raises(CategoryConfigError, match="not valid YAML"):
        load_catalogs(write(tmp_path, "categories: [\n"))
    with pytest.raises(CategoryConfigError, match="mapping"):
        load_catalogs(write(tmp_path, "- a\n- b\n"))


def test_empty_override_is_the_default(tmp_path):
    assert load_catalogs(write(tmp_path, "")).default == load_catalogs().default


def test_category_config_error_is_a_value_error():
    assert issubclass(CategoryConfigError, ValueError)


def test_triage_threshold_and_examples_merge_per_community(tmp_path):
    path = write(
        tmp_path,
        """
        triage_threshold: 0.4
        categories:
          pets:
            names: {zh_CN: 宠物, en: Pets}
            complexity: simple
            examples: [我家的猫跑丢了, 谁家的狗没拴绳]
        communities:
          阳光社区:
            triage_threshold: 0.7
            categories:
              pets:
                examples: [小区流浪猫太多了]
        """,
    )
    catalogs = load_catalogs(path)
    assert catalogs.default.triage_threshold == 0.4
    assert category(catalogs.default, "pets").examples == ("我家的猫跑丢了", "谁家的狗没拴绳")
    sunshine = catalogs.for_community("阳光社区")
    assert sunshine.triage_threshold == 0.7
    assert category(sunshine, "pets").examples == ("小区流浪猫太多了",)  # a list replaces the one below
    assert load_catalogs().default.triage_threshold is None  # the TRIAGE_THRESHOLD setting applies
