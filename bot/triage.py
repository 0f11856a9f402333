"""Triage (smart routing) of a resident's free-text request: category, urgency and place.

Pure functions; every word they look for lives in bot/data/triage.yaml (urgency, place
vocabulary, phone patterns) or in the category catalogue (keywords, exclude phrases).

Category: each category's ``exclude`` phrases are blanked out of the text, then its keywords
are matched (case-insensitive; ASCII keywords as whole words; at each position the longest
keyword wins, matches do not overlap). The category with the most hits wins; a tie goes to the
longer total of matched keywords, then to catalogue order. No hit at all: the fallback ``other``.

Urgency: the negations (e.g. "not urgent") are blanked out first, then any urgency word makes
the request urgent.

Place: a building is a number (Arabic up to 3 digits, or a Chinese numeral) or a letter followed by
a building suffix, or an English prefix ("building 3"); a bare floor ("N + floor") is not a building.
The unit and the room may follow the building (separated by spaces, commas, dashes), or come as
building-unit-room / building-room with dashes (3-2-501, 3-501). A room without a building or unit
needs a room suffix, a prefix ("room 501") or a follower word. Canonical forms come from
``building_format`` / ``unit_format``: every building, numbered or lettered, is shown as
``building_format.format(number or upper-case letter)``.

Text is folded with NFKC one character at a time (full-width digits and letters become ASCII)
so offsets stay those of the original text, which ``redact`` relies on.
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from bot.categories import Catalog, Category


@dataclass(frozen=True)
class Place:
    building: str | None
    unit: str | None
    room: str | None


@dataclass(frozen=True)
class Triage:
    category: str
    urgent: bool
    place: Place


# ---------------------------------------------------------------- vocabulary


@cache
def _data() -> dict[str, Any]:
    text = (importlib.resources.files("bot") / "data" / "triage.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _strings(words: Iterable[Any]) -> list[str]:
    return [_fold(str(word)) for word in words]


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so that at one position the longest word wins; ASCII words case-insensitive."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        escaped = re.escape(word)
        parts.append(f"(?i:{escaped})" if word.isascii() else escaped)
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


def _ascii_word(word: str) -> str:
    """An ASCII word must not be glued to other letters or digits; others match anywhere."""
    escaped = re.escape(word)
    if word.isascii() and word[:1].isalnum():
        escaped = r"(?<![a-z0-9])" + escaped
    if word.isascii() and word[-1:].isalnum():
        escaped = escaped + r"(?![a-z0-9])"
    return escaped


@dataclass(frozen=True)
class _Vocab:
    building_format: str
    unit_format: str
    cn_digits: dict[str, int]
    cn_multipliers: dict[str, int]
    building_max: int
    unit_max: int
    building_not_after: tuple[str, ...]
    buildings: tuple[re.Pattern[str], ...]  # a building (groups n / c / l)
    buildings_before_unit: re.Pattern[str]  # a building that needs a unit right after it
    building_key: re.Pattern[str]  # the whole input is a building
    unit_after: re.Pattern[str]  # a unit right after a building
    units: re.Pattern[str]  # a unit anywhere
    room_after: re.Pattern[str]  # a room right after a building or unit
    rooms: tuple[re.Pattern[str], ...]  # a room on its own (suffix, prefix, follower)
    dashed: tuple[re.Pattern[str], ...]  # b-u-r and b-r
    room_not_before: tuple[str, ...]
    room_not_before_except: tuple[str, ...]
    keep_numbers: frozenset[str]
    after_floor: re.Pattern[str]
    request_number_marks: tuple[str, ...]
    request_number_not_after: tuple[str, ...]
    spelled: re.Pattern[str]
    bare_number: re.Pattern[str]
    phones: tuple[re.Pattern[str], ...]
    mask: str
    urgency: re.Pattern[str]
    negations: re.Pattern[str]


@cache
def _vocab() -> _Vocab:
    data = _data()
    numerals = data["numerals"]
    cn_digits = {_fold(str(k)): int(v) for k, v in numerals["digits"].items()}
    cn_multipliers = {_fold(str(k)): int(v) for k, v in numerals["multipliers"].items()}
    cn_chars = re.escape("".join([*cn_digits, *cn_multipliers]))
    cn = rf"(?<![{cn_chars}])(?P<c>[{cn_chars}]{{1,6}})"

    building = data["building"]
    b_digits = int(building["max_digits"])
    arabic = rf"(?<![0-9.])(?P<n>[0-9]{{1,{b_digits}}})(?![0-9])"
    letter = r"(?<![A-Za-z])(?P<l>[A-Za-z])"
    space = r"[ \t]*"
    prefixes = "|".join(_ascii_word(_fold(str(p))) for p in building["prefixes"])
    buildings = (
        re.compile(rf"{arabic}{space}{_alternation(_strings(building['suffixes']))}"),
        re.compile(rf"{cn}{space}{_alternation(_strings(building['cn_suffixes']))}"),
        re.compile(rf"{letter}{space}{_alternation(_strings(building['letter_suffixes']))}"),
        re.compile(
            rf"(?i:{prefixes}){space}(?:no\.?{space})?#?{space}"
            rf"(?:(?P<n>[0-9]{{1,{b_digits}}})|(?P<l>[A-Z]))(?![0-9A-Za-z])"
        ),
    )
    before_unit = _alternation(_strings(building["suffixes_before_unit"]))
    buildings_before_unit = re.compile(rf"(?:{arabic}|{cn}){space}{before_unit}")
    key_suffixes = _strings(
        [
            *building["suffixes"],
            *building["cn_suffixes"],
            *building["letter_suffixes"],
            *building["suffixes_before_unit"],
            *building["key_suffixes"],
        ]
    )
    building_key = re.compile(
        rf"\s*(?:(?P<n>[0-9]{{1,{b_digits}}})|(?P<c>[{cn_chars}]{{1,6}})|(?P<l>[A-Za-z]))"
        rf"\s*{_alternation(key_suffixes)}?\s*"
    )

    separators = "".join(re.escape(_fold(str(s))) for s in data["separators"])
    sep = rf"[{separators}]*"
    unit = data["unit"]
    u_digits = int(unit["max_digits"])
    u_suffix = _alternation(_strings(unit["suffixes"]))
    u_prefix = "|".join(_ascii_word(_fold(str(p))) for p in unit["prefixes"])
    u_arabic = rf"(?<![0-9])(?P<n>[0-9]{{1,{u_digits}}})(?![0-9])"
    u_english = rf"(?i:{u_prefix}){space}#?{space}(?P<m>[0-9]{{1,{u_digits}}})(?![0-9])"
    unit_body = rf"(?:(?:{u_arabic}|{cn}){space}{u_suffix}|{u_english})"

    room = data["room"]
    digits = rf"[0-9]{{{int(room['min_digits'])},{int(room['max_digits'])}}}"
    r_suffix = _alternation(_strings(room["suffixes"]))
    r_number = rf"(?<![0-9])(?P<r>{digits})(?![0-9])"
    r_prefixes = _alternation(_strings(room["prefixes"]))
    rooms = (
        re.compile(rf"{r_number}(?={space}{r_suffix})"),
        re.compile(rf"(?<![A-Za-z]){r_prefixes}{space}(?:no\.?{space})?#?{space}{r_number}"),
        re.compile(rf"{r_number}(?={_alternation(_strings(room['followers']))})"),
    )
    dashes = "".join(re.escape(_fold(str(d))) for d in data["dashes"])
    dash = rf"[{dashes}]"
    edge = rf"(?<![0-9.{dashes}])"
    dashed = (
        re.compile(
            rf"{edge}(?P<n>[1-9][0-9]{{0,{b_digits - 1}}}){dash}(?P<u>[0-9]{{1,{u_digits}}}){dash}"
            rf"(?P<r>{digits})(?![0-9{dashes}])"
        ),
        re.compile(rf"{edge}(?P<n>[1-9][0-9]{{0,{b_digits - 1}}}){dash}(?P<r>{digits})(?![0-9{dashes}])"),
    )

    urgency = data["urgency"]
    return _Vocab(
        building_format=str(data["building_format"]),
        unit_format=str(data["unit_format"]),
        cn_digits=cn_digits,
        cn_multipliers=cn_multipliers,
        building_max=10**b_digits - 1,
        unit_max=10**u_digits - 1,
        building_not_after=tuple(_strings(building["not_after"])),
        buildings=buildings,
        buildings_before_unit=buildings_before_unit,
        building_key=building_key,
        unit_after=re.compile(rf"{sep}{unit_body}"),
        units=re.compile(unit_body),
        room_after=re.compile(rf"{sep}(?P<r>{digits})(?![0-9])(?:{space}{r_suffix})?"),
        rooms=rooms,
        dashed=dashed,
        room_not_before=tuple(_strings(room["not_before"])),
        room_not_before_except=tuple(_strings(room["not_before_except"])),
        keep_numbers=frozenset(str(n) for n in room["keep_numbers"]),
        after_floor=re.compile(
            rf"[0-9]{{1,3}}{space}{_alternation(_strings(room['floor_suffixes']))}{space}$"
        ),
        request_number_marks=tuple(_strings(room["request_number_marks"])),
        request_number_not_after=tuple(_strings(room["request_number_not_after"])),
        spelled=re.compile(
            "[" + re.escape("".join(_strings(room["spelled_digits"]))) + "]"
            f"{{{int(room['spelled_min_digits'])},}}"
        ),
        bare_number=re.compile(r_number),
        phones=tuple(re.compile(rf"(?<![0-9]){_fold(str(p))}(?![0-9])") for p in data["phone_patterns"]),
        mask=str(data["redaction_mask"]),
        urgency=re.compile("|".join(_ascii_word(w) for w in _by_length(_lowered(urgency["words"])))),
        negations=re.compile("|".join(_ascii_word(w) for w in _by_length(_lowered(urgency["negations"])))),
    )


def _by_length(words: Iterable[str]) -> list[str]:
    return sorted(set(words), key=len, reverse=True)


def _lowered(words: Iterable[Any]) -> list[str]:
    return [_fold_lower(str(word)) for word in words]


# ---------------------------------------------------------------- text folding


def _fold(text: str) -> str:
    """NFKC one character at a time (full-width to ASCII), keeping every offset."""
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def _fold_lower(text: str) -> str:
    out = []
    for char in _fold(text):
        lowered = char.lower()
        out.append(lowered if len(lowered) == 1 else char)
    return "".join(out)


# ---------------------------------------------------------------- category and urgency


@cache
def _keyword_patterns(keywords: tuple[str, ...], exclude: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    words = _by_length(w for w in _lowered(keywords) if w)
    excluded = _by_length(w for w in _lowered(exclude) if w)
    if not words:
        return ()
    keyword_re = re.compile("|".join(_ascii_word(w) for w in words))
    if not excluded:
        return (keyword_re,)
    return (keyword_re, re.compile("|".join(_ascii_word(w) for w in excluded)))


def _score(folded: str, category: Category) -> tuple[int, int]:
    """(number of keyword hits, total length of the matched keywords) of `category` in `folded`."""
    patterns = _keyword_patterns(category.keywords, category.exclude)
    if not patterns:
        return (0, 0)
    if len(patterns) > 1:
        folded = patterns[1].sub(lambda m: " " * len(m.group()), folded)
    hits = [m.group() for m in patterns[0].finditer(folded)]
    return (len(hits), sum(len(h) for h in hits))


def categorize(text: str, catalog: Catalog) -> str:
    """The key of the best-matching category of `catalog`, or the fallback's when nothing matches."""
    folded = _fold_lower(text)
    best_key, best = catalog.other.key, (0, 0)
    for category in catalog.categories:
        score = _score(folded, category)
        if score > best:
            best_key, best = category.key, score
    return best_key


