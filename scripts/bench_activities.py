"""Benchmark of activity sign-up through the handlers, against the offline fake Telegram.

Prints numbers, asserts nothing about time. Each scenario gets a fresh database (SQLite in a temp
dir, and PostgreSQL with ``--pg URL``: its ``public`` schema is dropped, so never point it at data
you want to keep), a fresh FakeTelegram and a fresh OfflineBot.

1. sign-ups/s: N people press 报名 on the group card at once, for an activity of N/2 places:
   the updates are handled one after another (as polling does) and all at
   once (asyncio.gather, as concurrent_updates or several webhook workers would). Counts what
   they got (joined, waitlisted), that the places were not over-taken, and the time from the
   first update handled to the last.
2. card edits per minute: N people press 报名 spread over one minute of an injected clock, the
   sender delivering as the clock moves; counts the editMessageText calls the group's card cost
   in that minute (Telegram allows 20 messages a minute in a group), with the edits merged per
   ACTIVITY_CARD_EDIT_SECONDS window and, for comparison, with one edit per change (0).

    .venv/bin/python scripts/bench_activities.py --quick
    .venv/bin/python scripts/bench_activities.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from telegram import Update

from bot.app import ALLOWED_UPDATES
from bot.config import Settings
from fakebot import FakeChat, FakeTelegram, FakeUser
from offline import OfflineBot
from storage.engine import make_engine

ADMIN_ID = 1000
START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
LINE = "/newactivity 楼道大扫除 | 2026-11-25 15:00 | 17:00 | 3号楼门口 | {capacity} | 10"


class SimClock:
    """One injected clock for the bot (datetimes) and the fake (seconds since the epoch)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class SignupResult:
    database: str
    mode: str
    presses: int
    joined: int
    waitlisted: int
    capacity: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.presses / self.seconds if self.seconds > 0 else 0.0


@dataclass
class EditResult:
    database: str
    window: float
    presses: int
    edits_in_minute: int
    flood_429s: int


