"""The one clock every stored time comes from.

A unit of work puts its clock on its session (`session.info["clock"]`); repositories read it with
`now_of(session)`, and `stamp_times` fills the created/updated/processed stamps of every row the
session flushes. Nothing in storage reads the system time: `system_clock` is handed in by the
composition root, and tests hand in a clock they move.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

Clock = Callable[[], datetime]

CLOCK_KEY = "clock"
STAMPED_ON_INSERT = ("created_at", "updated_at", "processed_at", "next_attempt_at")


def system_clock() -> datetime:
    """The real time, in UTC. Only the composition root passes this on; everything else is given a clock."""
    return datetime.now(UTC)


def attach(session: Session, clock: Clock) -> None:
    session.info[CLOCK_KEY] = clock


def now_of(session: Session) -> datetime:
    clock: Clock | None = session.info.get(CLOCK_KEY)
    if clock is None:
        raise RuntimeError("this session has no clock: open it through storage.uow.UnitOfWork")
    return clock()


@event.listens_for(Session, "before_flush")
def stamp_times(session: Session, _context: Any, _instances: Any) -> None:
    """New rows get the clock's time where a stamp is unset; changed rows get a new `updated_at`."""
    if not session.new and not session.dirty:
        return
    now = now_of(session)
    for row in session.new:
        for name in STAMPED_ON_INSERT:
            if hasattr(row, name) and getattr(row, name) is None:
                setattr(row, name, now)
    for row in session.dirty:
        if hasattr(row, "updated_at") and session.is_modified(row, include_collections=False):
            row.updated_at = now
