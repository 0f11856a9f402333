"""Plain values that handlers make out of a Telegram update; services see only these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    telegram_id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Where:
    chat_id: int
    chat_type: str  # private | group | supergroup | channel
    title: str = ""

    @property
    def is_private(self) -> bool:
        return self.chat_type == "private"

    @property
    def is_group(self) -> bool:
        return self.chat_type in ("group", "supergroup")


@dataclass(frozen=True)
class Media:
    """A photo, voice note, video or document a person sent, by its Telegram file id."""

    kind: str  # photo | voice | video | document
    file_id: str


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: a command, a message, a button press."""

    update_id: int
    actor: Person
    chat: Where
    message_id: int | None = None
    text: str = ""  # the command's arguments, or the whole message text
    reply_to: Person | None = None  # author of the message this one replies to
    reply_to_message_id: int | None = None
    text_mentions: tuple[Person, ...] = ()
    usernames: tuple[str, ...] = ()  # @mentions, without the @
    callback_id: str | None = None
    media: tuple[Media, ...] = ()
    media_group_id: str | None = None  # album parts share it
    reply_text: str = ""  # text or caption of the message this one replies to
    reply_media: tuple[Media, ...] = ()
    kind: str = "message"  # message | edited_message | callback_query | my_chat_member

    @property
    def args(self) -> list[str]:
        return self.text.split()


@dataclass(frozen=True)
class MemberChange:
    """The bot's own membership in a chat changed (my_chat_member)."""

    update_id: int
    actor: Person
    chat: Where
    old_status: str
    new_status: str
    kind: str = "my_chat_member"

    @property
    def joined(self) -> bool:
        return self.old_status in ("left", "kicked") and self.new_status in (
            "member",
            "administrator",
            "restricted",
        )

    @property
    def left(self) -> bool:
        return self.new_status in ("left", "kicked")


@dataclass(frozen=True)
class MembersChange:
    """People (not the bot) joined or left a group: a message with new_chat_members or
    left_chat_member, or a chat_member update (sent where the bot is an administrator)."""

    update_id: int
    chat: Where
    members: tuple[Person, ...]
    status: str  # their status now: creator | administrator | member | restricted | left | kicked
    kind: str = "message"  # message | chat_member

    @property
    def present(self) -> bool:
        return self.status in ("creator", "administrator", "member", "restricted")
