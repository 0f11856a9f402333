"""Templates: both languages in step, every name the code uses exists and every template is used,
escaping, Telegram's limits. A template is `<locale>/<feature>/<outcome>.j2`, named
"<feature>/<outcome>" in the code; the features are the folders of bot/services (but shared) plus
`common`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.config import LOCALES
from bot.render import TEXT_LIMIT, Renderer, templates_root, utf16_len
from bot.services.shared.actors import ROLES
from bot.services.volunteers.approval import STATUS_CHANGES

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = templates_root()
SERVICES = ROOT / "bot" / "services"
FEATURES = {p.name for p in SERVICES.iterdir() if p.is_dir() and p.name not in {"shared", "__pycache__"}}
FEATURES |= {"common", "when"}  # when: the time-phrase refusals of bot/when.py
TEMPLATE_NAME = re.compile(rf"^(?:{'|'.join(sorted(FEATURES))})/[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
LABEL_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
# community_switch(..., name) replies with f"{name}_show" and, for a wrong word, f"{name}_usage".
SWITCH_OUTCOMES = ("show", "usage")
LABEL = re.compile(r"{%-?\s*set\s+(\w+)\s*=")
# Telegram's HTML parse mode knows these tags and nothing else.
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span", "a", "code",
                "pre", "blockquote", "tg-emoji"}  # fmt: skip
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")


NARRATION = "demo/narration"  # the demo's and sandbox's words around the chat, read by offline/
LABEL_MODULES = ("labels", NARRATION)  # files of `{% set %}` short texts rather than messages


def template_files(locale: str) -> list[Path]:
    """Every .j2 under <locale>/ except the modules of short texts (labels.j2, demo/narration.j2)."""
    root = TEMPLATES / locale
    modules = {root / f"{module}.j2" for module in LABEL_MODULES}
    return sorted(p for p in root.rglob("*.j2") if p not in modules)


def template_names(locale: str) -> set[str]:
    """{"<feature>/<outcome>", ...}: the names the code passes to render, reply, tell and Refused."""
    return {p.relative_to(TEMPLATES / locale).with_suffix("").as_posix() for p in template_files(locale)}


def label_names(locale: str, module: str = "labels") -> set[str]:
    return set(LABEL.findall((TEMPLATES / locale / f"{module}.j2").read_text(encoding="utf-8")))


def python_sources() -> list[Path]:
    return sorted(p for d in ("bot", "handlers") for p in (ROOT / d).rglob("*.py"))


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _literals(node: ast.expr) -> set[str]:
    """String constants an argument can evaluate to (plain or in a conditional), not f-string parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()


def names_passed_to(functions: set[str], pattern: re.Pattern[str]) -> dict[str, set[str]]:
    """{name: {file:line, ...}} for every string matching `pattern` passed positionally to `functions`."""
    used: dict[str, set[str]] = {}
    for path in python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in functions:
                for arg in node.args:
                    for value in _literals(arg):
                        if pattern.match(value):
                            where = f"{path.relative_to(ROOT)}:{node.lineno}"
                            used.setdefault(value, set()).add(where)
    return used


def template_names_in_code() -> dict[str, set[str]]:
    """{name: {file:line, ...}} for every "<feature>/<outcome>" string in the code, wherever it is
    (passed to render/reply/tell/Refused, returned by a step, kept in a variable or passed to a
    helper), plus the names community_switch builds from its last argument."""
    switches = names_passed_to({"community_switch"}, TEMPLATE_NAME)
    used: dict[str, set[str]] = {}
    for stem, where in switches.items():
        for outcome in SWITCH_OUTCOMES:
            used.setdefault(f"{stem}_{outcome}", set()).update(where)
    for path in python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and TEMPLATE_NAME.match(value) and value not in switches:
                used.setdefault(value, set()).add(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")
    return used


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer("zh_CN")


# -- both languages in step ------------------------------------------------------------------------
def test_both_locales_exist_and_have_the_same_templates() -> None:
    assert set(LOCALES) == {"zh_CN", "en"}
    zh, en = template_names("zh_CN"), template_names("en")
    assert zh, "no templates found"
    assert zh - en == set(), "only in zh_CN"
    assert en - zh == set(), "only in en"


@pytest.mark.parametrize("module", LABEL_MODULES)
def test_both_locales_have_the_same_labels(module: str) -> None:
    zh, en = label_names("zh_CN", module), label_names("en", module)
    assert {"cancel", "done", "approve", "reject"} <= zh or module != "labels"
    assert zh - en == set(), f"{module}: only in zh_CN"
    assert en - zh == set(), f"{module}: only in en"


NARRATED = re.compile(r"""(?:words\.say|\.scene|\.note)\(\s*["']([a-z_]+)["']""")


def test_every_narration_the_demo_uses_exists_in_both_locales() -> None:
    used = {name for path in (ROOT / "offline").glob("*.py") for name in NARRATED.findall(path.read_text())}
    assert {"scene_join", "note_take", "presses", "end"} <= used, "the scan found too little"
    for locale in LOCALES:
        missing = used - label_names(locale, NARRATION)
        assert not missing, f"missing in {locale}/{NARRATION}.j2: {sorted(missing)}"


def test_template_names_follow_feature_outcome() -> None:
    assert {"requests", "volunteers", "community", "points"} <= FEATURES
    for locale in LOCALES:
        root = TEMPLATES / locale
        assert (root / "labels.j2").is_file()
        stray = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix != ".j2")
        assert not stray, f"not a template in {locale}: {stray}"
        for name in template_names(locale):
            assert TEMPLATE_NAME.match(name), f"{locale}/{name}.j2 is not <feature>/<outcome>.j2"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_compiles(renderer: Renderer, locale: str) -> None:
    for name in sorted(template_names(locale) | {"labels"}):
        renderer.env.get_template(f"{locale}/{name}.j2")


