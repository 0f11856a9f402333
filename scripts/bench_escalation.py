"""Benchmark of the sweep's 5341 escalations with many requests in the database.

Prints numbers, asserts nothing about time. Fills a fresh schema with N requests of one community
(most of them long closed, some waiting and not late, some late), then times: the first sweeps,
which escalate the late ones (a batch a sweep); the next sweeps, which find nothing new (what
every sweep costs once the late requests have had their escalations); and the daily digest. On
PostgreSQL it also prints the plan of the query that finds late requests.

    .venv/bin/python scripts/bench_escalation.py --n 20000
    .venv/bin/python scripts/bench_escalation.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.render import Renderer, templates_root
from bot.services.digest import daily
from bot.services.requests import escalation
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from storage.engine import make_engine, make_sessions
from storage.models import Base, Chat, Community, Request, User

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
LATE_SHARE = 0.01  # late and waiting: escalated by the first sweep
WAITING_SHARE = 0.04  # waiting, not late yet


async def reset(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await connection.run_sync(Base.metadata.create_all)


def request_row(i: int, n: int) -> dict[str, Any]:
    filed = NOW - timedelta(minutes=(n - i) * 7)
    late = i % round(1 / LATE_SHARE) == 0
    waiting = not late and i % round(1 / WAITING_SHARE) == 1
    if late or waiting:
        filed = NOW - timedelta(hours=3) if late else NOW - timedelta(minutes=1)
    closed = not (late or waiting)
    return {
        "community_id": 1,
        "number": i + 1,
        "requester_id": 1,
        "filed_by_id": 1,
        "text": "楼道的灯坏了",
        "category": "repair",
        "complexity": "simple",
        "status": "rated" if closed else "open",
        "volunteer_id": 2 if closed else None,
        "respond_by": filed + timedelta(minutes=5),
        "resolve_by": filed + timedelta(minutes=30),
        "responded_at": filed + timedelta(minutes=2) if closed else None,
        "done_at": filed + timedelta(minutes=25) if closed else None,
        "rating": 5 if closed else None,
        "rated_at": filed + timedelta(minutes=40) if closed else None,
        "created_at": filed,
        "updated_at": filed,
    }


async def fill(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(Community).values(
                id=1, name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN", created_at=NOW
            )
        )
        for user_id, name in ((1, "张阿姨"), (2, "老王")):
            await connection.execute(
                insert(User).values(
                    id=user_id,
                    telegram_id=user_id,
                    first_name=name,
                    started=True,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        await connection.execute(
            insert(Chat).values(
                telegram_id=-100, community_id=1, kind="staff", title="工作群", created_at=NOW, updated_at=NOW
            )
        )
        rows = [request_row(i, n) for i in range(n)]
        for start in range(0, n, 5000):
            await connection.execute(insert(Request), rows[start : start + 5000])


async def plan(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE requests"))
        query = text(
            "EXPLAIN ANALYZE SELECT id FROM requests WHERE status IN ('open','claimed','assigned') "
            "AND resolve_by <= :now AND (escalated_round < round OR escalation_level < 2)"
        )
        for (line,) in await connection.execute(query, {"now": NOW}):
            print("   ", line)


async def main(url: str, n: int, sweeps: int) -> None:
    engine = make_engine(url)
    try:
        await reset(engine)
        await fill(engine, n)
        settings = Settings(_env_file=None, database_url=url)
        env = Env(settings=settings, renderer=Renderer("zh_CN", templates_root()), clock=lambda: NOW)
        deps = Deps(sessions=make_sessions(engine), env=env)
        print(f"{engine.dialect.name}: {n} requests, {round(n * LATE_SHARE)} of them late")
        started = time.perf_counter()
        escalated, catching_up = 0, 0
        while batch := await escalation.escalate_due(deps.uow, env):  # a batch a sweep
            escalated, catching_up = escalated + batch, catching_up + 1
        first = time.perf_counter() - started
        print(
            f"catching up: {escalated} escalated in {catching_up} sweeps, {first * 1000:.0f} ms "
            f"({first / max(1, escalated) * 1000:.1f} ms each)"
        )
        idle = []
        for _ in range(sweeps):
            started = time.perf_counter()
            assert await escalation.escalate_due(deps.uow, env) == 0
            idle.append(time.perf_counter() - started)
        print(
            f"later sweeps (nothing new): median {statistics.median(idle) * 1000:.1f} ms, "
            f"max {max(idle) * 1000:.1f} ms"
        )
        at_eight = replace_clock(env, NOW + timedelta(days=1))
        started = time.perf_counter()
        sent = await daily.send_due(deps.uow, at_eight)
        print(f"daily digest: {sent} sent in {(time.perf_counter() - started) * 1000:.0f} ms")
        if engine.dialect.name == "postgresql":
            print("plan of the late-request query:")
            await plan(engine)
    finally:
        await engine.dispose()


def replace_clock(env: Env, moment: datetime) -> Env:
    return Env(settings=env.settings, renderer=env.renderer, clock=lambda: moment, catalogs=env.catalogs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="requests in the database")
    parser.add_argument("--sweeps", type=int, default=20, help="idle sweeps to time")
    parser.add_argument("--pg", help="a PostgreSQL URL (its schema is dropped and made again)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(main(args.pg or f"sqlite+aiosqlite:///{folder}/bench.db", args.n, args.sweeps))
