"""Is a person in danger right now (a fall, unconscious, not breathing, fire, gas, trapped in a lift,
someone missing)? A small rule set of its own, read from bot/data/danger.yaml (see its header for
how a hit is counted or discounted). Pure functions, no state.

A request that matches gets the emergency numbers of its kinds at once and the staff are alerted
(bot/services/requests/alarm.py); everything else is filed as usual.
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

CLAUSE_BREAK = re.compile(r"[,!?;\n。…~]+|\.(?![0-9])")
ASCII_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Alarm:
    """What kind of danger a text names, and which emergency services fit (in the order to list them)."""

    kinds: tuple[str, ...]
    services: tuple[str, ...]


@dataclass(frozen=True)
class _Kind:
    key: str
    services: tuple[str, ...]
    general: bool
    hits: re.Pattern[str]
    unless: re.Pattern[str] | None
    together: tuple[re.Pattern[str], re.Pattern[str]] | None


@dataclass(frozen=True)
class _Rules:
    services: dict[str, str]  # service key -> number, in listing order
    kinds: tuple[_Kind, ...]
    exclude: re.Pattern[str] | None
    context: re.Pattern[str] | None
    past: re.Pattern[str] | None
    after: tuple[str, ...]
    still: re.Pattern[str] | None
    still_window: int
    before: re.Pattern[str] | None
    negations: tuple[str, ...]
    negation_window: int
    negation_words: frozenset[str]
    negation_words_window: int


def fold(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation become ASCII), lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def _word(word: str) -> str:
    """A phrase as a regex; an ASCII phrase must not be glued to other letters or digits."""
    escaped = re.escape(word)
    if word.isascii() and word[:1].isalnum():
        escaped = r"(?<![a-z0-9])" + escaped
    if word.isascii() and word[-1:].isalnum():
        escaped += r"(?![a-z0-9])"
    return escaped


def _phrases(words: Iterable[Any], patterns: Iterable[Any] = ()) -> re.Pattern[str] | None:
    folded = sorted({fold(str(w)) for w in words if str(w).strip()}, key=len, reverse=True)
    parts = [_word(w) for w in folded] + [f"(?:{unicodedata.normalize('NFKC', str(p))})" for p in patterns]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@cache
def _rules() -> _Rules:
    text = (importlib.resources.files("bot") / "data" / "danger.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    services = {str(k): str(v) for k, v in data["services"].items()}
    kinds = []
    for key, raw in data["kinds"].items():
        hits = _phrases(raw.get("words", []), raw.get("patterns", []))
        assert hits is not None, f"danger kind {key} has no words"
        unknown = set(raw["services"]) - set(services)
        assert not unknown, f"danger kind {key} names unknown services {unknown}"
        together = None
        if raw.get("together"):
            first, second = (_phrases(group) for group in raw["together"])
            assert first is not None and second is not None
            together = (first, second)
        kinds.append(
            _Kind(
                key=str(key),
                services=tuple(str(s) for s in raw["services"]),
                general=bool(raw.get("general", False)),
                hits=hits,
                unless=_phrases(raw.get("unless", [])),
                together=together,
            )
        )
    return _Rules(
        services=services,
        kinds=tuple(kinds),
        exclude=_phrases(data.get("exclude", [])),
        context=_phrases(data.get("context", [])),
        past=_phrases(data.get("past", [])),
        after=tuple(fold(str(w)) for w in data.get("after", [])),
        still=_phrases(data.get("still", [])),
        still_window=int(data.get("still_window", 4)),
        before=_phrases(data.get("before", [])),
        negations=tuple(fold(str(w)) for w in data.get("negations", [])),
        negation_window=int(data.get("negation_window", 4)),
        negation_words=frozenset(fold(str(w)) for w in data.get("negation_words", [])),
        negation_words_window=int(data.get("negation_words_window", 3)),
    )


def numbers() -> dict[str, str]:
    """Every emergency service and its number, in listing order (medical 120, fire 119, police 110)."""
    return dict(_rules().services)


def _counts(rules: _Rules, clause: str, start: int, end: int) -> bool:
    """Does the hit at [start, end) of `clause` mean danger now (not a drill, the past, a worry, a no)?"""
    if rules.context is not None and rules.context.search(clause):
        return False
    before = clause[:start]
    if rules.past is not None and rules.past.search(clause):
        near = before[-rules.still_window :]
        if rules.still is None or not rules.still.search(near):
            return False
    if clause[end:].startswith(rules.after):
        return False
    if rules.before is not None and rules.before.search(before):
        return False
    if any(n in before[-rules.negation_window :] for n in rules.negations):
        return False
    last_words = ASCII_WORD.findall(before)[-rules.negation_words_window :]
    return not rules.negation_words.intersection(last_words)


def _found(rules: _Rules, kind: _Kind, text: str, clauses: list[str]) -> bool:
    hit_patterns = [kind.hits]
    if kind.together is not None and kind.together[0].search(text):
        hit_patterns.append(kind.together[1])
    for clause in clauses:
        if kind.unless is not None and kind.unless.search(clause):
            continue
        for pattern in hit_patterns:
            for match in pattern.finditer(clause):
                if _counts(rules, clause, match.start(), match.end()):
                    return True
    return False


def detect(text: str) -> Alarm | None:
    """The danger a resident's message names, or None for an ordinary request."""
    rules = _rules()
    folded = fold(text)
    if rules.exclude is not None:
        folded = rules.exclude.sub(lambda m: " " * len(m.group()), folded)
    clauses = [c for c in CLAUSE_BREAK.split(folded) if c.strip()]
    found = [kind for kind in rules.kinds if _found(rules, kind, folded, clauses)]
    if any(not kind.general for kind in found):
        found = [kind for kind in found if not kind.general]
    if not found:
        return None
    wanted = {service for kind in found for service in kind.services}
    return Alarm(
        kinds=tuple(kind.key for kind in found),
        services=tuple(service for service in rules.services if service in wanted),
    )
