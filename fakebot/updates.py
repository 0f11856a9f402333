"""The pending-updates queue served by getUpdates, with Telegram's confirmation rules.

An update stays queued until getUpdates is called with an offset higher than its update_id.
A negative offset keeps only the last ``-offset`` updates.  A long poll (``timeout`` > 0) waits
until an update arrives or the timeout passes; a second getUpdates call terminates a waiting
one with 409 Conflict, as Telegram does.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

from fakebot.errors import FakeApiError

# Telegram's default when allowed_updates was never given.
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


@dataclass
class _Queued:
    update: dict[str, Any]
    delivered: bool = False
    redelivered: bool = False


def update_type(update: dict[str, Any]) -> str:
    """The update's kind: the one key other than update_id."""
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Updates produced by simulated users, waiting for the bot to fetch and confirm them."""

    def __init__(self) -> None:
        self._next_id = 1
        self._pending: list[_Queued] = []
        self._history: dict[int, dict[str, Any]] = {}
        self._waiters: set[asyncio.Future[None]] = set()
        self._poll_generation = 0
        self._allowed: frozenset[str] | None = None
        # setWebhook's settings while a webhook is set (getUpdates is refused then, as by Telegram).
        self.webhook: dict[str, Any] | None = None

    def next_update_id(self) -> int:
        update_id = self._next_id
        self._next_id += 1
        return update_id

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update (which already carries its update_id) and wake a waiting long poll."""
        self._history[update["update_id"]] = copy.deepcopy(update)
        self._pending.append(_Queued(copy.deepcopy(update)))
        self._pending.sort(key=lambda q: q.update["update_id"])
        self._wake()

    def redeliver(self, update_id: int) -> dict[str, Any]:
        """Queue an earlier update again with the same update_id."""
        if update_id not in self._history:
            raise KeyError(f"no update with update_id {update_id} was ever produced")
        update = copy.deepcopy(self._history[update_id])
        self._pending = [q for q in self._pending if q.update["update_id"] != update_id]
        self._pending.append(_Queued(copy.deepcopy(update), redelivered=True))
        self._pending.sort(key=lambda q: q.update["update_id"])
        self._wake()
        return update

    def pending_count(self) -> int:
        """Updates queued and not yet confirmed."""
        return len(self._pending)

    def drop_pending(self) -> None:
        self._pending.clear()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._pending = self._pending[offset:] if -offset < len(self._pending) else self._pending
            return
        self._pending = [
            q for q in self._pending if q.update["update_id"] >= offset or (q.redelivered and not q.delivered)
        ]

    def _available(self, limit: int) -> list[_Queued]:
        allowed = self._allowed
        kept: list[_Queued] = []
        for queued in self._pending:
            kind = update_type(queued.update)
            visible = kind not in _NOT_DELIVERED_BY_DEFAULT if allowed is None else kind in allowed
            if visible:
                kept.append(queued)
        # Updates of a type the bot did not ask for are discarded, as Telegram does.
        self._pending = kept
        return kept[:limit]

    async def fetch(
        self,
        *,
        offset: int | None,
        limit: int,
        wait_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then return up to ``limit`` updates, long-polling if none."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # a long poll already waiting is terminated with 409
        if allowed_updates is not None:
            self._allowed = frozenset(allowed_updates) if allowed_updates else None
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(wait_seconds, 0.0)
        while True:
            batch = self._available(limit)
            if batch:
                for queued in batch:
                    queued.delivered = True
                return [copy.deepcopy(q.update) for q in batch]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return []
            finally:
                self._waiters.discard(waiter)
            if generation != self._poll_generation:
                raise FakeApiError(409, CONFLICT)
