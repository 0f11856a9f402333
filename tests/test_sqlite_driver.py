"""The SQLite adapter runs a statement in one trip to SQLite's thread and behaves as SQLAlchemy's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.engine import make_engine
from storage.sqlite_driver import one_trip_aiosqlite

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(20), unique=True, nullable=False),
    Column("body", String(200)),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions queued on aiosqlite's thread."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def test_a_query_is_one_trip_to_sqlites_thread(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is checked out and ready
        trips.clear()
        rows = (await connection.execute(text("SELECT 1 UNION ALL SELECT 2"))).all()
    assert [r[0] for r in rows] == [1, 2]
    assert trips[:1] == ["_run"] and trips.count("_run") == 1
    assert "cursor" not in trips and "fetchall" not in trips


async def test_rows_row_counts_and_returning_are_what_sqlite_reports(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(insert(notes).values(key="a", body="水管"))
        assert first.inserted_primary_key == (1,)
        await connection.execute(insert(notes), [{"key": "b", "body": "灯"}, {"key": "c", "body": "门"}])
        skip = sqlite_insert(notes).on_conflict_do_nothing(index_elements=["key"])
        assert (await connection.execute(skip, {"key": "a", "body": "again"})).rowcount == 0
        assert (await connection.execute(skip, {"key": "d", "body": "窗"})).rowcount == 1
        changed = await connection.execute(
            notes.update().where(notes.c.key.in_(["b", "c"])).values(body="修好了").returning(notes.c.key)
        )
        assert sorted(changed.scalars()) == ["b", "c"]
        bodies = (await connection.execute(select(notes.c.key, notes.c.body).order_by(notes.c.id))).all()
    assert [tuple(r) for r in bodies] == [("a", "水管"), ("b", "修好了"), ("c", "修好了"), ("d", "窗")]


async def test_errors_are_sqlalchemys_and_a_rollback_undoes_the_transaction(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(insert(notes).values(key="a"))
        with pytest.raises(IntegrityError):
            await connection.execute(insert(notes).values(key="a"))
        await connection.rollback()
        with pytest.raises(OperationalError):
            await connection.execute(text("SELECT nothing FROM nowhere"))
        await connection.rollback()
        assert (await connection.execute(select(notes.c.id))).all() == []


async def test_rows_are_fetched_a_few_at_a_time_as_asked(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(notes), [{"key": f"k{i}"} for i in range(5)])
        result = await connection.execute(select(notes.c.key).order_by(notes.c.id))
        assert [r[0] for r in result.fetchmany()] == ["k0"]  # DBAPI's default size is one row
        assert [r[0] for r in result.fetchmany(2)] == ["k1", "k2"]
        assert [r[0] for r in result.fetchall()] == ["k3", "k4"]


async def test_a_streamed_result_still_reads_every_row(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(notes), [{"key": f"k{i}"} for i in range(250)])
    async with engine.connect() as connection:
        stream = await connection.stream(select(notes.c.key).order_by(notes.c.id))
        keys = [row[0] async for row in stream]
    assert len(keys) == 250 and keys[0] == "k0" and keys[-1] == "k249"


# -- writers take turns ---------------------------------------------------------------------------


def short_wait_engine(path: Path, wait_seconds: float) -> AsyncEngine:
    """An engine whose writers wait `wait_seconds` for their turn, and whose SQLite connections do
    not wait at all (busy timeout 0): any wait is the adapter's."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{path}",
        module=one_trip_aiosqlite(wait_seconds),
        connect_args={"timeout": 0, "check_same_thread": False},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _wal(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


@pytest.fixture
async def impatient(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = short_wait_engine(tmp_path / "turns.db", wait_seconds=5)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_writers_of_one_engine_take_turns_instead_of_meeting_a_locked_database(
    impatient: AsyncEngine,
) -> None:
    """SQLite itself would answer the second writer "database is locked" at once (busy timeout 0
    here); it waits for the first one's commit instead, and writes after it."""
    first_wrote, order = asyncio.Event(), []

    async def first() -> None:
        async with impatient.begin() as connection:
            await connection.execute(insert(notes).values(key="first"))
            first_wrote.set()
            await asyncio.sleep(0.05)  # the second writer arrives meanwhile
            order.append("first commits")

    async def second() -> None:
        await first_wrote.wait()
        async with impatient.begin() as connection:
            await connection.execute(insert(notes).values(key="second"))
            order.append("second wrote")

    await asyncio.gather(first(), second())
    assert order == ["first commits", "second wrote"]
    async with impatient.connect() as connection:
        assert sorted((await connection.execute(select(notes.c.key))).scalars()) == ["first", "second"]


async def test_reading_never_waits_for_a_writer(tmp_path: Path) -> None:
    engine = short_wait_engine(tmp_path / "reads.db", wait_seconds=0.01)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with engine.connect() as writer, engine.connect() as reader:
        await writer.execute(insert(notes).values(key="pending"))  # holds the turn until it commits
        assert (await reader.execute(select(notes.c.key))).all() == []  # WAL: the last committed state
        await writer.commit()
        assert (await reader.execute(select(notes.c.key))).scalars().all() == ["pending"]
    await engine.dispose()


async def test_a_writer_waiting_past_the_busy_timeout_meets_a_locked_database(tmp_path: Path) -> None:
    engine = short_wait_engine(tmp_path / "locked.db", wait_seconds=0.01)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with engine.connect() as holder, engine.connect() as late:
        await holder.execute(insert(notes).values(key="held"))
        with pytest.raises(OperationalError, match="database is locked"):
            await late.execute(insert(notes).values(key="late"))
        await late.rollback()
        await holder.commit()
        await late.execute(insert(notes).values(key="late"))  # its turn now
        await late.commit()
    await engine.dispose()


async def test_a_transaction_that_failed_gives_the_turn_back_when_rolled_back(tmp_path: Path) -> None:
    engine = short_wait_engine(tmp_path / "failed.db", wait_seconds=0.01)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(notes).values(key="a"))
    async with engine.connect() as failing, engine.connect() as next_one:
        with pytest.raises(IntegrityError):
            await failing.execute(insert(notes).values(key="a"))
        await failing.rollback()
        await next_one.execute(insert(notes).values(key="b"))
        await next_one.commit()
        await failing.execute(insert(notes).values(key="c"))  # and it may write again later
        await failing.commit()
    await engine.dispose()
