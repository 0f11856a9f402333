"""Intake at the speed of the framework: filing a request against PTB alone and PTB + one transaction.

Prints numbers, asserts nothing about time. On each database, in one run and on the same updates
(residents writing `#求助 …` in their building's group, several of them more than once), it measures:

- bare PTB: an Application whose one handler does nothing;
- PTB + one transaction: the same, and the handler inserts one row in its own transaction (the
  floor for an update whose effect is recorded);
- PTB + N statements: one transaction of as many statements as a Linli filing runs (N-1 indexed
  reads and the insert), and nothing else: the most any design that runs them one by one can reach;
- PTB + one transaction + triage: the anchor's transaction and what a filing must compute whatever
  its SQL (urgency and place, the classifier with the community's examples, the danger words, the
  5341 deadlines; no card drawn): the most any design that triages in the handler can reach;
- Linli: the real application filing the request (the card to the group and the staff group, the
  update recorded, the sender delivering within Telegram's limits in the same process).

Each is driven through the Application's own update processor (`UPDATE_CONCURRENCY`: the same for
all four), and the table gives updates a second, p50/p99 of handling one update, the ratio to
"PTB + one transaction" and, for Linli, the SQL statements per filing (the handler's, and the
sender's per message it delivered). The second part stores 1,000 and then `--stored` requests (with
their events, outbox rows, cards and processed updates) and prints the median cost of filing one
more, and the ratio: near 1.0 means filing does not grow with the tables. `--explain` prints the
plans of the filing's queries on PostgreSQL.

    .venv/bin/python scripts/bench_intake.py --quick
    .venv/bin/python scripts/bench_intake.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bot import danger
from bot.categories import load_catalogs
from bot.classifier import Triager, catalog_examples, classify
from bot.config import Settings
from bot.deadlines import deadlines
from bot.opening import request_body
from bot.triage import triage
from bot.update_order import ChatOrderedProcessor
from fakebot import FakeRequest, FakeTelegram
from offline import OfflineBot
from scripts.bench_outbox import fresh_database
from scripts.measures import percentile
from storage.engine import make_engine, make_sessions

ADMIN_ID = 1000
COMMUNITY = "幸福里社区"
GROUPS = 4
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
REQUEST_COLUMNS = (
    "community_id, number, requester_id, filed_by_id, text, private, category, complexity, points,"
    " urgent, status, created_at, updated_at, respond_by, resolve_by, source_chat_id, source_message_id,"
    " round, auto_confirmed, escalated_round, escalation_level, category_checked"
)

HANDLING: ContextVar[bool] = ContextVar("handling", default=False)  # set while an update is handled
anchor_metadata = MetaData()
anchor_table = Table(
    "bench_anchor",
    anchor_metadata,
    Column("id", Integer, primary_key=True),
    Column("update_id", BigInteger, nullable=False, unique=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("text", String(4096), nullable=False),
)


@dataclass
class Run:
    name: str
    handle_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    statements: int = 0
    sender_statements: int = 0
    delivered: int = 0

    @property
    def rate(self) -> float:
        return len(self.handle_ms) / self.wall_s if self.wall_s else 0.0

    def line(self, anchor: Run | None) -> str:
        ratio = f"{self.rate / anchor.rate:6.1%}" if anchor is not None and anchor.rate else "     -"
        p50, p99 = (percentile(self.handle_ms, p) or 0.0 for p in (50, 99))
        out = (
            f"  {self.name:<32} {len(self.handle_ms):>5} updates {self.rate:8.1f}/s"
            f"  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
            f"  of anchor {ratio}"
        )
        if self.statements:
            n = len(self.handle_ms)
            per_message = self.sender_statements / self.delivered if self.delivered else 0.0
            out += (
                f"  SQL/filing {self.statements / n:4.1f}"
                f"  sender SQL/message {per_message:4.1f} ({self.delivered} delivered meanwhile)"
            )
        return out


async def drive(app: Application[Any, Any, Any, Any, Any, Any], updates: list[Update], run: Run) -> None:
    """Every update through the Application's update processor, as its update fetcher does (all
    queued at once; the processor decides how many run side by side)."""

    async def timed(update: Update) -> None:
        HANDLING.set(True)
        began = time.perf_counter()
        await app.process_update(update)
        run.handle_ms.append((time.perf_counter() - began) * 1000)

    processor = app.update_processor
    started = time.perf_counter()
    await asyncio.gather(*(processor.process_update(u, timed(u)) for u in updates))
    run.wall_s = time.perf_counter() - started


def scene(fake: FakeTelegram, residents: int) -> tuple[Any, list[Any], list[Any]]:
    """The community's people and groups in the fake; returns (staff group, groups, residents)."""
    admin = fake.add_user("管理员", user_id=ADMIN_ID)
    groups = [fake.add_group(f"{b}号楼") for b in range(1, GROUPS + 1)]
    staff = fake.add_group("社区工作群")
    people = [fake.add_user(f"居民{i}") for i in range(residents)]
    return staff, groups, [admin, *people]


