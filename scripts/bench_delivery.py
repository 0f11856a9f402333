"""Benchmark: a broadcast to many groups plus private traffic, through the fake Bot API's flood limits.

In real time and in process: a fresh database (SQLite in a temp dir, or PostgreSQL with ``--pg
URL``: its ``public`` schema is dropped), a FakeTelegram(flood_limits=True) that answers 429 to any
send past 30 in a second overall, 20 in a minute in one group or one a second in a private chat,
and the real Application with its outbox sender. A super-admin sends /broadcast in the staff group
and presses 发送 under the preview: one outbox row per group at the bulk priority, committed at
once. While it is delivered a private message (normal priority) to somebody else is committed
every ``--private-every`` seconds. Printed: messages a second against
Telegram's 30 (sends over the time from the first to the last plus one second: at most 30
whatever the limiter), the 429s, the most messages one group got in any 60 s, and the latency of the
private messages (commit to the fake's acceptance). Asserts nothing about time.

    .venv/bin/python scripts/bench_delivery.py                # 2,000 groups: about 70 s
    .venv/bin/python scripts/bench_delivery.py --groups 300
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakebot import FakeTelegram
from fakebot.models import UploadedFile
from offline import OfflineBot
from scripts.bench_outbox import CancelledAtShutdown, bench_settings, fresh_database, percentile, wait_until
from storage.models import Chat

LIMIT = 30  # Telegram: messages a second over all chats
SENDS = {
    "sendmessage",
    "sendphoto",
    "sendvoice",
    "sendvideo",
    "senddocument",
    "sendmediagroup",
    "copymessage",
}


@dataclass
class Record:
    """Every send the fake accepted and every 429 it answered, by the wall clock."""

    sent: list[tuple[float, int, str]] = field(default_factory=list)  # (time asked, chat id, text)
    refused: int = 0

    def watch(self, fake: FakeTelegram) -> None:
        original = fake.handle

        async def handle(
            method: str,
            params: Mapping[str, object] | None = None,
            files: Mapping[str, UploadedFile] | None = None,
        ) -> dict[str, Any]:
            asked = time.perf_counter()  # the fake counts a send when it is asked, as Telegram does
            response = await original(method, params, files)
            if method.lower() in SENDS:
                if response.get("ok"):
                    chat = int(str((params or {}).get("chat_id")))
                    self.sent.append((asked, chat, str((params or {}).get("text") or "")))
                elif response.get("error_code") == 429:
                    self.refused += 1
            return response

        fake.handle = handle  # type: ignore[method-assign]


@dataclass
class Outcome:
    groups: int
    group_sends: int
    private: int
    private_sends: int
    seconds: float
    rate: float
    refused: int
    most_per_group_minute: int
    most_in_a_second: int
    duplicates: int
    latencies_ms: list[float]

    def lines(self) -> list[str]:
        p50, p99 = percentile(self.latencies_ms, 50), percentile(self.latencies_ms, 99)
        return [
            f"broadcast to {self.groups} groups: {self.group_sends} delivered, "
            f"{self.private_sends}/{self.private} private messages during it",
            f"overall: {self.rate:.1f} msg/s (first to last send, plus the last one's second: "
            f"{self.seconds:.1f} s) = {100 * self.rate / LIMIT:.1f} % "
            f"of Telegram's {LIMIT}/s; most in any 1 s: {self.most_in_a_second}",
            f"429s: {self.refused}; most to one group in any 60 s: {self.most_per_group_minute} (limit 20); "
            f"sent twice: {self.duplicates}",
            "private latency: "
            + (f"p50 {p50:.0f} ms, p99 {p99:.0f} ms" if p50 is not None and p99 is not None else "-"),
        ]


def most_in_any_window(times: list[float], period: float) -> int:
    ordered = sorted(times)
    return max((i + 1 - bisect_right(ordered, t - period) for i, t in enumerate(ordered)), default=0)


async def skip_updates(fake: FakeTelegram) -> None:
    """Confirm every queued update with getUpdates, as a bot that ignores them would."""
    offset = 0
    while True:
        response = await fake.handle("getUpdates", {"offset": offset, "timeout": 0, "limit": 100})
        updates = response.get("result") or []
        if not updates:
            return
        offset = max(u["update_id"] for u in updates) + 1


async def deliver(
    database_url: str,
    groups: int,
    private_every: float = 0.5,
    patience: float = 600.0,
    bulk_workers: int | None = None,
) -> Outcome:
    await fresh_database(database_url)
    fake = FakeTelegram(flood_limits=True)
    record = Record()
    record.watch(fake)
    bot = OfflineBot(fake, bench_settings(database_url))
    await bot.migrate()
    admin = fake.add_user("Admin", user_id=1000)  # a super-admin of bench_settings
    staff = fake.add_group("Staff")
    chats = [fake.add_group(f"Building {i}") for i in range(groups)]
    for chat in [staff, *chats]:
        fake.add_bot_to_group(admin, chat)  # these updates are dropped below: nobody polls them
    expected_private = max(1, int(groups / LIMIT / private_every))
    people = [fake.add_user(f"Neighbour {i}") for i in range(expected_private)]
    for person in people:
        fake.send_text(person, fake.private_chat(person), "/start")
    await skip_updates(fake)  # the bot starts with nothing to read
    await bot.start()
    if bulk_workers is not None:
        bot.sender.bulk_workers = bulk_workers
    try:
        # One group and the staff group bound by command; the others straight in the database, as
        # binding 2,000 groups by /bind would first send 2,000 answers.
        fake.send_text(admin, chats[0], "/bind 幸福里社区")
        fake.send_text(admin, staff, "/bind staff 幸福里社区")
        await bot.pump()
        async with bot.deps.uow() as uow:
            home = await uow.chats.find_by_telegram_id(chats[0].id)
            assert home is not None and home.community_id is not None
            for chat in chats[1:]:
                uow.session.add(
                    Chat(
                        telegram_id=chat.id,
                        community_id=home.community_id,
                        kind="neighbourhood",
                        title=chat.title,
                    )
                )
            await uow.commit()
        fake.send_text(admin, staff, "/broadcast 今晚8点到10点停水，请提前储水")
        await bot.pump()
        preview = fake.last_bot_message(staff)
        assert preview is not None and preview.buttons, "no preview with buttons"
        fake.press(admin, staff, preview.message_id, next(data for text, data in preview.buttons[0] if data))
        started = time.perf_counter()
        pumping = asyncio.create_task(bot.pump())  # 发送: the rows are queued, the sender delivers them
        committed: dict[str, float] = {}
        group_ids = {c.id for c in chats}

        def groups_done() -> int:
            return len({chat for _, chat, _ in record.sent if chat in group_ids})

        for i, person in enumerate(people):
            await asyncio.sleep(private_every)
            if groups_done() >= groups:
                break
            text = f"private message {i}"
            async with bot.deps.uow() as uow:
                await uow.outbox.add(dedupe_key=f"bench:dm:{i}", chat_id=person.id, text=text)
                await uow.commit()
            committed[text] = time.perf_counter()
        await wait_until(lambda: groups_done() >= groups, patience, step=0.05)
        await asyncio.sleep(min(2.0, private_every * 2))  # the last private message
        await pumping
    finally:
        await bot.stop()

    group_sends = [(at, chat) for at, chat, _ in record.sent if chat in group_ids]
    accepted = {text: at for at, _, text in reversed(record.sent) if text in committed}
    latencies = [(accepted[text] - at) * 1000 for text, at in committed.items() if text in accepted]
    times = [at for at, chat, _ in record.sent if at >= started and chat != staff.id]
    # N sends within 30 in any second need at least N / 30 - 1 s from the first to the last: the
    # rate counts the last one's second whole, so 30/s is the most it can be.
    seconds = max(times) - min(times) + 1.0 if times else 0.0
    per_group: dict[int, list[float]] = {}
    for at, chat_id in group_sends:
        per_group.setdefault(chat_id, []).append(at)
    sends = [(chat, text) for _, chat, text in record.sent]
    return Outcome(
        groups=groups,
        group_sends=len({chat for _, chat in group_sends}),
        private=len(committed),
        private_sends=len(latencies),
        seconds=seconds,
        rate=len(times) / seconds if seconds else 0.0,
        refused=record.refused,
        most_per_group_minute=max((most_in_any_window(t, 60.0) for t in per_group.values()), default=0),
        most_in_a_second=most_in_any_window(times, 1.0),
        duplicates=len(sends) - len(set(sends)),
        latencies_ms=latencies,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--groups", type=int, default=2000, help="groups in the broadcast (default 2000)")
    parser.add_argument(
        "--private-every", type=float, default=0.5, help="seconds between private messages (default 0.5)"
    )
    parser.add_argument(
        "--pg", metavar="URL", help="PostgreSQL instead of SQLite (its public schema is dropped!)"
    )
    parser.add_argument(
        "--bulk-workers", type=int, help="the sender's workers for bulk chats at once (default: the sender's)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show the sender's warnings")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )
    cancelled = CancelledAtShutdown(show=args.verbose)
    for handler in logging.getLogger().handlers:
        handler.addFilter(cancelled)
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        url = args.pg or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        outcome = asyncio.run(deliver(url, args.groups, args.private_every, bulk_workers=args.bulk_workers))
    print(f"database: {'postgresql' if args.pg else 'sqlite'}")
    print("\n".join(outcome.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
