"""SQLAlchemy's aiosqlite adapter, with one trip to SQLite's thread per statement instead of four.

aiosqlite runs every call on a sqlite3 connection in its own thread, and SQLAlchemy's adapter makes
four such calls for one statement (open a cursor, execute, fetch the rows, close the cursor); each
is a queue hand-off and a wake-up of the event loop. Here the four run as one function in that
thread, which answers with what the statement left (its description, row count, last row id and
rows), so a statement costs one hand-off. Everything else (transactions, errors, server-side
cursors, closing) is SQLAlchemy's adapter unchanged.

It uses aiosqlite's `Connection._execute` (queue a function on the connection's thread), the same
private entry point SQLAlchemy's own adapter uses to set the isolation level; aiosqlite is pinned in
constraints.txt, and `tests/test_sqlite_driver.py` runs the adapter's contract on every install.

Writers of one engine take turns in the event loop. SQLite lets one connection write at a time, and
a connection that finds the database locked sleeps in its busy handler (1, 2, 5, 10 … 100 ms) and
tries again; with the bot's update handlers and the outbox sender writing side by side, that made
the sender wait for hundreds of milliseconds while filings went ahead one after another, and a
filing sleep while the sender held the lock for a moment. Here a connection about to write
(anything but a SELECT or PRAGMA, outside a transaction) first waits its turn on an asyncio lock
shared by the engine's connections, in arrival order, and gives it back when its transaction ends
(commit, rollback, close, terminate) or when the statement did not open one. Waiting longer than
SQLite's own busy timeout raises SQLite's "database is locked", as SQLite would. Another process
writing the same file is still met by SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import weakref
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

Outcome = tuple[Any, int, int | None, Sequence[Any]]  # description, rowcount, lastrowid, rows


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """In SQLite's thread: the whole statement, and what the cursor knows afterwards."""
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement runs in one trip; no aiosqlite cursor is kept open."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:  # no cursor opened in advance
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1  # what fetchmany() without a size returns (DBAPI's default)

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None  # the rows are already here and the sqlite3 cursor is closed

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection = cast(OneTripConnection, self._adapt_connection)
        if not connection._writing and writes(operation):
            await connection._take_turn()
        try:
            async with connection._execute_mutex:
                outcome: Outcome = await self._connection._execute(
                    _run, self._connection, operation, parameters, many
                )
        finally:
            connection._end_turn_unless_in_transaction()
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)


def writes(operation: str) -> bool:
    """May this statement write (and so open a transaction, in sqlite3's implicit way)?"""
    return operation.lstrip()[:6].upper() not in ("SELECT", "PRAGMA")


class WriterTurns:
    """One asyncio lock per event loop, shared by an engine's connections: whose turn it is to write."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_turn", "_turns")
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any, turns: WriterTurns) -> None:
        super().__init__(dbapi, connection)
        self._turns = turns
        self._turn: asyncio.Lock | None = None  # the engine's writer lock, while this one holds it

    @property
    def _writing(self) -> bool:
        return self._turn is not None

    async def _take_turn(self) -> None:
        lock = self._turns.lock()
        try:
            await asyncio.wait_for(lock.acquire(), self._turns.wait_seconds)
        except TimeoutError:
            raise self.dbapi.OperationalError("database is locked") from None
        self._turn = lock

    def _end_turn(self) -> None:
        lock, self._turn = self._turn, None
        if lock is not None:
            lock.release()

    def _end_turn_unless_in_transaction(self) -> None:
        if self._turn is not None and not self._in_transaction():
            self._end_turn()

    def _in_transaction(self) -> bool:
        raw = self._connection._connection  # None once closed
        return raw is not None and raw.in_transaction

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn_unless_in_transaction()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn_unless_in_transaction()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self._end_turn()


class OneTripAiosqlite(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module handed to `create_async_engine(module=...)` for SQLite; `wait_seconds`
    is how long a writer waits for its turn (SQLite's busy timeout)."""

    def __init__(self, wait_seconds: float) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.turns = WriterTurns(wait_seconds)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection, self.turns)


def one_trip_aiosqlite(wait_seconds: float) -> OneTripAiosqlite:
    return OneTripAiosqlite(wait_seconds)
