"""Points by hand on PostgreSQL with real connections racing: a large award confirmed by two staff
members at the same moment is posted once, and two deductions at once never overdraw."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.points import awards
from storage.engine import make_engine, make_sessions
from storage.models import Community, PointAward, PointEntry, User
from storage.uow import UnitOfWork
from tests.conftest import Clock, reset_schema

CLOCK = Clock()


async def _community(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """A community with a resident and a staff member: (community id, resident id, staff id)."""
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        community = await uow.communities.add(
            Community(name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN")
        )
        wang = await uow.users.add(User(telegram_id=1, first_name="老王"))
        staff = await uow.users.add(User(telegram_id=2, first_name="小李"))
        await uow.commit()
        return community.id, wang.id, staff.id


async def test_two_staff_confirming_a_large_award_at_once_post_it_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    community, wang, staff = await _community(sessions)
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        award = await uow.points.add_award(
            PointAward(
                key="u1", community_id=community, user_id=wang, amount=150, reason="大扫除",
                actor_id=staff, status="pending",
            )
        )  # fmt: skip
        await uow.commit()
    barrier = asyncio.Barrier(2)

    async def confirm(by: int) -> bool:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            await uow.session.execute(text("select 1"))
            await barrier.wait()
            if not await uow.points.decide_award(award.id, "confirmed", by):
                return False
            found = await uow.points.get_award(award.id)
            assert found is not None
            await asyncio.sleep(0.05)  # hold the row lock so the other really waits on it
            posted = await awards.post_award(uow, found, found.actor_id)
            await uow.commit()
            return posted is not None

    try:
        results = await asyncio.gather(confirm(staff), confirm(wang))
        assert sorted(results) == [False, True]
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            account = await uow.points.find_account(community, wang)
            assert account is not None
            assert account.balance == await uow.points.sum_of_entries(account.id) == 150
            entries = (await uow.session.execute(select(PointEntry))).scalars().all()
            assert [(e.kind, e.amount, e.ref_id) for e in entries] == [("award", 150, award.id)]
    finally:
        await engine.dispose()


async def test_two_deductions_at_once_never_take_a_balance_below_zero(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    community, wang, staff = await _community(sessions)
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        account = await uow.points.open_account(community, wang)
        assert await uow.points.post(account, 20, kind="award", reason="award", key="seed")
        await uow.commit()
    barrier = asyncio.Barrier(2)

    async def deduct(n: int) -> bool:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            await uow.session.execute(text("select 1"))
            award = await uow.points.add_award(
                PointAward(
                    key=f"u{n}", community_id=community, user_id=wang, amount=-15, reason="重复领取",
                    actor_id=staff, status="posted",
                )
            )  # fmt: skip
            await barrier.wait()
            posted = await awards.post_award(uow, award, staff)
            await asyncio.sleep(0.05)
            await uow.commit()
            return posted is not None

    try:
        results = await asyncio.gather(deduct(1), deduct(2))
        assert sorted(results) == [False, True]
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            found = await uow.points.find_account(community, wang)
            assert found is not None
            assert found.balance == await uow.points.sum_of_entries(found.id) == 5
    finally:
        await engine.dispose()
