"""Load test of webhook mode on loopback: this process plays Telegram, posting N updates to one or two
real `linli run` instances (separate processes) and serving the fake Bot API they answer through.

Prints numbers, asserts nothing. For each run: updates/s accepted, p50/p99 time to Telegram's 200
(the update's effect committed), and the outbox lag: from that 200 to the reply reaching "Telegram"
(it includes Telegram's limit of 30 messages a second, which the fake enforces, counting 429s).
Each update is a different resident writing /start in private, so no private chat's pacing hides
the rest. Two instances need PostgreSQL (`--pg`); updates are spread over them as a load balancer
would, and one of them sends.

    .venv/bin/python scripts/bench_webhook.py --updates 300
    .venv/bin/python scripts/bench_webhook.py --updates 600 --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from fakebot import FakeBotApiServer, FakeTelegram
from offline.instances import Instance
from scripts.measures import percentile
from storage.engine import make_engine


async def fresh_postgres(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def run(database_url: str, instances: int, n: int, concurrency: int, workdir: Path) -> None:
    fake = FakeTelegram(flood_limits=True)
    residents = [fake.add_user(f"居民{i}") for i in range(n)]
    arrived: dict[int, float] = {}  # private chat id -> when its first reply reached "Telegram"
    all_arrived = asyncio.Event()
    handle = fake.handle

    async def recording(method: str, params: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        answer = await handle(method, params, *args, **kwargs)
        if method.lower() == "sendmessage" and answer.get("ok"):
            chat = int(params["chat_id"])
            arrived.setdefault(chat, time.perf_counter())
            if len(arrived) >= n:
                all_arrived.set()
        return answer

    fake.handle = recording  # type: ignore[method-assign,assignment]
    async with FakeBotApiServer(fake) as server:
        bots = [
            Instance(fake, server, database_url, workdir, OUTBOX_POLL_SECONDS="0.5") for _ in range(instances)
        ]
        try:
            for bot in bots:
                await bot.start()
            for bot in bots:
                await bot.wait_ready()
            for resident in residents:
                fake.send_text(resident, fake.private_chat(resident), "/start")
            updates: list[dict[str, Any]] = []
            while len(updates) < n:
                batch = await fake.updates.fetch(
                    offset=updates[-1]["update_id"] + 1 if updates else None,
                    limit=100,
                    wait_seconds=0,
                    allowed_updates=None,
                )
                updates.extend(batch)
            answered: dict[int, float] = {}
            latencies: list[float] = []
            queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
            for i, update in enumerate(updates):
                queue.put_nowait((i, update))

            async def poster() -> None:
                while not queue.empty():
                    i, update = queue.get_nowait()
                    start = time.perf_counter()
                    status = await bots[i % instances].post(update)
                    if status != 200:
                        raise RuntimeError(f"update {update['update_id']} answered {status}")
                    now = time.perf_counter()
                    latencies.append(now - start)
                    answered[update["message"]["chat"]["id"]] = now

            began = time.perf_counter()
            await asyncio.gather(*(poster() for _ in range(concurrency)))
            wall = time.perf_counter() - began
            with contextlib.suppress(TimeoutError):  # 30 a second at most, then some
                await asyncio.wait_for(all_arrived.wait(), timeout=n / 25 + 30)
            lags = [arrived[c] - answered[c] for c in answered if c in arrived]
            flood = sum(1 for e in fake.errors if e[2].get("error_code") == 429)
            to_200 = [percentile(latencies, p) or math.nan for p in (50, 99)]  # nan: none answered
            lag = [percentile(lags, p) or math.nan for p in (50, 99)]
            print(
                f"{instances} instance(s), {n} updates, {concurrency} posts at once: "
                f"{n / wall:7.1f} updates/s, to 200 p50 {to_200[0] * 1000:6.1f} ms "
                f"p99 {to_200[1] * 1000:6.1f} ms; replies {len(arrived)}/{n}, outbox lag "
                f"p50 {lag[0]:5.2f} s p99 {lag[1]:5.2f} s; 429s {flood}"
            )
        finally:
            for bot in bots:
                if bot.running:
                    await bot.end()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=40, help="posts in flight (max_connections)")
    parser.add_argument("--pg", help="PostgreSQL database for 1 and 2 instances (its schema is dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await run(
            f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", 1, args.updates, args.concurrency, Path(tmp)
        )
        if args.pg:
            for instances in (1, 2):
                await fresh_postgres(args.pg)
                await run(args.pg, instances, args.updates, args.concurrency, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
