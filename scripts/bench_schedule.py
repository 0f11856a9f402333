"""Benchmark of the schedule tick: 10,000 schedules of which a few are due.

Prints numbers, asserts nothing about time. For each database (SQLite in a temp dir, and
PostgreSQL with ``--pg URL``: its ``public`` schema is dropped, so never point it at data you want
to keep) it plans N schedules (daily reminders spread over the day, with due times from the next
minutes to the next month) of which D are due, then times:

1. a tick that fires the D due ones (each fire: lock, record, handler, advance, commit);
2. a second tick right after, with nothing due (what every tick costs on an idle evening);

and counts the SQL statements each sent (an SQLAlchemy ``before_cursor_execute`` listener). On
PostgreSQL it prints the plan of the tick's due query (EXPLAIN ANALYZE), which should use the
due_at index rather than read the table.

    .venv/bin/python scripts/bench_schedule.py
    .venv/bin/python scripts/bench_schedule.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.render import Renderer
from bot.services.schedule.plans import Fire
from bot.services.schedule.tick import tick
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from bot.when import Rule
from storage.engine import make_engine, make_sessions
from storage.models import Base, Schedule
from storage.repositories.schedules import due_statement
from storage.uow import UnitOfWork

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass
class Result:
    database: str
    schedules: int
    due: int
    fired: int
    tick_ms: float
    tick_statements: int
    idle_ms: float
    idle_statements: int
    plan: str = ""


class Counter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *_args: Any) -> None:
        self.count += 1


async def queue_one(uow: UnitOfWork, env: Env, fire: Fire) -> None:
    """What a reminder's fire costs at least: one outbox row."""
    await uow.outbox.add(dedupe_key=f"bench:{fire.schedule_id}:{fire.at.isoformat()}", chat_id=-1, text="⏰")


async def reset(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await connection.run_sync(Base.metadata.create_all)


async def seed(engine: AsyncEngine, count: int, due: int) -> None:
    """`count` daily schedules; the first `due` were due a minute ago, the others later."""
    rows = []
    for n in range(count):
        due_at = (
            NOW - timedelta(minutes=1) if n < due else NOW + timedelta(minutes=1 + (n * 37) % (30 * 24 * 60))
        )
        rows.append(
            {
                "kind": "bench",
                "key": str(n),
                "tz": "Asia/Shanghai",
                "rule": Rule.cron(hour=due_at.hour, minute=due_at.minute).spec,
                "due_at": due_at,
                "paused": False,
                "draft": False,
                "payload": {"text": f"reminder {n}"},
                "failures": 0,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    async with engine.begin() as connection:
        for start in range(0, count, 1000):
            await connection.execute(insert(Schedule), rows[start : start + 1000])
        if engine.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE schedules"))


async def explain(engine: AsyncEngine) -> str:
    statement = due_statement(NOW, limit=200).compile(
        engine.sync_engine, compile_kwargs={"literal_binds": True}
    )
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = await connection.execute(text(f"EXPLAIN ANALYZE {statement}"))
        else:
            rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {statement}"))
        return "\n".join("    " + " ".join(str(v) for v in row) for row in rows)


async def run(url: str, name: str, count: int, due: int) -> Result:
    engine = make_engine(url)
    try:
        await reset(engine)
        await seed(engine, count, due)
        clock_now = NOW
        settings = Settings(_env_file=None, database_url=url)
        env = Env(settings=settings, renderer=Renderer("zh_CN"), clock=lambda: clock_now)
        deps = Deps(sessions=make_sessions(engine), env=env)
        counter = Counter(engine)
        started = time.perf_counter()
        report = await tick(deps, {"bench": queue_one})
        tick_ms = (time.perf_counter() - started) * 1000
        tick_statements = counter.count
        counter.count = 0
        started = time.perf_counter()
        await tick(deps, {"bench": queue_one})
        idle_ms = (time.perf_counter() - started) * 1000
        return Result(
            name,
            count,
            due,
            report.fired,
            tick_ms,
            tick_statements,
            idle_ms,
            counter.count,
            await explain(engine),
        )
    finally:
        await engine.dispose()


def table(results: list[Result]) -> str:
    heading = (
        ("schedules", 10),
        ("due", 6),
        ("fired", 7),
        ("tick ms", 10),
        ("stmts", 7),
        ("idle ms", 10),
        ("stmts", 7),
    )
    lines = [f"{'database':<12}" + "".join(f"{name:>{width}}" for name, width in heading)]
    for r in results:
        lines.append(
            f"{r.database:<12}{r.schedules:>10}{r.due:>6}{r.fired:>7}{r.tick_ms:>10.1f}{r.tick_statements:>7}"
            f"{r.idle_ms:>10.1f}{r.idle_statements:>7}"
        )
    for r in results:
        lines.append(f"\nthe due query's plan on {r.database}:\n{r.plan}")
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pg", help="a PostgreSQL URL whose public schema may be dropped")
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=10)
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(
            await run(f"sqlite+aiosqlite:///{folder}/bench.db", "sqlite", args.schedules, args.due)
        )
    if args.pg:
        results.append(await run(args.pg, "postgresql", args.schedules, args.due))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
