"""Repositories: queries and inserts for one aggregate each. They never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import now_of
from storage.models import (
    CardMessage,
    Chat,
    Community,
    Conversation,
    Invite,
    Membership,
    OutboxMessage,
    User,
)


def rowcount(result: Any) -> int:
    """Rows an UPDATE or INSERT ... ON CONFLICT DO NOTHING touched (0 when the driver cannot say)."""
    return int(getattr(result, "rowcount", 0) or 0)


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def now(self) -> datetime:
        """The unit of work's clock (never the system time)."""
        return now_of(self.session.sync_session)

    def _insert(self, model: type[Any]) -> Any:
        """An INSERT that can skip a conflicting row, in the dialect of the connection."""
        if self.session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)


class CommunityRepository(_Repository):
    async def get(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def by_name(self, name: str) -> Community | None:
        result = await self.session.execute(
            select(Community).where(func.lower(Community.name) == name.lower())
        )
        return result.scalar_one_or_none()

    async def add(self, community: Community) -> Community:
        self.session.add(community)
        await self.session.flush()
        return community

    async def all(self) -> list[Community]:
        result = await self.session.execute(select(Community).order_by(Community.name))
        return list(result.scalars())

    async def many(self, ids: Sequence[int]) -> list[Community]:
        if not ids:
            return []
        result = await self.session.execute(
            select(Community).where(Community.id.in_(ids)).order_by(Community.name)
        )
        return list(result.scalars())


class ChatRepository(_Repository):
    async def by_telegram_id(self, telegram_id: int) -> Chat | None:
        result = await self.session.execute(select(Chat).where(Chat.telegram_id == telegram_id))
        return result.scalar_one_or_none()

    async def add(self, chat: Chat) -> Chat:
        self.session.add(chat)
        await self.session.flush()
        return chat

    async def migrate(self, old_telegram_id: int, new_telegram_id: int) -> Chat | None:
        """Follow a group's upgrade to a supergroup: the row keeps its community under the new id."""
        old = await self.by_telegram_id(old_telegram_id)
        new = await self.by_telegram_id(new_telegram_id)
        if old is None:
            return new
        if new is None:
            old.telegram_id = new_telegram_id
            await self.session.flush()
            return old
        if new.community_id is None:
            new.community_id, new.kind, new.buildings = old.community_id, old.kind, list(old.buildings)
        old.active = False
        await self.session.flush()
        return new

    async def of_community(self, community_id: int, kind: str | None = None) -> list[Chat]:
        query = select(Chat).where(Chat.community_id == community_id, Chat.active.is_(True))
        if kind is not None:
            query = query.where(Chat.kind == kind)
        result = await self.session.execute(query.order_by(Chat.id))
        return list(result.scalars())


class UserRepository(_Repository):
    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        result = await self.session.execute(select(User).where(User.telegram_id == telegram_id))
        return result.scalar_one_or_none()

    async def by_username(self, username: str) -> User | None:
        result = await self.session.execute(select(User).where(User.username == username.lower().lstrip("@")))
        return result.scalars().first()

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user


class MembershipRepository(_Repository):
    async def set_volunteer_status(self, membership_id: int, allowed_from: Iterable[str], to: str) -> bool:
        """Change a volunteer's status only if it is still one of `allowed_from`; False if it was not."""
        result = await self.session.execute(
            update(Membership)
            .where(Membership.id == membership_id, Membership.volunteer_status.in_(list(allowed_from)))
            .values(volunteer_status=to, updated_at=self.now())
            .execution_options(synchronize_session="fetch")
        )
        return rowcount(result) > 0

    async def by_id(self, membership_id: int) -> Membership | None:
        return await self.session.get(Membership, membership_id)

    async def get(self, user_id: int, community_id: int) -> Membership | None:
        result = await self.session.execute(
            select(Membership).where(Membership.user_id == user_id, Membership.community_id == community_id)
        )
        return result.scalar_one_or_none()

    async def of_user(self, user_id: int) -> list[Membership]:
        result = await self.session.execute(
            select(Membership).where(Membership.user_id == user_id).order_by(Membership.id)
        )
        return list(result.scalars())

    async def add(self, membership: Membership) -> Membership:
        self.session.add(membership)
        await self.session.flush()
        return membership

    async def volunteers(self, community_id: int) -> list[tuple[Membership, User]]:
        result = await self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community_id, Membership.volunteer_status != "none")
            .order_by(Membership.id)
        )
        return [(m, u) for m, u in result.all()]

    async def with_role(self, community_id: int, role: str) -> list[tuple[Membership, User]]:
        result = await self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community_id)
            .order_by(Membership.id)
        )
        return [(m, u) for m, u in result.all() if role in m.roles]


