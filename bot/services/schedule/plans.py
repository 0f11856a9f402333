"""Planning and dropping schedules, the interface every feature uses.

A schedule is identified by (kind, key), e.g. ("activity_reminder", "42:24h"). Planning the same
(kind, key) again replaces its rule and payload (moving a reminder when an activity moves).
A fire runs the handler registered for its kind, in the same transaction that records the fire,
so a fire and its effect (the outbox rows it queues) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.services.shared.env import Env
from bot.when import Rule
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Fire:
    """One fire of one schedule, handed to the handler of its kind."""

    schedule_id: int
    kind: str
    key: str
    community_id: int | None
    at: datetime  # the fire time this fire is for (not the time it ran)
    payload: dict[str, Any] = field(default_factory=dict)


FireHandler = Callable[[UnitOfWork, Env, Fire], Awaitable[None]]
FireHandlers = Mapping[str, FireHandler]  # kind -> handler; the composition root builds it


async def plan(
    uow: UnitOfWork,
    env: Env,
    *,
    kind: str,
    key: str,
    rule: Rule,
    tz: str,
    community_id: int | None = None,
    payload: dict[str, Any] | None = None,
    created_by: int | None = None,
) -> int:
    """Create or replace the schedule (kind, key); returns its id. Its next due time is the rule's
    first fire time after now. Does not commit: the caller's transaction owns it."""
    return await uow.schedules.put(
        kind=kind,
        key=key,
        tz=tz,
        rule=rule.spec,
        due_at=rule.next_after(env.clock(), tz),
        community_id=community_id,
        payload=dict(payload or {}),
        created_by=created_by,
    )


async def drop(uow: UnitOfWork, *, kind: str, key: str) -> bool:
    """Remove the schedule (kind, key) if there is one; a fire already recorded stays recorded."""
    return await uow.schedules.delete_key(kind, key)


async def pause(uow: UnitOfWork, schedule_id: int) -> bool:
    """Stop firing until resumed; False when it is unknown or already paused."""
    return await uow.schedules.set_paused(schedule_id, True)


async def resume(uow: UnitOfWork, env: Env, schedule_id: int) -> datetime | None:
    """Fire again from now on (the fires missed while paused do not happen); its next fire time, or
    None when it is unknown, not paused, or has no fire left."""
    schedule = await uow.schedules.get(schedule_id)
    if schedule is None or not schedule.paused:
        return None
    due_at = Rule.from_spec(schedule.rule).next_after(env.clock(), schedule.tz)
    if not await uow.schedules.set_paused(schedule_id, False, due_at):
        return None
    return due_at


async def delete(uow: UnitOfWork, schedule_id: int) -> bool:
    """Remove the schedule by id; its recorded fires stay."""
    return await uow.schedules.delete(schedule_id)
