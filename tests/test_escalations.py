"""5341 escalations and the daily digest end to end through the fake Bot API (SQLite and
PostgreSQL), and with two instances sweeping one database at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.digest import daily
from bot.services.requests import escalation
from bot.services.shared.runner import Deps
from storage.engine import make_engine, make_sessions
from storage.models import Digest, OutboxMessage, Request, RequestEvent
from storage.repositories.requests import RequestRepository
from tests.conftest import Clock
from tests.requests_world import card_text, estate, events, request_no
from tests.world import World

REQUESTS = 12


def second_instance(world: World) -> tuple[Deps, AsyncEngine]:
    """Another bot process on the same database: its own engine and sessions, the same clock."""
    engine = make_engine(world.bot.settings.database_url)
    return Deps(sessions=make_sessions(engine), env=world.bot.deps.env), engine


async def test_an_unclaimed_request_reaches_the_staff_group_with_dispatch_buttons_and_every_card_says_late(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 3号楼 楼道的灯坏了")
    request = await request_no(world, 1)
    first_copy = world.fake.bot_messages(e.staff_group)[-1]
    assert "已超时" not in await card_text(world, e.group, 1)
    clock.now = request.respond_by

    assert await escalation.escalate_due(world.bot.deps.uow, world.bot.deps.env) == 1
    await world.pump()

    staff = world.fake.bot_messages(e.staff_group)
    alert, card = staff[-2], staff[-1]
    assert "已过响应时限" in (alert.plain_text or "") and "#1" in (alert.plain_text or "")
    assert "#1" in (card.plain_text or "") and "已超时" in (card.plain_text or "")
    labels = [text for row in card.buttons for text, _ in row]
    assert any("老王" in label for label in labels)  # assign to a fitting volunteer
    assert "已超时" in await card_text(world, e.group, 1)  # the group's card, edited in place
    old = world.fake.message(e.staff_group, first_copy.message_id)
    assert old is not None and old.buttons == []  # only the newest copy keeps its buttons
    world.assert_no_unexpected_errors()


async def test_the_digest_reaches_the_staff_group(clocked: World, clock: Clock) -> None:
    world = clocked
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 3号楼 楼道的灯坏了")
    await world.say(e.volunteer, e.group, "/take 1")
    clock.now = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)

    assert await daily.send_due(world.bot.deps.uow, world.bot.deps.env) == 1
    await world.pump()

    text = world.last(e.staff_group)
    assert "幸福里社区 · 11-22 日报" in text and "新求助 1 件" in text and "仍待处理 1 件" in text
    world.assert_no_unexpected_errors()


async def test_two_instances_sweeping_at_once_send_each_escalation_once(clocked: World, clock: Clock) -> None:
    world = clocked
    e = await estate(world)
    for n in range(REQUESTS):
        await world.say(e.resident, e.group, f"#求助 {n + 1}号楼 楼道的灯坏了")
    clock.now = (await request_no(world, REQUESTS)).resolve_by + timedelta(days=2)
    other, engine = second_instance(world)
    try:
        ours = world.bot.deps
        counts = await asyncio.gather(
            escalation.escalate_due(ours.uow, ours.env), escalation.escalate_due(other.uow, other.env)
        )
    finally:
        await engine.dispose()

    assert sum(counts) == REQUESTS
    async with world.bot.deps.uow() as uow:
        per_request = await uow.session.execute(
            select(RequestEvent.request_id, RequestEvent.kind, func.count())
            .where(RequestEvent.kind.like("escalated%"))
            .group_by(RequestEvent.request_id, RequestEvent.kind)
        )
        rows = per_request.all()
    assert len(rows) == REQUESTS * 3  # unclaimed, late and the super-admins, for every request
    assert {count for _, _, count in rows} == {1}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_instances_that_both_saw_a_request_late_escalate_it_once(
    clocked: World, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the request before either writes (a barrier in front of the conditional UPDATE):
    the second UPDATE waits on the first one's row lock, then finds the levels changed."""
    world = clocked
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 3号楼 楼道的灯坏了")
    request = await request_no(world, 1)
    clock.now = request.resolve_by
    barrier = asyncio.Barrier(2)
    escalate = RequestRepository.escalate

    async def together(self: RequestRepository, seen: Request, level: int) -> bool:
        await barrier.wait()
        changed = await escalate(self, seen, level)
        await asyncio.sleep(0.05)  # hold the row a moment so the other really waits on it
        return changed

    monkeypatch.setattr(RequestRepository, "escalate", together)
    other, engine = second_instance(world)
    try:
        ours = world.bot.deps
        results = await asyncio.gather(
            escalation.escalate_one(ours.uow, ours.env, request.id, clock.now),
            escalation.escalate_one(other.uow, other.env, request.id, clock.now),
        )
    finally:
        await engine.dispose()

    assert sorted(results) == [False, True]
    assert [k for k in await events(world, 1) if k.startswith("escalated")] == [
        "escalated_unclaimed",
        "escalated_late",
    ]
    async with world.bot.deps.uow() as uow:
        alerts = await uow.session.execute(
            select(func.count()).where(OutboxMessage.template.like("requests/escalated%"))
        )
        assert alerts.scalar_one() == 2  # one of each level, to the one staff group


async def test_two_instances_at_digest_time_send_one_digest(clocked: World, clock: Clock) -> None:
    world = clocked
    e = await estate(world)
    clock.now = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    other, engine = second_instance(world)
    try:
        ours = world.bot.deps
        counts = await asyncio.gather(
            daily.send_due(ours.uow, ours.env), daily.send_due(other.uow, other.env)
        )
    finally:
        await engine.dispose()

    assert sorted(counts) == [0, 1]
    async with world.bot.deps.uow() as uow:
        digests = (await uow.session.execute(select(func.count()).select_from(Digest))).scalar_one()
        queued = await uow.session.execute(
            select(func.count()).where(
                OutboxMessage.template == "digest/daily", OutboxMessage.chat_id == e.staff_group.id
            )
        )
        assert (digests, queued.scalar_one()) == (1, 1)