def filing_texts(fake: FakeTelegram, groups: list[Any], people: list[Any], count: int) -> None:
    """`count` #求助 messages: each resident files in their building's group, in turn (so most
    residents file more than once, as people do)."""
    residents = people[1:]
    for i in range(count):
        person = residents[i % len(residents)]
        building = (i % len(residents)) % GROUPS + 1
        fake.send_text(
            person,
            groups[building - 1],
            f"#求助 {building}号楼{i % 3 + 1}单元{i % 20 + 101} 厨房水管漏水了，麻烦师傅来看看",
        )


async def waiting(fake: FakeTelegram, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Every update waiting in the fake (getUpdates gives at most 100 at a time)."""
    data: list[dict[str, Any]] = []
    while True:
        response = await fake.handle("getUpdates", {"offset": offset, "timeout": 0})
        batch: list[dict[str, Any]] = response.get("result") or []
        if not batch:
            return data, offset
        data.extend(batch)
        offset = max(offset, *(d["update_id"] + 1 for d in batch))


def settings_for(url: str, concurrency: int) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        admin_ids=frozenset({ADMIN_ID}),
        log_level="WARNING",
        update_concurrency=concurrency,
        group_messages_per_minute=100_000,  # what is measured here is intake; 30/s overall stays
        drain_seconds=0,
    )


# -- the anchors ------------------------------------------------------------------------------------


def reckoning() -> Callable[[str], str]:
    """What filing computes before and besides its SQL, with the application's own functions, catalogue
    and model: triage (urgency and place), the classifier with the community's layer of examples,
    the danger words and the 5341 deadlines (in the settings' default time zone and service days,
    as the bound community has them)."""
    settings = Settings(_env_file=None)
    catalog = load_catalogs().for_community(COMMUNITY)
    triager = Triager()
    near = triager.build_layer(1, "bench", catalog_examples(catalog))
    model = triager.model
    tz = ZoneInfo(settings.default_timezone)
    hours = replace(catalog.service_hours, days=settings.service_days)

    def reckon(message: str) -> str:
        """The category the message's request falls in."""
        text = request_body(message) or message
        found = triage(text, catalog)
        category = catalog.get(classify(model, text, catalog, near).category) or catalog.other
        alarm = danger.detect(text)
        deadlines(
            NOW,
            response=category.response,
            resolution=category.resolution,
            urgent=found.urgent or alarm is not None,
            urgent_factor=catalog.urgent_factor,
            tz=tz,
            hours=hours,
        )
        return category.key

    return reckon


async def anchor(
    url: str,
    updates: list[dict[str, Any]],
    concurrency: int,
    *,
    statements: int,
    reckon: Callable[[str], str] | None = None,
) -> Run:
    """PTB alone (`statements` 0: a handler that does nothing), or PTB + one transaction of
    `statements` statements: reads through the table's unique index (is this update recorded?),
    and the insert. The table and its insert are the same in every case. With `reckon`, the
    handler also computes what a filing must (`reckoning`) before its transaction."""
    fake = FakeTelegram()
    names = {0: "bare PTB", 1: "PTB + one transaction"}
    run = Run(names.get(statements, f"PTB + {statements} statements"))
    if reckon is not None:
        run.name += " + triage"
    engine: AsyncEngine | None = None
    if statements:
        await fresh_database(url)
        engine = make_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(anchor_metadata.create_all)
        sessions = make_sessions(engine)
    recorded = select(anchor_table.c.id).where(anchor_table.c.update_id == bindparam("update"))

    async def handle(update: Update, _context: Any) -> None:
        if engine is None:
            return
        msg = update.effective_message
        assert msg is not None and msg.from_user is not None
        if reckon is not None:
            reckon(msg.text or "")
        async with sessions() as session:
            for _ in range(statements - 1):
                await session.execute(recorded, {"update": update.update_id})
            await session.execute(
                insert(anchor_table).values(
                    update_id=update.update_id,
                    chat_id=msg.chat_id,
                    user_id=msg.from_user.id,
                    text=msg.text or "",
                )
            )
            await session.commit()

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .request(FakeRequest(fake))
        .updater(None)
        .concurrent_updates(ChatOrderedProcessor(concurrency))
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, handle))
    async with app:
        await drive(app, [Update.de_json(d, app.bot) for d in updates], run)
    if engine is not None:
        await engine.dispose()
    return run


