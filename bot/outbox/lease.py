"""Which instance sends: with several instances on one PostgreSQL database, one outbox sender at a time.

The sender is elected through a PostgreSQL session advisory lock held on a connection kept for it.
Telegram's limits are per bot, so one sender is also what keeps the instances within them together
without shared counters. When the leading instance stops, it lets go at once; when it dies
(SIGKILL, a lost machine), PostgreSQL ends its session and the lock with it, and the next instance
to try (every `retry_seconds`) takes over the rows still pending. A row the dead instance had sent
but not yet marked is sent again: the documented at-least-once window of one row per chat.

On SQLite there is one process by nature (the file is local), so the lease is always held.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.clock import Clock

log = logging.getLogger(__name__)

# pg_advisory_lock keys are bigint; this one is "linli" in ASCII, used for nothing else.
SENDER_LOCK_KEY = 0x6C696E6C69


class SenderLease:
    def __init__(
        self, engine: AsyncEngine, *, clock: Clock, retry_seconds: float = 5.0, key: int = SENDER_LOCK_KEY
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.key = key
        self.retry = timedelta(seconds=retry_seconds)
        self.shared = engine.dialect.name == "postgresql"
        self._connection: AsyncConnection | None = None
        self._checked: datetime | None = None

    @property
    def held(self) -> bool:
        return not self.shared or self._connection is not None

    async def hold(self) -> bool:
        """True while this instance is the sender: takes the lock when free, and checks at most every
        `retry_seconds` that the connection holding it is still alive."""
        if not self.shared:
            return True
        now = self.clock()
        if self._checked is not None and now - self._checked < self.retry:
            return self._connection is not None
        self._checked = now
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                await self._connection.commit()
                return True
            except Exception:
                log.warning("the sender's lock connection was lost; another instance may send now")
                await self._discard()
        return await self._try_take()

    async def _try_take(self) -> bool:
        try:
            connection = await self.engine.connect()
        except Exception:
            log.warning("the database did not answer; not sending for now", exc_info=True)
            return False
        try:
            taken = bool(
                (
                    await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
                ).scalar()
            )
            await connection.commit()  # the lock is the session's: no transaction stays open
        except Exception:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        log.info("this instance is now the outbox sender")
        return True

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await self._connection.commit()
        except Exception:
            log.warning("the sender's lock was not released cleanly; it ends with the connection")
        await self._discard()

    async def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
