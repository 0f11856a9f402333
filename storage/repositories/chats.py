"""Groups the bot is in, bound to a community or not, and following their migration to supergroups."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Chat, Community, GroupMember, Membership, User
from storage.repositories.base import Repository


@dataclass(frozen=True)
class WriterInGroup:
    """A group and what is known of one person writing in it, read together: the group's community,
    the person (None: never seen), and, when both are known, their membership of that community and
    their record as a member of the group (None where there is none yet)."""

    chat: Chat
    community: Community | None
    user: User | None
    membership: Membership | None
    group_member: GroupMember | None


# Built once (their SQL and cache key are then reused): every update in a group runs them.
_BY_TELEGRAM_ID = select(Chat).where(Chat.telegram_id == bindparam("telegram_id"))
_WITH_WRITER = (
    select(Chat, Community, User, Membership, GroupMember)
    .select_from(Chat)
    .outerjoin(Community, Community.id == Chat.community_id)
    .outerjoin(User, User.telegram_id == bindparam("user_telegram_id"))
    .outerjoin(Membership, and_(Membership.user_id == User.id, Membership.community_id == Chat.community_id))
    .outerjoin(GroupMember, and_(GroupMember.chat_id == Chat.id, GroupMember.user_id == User.id))
    .where(Chat.telegram_id == bindparam("telegram_id"))
    .execution_options(populate_existing=True)  # group members are upserted past loaded rows
)
_OF_COMMUNITY = (
    select(Chat)
    .where(Chat.community_id == bindparam("community_id"), Chat.active.is_(True))
    .order_by(Chat.id)
)
_OF_COMMUNITY_KIND = (
    select(Chat)
    .where(
        Chat.community_id == bindparam("community_id"),
        Chat.active.is_(True),
        Chat.kind == bindparam("kind"),
    )
    .order_by(Chat.id)
)


class ChatRepository(Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # Groups found by Telegram id in this unit of work (a card drawn for a group asks twice:
        # which view, and whether the chat is public). The same objects the session holds, so a
        # change made here is seen; only a migration changes a group's id, and it forgets them.
        # One that a rollback expired or that left the session is read again.
        self._found: dict[int, Chat] = {}

    async def get(self, chat_id: int) -> Chat | None:
        return await self.session.get(Chat, chat_id)

    async def find_by_telegram_id(self, telegram_id: int) -> Chat | None:
        chat = self._found.get(telegram_id)
        if chat is not None:
            state = inspect(chat)  # read without loading: a rolled-back session expired it
            if state.session is self.session.sync_session and state.dict.get("telegram_id") == telegram_id:
                return chat
        result = await self.session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
        chat = result.scalar_one_or_none()
        if chat is not None:
            self._found[telegram_id] = chat
        return chat

    async def find_with_writer(self, telegram_id: int, user_telegram_id: int) -> WriterInGroup | None:
        """The group with this Telegram id and what is known of this person in it, in one query
        (every update in a group needs all of it); None when the group is not known."""
        params = {"telegram_id": telegram_id, "user_telegram_id": user_telegram_id}
        row = (await self.session.execute(_WITH_WRITER, params)).first()
        if row is None:
            return None
        chat, community, user, membership, group_member = row
        return WriterInGroup(chat, community, user, membership, group_member)

    async def add(self, chat: Chat) -> Chat:
        self.session.add(chat)
        await self.session.flush()
        return chat

    async def migrate(self, old_telegram_id: int, new_telegram_id: int) -> Chat | None:
        """Follow a group's upgrade to a supergroup: the row keeps its community under the new id."""
        self._found.clear()
        old = await self.find_by_telegram_id(old_telegram_id)
        new = await self.find_by_telegram_id(new_telegram_id)
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
        if kind is None:
            result = await self.session.execute(_OF_COMMUNITY, {"community_id": community_id})
        else:
            result = await self.session.execute(
                _OF_COMMUNITY_KIND, {"community_id": community_id, "kind": kind}
            )
        return list(result.scalars())

    async def bound(self, limit: int, first: Collection[int] = ()) -> list[Chat]:
        """Up to `limit` active groups bound to a community: those in `first` (row ids), then the
        most recently active. What a lookup of someone unknown asks Telegram about."""
        query = (
            select(Chat)
            .where(Chat.community_id.is_not(None), Chat.active.is_(True))
            .order_by(Chat.last_message_at.desc().nulls_last(), Chat.id.desc())
        )
        preferred: list[Chat] = []
        if first:
            result = await self.session.execute(query.where(Chat.id.in_(list(first))).limit(limit))
            preferred = list(result.scalars())
        rest = await self.session.execute(
            query.where(Chat.id.not_in([c.id for c in preferred])).limit(limit - len(preferred))
            if preferred
            else query.limit(limit)
        )
        return [*preferred, *rest.scalars()][:limit]

    async def of_kind(self, kind: str) -> list[Chat]:
        """Every active group of one kind bound to any community (the staff groups, say)."""
        result = await self.session.execute(
            select(Chat)
            .where(Chat.kind == kind, Chat.community_id.is_not(None), Chat.active.is_(True))
            .order_by(Chat.id)
        )
        return list(result.scalars())
