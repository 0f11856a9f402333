"""FakeTelegram: an in-memory Telegram that simulates users and answers Bot API calls.

Simulated users act through methods such as :meth:`FakeTelegram.send_text` and
:meth:`FakeTelegram.press`; each action produces the Update Telegram would produce and queues it
for getUpdates.  The bot talks to :meth:`FakeTelegram.handle` (through :class:`FakeRequest` or
:class:`FakeBotApiServer`), which validates every call the way Telegram does and records what
users would see in :attr:`FakeTelegram.transcript`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fakebot.errors import FakeApiError, FakeNetworkError, FakeTimeoutError, bad_request
from fakebot.methods import BotApiMethods
from fakebot.models import (
    CallbackAnswer,
    FakeChat,
    FakeMessage,
    FakeUser,
    Fault,
    JsonDict,
    TranscriptEntry,
    UploadedFile,
)
from fakebot.spec import BotApiSpec, coerce_params, load_spec
from fakebot.state import GROUP_ANONYMOUS_BOT, ChatState, FakeState, MemberStatus
from fakebot.updates import UpdateQueue
from fakebot.user_entities import detect_entities, entity_text

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:FAKE-TOKEN-for-offline-use-only"

ErrorRecord = tuple[str, dict[str, Any], dict[str, Any]]


class FakeTelegram:
    """The in-memory state of an offline Bot API server and the people using it."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "linli_bot",
        bot_first_name: str = "Linli",
        *,
        clock: Callable[[], float] | None = None,
        privacy_mode: bool = False,
        flood_limits: bool = False,
    ) -> None:
        """``clock`` gives the time (default ``time.time``); ``privacy_mode`` makes the bot see only
        commands, replies to it and mentions of it in groups where it is not an administrator;
        ``flood_limits`` answers 429 beyond 30 messages/s overall, 20 messages/min per group and one
        message a second in a private chat."""
        number, _, secret = token.partition(":")
        if not number.isdigit() or not secret:
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.bot_id = int(number)
        self.bot_user = FakeUser(
            id=self.bot_id, first_name=bot_first_name, username=bot_username, language_code=None, is_bot=True
        )
        self.privacy_mode = privacy_mode
        self.spec: BotApiSpec = load_spec()
        self.state = FakeState(self.bot_user, clock)
        self.state.flood_limits = flood_limits
        self.updates = UpdateQueue()
        self.errors: list[ErrorRecord] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every Bot API call: (method, parameters)
        self._error_expected: list[bool] = []
        self._expected_budget = 0
        self._faults: dict[str, deque[Fault]] = {}
        self._api = BotApiMethods(self)

    # -- records --------------------------------------------------------------------------------

    @property
    def transcript(self) -> list[TranscriptEntry]:
        """Everything users did and everything the bot visibly did, in order."""
        return self.state.transcript

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return self.state.callback_answers

    def transcript_text(self) -> str:
        """The transcript as readable lines."""
        return "\n".join(entry.format() for entry in self.transcript)

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of ``method`` (any spelling of its name), oldest first."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    def expect_errors(self, count: int = 1) -> None:
        """The next ``count`` error answers are expected by the test and not reported by
        :meth:`unexpected_errors`."""
        self._expected_budget += count

    def unexpected_errors(self) -> list[ErrorRecord]:
        """Error answers neither injected with :meth:`fail_next` nor announced with :meth:`expect_errors`."""
        return [
            error for error, expected in zip(self.errors, self._error_expected, strict=True) if not expected
        ]

    def pending_updates_count(self) -> int:
        """Updates queued and not yet confirmed by getUpdates."""
        return self.updates.pending_count()

    def messages(self, chat: FakeChat) -> list[FakeMessage]:
        """Current messages of a chat (edits applied, deleted ones gone), oldest first."""
        return sorted(self.state.state_of(chat).messages.values(), key=lambda m: m.message_id)

    def message(self, chat: FakeChat, message_id: int) -> FakeMessage | None:
        return self.state.state_of(chat).messages.get(message_id)

    def bot_messages(self, chat: FakeChat) -> list[FakeMessage]:
        return [m for m in self.messages(chat) if m.from_bot]

    def last_bot_message(self, chat: FakeChat) -> FakeMessage | None:
        sent = self.bot_messages(chat)
        return sent[-1] if sent else None

    def bot_status(self, chat: FakeChat) -> MemberStatus:
        """The bot's membership status in a group."""
        return self.state.state_of(chat).bot_status

    def has_started(self, user: FakeUser) -> bool:
        """True once the user has written to the bot privately (and has not blocked it)."""
        state = self.state.chats.get(user.id)
        return state is not None and state.started and not state.blocked

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a stored file."""
        return self.state.files[file_id].content

    # -- fault injection ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
        error_code: int = 400,
        description: str | None = None,
        network_error: bool = False,
        timeout_after_accept: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``retry_after``: answer 429 "Too Many Requests: retry after N" (nothing happens).
        ``network_error``: the transport fails before Telegram sees the call (nothing happens).
        ``timeout_after_accept``: Telegram performs the call, then the answer is lost (timeout).
        Otherwise: answer ``error_code`` with ``description`` (nothing happens).
        """
        if self.spec.method(method) is None:
            raise ValueError(f"{method!r} is not a Bot API method")
        if network_error and timeout_after_accept:
            raise ValueError("choose either network_error or timeout_after_accept")
        if retry_after is not None and retry_after < 1:
            raise ValueError("Telegram's retry_after is at least 1 (PTB treats 0 as a plain NetworkError)")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(
            method=method.lower(),
            retry_after=retry_after,
            error_code=error_code,
            description=description,
            network_error=network_error,
            timeout_after_accept=timeout_after_accept,
        )
        self._faults.setdefault(method.lower(), deque()).extend([fault] * times)

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method.lower())
        return queue.popleft() if queue else None

    # -- the Bot API ----------------------------------------------------------------------------

    async def handle(
        self,
        method: str,
        params: Mapping[str, object] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
    ) -> dict[str, Any]:
        """Execute one Bot API call and return Telegram's JSON answer body.

        Raises :class:`FakeNetworkError` or :class:`FakeTimeoutError` for injected transport
        failures; the transports (FakeRequest, FakeBotApiServer) turn them into what a client sees.
        """
        given = dict(params or {})
        self.calls.append((method, given))
        fault = self._take_fault(method)
        if fault is not None and fault.network_error:
            raise FakeNetworkError(f"injected network error on {method}")
        if fault is not None and not fault.timeout_after_accept:
            if fault.retry_after is not None:
                error = FakeApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    {"retry_after": fault.retry_after},
                )
            else:
                error = FakeApiError(
                    fault.error_code, fault.description or _default_description(fault.error_code)
                )
            response = error.to_response()
            self._record_error(method, given, response, expected=True)
            return response
        response = await self._execute(method, given, dict(files or {}))
        if fault is not None and fault.timeout_after_accept:
            raise FakeTimeoutError(method, response)
        return response

    async def _execute(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> JsonDict:
        spec = self.spec.method(method)
        if spec is None:
            response = FakeApiError(404, "Not Found").to_response()
            self._record_error(method, params, response)
            return response
        try:
            implementation = self._api.table.get(spec.name.lower())
            if implementation is None:
                raise bad_request("method not supported by the offline fake")
            decoded = coerce_params(spec, params)
            for name, field in spec.fields.items():
                if "InputFile" in field.types and decoded.get(name) is None and name in files:
                    decoded[name] = files[name]
            for name, field in spec.fields.items():
                if field.required and (decoded.get(name) is None or decoded.get(name) == ""):
                    raise _missing(name, field.types)
            result = await implementation(decoded, files)
        except FakeApiError as error:
            response = error.to_response()
            self._record_error(spec.name, params, response)
            return response
        except Exception as exc:
            # A bug in the fake itself: answer like a failing server and keep it visible.
            _LOGGER.exception("the offline fake failed on %s", spec.name)
            failure = FakeApiError(500, f"Internal Server Error: the offline fake failed: {exc!r}")
            response = failure.to_response()
            self._record_error(spec.name, params, response)
            return response
        return {"ok": True, "result": result}

    def _record_error(
        self, method: str, params: dict[str, Any], response: JsonDict, expected: bool = False
    ) -> None:
        if not expected and self._expected_budget > 0:
            self._expected_budget -= 1
            expected = True
        self.errors.append((method, params, response))
        self._error_expected.append(expected)

    # -- people and chats -----------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        user_id: int | None = None,
    ) -> FakeUser:
        """A new Telegram user (who has not started the bot yet)."""
        if user_id is None:
            user_id = self.state.counter("user", 1_000_000_001)
            while user_id in self.state.users:
                user_id = self.state.counter("user")
        elif user_id in self.state.users or user_id == self.bot_id:
            raise ValueError(f"user id {user_id} is taken")
        user = FakeUser(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.state.users[user.id] = user
        return user

    def add_group(
        self,
        title: str,
        *,
        supergroup: bool = False,
        chat_id: int | None = None,
        username: str | None = None,
        creator: FakeUser | None = None,
    ) -> FakeChat:
        """A new group (or supergroup); the bot is not a member until :meth:`add_bot_to_group`."""
        if chat_id is None:
            chat_id = (
                self._new_supergroup_id() if supergroup else -(4_000_000_000 + self.state.counter("group"))
            )
        if chat_id >= 0 or chat_id in self.state.chats:
            raise ValueError(f"chat id {chat_id} is taken or not a group id")
        chat = FakeChat(
            id=chat_id, type="supergroup" if supergroup else "group", title=title, username=username
        )
        state = self.state.register_chat(chat)
        if creator is not None:
            state.members[creator.id] = "creator"
        return chat

    def _new_supergroup_id(self) -> int:
        return -(10**12 + self.state.counter("supergroup", 2_000_000_001))

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between ``user`` and the bot (its id is the user's id)."""
        return self.state.private_chat_for(user).chat

    def set_member_status(self, chat: FakeChat, user: FakeUser, status: MemberStatus) -> None:
        """Set a person's status in a group (e.g. make a staff member an administrator), silently:
        no update is produced (for joins and departures the bot sees, use :meth:`join_group`)."""
        self.state.state_of(chat).members[user.id] = status

    def join_group(self, user: FakeUser, chat: FakeChat, *, added_by: FakeUser | None = None) -> JsonDict:
        """``user`` joins a group (by a link, or ``added_by`` someone): a message with
        ``new_chat_members``, which the bot gets even in privacy mode. Returns that update; where the
        bot is an administrator a ``chat_member`` update follows (delivered only if the bot asked for
        it in allowed_updates)."""
        return self.add_members(added_by or user, chat, [user])

    def add_members(self, by: FakeUser, chat: FakeChat, users: Sequence[FakeUser]) -> JsonDict:
        """``by`` adds several people at once: one ``new_chat_members`` message listing them all,
        and a ``chat_member`` update for each (where the bot is an administrator)."""
        state = self._group_state(chat, by)
        if not users:
            raise ValueError("add at least one person")
        for user in users:
            if user.id not in self.state.users:
                raise ValueError(f"unknown user {user.id}; create it with add_user()")
            if state.members.get(user.id, "left") not in ("left", "kicked"):
                raise ValueError(f"{user.first_name} is already in {chat.title}")
        if by.id not in [u.id for u in users] and state.members.get(by.id, "left") in ("left", "kicked"):
            raise ValueError(f"{by.first_name} is not in {chat.title} and cannot add anyone")
        olds = [state.members.get(user.id, "left") for user in users]
        for user in users:
            state.members[user.id] = "member"
        notice = {"new_chat_members": [u.to_dict() for u in users]}
        update = self._service_message(state, by, notice, f"joined: {', '.join(u.full_name for u in users)}")
        for user, old in zip(users, olds, strict=True):
            self._member_update(state, by, user, old, "member")
        return update

    def leave_group(
        self, user: FakeUser, chat: FakeChat, *, removed_by: FakeUser | None = None, ban: bool = False
    ) -> JsonDict:
        """``user`` leaves a group (or ``removed_by`` removes them; ``ban`` keeps them out, status
        kicked): a message with ``left_chat_member`` (seen even in privacy mode), and where the bot is
        an administrator a ``chat_member`` update. Returns the message's update."""
        state = self._group_state(chat, removed_by or user)
        old = state.members.get(user.id, "left")
        if old in ("left", "kicked"):
            raise ValueError(f"{user.first_name} is not in {chat.title}")
        if old == "creator" and removed_by is not None:
            raise ValueError("nobody can remove the group's creator")
        new: MemberStatus = "kicked" if ban else "left"
        state.members[user.id] = new
        by = removed_by or user
        update = self._service_message(
            state, by, {"left_chat_member": user.to_dict()}, f"left: {user.full_name}"
        )
        self._member_update(state, by, user, old, new)
        return update

    # -- simulated user actions -----------------------------------------------------------------

    def send_text(
        self,
        user: FakeUser,
        chat: FakeChat,
        text: str,
        *,
        reply_to: int | None = None,
        mentions: Sequence[tuple[FakeUser, int, int]] = (),
        anonymous: bool = False,
    ) -> JsonDict:
        """``user`` writes ``text`` in ``chat``.  Bot commands, @mentions and #hashtags get entities;
        ``mentions`` adds text_mention entities as (user, UTF-16 offset, UTF-16 length);
        ``anonymous`` sends as an anonymous group admin (sender_chat = the group)."""
        state = self._state_for_user(user, chat)
        extra = [
            {"type": "text_mention", "offset": offset, "length": length, "user": mentioned.to_dict()}
            for mentioned, offset, length in mentions
        ]
        sender, sender_chat = (GROUP_ANONYMOUS_BOT, chat) if anonymous and chat.is_group else (user, None)
        message = self.state.store_message(
            state,
            sender,
            text=text,
            entities=detect_entities(text, extra),
            reply_to=self._reply_for_user(state, reply_to),
            sender_chat=sender_chat,
        )
        return self._user_message(user, state, message, "message")

    def send_text_mention(
        self, user: FakeUser, chat: FakeChat, text: str, mentioned: FakeUser, *, offset: int, length: int
    ) -> JsonDict:
        """``user`` writes ``text`` mentioning ``mentioned`` (a user without username) at UTF-16
        ``offset``/``length``."""
        return self.send_text(user, chat, text, mentions=[(mentioned, offset, length)])

    def send_photo(
        self,
        user: FakeUser,
        chat: FakeChat,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        reply_to: int | None = None,
    ) -> JsonDict:
        """``user`` sends a photo (a generated PhotoSize array), optionally captioned or in an album."""
        state = self._state_for_user(user, chat)
        message = self.state.store_message(
            state,
            user,
            caption=caption,
            caption_entities=detect_entities(caption) if caption else [],
            media={"photo": self.state.new_photo()},
            media_group_id=media_group_id,
            reply_to=self._reply_for_user(state, reply_to),
        )
        return self._user_message(user, state, message, "message")

    def send_album(
        self, user: FakeUser, chat: FakeChat, count: int = 2, *, caption: str | None = None
    ) -> list[JsonDict]:
        """``user`` sends ``count`` photos as one album: one update each, sharing a media_group_id."""
        group_id = str(20_000_000_000_000 + self.state.counter("user_media_group"))
        return [
            self.send_photo(user, chat, caption=caption if index == 0 else None, media_group_id=group_id)
            for index in range(count)
        ]

    def send_sticker(self, user: FakeUser, chat: FakeChat, *, emoji: str = "👍") -> JsonDict:
        """``user`` sends a (static, regular) sticker that stands for ``emoji``."""
        state = self._state_for_user(user, chat)
        stored = self.state.new_file("sticker", width=512, height=512)
        sticker = {
            **stored.to_dict(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        message = self.state.store_message(state, user, media={"sticker": sticker})
        return self._user_message(user, state, message, "message")

    def send_voice(
        self,
        user: FakeUser,
        chat: FakeChat,
        *,
        duration: int = 3,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> JsonDict:
        """``user`` sends a voice note."""
        state = self._state_for_user(user, chat)
        voice = self.state.new_file("voice", duration=duration, mime_type="audio/ogg")
        message = self.state.store_message(
            state,
            user,
            caption=caption,
            caption_entities=detect_entities(caption) if caption else [],
            media={"voice": voice.to_dict()},
            reply_to=self._reply_for_user(state, reply_to),
        )
        return self._user_message(user, state, message, "message")

    def send_video(
        self,
        user: FakeUser,
        chat: FakeChat,
        *,
        duration: int = 5,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> JsonDict:
        """``user`` sends a short video."""
        state = self._state_for_user(user, chat)
        video = self.state.new_file("video", duration=duration, mime_type="video/mp4", width=640, height=480)
        message = self.state.store_message(
            state,
            user,
            caption=caption,
            caption_entities=detect_entities(caption) if caption else [],
            media={"video": video.to_dict()},
            reply_to=self._reply_for_user(state, reply_to),
        )
        return self._user_message(user, state, message, "message")

    def send_document(
        self,
        user: FakeUser,
        chat: FakeChat,
        *,
        file_name: str = "document.pdf",
        content: bytes | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> JsonDict:
        """``user`` sends a file."""
        state = self._state_for_user(user, chat)
        document = self.state.new_file("document", content, file_name=file_name, mime_type="application/pdf")
        message = self.state.store_message(
            state,
            user,
            caption=caption,
            caption_entities=detect_entities(caption) if caption else [],
            media={"document": document.to_dict()},
            reply_to=self._reply_for_user(state, reply_to),
        )
        return self._user_message(user, state, message, "message")

    def edit_text(self, user: FakeUser, chat: FakeChat, message_id: int, new_text: str) -> JsonDict:
        """``user`` edits one of their text messages: an ``edited_message`` update."""
        state = self.state.state_of(chat)
        message = state.messages.get(message_id)
        if message is None or message.sender.id != user.id or message.text is None:
            raise ValueError(f"{user.first_name} has no text message {message_id} in this chat")
        message.text = new_text
        message.entities = detect_entities(new_text)
        message.edit_date = self.state.now()
        return self._user_message(user, state, message, "edited_message")

    def press(self, user: FakeUser, chat: FakeChat, message_id: int, callback_data: str) -> JsonDict:
        """``user`` presses a button carrying ``callback_data`` under message ``message_id``.

        The data is not checked against the keyboard (clients can send anything)."""
        state = self.state.state_of(chat)
        message = state.messages.get(message_id)
        if message is None:
            raise ValueError(f"there is no message {message_id} in this chat")
        query_id = str(4_000_000_000_000_000_000 + self.state.counter("callback_query"))
        self.state.callback_queries[query_id] = (user, chat, message_id, callback_data)
        query: JsonDict = {
            "id": query_id,
            "from": user.to_dict(),
            "message": message.to_dict(),
            "chat_instance": str(abs(chat.id) * 7_919 % 10**19),
            "data": callback_data,
        }
        visible = not state.blocked if chat.type == "private" else state.bot_is_member
        update = self._emit("callback_query", query, visible)
        label = next((text for row in message.buttons for text, value in row if value == callback_data), None)
        self.state.transcript.append(
            TranscriptEntry(
                direction="in",
                kind="callback_query",
                chat=chat,
                user=user,
                text=label,
                message_id=message_id,
                update_id=update["update_id"],
                data=callback_data,
            )
        )
        return update

    def press_button(self, user: FakeUser, chat: FakeChat, message_id: int, index: int) -> JsonDict:
        """Press the ``index``-th (0-based, reading order) callback button of a message."""
        return self.press(user, chat, message_id, self._callback_buttons(chat, message_id)[index][1])

    def press_label(self, user: FakeUser, chat: FakeChat, message_id: int, label: str) -> JsonDict:
        """Press the callback button labelled ``label`` (exact text) of a message."""
        for text, data in self._callback_buttons(chat, message_id):
            if text == label:
                return self.press(user, chat, message_id, data)
        raise LookupError(f"message {message_id} has no callback button labelled {label!r}")

    def _callback_buttons(self, chat: FakeChat, message_id: int) -> list[tuple[str, str]]:
        message = self.state.state_of(chat).messages.get(message_id)
        if message is None:
            raise ValueError(f"there is no message {message_id} in this chat")
        markup = message.reply_markup or {}
        buttons = [
            (str(button.get("text")), str(button["callback_data"]))
            for row in markup.get("inline_keyboard", [])
            for button in row
            if isinstance(button, dict) and "callback_data" in button
        ]
        if not buttons:
            raise LookupError(f"message {message_id} has no callback buttons")
        return buttons

    def add_bot_to_group(self, by: FakeUser, chat: FakeChat, *, admin: bool = False) -> JsonDict:
        """``by`` adds the bot to a group (as administrator with ``admin``): a ``my_chat_member`` update."""
        state = self.state.state_of(chat)
        if not chat.is_group:
            raise ValueError("the bot can only be added to groups")
        if state.bot_is_member:
            raise ValueError("the bot is already a member of this group")
        if not any(status == "creator" for status in state.members.values()):
            state.members[by.id] = "creator"
        else:
            state.members.setdefault(by.id, "member")
        return self.change_bot_status(state, "administrator" if admin else "member", by=by)

    def set_bot_admin(self, by: FakeUser, chat: FakeChat, admin: bool = True) -> JsonDict:
        """``by`` promotes the bot to administrator (or demotes it to member)."""
        state = self.state.state_of(chat)
        if not state.bot_is_member:
            raise ValueError("the bot is not a member of this group")
        return self.change_bot_status(state, "administrator" if admin else "member", by=by)

    def remove_bot_from_group(self, by: FakeUser, chat: FakeChat) -> JsonDict:
        """``by`` removes (bans) the bot from a group; later sends there are refused with 403."""
        state = self.state.state_of(chat)
        if not state.bot_is_member:
            raise ValueError("the bot is not a member of this group")
        return self.change_bot_status(state, "kicked", by=by)

    def block_bot(self, user: FakeUser) -> JsonDict:
        """``user`` blocks the bot; later private sends to them are refused with 403."""
        state = self.state.private_chat_for(user)
        state.blocked = True
        return self._chat_member_update(state, user, "member", "kicked", visible=True)

    def unblock_bot(self, user: FakeUser) -> JsonDict:
        """``user`` unblocks (restarts) the bot."""
        state = self.state.private_chat_for(user)
        state.blocked = False
        state.started = True
        return self._chat_member_update(state, user, "kicked", "member", visible=True)

    def migrate_to_supergroup(self, chat: FakeChat, *, by: FakeUser | None = None) -> FakeChat:
        """Upgrade a group to a supergroup with a new id.  The old group gets a message with
        ``migrate_to_chat_id``, the new one a message with ``migrate_from_chat_id``; later calls with
        the old id are refused with 400 and ``parameters.migrate_to_chat_id``."""
        old = self.state.state_of(chat)
        if chat.type != "group" or old.migrated_to is not None:
            raise ValueError("only a basic group that was not migrated yet can be upgraded")
        actor = by or next(
            (self.state.users[uid] for uid, status in old.members.items() if status == "creator"),
            GROUP_ANONYMOUS_BOT,
        )
        new_chat = FakeChat(
            id=self._new_supergroup_id(), type="supergroup", title=chat.title, username=chat.username
        )
        new = self.state.register_chat(new_chat)
        new.bot_status = old.bot_status
        new.members = dict(old.members)
        visible = old.bot_is_member
        old_message = self.state.store_message(old, actor, extra={"migrate_to_chat_id": new_chat.id})
        old.migrated_to = new_chat.id
        self._emit("message", old_message.to_dict(), visible)
        new_message = self.state.store_message(new, actor, extra={"migrate_from_chat_id": chat.id})
        self._emit("message", new_message.to_dict(), visible)
        self.state.transcript.append(
            TranscriptEntry(
                direction="in",
                kind="migrate",
                chat=chat,
                user=actor,
                text=f"group upgraded to supergroup {new_chat.id}",
            )
        )
        return new_chat

    def redeliver(self, update_id: int) -> JsonDict:
        """Queue update ``update_id`` again, unchanged, as Telegram does when it was not confirmed."""
        update = self.updates.redeliver(update_id)
        self.state.transcript.append(
            TranscriptEntry(direction="in", kind="redelivery", chat=None, update_id=update_id)
        )
        return update

    # -- internals shared with the API methods --------------------------------------------------

    def change_bot_status(self, state: ChatState, new: MemberStatus, *, by: FakeUser) -> JsonDict:
        """Change the bot's status in a group and emit the ``my_chat_member`` update."""
        old = state.bot_status
        state.bot_status = new
        return self._chat_member_update(state, by, old, new, visible=True)

    def _chat_member_update(
        self,
        state: ChatState,
        by: FakeUser,
        old: MemberStatus,
        new: MemberStatus,
        *,
        visible: bool,
        member: FakeUser | None = None,
    ) -> JsonDict:
        """``my_chat_member`` (the bot's own status), or ``chat_member`` for another ``member``."""
        subject = member or self.bot_user
        kind = "my_chat_member" if member is None else "chat_member"
        payload: JsonDict = {
            "chat": state.chat.to_dict(),
            "from": by.to_dict(),
            "date": self.state.now(),
            "old_chat_member": self.state.member_dict(subject, old),
            "new_chat_member": self.state.member_dict(subject, new),
        }
        update = self._emit(kind, payload, visible)
        self.state.transcript.append(
            TranscriptEntry(
                direction="in",
                kind=kind,
                chat=state.chat,
                user=by,
                text=f"{'bot' if member is None else member.full_name}: {old} -> {new}",
                update_id=update["update_id"],
            )
        )
        return update

    def _member_update(
        self, state: ChatState, by: FakeUser, member: FakeUser, old: MemberStatus, new: MemberStatus
    ) -> JsonDict | None:
        """A ``chat_member`` update: Telegram sends it only where the bot is an administrator (and
        only to a bot that asked for it in allowed_updates: the queue filters that)."""
        if state.bot_status not in ("administrator", "creator"):
            return None
        return self._chat_member_update(state, by, old, new, visible=True, member=member)

    def _group_state(self, chat: FakeChat, actor: FakeUser) -> ChatState:
        if not chat.is_group:
            raise ValueError("people join and leave groups, not private chats")
        return self._usable(chat, actor)

    def _usable(self, chat: FakeChat, user: FakeUser) -> ChatState:
        """The state of a chat a known user can act in (not one that became a supergroup)."""
        state = self.state.state_of(chat)
        if state.migrated_to is not None:
            raise ValueError(
                f"group {chat.id} was upgraded to supergroup {state.migrated_to}; use the new chat"
            )
        if user.id not in self.state.users:
            raise ValueError(f"unknown user {user.id}; create it with add_user()")
        return state

    def _service_message(self, state: ChatState, by: FakeUser, notice: JsonDict, line: str) -> JsonDict:
        """A service message (a join or leave notice): delivered to the bot whenever it is in the
        group, privacy mode or not."""
        message = self.state.store_message(state, by, extra=notice)
        update = self._emit("message", message.to_dict(), state.bot_is_member)
        self.state.transcript.append(
            TranscriptEntry(
                direction="in",
                kind="service",
                chat=state.chat,
                user=by,
                text=line,
                message_id=message.message_id,
                update_id=update["update_id"],
            )
        )
        return update

    def _emit(self, kind: str, payload: JsonDict, visible: bool) -> JsonDict:
        update: JsonDict = {"update_id": self.updates.next_update_id(), kind: payload}
        if visible:
            self.updates.push(update)
        return update

    def _state_for_user(self, user: FakeUser, chat: FakeChat) -> ChatState:
        state = self._usable(chat, user)
        if chat.type == "private":
            if chat.id != user.id:
                raise ValueError("a private chat with the bot belongs to one user only")
            if state.blocked:
                self.unblock_bot(user)
            state.started = True
        elif state.members.get(user.id) in (None, "left"):
            state.members[user.id] = "member"
        return state

    def _reply_for_user(self, state: ChatState, reply_to: int | None) -> FakeMessage | None:
        if reply_to is None:
            return None
        target = state.messages.get(reply_to)
        if target is None:
            raise ValueError(f"there is no message {reply_to} to reply to in this chat")
        return target

    def _bot_sees(self, state: ChatState, message: FakeMessage) -> bool:
        if state.chat.type == "private":
            return True
        if not state.bot_is_member:
            return False
        if not self.privacy_mode or state.bot_status in ("administrator", "creator"):
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        text = message.plain_text or ""
        bot_name = f"@{self.bot_user.username}".lower()
        for entity in message.entities or message.caption_entities:
            covered = entity_text(text, entity).lower()
            if entity["type"] == "bot_command" and ("@" not in covered or covered.endswith(bot_name)):
                return True
            if entity["type"] == "mention" and covered == bot_name:
                return True
        return False

    def _user_message(self, user: FakeUser, state: ChatState, message: FakeMessage, kind: str) -> JsonDict:
        update = self._emit(kind, message.to_dict(), self._bot_sees(state, message))
        media = next((k for k in ("photo", "voice", "document") if k in message.media), None)
        self.state.transcript.append(
            TranscriptEntry(
                direction="in",
                kind=kind,
                chat=state.chat,
                user=user,
                text=message.plain_text,
                message_id=message.message_id,
                update_id=update["update_id"],
                media=media,
            )
        )
        return update


def _missing(name: str, types: tuple[str, ...]) -> FakeApiError:
    if name == "text":
        return bad_request("message text is empty")
    if name == "chat_id":
        return bad_request("chat_id is empty")
    if "InputFile" in types:
        return bad_request(f"there is no {name} in the request")
    return bad_request(f"{name} is required")


def _default_description(code: int) -> str:
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    return f"{phrase}: injected failure"
