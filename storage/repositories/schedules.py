"""Schedules and their recorded fires: planning, the tick's due query and row lock, fire records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, literal, or_, select, tuple_, update
from sqlalchemy.orm.util import identity_key

from storage.models import Schedule, ScheduleFire
from storage.repositories.base import Repository, rowcount
from storage.types import UTCDateTime


class ScheduleRepository(Repository):
    async def get(self, schedule_id: int) -> Schedule | None:
        return await self.session.get(Schedule, schedule_id)

    async def find(self, kind: str, key: str) -> Schedule | None:
        result = await self.session.execute(
            select(Schedule).where(Schedule.kind == kind, Schedule.key == key)
        )
        return result.scalar_one_or_none()

    async def put(
        self,
        *,
        kind: str,
        key: str,
        tz: str,
        rule: dict[str, Any],
        due_at: datetime | None,
        community_id: int | None,
        payload: dict[str, Any],
        created_by: int | None,
        draft: bool = False,
    ) -> int:
        """Create the schedule (kind, key) or replace its rule, payload and due time (one statement,
        so two instances planning the same key at start end with one row). Its failures are forgotten."""
        now = self.now()
        values = {
            "tz": tz,
            "rule": rule,
            "due_at": due_at,
            "community_id": community_id,
            "payload": payload,
            "draft": draft,
            "failures": 0,
            "retry_at": None,
            "updated_at": now,
        }
        statement = (
            self._insert(Schedule)
            .values(kind=kind, key=key, paused=False, created_by=created_by, created_at=now, **values)
            .on_conflict_do_update(index_elements=["kind", "key"], set_=values)
            .returning(Schedule.id)
        )
        schedule_id = (await self.session.execute(statement)).scalar_one()
        # The identity map may hold the row as it was before the statement.
        existing = self.session.identity_map.get(identity_key(Schedule, schedule_id))
        if existing is not None:
            await self.session.refresh(existing)
        return int(schedule_id)

    async def delete(self, schedule_id: int) -> bool:
        result = await self.session.execute(delete(Schedule).where(Schedule.id == schedule_id))
        return rowcount(result) > 0

    async def delete_key(self, kind: str, key: str) -> bool:
        result = await self.session.execute(
            delete(Schedule).where(Schedule.kind == kind, Schedule.key == key)
        )
        return rowcount(result) > 0

    async def set_paused(self, schedule_id: int, paused: bool, due_at: datetime | None = None) -> bool:
        """Pause, or resume with the next due time; only when it is not already so (False otherwise)."""
        values: dict[str, Any] = {"paused": paused, "updated_at": self.now()}
        if not paused:
            values.update(due_at=due_at, failures=0, retry_at=None)
        result = await self.session.execute(
            update(Schedule)
            .where(Schedule.id == schedule_id, Schedule.paused.is_(not paused), Schedule.draft.is_(False))
            .values(**values)
            .execution_options(synchronize_session="fetch")
        )
        return rowcount(result) > 0

    async def confirm_draft(self, schedule_id: int, due_at: datetime | None) -> bool:
        result = await self.session.execute(
            update(Schedule)
            .where(Schedule.id == schedule_id, Schedule.draft.is_(True))
            .values(draft=False, due_at=due_at, updated_at=self.now())
            .execution_options(synchronize_session="fetch")
        )
        return rowcount(result) > 0

    async def of_community(self, community_id: int, kind: str, *, drafts: bool = False) -> list[Schedule]:
        result = await self.session.execute(
            select(Schedule)
            .where(Schedule.community_id == community_id, Schedule.kind == kind, Schedule.draft.is_(drafts))
            .order_by(Schedule.id)
        )
        return list(result.scalars())

    # The tick

    async def due(
        self, now: datetime, *, limit: int, after: tuple[datetime, int] | None = None
    ) -> list[tuple[datetime, int]]:
        """(due_at, id) of schedules due by `now`, not paused, not waiting out a failure, in due
        order after `after` (the last of the previous batch)."""
        result = await self.session.execute(due_statement(now, limit=limit, after=after))
        return [(row.due_at, row.id) for row in result]

    async def lock_due(self, schedule_id: int, now: datetime) -> Schedule | None:
        """The schedule, locked for this transaction, if it is still due. On PostgreSQL a row another
        instance has locked is skipped (None); SQLite has one writer at a time and no row locks."""
        result = await self.session.execute(
            select(Schedule)
            .where(
                Schedule.id == schedule_id,
                Schedule.due_at <= now,
                Schedule.paused.is_(False),
                Schedule.draft.is_(False),
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def record_fire(self, schedule_id: int, fire_at: datetime, outcome: str) -> bool:
        """Record this fire time once: False when it was recorded before (then nothing may happen)."""
        statement = (
            self._insert(ScheduleFire)
            .values(schedule_id=schedule_id, fire_at=fire_at, ran_at=self.now(), outcome=outcome)
            .on_conflict_do_nothing(index_elements=["schedule_id", "fire_at"])
        )
        return rowcount(await self.session.execute(statement)) > 0

    async def fires(self, schedule_id: int) -> list[ScheduleFire]:
        result = await self.session.execute(
            select(ScheduleFire).where(ScheduleFire.schedule_id == schedule_id).order_by(ScheduleFire.fire_at)
        )
        return list(result.scalars())

    async def failed(self, schedule_id: int) -> int:
        """Count one more failure of the fire at due_at; the failures so far (0: no such schedule)."""
        result = await self.session.execute(
            update(Schedule)
            .where(Schedule.id == schedule_id)
            .values(failures=Schedule.failures + 1, updated_at=self.now())
            .returning(Schedule.failures)
        )
        found = result.scalar_one_or_none()
        return int(found or 0)

    async def stale_drafts(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(Schedule).where(Schedule.draft.is_(True), Schedule.created_at < before)
        )
        return rowcount(result)


def due_statement(
    now: datetime, *, limit: int, after: tuple[datetime, int] | None = None
) -> Select[datetime | None, int]:
    """The tick's query (scripts/bench_schedule.py EXPLAINs it): the range `due_at <= now`, in
    (due_at, id) order, is read from the due_at index on SQLite and PostgreSQL alike; the other
    conditions filter the few rows it finds."""
    query = select(Schedule.due_at, Schedule.id).where(
        Schedule.due_at <= now,
        Schedule.paused.is_(False),
        Schedule.draft.is_(False),
        or_(Schedule.retry_at.is_(None), Schedule.retry_at <= now),
    )
    if after is not None:
        query = query.where(
            tuple_(Schedule.due_at, Schedule.id) > tuple_(literal(after[0], UTCDateTime()), literal(after[1]))
        )
    return query.order_by(Schedule.due_at, Schedule.id).limit(limit)