@pytest.mark.parametrize("locale", LOCALES)
def test_templates_use_only_tags_telegram_knows(locale: str) -> None:
    for path in sorted((TEMPLATES / locale).rglob("*.j2")):
        source = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", "", path.read_text(encoding="utf-8"), flags=re.S)
        unknown = set(TAG.findall(source)) - ALLOWED_TAGS
        assert not unknown, f"{path.relative_to(TEMPLATES)} uses {unknown}"


# -- every name the code uses exists, every template is used -------------------------------------
def test_every_template_the_code_uses_exists_in_both_locales() -> None:
    used = template_names_in_code()
    assert {"volunteers/registered", "common/button_expired", "community/bind_done"} <= set(used), (
        "the scan found too little"
    )
    assert {"requests/taken", "requests/proof_saved", "requests/publicity_show"} <= set(used), (
        "the scan missed names returned, kept in a variable or built by community_switch"
    )
    for locale in LOCALES:
        missing = {name: sorted(where) for name, where in used.items() if name not in template_names(locale)}
        assert not missing, f"missing in {locale}: {missing}"


def test_every_template_is_used_by_the_code() -> None:
    used = set(template_names_in_code())
    for locale in LOCALES:
        unused = sorted(template_names(locale) - used)
        assert not unused, f"never used, in {locale}: {unused}"


def test_every_label_the_code_uses_exists_in_both_locales() -> None:
    used = set(names_passed_to({"label"}, LABEL_NAME)) | {"cancel", "done"}
    used |= {f"{action}_toast" for action in ("approve", "reject")}  # card_decision: f"{action}_toast"
    used |= {f"status_{status}" for _, status in STATUS_CHANGES.values()} | {"status_pending"}
    used |= {f"role_{role}" for role in ROLES}
    for locale in LOCALES:
        assert used <= label_names(locale), f"missing in {locale}: {used - label_names(locale)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_labels_read_through_the_renderer(renderer: Renderer, locale: str) -> None:
    for name in label_names(locale):
        assert renderer.label(locale, name)
    with pytest.raises(KeyError):
        renderer.label(locale, "no_such_label")


# -- escaping and limits ---------------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_what_people_type_is_escaped(renderer: Renderer, locale: str) -> None:
    typed = '<b>&"王</b>'
    profile = {"name": typed, "building": "<i>3</i>", "skills": ["<u>"], "party": True, "status": "active"}
    text = renderer.render(locale, "volunteers/registered", community="<a>", status="active", profile=profile)
    assert "&lt;b&gt;&amp;" in text
    assert "&lt;i&gt;3&lt;/i&gt;" in text and "&lt;u&gt;" in text and "&lt;a&gt;" in text
    assert "<b>&" not in text and "<i>3" not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_a_mention_keeps_its_link_but_escapes_the_name(renderer: Renderer, locale: str) -> None:
    from markupsafe import Markup

    who = Markup('<a href="tg://user?id={}">{}</a>').format(42, "<script>")
    profile = {"name": "x", "building": "y", "skills": [], "party": False, "status": "pending"}
    text = renderer.render(locale, "volunteers/card", who=who, profile=profile)
    assert '<a href="tg://user?id=42">&lt;script&gt;</a>' in text


def test_a_text_over_4096_utf16_units_is_refused(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="4096"):
        renderer.render("zh_CN", "volunteers/not_a_volunteer", who="王" * 5000)


def test_the_limit_counts_utf16_units_not_characters(renderer: Renderer) -> None:
    emoji = "😀" * 2100  # 2100 characters, 4200 UTF-16 units
    assert len(emoji) < TEXT_LIMIT < utf16_len(emoji)
    with pytest.raises(ValueError):
        renderer.render("en", "volunteers/not_a_volunteer", who=emoji)
    fits = "😀" * 2000
    assert utf16_len(renderer.render("en", "volunteers/not_a_volunteer", who=fits)) <= TEXT_LIMIT


def test_a_missing_variable_is_an_error_not_a_blank(renderer: Renderer) -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        renderer.render("zh_CN", "volunteers/not_a_volunteer")


def test_an_unknown_locale_falls_back_to_the_default(renderer: Renderer) -> None:
    assert renderer.render("fr", "common/private_only") == renderer.render("zh_CN", "common/private_only")