def is_urgent(text: str) -> bool:
    """An urgency word that no negation ("not urgent") covers."""
    vocab = _vocab()
    folded = vocab.negations.sub(" ", _fold_lower(text))
    return vocab.urgency.search(folded) is not None


# ---------------------------------------------------------------- place


@dataclass(frozen=True)
class _Found:
    """One place expression in the text: where it is and what it says."""

    start: int
    end: int
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    room_span: tuple[int, int] | None = None


def _cn_value(text: str) -> int | None:
    vocab = _vocab()
    if not any(char in vocab.cn_multipliers for char in text):
        return int("".join(str(vocab.cn_digits[char]) for char in text))
    total, current, last_multiplier = 0, None, None
    for char in text:
        if char in vocab.cn_digits:
            if current is not None and current != 0:
                return None  # two digits in a row inside a number with multipliers
            current = vocab.cn_digits[char]
        else:
            multiplier = vocab.cn_multipliers[char]
            if last_multiplier is not None and multiplier >= last_multiplier:
                return None
            total += (current if current else 1) * multiplier
            current, last_multiplier = None, multiplier
    return total + (current or 0)


def _number(match: re.Match[str], maximum: int) -> str | None:
    """The canonical number or letter of a match with groups n (Arabic), c (Chinese), l (letter)."""
    groups = match.groupdict()
    if groups.get("l"):
        return str(groups["l"]).upper()
    value: int | None = None
    for name in ("n", "m"):
        if groups.get(name):
            value = int(groups[name])
    if groups.get("c"):
        value = _cn_value(groups["c"])
    if value is None or not 0 < value <= maximum:
        return None
    return str(value)


