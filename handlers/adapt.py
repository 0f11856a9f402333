"""Turning a Telegram update into plain values, and running one service for it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Chat, ChatMemberRestricted, Message, MessageEntity, Update, User
from telegram.error import BadRequest

from bot import opening
from bot.context import LinliContext
from bot.incoming import Incoming, Media, MemberChange, MembersChange, Person, Where
from bot.services.community import people
from bot.services.shared.runner import Outcome, Service

log = logging.getLogger(__name__)

Handler = Callable[[Update, LinliContext], Coroutine[Any, Any, None]]
ANONYMOUS_ADMIN_ID = 1087968824  # GroupAnonymousBot: the sender shown for anonymous group admins


def person(user: User) -> Person:
    return Person(user.id, user.first_name, user.last_name, user.username, user.language_code)


def where(chat: Chat) -> Where:
    return Where(chat.id, chat.type, chat.title or "")


def media(message: Message) -> tuple[Media, ...]:
    """What a message carries besides text; for a photo, its largest size."""
    if message.photo:
        return (Media("photo", message.photo[-1].file_id),)
    for kind in ("voice", "video", "document"):
        attachment = getattr(message, kind)
        if attachment is not None:
            return (Media(kind, attachment.file_id),)
    return ()


def _kind(update: Update) -> str:
    if update.edited_message is not None:
        return "edited_message"
    if update.callback_query is not None:
        return "callback_query"
    return "message"


def _entities(message: Message, *kinds: str) -> dict[MessageEntity, str]:
    """Entities of these kinds in the text or the caption, with the text they cover."""
    if message.text:
        return message.parse_entities(list(kinds))
    return message.parse_caption_entities(list(kinds))


def _arguments(message: Message, text: str, command: bool) -> str:
    """A command's arguments (as written, however the command was typed: /take 3, ／take ３,
    /take３) without the people it names (they arrive as mentions)."""
    if not command:
        return text.strip()
    typed = opening.read_command(text)
    text = typed.rest if typed is not None else ""
    entities = (
        message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
        if message.text
        else (message.parse_caption_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]))
    )
    for mention_text in entities.values():
        text = text.replace(mention_text, " ", 1)
    return " ".join(text.split()) if entities else text.strip()


def incoming(update: Update, *, command: bool = False) -> Incoming:
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    if update.callback_query is not None:
        return Incoming(
            update_id=update.update_id,
            actor=person(user),
            chat=where(chat),
            message_id=message.message_id if message is not None else None,
            text="",
            callback_id=update.callback_query.id,
            kind="callback_query",
        )
    assert message is not None
    raw = message.text or message.caption or ""
    replied = message.reply_to_message
    reply_to = None
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        reply_to = person(replied.from_user)
    entities = message.entities or message.caption_entities or ()
    return Incoming(
        update_id=update.update_id,
        actor=person(user),
        chat=where(chat),
        message_id=message.message_id,
        text=_arguments(message, raw, command),
        reply_to=reply_to,
        reply_to_message_id=replied.message_id if replied is not None else None,
        text_mentions=tuple(
            person(e.user) for e in entities if e.type == MessageEntity.TEXT_MENTION and e.user
        ),
        usernames=tuple(text.lstrip("@") for text in _entities(message, MessageEntity.MENTION).values()),
        kind=_kind(update),
        media=media(message),
        media_group_id=message.media_group_id,
        reply_text=(replied.text or replied.caption or "") if replied is not None else "",
        reply_media=media(replied) if replied is not None else (),
    )


def member_change(update: Update) -> MemberChange:
    changed = update.my_chat_member
    assert changed is not None
    return MemberChange(
        update_id=update.update_id,
        actor=person(changed.from_user),
        chat=where(changed.chat),
        old_status=changed.old_chat_member.status,
        new_status=changed.new_chat_member.status,
    )


def members_change(update: Update) -> MembersChange:
    """People other than bots joining or leaving a group: a chat_member update, or a message with
    new_chat_members or left_chat_member."""
    if update.chat_member is not None:
        new = update.chat_member.new_chat_member
        status = new.status
        if isinstance(new, ChatMemberRestricted) and not new.is_member:
            status = "left"
        who = () if new.user.is_bot else (person(new.user),)
        return MembersChange(update.update_id, where(update.chat_member.chat), who, status, "chat_member")
    message = update.effective_message
    assert message is not None
    if message.new_chat_members:
        joined = tuple(person(u) for u in message.new_chat_members if not u.is_bot)
        return MembersChange(update.update_id, where(message.chat), joined, "member")
    gone = message.left_chat_member
    who = (person(gone),) if gone is not None and not gone.is_bot else ()
    return MembersChange(update.update_id, where(message.chat), who, "left")


def is_anonymous_admin(update: Update) -> bool:
    message = update.effective_message
    return bool(
        message is not None
        and message.sender_chat is not None
        and (message.from_user is None or message.from_user.id == ANONYMOUS_ADMIN_ID)
    )


def command(service: Service, *args: Any) -> Handler:
    """A command handler that runs one service with the command's arguments."""

    async def handle(update: Update, context: LinliContext) -> None:
        if is_anonymous_admin(update):
            await context.deps.run(people.anonymous_admin, incoming(update, command=True))
            return
        await context.deps.run(service, incoming(update, command=True), *args)

    handle.__name__ = f"on_{getattr(service, '__name__', 'command')}"
    return handle


def message(service: Service) -> Handler:
    """A handler for a message that is not a command."""

    async def handle(update: Update, context: LinliContext) -> None:
        if is_anonymous_admin(update) or update.effective_user is None:
            return
        await context.deps.run(service, incoming(update))

    handle.__name__ = f"on_{getattr(service, '__name__', 'message')}"
    return handle


async def answer(update: Update, outcome: Outcome) -> None:
    """Every callback query is answered (unless it is a redelivery, which must send nothing)."""
    query = update.callback_query
    if query is None or outcome.duplicate:
        return
    try:
        await query.answer(outcome.toast, show_alert=outcome.alert and bool(outcome.toast))
    except BadRequest as exc:  # too old to answer: nothing left to do
        log.info("callback query %s not answered: %s", query.id, exc)
