"""In-memory state of the offline fake Bot API: users, chats and their messages, files, records."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fakebot.errors import FakeApiError, bad_request, forbidden
from fakebot.models import (
    CallbackAnswer,
    FakeChat,
    FakeFile,
    FakeMessage,
    FakeUser,
    JsonDict,
    TranscriptEntry,
)
from fakebot.spec import load_spec

MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]

GROUP_ANONYMOUS_BOT = FakeUser(
    id=1087968824, first_name="Group", username="GroupAnonymousBot", language_code=None, is_bot=True
)

ADMIN_RIGHTS: JsonDict = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}

# Telegram's broadcast limits, enforced only when FakeTelegram(flood_limits=True).
GLOBAL_LIMIT = (30, 1.0)  # messages per second over all chats
GROUP_LIMIT = (20, 60.0)  # messages per minute in one group
# One message a second in one private chat. Telegram lets a short burst through now and then,
# but not reliably: the fake is the strict side of it, so what passes here passes there. An
# album (sendMediaGroup) is one send here, as it is one request there.
PRIVATE_LIMIT = (1, 1.0)


@dataclass
class ChatState:
    """A chat and everything the fake knows about it."""

    chat: FakeChat
    bot_status: MemberStatus = "left"
    members: dict[int, MemberStatus] = field(default_factory=dict)
    messages: dict[int, FakeMessage] = field(default_factory=dict)
    next_message_id: int = 1
    migrated_to: int | None = None
    started: bool = False  # private chats: the user has written to the bot
    blocked: bool = False  # private chats: the user blocked the bot
    pinned: list[int] = field(default_factory=list)
    sent_times: deque[float] = field(default_factory=deque)
    menu_button: JsonDict | None = None

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status in ("creator", "administrator", "member", "restricted")


class FakeState:
    """All data of the fake, shared by the simulated users and the Bot API methods."""

    def __init__(self, bot: FakeUser, clock: Callable[[], float] | None = None) -> None:
        self.bot = bot
        self.clock: Callable[[], float] = clock or time.time
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, FakeFile] = {}
        self.files_by_path: dict[str, FakeFile] = {}
        self.transcript: list[TranscriptEntry] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.callback_queries: dict[str, tuple[FakeUser, FakeChat | None, int | None, str | None]] = {}
        self.answered_queries: set[str] = set()
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.default_menu_button: JsonDict = {"type": "commands"}
        self.flood_limits = False
        self._global_sent: deque[float] = deque()
        self._counters: dict[str, int] = {}

    # -- ids and time ---------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def counter(self, name: str, start: int = 1) -> int:
        value = self._counters.get(name, start)
        self._counters[name] = value + 1
        return value

    # -- chats ----------------------------------------------------------------------------------

    def register_chat(self, chat: FakeChat) -> ChatState:
        if chat.id not in self.chats:
            self.chats[chat.id] = ChatState(chat)
        return self.chats[chat.id]

    def state_of(self, chat: FakeChat) -> ChatState:
        """The state of a chat created by the simulation; a Python error when unknown."""
        if chat.id not in self.chats:
            raise ValueError(f"unknown chat {chat.id}; create it with add_group() or private_chat()")
        return self.chats[chat.id]

    def private_chat_for(self, user: FakeUser) -> ChatState:
        chat = FakeChat(
            id=user.id,
            type="private",
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
        )
        return self.register_chat(chat)

    def find_chat(self, chat_id: object) -> ChatState:
        """Resolve a chat_id parameter (number or @username); 400 when unknown or migrated."""
        state: ChatState | None = None
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            state = self.chats.get(chat_id)
            if state is None and chat_id in self.users:
                state = self.private_chat_for(self.users[chat_id])
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            state = next(
                (s for s in self.chats.values() if (s.chat.username or "").lower() == wanted),
                None,
            )
        if state is None:
            raise bad_request("chat not found")
        if state.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": state.migrated_to}
            )
        return state

    def check_bot_access(self, state: ChatState) -> None:
        """403s Telegram answers when the bot cannot act in a chat."""
        chat = state.chat
        if chat.type == "private":
            if state.blocked:
                raise forbidden("bot was blocked by the user")
            if not state.started:
                raise forbidden("bot can't initiate conversation with a user")
            return
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if state.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if not state.bot_is_member:
            raise forbidden(f"bot is not a member of the {kind}")

    def chat_for_send(self, chat_id: object) -> ChatState:
        state = self.find_chat(chat_id)
        self.check_bot_access(state)
        return state

    def check_flood(self, state: ChatState, count: int = 1) -> None:
        """429 when sending ``count`` more messages would break Telegram's broadcast limits."""
        if not self.flood_limits:
            return
        now = self.clock()
        windows: list[tuple[deque[float], tuple[int, float], int]] = [
            (self._global_sent, GLOBAL_LIMIT, count)
        ]
        if state.chat.is_group:
            windows.append((state.sent_times, GROUP_LIMIT, count))
        elif state.chat.type == "private":
            windows.append((state.sent_times, PRIVATE_LIMIT, 1))
        for times, (limit, period), sends in windows:
            while times and times[0] <= now - period:
                times.popleft()
            if len(times) + sends > limit:
                retry_after = max(1, math.ceil(times[0] + period - now))
                raise FakeApiError(
                    429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )
        for times, _, sends in windows:
            times.extend([now] * sends)

    # -- members --------------------------------------------------------------------------------

    def member_dict(self, user: FakeUser, status: MemberStatus) -> JsonDict:
        """A ChatMember object of the given status."""
        data: JsonDict = {"status": status, "user": user.to_dict()}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update(ADMIN_RIGHTS)
            data.update(_required_defaults("ChatMemberAdministrator", data))
        elif status == "kicked":
            data["until_date"] = 0
        elif status == "restricted":
            data.update(_required_defaults("ChatMemberRestricted", data, is_member=True))
        return data

    # -- messages -------------------------------------------------------------------------------

    def get_message(self, state: ChatState, message_id: object) -> FakeMessage | None:
        if not isinstance(message_id, int):
            return None
        return state.messages.get(message_id)

    def store_message(self, state: ChatState, sender: FakeUser, **fields: Any) -> FakeMessage:
        message = FakeMessage(
            message_id=state.take_message_id(),
            chat=state.chat,
            sender=sender,
            date=self.now(),
            from_bot=sender.id == self.bot.id,
            **fields,
        )
        state.messages[message.message_id] = message
        return message

    def resolve_text_mentions(self, entities: list[JsonDict]) -> list[JsonDict]:
        """Links to tg://user?id=N become text_mention entities for users the fake knows."""
        resolved: list[JsonDict] = []
        for entity in entities:
            url = entity.get("url")
            if entity.get("type") == "text_link" and isinstance(url, str) and url.startswith("tg://user?id="):
                raw_id = url[len("tg://user?id=") :]
                user = self.users.get(int(raw_id)) if raw_id.lstrip("-").isdigit() else None
                if user is not None:
                    entity = {
                        "type": "text_mention",
                        "offset": entity["offset"],
                        "length": entity["length"],
                        "user": user.to_dict(),
                    }
            resolved.append(entity)
        return resolved

    # -- files ----------------------------------------------------------------------------------

    def new_file(self, kind: str, content: bytes | None = None, **fields: Any) -> FakeFile:
        number = self.counter("file")
        unique = hashlib.sha1(f"{kind}:{number}".encode()).hexdigest()[:16]
        file_id = f"{_FILE_ID_PREFIXES.get(kind, 'BQACAgIAAxk')}{number:08d}{unique}"
        extension = _EXTENSIONS.get(kind, "bin")
        if fields.get("file_name") and "." in str(fields["file_name"]):
            extension = str(fields["file_name"]).rsplit(".", 1)[1]
        file_path = f"{_FOLDERS.get(kind, 'documents')}/file_{number}.{extension}"
        if content is None:
            content = _generated_content(kind, unique, fields.get("width"), fields.get("height"))
        stored = FakeFile(
            file_id=file_id,
            file_unique_id=f"AQAD{unique}",
            kind=kind,
            content=content,
            file_path=file_path,
            **fields,
        )
        self.files[file_id] = stored
        self.files_by_path[file_path] = stored
        return stored

    def new_photo(self, content: bytes | None = None) -> list[JsonDict]:
        """A PhotoSize array (thumbnail to full size) for one photo."""
        sizes: list[FakeFile] = []
        for width, height in ((90, 68), (320, 240), (800, 600), (1280, 960)):
            sizes.append(
                self.new_file("photo", content if width == 1280 else None, width=width, height=height)
            )
        photo = [size.to_dict() for size in sizes]
        for size in sizes:
            size.photo_sizes = photo
        return photo


