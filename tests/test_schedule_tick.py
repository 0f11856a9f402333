"""The schedule tick: each fire happens once by the injected clock, after a restart, with two
instances on one PostgreSQL database, across daylight-saving changes; missed fires follow the grace
policy; paused schedules wait; a failing handler is isolated and retried a bounded number of times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.render import Renderer
from bot.services.schedule import plans
from bot.services.schedule.plans import Fire, FireHandler
from bot.services.schedule.tick import TickReport, catch_up, tick
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from bot.when import Rule
from storage.engine import make_engine, make_sessions
from storage.models import OutboxMessage, ScheduleFire
from storage.uow import UnitOfWork
from tests.conftest import Clock, make_settings, reset_schema

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
BERLIN = "Europe/Berlin"
SHANGHAI = "Asia/Shanghai"


@dataclass
class Calls:
    """A fire handler that queues one outbox row per call (with a key unique per call, so the
    outbox's own dedupe cannot hide a second fire) and remembers the fire times it ran for."""

    at: list[datetime] = field(default_factory=list)
    fail: int = 0  # raise for so many calls first

    async def __call__(self, uow: UnitOfWork, env: Env, fire: Fire) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise RuntimeError("the handler broke")
        self.at.append(fire.at)
        await uow.outbox.add(
            dedupe_key=f"test:{fire.schedule_id}:{fire.at.isoformat()}:{len(self.at)}", chat_id=1
        )


def make_deps(engine: AsyncEngine, url: str, clock: Clock, **settings: Any) -> Deps:
    env = Env(settings=make_settings(url, **settings), renderer=Renderer("zh_CN", TEMPLATES), clock=clock)
    return Deps(sessions=make_sessions(engine), env=env)


@pytest.fixture
async def deps(engine: AsyncEngine, database_url: str, clock: Clock) -> Deps:
    return make_deps(engine, database_url, clock)


async def plan(deps: Deps, rule: Rule, *, tz: str = SHANGHAI, key: str = "k", kind: str = "test") -> int:
    async with deps.uow() as uow:
        schedule_id = await plans.plan(uow, deps.env, kind=kind, key=key, rule=rule, tz=tz)
        await uow.commit()
    return schedule_id


async def fires(deps: Deps, schedule_id: int) -> list[tuple[datetime, str]]:
    async with deps.uow() as uow:
        return [(f.fire_at, f.outcome) for f in await uow.schedules.fires(schedule_id)]


async def outbox_rows(deps: Deps) -> int:
    async with deps.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one())


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize("clock", [utc(2026, 11, 22, 0, 0)], indirect=True)
async def test_a_due_schedule_fires_once_when_the_clock_passes_it(deps: Deps, clock: Clock) -> None:
    calls = Calls()
    schedule_id = await plan(deps, Rule.cron(hour=9, minute=0))  # 09:00 Shanghai = 01:00 UTC
    assert await tick(deps, {"test": calls}) == TickReport()
    clock.now = utc(2026, 11, 22, 0, 59, 59)
    await tick(deps, {"test": calls})
    assert calls.at == []
    clock.now = utc(2026, 11, 22, 1, 0, 5)
    first = await tick(deps, {"test": calls})
    again = await tick(deps, {"test": calls})
    assert (first.fired, again.fired) == (1, 0)
    assert calls.at == [utc(2026, 11, 22, 1, 0)]
    assert await fires(deps, schedule_id) == [(utc(2026, 11, 22, 1, 0), "sent")]
    assert await outbox_rows(deps) == 1
    async with deps.uow() as uow:
        schedule = await uow.schedules.get(schedule_id)
        assert schedule is not None and schedule.due_at == utc(2026, 11, 23, 1, 0)


async def test_a_one_off_schedule_fires_once_and_is_then_done(deps: Deps, clock: Clock) -> None:
    calls = Calls()
    schedule_id = await plan(deps, Rule.once(clock.now + timedelta(minutes=5)))
    clock.advance(600)
    await tick(deps, {"test": calls})
    clock.advance(86400)
    await tick(deps, {"test": calls})
    assert len(calls.at) == 1
    async with deps.uow() as uow:
        schedule = await uow.schedules.get(schedule_id)
        assert schedule is not None and schedule.due_at is None


async def test_planning_a_one_off_time_already_past_never_fires(deps: Deps, clock: Clock) -> None:
    calls = Calls()
    await plan(deps, Rule.once(clock.now - timedelta(minutes=5)))
    await tick(deps, {"test": calls})
    assert calls.at == []