def _not_a_room(text: str, end: int) -> bool:
    """Is the number ending at `end` a year, a price, a building ... (followed by a not-a-room word)?"""
    vocab = _vocab()
    for tail in (text[end:], text[end:].lstrip(" ")):
        if tail.startswith(vocab.room_not_before_except):
            continue
        for word in vocab.room_not_before:
            if tail.startswith(word) and not (word.isascii() and tail[len(word) : len(word) + 1].isalpha()):
                return True
    return False


def _room_at(text: str, pos: int) -> re.Match[str] | None:
    match = _vocab().room_after.match(text, pos)
    if match is None or _not_a_room(text, match.end("r")):
        return None
    return match


def _chain(text: str, start: int, pos: int, building: str | None, need_unit: bool) -> _Found | None:
    """A building (or nothing) at [start, pos), then maybe a unit, then maybe a room."""
    vocab = _vocab()
    unit = None
    unit_match = vocab.unit_after.match(text, pos)
    if unit_match is not None:
        unit_number = _number(unit_match, vocab.unit_max)
        if unit_number is not None:
            unit = vocab.unit_format.format(unit_number)
            pos = unit_match.end()
    if need_unit and unit is None:
        return None
    room_match = _room_at(text, pos)
    if room_match is None:
        return _Found(start, pos, building, unit)
    return _Found(start, room_match.end(), building, unit, room_match.group("r"), room_match.span("r"))


