"""Requests, their history and media. Every state change is a conditional UPDATE; nothing commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, func, or_, select, union, update

from storage.models import Community, Request, RequestEvent, RequestMedia
from storage.repositories.base import Repository, rowcount
from storage.request_states import ACTIVE, CLOSED, IN_HAND, TRANSITIONS, Escalation, RequestStatus, Step


def _unsent(level: int) -> ColumnElement[bool]:
    """The escalation `level` is not yet sent in the request's current round."""
    return or_(Request.escalated_round < Request.round, Request.escalation_level < level)


# Built once: every filing runs it. On the table, not the mapped class: no loaded community needs
# its counter, so the session has nothing to synchronise.
_communities = cast(Table, Community.__table__)
_NEXT_NUMBER = (
    update(_communities)
    .where(_communities.c.id == bindparam("community_id"))
    .values(request_seq=_communities.c.request_seq + 1)
    .returning(_communities.c.request_seq)
)


class RequestRepository(Repository):
    async def next_number(self, community_id: int) -> int:
        """The community's next request number. The UPDATE locks the row, so two filings never share one."""
        result = await self.session.execute(_NEXT_NUMBER, {"community_id": community_id})
        return int(result.scalar_one())

    async def add(self, request: Request) -> Request:
        self.session.add(request)
        await self.session.flush()
        return request

    async def get(self, request_id: int) -> Request | None:
        return await self.session.get(Request, request_id)

    async def find_by_number(self, community_id: int, number: int) -> Request | None:
        result = await self.session.execute(
            select(Request).where(Request.community_id == community_id, Request.number == number)
        )
        return result.scalar_one_or_none()

    async def with_number(self, community_ids: Iterable[int], number: int) -> list[Request]:
        result = await self.session.execute(
            select(Request).where(Request.community_id.in_(list(community_ids)), Request.number == number)
        )
        return list(result.scalars())

    async def transition(
        self,
        request: Request,
        step: Step,
        *,
        only_from: RequestStatus | None = None,
        volunteer_is: int | None = None,
        rated_since: datetime | None = None,
        **values: Any,
    ) -> bool:
        """Take `step` (see `request_states.TRANSITIONS`) only if the request is still in one of its
        source states (only in `only_from` when given: the state the caller saw), if given still
        held by `volunteer_is`, and if given rated at or after `rated_since`. False means someone
        else changed it first (or the time is up); nothing was written."""
        transition = TRANSITIONS[step]
        sources = transition.sources if only_from is None else transition.sources & {only_from}
        conditions = [Request.id == request.id, Request.status.in_(sorted(sources))]
        if volunteer_is is not None:
            conditions.append(Request.volunteer_id == volunteer_is)
        if rated_since is not None:
            conditions.append(Request.rated_at >= rated_since)
        result = await self.session.execute(
            update(Request)
            .where(*conditions)
            .values(status=transition.target, updated_at=self.now(), **values)
            .execution_options(synchronize_session=False)
        )
        changed = rowcount(result) > 0
        await self.session.refresh(request)
        return changed

    async def lock(self, request: Request) -> None:
        """Hold the request's row until the transaction ends (PostgreSQL), so two presses of a step
        that is not a state change (a progress note) are taken one after the other, and re-read it."""
        await self.session.execute(select(Request.id).where(Request.id == request.id).with_for_update())
        await self.session.refresh(request)

    async def open_page(self, community_id: int, offset: int, limit: int) -> tuple[list[Request], int]:
        """Requests still waiting (open, claimed, assigned), urgent and oldest first, and how many in all."""
        where = (Request.community_id == community_id, Request.status.in_(sorted(ACTIVE)))
        total = await self.session.execute(select(func.count()).select_from(Request).where(*where))
        result = await self.session.execute(
            select(Request)
            .where(*where)
            .order_by(Request.urgent.desc(), Request.id)
            .offset(offset)
            .limit(limit)
        )
        return list(result.scalars()), int(total.scalar_one())

    async def overdue(
        self, community_id: int, now: datetime, buildings: list[str] | None = None
    ) -> list[Request]:
        """Late now: no response by respond_by, or not done by resolve_by."""
        query = select(Request).where(
            Request.community_id == community_id,
            or_(
                (Request.status == RequestStatus.OPEN) & (Request.respond_by <= now),
                Request.status.in_(sorted(ACTIVE)) & (Request.resolve_by <= now),
            ),
        )
        if buildings is not None:
            query = query.where(Request.building.in_(buildings))
        result = await self.session.execute(query.order_by(Request.resolve_by, Request.id))
        return list(result.scalars())

    async def of_person(self, user_id: int, limit: int) -> list[Request]:
        """What a person asked for or is helping with, unfinished first, newest first."""
        result = await self.session.execute(
            select(Request)
            .where(or_(Request.requester_id == user_id, Request.volunteer_id == user_id))
            .order_by(Request.status.in_(sorted(CLOSED)), Request.id.desc())
            .limit(limit)
        )
        return list(result.scalars())

    async def load_of_volunteers(self, community_id: int) -> dict[int, int]:
        """How many requests each volunteer has in hand (for 'least busy first')."""
        result = await self.session.execute(
            select(Request.volunteer_id, func.count())
            .where(
                Request.community_id == community_id,
                Request.status.in_(sorted(IN_HAND)),
                Request.volunteer_id.is_not(None),
            )
            .group_by(Request.volunteer_id)
        )
        return {int(user_id): int(count) for user_id, count in result.all() if user_id is not None}

    async def due_for_auto_confirm(self, now: datetime, limit: int = 100) -> list[int]:
        result = await self.session.execute(
            select(Request.id)
            .where(Request.status == RequestStatus.DONE, Request.auto_confirm_at <= now)
            .order_by(Request.auto_confirm_at)
            .limit(limit)
        )
        return list(result.scalars())

    async def due_for_escalation(self, now: datetime, super_before: datetime, limit: int = 100) -> list[int]:
        """Requests a 5341 escalation of their round may still be unsent for: open and unanswered
        past respond_by, or active past resolve_by (past `super_before` for the super-admins).
        Each part is found through an index on the state and its deadline."""
        active = sorted(ACTIVE)
        unanswered = select(Request.id).where(
            Request.status == RequestStatus.OPEN,
            Request.respond_by <= now,
            Request.responded_at.is_(None),
            _unsent(Escalation.UNCLAIMED),
        )
        late = select(Request.id).where(
            Request.status.in_(active), Request.resolve_by <= now, _unsent(Escalation.LATE)
        )
        very_late = select(Request.id).where(
            Request.status.in_(active), Request.resolve_by <= super_before, _unsent(Escalation.SUPER)
        )
        found = union(unanswered, late, very_late).subquery()
        result = await self.session.execute(select(found.c.id).order_by(found.c.id).limit(limit))
        return [int(i) for i in result.scalars()]

    async def escalate(self, request: Request, level: int) -> bool:
        """Record that the escalations up to `level` are sent in the request's round, only if the
        request is still as it was read (state, round and escalations): of two sweeps at once one
        wins, the other writes nothing and gets False."""
        result = await self.session.execute(
            update(Request)
            .where(
                Request.id == request.id,
                Request.status == request.status,
                Request.round == request.round,
                Request.escalated_round == request.escalated_round,
                Request.escalation_level == request.escalation_level,
            )
            .values(escalated_round=request.round, escalation_level=level)
            .execution_options(synchronize_session=False)
        )
        changed = rowcount(result) > 0
        await self.session.refresh(request)
        return changed

    async def active_count(self, community_id: int) -> int:
        """How many requests wait for someone to act (open, claimed, assigned)."""
        result = await self.session.execute(
            select(func.count())
            .select_from(Request)
            .where(Request.community_id == community_id, Request.status.in_(sorted(ACTIVE)))
        )
        return int(result.scalar_one())

    async def late_count(self, community_id: int, now: datetime) -> int:
        """How many are late now as their cards say (bot/services/requests/cards.py is_late):
        open and unanswered past respond_by, or waiting past resolve_by."""
        result = await self.session.execute(
            select(func.count())
            .select_from(Request)
            .where(
                Request.community_id == community_id,
                Request.status.in_(sorted(ACTIVE)),
                or_(
                    (Request.status == RequestStatus.OPEN)
                    & Request.responded_at.is_(None)
                    & (Request.respond_by <= now),
                    Request.resolve_by <= now,
                ),
            )
        )
        return int(result.scalar_one())

    async def of_day(self, community_id: int, since: datetime, until: datetime) -> list[Request]:
        """Requests filed, first answered, done or rated in [since, until) (for the daily digest).

        Each of those steps sets updated_at, which only grows: whatever happened since `since` was
        updated since then, and the index on (community, updated_at) finds it."""

        def within(column: Any) -> ColumnElement[bool]:
            return (column >= since) & (column < until)

        result = await self.session.execute(
            select(Request)
            .where(
                Request.community_id == community_id,
                Request.updated_at >= since,
                or_(
                    within(Request.created_at),
                    within(Request.responded_at),
                    within(Request.done_at),
                    within(Request.rated_at),
                ),
            )
            .order_by(Request.id)
        )
        return list(result.scalars())

    async def rating_windows_closed(self, since: datetime, until: datetime) -> list[tuple[int, int]]:
        """(id, round) of rated requests whose rating was given in [since, until)."""
        result = await self.session.execute(
            select(Request.id, Request.round).where(
                Request.status == RequestStatus.RATED, Request.rated_at >= since, Request.rated_at < until
            )
        )
        return [(int(i), int(r)) for i, r in result.all()]

    async def find_by_album(self, chat_id: int, media_group_id: str) -> Request | None:
        result = await self.session.execute(
            select(Request).where(Request.source_chat_id == chat_id, Request.media_group_id == media_group_id)
        )
        return result.scalars().first()

    # -- history -----------------------------------------------------------------------------
    async def record(
        self,
        request: Request,
        kind: str,
        actor_id: int | None,
        *,
        target_id: int | None = None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> None:
        self.session.add(
            RequestEvent(
                request_id=request.id,
                kind=kind,
                actor_id=actor_id,
                target_id=target_id,
                note=note,
                created_at=at or self.now(),
            )
        )
        await self.session.flush()

    async def last_event(self, request_id: int) -> RequestEvent | None:
        result = await self.session.execute(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def history(self, request_id: int) -> list[RequestEvent]:
        result = await self.session.execute(
            select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
        )
        return list(result.scalars())

    # -- media -------------------------------------------------------------------------------
    async def add_media(self, media: RequestMedia) -> None:
        self.session.add(media)
        await self.session.flush()

    async def media_of(self, request_id: int) -> list[RequestMedia]:
        result = await self.session.execute(
            select(RequestMedia).where(RequestMedia.request_id == request_id).order_by(RequestMedia.id)
        )
        return list(result.scalars())

    async def adopt_album(self, chat_id: int, media_group_id: str, request_id: int) -> int:
        """Album parts that arrived before their captioned part join the request now."""
        result = await self.session.execute(
            update(RequestMedia)
            .where(
                RequestMedia.chat_id == chat_id,
                RequestMedia.media_group_id == media_group_id,
                RequestMedia.request_id.is_(None),
            )
            .values(request_id=request_id)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)
