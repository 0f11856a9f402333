"""A test bench for services: people, chats and updates as plain values, run through `Deps.run`
on SQLite, with readers for what the services wrote (requests, history, points, outbox rows).

No Telegram anywhere: a command is an `Incoming` whose `text` holds only the command's arguments
(as `handlers/adapt.py: incoming(update, command=True)` makes it), a button press is an `Incoming`
with `kind="callback_query"` and a `callback_id`, and every update gets a fresh `update_id`
unless a test passes one to redeliver it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bot.incoming import Incoming, Person, Where
from bot.outbox.cards import RenderedCard
from bot.services.community import groups, people
from bot.services.requests import cards as request_cards
from bot.services.requests import intake
from bot.services.shared.runner import Deps, Outcome, Service
from bot.services.volunteers import registration
from storage.models import (
    Community,
    OutboxMessage,
    PointEntry,
    ProcessedUpdate,
    Request,
    RequestEvent,
    User,
)
from storage.uow import UnitOfWork
from tests.conftest import Clock

HOME = "幸福里社区"
VOLUNTEER_LINE = "老王 | 3号楼 | 维修,电工 | 是"
LEAK = "#求助 3号楼2单元501 厨房水管漏水了"


@dataclass(frozen=True)
class Sent:
    """An update the bench delivered, and what the runner answered; `inc` can be delivered again."""

    inc: Incoming
    outcome: Outcome
    service: Service
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Points:
    balance: int
    total: int  # the sum of the account's ledger entries
    entries: list[tuple[str, int]]  # (kind, amount), oldest first


@dataclass
class Ids:
    """The next update, person, chat and message ids: a bench resumed on a saved database goes on
    from where the one that built it stopped."""

    update: int = 1
    user: int = 2001
    chat: int = 1
    message: int = 1

    def take(self, name: str) -> int:
        value: int = getattr(self, name)
        setattr(self, name, value + 1)
        return value


@dataclass
class Bench:
    deps: Deps
    clock: Clock
    admin: Person
    ids: Ids = field(default_factory=Ids)

    # -- people and places ---------------------------------------------------------------------
    def person(self, first_name: str, *, username: str | None = None) -> Person:
        return Person(self.ids.take("user"), first_name, username=username, language_code="zh-hans")

    def group(self, title: str = "幸福里群") -> Where:
        return Where(-1_000_000_000_000 - self.ids.take("chat"), "supergroup", title)

    @staticmethod
    def dm(person: Person) -> Where:
        return Where(person.telegram_id, "private")

    # -- updates -------------------------------------------------------------------------------
    def next_update_id(self) -> int:
        return self.ids.take("update")

    async def run(self, service: Service, inc: Incoming, *args: Any) -> Sent:
        """Deliver `inc` to `service` through the runner (one transaction, idempotent by update id)."""
        outcome = await self.deps.run(service, inc, *args)
        return Sent(inc, outcome, service, args)

    async def redeliver(self, sent: Sent) -> Sent:
        """The same update again, as Telegram may deliver it more than once."""
        return await self.run(sent.service, sent.inc, *sent.args)

    async def say(
        self,
        person: Person,
        where: Where,
        service: Service,
        text: str = "",
        *args: Any,
        update_id: int | None = None,
        **fields: Any,
    ) -> Sent:
        """A message (for a command: only its arguments as `text`) from `person` in `where`."""
        inc = Incoming(
            update_id=update_id if update_id is not None else self.next_update_id(),
            actor=person,
            chat=where,
            message_id=self.ids.take("message"),
            text=text,
            **fields,
        )
        return await self.run(service, inc, *args)

    async def press(self, person: Person, where: Where, service: Service, *args: Any) -> Sent:
        """A button press on a bot message in `where`, routed to `service` with its decoded arguments."""
        update_id = self.next_update_id()
        inc = Incoming(
            update_id=update_id,
            actor=person,
            chat=where,
            message_id=self.ids.take("message"),
            callback_id=f"cb{update_id}",
            kind="callback_query",
        )
        return await self.run(service, inc, *args)

    # -- readers -------------------------------------------------------------------------------
    def uow(self) -> UnitOfWork:
        return self.deps.uow()

    async def community(self, name: str = HOME) -> Community:
        async with self.uow() as uow:
            found = await uow.communities.find_by_name(name)
            assert found is not None, f"no community {name}"
            return found

    async def user(self, person: Person) -> User:
        async with self.uow() as uow:
            found = await uow.users.find_by_telegram_id(person.telegram_id)
            assert found is not None, f"{person.first_name} was never seen"
            return found

    async def request(self, number: int, community: str = HOME) -> Request:
        home = await self.community(community)
        async with self.uow() as uow:
            found = await uow.requests.find_by_number(home.id, number)
            assert found is not None, f"no request #{number}"
            return found

    async def request_count(self) -> int:
        async with self.uow() as uow:
            return int((await uow.session.execute(select(func.count()).select_from(Request))).scalar_one())

    async def events(self, number: int) -> list[str]:
        request = await self.request(number)
        async with self.uow() as uow:
            return [e.kind for e in await uow.requests.history(request.id)]

    async def points(self, person: Person, community: str = HOME) -> Points:
        home = await self.community(community)
        user = await self.user(person)
        async with self.uow() as uow:
            account = await uow.points.find_account(home.id, user.id)
            if account is None:
                return Points(0, 0, [])
            entries = await uow.points.entries(account.id, 1000)
            total = await uow.points.sum_of_entries(account.id)
            return Points(account.balance, total, [(e.kind, e.amount) for e in reversed(entries)])

    async def entry_count(self) -> int:
        async with self.uow() as uow:
            query = select(func.count()).select_from(PointEntry)
            return int((await uow.session.execute(query)).scalar_one())

    async def mark(self) -> int:
        """The newest outbox row id now: `rows_since(mark)` are the rows written after it."""
        async with self.uow() as uow:
            newest = (await uow.session.execute(select(func.max(OutboxMessage.id)))).scalar_one()
            return int(newest or 0)

    async def rows_since(self, mark: int, where: Where | int | None = None) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.id > mark).order_by(OutboxMessage.id)
        if where is not None:
            query = query.where(OutboxMessage.chat_id == _chat_id(where))
        async with self.uow() as uow:
            return list((await uow.session.execute(query)).scalars())

    async def outbox(self, where: Where | int) -> list[OutboxMessage]:
        """The pending outbox rows for a chat, in the order they were queued."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == _chat_id(where), OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
        )
        async with self.uow() as uow:
            return list((await uow.session.execute(query)).scalars())

    async def processed(self) -> int:
        async with self.uow() as uow:
            query = select(func.count()).select_from(ProcessedUpdate)
            return int((await uow.session.execute(query)).scalar_one())

    async def snapshot(self, number: int) -> dict[str, Any]:
        """Everything stored about a request and around it, to show that something changed nothing."""
        request = await self.request(number)
        async with self.uow() as uow:
            history = await uow.requests.history(request.id)
            entries = (await uow.session.execute(select(PointEntry).order_by(PointEntry.id))).scalars()
            return {
                "request": snapshot_of(request),
                "history": [_row(e, RequestEvent) for e in history],
                "ledger": [_row(e, PointEntry) for e in entries],
            }

    async def card(self, number: int, where: Where | int) -> RenderedCard:
        """The request card as the sender would draw it for this chat right now."""
        request = await self.request(number)
        draw = request_cards.card_functions(self.deps.env)[request_cards.CARD]
        async with self.uow() as uow:
            rendered = await draw(uow, request.id, _chat_id(where))
        assert rendered is not None
        return rendered