class InviteRepository(_Repository):
    async def by_code(self, code: str) -> Invite | None:
        result = await self.session.execute(select(Invite).where(Invite.code == code))
        return result.scalar_one_or_none()

    async def add(self, invite: Invite) -> Invite:
        self.session.add(invite)
        await self.session.flush()
        return invite


class ConversationRepository(_Repository):
    async def get(self, user_id: int) -> Conversation | None:
        return await self.session.get(Conversation, user_id)

    async def put(self, user_id: int, flow: str, step: str, data: dict[str, Any]) -> Conversation:
        conversation = await self.session.get(Conversation, user_id)
        if conversation is None:
            conversation = Conversation(user_id=user_id, flow=flow, step=step, data=dict(data))
            self.session.add(conversation)
        else:
            conversation.flow, conversation.step, conversation.data = flow, step, dict(data)
        await self.session.flush()
        return conversation

    async def end(self, user_id: int) -> bool:
        conversation = await self.session.get(Conversation, user_id)
        if conversation is None:
            return False
        await self.session.delete(conversation)
        await self.session.flush()
        return True


class OutboxRepository(_Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.added = 0

    async def add(self, **values: Any) -> bool:
        """Queue a message; a second row with the same dedupe key is silently not added."""
        now = self.now()
        values = {"created_at": now, "next_attempt_at": now, **values}
        statement = (
            self._insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        result = await self.session.execute(statement)
        inserted = rowcount(result) > 0
        self.added += int(inserted)
        return inserted

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, row_id)

    async def by_key(self, dedupe_key: str) -> OutboxMessage | None:
        result = await self.session.execute(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        return result.scalar_one_or_none()

    async def due_chats(self, now: datetime) -> list[int]:
        result = await self.session.execute(
            select(OutboxMessage.chat_id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .distinct()
        )
        return list(result.scalars())

    async def next_due_time(self, exclude_chats: Sequence[int] = ()) -> datetime | None:
        query = select(OutboxMessage.next_attempt_at).where(OutboxMessage.status == "pending")
        if exclude_chats:
            query = query.where(OutboxMessage.chat_id.not_in(exclude_chats))
        result = await self.session.execute(query.order_by(OutboxMessage.next_attempt_at).limit(1))
        return result.scalar_one_or_none()

    async def head_of_chat(self, chat_id: int) -> OutboxMessage | None:
        result = await self.session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        return result.scalar_one_or_none()

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

    async def card_message(self, card_kind: str, card_ref: int, chat_id: int) -> CardMessage | None:
        result = await self.session.execute(
            select(CardMessage).where(
                CardMessage.card_kind == card_kind,
                CardMessage.card_ref == card_ref,
                CardMessage.chat_id == chat_id,
            )
        )
        return result.scalar_one_or_none()

    async def card_at(self, chat_id: int, message_id: int, card_kind: str) -> CardMessage | None:
        """The card of this kind that a message in a chat is (for replies to a card)."""
        result = await self.session.execute(
            select(CardMessage).where(
                CardMessage.chat_id == chat_id,
                CardMessage.message_id == message_id,
                CardMessage.card_kind == card_kind,
            )
        )
        return result.scalars().first()

    async def remember_card(
        self, card_kind: str, card_ref: int, chat_id: int, message_id: int, content_hash: str | None
    ) -> None:
        existing = await self.card_message(card_kind, card_ref, chat_id)
        if existing is None:
            self.session.add(
                CardMessage(
                    card_kind=card_kind,
                    card_ref=card_ref,
                    chat_id=chat_id,
                    message_id=message_id,
                    content_hash=content_hash,
                )
            )
        else:
            existing.message_id, existing.content_hash = message_id, content_hash
        await self.session.flush()

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