# -- Linli ------------------------------------------------------------------------------------------


async def linli_bot(url: str, residents: int, concurrency: int) -> tuple[OfflineBot, list[Any], list[Any]]:
    """The real application with a bound community: four building groups and the staff group, and
    every resident seen once in their group."""
    await fresh_database(url)
    fake = FakeTelegram()
    bot = OfflineBot(fake, settings_for(url, concurrency))
    await bot.migrate()
    await bot.start()
    staff, groups, people = scene(fake, residents)
    admin = people[0]
    for group in groups:
        fake.add_bot_to_group(admin, group)
        fake.send_text(admin, group, f"/bind {COMMUNITY}")
    fake.add_bot_to_group(admin, staff)
    fake.send_text(admin, staff, "/bind staff")
    for i, person in enumerate(people[1:]):
        fake.send_text(person, groups[i % GROUPS], "大家好")
    await bot.pump()
    return bot, groups, people


def count_statements(engine: AsyncEngine, run: Run) -> Callable[[], None]:
    """Count SQL statements: those of handling an update (run under `drive`), and the rest (the
    sender's, in its own task)."""

    def counted(*_args: Any) -> None:
        if HANDLING.get():
            run.statements += 1
        else:
            run.sender_statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", counted)
    return lambda: event.remove(engine.sync_engine, "before_cursor_execute", counted)


async def linli(url: str, residents: int, filings: int, concurrency: int) -> tuple[Run, int]:
    """Linli filing `filings` requests; also returns how many messages were still to deliver."""
    bot, groups, people = await linli_bot(url, residents, concurrency)
    fake = bot.fake
    try:
        filing_texts(fake, groups, people, filings)
        data, _ = await waiting(fake, bot._offset)
        app = bot.application
        updates = [Update.de_json(d, app.bot) for d in data]
        run = Run(f"Linli files a request (x{concurrency})")
        sent_before = len(fake.transcript)
        engine = app.bot_data.engine
        stop_counting = count_statements(engine, run)
        await drive(app, updates, run)
        stop_counting()
        run.delivered = len(fake.transcript) - sent_before
        async with bot.deps.uow() as uow:
            left = await uow.outbox.pending_count()
        return run, left
    finally:
        await bot.stop()


# -- cost with many stored requests ----------------------------------------------------------------


# What each old request left behind: (table and columns, what the row is made of).
LEFT_BEHIND = (
    ("request_events (request_id, actor_id, kind, created_at)", "id, :u, 'filed', :at"),
    (
        "outbox (dedupe_key, chat_id, kind, card_kind, card_ref, status, attempts, priority,"
        " created_at, next_attempt_at, sent_at, sent_message_id)",
        "'old:' || id, :chat, 'card', 'request', id, 'sent', 1, 0, :at, :at, :at, id",
    ),
    (
        "card_messages (card_kind, card_ref, chat_id, message_id, content_hash, has_buttons, created_at)",
        "'request', id, :chat, id, '', false, :at",
    ),
    ("processed_updates (update_id, kind, processed_at)", ":first + id, 'message', :at"),
)