def _chat_id(where: Where | int) -> int:
    return where if isinstance(where, int) else where.chat_id


def _row(row: Any, model: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in model.__table__.columns}


def snapshot_of(request: Request) -> dict[str, Any]:
    """Every column of a request row."""
    return _row(request, Request)


def callback_data(buttons: list[list[dict[str, str]]] | None) -> list[str]:
    """The callback_data of every button of a keyboard (as stored in `buttons` JSON), row by row."""
    return [b["data"] for row in buttons or [] for b in row if "data" in b]


def kinds(rows: list[OutboxMessage]) -> list[str]:
    return [r.kind for r in rows]


# -- a community, set up the way the product does it ------------------------------------------
@dataclass(frozen=True)
class Estate:
    group: Where
    staff_group: Where
    resident: Person
    volunteer: Person


async def bind(bench: Bench, where: Where, *, staff: bool = False, name: str = HOME) -> None:
    """The admin runs `/bind [staff] <community>` in a group."""
    await bench.say(bench.admin, where, groups.bind, f"staff {name}" if staff else name)


async def resident(bench: Bench, group: Where, name: str, *, started: bool = True) -> Person:
    """Someone writes in the bound group (and becomes a resident), then starts the bot privately."""
    person = bench.person(name)
    await bench.say(person, group, intake.group_message, "大家好")
    if started:
        await bench.say(person, bench.dm(person), people.start)
    return person


async def volunteer(bench: Bench, group: Where, name: str, line: str = VOLUNTEER_LINE) -> Person:
    """A resident who registers as a volunteer in private with the one-line `/volunteer`."""
    person = await resident(bench, group, name)
    await bench.say(person, bench.dm(person), registration.register, line)
    return person


async def estate(bench: Bench) -> Estate:
    group = bench.group("幸福里群")
    staff_group = bench.group("幸福里工作群")
    await bind(bench, group)
    await bind(bench, staff_group, staff=True)
    asker = await resident(bench, group, "张阿姨")
    helper = await volunteer(bench, group, "老王")
    return Estate(group, staff_group, asker, helper)


async def file_request(bench: Bench, home: Estate, text: str = LEAK, *, by: Person | None = None) -> Request:
    """A resident writes a #求助 message in the group; the request it filed."""
    before = await bench.request_count()
    await bench.say(by or home.resident, home.group, intake.group_message, text)
    return await bench.request(before + 1)
