"""Rule 3 on PostgreSQL: contended changes are conditional, with two real connections racing.

No in-process lock guards any of these: each side has its own session and connection, and both
start together behind a barrier."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.points import ledger
from storage.engine import make_engine, make_sessions
from storage.models import Community, Membership, Request, User
from storage.request_states import Step
from storage.uow import UnitOfWork
from tests.conftest import Clock, reset_schema

CLOCK = Clock()  # one fixed test clock for every unit of work here


async def test_two_staff_deciding_on_a_volunteer_at_once_only_one_wins(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        community = await uow.communities.add(
            Community(name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN")
        )
        user = await uow.users.add(User(telegram_id=1, first_name="老张"))
        membership = await uow.memberships.add(
            Membership(user_id=user.id, community_id=community.id, volunteer_status="pending")
        )
        await uow.commit()
    barrier = asyncio.Barrier(2)

    async def decide(to: str) -> bool:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            await uow.session.execute(text("select 1"))  # each on its own connection, in a transaction
            await barrier.wait()
            changed = await uow.memberships.set_volunteer_status(membership.id, {"pending"}, to)
            await asyncio.sleep(0.05)  # hold the row lock a moment so the other really waits on it
            await uow.commit()
            return changed

    try:
        results = await asyncio.gather(decide("active"), decide("none"))
        assert sorted(results) == [False, True]
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            final = await uow.memberships.get(membership.id)
            assert final is not None
            assert final.volunteer_status == ("active" if results[0] else "none")
    finally:
        await engine.dispose()


async def _open_request(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """A community with one open request and two volunteers: (request id, volunteer a, volunteer b)."""
    now = CLOCK()
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        community = await uow.communities.add(
            Community(name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN")
        )
        resident = await uow.users.add(User(telegram_id=1, first_name="张阿姨"))
        a = await uow.users.add(User(telegram_id=2, first_name="老王"))
        b = await uow.users.add(User(telegram_id=3, first_name="小李"))
        request = await uow.requests.add(
            Request(
                community_id=community.id,
                number=await uow.requests.next_number(community.id),
                requester_id=resident.id,
                filed_by_id=resident.id,
                text="楼道灯坏了",
                category="repair",
                complexity="simple",
                points=10,
                respond_by=now,
                resolve_by=now,
            )
        )
        await uow.commit()
        return request.id, a.id, b.id


async def test_two_volunteers_claiming_at_the_same_moment_exactly_one_wins(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    request_id, a, b = await _open_request(sessions)
    barrier = asyncio.Barrier(2)

    async def claim(volunteer_id: int) -> bool:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:  # its own session and connection
            request = await uow.requests.get(request_id)
            assert request is not None and request.status == "open"  # both saw it open
            await barrier.wait()
            won = await uow.requests.transition(request, Step.CLAIM, volunteer_id=volunteer_id)
            await asyncio.sleep(0.05)  # hold the row lock so the other really waits on it
            await uow.commit()
            return won

    try:
        results = await asyncio.gather(claim(a), claim(b))
        assert sorted(results) == [False, True]
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            final = await uow.requests.get(request_id)
            assert final is not None and final.status == "claimed"
            assert final.volunteer_id == (a if results[0] else b)
    finally:
        await engine.dispose()


async def test_two_confirmations_at_once_award_the_points_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    request_id, a, _ = await _open_request(sessions)
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        request = await uow.requests.get(request_id)
        assert request is not None
        assert await uow.requests.transition(request, Step.CLAIM, volunteer_id=a)
        assert await uow.requests.transition(request, Step.DONE)
        await uow.commit()
    barrier = asyncio.Barrier(2)

    async def confirm() -> bool:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            request = await uow.requests.get(request_id)
            assert request is not None
            await barrier.wait()
            if not await uow.requests.transition(request, Step.CONFIRM):
                return False
            awarded = await ledger.award_for_request(uow, request, None)
            await uow.commit()
            return awarded

    try:
        results = await asyncio.gather(confirm(), confirm())
        assert sorted(results) == [False, True]
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            account = await uow.points.find_account(1, a)
            assert account is not None
            assert account.balance == await uow.points.sum_of_entries(account.id) == 10
    finally:
        await engine.dispose()


async def test_two_debits_at_once_never_overdraw_the_balance(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    _, a, _ = await _open_request(sessions)
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        account = await uow.points.open_account(1, a)
        assert await uow.points.post(account, 10, kind="earn", reason="request", key="seed")
        await uow.commit()
    barrier = asyncio.Barrier(2)

    async def spend(key: str) -> bool:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            account = await uow.points.open_account(1, a)
            await barrier.wait()
            spent = await uow.points.post(account, -8, kind="spend", reason="redemption", key=key)
            await asyncio.sleep(0.05)
            await uow.commit()
            return spent

    try:
        results = await asyncio.gather(spend("haircut:1"), spend("haircut:2"))
        assert sorted(results) == [False, True]
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            account = await uow.points.open_account(1, a)
            assert account.balance == await uow.points.sum_of_entries(account.id) == 2
    finally:
        await engine.dispose()
