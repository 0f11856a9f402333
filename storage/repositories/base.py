"""What every repository shares: its session, the unit of work's clock, dialect-aware inserts."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import now_of


def rowcount(result: Any) -> int:
    """Rows an UPDATE or INSERT ... ON CONFLICT DO NOTHING touched (0 when the driver cannot say)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _insert_of(dialect: str) -> Any:
    """The dialect's `insert`, whose statements can skip a conflicting row."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def dialect_insert(session: AsyncSession, model: type[Any]) -> Any:
    """An INSERT that can skip a conflicting row, in the dialect of the session's connection."""
    return _insert_of(session.get_bind().dialect.name)(model)


@cache
def _skipping_insert(dialect: str, table: Table, conflict: tuple[str, ...]) -> Insert:
    return _insert_of(dialect)(table).on_conflict_do_nothing(index_elements=list(conflict))


def skipping_insert(session: AsyncSession, model: type[Any], *conflict: str) -> Insert:
    """`INSERT ... ON CONFLICT (conflict) DO NOTHING` into the model's table, built once per dialect
    and executed with the row as parameters (`session.execute(statement, row)`): a statement built
    with `.values(...)` for every row costs more Python than the database takes to run it."""
    return _skipping_insert(session.get_bind().dialect.name, model.__table__, conflict)


class Repository:
    """Queries and inserts for one aggregate. Never commits: the unit of work does."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def now(self) -> datetime:
        """The unit of work's clock (never the system time)."""
        return now_of(self.session.sync_session)

    def _insert(self, model: type[Any]) -> Any:
        """An INSERT that can skip a conflicting row, in the dialect of the connection."""
        return dialect_insert(self.session, model)
