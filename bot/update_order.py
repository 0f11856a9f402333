"""Updates side by side, in order where order matters: PTB's concurrent update processing, with the
updates of one chat, and of one person, handled one at a time in the order they came.

PTB's `SimpleUpdateProcessor` runs up to N updates at once in any order; a person's second message
could then overtake the first (a detail added before the request it belongs to) and two presses in
one group could race each other's reads. `ChatOrderedProcessor` keeps PTB's bound on how many run
at once and adds a lock per chat and per person: an update waits for the earlier updates of its chat
and of its sender; updates of other chats and other people run beside it. Locks are taken in one
order (sorted), so two updates never wait for each other, and dropped when nobody holds them.

Polling (`UPDATE_CONCURRENCY`) and the webhook (bot/web/webhook.py) both run updates through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class ChatLocks:
    """One lock per key (a chat id or a person's id) while updates of it are in flight."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: int | None) -> AsyncIterator[None]:
        if chat_id is None:
            yield
            return
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    @asynccontextmanager
    async def hold_all(self, keys: Iterable[int]) -> AsyncIterator[None]:
        """Several keys at once, taken in sorted order (so two holders never wait for each other)."""
        async with AsyncExitStack() as stack:
            for key in sorted(set(keys)):
                await stack.enter_async_context(self.hold(key))
            yield

    def __len__(self) -> int:
        return len(self._locks)


def order_keys(update: object) -> tuple[int, ...]:
    """What an update must wait for: its chat and its sender (a private chat's id is the person's,
    so a private message holds one key). Ids of chats are negative for groups, so they never meet
    a person's."""
    if not isinstance(update, Update):
        return ()
    keys = []
    if update.effective_chat is not None:
        keys.append(update.effective_chat.id)
    if update.effective_user is not None:
        keys.append(update.effective_user.id)
    return tuple(keys)


class ChatOrderedProcessor(BaseUpdateProcessor):
    """At most `max_concurrent_updates` updates at once; one at a time per chat and per person."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = ChatLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self.locks.hold_all(order_keys(update)):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
