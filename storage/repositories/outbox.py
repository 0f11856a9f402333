"""The outbox (messages to deliver, written in the change's transaction) and where cards were posted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CardMessage, OutboxMessage
from storage.repositories.base import Repository, rowcount, skipping_insert

# Built once: the sender runs them for every message it delivers.
_HEAD_OF_CHAT = (
    select(OutboxMessage)
    .where(OutboxMessage.chat_id == bindparam("chat_id"), OutboxMessage.status == "pending")
    .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
    .limit(1)
)
_CARD = select(CardMessage).where(
    CardMessage.card_kind == bindparam("card_kind"),
    CardMessage.card_ref == bindparam("card_ref"),
    CardMessage.chat_id == bindparam("chat_id"),
)


class OutboxRepository(Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.added = 0

    async def add(
        self,
        *,
        dedupe_key: str,
        chat_id: int,
        kind: str = "send",
        text: str | None = None,
        template: str | None = None,
        buttons: list[Any] | None = None,
        reply_to_message_id: int | None = None,
        card_kind: str | None = None,
        card_ref: int | None = None,
        recipient_user_id: int | None = None,
        fallback_chat_id: int | None = None,
        fallback_text: str | None = None,
        media_kind: str | None = None,
        file_id: str | None = None,
        priority: int = 0,
        target_message_id: int | None = None,
        attachment: str | None = None,
        due_at: datetime | None = None,
        broadcast_id: int | None = None,
    ) -> bool:
        """Queue a message (kind send | card | edit_card | drop_buttons | media | menu | pin), due now
        by the unit of work's clock (or at `due_at`). A row of higher `priority` is delivered before
        the older rows of its chat.

        A second row with the same dedupe key is silently not added: False."""
        now = self.now()
        row = {
            "dedupe_key": dedupe_key,
            "chat_id": chat_id,
            "kind": kind,
            "text": text,
            "template": template,
            "buttons": buttons,
            "reply_to_message_id": reply_to_message_id,
            "card_kind": card_kind,
            "card_ref": card_ref,
            "recipient_user_id": recipient_user_id,
            "fallback_chat_id": fallback_chat_id,
            "fallback_text": fallback_text,
            "media_kind": media_kind,
            "file_id": file_id,
            "priority": priority,
            "target_message_id": target_message_id,
            "attachment": attachment,
            "broadcast_id": broadcast_id,
            "created_at": now,
            "next_attempt_at": due_at if due_at is not None else now,
        }
        statement = skipping_insert(self.session, OutboxMessage, "dedupe_key")
        inserted = rowcount(await self.session.execute(statement, row)) > 0
        self.added += int(inserted)
        return inserted

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, row_id)

    async def find_by_key(self, dedupe_key: str) -> OutboxMessage | None:
        result = await self.session.execute(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        return result.scalar_one_or_none()

    async def due_chats(self, now: datetime) -> list[int]:
        """Chats with a row due now; those with an urgent row first (their workers start first)."""
        result = await self.session.execute(
            select(OutboxMessage.chat_id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .group_by(OutboxMessage.chat_id)
            .order_by(func.max(OutboxMessage.priority).desc(), func.min(OutboxMessage.id))
        )
        return list(result.scalars())

    async def due_chats_by_priority(self, now: datetime) -> list[tuple[int, int]]:
        """(chat, its most urgent due row's priority), in the order of `due_chats`."""
        result = await self.session.execute(
            select(OutboxMessage.chat_id, func.max(OutboxMessage.priority))
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .group_by(OutboxMessage.chat_id)
            .order_by(func.max(OutboxMessage.priority).desc(), func.min(OutboxMessage.id))
        )
        return [(int(chat), int(priority)) for chat, priority in result.all()]

    async def next_due_time(self, exclude_chats: Sequence[int] = ()) -> datetime | None:
        query = select(OutboxMessage.next_attempt_at).where(OutboxMessage.status == "pending")
        if exclude_chats:
            query = query.where(OutboxMessage.chat_id.not_in(exclude_chats))
        result = await self.session.execute(query.order_by(OutboxMessage.next_attempt_at).limit(1))
        return result.scalar_one_or_none()

    async def head_of_chat(self, chat_id: int) -> OutboxMessage | None:
        result = await self.session.execute(_HEAD_OF_CHAT, {"chat_id": chat_id})
        return result.scalar_one_or_none()

    async def sent_since(self, since: datetime) -> list[tuple[int, datetime]]:
        """(chat id, sent at) of the rows delivered since then (read when a sender takes over; rare)."""
        result = await self.session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.sent_at).where(
                OutboxMessage.status == "sent", OutboxMessage.sent_at > since
            )
        )
        return [(chat_id, at) for chat_id, at in result.all() if at is not None]

    async def pending_count(self) -> int:
        result = await self.session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
        return int(result.scalar_one())

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == old_chat_id, OutboxMessage.status == "pending")
            .values(chat_id=new_chat_id)
        )
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.fallback_chat_id == old_chat_id, OutboxMessage.status == "pending")
            .values(fallback_chat_id=new_chat_id)
        )

    async def find_card(self, card_kind: str, card_ref: int, chat_id: int) -> CardMessage | None:
        params = {"card_kind": card_kind, "card_ref": card_ref, "chat_id": chat_id}
        return (await self.session.execute(_CARD, params)).scalar_one_or_none()

    async def find_card_at(self, chat_id: int, message_id: int, card_kind: str) -> int | None:
        """The ref of the card of this kind that a message in a chat is (for replies to a card),
        the current copy or an older one."""
        current = await self.session.execute(
            select(CardMessage.card_ref).where(
                CardMessage.chat_id == chat_id,
                CardMessage.message_id == message_id,
                CardMessage.card_kind == card_kind,
            )
        )
        older = await self.session.execute(
            select(OutboxMessage.card_ref).where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.sent_message_id == message_id,
                OutboxMessage.kind == "card",
                OutboxMessage.card_kind == card_kind,
            )
        )
        return current.scalars().first() or older.scalars().first()

    async def remember_card(
        self,
        card_kind: str,
        card_ref: int,
        chat_id: int,
        message_id: int,
        content_hash: str | None,
        *,
        has_buttons: bool = False,
    ) -> int | None:
        """Where a card now is and what it shows. Returns the message id of an older copy in the
        same chat that still shows buttons (a newer copy takes them over), if there is one."""
        existing = await self.find_card(card_kind, card_ref, chat_id)
        superseded = None
        if existing is None:
            self.session.add(
                CardMessage(
                    card_kind=card_kind,
                    card_ref=card_ref,
                    chat_id=chat_id,
                    message_id=message_id,
                    content_hash=content_hash,
                    has_buttons=has_buttons,
                )
            )
        else:
            if existing.message_id != message_id and existing.has_buttons:
                superseded = existing.message_id
            existing.message_id, existing.content_hash = message_id, content_hash
            existing.has_buttons = has_buttons
        await self.session.flush()
        return superseded

    async def forget_card(self, card_kind: str, card_ref: int, chat_id: int, message_id: int) -> None:
        """The card's message is gone from the chat (deleted): later edits no longer try it."""
        await self.session.execute(
            delete(CardMessage).where(
                CardMessage.card_kind == card_kind,
                CardMessage.card_ref == card_ref,
                CardMessage.chat_id == chat_id,
                CardMessage.message_id == message_id,
            )
        )

    async def forget_cards_in(self, chat_id: int) -> None:
        """Cards posted in a chat are no longer edited there (they stay as they read now)."""
        await self.session.execute(delete(CardMessage).where(CardMessage.chat_id == chat_id))

    async def card_chats(self, card_kind: str, card_ref: int) -> list[int]:
        """Chats where a card is posted, or queued to be posted."""
        posted = await self.session.execute(
            select(CardMessage.chat_id).where(
                CardMessage.card_kind == card_kind, CardMessage.card_ref == card_ref
            )
        )
        queued = await self.session.execute(
            select(OutboxMessage.chat_id).where(
                OutboxMessage.kind == "card",
                OutboxMessage.card_kind == card_kind,
                OutboxMessage.card_ref == card_ref,
                OutboxMessage.status == "pending",
            )
        )
        return sorted(set(posted.scalars()) | set(queued.scalars()))
