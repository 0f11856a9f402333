"""Fixtures: databases (SQLite always, PostgreSQL where reachable and always in CI), the offline bot."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from fakebot import FakeTelegram
from offline import OfflineBot
from storage.engine import make_engine
from storage.models import Base
from tests.world import World

BASE_PG_URL = os.environ.get("LINLI_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/linli_test")
# Under pytest-xdist each worker (gw0, gw1, ...) has a database of its own, since tests reset the schema.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_URL = (
    make_url(BASE_PG_URL)
    .set(database=f"{make_url(BASE_PG_URL).database}_{WORKER}")
    .render_as_string(hide_password=False)
    if WORKER
    else BASE_PG_URL
)
ADMIN_ID = 1000


async def _create_database_if_missing(url: str) -> None:
    target = make_url(url)
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    try:
        async with admin.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            found = await connection.execute(
                text("select 1 from pg_database where datname = :name"), {"name": target.database}
            )
            if found.scalar() is None:
                await connection.execute(text(f'create database "{target.database}"'))
    finally:
        await admin.dispose()


def _postgres_reachable() -> str | None:
    async def probe() -> None:
        if WORKER:
            await _create_database_if_missing(PG_URL)
        engine = make_engine(PG_URL)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("select 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(asyncio.wait_for(probe(), 10))
        return None
    except Exception as exc:  # any failure to connect means "not here"
        return f"{type(exc).__name__}: {exc}"


_PG_PROBLEM: str | bool | None = False  # False: not probed yet


def require_postgres() -> None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _postgres_reachable()
    if _PG_PROBLEM:
        message = f"PostgreSQL at {PG_URL} is not reachable ({_PG_PROBLEM})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(f"{message}; PostgreSQL tests skipped (run `make postgres` to start it)")


async def reset_schema(engine: AsyncEngine) -> None:
    """An empty database with the models' tables. On PostgreSQL, when exactly those tables are there
    (the previous test's), they are emptied with TRUNCATE, ids restarting at 1 (a third of the time
    of dropping and creating them); anything else (a migrated schema, another test's) is dropped."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            existing = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
            if existing == set(Base.metadata.tables):
                tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                return
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await connection.run_sync(Base.metadata.create_all)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        require_postgres()
        return PG_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}"


@pytest.fixture
def postgres_url() -> str:
    require_postgres()
    return PG_URL


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await reset_schema(engine)
    yield engine
    await engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "admin_ids": frozenset({ADMIN_ID}),
        "default_locale": "zh_CN",
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class Sleeps:
    """An injected sleep: records what the sender was asked to wait, waits for nothing."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def paced(request: pytest.FixtureRequest) -> dict[str, object]:
    """Telegram's real 30 messages a second and 20 a minute per group only in tests marked
    telegram_pace: the pacing itself is bot/outbox/limits.py (tests/test_flood_limits.py), measured by
    scripts/bench_delivery.py, and waiting it out in every scenario would only make the suite slow.
    A test marked settings(...) gets those too."""
    pace = (
        {}
        if request.node.get_closest_marker("telegram_pace")
        else {"group_messages_per_minute": 6000, "messages_per_second": 6000}
    )
    marker = request.node.get_closest_marker("settings")  # @pytest.mark.settings(name=value, ...)
    return {**pace, **(marker.kwargs if marker else {})}


@pytest.fixture
async def world(
    engine: AsyncEngine, database_url: str, sleeps: Sleeps, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    fake = FakeTelegram()
    bot = OfflineBot(fake, make_settings(database_url, **paced(request)), sleep=sleeps)
    await bot.start()
    world = World(fake, bot, admin_id=ADMIN_ID)
    try:
        yield world
    finally:
        await stop_all(world, bot)
    world.assert_no_unexpected_errors()


async def stop_all(world: World, first: OfflineBot) -> None:
    """Stop the bot a test ends with and the one it began with (a test that restarts the bot puts a
    new one in `world.bot`): a bot left running keeps its database connections, and on PostgreSQL
    its sender's lock, which would keep the next test's sender from ever sending."""
    await world.bot.stop()
    if world.bot is not first:
        await first.stop()


TEST_DATE = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class Clock:
    """An injected clock for the sender and the services: tests move time, nobody sleeps."""

    def __init__(self, start: datetime = TEST_DATE) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Clock:
    """The test date, or another start: `@pytest.mark.parametrize("clock", [start], indirect=True)`."""
    return Clock(getattr(request, "param", TEST_DATE))


@pytest.fixture
async def clocked(
    engine: AsyncEngine, database_url: str, sleeps: Sleeps, clock: Clock, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    fake = FakeTelegram()
    settings = make_settings(database_url, **paced(request))
    bot = OfflineBot(fake, settings, sleep=sleeps, clock=clock)
    await bot.start()
    world = World(fake, bot, admin_id=ADMIN_ID)
    try:
        yield world
    finally:
        await stop_all(world, bot)