def _scan(text: str) -> list[_Found]:
    """Every place expression in (folded) `text`, in order, none overlapping."""
    vocab = _vocab()
    found: list[_Found] = []
    for pattern in vocab.dashed:
        for match in pattern.finditer(text):
            if _not_a_room(text, match.end("r")):
                continue
            number = _number(match, vocab.building_max)
            unit = match.groupdict().get("u")
            found.append(
                _Found(
                    match.start(),
                    match.end(),
                    vocab.building_format.format(number) if number else None,
                    vocab.unit_format.format(int(unit)) if unit and 0 < int(unit) <= vocab.unit_max else None,
                    match.group("r"),
                    match.span("r"),
                )
            )
    for patterns, need_unit in ((vocab.buildings, False), ((vocab.buildings_before_unit,), True)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                if any(text[: match.start()].endswith(word) for word in vocab.building_not_after):
                    continue
                number = _number(match, vocab.building_max)
                if number is None:
                    continue
                building = vocab.building_format.format(number)
                chained = _chain(text, match.start(), match.end(), building, need_unit)
                if chained is not None:
                    found.append(chained)
    for match in vocab.units.finditer(text):
        chained = _chain(text, match.start(), match.start(), None, False)
        if chained is not None and chained.unit is not None:
            found.append(chained)
    for pattern in vocab.rooms:
        for match in pattern.finditer(text):
            if not _not_a_room(text, match.end("r")):
                found.append(
                    _Found(match.start(), match.end(), room=match.group("r"), room_span=match.span("r"))
                )
    kept: list[_Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and item.start < kept[-1].end:
            continue
        kept.append(item)
    return kept


def parse_place(text: str) -> Place:
    """Building, unit and room of the first place the text names (see the module docstring)."""
    found = _scan(_fold(text))
    with_building = [f for f in found if f.building]
    without_building = [f for f in found if not f.building]
    first = with_building[0] if with_building else None
    if first is None:
        units = [f for f in without_building if f.unit]
        first = units[0] if units else None
    unit = first.unit if first else None
    room = first.room if first else None
    if unit is None:
        unit = next((f.unit for f in without_building if f.unit), None)
    if room is None:
        room = next((f.room for f in without_building if f.room), None)
    return Place(first.building if first else None, unit, room)


@cache
def _building_dash_unit() -> re.Pattern[str]:
    """A whole input of building-unit with a dash (5-1): how people write where they live."""
    data = _data()
    dashes = "".join(re.escape(_fold(str(d))) for d in data["dashes"])
    b_digits, u_digits = int(data["building"]["max_digits"]), int(data["unit"]["max_digits"])
    return re.compile(
        rf"\s*(?P<n>[1-9][0-9]{{0,{b_digits - 1}}})\s*[{dashes}]\s*(?P<u>[1-9][0-9]{{0,{u_digits - 1}}})\s*"
    )


def building_key(text: str) -> str | None:
    """The canonical building of what someone typed as a building: 3, 3#, 3 + building suffix, A, 3-2 ..."""
    vocab = _vocab()
    folded = _fold(text)
    match = vocab.building_key.fullmatch(folded) or _building_dash_unit().fullmatch(folded)
    if match is not None:
        number = _number(match, vocab.building_max)
        return vocab.building_format.format(number) if number else None
    return parse_place(text).building


def typed_place(text: str) -> Place:
    """Building, unit and room of an answer that is only a place (where someone lives, which building):
    what parse_place reads (五号楼一单元, 5栋1单元, 5-1-502), building-unit with a dash (5-1), or a
    bare building as building_key reads it (5, 5号, 五)."""
    vocab = _vocab()
    pair = _building_dash_unit().fullmatch(_fold(text))
    if pair is not None:
        building, unit = _number(pair, vocab.building_max), int(pair.group("u"))
        if building is not None and unit <= vocab.unit_max:
            return Place(vocab.building_format.format(building), vocab.unit_format.format(unit), None)
    place = parse_place(text)
    if place.building is not None:
        return place
    return Place(building_key(text), place.unit, place.room)


# ---------------------------------------------------------------- redaction


def _spans_to_mask(folded: str) -> Iterator[tuple[int, int]]:
    vocab = _vocab()
    phones: list[tuple[int, int]] = []
    for pattern in vocab.phones:
        phones.extend(match.span() for match in pattern.finditer(folded))
    yield from phones

    def free(start: int, end: int) -> bool:
        return not any(start < p_end and p_start < end for p_start, p_end in phones)

    # "#12" is a request number: its "#" is no building suffix of a number before it (501 #12)
    # nor is "12 #" a building (#12 #123); the offsets stay those of `folded`.
    marks = _request_marks(folded)
    plain = "".join(_NEUTRAL if i in marks else char for i, char in enumerate(folded))
    places = _scan(plain)
    for item in places:
        if item.room_span and free(*item.room_span):
            yield item.room_span
    for match in vocab.bare_number.finditer(plain):
        start, end = match.span("r")
        if _not_a_room(plain, end) or not free(start, end):
            continue
        if match.group("r") in vocab.keep_numbers and not vocab.after_floor.search(plain, 0, start):
            continue
        if any(item.start <= start and end <= item.end for item in places):
            continue  # a building or unit number (rooms of places are masked above)
        if any(start - len(mark) <= i < start for i in marks for mark in vocab.request_number_marks):
            continue  # #123
        yield (start, end)
    for match in vocab.spelled.finditer(folded):
        yield match.span()


_NEUTRAL = "\ue000"  # stands in for a request number's mark while places are read


def _request_marks(folded: str) -> set[int]:
    """Where a request number's mark is: #123, but not 3#501, A#501 or 3号楼#501 (room 501)."""
    vocab = _vocab()
    found: set[int] = set()
    for mark in vocab.request_number_marks:
        at = folded.find(mark)
        while at >= 0:
            head, after = folded[:at], folded[at + len(mark) : at + len(mark) + 1]
            glued = head[-1:].isascii() and head[-1:].isalnum()
            if after.isdigit() and not glued and not head.endswith(vocab.request_number_not_after):
                found.update(range(at, at + len(mark)))
            at = folded.find(mark, at + 1)
    return found


def redact(text: str) -> str:
    """`text` for a neighbourhood group: phone numbers (mobiles, landlines) and room numbers
    (3-2-501, 501室, 5楼501, 五零一) masked, building and unit kept (3号楼2单元***), and so are
    times, counts, prices, years, request numbers (#123) and emergency numbers."""
    mask = _vocab().mask
    merged: list[list[int]] = []
    for start, end in sorted(_spans_to_mask(_fold(text))):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    last = 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(mask)
        last = end
    out.append(text[last:])
    return "".join(out)


# ---------------------------------------------------------------- all together


def triage(text: str, catalog: Catalog) -> Triage:
    """Category (a key of `catalog`), urgency and place of a resident's message."""
    return Triage(categorize(text, catalog), is_urgent(text), parse_place(text))