async def test_a_restarted_bot_does_not_fire_again_what_it_fired_before(
    engine: AsyncEngine, database_url: str, clock: Clock
) -> None:
    before = make_deps(engine, database_url, clock)
    calls = Calls()
    schedule_id = await plan(before, Rule.cron(minute=0))
    clock.now = clock.now.replace(minute=0, second=0) + timedelta(hours=1, seconds=3)
    await tick(before, {"test": calls})
    restarted_engine = make_engine(database_url)
    try:
        after = make_deps(restarted_engine, database_url, clock)
        await tick(after, {"test": calls})
        clock.advance(3600)
        await tick(after, {"test": calls})
        assert len(calls.at) == 2
        assert [outcome for _, outcome in await fires(after, schedule_id)] == ["sent", "sent"]
    finally:
        await restarted_engine.dispose()


async def test_a_fire_whose_record_exists_does_not_run_again(deps: Deps, clock: Clock) -> None:
    """The (schedule, fire time) record is what makes a fire once: a tick that finds it recorded (a
    second instance committed it first) runs nothing and only moves the schedule on."""
    calls = Calls()
    schedule_id = await plan(deps, Rule.once(clock.now + timedelta(minutes=1)))
    async with deps.uow() as uow:
        assert await uow.schedules.record_fire(schedule_id, clock.now + timedelta(minutes=1), "sent")
        await uow.commit()
    clock.advance(120)
    await tick(deps, {"test": calls})
    assert calls.at == []


