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
