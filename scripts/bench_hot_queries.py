"""The queries that run on every delivery and every reply, timed with few and with many stored rows.

Prints numbers, asserts nothing. For each database and size it fills one busy group with `n` sent
outbox rows (their cards recorded) and `n` requests filed from albums, then times, median of
`--repeat` runs: the sender's next pending row of the chat (before every delivery), the card a reply
answers (on every reply in a group), and an album's request (every album part). The last column is
the cost with many rows over the cost with few: near 1.0 means the query does not grow with the
table. On PostgreSQL it also prints the plan of each query, which names the index it uses.

    .venv/bin/python scripts/bench_hot_queries.py --sizes 1000 100000
    .venv/bin/python scripts/bench_hot_queries.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine, make_sessions
from storage.models import Base, CardMessage, Community, OutboxMessage, Request, User
from storage.uow import UnitOfWork

CHAT = -100123
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BATCH = 5000
HOT_INDEXES = (
    "ix_outbox_chat_pending",
    "ix_outbox_chat_sent_message",
    "ix_card_messages_chat_message",
    "ix_requests_album",
)


async def reset(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        else:
            await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)


async def fill(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as c:
        await c.execute(
            insert(Community).values(
                id=1, name="幸福里", timezone="Asia/Shanghai", locale="zh_CN", created_at=NOW
            )
        )
        await c.execute(
            insert(User).values(id=1, telegram_id=1, first_name="王", created_at=NOW, updated_at=NOW)
        )
        for start in range(0, n, BATCH):
            ids = range(start, min(n, start + BATCH))
            await c.execute(
                insert(OutboxMessage),
                [
                    dict(
                        dedupe_key=f"k{i}",
                        chat_id=CHAT,
                        kind="card",
                        card_kind="request",
                        card_ref=i,
                        status="sent",
                        priority=0,
                        attempts=1,
                        next_attempt_at=NOW,
                        created_at=NOW,
                        sent_message_id=i + 1,
                    )
                    for i in ids
                ],
            )
            await c.execute(
                insert(CardMessage),
                [
                    dict(card_kind="request", card_ref=i, chat_id=CHAT, message_id=i + 1, created_at=NOW)
                    for i in ids
                ],
            )
            await c.execute(
                insert(Request),
                [
                    dict(
                        community_id=1,
                        number=i + 1,
                        filed_by_id=1,
                        text="水管漏水",
                        category="repair",
                        complexity="simple",
                        status="done",
                        round=0,
                        respond_by=NOW,
                        resolve_by=NOW,
                        source_chat_id=CHAT,
                        source_message_id=i + 1,
                        media_group_id=f"album{i}",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                    for i in ids
                ],
            )
        await c.execute(
            insert(OutboxMessage).values(
                dedupe_key="next",
                chat_id=CHAT,
                kind="send",
                text="下一条",
                status="pending",
                priority=0,
                attempts=0,
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )


async def timed(engine: AsyncEngine, repeat: int, n: int) -> dict[str, float]:
    sessions = make_sessions(engine)
    results: dict[str, list[float]] = {
        "next row of a chat": [],
        "card a reply answers": [],
        "album's request": [],
    }
    for r in range(repeat):
        async with UnitOfWork(sessions, clock=lambda: NOW) as uow:
            start = time.perf_counter()
            row = await uow.outbox.head_of_chat(CHAT)
            results["next row of a chat"].append(time.perf_counter() - start)
            assert row is not None and row.status == "pending"
            start = time.perf_counter()
            await uow.outbox.find_card_at(CHAT, (r * 7919) % n + 1, "request")
            results["card a reply answers"].append(time.perf_counter() - start)
            start = time.perf_counter()
            await uow.requests.find_by_album(CHAT, f"album{(r * 104729) % n}")
            results["album's request"].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in results.items()}


async def plans(engine: AsyncEngine) -> None:
    queries = {
        "next row of a chat": f"SELECT id FROM outbox WHERE chat_id = {CHAT} AND status = 'pending' "
        "ORDER BY priority DESC, id LIMIT 1",
        "card a reply answers (older copy)": f"SELECT card_ref FROM outbox WHERE chat_id = {CHAT} "
        "AND sent_message_id = 5 AND kind = 'card' AND card_kind = 'request'",
        "card a reply answers": f"SELECT card_ref FROM card_messages WHERE chat_id = {CHAT} "
        "AND message_id = 5",
        "album's request": f"SELECT id FROM requests WHERE source_chat_id = {CHAT} "
        "AND media_group_id = 'album5'",
    }
    async with engine.connect() as c:
        for name, sql in queries.items():
            plan = (await c.execute(text(f"EXPLAIN {sql}"))).scalars().all()
            print(f"  plan, {name}: {' / '.join(p.strip() for p in plan[:2])}")


async def analyse(engine: AsyncEngine) -> None:
    async with engine.begin() as c:
        await c.execute(text("ANALYZE"))


async def drop_hot_indexes(engine: AsyncEngine) -> None:
    async with engine.begin() as c:
        for name in HOT_INDEXES:
            await c.execute(text(f"DROP INDEX {name}"))
    await analyse(engine)


async def run(url: str, label: str, sizes: list[int], repeat: int) -> None:
    engine = make_engine(url)
    try:
        with_indexes: dict[int, dict[str, float]] = {}
        without: dict[int, dict[str, float]] = {}
        for n in sizes:
            await reset(engine)
            await fill(engine, n)
            await analyse(engine)
            await timed(engine, 20, n)  # warm the caches
            with_indexes[n] = await timed(engine, repeat, n)
            if n == sizes[-1] and engine.dialect.name == "postgresql":
                await plans(engine)
            await drop_hot_indexes(engine)
            without[n] = await timed(engine, repeat, n)
        small, large = sizes[0], sizes[-1]
        print(f"{label}: median ms per query with {small:,} / {large:,} stored rows")
        print(f"  {'':<22} {'indexed':>19} {'growth':>7}   {'without the indexes':>19} {'growth':>7}")
        for name in with_indexes[small]:
            a, b = with_indexes[small][name], with_indexes[large][name]
            c, d = without[small][name], without[large][name]
            print(f"  {name:<22} {a:8.3f} / {b:8.3f}  x{b / a:5.2f}   {c:8.3f} / {d:8.3f}  x{d / c:5.2f}")
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--pg", help="also on this PostgreSQL database (its schema is dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await run(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", "SQLite", args.sizes, args.repeat)
    if args.pg:
        await run(args.pg, "PostgreSQL", args.sizes, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
