"""Rule 4 at clocks far from the test date: every time-driven behaviour follows the injected clock.

Each test starts the clock years away from 2026-11-22 (and from whatever the machine's date is),
drives one behaviour by moving it, and checks what was stored: a row stamped with the system time
instead of the clock lands years outside the span the clock covered, and `assert_stamped_by` names it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.services.digest import daily
from bot.services.requests import escalation, finish
from offline import OfflineBot
from storage.models import Base, OutboxMessage
from storage.types import UTCDateTime
from tests.conftest import Clock, Sleeps
from tests.requests_world import all_text, balance, card_text, estate, events, request_no
from tests.world import World

LATER = datetime(2031, 3, 15, 2, 0, tzinfo=UTC)  # 10:00 on a Saturday in Asia/Shanghai
LEAP_DAY = datetime(2024, 2, 29, 3, 30, tzinfo=UTC)  # 11:30 in Asia/Shanghai
BEFORE_SHANGHAI_MIDNIGHT = datetime(2024, 2, 29, 11, 50, tzinfo=UTC)  # 19:50, 10 min before service ends

far_clocks = pytest.mark.parametrize(
    "clock", [LATER, LEAP_DAY], indirect=True, ids=["2031-03-15", "2024-02-29"]
)


# Times set ahead of the clock by design: a schedule's next fire (the daily housekeeping planned at
# start is due within a day of the clock).
AHEAD = {"schedules.due_at": timedelta(days=1)}


async def assert_stamped_by(world: World, earliest: datetime, latest: datetime) -> None:
    """Every stored time of every table lies in [earliest, latest]: the span the clock covered,
    plus the deadlines it set ahead. A system-time stamp is years away and fails here."""
    outside: list[str] = []
    async with world.bot.deps.uow() as uow:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, UTCDateTime)]
            if not columns:
                continue
            for row in (await uow.session.execute(select(*columns))).all():
                outside += [
                    f"{table.name}.{column.name} = {value.isoformat()}"
                    for column, value in zip(columns, row, strict=True)
                    if value is not None
                    and not earliest
                    <= value
                    <= latest + AHEAD.get(f"{table.name}.{column.name}", timedelta(0))
                ]
    assert not outside, f"stored times outside the clock's {earliest} .. {latest}: {outside}"


async def outbox_rows(world: World) -> list[OutboxMessage]:
    """The messages in the outbox (not the command menus queued at start-up)."""
    async with world.bot.deps.uow() as uow:
        query = select(OutboxMessage).where(OutboxMessage.kind != "menu").order_by(OutboxMessage.id)
        return list((await uow.session.execute(query)).scalars())


@far_clocks
async def test_a_network_error_is_retried_when_the_stored_next_attempt_comes_and_not_before(
    clocked: World, clock: Clock
) -> None:
    world, start = clocked, clock()
    alice = world.person("Alice")
    world.fake.fail_next("sendMessage", network_error=True, times=2)
    await world.say(alice, world.dm(alice), "/help")
    [row] = await outbox_rows(world)
    assert (row.status, row.attempts, row.created_at) == ("pending", 1, start)
    first_wait = (row.next_attempt_at - start).total_seconds()
    assert 1.5 <= first_wait <= 2.5  # 2 s of backoff, ±20 % jitter, counted from the clock

    clock.advance(first_wait - 0.5)  # not yet due: the sender leaves it alone
    await world.bot.settle()
    [row] = await outbox_rows(world)
    assert row.attempts == 1 and world.texts(world.dm(alice)) == []

    clock.advance(0.51)
    await world.bot.settle()
    [row] = await outbox_rows(world)
    assert row.attempts == 2 and row.status == "pending"
    second_wait = (row.next_attempt_at - clock()).total_seconds()
    assert 3.1 <= second_wait <= 4.9  # the wait doubles

    clock.advance(second_wait + 0.01)
    await world.bot.settle()
    [row] = await outbox_rows(world)
    assert (row.status, row.sent_at) == ("sent", clock())
    assert len(world.texts(world.dm(alice))) == 1
    await assert_stamped_by(world, start, clock())
    world.assert_no_unexpected_errors()


@far_clocks
async def test_a_done_request_is_confirmed_automatically_at_its_stored_due_time_after_a_restart(
    clocked: World, clock: Clock, sleeps: Sleeps
) -> None:
    world, start = clocked, clock()
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    await world.press(e.volunteer, e.group, "接单")
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")
    request = await request_no(world, 1)
    assert (request.created_at, request.done_at) == (start, start)
    assert request.auto_confirm_at == start + timedelta(hours=48)

    settings = world.bot.settings
    await world.bot.stop()  # the due time lives in the database, not in the stopped process
    clock.advance(48 * 3600 - 1)
    world.bot = OfflineBot(world.fake, settings, clock=clock, sleep=sleeps)
    await world.bot.start()
    try:
        deps = world.bot.deps
        assert await finish.confirm_due(deps.uow, deps.env) == 0  # one second early
        clock.advance(1)
        assert await finish.confirm_due(deps.uow, deps.env) == 1
        assert await finish.confirm_due(deps.uow, deps.env) == 0
        await world.bot.settle()
        request = await request_no(world, 1)
        assert request.status == "confirmed" and request.auto_confirmed
        assert request.confirmed_at == start + timedelta(hours=48)
        assert await balance(world, e.volunteer) == (10, 10, 1)
        assert "自动确认" in await card_text(world, e.group, 1)
        assert await events(world, 1) == ["filed", "claimed", "done", "auto_confirmed"]
        await assert_stamped_by(world, start, clock())
    finally:
        await world.bot.stop()
    world.assert_no_unexpected_errors()


@pytest.mark.parametrize("clock", [BEFORE_SHANGHAI_MIDNIGHT], indirect=True, ids=["2024-02-29T19:50+08"])
async def test_5341_deadlines_pause_over_the_shanghai_night_and_overdue_follows_the_clock(
    clocked: World, clock: Clock
) -> None:
    """Filed at 19:50 local on a leap day: 5 minutes to respond end at 19:55; of 30 minutes to
    resolve, 10 are left today and the other 20 run from 08:00 on 1 March (08:20, 00:20 UTC)."""
    world, start = clocked, clock()
    e = await estate(world)
    staff = e.staff_group

    async def overdue() -> str:
        await world.say(world.admin, staff, "/overdue")
        return world.last(staff)

    await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    await world.press(e.volunteer, e.group, "接单")  # #1 is answered at once
    await world.say(e.resident, e.group, "#求助 3号楼 水管漏水")  # #2 nobody answers
    first, second = await request_no(world, 1), await request_no(world, 2)
    assert first.created_at == start and first.responded_at == start
    for request in (first, second):
        assert request.respond_by == datetime(2024, 2, 29, 11, 55, tzinfo=UTC)
        assert request.resolve_by == datetime(2024, 3, 1, 0, 20, tzinfo=UTC)
    assert "没有超时" in await overdue()

    clock.advance(6 * 60)  # 19:56: #2 got no response in 5 minutes; #1 did
    late = await overdue()
    assert "#2 " in late and "#1 " not in late

    clock.advance(4 * 3600)  # 23:56, four wall-clock hours later: the service clock stopped at 20:00
    late = await overdue()
    assert "#2 " in late and "#1 " not in late

    clock.now = datetime(2024, 3, 1, 0, 19, tzinfo=UTC)  # 08:19 on 1 March, past Shanghai midnight
    late = await overdue()
    assert "#1 " not in late and "08:20" in late  # #2's deadline is shown in local time

    clock.advance(2 * 60)  # 08:21: now #1 is late too
    late = await overdue()
    assert "#1 " in late and "#2 " in late
    await assert_stamped_by(world, start, clock())
    world.assert_no_unexpected_errors()


@pytest.mark.parametrize("clock", [LATER], indirect=True, ids=["2031-03-15"])
async def test_a_volunteer_gets_at_most_one_nudge_per_30_minutes_of_the_clock(
    clocked: World, clock: Clock
) -> None:
    world, start = clocked, clock()
    e = await estate(world)
    dm = world.dm(e.volunteer)
    await world.say(e.volunteer, dm, "/profile 提醒 开")

    def nudged() -> list[int]:
        text = all_text(world, dm)
        return [n for n in range(1, 5) if f"新的求助 #{n}" in text]

    await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    assert nudged() == [1]
    clock.advance(29 * 60)
    await world.say(e.resident, e.group, "#求助 3号楼 水管漏水")
    assert nudged() == [1]  # 29 minutes after the last nudge: quiet
    clock.advance(60)
    await world.say(e.resident, e.group, "#求助 3号楼 门锁坏了")
    assert nudged() == [1, 3]  # 30 minutes: the next one comes
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(e.volunteer.id)
        community = await uow.communities.find_by_name("幸福里社区")
        assert user is not None and community is not None
        membership = await uow.memberships.find(user.id, community.id)
        assert membership is not None and membership.last_nudged_at == start + timedelta(minutes=30)
    await assert_stamped_by(world, start, clock() + timedelta(days=1))
    world.assert_no_unexpected_errors()


@far_clocks
async def test_escalations_and_the_daily_digest_follow_the_clock_across_a_restart(
    clocked: World, clock: Clock, sleeps: Sleeps
) -> None:
    world, start = clocked, clock()
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    request = await request_no(world, 1)
    settings = world.bot.settings
    await world.bot.stop()  # the deadlines live in the database, not in the stopped process
    clock.now = request.respond_by - timedelta(seconds=1)
    world.bot = OfflineBot(world.fake, settings, clock=clock, sleep=sleeps)
    await world.bot.start()
    try:
        deps = world.bot.deps
        assert await escalation.escalate_due(deps.uow, deps.env) == 0  # one second early
        clock.advance(1)
        assert await escalation.escalate_due(deps.uow, deps.env) == 1
        assert await escalation.escalate_due(deps.uow, deps.env) == 0
        shanghai = ZoneInfo("Asia/Shanghai")
        next_morning = datetime.combine(start.astimezone(shanghai).date() + timedelta(days=1), time(8))
        clock.now = next_morning.replace(tzinfo=shanghai).astimezone(UTC)
        assert await daily.send_due(deps.uow, deps.env) == 1
        assert await daily.send_due(deps.uow, deps.env) == 0
        await world.bot.settle()
        assert "已过响应时限" in all_text(world, e.staff_group)
        assert "日报" in world.last(e.staff_group) and "新求助 1 件" in world.last(e.staff_group)
        await assert_stamped_by(world, start, clock())
    finally:
        await world.bot.stop()
    world.assert_no_unexpected_errors()