async def store(engine: AsyncEngine, community_id: int, user_id: int, chat_id: int, n: int) -> None:
    """`n` old requests of the community, done and confirmed, with an event, a sent card and a
    processed update each (what a year of a busy street office leaves). One transaction a batch,
    so the running bot's own writes (its sweep) wait for one batch, never for all of them."""
    pg = engine.dialect.name == "postgresql"
    batch = 20_000
    async with engine.connect() as c:
        row = await c.execute(text("SELECT coalesce(max(number), 0) FROM requests"))
        start = int(row.scalar_one()) + 1
    first_update = 10_000_000
    for low in range(0, n, batch):
        high = min(n, low + batch)
        async with engine.begin() as c:
            await store_batch(c, pg, start, low, high, (community_id, user_id, chat_id, first_update))
    async with engine.begin() as c:
        await c.execute(
            text(
                "UPDATE communities SET request_seq ="
                " (SELECT max(number) FROM requests WHERE community_id = :c)"
            ),
            {"c": community_id},
        )
    if pg:
        async with engine.connect() as c:
            await c.execution_options(isolation_level="AUTOCOMMIT")
            await c.execute(text("ANALYZE"))


async def store_batch(
    c: AsyncConnection, pg: bool, start: int, low: int, high: int, ids: tuple[int, int, int, int]
) -> None:
    """Requests numbered start + low .. start + high - 1, and what each left behind."""
    community_id, user_id, chat_id, first_update = ids
    if pg:
        series = f"generate_series({low}, {high - 1}) AS s(i)"
        await c.execute(
            text(
                f"INSERT INTO requests ({REQUEST_COLUMNS})"
                f" SELECT :c, :start + i, :u, :u, '旧的求助 ' || i, false, 'repair', 'simple', 10,"
                " false, 'confirmed', :at, :at, :at, :at, :chat, 1000000 + i, 0, false, 0, 0, true"
                f" FROM {series}"
            ),
            {"c": community_id, "start": start, "u": user_id, "at": NOW, "chat": chat_id},
        )
    else:
        rows = [
            {
                "community_id": community_id,
                "number": start + i,
                "requester_id": user_id,
                "filed_by_id": user_id,
                "text": f"旧的求助 {i}",
                "private": False,
                "category": "repair",
                "complexity": "simple",
                "points": 10,
                "urgent": False,
                "status": "confirmed",
                "created_at": NOW,
                "updated_at": NOW,
                "round": 0,
                "auto_confirmed": False,
                "escalated_round": 0,
                "escalation_level": 0,
                "category_checked": True,
                "respond_by": NOW,
                "resolve_by": NOW,
                "source_chat_id": chat_id,
                "source_message_id": 1_000_000 + i,
            }
            for i in range(low, high)
        ]
        await c.execute(
            text(
                f"INSERT INTO requests ({REQUEST_COLUMNS}) VALUES ("
                + ", ".join(f":{column.strip()}" for column in REQUEST_COLUMNS.split(","))
                + ")"
            ),
            rows,
        )
    params = {"u": user_id, "chat": chat_id, "first": first_update, "at": NOW, "c": community_id}
    for target, columns in LEFT_BEHIND:
        await c.execute(
            text(
                f"INSERT INTO {target} SELECT {columns} FROM requests"
                " WHERE community_id = :c AND number BETWEEN :low AND :high"
            ),
            {**params, "low": start + low, "high": start + high - 1},
        )


async def filing_cost(url: str, sizes: list[int], sample: int, explain: bool) -> list[tuple[int, float]]:
    """Median cost of filing one request with `size` requests stored, for each size (growing)."""
    bot, groups, people = await linli_bot(url, 50, 1)
    fake = bot.fake
    out: list[tuple[int, float]] = []
    try:
        engine = bot.application.bot_data.engine
        async with bot.deps.uow() as uow:
            community = await uow.communities.find_by_name(COMMUNITY)
            chat = await uow.chats.find_by_telegram_id(groups[0].id)
            user = await uow.users.find_by_telegram_id(people[1].id)
            assert community is not None and chat is not None and user is not None
            ids = community.id, user.id, chat.telegram_id
        stored = 0
        for size in sizes:
            await store(engine, *ids, size - stored)
            stored = size
            filing_texts(fake, groups, people, sample)
            data, bot._offset = await waiting(fake, bot._offset)
            app = bot.application
            run = Run("cost")
            for d in data:
                one = Run("one")
                await drive(app, [Update.de_json(d, app.bot)], one)
                run.handle_ms.extend(one.handle_ms)
                await bot.settle()
            out.append((size, statistics.median(run.handle_ms)))
        if explain and engine.dialect.name == "postgresql":
            await print_plans(engine, ids)
    finally:
        await bot.stop()
    return out


