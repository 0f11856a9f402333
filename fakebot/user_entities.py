"""Entities Telegram detects in text typed by users: bot commands, @mentions, #hashtags."""

from __future__ import annotations

import re
from typing import Any

from fakebot.validation import utf16_len

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "bot_command",
        re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?(?![A-Za-z0-9_@/])"),
    ),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_])")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
)


def detect_entities(text: str, extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """MessageEntity list for user text, offsets and lengths in UTF-16 code units.

    ``extra`` entities (e.g. text_mention) take precedence over detected ones that overlap them.
    """
    entities: list[dict[str, Any]] = [dict(e) for e in extra or []]
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities]
    for entity_type, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            offset = utf16_len(text[: match.start()])
            length = utf16_len(match.group(0))
            if any(offset < end and start < offset + length for start, end in taken):
                continue
            taken.append((offset, offset + length))
            entities.append({"type": entity_type, "offset": offset, "length": length})
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return entities


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The part of ``text`` an entity covers (offsets are UTF-16)."""
    encoded = text.encode("utf-16-le")
    start, end = entity["offset"] * 2, (entity["offset"] + entity["length"]) * 2
    return encoded[start:end].decode("utf-16-le")
