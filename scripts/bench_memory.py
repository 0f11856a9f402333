"""Memory of a running bot with a street office's data: 100,000 people and 1,000,000 ledger entries.

Prints numbers, asserts nothing. Fills a database (SQLite, or PostgreSQL with `--pg`) with one
community, `--people` residents with memberships and point accounts and `--entries` ledger entries,
then starts the real application against the fake Bot API and plays what touches those tables
most: residents asking for /points, the honour roll (/top) computed over the whole ledger, a request
filed and the sweep. It prints the process's resident memory (VmRSS) after start and after the
traffic, and its peak (VmHWM). The budget is 150 MB.

    .venv/bin/python scripts/bench_memory.py
    .venv/bin/python scripts/bench_memory.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bot.config import Settings
from fakebot import FakeTelegram
from offline import OfflineBot
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.models import Chat, Community, Membership, PointAccount, PointEntry, User

ADMIN_ID = 1000
GROUP_ID = -100777
NOW = datetime.now(UTC).replace(microsecond=0)
BATCH = 10_000


def memory_mb() -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


async def fill(url: str, people: int, entries: int) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as c:
            await c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await c.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    rng = random.Random(7)
    async with engine.begin() as c:
        await c.execute(
            insert(Community).values(
                id=1, name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN", created_at=NOW
            )
        )
        await c.execute(
            insert(Chat).values(
                id=1,
                telegram_id=GROUP_ID,
                community_id=1,
                kind="neighbourhood",
                title="幸福里1号楼",
                active=True,
                buildings=[],
                created_at=NOW,
                updated_at=NOW,
            )
        )
        for start in range(0, people, BATCH):
            ids = range(start + 1, min(people, start + BATCH) + 1)
            await c.execute(
                insert(User),
                [
                    dict(id=i, telegram_id=10_000 + i, first_name=f"居民{i}", created_at=NOW, updated_at=NOW)
                    for i in ids
                ],
            )
            await c.execute(
                insert(Membership),
                [
                    dict(
                        user_id=i,
                        community_id=1,
                        roles=[],
                        grid_buildings=[],
                        skills=[],
                        created_at=NOW,
                        updated_at=NOW,
                    )
                    for i in ids
                ],
            )
            await c.execute(
                insert(PointAccount),
                [
                    dict(id=i, community_id=1, user_id=i, balance=0, created_at=NOW, updated_at=NOW)
                    for i in ids
                ],
            )
        for start in range(0, entries, BATCH):
            rows = []
            for n in range(start, min(entries, start + BATCH)):
                rows.append(
                    dict(
                        account_id=rng.randint(1, people),
                        amount=rng.randint(1, 20),
                        kind="earn",
                        reason="request",
                        ref_id=n,
                        idempotency_key=f"bench:{n}",
                        actor_id=None,
                        created_at=NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 400)),
                    )
                )
            await c.execute(insert(PointEntry), rows)
        await c.execute(
            text(
                "UPDATE point_accounts SET balance = (SELECT COALESCE(SUM(amount), 0) FROM point_entries "
                "WHERE point_entries.account_id = point_accounts.id)"
            )
        )
    if engine.dialect.name == "postgresql":
        async with engine.begin() as c:
            for table in ("communities", "chats", "users", "memberships", "point_accounts", "point_entries"):
                # rows were given their ids: the sequences start after them
                await c.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}")
                )
            await c.execute(text("ANALYZE"))
    await engine.dispose()


async def play(url: str, people: int, residents_asking: int) -> None:
    fake = FakeTelegram()
    settings = Settings(
        _env_file=None,
        database_url=url,
        admin_ids=frozenset({ADMIN_ID}),
        group_messages_per_minute=6000,
        private_message_seconds=0,
    )
    bot = OfflineBot(fake, settings)
    await bot.start()
    after_start = memory_mb()
    admin = fake.add_user("管理员", user_id=ADMIN_ID)
    group = fake.add_group("幸福里1号楼", chat_id=GROUP_ID)
    fake.add_bot_to_group(admin, group)
    await bot.pump()
    began = time.perf_counter()
    for i in range(1, residents_asking + 1):
        uid = 1 + (i * 7919) % people
        person = fake.add_user(f"居民{uid}", user_id=10_000 + uid)
        fake.send_text(person, fake.private_chat(person), "/points")
    await bot.pump()
    fake.send_text(admin, group, "/top")
    await bot.pump()
    someone = fake.add_user("居民1", user_id=10_001)
    fake.send_text(someone, group, "#求助 3号楼2单元301 厨房水管漏水了")
    await bot.pump()
    took = time.perf_counter() - began
    after = memory_mb()
    await bot.stop()
    print(
        f"  RSS after start {after_start['VmRSS']:6.1f} MB; after {residents_asking} x /points, /top and "
        f"a request {after['VmRSS']:6.1f} MB; peak {after['VmHWM']:6.1f} MB (budget 150 MB); "
        f"traffic took {took:.1f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--asking", type=int, default=200, help="residents who ask for /points")
    parser.add_argument("--pg", help="use this PostgreSQL database instead of SQLite (its schema is dropped)")
    parser.add_argument("--fill-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.fill_only:
        await fill(args.fill_only, args.people, args.entries)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        began = time.perf_counter()
        # Filled by a child process, so that the peak measured here is the bot's own.
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--fill-only",
            url,
            "--people",
            str(args.people),
            "--entries",
            str(args.entries),
        )
        if await child.wait() != 0:
            raise SystemExit("filling the database failed")
        label = "PostgreSQL" if args.pg else "SQLite"
        print(f"{label}: {args.people:,} people, {args.entries:,} ledger entries")
        print(f"  (filled in {time.perf_counter() - began:.0f} s)")
        await play(url, args.people, args.asking)


if __name__ == "__main__":
    asyncio.run(main())
