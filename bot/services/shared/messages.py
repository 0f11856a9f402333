"""Composing outgoing messages as outbox rows, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from bot.incoming import Incoming
from bot.render import TextTooLong
from bot.services.shared.actors import user_locale
from bot.services.shared.env import Env
from storage.models import User
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None  # callback_data (bot.callbacks.encode)
    url: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"text": self.text}
        if self.url is not None:
            out["url"] = self.url
        else:
            out["data"] = self.data or ""
        return out


Keyboard = list[list[Button]]


def keyboard_json(buttons: Keyboard | None) -> list[Any] | None:
    if not buttons:
        return None
    return [[b.to_json() for b in row] for row in buttons]


def ours(value: str) -> Markup:
    """A string the application made (a link, the bot's name): shown as it is, even in a group,
    where every plain string is masked as something a person wrote."""
    return Markup.escape(value)


def mention(user: User, name: str | None = None) -> Markup:
    """An HTML mention that notifies the person without needing a username."""
    return Markup('<a href="tg://user?id={}">{}</a>').format(user.telegram_id, name or user.full_name or "?")


async def public_chat(uow: UnitOfWork, chat_id: int) -> bool:
    """Does a text for this chat go to the public: any group but a staff group (whose members
    see rooms and phones by design), bound or not. Private chats are one person's."""
    if chat_id > 0:
        return False
    chat = await uow.chats.find_by_telegram_id(chat_id)
    return chat is None or chat.kind != "staff"


async def render_for(
    uow: UnitOfWork, env: Env, chat_id: int, locale: str | None, template: str, /, **context: Any
) -> str:
    """A template rendered for the chat it goes to: for a public chat, everything people wrote
    is masked (phone and room numbers; see Renderer), whatever template or path carries it."""
    return env.renderer.render(locale, template, public=await public_chat(uow, chat_id), **context)


def rows_that_fit(
    env: Env, locale: str, template: str, key: str, rows: list[dict[str, Any]], **context: Any
) -> int:
    """How many of `rows` (passed as `key`, with `more` = the rest) fit in one message: long names
    and notes make fewer. Renderer.render refuses a text over Telegram's 4096 UTF-16 units."""
    shown = len(rows)
    while shown > 0:
        page: dict[str, Any] = {key: rows[:shown], "more": len(rows) - shown}
        try:
            env.renderer.render(locale, template, **page, **context)
            break
        except TextTooLong:
            shown -= max(1, shown // 10)
    return shown


async def reply(
    uow: UnitOfWork,
    env: Env,
    inc: Incoming,
    locale: str,
    template: str,
    *,
    buttons: Keyboard | None = None,
    seq: int = 0,
    **context: Any,
) -> None:
    """Answer the person where they wrote; keyed by the update so a redelivery adds nothing."""
    await uow.outbox.add(
        dedupe_key=f"u{inc.update_id}:{seq}",
        chat_id=inc.chat.chat_id,
        text=await render_for(uow, env, inc.chat.chat_id, locale, template, **context),
        template=template,
        buttons=keyboard_json(buttons),
        reply_to_message_id=inc.message_id if not inc.chat.is_private else None,
    )


async def post(
    uow: UnitOfWork,
    env: Env,
    key: str,
    chat_id: int,
    locale: str,
    template: str,
    *,
    buttons: Keyboard | None = None,
    reply_to: int | None = None,
    priority: int = 0,
    **context: Any,
) -> bool:
    """A message to a chat (a group, or someone's private chat), once per key; `priority` puts it
    ahead of what the chat already has queued."""
    return await uow.outbox.add(
        dedupe_key=key,
        chat_id=chat_id,
        text=await render_for(uow, env, chat_id, locale, template, **context),
        template=template,
        buttons=keyboard_json(buttons),
        reply_to_message_id=reply_to,
        priority=priority,
    )


async def tell(
    uow: UnitOfWork,
    env: Env,
    key: str,
    user: User,
    template: str,
    *,
    fallback_chat_id: int | None = None,
    buttons: Keyboard | None = None,
    fallback_locale: str | None = None,
    priority: int = 0,
    **context: Any,
) -> None:
    """A private message to a person; if they cannot be reached there, a mention in a group instead."""
    text = env.renderer.render(user_locale(env, user), template, **context)
    fallback_text = None
    if fallback_chat_id is not None:
        locale = fallback_locale or env.settings.default_locale
        body = Markup(await render_for(uow, env, fallback_chat_id, locale, template, **context))
        fallback_text = await render_for(
            uow, env, fallback_chat_id, locale, "common/mention_fallback", who=mention(user), body=body
        )
    if user.reachable:
        await uow.outbox.add(
            dedupe_key=key,
            chat_id=user.telegram_id,
            text=text,
            template=template,
            buttons=keyboard_json(buttons),
            recipient_user_id=user.id,
            fallback_chat_id=fallback_chat_id,
            fallback_text=fallback_text,
            priority=priority,
        )
    elif fallback_chat_id is not None and fallback_text is not None:
        await uow.outbox.add(
            dedupe_key=f"{key}:fb",
            chat_id=fallback_chat_id,
            text=fallback_text,
            template=template,
            priority=priority,
        )


async def post_card(
    uow: UnitOfWork,
    key: str,
    chat_id: int,
    card_kind: str,
    card_ref: int,
    *,
    reply_to: int | None = None,
    recipient: User | None = None,
    fallback_chat_id: int | None = None,
    fallback_text: str | None = None,
    fallback_template: str | None = None,
) -> bool:
    """Post a card; its text and buttons are rendered from the current state when it is sent.

    A card for a person's private chat (`recipient`) falls back to `fallback_text` in a group when
    they cannot be reached there, as `tell` does.
    """
    if recipient is not None and not recipient.reachable:
        if fallback_chat_id is None or not fallback_text:
            return False
        return await uow.outbox.add(
            dedupe_key=f"{key}:fb", chat_id=fallback_chat_id, text=fallback_text, template=fallback_template
        )
    return await uow.outbox.add(
        dedupe_key=key,
        chat_id=chat_id,
        kind="card",
        card_kind=card_kind,
        card_ref=card_ref,
        reply_to_message_id=reply_to,
        recipient_user_id=recipient.id if recipient is not None else None,
        fallback_chat_id=fallback_chat_id,
        fallback_text=fallback_text,
    )


async def send_media(
    uow: UnitOfWork, key: str, chat_id: int, kind: str, file_id: str, caption: str = ""
) -> bool:
    """Send a kept photo, voice note, video or document again, by its file id."""
    return await uow.outbox.add(
        dedupe_key=key, chat_id=chat_id, kind="media", media_kind=kind, file_id=file_id, text=caption
    )


async def send_qr(uow: UnitOfWork, key: str, user: User, link: str, caption: str) -> bool:
    """A QR code of `link` to a person's private chat, drawn when sent (bot/qr.py); nothing when
    they cannot be reached there (the text it comes with has its own fallback)."""
    return await _private_media(uow, key, user, "qr", link, caption)


async def _private_media(
    uow: UnitOfWork,
    key: str,
    user: User,
    kind: str,
    file_id: str,
    caption: str,
    attachment: str | None = None,
) -> bool:
    """Media to a person's private chat only (no group fallback): nothing when it cannot reach them."""
    if not user.reachable:
        return False
    return await uow.outbox.add(
        dedupe_key=key,
        chat_id=user.telegram_id,
        kind="media",
        media_kind=kind,
        file_id=file_id,
        attachment=attachment,
        text=caption,
        recipient_user_id=user.id,
    )


async def refresh_card(uow: UnitOfWork, key: str, card_kind: str, card_ref: int) -> None:
    """Edit every posted copy of a card to show the current state (rendered when sent)."""
    for chat_id in await uow.outbox.card_chats(card_kind, card_ref):
        await uow.outbox.add(
            dedupe_key=f"{key}:{chat_id}",
            chat_id=chat_id,
            kind="edit_card",
            card_kind=card_kind,
            card_ref=card_ref,
        )


async def refresh_card_merged(uow: UnitOfWork, card_kind: str, card_ref: int, every: float) -> None:
    """Edit every posted copy of a card, merging the edits of a busy moment: all changes within one
    window of `every` seconds share one edit per chat (by its key), sent when the window closes and
    drawn from the state then. So a card edits at most 60/`every` times a minute per chat, however
    many people change it; with `every` 0, each change edits at once. The edit waits behind the
    chat's other messages (lower priority), so a card never holds up what people are told."""
    now = uow.clock()
    if every <= 0:
        slot, due = f"{now.timestamp():.6f}", now
    else:
        window = int(now.timestamp() // every) + 1
        slot, due = str(window), datetime.fromtimestamp(window * every, UTC)
    for chat_id in await uow.outbox.card_chats(card_kind, card_ref):
        await uow.outbox.add(
            dedupe_key=f"merged:{card_kind}:{card_ref}:{chat_id}:{slot}",
            chat_id=chat_id,
            kind="edit_card",
            card_kind=card_kind,
            card_ref=card_ref,
            priority=-1,
            due_at=due,
        )


async def send_file(
    uow: UnitOfWork, key: str, user: User, filename: str, content: str, caption: str = ""
) -> bool:
    """A text file the bot made (a CSV sheet) to a person's private chat, as a document; nothing
    when they cannot be reached there."""
    return await _private_media(uow, key, user, "upload", filename, caption, content)
