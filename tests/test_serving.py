"""`linli run` in webhook mode as real processes against the fake Bot API over HTTP: ready when it
can work; SIGTERM drains (in-flight updates finish, the outbox is flushed) and exits 0; several
instances on one PostgreSQL database send each message once, and survive one being killed."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from fakebot import FakeBotApiServer, FakeTelegram
from offline.instances import SECRET, Instance
from storage.engine import make_engine
from tests.conftest import PG_URL


async def test_sigterm_finishes_what_was_answered_and_exits_0(tmp_path: Path) -> None:
    fake = FakeTelegram()
    residents = [fake.add_user(f"居民{i}") for i in range(5)]
    async with FakeBotApiServer(fake) as server:
        bot = Instance(fake, server, f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}", tmp_path)
        await bot.start()
        try:
            await bot.wait_ready()
            assert fake.updates.webhook is not None and fake.updates.webhook["secret_token"] == SECRET
            for _ in range(3):  # a private chat gets one message a second: replies queue up
                for resident in residents:
                    fake.send_text(resident, fake.private_chat(resident), "/start")
            updates = await fake.updates.fetch(offset=None, limit=100, wait_seconds=0, allowed_updates=None)
            answers = await asyncio.gather(*(bot.post(u) for u in updates))
            assert answers == [200] * len(updates)
            code = await bot.end(signal.SIGTERM)  # at once: replies are still in the outbox
        finally:
            if bot.running:
                await bot.end(signal.SIGKILL)
    assert code == 0, bot.stderr.decode()
    for resident in residents:
        assert len(fake.bot_messages(fake.private_chat(resident))) >= 3, "an answered update lost its reply"
    assert fake.token not in bot.stderr.decode()
    lines = bot.log_lines()
    assert lines and all("levelname" in line and "message" in line for line in lines)
    assert any("outbox flushed" in line["message"] for line in lines)


async def _fresh_postgres() -> str:
    engine = make_engine(PG_URL)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return PG_URL


@pytest.mark.postgres
async def test_three_instances_one_killed_mid_flight_lose_nothing_and_send_once(
    postgres_url: str, tmp_path: Path
) -> None:
    url = await _fresh_postgres()  # the instances migrate it themselves, all at once
    fake = FakeTelegram(flood_limits=True)
    residents = [fake.add_user(f"居民{i}") for i in range(40)]
    async with FakeBotApiServer(fake) as server:
        options = {"SENDER_TAKEOVER_SECONDS": "0.5", "OUTBOX_POLL_SECONDS": "0.5", "DRAIN_SECONDS": "5"}
        bots = [Instance(fake, server, url, tmp_path, **options) for _ in range(3)]
        try:
            await asyncio.gather(*(b.start() for b in bots))
            states = await asyncio.gather(*(b.wait_ready() for b in bots))
            await asyncio.sleep(1.0)  # every instance has tried for the lease
            states = await asyncio.gather(*(b.readiness() for b in bots))
            assert sum(s["leads"] for s in states) == 1, states
            leader = bots[[s["leads"] for s in states].index(True)]

            # How many messages one /start gets, measured on the first resident.
            first = residents[0]
            fake.send_text(first, fake.private_chat(first), "/start")
            (update,) = await fake.updates.fetch(offset=None, limit=100, wait_seconds=0, allowed_updates=None)
            assert await bots[0].post(update) == 200
            for _ in range(100):
                if fake.bot_messages(fake.private_chat(first)):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
            per_start = len(fake.bot_messages(fake.private_chat(first)))
            assert per_start >= 1

            for resident in residents[1:]:
                fake.send_text(resident, fake.private_chat(resident), "/start")
            updates = await fake.updates.fetch(
                offset=update["update_id"] + 1, limit=100, wait_seconds=0, allowed_updates=None
            )
            survivors = [b for b in bots if b is not leader]

            async def deliver(i: int, data: dict) -> None:
                # Spread over the instances as a load balancer would; a post that fails (the instance
                # was killed) is posted again to another, as Telegram retries.
                target = bots[i % 3]
                for attempt in range(20):
                    try:
                        if target.running and await target.post(data) == 200:
                            return
                    except Exception:
                        pass
                    target = survivors[(i + attempt) % 2]
                    await asyncio.sleep(0.05)
                raise AssertionError(f"update {data['update_id']} was never accepted")

            posting = [asyncio.create_task(deliver(i, u)) for i, u in enumerate(updates)]
            await asyncio.sleep(0.05)
            assert leader.process is not None
            leader.process.kill()  # SIGKILL, mid-flight: posts and sends of it are cut off
            await asyncio.gather(*posting)

            def counts() -> list[int]:
                return [len(fake.bot_messages(fake.private_chat(r))) for r in residents]

            for _ in range(300):
                if min(counts()) >= per_start:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.5)  # anything doubled would arrive by now
            assert min(counts()) >= per_start, f"lost: {counts()}"
            extra = sum(c - per_start for c in counts())
            assert extra <= 1, f"doubled beyond the one row a killed sender had in hand: {counts()}"
            assert not [e for e in fake.errors if e[2].get("error_code") == 429], "over Telegram's limits"
            states = await asyncio.gather(*(b.readiness() for b in survivors))
            assert sum(s["leads"] for s in states) == 1, states
            codes = await asyncio.gather(*(b.end(signal.SIGTERM) for b in survivors))
            assert codes == [0, 0]
        finally:
            for b in bots:
                if b.running:
                    await b.end(signal.SIGKILL)