async def _reset(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def _estate(
    url: str, people: int, clock: SimClock, window: float
) -> tuple[OfflineBot, FakeChat, list[FakeUser]]:
    """A bound group with `people` residents, the bot started on `url` (migrated first)."""
    await _reset(url)
    fake = FakeTelegram(clock=clock.seconds, flood_limits=True)
    settings = Settings(
        _env_file=None,
        database_url=url,
        admin_ids=frozenset({ADMIN_ID}),
        group_messages_per_minute=6000,  # the fake's flood limit counts; PTB's limiter waits real time
        activity_card_edit_seconds=window,
    )

    async def no_wait(_: float) -> None:
        await asyncio.sleep(0)

    bot = OfflineBot(fake, settings, clock=clock, sleep=no_wait)
    await bot.migrate()
    await bot.start()
    admin = fake.add_user("管理员", username="admin", user_id=ADMIN_ID)
    group = fake.add_group("幸福里群")
    fake.add_bot_to_group(admin, group)
    fake.send_text(admin, group, "/bind 幸福里社区")
    residents = [fake.add_user(f"邻居{i}") for i in range(people)]
    for person in residents:
        fake.send_text(person, group, "大家好")
    await bot.pump()
    return bot, group, residents


def _card(fake: FakeTelegram, group: FakeChat) -> tuple[int, str]:
    for message in reversed(fake.bot_messages(group)):
        for row in message.buttons:
            for label, data in row:
                if "报名" in label and data:
                    return message.message_id, data
    raise RuntimeError("no activity card with 报名 in the group")


async def _counts(bot: OfflineBot) -> tuple[int, int, int]:
    async with bot.deps.uow() as uow:
        activity = await uow.activities.get(1)
        assert activity is not None
        counts = await uow.activities.counts(1)
        return activity.joined, counts.get("waitlisted", 0), activity.capacity or 0


async def signups(url: str, database: str, people: int, *, concurrent: bool) -> SignupResult:
    clock = SimClock()
    bot, group, residents = await _estate(url, people, clock, 15.0)
    try:
        capacity = max(1, people // 2)
        admin = next(u for u in bot.fake.state.users.values() if u.id == ADMIN_ID)
        bot.fake.send_text(admin, group, LINE.format(capacity=capacity))
        await bot.pump()
        message_id, data = _card(bot.fake, group)
        for person in residents:
            bot.fake.press(person, group, message_id, data)
        response = await bot.fake.handle(
            "getUpdates", {"offset": bot._offset, "timeout": 0, "allowed_updates": ALLOWED_UPDATES}
        )
        updates = [Update.de_json(u, bot.application.bot) for u in response.get("result") or []]
        bot._offset = max(u.update_id for u in updates) + 1
        started = time.perf_counter()
        if concurrent:
            await asyncio.gather(*(bot.application.process_update(u) for u in updates))
        else:
            for update in updates:
                await bot.application.process_update(update)
        seconds = time.perf_counter() - started
        await bot.settle()
        joined, waitlisted, capacity = await _counts(bot)
        mode = "at once (gather)" if concurrent else "one by one"
        return SignupResult(database, mode, len(updates), joined, waitlisted, capacity, seconds)
    finally:
        await bot.stop()


async def card_edits(url: str, database: str, people: int, window: float) -> EditResult:
    clock = SimClock()
    bot, group, residents = await _estate(url, people, clock, window)
    try:
        admin = next(u for u in bot.fake.state.users.values() if u.id == ADMIN_ID)
        bot.fake.send_text(admin, group, LINE.format(capacity=people))
        await bot.pump()
        message_id, data = _card(bot.fake, group)
        before = len(bot.fake.calls)
        step = 60.0 / people
        for person in residents:  # spread over one minute of the injected clock
            bot.fake.press(person, group, message_id, data)
            await bot.pump()
            clock.advance(step)
            await bot.settle()
        calls = bot.fake.calls[before:]
        edits = sum(
            1
            for method, params in calls
            if method == "editMessageText" and int(str(params.get("chat_id"))) == group.id
        )
        floods = sum(1 for _, _, answer in bot.fake.errors if answer.get("error_code") == 429)
        return EditResult(database, window, people, edits, floods)
    finally:
        await bot.stop()


def table(signup_results: list[SignupResult], edit_results: list[EditResult]) -> str:
    head = ("database", "mode", "presses", "joined", "waiting", "places", "seconds", "sign-ups/s")
    lines = ["{:10} {:18} {:>7} {:>6} {:>7} {:>6} {:>8} {:>10}".format(*head)]
    for r in signup_results:
        row = (r.database, r.mode, r.presses, r.joined, r.waitlisted, r.capacity, r.seconds, r.rate)
        lines.append("{:10} {:18} {:7d} {:6d} {:7d} {:6d} {:8.2f} {:10.1f}".format(*row))
    lines.append("")
    head2 = ("database", "merge window s", "presses/min", "card edits/min", "limit", "429s")
    lines.append("{:10} {:>14} {:>11} {:>14} {:>5} {:>5}".format(*head2))
    for e in edit_results:
        row2 = (e.database, e.window, e.presses, e.edits_in_minute, 20, e.flood_429s)
        lines.append("{:10} {:14.0f} {:11d} {:14d} {:5d} {:5d}".format(*row2))
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL whose public schema may be dropped")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="10 people instead of 50")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    people = 10 if args.quick else args.people
    with tempfile.TemporaryDirectory() as folder:
        targets = [("sqlite", lambda name: f"sqlite+aiosqlite:///{folder}/{name}.db")]
        if args.pg:
            targets.append(("postgresql", lambda name: args.pg))
        signup_results, edit_results = [], []
        for database, url in targets:
            for concurrent in (False, True):
                signup_results.append(
                    await signups(url(f"s{concurrent}"), database, people, concurrent=concurrent)
                )
            for window in (15.0, 0.0):
                edit_results.append(await card_edits(url(f"e{window}"), database, people, window))
        print(table(signup_results, edit_results))


if __name__ == "__main__":
    asyncio.run(main())
