"""Telegram's flood limits (bot/outbox/limits.py): full rate, never past a window, urgent first.

The limiter runs in simulated time: a sleep parks its caller until the test's clock reaches the
wake time, and the clock jumps to the next wake time once every task is parked. Nobody waits.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from bisect import bisect_right
from collections.abc import Awaitable
from datetime import timedelta

import pytest

from bot.outbox.limits import FloodLimiter, Stamp, Window
from tests.conftest import Clock

BULK, NORMAL, URGENT = -10, 0, 10


class SimulatedTime:
    """Discrete-event time for tasks that only wait on the clock and on each other."""

    def __init__(self) -> None:
        self.clock = Clock()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self.clock().timestamp()

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now() + max(0.0, seconds), next(self._order), future))
        await future

    async def settle(self) -> None:
        for _ in range(200):  # every task that can run runs until it waits again
            await asyncio.sleep(0)

    async def run(self, *work: Awaitable[None], until: float | None = None) -> None:
        """Run the work to its end (or the clock to `until` seconds from now), moving the clock."""
        tasks = [asyncio.ensure_future(w) for w in work]
        stop = None if until is None else self.now() + until
        while True:
            await self.settle()
            if (tasks and all(t.done() for t in tasks)) or not self._sleepers:
                break
            wake = self._sleepers[0][0]
            if stop is not None and wake > stop:
                self.clock.advance(stop - self.now())
                break
            if wake > self.now():  # at least the clock's microsecond, so time always moves on
                self.clock.advance(max(1e-6, wake - self.now()))
            while self._sleepers and self._sleepers[0][0] <= self.now():
                future = heapq.heappop(self._sleepers)[2]
                if not future.done():  # not cancelled meanwhile
                    future.set_result(None)
        for task in tasks:
            if task.done():
                task.result()  # a failure in the work is the test's failure


def most_in_any_window(times: list[float], period: float) -> int:
    """The largest number of sends in any window (t - period, t], as Telegram and the fake count."""
    ordered = sorted(times)
    return max((i + 1 - bisect_right(ordered, t - period) for i, t in enumerate(ordered)), default=0)


@pytest.fixture
def sim() -> SimulatedTime:
    return SimulatedTime()


def limiter_for(sim: SimulatedTime, **options: float) -> FloodLimiter:
    return FloodLimiter(clock=sim.clock, sleep=sim.sleep, **options)  # type: ignore[arg-type]


async def send(
    sim: SimulatedTime, limiter: FloodLimiter, chat_id: int, log: list[tuple[float, int]], priority: int = 0
) -> None:
    async with limiter.slot(chat_id, priority):
        log.append((sim.now(), chat_id))


def test_a_window_counts_what_went_out_in_its_last_period() -> None:
    window = Window(2, 1.0)
    assert window.wait(100.0) == 0
    window.record(Stamp.sent(100.0))
    window.record(Stamp.sent(100.4))
    assert window.wait(100.5) == pytest.approx(0.5)  # the oldest leaves the window at 101.0
    assert window.wait(101.0) == 0  # (t - 1, t]: a send exactly a second ago no longer counts
    assert window.count(101.0) == 1


async def test_a_call_keeps_its_place_until_a_period_after_telegram_answered(sim: SimulatedTime) -> None:
    """Telegram counts a message somewhere between its sending and its answer: the next one in the
    same slot waits a whole period from the answer, however long the call took."""
    limiter = limiter_for(sim, per_second=1, margin=0)
    start = sim.now()
    stamp = await limiter.acquire(1)
    sim.clock.advance(5)  # a slow answer: the slot is taken all along
    assert limiter.overall.wait(sim.now()) > 0
    limiter.answered(stamp)
    assert limiter.overall.wait(sim.now()) == pytest.approx(1.0)
    log: list[tuple[float, int]] = []
    await sim.run(send(sim, limiter, 2, log))
    assert log[0][0] - start == pytest.approx(6.0)


async def test_a_stream_to_many_people_runs_at_the_full_thirty_a_second_and_never_passes_a_second(
    sim: SimulatedTime,
) -> None:
    limiter = limiter_for(sim)
    log: list[tuple[float, int]] = []
    start = sim.now()
    await sim.run(*(send(sim, limiter, 1000 + i, log) for i in range(1500)))
    times = [at for at, _ in log]
    assert len(times) == 1500
    assert most_in_any_window(times, 1.0) <= 30  # a leaky bucket's burst plus its leak would pass this
    rate = len(times) / (max(times) - start + 1.0)  # the last second counts whole
    assert rate >= 0.95 * 30  # the old limiter ran at 15 a second


async def test_a_group_gets_twenty_a_minute_and_never_holds_up_anybody_else(sim: SimulatedTime) -> None:
    limiter = limiter_for(sim)
    log: list[tuple[float, int]] = []
    start = sim.now()

    async def group_queue() -> None:  # the sender's one worker for the group: one call at a time
        for _ in range(45):
            await send(sim, limiter, -500, log)

    await sim.run(group_queue(), *(send(sim, limiter, 2000 + i, log) for i in range(40)))
    group = [at for at, chat in log if chat == -500]
    people = [at for at, chat in log if chat > 0]
    assert most_in_any_window(group, 60.0) == 20
    assert group[20] - start == pytest.approx(60.001) and group[40] - start == pytest.approx(120.002)
    assert max(people) - start < 2.0  # the group's full minute kept nobody else waiting
    assert most_in_any_window([at for at, _ in log], 1.0) <= 30


async def test_an_urgent_message_takes_the_next_free_slot_ahead_of_a_broadcast_queued_before_it(
    sim: SimulatedTime,
) -> None:
    limiter = limiter_for(sim)
    log: list[tuple[float, int]] = []
    broadcast = [send(sim, limiter, -(10_000 + i), log, BULK) for i in range(2000)]
    tasks = [asyncio.ensure_future(b) for b in broadcast]
    await sim.run(until=3.0)
    assert 60 <= len(log) <= 120 and limiter.waiting() > 1800
    asked = sim.now()
    await sim.run(send(sim, limiter, 42, log, URGENT), until=0.5)
    [urgent] = [at for at, chat in log if chat == 42]
    after = sorted(at for at, chat in log if at > asked - 1e-9)
    assert after[0] == urgent  # the first slot after it asked: not behind 1,900 group messages
    assert urgent - asked < 0.2  # the next free slot: a second is sent in sixths
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert limiter.waiting() == 0


async def test_equal_priorities_go_in_the_order_they_asked_and_a_normal_one_before_bulk(
    sim: SimulatedTime,
) -> None:
    limiter = limiter_for(sim, per_second=1)
    log: list[tuple[float, int]] = []
    work = [send(sim, limiter, -(100 + i), log, BULK) for i in range(3)]
    work += [send(sim, limiter, 7, log, NORMAL), send(sim, limiter, 8, log, NORMAL)]
    await sim.run(*work)
    # the first bulk one found the window free; then the normal ones, then the rest of the bulk
    assert [chat for _, chat in log] == [-100, 7, 8, -101, -102]
    assert [at for at, _ in log] == sorted(at for at, _ in log)


async def test_a_message_given_up_while_waiting_leaves_the_queue_to_the_others(sim: SimulatedTime) -> None:
    limiter = limiter_for(sim, per_second=1)
    log: list[tuple[float, int]] = []
    first = asyncio.ensure_future(send(sim, limiter, 1, log))
    stuck = asyncio.ensure_future(send(sim, limiter, 2, log, URGENT))
    await sim.settle()
    stuck.cancel()  # a sender stopping mid-wait
    await sim.run(first, send(sim, limiter, 3, log))
    assert [chat for _, chat in log] == [1, 3]
    assert limiter.waiting() == 0


async def test_sends_another_instance_made_count_in_the_windows_of_the_one_taking_over() -> None:
    """A sender taking over counts the last minute's deliveries from the outbox: a group that had its
    20 in that minute waits for the oldest to leave, and the overall second is full too."""
    time = SimulatedTime()
    limiter = FloodLimiter(clock=time.clock, sleep=time.sleep)
    group = -100
    start = time.clock()
    earlier = [(group, start - timedelta(seconds=50 - i)) for i in range(20)]  # 50 s ... 31 s ago
    burst = [(1000 + i, start - timedelta(milliseconds=100)) for i in range(30)]  # just now, 30 chats
    limiter.seed(earlier + burst)
    sent: list[float] = []

    async def one() -> None:
        async with limiter.slot(group):
            sent.append(time.now() - start.timestamp())

    await time.run(one())
    assert sent and sent[0] == pytest.approx(10.001, abs=0.01), "the group's minute from the oldest send"

    private: list[float] = []
    limiter = FloodLimiter(clock=time.clock, sleep=time.sleep)
    now = time.clock()
    limiter.seed([(1000 + i, now - timedelta(milliseconds=100)) for i in range(30)])

    async def private_one() -> None:
        async with limiter.slot(5):
            private.append(time.now() - now.timestamp())

    await time.run(private_one())
    assert private and private[0] == pytest.approx(0.901, abs=0.01), "the overall second was full"
