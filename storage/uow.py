"""The unit of work: one session, one transaction, rolled back unless committed.

When it carries an update id, the update is recorded in `processed_updates` in the same
transaction as its effect; a redelivered update raises `DuplicateUpdate` and changes nothing.
The record is written first (an INSERT that skips a recorded id, one statement that both checks and
records): a redelivery is known before any work, and on PostgreSQL a second copy of an update that
arrives while the first is in flight waits for it and then finds it recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.clock import Clock, attach
from storage.models import ProcessedUpdate
from storage.repositories import (
    ActivityRepository,
    BroadcastRepository,
    ChatRepository,
    CommunityRepository,
    ConversationRepository,
    DigestRepository,
    GroupMemberRepository,
    InviteRepository,
    MembershipRepository,
    OutboxRepository,
    PointsRepository,
    RedemptionRepository,
    RequestRepository,
    RetentionRepository,
    RewardRepository,
    ScheduleRepository,
    TriageLessonRepository,
    UserRepository,
)
from storage.repositories.base import rowcount, skipping_insert


class DuplicateUpdate(Exception):
    """This update was processed before; nothing must happen again."""


class UnitOfWork:
    session: AsyncSession
    communities: CommunityRepository
    chats: ChatRepository
    users: UserRepository
    memberships: MembershipRepository
    group_members: GroupMemberRepository
    invites: InviteRepository
    conversations: ConversationRepository
    outbox: OutboxRepository
    requests: RequestRepository
    points: PointsRepository
    rewards: RewardRepository
    redemptions: RedemptionRepository
    activities: ActivityRepository
    schedules: ScheduleRepository
    retention: RetentionRepository
    digests: DigestRepository
    broadcasts: BroadcastRepository
    triage_lessons: TriageLessonRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        update_id: int | None = None,
        update_kind: str = "",
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.update_id = update_id
        self.update_kind = update_kind
        self._on_commit = on_commit
        self._committed = False

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        attach(self.session.sync_session, self.clock)
        self.communities = CommunityRepository(self.session)
        self.chats = ChatRepository(self.session)
        self.users = UserRepository(self.session)
        self.memberships = MembershipRepository(self.session)
        self.group_members = GroupMemberRepository(self.session)
        self.invites = InviteRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.requests = RequestRepository(self.session)
        self.points = PointsRepository(self.session)
        self.rewards = RewardRepository(self.session)
        self.redemptions = RedemptionRepository(self.session)
        self.activities = ActivityRepository(self.session)
        self.schedules = ScheduleRepository(self.session)
        self.retention = RetentionRepository(self.session)
        self.digests = DigestRepository(self.session)
        self.broadcasts = BroadcastRepository(self.session)
        self.triage_lessons = TriageLessonRepository(self.session)
        if self.update_id is not None and not await self._record_update(self.update_id):
            await self.session.close()
            raise DuplicateUpdate(self.update_id)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._committed:
                self.session.expunge_all()  # what was read stays readable; nothing is written
                await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            if await self._already_processed():
                raise DuplicateUpdate(self.update_id) from None
            raise
        self._committed = True
        if self.outbox.added and self._on_commit is not None:
            self._on_commit()

    async def _record_update(self, update_id: int) -> bool:
        """Record the update in this transaction; False when it was recorded before."""
        insert = skipping_insert(self.session, ProcessedUpdate, "update_id")
        row = {"update_id": update_id, "kind": self.update_kind, "processed_at": self.clock()}
        result = await self.session.execute(insert, row)
        return rowcount(result) > 0

    async def _already_processed(self) -> bool:
        if self.update_id is None:
            return False
        found = await self.session.get(ProcessedUpdate, self.update_id)
        return found is not None

    async def rollback(self) -> None:
        await self.session.rollback()


UnitOfWorkFactory = Callable[..., UnitOfWork]
