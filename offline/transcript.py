"""The fake Telegram's transcript as people would read it, narrated in the reader's language.

The demo and the sandbox print what happens in the chats; the words around the chat (who pressed
what, which message was edited, what an attachment was) come from templates/<locale>/demo/narration.j2,
so a Chinese reader gets a Chinese story. Telegram's own ids (update and message numbers) mean
nothing to a person and are not shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from bot.render import Renderer
from fakebot import FakeChat, FakeTelegram, TranscriptEntry

BOT_NAME = "Linli"
NARRATION = "demo/narration"
MEDIA = ("photo", "voice", "video", "document")


class Narration:
    """The narration's words in one locale; `say(name, **fields)` fills a text's {fields}."""

    def __init__(self, locale: str, renderer: Renderer | None = None) -> None:
        self.renderer = renderer or Renderer(locale)
        self.locale = self.renderer.locale(locale)

    def say(self, name: str, /, **fields: Any) -> str:
        return self.renderer.label(self.locale, name, NARRATION).format(bot=BOT_NAME, **fields)

    def media(self, kind: str) -> str:
        """`[图片]`, `[语音]`, … for what a message carries."""
        return f"[{self.say(f'media_{kind}' if kind in MEDIA else 'media_other')}]"


def chat_label(chat: FakeChat | None, words: Narration) -> str:
    """A group's title, or "私聊·<name>" for a person's private chat with the bot."""
    if chat is None:
        return "Telegram"
    if chat.type == "private":
        return words.say("private_chat", name=chat.first_name or words.say("someone"))
    return chat.title or words.say("someone")


def button_lines(rows: list[list[tuple[str, str]]], indent: str = "    ") -> list[str]:
    """Inline keyboard rows as `[1 label] [2 label]`, numbered in reading order across rows."""
    lines = []
    number = 1
    for row in rows:
        cells = []
        for label, _data in row:
            cells.append(f"[{number} {label}]")
            number += 1
        lines.append(indent + " ".join(cells))
    return lines


def _body(head: str, text: str, buttons: list[list[tuple[str, str]]]) -> list[str]:
    """A bot message: one line when it is short, else the text indented below its header."""
    text_lines = text.splitlines() or [""]
    if len(text_lines) == 1:
        space = "" if head.endswith("：") else " "  # a full-width colon brings its own space
        lines = [f"{head}{space}{text_lines[0]}".rstrip()]
    else:
        lines = [head] + [f"    {line}".rstrip() for line in text_lines]
    return lines + button_lines(buttons)


def _with_media(entry: TranscriptEntry, words: Narration) -> str:
    text = entry.text or ""
    return f"{words.media(entry.media)} {text}".rstrip() if entry.media else text


def format_entry(entry: TranscriptEntry, words: Narration) -> list[str]:
    """One transcript entry as readable lines (empty when people would see nothing)."""
    where = f"[{chat_label(entry.chat, words)}]"
    who = entry.user.full_name if entry.user is not None else words.say("someone")
    if entry.direction == "in":
        if entry.kind in ("message", "edited_message"):
            verb = words.say("edits") if entry.kind == "edited_message" else ""
            return [f"{where} {who}{verb}{words.say('colon')}{_with_media(entry, words)}"]
        if entry.kind == "callback_query":
            return [f"{where} {who} {words.say('presses', label=entry.text or '?')}"]
        if entry.kind == "my_chat_member":
            change = (entry.text or "").removeprefix("bot: ")
            joined = change.endswith(("member", "administrator"))
            return [f"{where} {who} {words.say('adds_bot' if joined else 'removes_bot')}"]
        if entry.kind == "redelivery":
            return [words.say("redelivery")]
        if entry.kind == "service":  # a join or leave notice: "joined: …" / "left: …"
            verb = "joins_group" if (entry.text or "").startswith("joined") else "leaves_group"
            return [f"{where} {who} {words.say(verb)}"]
        return [f"{where} {who}{words.say('colon')}{entry.text or entry.kind}"]
    # What the bot did, as people see it.
    bot = f"{where} 🤖 {BOT_NAME}"
    if entry.kind == "message":
        return _body(f"{bot}{words.say('colon').rstrip()}", _with_media(entry, words), entry.buttons)
    if entry.kind == "edit":
        return _body(f"{bot} {words.say('bot_edits')}", _with_media(entry, words), entry.buttons)
    if entry.kind == "callback_answer":
        return [f"{bot} {words.say('popup', text=entry.text)}"] if entry.text else []
    if entry.kind == "delete":
        return [f"{bot} {words.say('deletes')}"]
    if entry.kind == "pin":
        return [f"{bot} {words.say('pins')}"]
    if entry.kind == "leave":
        return [f"{bot} {words.say('bot_leaves')}"]
    return [f"{bot}{words.say('colon')}{entry.text or entry.kind}"]


class TranscriptPrinter:
    """Prints each new transcript entry of a fake Telegram once, in order."""

    def __init__(self, fake: FakeTelegram, out: TextIO, words: Narration) -> None:
        self.fake = fake
        self.out = out
        self.words = words
        self.printed = 0

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def new_entries(self) -> list[TranscriptEntry]:
        entries = self.fake.transcript[self.printed :]
        self.printed = len(self.fake.transcript)
        return entries

    def lines(self, entry: TranscriptEntry) -> list[str]:
        return format_entry(entry, self.words)

    def flush(self) -> list[TranscriptEntry]:
        entries = self.new_entries()
        for entry in entries:
            for text in self.lines(entry):
                self.line(text)
        return entries


@contextmanager
def quiet_logging(level: int = logging.WARNING) -> Iterator[list[logging.LogRecord]]:
    """Only warnings and errors while the story plays; yields the error records logged meanwhile."""
    errors: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record)

    root = logging.getLogger()
    previous = root.level
    collector = Collect(logging.ERROR)
    root.setLevel(level)
    root.addHandler(collector)
    try:
        yield errors
    finally:
        root.removeHandler(collector)
        root.setLevel(previous)
