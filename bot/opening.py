"""How a message begins: a command (`/take 3`, `／take ３`, `/take３`, `/take@linli_bot 3`) or a
request tag (`#求助`, `＃ 求助`, `#求助#`, `【报修】`, `#help`).

A Chinese keyboard types full-width forms (／ ＃ ３ Ａ and the ideographic space). They are folded to
ASCII for reading how the message begins, and only for that: what follows is handed on exactly as
the person wrote it (a request's text, a note, a comment)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot import commands, words
from bot.commands import Command

# U+FF01..U+FF5E are the full-width forms of ASCII ! .. ~; U+3000 is the ideographic space.
_FOLD = str.maketrans({chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "})
SEPARATORS = " \t\r\n\u3000:：,，、"  # between a command or a tag and what follows it

_COMMAND = re.compile(r"\s*/(?P<name>[A-Za-z0-9_]{1,64})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?")
_NAME_AND_DIGITS = re.compile(r"(?P<name>[a-z_]+?)(?P<digits>[0-9]+)")


def fold(text: str) -> str:
    """Full-width ASCII forms as plain ASCII, one character for one, so that a position in the
    folded text is the same position in the original."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Typed:
    """A command as typed: its name (lower-cased), the bot it was addressed to, and its arguments."""

    name: str
    bot: str | None  # the username after @, lower-cased, if any
    rest: str  # the arguments, as written

    @property
    def command(self) -> Command | None:
        """The catalogue's command this names (by name or alias), None for one we do not have."""
        return commands.named(self.name)


def read_command(text: str) -> Typed | None:
    """The command a message (or a caption) begins with, in ASCII or full-width forms; `/take３`
    (a number typed straight after a command of ours) is `/take` with the argument `３`."""
    folded = fold(text)
    match = _COMMAND.match(folded)
    if match is None or folded[match.end() : match.end() + 1] == "/":  # a path such as /usr/bin
        return None
    name, rest_at = match.group("name").lower(), match.end()
    glued = _NAME_AND_DIGITS.fullmatch(name) if commands.named(name) is None else None
    if match.group("bot") is None and glued is not None and commands.named(glued.group("name")):
        name, rest_at = glued.group("name"), match.start("name") + len(glued.group("name"))
    bot = match.group("bot").lower() if match.group("bot") else None
    return Typed(name, bot, text[rest_at:].lstrip(SEPARATORS).rstrip())


@cache
def _request_tag() -> re.Pattern[str]:
    listed = {fold(w).lstrip("#").strip() for w in words.words_of("request_tags")} - {""}
    word = "(?:{})".format(
        "|".join(
            re.escape(w) + (r"(?![A-Za-z])" if w[-1].isascii() else "")  # #help, not #helpful
            for w in sorted(listed, key=len, reverse=True)
        )
    )
    return re.compile(rf"\s*(?:#\s*{word}#?|【\s*{word}\s*】|\[\s*{word}\s*\])", re.IGNORECASE)


def request_body(text: str) -> str | None:
    """What follows a request tag at the start of a message (`#求助`, `＃ 求助`, `#求助#`, `【报修】`,
    `［求助］`, `#help`), as written; None when the message does not begin with one."""
    match = _request_tag().match(fold(text))
    return text[match.end() :].lstrip(SEPARATORS).rstrip() if match else None


def is_command_or_request(text: str) -> bool:
    """Does the message begin with a command or a request tag?"""
    return read_command(text) is not None or request_body(text) is not None
