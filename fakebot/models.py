"""Plain data held by the offline fake Bot API: people, chats, messages, files, transcript lines."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from fakebot.validation import inline_buttons

JsonDict = dict[str, Any]
Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user (or the bot itself, with ``is_bot=True``)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_dict(self) -> JsonDict:
        """The Telegram ``User`` object."""
        data: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class FakeChat:
    """A Telegram chat: ``private`` (id == the user's id), ``group`` or ``supergroup`` (id -100...)."""

    id: int
    type: Literal["private", "group", "supergroup"]
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_dict(self) -> JsonDict:
        """The Telegram ``Chat`` object."""
        data: JsonDict = {"id": self.id, "type": self.type}
        for name in ("title", "username", "first_name", "last_name"):
            value = getattr(self, name)
            if value:
                data[name] = value
        return data


@dataclass
class FakeFile:
    """A stored file; ``content`` is what the file download URL serves."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, voice, document, video, audio, animation
    content: bytes
    file_path: str
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    photo_sizes: list[JsonDict] | None = None  # for photos: every size of the same photo

    def to_dict(self) -> JsonDict:
        """The object a message carries (PhotoSize, Voice, Document, ...)."""
        data: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.kind == "photo":
            data["width"] = self.width or 0
            data["height"] = self.height or 0
            return data
        if self.kind in ("voice", "audio", "video", "animation"):
            data["duration"] = self.duration or 0
        if self.kind in ("video", "animation"):
            data["width"] = self.width or 0
            data["height"] = self.height or 0
        if self.file_name and self.kind != "voice":
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def file_object(self) -> JsonDict:
        """The ``File`` object getFile answers with."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded with multipart/form-data."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass
class FakeMessage:
    """A message as currently stored in a chat (edits applied)."""

    message_id: int
    chat: FakeChat
    sender: FakeUser
    date: int
    from_bot: bool
    text: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JsonDict] = field(default_factory=list)
    html: str | None = None  # the text or caption exactly as the bot sent it (before entity parsing)
    reply_markup: JsonDict | None = None
    media: dict[str, Any] = field(default_factory=dict)  # photo / voice / document / ... as in Message
    media_group_id: str | None = None
    reply_to: FakeMessage | None = None
    edit_date: int | None = None
    sender_chat: FakeChat | None = None
    extra: JsonDict = field(default_factory=dict)  # service fields, forward_origin, ...

    @property
    def plain_text(self) -> str | None:
        """The text or the caption, after entity parsing."""
        return self.text if self.text is not None else self.caption

    @property
    def buttons(self) -> Buttons:
        """Inline keyboard rows of (label, callback_data or url)."""
        return inline_buttons(self.reply_markup)

    def to_dict(self, *, with_reply: bool = True) -> JsonDict:
        """The Telegram ``Message`` object."""
        data: JsonDict = {
            "message_id": self.message_id,
            "from": self.sender.to_dict(),
            "chat": self.chat.to_dict(),
            "date": self.date,
        }
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat.to_dict()
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.media_group_id is not None:
            data["media_group_id"] = self.media_group_id
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_dict(with_reply=False)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = copy.deepcopy(self.entities)
        data.update(copy.deepcopy(self.media))
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = copy.deepcopy(self.caption_entities)
        data.update(copy.deepcopy(self.extra))
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = copy.deepcopy(self.reply_markup)
        return data


@dataclass
class TranscriptEntry:
    """One line of the conversation: an update users caused ("in") or a visible bot action ("out").

    ``kind`` is the update type for "in" (message, edited_message, callback_query, my_chat_member,
    chat_member; "service" for a join or leave notice, "migrate", "redelivery") and the effect for
    "out" (message, edit, delete, callback_answer, pin, leave).
    """

    direction: Literal["in", "out"]
    kind: str
    chat: FakeChat | None
    user: FakeUser | None = None
    text: str | None = None
    html: str | None = None
    buttons: Buttons = field(default_factory=list)
    message_id: int | None = None
    method: str | None = None
    update_id: int | None = None
    data: str | None = None
    media: str | None = None  # "photo", "voice", "document", ... when the message carries one

    @property
    def chat_id(self) -> int | None:
        return self.chat.id if self.chat is not None else None

    def format(self) -> str:
        """One readable line, for demos and failing-test output."""
        where = (self.chat.title or self.chat.first_name or str(self.chat.id)) if self.chat else "-"
        who = self.user.full_name if self.user is not None else "bot"
        arrow = "->" if self.direction == "in" else "<-"
        body = self.text if self.text is not None else ""
        if self.data is not None:
            body = f"[press {self.data}] {body}".rstrip()
        if self.media:
            body = f"[{self.media}] {body}".rstrip()
        label = self.method or self.kind
        line = f"{arrow} {where} | {who} | {label}"
        if self.message_id is not None:
            line += f" #{self.message_id}"
        line += f": {body}"
        if self.buttons:
            line += " " + " / ".join(" ".join(f"[{text}]" for text, _ in row) for row in self.buttons)
        return line


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery call, with the press it answers."""

    query_id: str
    user: FakeUser
    chat: FakeChat | None
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None


@dataclass
class Fault:
    """One injected failure of the next call of a method."""

    method: str
    retry_after: int | None = None
    error_code: int = 400
    description: str | None = None
    network_error: bool = False
    timeout_after_accept: bool = False
