"""Benchmark of the outbox sender against the offline fake Telegram with its flood limits on.

Prints numbers, asserts nothing about time. Each scenario gets a fresh database (SQLite in a temp
dir, and PostgreSQL with ``--pg URL``: its ``public`` schema is dropped, so never point it at data
you want to keep), a fresh FakeTelegram(flood_limits=True) and a fresh OfflineBot, so the limits
and the sender's flood limiter start empty every time.

1. private fan-out: N private messages to N people who started the bot, committed at once.
2. busy group + private: 40 messages to one group and 20 private ones, committed at once; the
   private ones must not wait behind the group's 20 messages/minute.
3. redelivery: the same update delivered twice; the bot must answer once.
4. private burst: N messages to one person committed at once (a flow that answers with several
   messages), and one to somebody else: the person's come about a second apart (Telegram's
   limit per private chat) with no 429, and the other person's is not held behind them.

Latency is from the commit of the rows to Telegram's (the fake's) acceptance of the sendMessage;
a 429 is an answer "Too Many Requests" from the fake, i.e. a send over Telegram's limits.

    .venv/bin/python scripts/bench_outbox.py --quick
    .venv/bin/python scripts/bench_outbox.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bot.config import Settings
from fakebot import FakeTelegram, FakeUser
from fakebot.models import UploadedFile
from offline import OfflineBot
from scripts.measures import percentile
from storage.engine import make_engine

GROUP_LIMIT_WINDOW = 60.0  # seconds: Telegram's 20 messages per minute per group


# -- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    at: float  # time.perf_counter() when the fake answered
    chat_id: int
    text: str


class Probe:
    """Wraps the fake's ``handle``: records every accepted sendMessage and every 429 it answers."""

    def __init__(self, fake: FakeTelegram, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.accepted: list[Send] = []
        self.first_accept: dict[str, Send] = {}  # text -> first acceptance
        self.rejected: list[tuple[float, int]] = []  # (time, chat_id) of 429 answers
        original = fake.handle

        async def handle(
            method: str,
            params: Mapping[str, object] | None = None,
            files: Mapping[str, UploadedFile] | None = None,
        ) -> dict[str, Any]:
            response = await original(method, params, files)
            self._record(method, params or {}, response)
            return response

        fake.handle = handle  # type: ignore[method-assign]

    def _record(self, method: str, params: Mapping[str, object], response: dict[str, Any]) -> None:
        if method.lower() != "sendmessage":
            return
        now = self.clock()
        if response.get("ok"):
            result = response["result"]
            send = Send(now, int(result["chat"]["id"]), str(result.get("text") or ""))
            self.accepted.append(send)
            self.first_accept.setdefault(send.text, send)
        elif response.get("error_code") == 429:
            self.rejected.append((now, _chat_id(params.get("chat_id"))))

    def delivered(self, texts: list[str]) -> list[Send]:
        return [self.first_accept[t] for t in texts if t in self.first_accept]

    def rejections(self, chat_ids: set[int]) -> int:
        return sum(1 for _, chat_id in self.rejected if chat_id in chat_ids)

    def duplicates(self) -> int:
        return len(self.accepted) - len(self.first_accept)


def _chat_id(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


@dataclass
class Result:
    scenario: str
    messages: int
    delivered: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    flood_429s: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.delivered / self.seconds if self.seconds > 0 and self.latencies_ms else None

    @property
    def p50(self) -> float | None:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float | None:
        return percentile(self.latencies_ms, 99)


def measured(
    scenario: str, total: int, sends: list[Send], committed: float, flood_429s: int, seconds: float | None
) -> Result:
    """A result for messages committed at ``committed``; ``seconds`` defaults to the last acceptance."""
    latencies = [(s.at - committed) * 1000 for s in sends]
    if seconds is None:
        seconds = max((s.at for s in sends), default=committed) - committed
    return Result(scenario, total, len(sends), seconds, latencies, flood_429s)


async def wait_until(done: Callable[[], bool], patience: float, step: float = 0.005) -> bool:
    """Poll ``done`` until it holds (True) or ``patience`` seconds passed (False)."""
    deadline = time.perf_counter() + patience
    while not done():
        if time.perf_counter() >= deadline:
            return False
        await asyncio.sleep(step)
    return True


# -- the bot under test -----------------------------------------------------------------------


def bench_settings(database_url: str) -> Settings:
    """Like the tests' settings; the .env of the checkout is not read."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({1000}),
        default_locale="zh_CN",
        log_level="WARNING",
    )


def _remove_sqlite_files(database_url: str) -> None:
    database = database_url.split("///", 1)[1] if "///" in database_url else ""
    if database not in ("", ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)


async def fresh_database(database_url: str) -> None:
    """An empty database: SQLite's file removed, PostgreSQL's public schema dropped and recreated."""
    if database_url.startswith("sqlite"):
        _remove_sqlite_files(database_url)
        return
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@dataclass
class Bench:
    fake: FakeTelegram
    bot: OfflineBot
    probe: Probe

    def started_user(self, name: str) -> FakeUser:
        """A person who has written /start to the bot (the update is left unread: nobody polls)."""
        user = self.fake.add_user(name)
        self.fake.send_text(user, self.fake.private_chat(user), "/start")
        return user

    async def commit_posts(self, posts: list[tuple[str, int, str]]) -> float:
        """Queue (key, chat_id, text) rows in one transaction; returns the moment it committed."""
        async with self.bot.deps.uow() as uow:
            for key, chat_id, body in posts:
                await uow.outbox.add(dedupe_key=key, chat_id=chat_id, text=body)
            await uow.commit()
            return time.perf_counter()


@asynccontextmanager
async def running(database_url: str) -> AsyncIterator[Bench]:
    """A migrated fresh database, a fake Telegram enforcing flood limits, the real Application."""
    await fresh_database(database_url)
    fake = FakeTelegram(flood_limits=True)
    probe = Probe(fake)
    bot = OfflineBot(fake, bench_settings(database_url))
    await bot.migrate()
    await bot.start()
    try:
        yield Bench(fake, bot, probe)
    finally:
        await bot.stop()


# -- scenarios --------------------------------------------------------------------------------


async def private_fanout(database_url: str, n: int = 300, patience: float = 120.0) -> list[Result]:
    async with running(database_url) as bench:
        users = [bench.started_user(f"Fan {i}") for i in range(n)]
        texts = [f"fan-out message {i}" for i in range(n)]
        committed = await bench.commit_posts(
            [
                (f"bench:fanout:{i}", user.id, body)
                for i, (user, body) in enumerate(zip(users, texts, strict=True))
            ]
        )
        finished = await wait_until(lambda: len(bench.probe.delivered(texts)) >= n, patience)
        sends = bench.probe.delivered(texts)
        result = measured(
            "private fan-out", n, sends, committed, bench.probe.rejections({u.id for u in users}), None
        )
        if not finished:
            result.notes.append(f"private fan-out: stopped waiting after {patience:.0f} s")
        if bench.probe.duplicates():
            result.notes.append(f"private fan-out: {bench.probe.duplicates()} messages sent twice")
        return [result]


async def busy_group_and_private(
    database_url: str,
    group_messages: int = 40,
    private_messages: int = 20,
    *,
    quick: bool = False,
    patience: float = 300.0,
) -> list[Result]:
    async with running(database_url) as bench:
        admin = bench.fake.add_user("Admin", user_id=1000)
        group = bench.fake.add_group("Busy group")
        bench.fake.add_bot_to_group(admin, group)
        users = [bench.started_user(f"Neighbour {i}") for i in range(private_messages)]
        group_texts = [f"group message {i}" for i in range(group_messages)]
        private_texts = [f"private message {i}" for i in range(private_messages)]
        posts = [(f"bench:group:{i}", group.id, body) for i, body in enumerate(group_texts)]
        posts += [
            (f"bench:private:{i}", user.id, body)
            for i, (user, body) in enumerate(zip(users, private_texts, strict=True))
        ]
        committed = await bench.commit_posts(posts)  # group rows first: the older rows

        private_done = await wait_until(
            lambda: len(bench.probe.delivered(private_texts)) >= private_messages, patience
        )
        private_seconds = time.perf_counter() - committed
        if not quick:
            await wait_until(lambda: len(bench.probe.delivered(group_texts)) >= group_messages, patience)
        group_seconds = time.perf_counter() - committed

        private = measured(
            "busy group: private",
            private_messages,
            bench.probe.delivered(private_texts),
            committed,
            bench.probe.rejections({u.id for u in users}),
            None,
        )
        group_sends = bench.probe.delivered(group_texts)
        busy = measured(
            "busy group: group",
            group_messages,
            group_sends,
            committed,
            bench.probe.rejections({group.id}),
            group_seconds if quick else None,
        )
        if private_done:
            private.notes.append(
                f"busy group: all {private_messages} private messages delivered {private.seconds:.2f} s "
                f"after the commit, not held behind the group"
            )
        else:
            private.notes.append(
                f"busy group: only {private.delivered}/{private_messages} private messages "
                f"delivered after {private_seconds:.0f} s"
            )
        first_minute = sum(1 for s in group_sends if s.at - committed <= GROUP_LIMIT_WINDOW)
        if quick:
            busy.notes.append(
                f"busy group: --quick stopped after {group_seconds:.2f} s with "
                f"{len(group_sends)}/{group_messages} group messages sent"
            )
        else:
            busy.notes.append(
                f"busy group: {first_minute} group messages in the first minute "
                f"(limit 20/min); {len(group_sends)}/{group_messages} after {group_seconds:.1f} s"
            )
        return [private, busy]


async def redelivery(database_url: str) -> list[Result]:
    async with running(database_url) as bench:
        alice = bench.fake.add_user("Alice")
        chat = bench.fake.private_chat(alice)
        started = time.perf_counter()
        update = bench.fake.send_text(alice, chat, "/help")
        await bench.bot.pump()
        bench.fake.redeliver(update["update_id"])
        await bench.bot.pump()
        seconds = time.perf_counter() - started
        replies = len(bench.fake.bot_messages(chat))
        result = Result("redelivery", 1, replies, seconds, flood_429s=len(bench.probe.rejected))
        verdict = "ok" if replies == 1 else "WRONG, must be 1"
        result.notes.append(f"redelivery: the same update twice -> {replies} replies ({verdict})")
        return [result]


async def private_burst(database_url: str, n: int = 5, patience: float = 60.0) -> list[Result]:
    async with running(database_url) as bench:
        alice, bob = bench.started_user("Alice"), bench.started_user("Bob")
        texts = [f"burst message {i}" for i in range(n)]
        posts = [(f"bench:burst:{i}", alice.id, body) for i, body in enumerate(texts)]
        committed = await bench.commit_posts([*posts, ("bench:burst:other", bob.id, "for somebody else")])
        everything = [*texts, "for somebody else"]
        finished = await wait_until(lambda: len(bench.probe.delivered(everything)) >= n + 1, patience)
        sends = bench.probe.delivered(texts)
        result = measured(
            "private burst", n, sends, committed, bench.probe.rejections({alice.id, bob.id}), None
        )
        gaps = [later.at - earlier.at for earlier, later in pairwise(sends)]
        if gaps:
            result.notes.append(
                f"private burst: {len(sends)} messages to one person, {min(gaps):.2f}-{max(gaps):.2f} s apart"
            )
        other = bench.probe.delivered(["for somebody else"])
        if other:
            waited = (other[0].at - committed) * 1000
            result.notes.append(
                f"private burst: somebody else's message arrived {waited:.0f} ms after the commit"
            )
        if not finished:
            result.notes.append(f"private burst: stopped waiting after {patience:.0f} s")
        return [result]


# -- running and printing ---------------------------------------------------------------------

COLUMNS = ("scenario", "messages", "delivered", "seconds", "msg/s", "p50 ms", "p99 ms", "429s")


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(results: list[Result]) -> str:
    rows = [COLUMNS] + [
        (
            r.scenario,
            str(r.messages),
            str(r.delivered),
            _number(r.seconds, 2),
            _number(r.rate, 1),
            _number(r.p50, 0),
            _number(r.p99, 0),
            str(r.flood_429s),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [note for r in results for note in r.notes]
    return "\n".join(lines + (["", *notes] if notes else []))


async def run_all(
    database_urls: Mapping[str, str], *, messages_count: int = 300, quick: bool = False
) -> list[Result]:
    results: list[Result] = []
    for label, url in database_urls.items():
        batch = await private_fanout(url, messages_count)
        batch += await busy_group_and_private(url, quick=quick)
        batch += await redelivery(url)
        batch += await private_burst(url)
        for result in batch:
            if len(database_urls) > 1 or "sqlite" not in database_urls:
                result.scenario = f"{result.scenario} [{label}]"
        results += batch
    return results


class CancelledAtShutdown(logging.Filter):
    """Counts (and hides unless verbose) SQLAlchemy's "Exception during reset" for a connection whose
    query was cancelled: sender.stop() cancels workers mid-query, e.g. when --quick stops early."""

    def __init__(self, show: bool) -> None:
        super().__init__()
        self.show = show
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if record.name.startswith("sqlalchemy.pool") and isinstance(exc, asyncio.CancelledError):
            self.count += 1
            return self.show
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="stop the busy group once the private ones are in"
    )
    parser.add_argument("--messages", type=int, default=300, help="private fan-out size (default 300)")
    parser.add_argument("--pg", metavar="URL", help="also run on PostgreSQL (its public schema is dropped!)")
    parser.add_argument("--no-sqlite", action="store_true", help="with --pg: PostgreSQL only")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the sender's warnings")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.WARNING if args.verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )
    cancelled = CancelledAtShutdown(show=args.verbose)
    for handler in logging.getLogger().handlers:
        handler.addFilter(cancelled)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        urls: dict[str, str] = {}
        if not (args.pg and args.no_sqlite):
            urls["sqlite"] = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        if args.pg:
            urls["postgres"] = args.pg
        results = asyncio.run(run_all(urls, messages_count=args.messages, quick=args.quick))
    print(table(results))
    if cancelled.count:
        print(f"shutdown: {cancelled.count} database queries cancelled by sender.stop() (details with -v)")
    print(f"\ntotal {time.perf_counter() - started:.1f} s ({'quick' if args.quick else 'full'} run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
