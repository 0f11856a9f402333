"""Benchmark of the request loop through the real Application against the offline fake Telegram.

Prints numbers, asserts nothing about time. N residents each file a #求助 request in one group;
a volunteer claims each, reports it done, and the resident confirms it. For every step it prints
how many updates were handled per second and the p50/p99 time to handle one update (from
Application.process_update to its commit: triage, numbering, history, outbox rows), then how long
the outbox took to deliver what they queued (groups unpaced here; scripts/bench_outbox.py measures
Telegram's pacing). Last, M volunteers press claim on one request at the same moment: exactly one
may win.

    .venv/bin/python scripts/bench_requests.py --quick
    .venv/bin/python scripts/bench_requests.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from telegram import Update

from bot.config import Settings
from fakebot import FakeTelegram
from offline import OfflineBot
from scripts.measures import percentile
from storage.engine import make_engine

ADMIN_ID = 1000
COMMUNITY = "幸福里社区"


@dataclass
class Step:
    name: str
    handle_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    deliver_s: float = 0.0

    def line(self) -> str:
        n = len(self.handle_ms)
        rate = n / self.wall_s if self.wall_s else 0.0
        p50, p99 = percentile(self.handle_ms, 50), percentile(self.handle_ms, 99)
        return (
            f"  {self.name:<8} {n:>5} updates  {rate:8.1f}/s  p50 {p50 or 0:7.1f} ms  p99 {p99 or 0:7.1f} ms"
            f"  delivery of what they queued {self.deliver_s:6.2f} s"
        )


async def _reset(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _handle_waiting(bot: OfflineBot, fake: FakeTelegram, step: Step, offset: list[int]) -> None:
    """Handle every waiting update one at a time, timing each, then deliver what they queued."""
    app = bot.application
    started = time.perf_counter()
    while True:
        response = await fake.handle("getUpdates", {"offset": offset[0], "timeout": 0})
        updates: list[dict[str, Any]] = response.get("result") or []
        if not updates:
            break
        for data in updates:
            offset[0] = max(offset[0], data["update_id"] + 1)
            began = time.perf_counter()
            await app.process_update(Update.de_json(data, app.bot))
            step.handle_ms.append((time.perf_counter() - began) * 1000)
    step.wall_s = time.perf_counter() - started
    began = time.perf_counter()
    await bot.settle()
    step.deliver_s = time.perf_counter() - began


async def loop(url: str, residents: int, racers: int) -> list[Step | str]:
    await _reset(url)
    settings = Settings(
        _env_file=None,
        database_url=url,
        admin_ids=frozenset({ADMIN_ID}),
        group_messages_per_minute=100_000,
        log_level="WARNING",
    )
    fake = FakeTelegram()
    bot = OfflineBot(fake, settings)
    await bot.migrate()
    await bot.start()
    offset = [0]
    try:
        admin = fake.add_user("管理员", user_id=ADMIN_ID)
        group = fake.add_group("幸福里群")
        fake.add_bot_to_group(admin, group)
        fake.send_text(admin, group, f"/bind {COMMUNITY}")
        volunteers = [fake.add_user(f"志愿者{i}") for i in range(racers)]
        people = [fake.add_user(f"居民{i}") for i in range(residents)]
        for person in [*volunteers, *people]:
            fake.send_text(person, group, "大家好")
            fake.send_text(person, fake.private_chat(person), "/start")
        for i, v in enumerate(volunteers):
            fake.send_text(v, fake.private_chat(v), f"/volunteer 志愿者{i} | 3号楼 | 维修,电工 | 是")
        await _handle_waiting(bot, fake, Step("setup"), offset)

        steps: list[Step | str] = []
        filing = Step("file")
        for i, person in enumerate(people):
            fake.send_text(person, group, f"#求助 {i % 9 + 1}号楼{i % 4 + 1}单元{i + 101} 厨房水管漏水了，急")
        await _handle_waiting(bot, fake, filing, offset)
        steps.append(filing)

        helper = volunteers[0]
        claiming = Step("claim")
        for n in range(1, residents + 1):
            fake.send_text(helper, fake.private_chat(helper), f"/take {n}")
        await _handle_waiting(bot, fake, claiming, offset)
        steps.append(claiming)

        finishing = Step("done")
        for n in range(1, residents + 1):
            fake.send_text(helper, fake.private_chat(helper), f"/done {n} 修好了")
        await _handle_waiting(bot, fake, finishing, offset)
        steps.append(finishing)

        confirming = Step("confirm")
        for n, person in enumerate(people, start=1):
            fake.send_text(person, fake.private_chat(person), f"/confirm {n}")
        await _handle_waiting(bot, fake, confirming, offset)
        steps.append(confirming)

        # M volunteers press claim on one new request at the same moment.
        fake.send_text(people[0], group, "#求助 3号楼 楼道灯坏了")
        await _handle_waiting(bot, fake, Step("race-setup"), offset)
        card = next(m for m in reversed(fake.bot_messages(group)) if m.buttons)
        claim = next(data for row in card.buttons for label, data in row if data and ":rt:" in data)
        for v in volunteers:
            fake.press(v, group, card.message_id, claim)
        response = await fake.handle("getUpdates", {"offset": offset[0], "timeout": 0})
        presses = response.get("result") or []
        offset[0] = max(d["update_id"] for d in presses) + 1
        app = bot.application
        began = time.perf_counter()
        await asyncio.gather(*(app.process_update(Update.de_json(d, app.bot)) for d in presses))
        race_ms = (time.perf_counter() - began) * 1000
        await bot.settle()
        number = residents + 1
        async with bot.deps.uow() as uow:
            community = await uow.communities.find_by_name(COMMUNITY)
            assert community is not None
            request = await uow.requests.find_by_number(community.id, number)
            history = await uow.requests.history(request.id) if request is not None else []
        winners = sum(1 for e in history if e.kind == "claimed")
        steps.append(
            f"  race     {len(presses)} claims of #{number} at once: {winners} won, in {race_ms:.0f} ms"
        )
        return steps
    finally:
        await bot.stop()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (its public schema is dropped)")
    args = parser.parse_args(argv)
    residents, racers = (10, 3) if args.quick else (200, 8)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        urls = [("SQLite", f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")]
        if args.pg:
            urls.append(("PostgreSQL", args.pg))
        for name, url in urls:
            print(f"{name}: {residents} requests through file -> claim -> done -> confirm")
            for step in await loop(url, residents, racers):
                print(step if isinstance(step, str) else step.line())
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
