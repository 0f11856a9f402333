"""Telegram's flood limits, counted from what was actually sent: sliding-window logs.

Telegram allows 30 messages a second overall and 20 a minute in one group, in any window of that
length (the fake Bot API judges them the same way). A `Window` keeps the calls it let through
during the last period; one more may go when fewer than `limit` are in it, so the bot sends at the
full rate and a burst never passes a window (the leaky bucket this replaces had to run at half the
rate for that). A call is counted from the moment it goes out, by the clock the sender uses, and
it keeps its place until a period after Telegram answered it: Telegram counted it somewhere in
between, so however the network or a busy process delays one request and not another, two calls
a slot apart are always a whole period apart when they arrive.

The overall second is also kept in sixths (5 messages in any sixth of it, counted from when they
went out: it paces, it is not Telegram's), so a full second goes out in six small bursts rather
than one: the rate is the same, and a message that asks just after a burst waits a sixth of a
second for the next slot, not a whole second.

Who waits for the overall window is served by priority (outbox `priority`), then in order of
arrival: an urgent private message takes the next free slot ahead of a broadcast queued to 2,000
groups. A group whose own minute is full waits on its own, out of the overall queue, so it never
holds up anybody else. Per-chat order is the sender's: one worker per chat, one call at a time.
A private chat's pace (about one message a second) is kept by the sender too.

Why not a library: `limits` has a moving window but reads `time.time()` itself and knows no
priorities; aiolimiter is the leaky bucket. Here the clock and the sleep are injected, so tests
move time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime

from storage.clock import Clock

Sleep = Callable[[float], Awaitable[None]]

SIXTHS = 6  # the overall second is also kept in this many parts


class Stamp:
    """One call in the windows: when it went out, and whether Telegram has answered yet."""

    __slots__ = ("at", "flying")

    def __init__(self, at: float) -> None:
        self.at = at
        self.flying = True

    @classmethod
    def sent(cls, at: float) -> Stamp:
        """A call counted from the moment it went out, whatever its answer."""
        stamp = cls(at)
        stamp.flying = False
        return stamp


class Window:
    """The calls let through in the last `period` seconds (a sliding-window log). A call still
    waiting for Telegram's answer stays in; an answered one leaves a period after its answer."""

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a window lets at least one call through in a positive period")
        self.limit = limit
        self.period = period
        self.stamps: list[Stamp] = []

    def wait(self, now: float) -> float:
        """Seconds until one more call fits (0: it fits now). While all are in flight, `period`:
        an answer will come first and wake nobody, so the caller looks again."""
        self.stamps = [s for s in self.stamps if s.flying or s.at > now - self.period]
        if len(self.stamps) < self.limit:
            return 0.0
        leaving = sorted(s.at for s in self.stamps if not s.flying)
        excess = len(self.stamps) - self.limit
        if len(leaving) <= excess:
            return self.period
        wait = leaving[excess] + self.period - now
        return max(0.0, math.ceil(wait * 1e6) / 1e6)  # whole microseconds, the clock's resolution

    def record(self, stamp: Stamp) -> None:
        self.stamps.append(stamp)

    def count(self, now: float) -> int:
        """Calls in the window that ends now."""
        self.wait(now)
        return len(self.stamps)


class FloodLimiter:
    """`async with limiter.slot(chat_id, priority):` around a call to Telegram that sends to a chat.

    `margin` is added to every period, for clocks that do not quite agree (the default covers the
    microsecond the bot's clock rounds to).
    """

    def __init__(
        self,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        per_second: int = 30,
        group_per_minute: int = 20,
        margin: float = 0.001,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.overall = Window(per_second, 1.0 + margin)
        self.smooth = Window(math.ceil(per_second / SIXTHS), (1.0 + margin) / SIXTHS)
        self.group_limit = (group_per_minute, 60.0 + margin)
        self._groups: dict[int, Window] = {}
        self._queue: list[tuple[int, int]] = []  # (-priority, arrival): the head is queue[0]
        self._turns: dict[tuple[int, int], asyncio.Event] = {}
        self._arrivals = itertools.count()
        self._prune_at = 1024  # group logs kept before the idle ones are dropped

    def now(self) -> float:
        return self.clock().timestamp()

    def group_window(self, chat_id: int) -> Window:
        window = self._groups.get(chat_id)
        if window is None:
            if len(self._groups) >= self._prune_at:
                self.forget_idle_groups()
                self._prune_at = max(1024, 2 * len(self._groups))
            window = self._groups[chat_id] = Window(*self.group_limit)
        return window

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int, priority: int = 0) -> AsyncIterator[None]:
        """Wait for a free slot, hold it during the call, and from its answer for a period."""
        stamp = await self.acquire(chat_id, priority)
        try:
            yield
        finally:
            self.answered(stamp)

    def answered(self, stamp: Stamp) -> None:
        stamp.at, stamp.flying = max(stamp.at, self.now()), False

    async def acquire(self, chat_id: int, priority: int = 0) -> Stamp:
        """Wait for a free slot: first the group's own minute, then the overall second, by priority.
        The call it is for must go out at once, and `answered` be called when Telegram answers."""
        group = self.group_window(chat_id) if chat_id < 0 else None
        if group is not None:
            while (wait := group.wait(self.now())) > 0:
                await self.sleep(wait)
        ticket = (-priority, next(self._arrivals))
        turn = self._turns[ticket] = asyncio.Event()
        heapq.heappush(self._queue, ticket)
        try:
            while True:
                if self._queue[0] != ticket:
                    turn.clear()
                    await turn.wait()
                    continue
                now = self.now()
                wait = max(self.overall.wait(now), self.smooth.wait(now))
                if wait > 0:
                    await self.sleep(wait)
                    continue
                stamp = Stamp(now)
                self.overall.record(stamp)
                if group is not None:
                    group.record(stamp)
                self.smooth.record(Stamp.sent(now))  # pacing within the second, not a limit of Telegram's
                return stamp
        finally:
            self._leave(ticket)

    def _leave(self, ticket: tuple[int, int]) -> None:
        """Out of the queue (served, or cancelled while waiting); the next head gets its turn."""
        del self._turns[ticket]
        if self._queue and self._queue[0] == ticket:
            heapq.heappop(self._queue)
        else:
            self._queue.remove(ticket)
            heapq.heapify(self._queue)
        if self._queue:
            self._turns[self._queue[0]].set()

    def seed(self, sends: Iterable[tuple[int, datetime]]) -> None:
        """Count calls made before this limiter existed (chat id, when Telegram answered): another
        instance's, when this one takes over sending."""
        for chat_id, at in sends:
            moment = at.timestamp()
            self.overall.record(Stamp.sent(moment))
            if chat_id < 0:
                self.group_window(chat_id).record(Stamp.sent(moment))

    def waiting(self) -> int:
        return len(self._queue)

    def forget_idle_groups(self) -> None:
        """Drop the logs of groups with nothing in their last minute."""
        now = self.now()
        for chat_id in [c for c, w in self._groups.items() if w.count(now) == 0]:
            del self._groups[chat_id]