_FILE_ID_PREFIXES = {
    "photo": "AgACAgIAAxk",
    "voice": "AwACAgIAAxk",
    "document": "BQACAgIAAxk",
    "video": "BAACAgIAAxk",
}
_EXTENSIONS = {"photo": "jpg", "voice": "oga", "document": "bin", "video": "mp4", "audio": "mp3"}
_FOLDERS = {"photo": "photos", "voice": "voice", "document": "documents", "video": "videos", "audio": "music"}


def _generated_content(kind: str, unique: str, width: object, height: object) -> bytes:
    """Deterministic stand-in bytes for a file nobody uploaded (a user's photo or voice note)."""
    header = {"photo": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "voice": b"OggS\x00\x02"}.get(kind, b"")
    body = json.dumps({"fake": kind, "id": unique, "width": width, "height": height}).encode()
    return header + body


def _required_defaults(type_name: str, present: JsonDict, **overrides: Any) -> JsonDict:
    """False/0 for every required field of a spec type that ``present`` lacks (rights default to none)."""
    defaults: JsonDict = {}
    for spec_field in load_spec().types[type_name].fields.values():
        if not spec_field.required or spec_field.name in present:
            continue
        if spec_field.name in overrides:
            defaults[spec_field.name] = overrides[spec_field.name]
        elif "Boolean" in spec_field.types:
            defaults[spec_field.name] = False
        elif "Integer" in spec_field.types:
            defaults[spec_field.name] = 0
    return defaults
