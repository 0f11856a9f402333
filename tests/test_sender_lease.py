"""Several instances on one PostgreSQL database: one sender at a time, and another takes over when it
stops or dies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.outbox.lease import SenderLease
from bot.outbox.sender import OutboxSender
from storage.engine import make_engine
from tests.conftest import Clock
from tests.world import World


@pytest.fixture
async def two_engines(postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine, AsyncEngine]]:
    engines = (make_engine(postgres_url), make_engine(postgres_url), make_engine(postgres_url))
    yield engines
    for engine in engines:
        await engine.dispose()


async def test_only_one_instance_holds_the_sender_lease(
    two_engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    clock = Clock()
    first = SenderLease(two_engines[0], clock=clock, retry_seconds=5)
    second = SenderLease(two_engines[1], clock=clock, retry_seconds=5)
    assert await first.hold()
    assert not await second.hold()
    clock.advance(6)
    assert await first.hold() and not await second.hold()
    await first.release()
    await second.release()


async def test_a_dead_instance_s_lease_is_taken_over_after_the_retry_time(
    two_engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    clock = Clock()
    first = SenderLease(two_engines[0], clock=clock, retry_seconds=5)
    second = SenderLease(two_engines[1], clock=clock, retry_seconds=5)
    assert await first.hold()
    assert not await second.hold()
    assert first._connection is not None
    pid = (await first._connection.execute(text("SELECT pg_backend_pid()"))).scalar()
    await first._connection.commit()
    async with two_engines[2].connect() as admin:  # the instance's session ends, as when it is killed
        # with a timeout, pg_terminate_backend waits until the backend (and its locks) are gone;
        # without, it only signals it, and on a busy machine the lock outlived the next look
        ended = await admin.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
        await admin.commit()
        assert ended
    assert not await second.hold(), "it waits for its next try"
    clock.advance(5)
    assert await second.hold(), "the lock went with the dead session"
    assert not await first.hold(), "the first sees its connection is gone and does not send"
    await second.release()
    await first.release()


async def test_a_stopping_instance_lets_go_and_the_next_try_takes_over(
    two_engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    clock = Clock()
    first = SenderLease(two_engines[0], clock=clock, retry_seconds=5)
    second = SenderLease(two_engines[1], clock=clock, retry_seconds=5)
    assert await first.hold() and not await second.hold()
    await first.release()
    clock.advance(5)
    assert await second.hold()
    await second.release()


async def test_on_sqlite_the_one_process_always_sends(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        lease = SenderLease(engine, clock=Clock())
        assert lease.held and await lease.hold()
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_second_instance_sends_nothing_while_another_leads_and_everything_once_it_takes_over(
    world: World,
) -> None:
    url = world.bot.settings.database_url
    await world.bot.sender.stop()  # this instance stops and lets go of the lock ...
    leader_engine, other_engine = make_engine(url), make_engine(url)
    leader = SenderLease(leader_engine, clock=world.bot.clock)
    assert await leader.hold()  # ... which another instance takes
    other = OutboxSender(
        world.bot.application.bot,
        world.bot.deps.sessions,
        world.bot.sender.cards,
        clock=world.bot.clock,
        lease=SenderLease(other_engine, clock=world.bot.clock, retry_seconds=0.01),
    )
    try:
        alice = world.person("Alice")
        world.fake.send_text(alice, world.dm(alice), "/help")
        await world.pump()
        await other.drain()
        assert world.texts(world.dm(alice)) == [], "a third instance must not send while another leads"
        await leader.release()
        await asyncio.sleep(0.02)  # its next try
        await other.drain()
        assert len(world.texts(world.dm(alice))) == 1
    finally:
        await other.stop()
        await leader_engine.dispose()
        await other_engine.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_taking_over_waits_a_private_chats_interval_after_what_the_other_instance_sent_or_had_in_hand(
    clocked: World, clock: Clock
) -> None:
    """The instance that stopped (or died) sent Alice a message a moment ago, and Bob's was in its
    hands: Telegram may have it already, though it is still pending. The instance taking over
    writes to neither sooner than a private chat's interval after, so the repeat meets no 429."""
    world = clocked
    url = world.bot.settings.database_url
    alice, bob = world.person("Alice"), world.person("Bob")
    await world.start(alice)  # delivered by this instance, which then stops and lets go
    await world.bot.sender.stop()
    world.fake.send_text(bob, world.dm(bob), "/help")
    await world.pump()  # Bob's answer is queued; nobody sends it yet
    async with world.bot.deps.uow() as uow:
        await uow.outbox.add(dedupe_key="later:alice", chat_id=alice.id, text="稍后的通知")
        await uow.commit()
    waits: dict[int, float] = {}
    sending_to: list[int] = []

    async def sleep(seconds: float) -> None:  # what the next instance waits before each chat's message
        waits[sending_to[-1]] = waits.get(sending_to[-1], 0.0) + seconds

    engine = make_engine(url)
    taker = OutboxSender(
        world.bot.application.bot,
        world.bot.deps.sessions,
        world.bot.sender.cards,
        clock=clock,
        sleep=sleep,
        private_interval=1.0,
        lease=SenderLease(engine, clock=clock),
    )
    pace = taker._pace

    async def noted(chat_id: int) -> None:
        sending_to.append(chat_id)
        await pace(chat_id)

    taker._pace = noted  # type: ignore[method-assign]
    try:
        await taker.drain()
        assert "稍后的通知" in world.texts(world.dm(alice))
        assert len(world.texts(world.dm(bob))) == 1
        assert waits.get(alice.id, 0) > 0.9, "Alice was written to a moment ago"
        assert waits.get(bob.id, 0) > 0.9, "Bob's answer may have reached him just before the takeover"
    finally:
        await taker.stop()
        await engine.dispose()
