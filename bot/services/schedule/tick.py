"""The tick: every due schedule fires once, in its own transaction, by the injected clock.

For each schedule with `due_at <= now` (found in batches through the due_at index):
lock its row (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so a second instance passes it by), record the
fire under the unique (schedule, fire time) (a fire recorded before means nothing happens again),
run the handler of its kind in the same transaction (its outbox rows commit with the fire), and move
`due_at` to the rule's next fire time (None when there is none; see `bot.when.Rule.next_after`).

Missed fires (the bot was down): of the fire times up to now, only the latest runs, and only when
it is at most `schedule_grace_seconds` late; the older ones (and a latest one past the grace) are
recorded as skipped and logged.

A handler that raises rolls its transaction back (nothing of that fire is kept) and does not stop
the other schedules: the failure is counted on the schedule, which is retried at later ticks after
a backoff doubling from `schedule_tick_seconds`; after `schedule_max_attempts` attempts the fire is
recorded as failed and the schedule moves on to its next fire time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.schedule.plans import Fire, FireHandlers
from bot.services.shared.runner import Deps
from bot.when import Rule
from storage.models import Schedule
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 200
# Fire times recorded one by one for a schedule missed for long (an every-minute rule down for a
# week); beyond it the gap is logged and jumped.
MAX_MISSED = 2000


@dataclass
class TickReport:
    fired: int = 0
    skipped: int = 0  # missed fire times recorded as skipped
    failed: int = 0  # handlers that raised this tick
    busy: int = 0  # due when selected, but another instance had it or had already fired it


@dataclass(frozen=True)
class Catchup:
    skipped: list[datetime]
    run_at: datetime | None  # the fire time to run now (None: all were too late)
    next_at: datetime | None  # where due_at goes afterwards
    jumped: bool = False


def catch_up(
    rule: Rule, tz: str, due_at: datetime, now: datetime, grace: timedelta, *, limit: int = MAX_MISSED
) -> Catchup:
    """The fire times from `due_at` up to `now`: the latest runs if within the grace, the rest are
    skipped. Past `limit` of them, the times before the grace period are jumped, not listed."""
    times = [due_at]
    jumped = False
    following = rule.next_after(due_at, tz)
    while following is not None and following <= now:
        if len(times) >= limit and not jumped:
            jumped = True
            following = rule.next_after(max(following, now - grace - timedelta(microseconds=1)), tz)
            continue
        times.append(following)
        following = rule.next_after(following, tz)
    latest = times[-1]
    if now - latest <= grace:
        return Catchup(times[:-1], latest, following, jumped)
    return Catchup(times, None, following, jumped)


async def tick(deps: Deps, handlers: FireHandlers, *, batch: int = BATCH) -> TickReport:
    """Fire every schedule due by the clock's now. Safe to run in several instances at once."""
    report = TickReport()
    now = deps.env.clock()
    after: tuple[datetime, int] | None = None
    while True:
        async with deps.uow() as uow:
            due = await uow.schedules.due(now, limit=batch, after=after)
        for _, schedule_id in due:
            await _fire_one(deps, handlers, schedule_id, now, report)
        if len(due) < batch:
            return report
        after = due[-1]


async def _fire_one(
    deps: Deps, handlers: FireHandlers, schedule_id: int, now: datetime, report: TickReport
) -> None:
    try:
        async with deps.uow() as uow:
            schedule = await uow.schedules.lock_due(schedule_id, now)
            if schedule is None:
                report.busy += 1
                return
            fired = await _catch_up(uow, deps, handlers, schedule, now, report, give_up=False)
            await uow.commit()
            report.fired += int(fired)
    except Exception:
        report.failed += 1
        log.exception("schedule %s failed to fire; it is retried at a later tick", schedule_id)
        await _count_failure(deps, handlers, schedule_id, now, report)


async def _catch_up(
    uow: UnitOfWork,
    deps: Deps,
    handlers: FireHandlers,
    schedule: Schedule,
    now: datetime,
    report: TickReport,
    *,
    give_up: bool,
) -> bool:
    """Record the missed fire times, run (or, giving up, record as failed) the latest, advance due_at."""
    assert schedule.due_at is not None  # lock_due selects due rows only
    settings = deps.env.settings
    rule = Rule.from_spec(schedule.rule)
    catchup = catch_up(
        rule, schedule.tz, schedule.due_at, now, timedelta(seconds=settings.schedule_grace_seconds)
    )
    if catchup.jumped:
        log.warning(
            "schedule %s missed more than %s fires; only the latest are recorded", schedule.id, MAX_MISSED
        )
    for fire_at in catchup.skipped:
        if await uow.schedules.record_fire(schedule.id, fire_at, "skipped"):
            report.skipped += 1
    if catchup.skipped:
        log.warning(
            "schedule %s (%s %s): %s missed fire(s) skipped, the oldest at %s",
            schedule.id,
            schedule.kind,
            schedule.key,
            len(catchup.skipped),
            catchup.skipped[0].isoformat(),
        )
    fired = False
    if catchup.run_at is not None:
        outcome = "failed" if give_up else "sent"
        if await uow.schedules.record_fire(schedule.id, catchup.run_at, outcome) and not give_up:
            handler = handlers.get(schedule.kind)
            if handler is None:
                raise LookupError(f"no fire handler for schedule kind {schedule.kind!r}")
            fire = Fire(
                schedule_id=schedule.id,
                kind=schedule.kind,
                key=schedule.key,
                community_id=schedule.community_id,
                at=catchup.run_at,
                payload=dict(schedule.payload),
            )
            await handler(uow, deps.env, fire)
            fired = True
    schedule.due_at = catchup.next_at
    schedule.failures = 0
    schedule.retry_at = None
    return fired


async def _count_failure(
    deps: Deps, handlers: FireHandlers, schedule_id: int, now: datetime, report: TickReport
) -> None:
    settings = deps.env.settings
    try:
        async with deps.uow() as uow:
            failures = await uow.schedules.failed(schedule_id)
            backoff = timedelta(seconds=settings.schedule_tick_seconds * 2 ** max(0, failures - 1))
            schedule = await uow.schedules.lock_due(schedule_id, now)
            if schedule is None:
                await uow.commit()
                return
            if failures >= settings.schedule_max_attempts:
                log.error("schedule %s failed %s times; this fire is given up", schedule_id, failures)
                await _catch_up(uow, deps, handlers, schedule, now, report, give_up=True)
            else:
                schedule.retry_at = now + backoff
            await uow.commit()
    except Exception:  # the database itself: the next tick sees the schedule still due
        log.exception("could not count the failure of schedule %s", schedule_id)
