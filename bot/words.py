"""The words people type that the bot understands, from bot/data/words.yaml."""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from functools import cache
from typing import Any

import yaml


@cache
def _words() -> dict[str, Any]:
    text = (importlib.resources.files("bot") / "data" / "words.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _lower(words: list[Any]) -> frozenset[str]:
    return frozenset(str(w).lower() for w in words)


def is_word(group: str, word: str) -> bool:
    """Is `word` one of the words of `group` (yes, no, switch_on, switch_off, staff_group)?"""
    return word.strip().lower() in _lower(_words()[group])


def lookup(group: str, word: str) -> str | None:
    """Which key of a mapping group (roles, languages, profile_fields) `word` stands for."""
    wanted = word.strip().lower()
    for key, words in _words()[group].items():
        if wanted in _lower(words):
            return str(key)
    return None


def default_skills() -> tuple[str, ...]:
    return tuple(str(s) for s in _words()["default_skills"])


def skill_name(skill: str, locale: str) -> str:
    """A stored skill as a reader of `locale` calls it (a skill without a translation as it is)."""
    names = _words()["skill_names"].get(skill) or {}
    return str(names.get(locale) or skill)


def skill_named(word: str, known: tuple[str, ...]) -> str | None:
    """Which of the `known` skills a typed word names, in any language (case-insensitive)."""
    wanted = word.strip().casefold()
    for skill in known:
        names = _words()["skill_names"].get(skill) or {}
        if wanted in {skill.casefold(), *(str(n).casefold() for n in names.values())}:
            return skill
    return None


def words_of(group: str) -> tuple[str, ...]:
    """Every word of a list group (request_tags, private_marks), as written."""
    return tuple(str(w) for w in _words()[group])


def strip_prefix(group: str, text: str) -> str | None:
    """`text` without a leading word of `group` (compared lower-cased), or None if it has none."""
    stripped = text.lstrip()
    for word in words_of(group):
        if stripped.lower().startswith(word.lower()):
            rest = stripped[len(word) :]
            return rest.lstrip(" :：,，")
    return None


_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")  # 1️⃣ #️⃣: emoji built on a digit or sign


def letters(text: str) -> str:
    """The letters and digits of `text`, lower-cased: punctuation, spaces, emoji and other symbols,
    joiners and variation selectors are dropped (by Unicode category), full-width forms folded."""
    folded = unicodedata.normalize("NFKC", _KEYCAP.sub("", text)).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


@cache
def _greetings() -> tuple[str, ...]:
    found = {letters(str(w)) for group in _words()["greetings"] for w in group}
    return tuple(sorted((w for w in found if w), key=len, reverse=True))


def is_small_talk(text: str) -> bool:
    """A greeting, thanks or emoji and nothing else (你好, 在吗？, 谢谢🙏, 👍, hi): not a request.
    Empty text is not small talk (a photo or a sticker is for the caller to judge)."""
    if not text.strip():
        return False
    rest = letters(text)
    while rest:
        word = next((w for w in _greetings() if rest.startswith(w)), None)
        if word is None:
            return False
        rest = rest[len(word) :]
    return True