@pytest.mark.parametrize("clock", [utc(2026, 11, 22, 0, 0)], indirect=True)
async def test_fires_missed_while_down_send_only_the_latest_within_the_grace(
    deps: Deps, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    calls = Calls()
    schedule_id = await plan(deps, Rule.cron(minute=0), tz="UTC")  # every hour on the hour
    clock.now = utc(2026, 11, 22, 5, 20)  # down from 00:00 until 05:20: 01:00 .. 05:00 missed
    report = await tick(deps, {"test": calls})
    assert calls.at == [utc(2026, 11, 22, 5, 0)]
    assert (report.fired, report.skipped) == (1, 4)
    assert await fires(deps, schedule_id) == [
        (utc(2026, 11, 22, 1, 0), "skipped"),
        (utc(2026, 11, 22, 2, 0), "skipped"),
        (utc(2026, 11, 22, 3, 0), "skipped"),
        (utc(2026, 11, 22, 4, 0), "skipped"),
        (utc(2026, 11, 22, 5, 0), "sent"),
    ]
    assert "4 missed fire(s) skipped" in caplog.text


@pytest.mark.parametrize("clock", [utc(2026, 11, 22, 0, 0)], indirect=True)
async def test_a_missed_fire_later_than_the_grace_is_skipped_too(
    engine: AsyncEngine, database_url: str, clock: Clock
) -> None:
    deps = make_deps(engine, database_url, clock, schedule_grace_seconds=600)
    calls = Calls()
    schedule_id = await plan(deps, Rule.cron(hour=3, minute=0), tz="UTC")
    clock.now = utc(2026, 11, 22, 3, 11)  # eleven minutes late, the grace is ten
    await tick(deps, {"test": calls})
    assert calls.at == []
    assert await fires(deps, schedule_id) == [(utc(2026, 11, 22, 3, 0), "skipped")]
    clock.now = utc(2026, 11, 23, 3, 0, 20)
    await tick(deps, {"test": calls})
    assert calls.at == [utc(2026, 11, 23, 3, 0)]


async def test_a_paused_schedule_does_not_fire_and_resumes_from_now(deps: Deps, clock: Clock) -> None:
    calls = Calls()
    schedule_id = await plan(deps, Rule.cron(minute="*/10"), tz="UTC")
    async with deps.uow() as uow:
        assert await plans.pause(uow, schedule_id)
        assert not await plans.pause(uow, schedule_id)  # already paused
        await uow.commit()
    clock.advance(3600)
    await tick(deps, {"test": calls})
    assert calls.at == []
    async with deps.uow() as uow:
        resumed = await plans.resume(uow, deps.env, schedule_id)
        await uow.commit()
    assert resumed is not None and resumed > clock.now  # what was missed while paused does not happen
    clock.now = resumed + timedelta(seconds=1)
    await tick(deps, {"test": calls})
    assert calls.at == [resumed]
    assert [outcome for _, outcome in await fires(deps, schedule_id)] == ["sent"]


async def test_a_dropped_schedule_no_longer_fires_and_keeps_its_fires(deps: Deps, clock: Clock) -> None:
    calls = Calls()
    schedule_id = await plan(deps, Rule.cron(minute="*/10"), tz="UTC")
    clock.advance(601)
    await tick(deps, {"test": calls})
    async with deps.uow() as uow:
        assert await plans.drop(uow, kind="test", key="k")
        assert not await plans.drop(uow, kind="test", key="k")
        await uow.commit()
    clock.advance(3600)
    await tick(deps, {"test": calls})
    assert len(calls.at) == 1
    assert len(await fires(deps, schedule_id)) == 1


async def test_planning_the_same_kind_and_key_again_replaces_the_rule(deps: Deps, clock: Clock) -> None:
    first = await plan(deps, Rule.once(clock.now + timedelta(hours=1)))
    second = await plan(deps, Rule.once(clock.now + timedelta(hours=3)))
    assert first == second
    async with deps.uow() as uow:
        schedule = await uow.schedules.get(first)
        assert schedule is not None and schedule.due_at == clock.now + timedelta(hours=3)


async def run_days(deps: Deps, clock: Clock, until: datetime) -> tuple[list[str], list[str]]:
    """A daily 02:30 and a daily 09:00 in Berlin, ticking every 20 minutes until `until`: their fires
    as Berlin local times with the offset."""
    early, late = Calls(), Calls()
    await plan(deps, Rule.cron(hour=2, minute=30), tz=BERLIN, kind="early")
    await plan(deps, Rule.cron(hour=9, minute=0), tz=BERLIN, kind="late")
    handlers: dict[str, FireHandler] = {"early": early, "late": late}
    while clock.now < until:
        clock.advance(20 * 60)
        await tick(deps, handlers)
    berlin = ZoneInfo(BERLIN)
    return (
        [t.astimezone(berlin).strftime("%d %H:%M%z") for t in early.at],
        [t.astimezone(berlin).strftime("%d %H:%M%z") for t in late.at],
    )


@pytest.mark.parametrize("clock", [utc(2026, 3, 27, 12, 0)], indirect=True)
async def test_daily_berlin_fires_across_the_spring_change_happen_once_a_day(
    deps: Deps, clock: Clock
) -> None:
    """29 March 2026: 02:00 becomes 03:00, so there is no 02:30 that day; it fires at 03:30 instead."""
    early, late = await run_days(deps, clock, utc(2026, 3, 31, 12, 0))
    assert early == ["28 02:30+0100", "29 03:30+0200", "30 02:30+0200", "31 02:30+0200"]
    assert late == ["28 09:00+0100", "29 09:00+0200", "30 09:00+0200", "31 09:00+0200"]


@pytest.mark.parametrize("clock", [utc(2026, 10, 23, 12, 0)], indirect=True)
async def test_daily_berlin_fires_across_the_autumn_change_happen_once_a_day(
    deps: Deps, clock: Clock
) -> None:
    """25 October 2026: 03:00 goes back to 02:00, so 02:30 happens twice; it fires the first time only."""
    early, late = await run_days(deps, clock, utc(2026, 10, 27, 12, 0))
    assert early == ["24 02:30+0200", "25 02:30+0200", "26 02:30+0100", "27 02:30+0100"]
    assert late == ["24 09:00+0200", "25 09:00+0100", "26 09:00+0100", "27 09:00+0100"]


async def test_a_failing_handler_does_not_stop_the_other_schedules_and_is_retried(
    deps: Deps, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    broken, fine = Calls(fail=2), Calls()
    at = clock.now + timedelta(minutes=1)
    broken_id = await plan(deps, Rule.once(at), kind="broken")
    await plan(deps, Rule.once(clock.now + timedelta(minutes=1)), kind="fine")
    handlers: dict[str, FireHandler] = {"broken": broken, "fine": fine}
    clock.advance(61)
    report = await tick(deps, handlers)
    assert (report.fired, report.failed) == (1, 1)
    assert len(fine.at) == 1 and broken.at == []
    assert f"schedule {broken_id} failed to fire" in caplog.text
    assert await fires(deps, broken_id) == []  # the failed attempt left nothing behind
    assert await outbox_rows(deps) == 1
    await tick(deps, handlers)  # within the backoff: not tried again yet
    assert broken.fail == 1
    clock.advance(deps.env.settings.schedule_tick_seconds)
    await tick(deps, handlers)  # second failure
    clock.advance(2 * deps.env.settings.schedule_tick_seconds)
    await tick(deps, handlers)  # third attempt works
    assert broken.at == [at]
    assert await fires(deps, broken_id) == [(at, "sent")]


async def test_a_handler_that_keeps_failing_is_given_up_after_the_attempts_allowed(
    engine: AsyncEngine, database_url: str, clock: Clock
) -> None:
    deps = make_deps(engine, database_url, clock, schedule_max_attempts=3)
    broken = Calls(fail=100)
    schedule_id = await plan(deps, Rule.cron(minute=0), tz="UTC", kind="broken")
    clock.now = clock.now.replace(minute=0, second=0) + timedelta(hours=1, seconds=1)
    first_fire = clock.now.replace(second=0)
    for _ in range(10):
        await tick(deps, {"broken": broken})
        clock.advance(deps.env.settings.schedule_tick_seconds * 4)
    assert broken.fail == 97  # three attempts, then the fire is recorded as failed and not tried again
    assert await fires(deps, schedule_id) == [(first_fire, "failed")]
    async with deps.uow() as uow:
        schedule = await uow.schedules.get(schedule_id)
        assert schedule is not None
        assert (schedule.due_at, schedule.failures) == (first_fire + timedelta(hours=1), 0)


async def test_a_kind_without_a_handler_is_logged_and_does_not_stop_the_tick(
    deps: Deps, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fine = Calls()
    await plan(deps, Rule.once(clock.now + timedelta(minutes=1)), kind="unknown")
    await plan(deps, Rule.once(clock.now + timedelta(minutes=1)), kind="fine")
    clock.advance(61)
    report = await tick(deps, {"fine": fine})
    assert (report.fired, report.failed) == (1, 1)
    assert "no fire handler for schedule kind 'unknown'" in caplog.text


async def test_the_tick_goes_through_every_due_schedule_in_batches(deps: Deps, clock: Clock) -> None:
    calls = Calls()
    for n in range(7):
        await plan(deps, Rule.once(clock.now + timedelta(minutes=1)), key=str(n))
    await plan(deps, Rule.once(clock.now + timedelta(hours=1)), key="later")
    clock.advance(61)
    report = await tick(deps, {"test": calls}, batch=3)
    assert report.fired == 7


@pytest.fixture
async def instances(postgres_url: str, clock: Clock) -> AsyncIterator[tuple[Deps, Deps]]:
    """Two applications on one PostgreSQL database: an engine (a connection pool) each."""
    engines = [make_engine(postgres_url), make_engine(postgres_url)]
    try:
        await reset_schema(engines[0])
        first, second = (make_deps(engine, postgres_url, clock) for engine in engines)
        yield first, second
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_two_instances_ticking_at_once_on_postgresql_fire_each_schedule_once(
    instances: tuple[Deps, Deps], clock: Clock
) -> None:
    first, second = instances
    calls = Calls()
    for n in range(40):
        await plan(first, Rule.cron(minute="*/5"), tz="UTC", key=str(n))
    for _ in range(3):
        clock.advance(300)
        reports = await asyncio.gather(tick(first, {"test": calls}), tick(second, {"test": calls}))
        assert sum(r.fired for r in reports) == 40
        assert sum(r.failed for r in reports) == 0
    assert len(calls.at) == 120
    assert await outbox_rows(first) == 120
    async with first.uow() as uow:
        recorded = (await uow.session.execute(select(func.count()).select_from(ScheduleFire))).scalar_one()
    assert recorded == 120


def test_a_schedule_missed_for_very_long_lists_a_bounded_number_of_fires_and_still_sends_the_latest() -> None:
    every_minute = Rule.cron(minute="*")
    due_at, now = utc(2026, 11, 20, 0, 0), utc(2026, 11, 22, 8, 0, 30)  # two days of minutes missed
    result = catch_up(every_minute, "UTC", due_at, now, timedelta(minutes=5), limit=10)
    assert result.jumped
    assert result.run_at == utc(2026, 11, 22, 8, 0)
    assert result.next_at == utc(2026, 11, 22, 8, 1)
    assert result.skipped[:2] == [utc(2026, 11, 20, 0, 0), utc(2026, 11, 20, 0, 1)]
    # The first ten, then those within the grace (after 07:55:30) before the latest; the rest is jumped.
    assert result.skipped[10:] == [utc(2026, 11, 22, 7, minute) for minute in (56, 57, 58, 59)]


@pytest.mark.postgres
async def test_a_schedule_another_instance_has_locked_is_passed_by_without_waiting(
    instances: tuple[Deps, Deps], clock: Clock
) -> None:
    first, second = instances
    calls = Calls()
    locked_id = await plan(first, Rule.once(clock.now + timedelta(minutes=1)), key="locked")
    await plan(first, Rule.once(clock.now + timedelta(minutes=1)), key="free")
    clock.advance(61)
    async with first.uow() as holder:  # the first instance is in the middle of firing it
        assert await holder.schedules.lock_due(locked_id, clock.now) is not None
        report = await asyncio.wait_for(tick(second, {"test": calls}), timeout=10)
    assert (report.fired, report.busy) == (1, 1)
    assert await fires(second, locked_id) == []
