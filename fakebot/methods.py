"""Bot API methods of the offline fake, each checked the way Telegram checks it.

Every method takes the decoded parameters and the uploaded files, returns the ``result`` of a
successful answer and raises :class:`FakeApiError` for an error answer.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from fakebot.errors import FakeApiError, bad_request
from fakebot.models import (
    CallbackAnswer,
    FakeFile,
    FakeMessage,
    FakeUser,
    JsonDict,
    TranscriptEntry,
    UploadedFile,
)
from fakebot.state import ChatState, FakeState, MemberStatus
from fakebot.updates import UpdateQueue
from fakebot.validation import (
    CALLBACK_ANSWER_TEXT_LIMIT,
    check_caption,
    check_message_text,
    format_text,
    utf16_len,
    validate_reply_markup,
)

Params = dict[str, Any]
Files = Mapping[str, UploadedFile]
Method = Callable[[Params, Files], Awaitable[Any]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
# BotCommandScope types; those naming a group check the chat as Telegram does.
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})  # they name a chat
_LANGUAGE = re.compile(r"^[a-z]{2}$")  # a two-letter ISO 639-1 code, or empty for everyone else
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_MEDIA_KINDS = ("photo", "voice", "document", "video", "audio", "animation")


def _int(params: Params, name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise bad_request(f'field "{name}" must be of type Integer')
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    raise bad_request(f'field "{name}" must be of type Integer')


def _str(params: Params, name: str) -> str | None:
    value = params.get(name)
    return None if value is None else str(value)


def _bool(params: Params, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _allowed_updates(params: Params) -> list[str] | None:
    allowed = params.get("allowed_updates")
    if isinstance(allowed, str):  # sent form-encoded, as PTB does: a JSON array in a string
        try:
            allowed = json.loads(allowed)
        except ValueError:
            raise bad_request("can't parse allowed_updates JSON object") from None
    if allowed is not None and not (isinstance(allowed, list) and all(isinstance(a, str) for a in allowed)):
        raise bad_request("can't parse allowed_updates JSON object")
    return allowed


def _media_kind(message: FakeMessage) -> str | None:
    return next((kind for kind in _MEDIA_KINDS if kind in message.media), None)


def _inline_markup(markup: JsonDict | None) -> JsonDict | None:
    if markup is None or "inline_keyboard" not in markup:
        return None
    return markup


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class Telegram(Protocol):
    """What the methods need from the fake Telegram that serves them (``FakeTelegram``): its
    state, its update queue, its privacy setting and the one simulation step a method triggers.
    Declared here so that this module does not import the simulation that imports it."""

    @property
    def state(self) -> FakeState: ...

    @property
    def updates(self) -> UpdateQueue: ...

    @property
    def privacy_mode(self) -> bool: ...

    def change_bot_status(self, state: ChatState, new: MemberStatus, *, by: FakeUser) -> JsonDict:
        """Change the bot's status in a group and emit the ``my_chat_member`` update."""
        ...


