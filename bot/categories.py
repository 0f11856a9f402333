"""Request categories and their deadlines, from bot/data/categories.yaml plus optional overrides.

The packaged default is read first, then a deployment's override file (same shape, plus a
``communities:`` section), then that file's section for one community. Merging is by key:

- ``categories``: per category key, field by field (a given field replaces the one below it,
  lists included). A new key adds a category just before ``other``; ``enabled: false`` removes one
  (``other`` cannot be removed). A new category must give ``names`` and ``complexity``.
- ``deadlines``, ``service_hours``, ``auto_confirm``: per field (``deadlines.resolution`` per
  complexity).
- ``triage_threshold``: below this confidence (0-1) the triage classifier asks staff to pick the
  category on the staff card; absent: the TRIAGE_THRESHOLD setting.
- A category's ``examples``: messages that belong to it, which the classifier learns from (a new
  category gets a working classifier from a handful of them plus staff corrections).

Every file is checked on its own when it is read, so an error names the file and the field:
``CategoryConfigError: /etc/linli/categories.yaml: communities.Sunshine.categories.repair.points:
must be a whole number >= 0``.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.deadlines import Duration, ServiceHours

COMPLEXITIES = ("simple", "complex", "hard")
FALLBACK_KEY = "other"
DEFAULT_LOCALE = "zh_CN"

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_CATEGORY_FIELDS = frozenset(
    {"names", "keywords", "exclude", "complexity", "points", "skills", "response", "enabled", "examples"}
)
_TOP_FIELDS = frozenset({"categories", "deadlines", "service_hours", "auto_confirm", "triage_threshold"})
_DEADLINE_FIELDS = frozenset({"response", "resolution", "urgent_factor"})
_REQUIRED_NEW = ("names", "complexity")

Raw = dict[str, Any]


class CategoryConfigError(ValueError):
    """A category file has an unknown field or a bad value; the message names file and field."""


@dataclass(frozen=True)
class Category:
    key: str
    names: Mapping[str, str] = field(hash=False)
    keywords: tuple[str, ...]
    exclude: tuple[str, ...]
    complexity: str
    points: int
    skills: tuple[str, ...]
    response: Duration
    resolution: Duration
    examples: tuple[str, ...] = ()  # messages of this category the classifier learns from

    def name(self, locale: str) -> str:
        """The display name in `locale`, else in zh_CN, else the key."""
        return self.names.get(locale) or self.names.get(DEFAULT_LOCALE) or self.key


@dataclass(frozen=True)
class Catalog:
    """The categories and deadline rules in force for one community."""

    categories: tuple[Category, ...]
    urgent_factor: float
    service_hours: ServiceHours
    auto_confirm: Duration
    triage_threshold: float | None = None  # None: the TRIAGE_THRESHOLD setting

    def get(self, key: str) -> Category | None:
        for category in self.categories:
            if category.key == key:
                return category
        return None

    @property
    def other(self) -> Category:
        """The fallback category (always the last one)."""
        return self.categories[-1]

    def find(self, word: str) -> Category | None:
        """The category `word` names: its key or a display name in any locale (case-insensitive)."""
        wanted = word.strip().casefold()
        if not wanted:
            return None
        for category in self.categories:
            if wanted == category.key.casefold():
                return category
        for category in self.categories:
            if any(wanted == name.strip().casefold() for name in category.names.values()):
                return category
        return None


class Catalogs:
    """Default + deployment override + per-community sections, all checked when loaded."""

    def __init__(self, base: Raw, communities: Mapping[str, Raw], source: str) -> None:
        self._base = base
        self._sections = dict(communities)
        self._source = source
        self._default = _build(base, source, "")
        self._cache: dict[str, Catalog] = {}
        for name in self._sections:  # fail at start-up, not when the community first files a request
            self.for_community(name)

    @property
    def default(self) -> Catalog:
        """The catalogue of a community without its own section."""
        return self._default

    @property
    def community_names(self) -> tuple[str, ...]:
        return tuple(self._sections)

    def for_community(self, community_name: str) -> Catalog:
        """The catalogue for `community_name` (its section merged over the deployment's), cached."""
        name = community_name.strip()
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        section = self._sections.get(name)
        if section is None:
            return self._default
        where = f"communities.{name}."
        catalog = _build(_merge(self._base, section, self._source, where), self._source, where)
        self._cache[name] = catalog
        return catalog


def load_catalogs(override: Path | None = None) -> Catalogs:
    """The packaged default, then the override file if one is given."""
    base = _default_raw()
    if override is None:
        return Catalogs(base, {}, "categories.yaml")
    source = str(override)
    try:
        text = Path(override).read_text(encoding="utf-8")
    except OSError as exc:
        raise CategoryConfigError(f"{source}: cannot be read ({exc.strerror or exc})") from exc
    raw = _parse(text, source)
    communities = raw.pop("communities", None) or {}
    if not isinstance(communities, dict):
        raise CategoryConfigError(f"{source}: communities: must be a mapping of community name to settings")
    sections: dict[str, Raw] = {}
    for name, section in communities.items():
        where = f"communities.{name}."
        if not isinstance(name, str) or not name.strip():
            raise CategoryConfigError(f"{source}: communities: {name!r} is not a community name")
        if section is None:
            section = {}
        _check_shape(section, source, where)
        sections[name.strip()] = section
    _check_shape(raw, source, "")
    merged = _merge(base, raw, source, "")
    return Catalogs(merged, sections, source)


@cache
def _default_raw() -> Raw:
    text = (importlib.resources.files("bot") / "data" / "categories.yaml").read_text(encoding="utf-8")
    raw = _parse(text, "bot/data/categories.yaml")
    source = "bot/data/categories.yaml"
    _check_shape(raw, source, "")
    for name in ("categories", "deadlines", "service_hours", "auto_confirm"):
        if name not in raw:
            raise CategoryConfigError(f"{source}: {name}: is required")
    keys = list(raw["categories"])
    if not keys or keys[-1] != FALLBACK_KEY:
        raise CategoryConfigError(f"{source}: categories: `{FALLBACK_KEY}` must be the last category")
    for key, fields in raw["categories"].items():
        missing = [f for f in (*_REQUIRED_NEW, "keywords", "points") if f not in fields]
        if missing:
            raise CategoryConfigError(f"{source}: categories.{key}.{missing[0]}: is required")
    deadlines = raw["deadlines"]
    for name in sorted(_DEADLINE_FIELDS):
        if name not in deadlines:
            raise CategoryConfigError(f"{source}: deadlines.{name}: is required")
    for complexity in COMPLEXITIES:
        if complexity not in deadlines["resolution"]:
            raise CategoryConfigError(f"{source}: deadlines.resolution.{complexity}: is required")
    return raw


def _parse(text: str, source: str) -> Raw:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CategoryConfigError(f"{source}: not valid YAML ({first})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CategoryConfigError(f"{source}: must be a mapping at the top level")
    return data


def _fail(source: str, where: str, message: str) -> CategoryConfigError:
    return CategoryConfigError(f"{source}: {where}: {message}")


def _check_shape(raw: Any, source: str, where: str) -> None:
    """Unknown fields and bad values of one file (or one community section), before merging."""
    if not isinstance(raw, dict):
        raise _fail(source, where.rstrip(".") or "(top level)", "must be a mapping")
    for name in raw:
        if name not in _TOP_FIELDS:
            raise _fail(source, f"{where}{name}", "unknown field")
    if "service_hours" in raw:
        _service_hours(raw["service_hours"], source, f"{where}service_hours")
    if "auto_confirm" in raw:
        _duration(raw["auto_confirm"], source, f"{where}auto_confirm")
    if "deadlines" in raw:
        _check_deadlines(raw["deadlines"], source, f"{where}deadlines")
    if "triage_threshold" in raw:
        value = raw["triage_threshold"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise _fail(source, f"{where}triage_threshold", "must be a number from 0 to 1")
    if "categories" in raw:
        categories = raw["categories"]
        if not isinstance(categories, dict):
            raise _fail(source, f"{where}categories", "must be a mapping of category key to fields")
        for key, fields in categories.items():
            _check_category(key, fields, source, f"{where}categories.{key}")


def _check_deadlines(raw: Any, source: str, where: str) -> None:
    if not isinstance(raw, dict):
        raise _fail(source, where, "must be a mapping")
    for name, value in raw.items():
        if name not in _DEADLINE_FIELDS:
            raise _fail(source, f"{where}.{name}", "unknown field")
        if name == "response":
            _duration(value, source, f"{where}.response")
        elif name == "urgent_factor":
            _factor(value, source, f"{where}.urgent_factor")
        else:
            if not isinstance(value, dict):
                raise _fail(source, f"{where}.resolution", "must map simple/complex/hard to durations")
            for complexity, duration in value.items():
                if complexity not in COMPLEXITIES:
                    raise _fail(source, f"{where}.resolution.{complexity}", "unknown complexity")
                _duration(duration, source, f"{where}.resolution.{complexity}")


def _check_category(key: Any, fields: Any, source: str, where: str) -> None:
    if not isinstance(key, str) or not _KEY.match(key):
        raise _fail(source, where, "a category key must be lower-case letters, digits and _")
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise _fail(source, where, "must be a mapping of fields")
    for name, value in fields.items():
        place = f"{where}.{name}"
        if name not in _CATEGORY_FIELDS:
            raise _fail(source, place, "unknown field")
        if name == "names":
            _names(value, source, place)
        elif name in ("keywords", "exclude", "skills", "examples"):
            _words(value, source, place)
        elif name == "complexity":
            if value not in COMPLEXITIES:
                raise _fail(source, place, f"must be one of {', '.join(COMPLEXITIES)}")
        elif name == "points":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _fail(source, place, "must be a whole number >= 0")
        elif name == "response":
            _duration(value, source, place)
        elif name == "enabled":
            if not isinstance(value, bool):
                raise _fail(source, place, "must be true or false")
            if key == FALLBACK_KEY and not value:
                raise _fail(source, place, f"`{FALLBACK_KEY}` cannot be removed")


def _names(value: Any, source: str, where: str) -> None:
    if not isinstance(value, dict) or not value:
        raise _fail(source, where, "must map locales (zh_CN, en) to names")
    for locale, name in value.items():
        if not isinstance(locale, str) or not isinstance(name, str) or not name.strip():
            raise _fail(source, f"{where}.{locale}", "must be a non-empty name")


def _words(value: Any, source: str, where: str) -> None:
    if not isinstance(value, list):
        raise _fail(source, where, "must be a list of words")
    for word in value:
        if isinstance(word, bool) or not isinstance(word, str | int) or not str(word).strip():
            raise _fail(source, where, f"{word!r} is not a word")


def _duration(value: Any, source: str, where: str) -> Duration:
    try:
        return Duration.parse(str(value))
    except ValueError as exc:
        raise _fail(source, where, str(exc)) from exc


def _service_hours(value: Any, source: str, where: str) -> ServiceHours:
    try:
        return ServiceHours.parse(str(value))
    except ValueError as exc:
        raise _fail(source, where, str(exc)) from exc


def _factor(value: Any, source: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise _fail(source, where, "must be a number > 0 and <= 1")
    return float(value)


def _merge(base: Raw, over: Raw, source: str, where: str) -> Raw:
    """`over` (already checked) merged over `base`, as a new dict; neither is changed."""
    merged: Raw = {name: value for name, value in base.items() if name != "categories"}
    for name in ("service_hours", "auto_confirm", "triage_threshold"):
        if name in over:
            merged[name] = over[name]
    if "deadlines" in over:
        deadlines = dict(base.get("deadlines") or {})
        for name, value in over["deadlines"].items():
            if name == "resolution":
                deadlines["resolution"] = {**(deadlines.get("resolution") or {}), **value}
            else:
                deadlines[name] = value
        merged["deadlines"] = deadlines
    categories: dict[str, Raw] = {key: dict(fields) for key, fields in base.get("categories", {}).items()}
    for key, fields in (over.get("categories") or {}).items():
        fields = fields or {}
        if key in categories:
            categories[key].update(fields)
            continue
        if fields.get("enabled", True) is False:
            categories[key] = dict(fields)  # removing what is not there: kept (disabled) for later layers
            continue
        missing = [name for name in _REQUIRED_NEW if name not in fields]
        if missing:
            raise _fail(source, f"{where}categories.{key}.{missing[0]}", "is required for a new category")
        categories[key] = dict(fields)
    fallback = categories.pop(FALLBACK_KEY)
    categories[FALLBACK_KEY] = fallback  # new keys go before `other`
    merged["categories"] = categories
    return merged


def _build(raw: Raw, source: str, where: str) -> Catalog:
    deadlines = raw["deadlines"]
    response = Duration.parse(str(deadlines["response"]))
    resolution = {c: Duration.parse(str(d)) for c, d in deadlines["resolution"].items()}
    categories: list[Category] = []
    for key, fields in raw["categories"].items():
        if not fields.get("enabled", True):
            continue
        if "names" not in fields or "complexity" not in fields:
            # disabled below, re-enabled above without the fields a new category needs
            raise _fail(source, f"{where}categories.{key}.names", "is required for a new category")
        complexity = str(fields["complexity"])
        categories.append(
            Category(
                key=key,
                names=MappingProxyType({str(k): str(v).strip() for k, v in fields["names"].items()}),
                keywords=_tuple(fields.get("keywords")),
                exclude=_tuple(fields.get("exclude")),
                complexity=complexity,
                points=int(fields.get("points", 0)),
                skills=_tuple(fields.get("skills")),
                response=Duration.parse(str(fields["response"])) if "response" in fields else response,
                resolution=resolution[complexity],
                examples=_tuple(fields.get("examples")),
            )
        )
    return Catalog(
        categories=tuple(categories),
        urgent_factor=float(deadlines["urgent_factor"]),
        service_hours=ServiceHours.parse(str(raw["service_hours"])),
        auto_confirm=Duration.parse(str(raw["auto_confirm"])),
        triage_threshold=float(raw["triage_threshold"]) if "triage_threshold" in raw else None,
    )


def _tuple(words: Any) -> tuple[str, ...]:
    return tuple(str(word).strip() for word in words or ())