async def print_plans(engine: AsyncEngine, ids: tuple[int, int, int]) -> None:
    """The plans of the queries that a filing and its delivery run against the tables that grow."""
    community_id, _user_id, chat_id = ids
    queries = {
        "processed update": ("SELECT 1 FROM processed_updates WHERE update_id = 42", {}),
        "next number": ("SELECT request_seq FROM communities WHERE id = :c", {"c": community_id}),
        "outbox dedupe": ("SELECT id FROM outbox WHERE dedupe_key = 'u42:card:1'", {}),
        "sender's next row of a chat": (
            "SELECT id FROM outbox WHERE chat_id = :chat AND status = 'pending'"
            " ORDER BY priority DESC, id LIMIT 1",
            {"chat": chat_id},
        ),
        "due chats": (
            "SELECT chat_id, max(priority) FROM outbox WHERE status = 'pending' AND next_attempt_at <= now()"
            " GROUP BY chat_id",
            {},
        ),
        "a request's events": ("SELECT * FROM request_events WHERE request_id = 42", {}),
        "a request's media": ("SELECT * FROM request_media WHERE request_id = 42", {}),
        "card copies": (
            "SELECT * FROM card_messages WHERE card_kind = 'request' AND card_ref = 42 AND chat_id = :chat",
            {"chat": chat_id},
        ),
        "volunteer load": (
            "SELECT volunteer_id, count(*) FROM requests WHERE community_id = :c"
            " AND status IN ('claimed', 'in_progress') GROUP BY volunteer_id",
            {"c": community_id},
        ),
    }
    async with engine.connect() as c:
        for name, (sql, params) in queries.items():
            plan = (await c.execute(text("EXPLAIN " + sql), params)).scalars().all()
            print(f"    {name}: {plan[0]}")


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (its public schema is dropped)")
    parser.add_argument("--updates", type=int, default=1500, help="filings per measurement")
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--stored", type=int, default=1_000_000, help="the large size of part two")
    parser.add_argument("--no-stored", action="store_true", help="skip part two")
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL plans in part two")
    args = parser.parse_args(argv)
    updates, residents, stored, sample = args.updates, args.residents, args.stored, 200
    if args.quick:
        updates, residents, stored, sample = 100, 30, 5_000, 20
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        urls = [("SQLite", f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")]
        if args.pg:
            urls.append(("PostgreSQL", args.pg))
        fake = FakeTelegram()
        _staff, groups, people = scene(fake, residents)
        for group in groups:
            fake.add_bot_to_group(people[0], group)
        filing_texts(fake, groups, people, updates)
        same_updates, _ = await waiting(fake, 0)
        reckon = reckoning()
        for name, url in urls:
            print(f"{name}: {updates} filings by {residents} residents in {GROUPS} groups")
            for concurrency in args.concurrency:
                bare = await anchor(url, same_updates, concurrency, statements=0)
                floor = await anchor(url, same_updates, concurrency, statements=1)
                triaged = await anchor(url, same_updates, concurrency, statements=1, reckon=reckon)
                filed, left = await linli(url, residents, updates, concurrency)
                # the filing's own number of statements, and nothing else: what its SQL alone allows
                as_many = round(filed.statements / len(filed.handle_ms))
                ceiling = await anchor(url, same_updates, concurrency, statements=as_many)
                print(f" update concurrency {concurrency}")
                print(bare.line(floor))
                print(floor.line(floor))
                print(ceiling.line(floor))
                print(triaged.line(floor))
                print(filed.line(floor))
                print(f"  {left} messages were left for the outbox to deliver at Telegram's 30 a second")
            if not args.no_stored:
                sizes = [1_000, stored]
                costs = await filing_cost(url, sizes, sample, args.explain)
                (small, few), (large, many) = costs
                print(
                    f" filing with {small:,} requests stored: {few:.2f} ms; with {large:,}: {many:.2f} ms"
                    f" (x{many / few:.2f})"
                )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