class BotApiMethods:
    """The implemented Bot API methods, keyed by lower-case method name."""

    def __init__(self, fake: Telegram) -> None:
        self.fake = fake
        self.state = fake.state
        self.table: dict[str, Method] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "setmydescription": self.set_my_description,
            "getmydescription": self.get_my_description,
            "setmyshortdescription": self.set_my_short_description,
            "getmyshortdescription": self.get_my_short_description,
            "setmyname": self.set_my_name,
            "getmyname": self.get_my_name,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "sendvoice": self.send_voice,
            "sendvideo": self.send_video,
            "sendmediagroup": self.send_media_group,
            "copymessage": self.copy_message,
            "forwardmessage": self.forward_message,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "answercallbackquery": self.answer_callback_query,
            "sendchataction": self.send_chat_action,
            "pinchatmessage": self.pin_chat_message,
            "unpinchatmessage": self.unpin_chat_message,
            "getchat": self.get_chat,
            "getchatmember": self.get_chat_member,
            "getchatadministrators": self.get_chat_administrators,
            "getchatmembercount": self.get_chat_member_count,
            "leavechat": self.leave_chat,
            "getfile": self.get_file,
            "setchatmenubutton": self.set_chat_menu_button,
            "getchatmenubutton": self.get_chat_menu_button,
            "close": self.close,
            "logout": self.close,
        }

    # -- shared steps ---------------------------------------------------------------------------

    def _record_out(self, kind: str, method: str, message: FakeMessage, text: str | None = None) -> None:
        self.state.transcript.append(
            TranscriptEntry(
                direction="out",
                kind=kind,
                chat=message.chat,
                text=message.plain_text if text is None else text,
                html=message.html,
                buttons=message.buttons,
                message_id=message.message_id,
                method=method,
                media=_media_kind(message),
            )
        )

    def _markup(self, params: Params, *, inline_only: bool = False) -> JsonDict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        validate_reply_markup(markup, inline_only=inline_only)
        assert isinstance(markup, dict)
        return markup

    def _reply_target(self, state: ChatState, params: Params) -> FakeMessage | None:
        reply = params.get("reply_parameters")
        allow_without = _bool(params, "allow_sending_without_reply")
        target_state = state
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_without = bool(reply.get("allow_sending_without_reply", allow_without))
            if reply.get("chat_id") is not None and reply.get("chat_id") != state.chat.id:
                target_state = self.state.find_chat(reply.get("chat_id"))
        else:
            message_id = _int(params, "reply_to_message_id")
        if message_id is None:
            return None
        target = self.state.get_message(target_state, message_id)
        if target is None:
            if allow_without:
                return None
            raise bad_request("message to be replied not found")
        return target

    def _caption(self, params: Params, prefix: str = "") -> tuple[str | None, list[JsonDict], str | None]:
        raw = params.get(f"{prefix}caption")
        if raw is None or raw == "":
            return None, [], None
        plain, entities = format_text(str(raw), params.get("parse_mode"), params.get("caption_entities"))
        check_caption(plain)
        if not plain:
            return None, [], str(raw)
        return plain, self.state.resolve_text_mentions(entities), str(raw)

    def _file(
        self, kind: str, value: object, files: Files, field: str, params: Params
    ) -> JsonDict | list[JsonDict]:
        """Resolve an InputFile or file_id/URL parameter to the object a message carries."""
        upload: UploadedFile | None = None
        if isinstance(value, UploadedFile):
            upload = value
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f"file {value} is not found in the request")
        elif isinstance(value, str) and re.match(r"^https?://", value):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            upload = UploadedFile(name, f"downloaded from {value}".encode(), None)
        elif isinstance(value, str) and value:
            stored = self.state.files.get(value)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
            return stored.photo_sizes if kind == "photo" and stored.photo_sizes else stored.to_dict()
        else:
            raise bad_request(f"there is no {field} in the request")
        if not upload.content:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            return self.state.new_photo(upload.content)
        mime_type = upload.mime_type or mimetypes.guess_type(upload.filename)[0]
        extra: dict[str, Any] = {"mime_type": mime_type}
        if kind == "voice":
            extra = {"mime_type": "audio/ogg", "duration": _int(params, "duration") or 1}
        elif kind in ("video", "audio", "animation"):
            extra["duration"] = _int(params, "duration") or 1
            extra["file_name"] = upload.filename
        else:
            extra["file_name"] = upload.filename
        stored_file: FakeFile = self.state.new_file(kind, upload.content, **extra)
        return stored_file.to_dict()

    def _send_media(self, params: Params, files: Files, kind: str, method: str) -> JsonDict:
        state = self.state.chat_for_send(params["chat_id"])
        caption, caption_entities, html = self._caption(params)
        markup = self._markup(params)
        reply = self._reply_target(state, params)
        media = self._file(kind, params.get(kind), files, kind, params)
        self.state.check_flood(state)
        message = self.state.store_message(
            state,
            self.state.bot,
            caption=caption,
            caption_entities=caption_entities,
            html=html,
            reply_markup=markup,
            reply_to=reply,
            media={kind: media},
        )
        self._record_out("message", method, message)
        return message.to_dict()

    def _message_to_edit(self, params: Params) -> tuple[ChatState, FakeMessage]:
        if params.get("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the offline fake")
        if params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        message_id = _int(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        state = self.state.find_chat(params["chat_id"])
        self.state.check_bot_access(state)
        message = self.state.get_message(state, message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return state, message

    # -- bot and updates ------------------------------------------------------------------------

    async def get_me(self, params: Params, files: Files) -> JsonDict:
        data = self.state.bot.to_dict()
        data.update(
            {
                "can_join_groups": True,
                "can_read_all_group_messages": not self.fake.privacy_mode,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        )
        return data

    async def get_updates(self, params: Params, files: Files) -> list[JsonDict]:
        limit = _int(params, "limit")
        limit = 100 if limit is None or limit <= 0 else min(limit, 100)
        if self.fake.updates.webhook is not None:
            raise FakeApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = _allowed_updates(params)
        return await self.fake.updates.fetch(
            offset=_int(params, "offset"),
            limit=limit,
            wait_seconds=float(_int(params, "timeout") or 0),
            allowed_updates=allowed,
        )

    async def set_webhook(self, params: Params, files: Files) -> bool:
        """setWebhook as Telegram checks it: an HTTPS URL (empty removes the webhook), a secret token of
        1-256 characters of A-Z, a-z, 0-9, _ and -, max_connections 1-100."""
        url = _str(params, "url")
        if url is None:
            raise bad_request('parameter "url" is required')
        if not url:
            self.fake.updates.webhook = None
            return True
        if not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = _str(params, "secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        connections = _int(params, "max_connections")
        if connections is not None and not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if _bool(params, "drop_pending_updates"):
            self.fake.updates.drop_pending()
        self.fake.updates.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": connections or 40,
            "allowed_updates": _allowed_updates(params),
        }
        return True

    async def delete_webhook(self, params: Params, files: Files) -> bool:
        self.fake.updates.webhook = None
        if _bool(params, "drop_pending_updates"):
            self.fake.updates.drop_pending()
        return True

    async def get_webhook_info(self, params: Params, files: Files) -> JsonDict:
        hook = self.fake.updates.webhook
        info: JsonDict = {
            "url": hook["url"] if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.fake.updates.pending_count(),
        }
        if hook:
            info["max_connections"] = hook["max_connections"]
            if hook["allowed_updates"] is not None:
                info["allowed_updates"] = hook["allowed_updates"]
        return info

    def _commands_key(self, params: Params) -> tuple[str, str]:
        """The (scope, language) a command list is stored under, both checked as Telegram does."""
        scope = params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            try:
                scope = json.loads(scope)
            except ValueError as exc:
                raise bad_request("can't parse BotCommandScope JSON object") from exc
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind not in _SCOPES:
            raise bad_request("unsupported bot command scope type")
        key: JsonDict = {"type": kind}
        if kind in _CHAT_SCOPES:
            if scope.get("chat_id") in (None, ""):
                raise bad_request("chat_id is empty")
            state = self.state.find_chat(scope["chat_id"])
            if kind != "chat" and not state.chat.is_group:
                raise bad_request(f"can't use {kind} scope in a private chat")
            self.state.check_bot_access(state)
            key["chat_id"] = state.chat.id
        if kind == "chat_member":
            user_id = scope.get("user_id")
            if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id not in self.state.users:
                raise bad_request("user not found")
            key["user_id"] = user_id
        language = _str(params, "language_code") or ""
        if language and not _LANGUAGE.match(language):
            raise bad_request("invalid language code specified")
        return json.dumps(key, sort_keys=True), language

    async def set_my_commands(self, params: Params, files: Files) -> bool:
        commands = params["commands"]
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands: at most 100 are allowed")
        checked: list[JsonDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append({"command": name, "description": description})
        self.state.commands[self._commands_key(params)] = checked
        return True

    async def get_my_commands(self, params: Params, files: Files) -> list[JsonDict]:
        return list(self.state.commands.get(self._commands_key(params), []))

    async def delete_my_commands(self, params: Params, files: Files) -> bool:
        self.state.commands.pop(self._commands_key(params), None)
        return True

    def _set_text(self, kind: str, params: Params, field: str, limit: int) -> bool:
        value = _str(params, field) or ""
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        self.state.bot_texts[(kind, _str(params, "language_code") or "")] = value
        return True

    def _get_text(self, kind: str, params: Params) -> str:
        return self.state.bot_texts.get((kind, _str(params, "language_code") or ""), "")

    async def set_my_description(self, params: Params, files: Files) -> bool:
        return self._set_text("description", params, "description", 512)

    async def get_my_description(self, params: Params, files: Files) -> JsonDict:
        return {"description": self._get_text("description", params)}

    async def set_my_short_description(self, params: Params, files: Files) -> bool:
        return self._set_text("short_description", params, "short_description", 120)

    async def get_my_short_description(self, params: Params, files: Files) -> JsonDict:
        return {"short_description": self._get_text("short_description", params)}

    async def set_my_name(self, params: Params, files: Files) -> bool:
        return self._set_text("name", params, "name", 64)

    async def get_my_name(self, params: Params, files: Files) -> JsonDict:
        return {"name": self._get_text("name", params) or self.state.bot.first_name}

    async def close(self, params: Params, files: Files) -> bool:
        return True

    # -- sending --------------------------------------------------------------------------------

    async def send_message(self, params: Params, files: Files) -> JsonDict:
        state = self.state.chat_for_send(params["chat_id"])
        text = _str(params, "text") or ""
        plain, entities = format_text(text, params.get("parse_mode"), params.get("entities"))
        check_message_text(plain)
        markup = self._markup(params)
        reply = self._reply_target(state, params)
        self.state.check_flood(state)
        message = self.state.store_message(
            state,
            self.state.bot,
            text=plain,
            entities=self.state.resolve_text_mentions(entities),
            html=text,
            reply_markup=markup,
            reply_to=reply,
        )
        self._record_out("message", "sendMessage", message)
        return message.to_dict()

    async def send_photo(self, params: Params, files: Files) -> JsonDict:
        return self._send_media(params, files, "photo", "sendPhoto")

    async def send_document(self, params: Params, files: Files) -> JsonDict:
        return self._send_media(params, files, "document", "sendDocument")

    async def send_voice(self, params: Params, files: Files) -> JsonDict:
        return self._send_media(params, files, "voice", "sendVoice")

    async def send_video(self, params: Params, files: Files) -> JsonDict:
        return self._send_media(params, files, "video", "sendVideo")

    async def send_media_group(self, params: Params, files: Files) -> list[JsonDict]:
        state = self.state.chat_for_send(params["chat_id"])
        media = params["media"]
        if not isinstance(media, list) or not all(isinstance(item, dict) for item in media):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("media must contain 2-10 items")
        kinds = [str(item.get("type")) for item in media]
        for kind in kinds:
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request(f"unsupported media type {kind!r} in a media group")
        for lonely in ("document", "audio"):
            if lonely in kinds and any(kind != lonely for kind in kinds):
                raise bad_request(f"{lonely} can't be mixed with other media types")
        captions = [self._caption(item) for item in media]
        reply = self._reply_target(state, params)
        resolved = [
            self._file(kind, item.get("media"), files, "media", item)
            for kind, item in zip(kinds, media, strict=True)
        ]
        self.state.check_flood(state, len(media))
        group_id = str(10_000_000_000_000 + self.state.counter("media_group"))
        results: list[JsonDict] = []
        for index, (kind, payload, (caption, caption_entities, html)) in enumerate(
            zip(kinds, resolved, captions, strict=True)
        ):
            message = self.state.store_message(
                state,
                self.state.bot,
                caption=caption,
                caption_entities=caption_entities,
                html=html,
                media={kind: payload},
                media_group_id=group_id,
                reply_to=reply if index == 0 else None,
            )
            self._record_out("message", "sendMediaGroup", message)
            results.append(message.to_dict())
        return results

    def _source_message(self, params: Params, missing: str) -> FakeMessage:
        source_state = self.state.find_chat(params["from_chat_id"])
        self.state.check_bot_access(source_state)
        source = self.state.get_message(source_state, _int(params, "message_id"))
        if source is None or (source.text is None and not source.media):
            raise bad_request(missing)
        return source

    async def copy_message(self, params: Params, files: Files) -> JsonDict:
        state = self.state.chat_for_send(params["chat_id"])
        source = self._source_message(params, "message to copy not found")
        caption, caption_entities, html = source.caption, list(source.caption_entities), source.html
        if params.get("caption") is not None and source.media:
            caption, caption_entities, html = self._caption(params)
        markup = self._markup(params)
        reply = self._reply_target(state, params)
        self.state.check_flood(state)
        message = self.state.store_message(
            state,
            self.state.bot,
            text=source.text,
            entities=list(source.entities),
            caption=caption if source.media else None,
            caption_entities=caption_entities if source.media else [],
            html=html if source.from_bot or params.get("caption") is not None else None,
            media=dict(source.media),
            reply_markup=markup,
            reply_to=reply,
        )
        self._record_out("message", "copyMessage", message)
        return {"message_id": message.message_id}

    async def forward_message(self, params: Params, files: Files) -> JsonDict:
        state = self.state.chat_for_send(params["chat_id"])
        source = self._source_message(params, "message to forward not found")
        self.state.check_flood(state)
        origin: JsonDict = {"type": "user", "date": source.date, "sender_user": source.sender.to_dict()}
        message = self.state.store_message(
            state,
            self.state.bot,
            text=source.text,
            entities=list(source.entities),
            caption=source.caption,
            caption_entities=list(source.caption_entities),
            media=dict(source.media),
            extra={"forward_origin": origin},
        )
        self._record_out("message", "forwardMessage", message)
        return message.to_dict()

    # -- editing and deleting -------------------------------------------------------------------

    async def edit_message_text(self, params: Params, files: Files) -> JsonDict:
        _, message = self._message_to_edit(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text = _str(params, "text") or ""
        plain, entities = format_text(text, params.get("parse_mode"), params.get("entities"))
        check_message_text(plain)
        entities = self.state.resolve_text_mentions(entities)
        markup = self._markup(params, inline_only=True)
        current = (message.text, message.entities, _inline_markup(message.reply_markup))
        if _same(current, (plain, entities, markup)):
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities, message.html = plain, entities, text
        message.reply_markup = markup
        message.edit_date = self.state.now()
        self._record_out("edit", "editMessageText", message)
        return message.to_dict()

    async def edit_message_caption(self, params: Params, files: Files) -> JsonDict:
        _, message = self._message_to_edit(params)
        if not message.media:
            raise bad_request("there is no caption in the message to edit")
        caption, caption_entities, html = self._caption(params)
        markup = self._markup(params, inline_only=True)
        current = (message.caption, message.caption_entities, _inline_markup(message.reply_markup))
        if _same(current, (caption, caption_entities, markup)):
            raise bad_request(NOT_MODIFIED)
        message.caption, message.caption_entities, message.html = caption, caption_entities, html
        message.reply_markup = markup
        message.edit_date = self.state.now()
        self._record_out("edit", "editMessageCaption", message)
        return message.to_dict()

    async def edit_message_reply_markup(self, params: Params, files: Files) -> JsonDict:
        _, message = self._message_to_edit(params)
        markup = self._markup(params, inline_only=True)
        if _same(_inline_markup(message.reply_markup), markup):
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        message.edit_date = self.state.now()
        self._record_out("edit", "editMessageReplyMarkup", message)
        return message.to_dict()

    async def delete_message(self, params: Params, files: Files) -> bool:
        state = self.state.find_chat(params["chat_id"])
        self.state.check_bot_access(state)
        message = self.state.get_message(state, _int(params, "message_id"))
        if message is None:
            raise bad_request("message to delete not found")
        allowed = (
            message.from_bot
            or state.chat.type == "private"
            or state.bot_status in ("administrator", "creator")
        )
        if not allowed:
            raise bad_request("message can't be deleted")
        del state.messages[message.message_id]
        if message.message_id in state.pinned:
            state.pinned.remove(message.message_id)
        self._record_out("delete", "deleteMessage", message)
        return True

    async def answer_callback_query(self, params: Params, files: Files) -> bool:
        query_id = str(params["callback_query_id"])
        query = self.state.callback_queries.get(query_id)
        if query is None or query_id in self.state.answered_queries:
            raise bad_request(QUERY_TOO_OLD)
        text = _str(params, "text")
        if text is not None and utf16_len(text) > CALLBACK_ANSWER_TEXT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        user, chat, message_id, data = query
        self.state.answered_queries.add(query_id)
        show_alert = _bool(params, "show_alert")
        self.state.callback_answers.append(
            CallbackAnswer(query_id, user, chat, message_id, data, text, show_alert, _str(params, "url"))
        )
        if text:
            self.state.transcript.append(
                TranscriptEntry(
                    direction="out",
                    kind="callback_answer",
                    chat=chat,
                    user=None,
                    text=text,
                    message_id=message_id,
                    method="answerCallbackQuery",
                    data=data,
                )
            )
        return True

    async def send_chat_action(self, params: Params, files: Files) -> bool:
        self.state.chat_for_send(params["chat_id"])
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _check_pin_rights(self, state: ChatState) -> None:
        if state.chat.is_group and state.bot_status not in ("administrator", "creator"):
            raise bad_request("not enough rights to manage pinned messages in the chat")

    async def pin_chat_message(self, params: Params, files: Files) -> bool:
        state = self.state.chat_for_send(params["chat_id"])
        self._check_pin_rights(state)
        message = self.state.get_message(state, _int(params, "message_id"))
        if message is None:
            raise bad_request("message to pin not found")
        if message.message_id in state.pinned:
            state.pinned.remove(message.message_id)
        state.pinned.append(message.message_id)
        self._record_out("pin", "pinChatMessage", message)
        return True

    async def unpin_chat_message(self, params: Params, files: Files) -> bool:
        state = self.state.chat_for_send(params["chat_id"])
        self._check_pin_rights(state)
        message_id = _int(params, "message_id")
        if message_id is None:
            if state.pinned:
                state.pinned.pop()
            return True
        if message_id not in state.pinned:
            raise bad_request("message to unpin not found")
        state.pinned.remove(message_id)
        return True

    # -- chats and members ----------------------------------------------------------------------

    def _group_for_reading(self, chat_id: object) -> ChatState:
        state = self.state.find_chat(chat_id)
        if state.chat.is_group:
            self.state.check_bot_access(state)
        return state

    async def get_chat(self, params: Params, files: Files) -> JsonDict:
        state = self._group_for_reading(params["chat_id"])
        data = state.chat.to_dict()
        data.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        if state.pinned and state.pinned[-1] in state.messages:
            data["pinned_message"] = state.messages[state.pinned[-1]].to_dict(with_reply=False)
        return data

    def _status_of(self, state: ChatState, user_id: int) -> MemberStatus:
        if user_id == self.state.bot.id:
            return state.bot_status if state.chat.is_group else "member"
        if state.chat.type == "private":
            return "member" if user_id == state.chat.id else "left"
        return state.members.get(user_id, "left")

    async def get_chat_member(self, params: Params, files: Files) -> JsonDict:
        state = self._group_for_reading(params["chat_id"])
        user_id = _int(params, "user_id")
        if user_id is None:
            raise bad_request("user_id is required")
        user = self.state.bot if user_id == self.state.bot.id else self.state.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        stranger = user_id != self.state.bot.id and user_id not in state.members
        if state.chat.is_group and stranger and not self._bot_knows(user_id):
            # Someone never in this group whom the bot has never met: Telegram cannot resolve them.
            raise bad_request(
                "PARTICIPANT_ID_INVALID" if state.chat.type == "supergroup" else "user not found"
            )
        return self.state.member_dict(user, self._status_of(state, user_id))

    def _bot_knows(self, user_id: int) -> bool:
        """The user wrote to the bot in private, or is (or was) in a group with it."""
        private = self.state.chats.get(user_id)
        if private is not None and (private.started or private.blocked):
            return True
        return any(
            user_id in other.members and other.bot_is_member
            for other in self.state.chats.values()
            if other.chat.is_group
        )

    async def get_chat_administrators(self, params: Params, files: Files) -> list[JsonDict]:
        state = self._group_for_reading(params["chat_id"])
        if not state.chat.is_group:
            raise bad_request("there are no administrators in the private chat")
        admins = [
            self.state.member_dict(self.state.users[user_id], status)
            for user_id, status in state.members.items()
            if status in ("creator", "administrator") and user_id in self.state.users
        ]
        if state.bot_status == "administrator":
            admins.append(self.state.member_dict(self.state.bot, "administrator"))
        return admins

    async def get_chat_member_count(self, params: Params, files: Files) -> int:
        state = self._group_for_reading(params["chat_id"])
        if not state.chat.is_group:
            return 2
        present = ("creator", "administrator", "member", "restricted")
        return sum(1 for status in state.members.values() if status in present) + int(state.bot_is_member)

    async def leave_chat(self, params: Params, files: Files) -> bool:
        state = self.state.find_chat(params["chat_id"])
        if not state.chat.is_group:
            raise bad_request("chat member status can't be changed in private chats")
        self.state.check_bot_access(state)
        self.fake.change_bot_status(state, "left", by=self.state.bot)
        self.state.transcript.append(
            TranscriptEntry(direction="out", kind="leave", chat=state.chat, method="leaveChat")
        )
        return True

    async def get_file(self, params: Params, files: Files) -> JsonDict:
        stored = self.state.files.get(str(params["file_id"]))
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        return stored.file_object()

    async def set_chat_menu_button(self, params: Params, files: Files) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise bad_request("can't parse menu button JSON object")
        chat_id = _int(params, "chat_id")
        if chat_id is None:
            self.state.default_menu_button = button
            return True
        state = self.state.find_chat(chat_id)
        if state.chat.type != "private":
            raise bad_request("menu button can be set only in private chats")
        state.menu_button = button
        return True

    async def get_chat_menu_button(self, params: Params, files: Files) -> JsonDict:
        chat_id = _int(params, "chat_id")
        if chat_id is not None:
            state = self.state.find_chat(chat_id)
            if state.menu_button is not None and state.menu_button.get("type") != "default":
                return state.menu_button
        return self.state.default_menu_button
