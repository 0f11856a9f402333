"""The points shop on PostgreSQL under contention: 50 redemptions at the same moment, each on its
own connection, started together behind a barrier. No in-process lock guards any of it: the
conditional UPDATEs of the stock and the balance do."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.render import Renderer
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shop import redeem
from storage.engine import make_engine, make_sessions
from storage.models import Community, Membership, PointAccount, PointEntry, Redemption, Reward, User
from storage.uow import UnitOfWork
from tests.conftest import Clock, make_settings, reset_schema

CLOCK = Clock()
RACERS = 50
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


async def _seed(sessions: async_sessionmaker[AsyncSession], people: int, points: int, stock: int) -> None:
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        community = await uow.communities.add(
            Community(name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN")
        )
        for n in range(people):
            user = await uow.users.add(User(telegram_id=100 + n, first_name=f"居民{n}", started=True))
            await uow.memberships.add(Membership(user_id=user.id, community_id=community.id))
            account = await uow.points.open_account(community.id, user.id)
            assert await uow.points.post(account, points, kind="earn", reason="request", key=f"seed:{n}")
        await uow.rewards.add(
            Reward(community_id=community.id, name="理发券", cost=50, stock=stock, reserved=0)
        )
        await uow.commit()


async def _race(sessions: async_sessionmaker[AsyncSession], env: Env, user_ids: list[int]) -> list[bool]:
    barrier = asyncio.Barrier(len(user_ids))

    async def one(index: int, user_id: int) -> bool:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            await uow.session.execute(text("select 1"))  # its own connection, in a transaction
            user = await uow.users.get(user_id)
            reward = await uow.rewards.get(1)
            community = await uow.communities.get(1)
            assert user is not None and reward is not None and community is not None
            actor = Actor(user, None, None, None, False, "zh_CN")
            await barrier.wait()
            try:
                await redeem.redeem(uow, env, actor, reward, community, key=f"race:{index}")
            except Refused:
                return False
            await uow.commit()
            return True

    return list(await asyncio.gather(*(one(i, u) for i, u in enumerate(user_ids))))


async def _totals(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with UnitOfWork(sessions, clock=CLOCK) as uow:

        async def scalar(statement: object) -> int:
            return int((await uow.session.execute(statement)).scalar_one())  # type: ignore[call-overload]

        reward = await uow.rewards.get(1)
        assert reward is not None and reward.stock is not None
        mismatched = 0
        for account in (await uow.session.execute(select(PointAccount))).scalars():
            mismatched += int(account.balance != await uow.points.sum_of_entries(account.id))
        return {
            "redemptions": await scalar(select(func.count(Redemption.id))),
            "debits": await scalar(select(func.count(PointEntry.id)).where(PointEntry.kind == "spend")),
            "reserved": reward.reserved,
            "left": reward.stock - reward.reserved,
            "negative": await scalar(select(func.count(PointAccount.id)).where(PointAccount.balance < 0)),
            "mismatched": mismatched,
        }


def _env(url: str) -> Env:
    return Env(settings=make_settings(url), renderer=Renderer("zh_CN", TEMPLATES), clock=CLOCK)


async def test_fifty_redemptions_by_one_person_whose_balance_covers_one_debit_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=RACERS, max_overflow=0)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    try:
        await _seed(sessions, people=1, points=60, stock=RACERS)
        results = await _race(sessions, _env(postgres_url), [1] * RACERS)
        assert results.count(True) == 1
        assert await _totals(sessions) == {
            "redemptions": 1, "debits": 1, "reserved": 1, "left": RACERS - 1, "negative": 0, "mismatched": 0,
        }  # fmt: skip
    finally:
        await engine.dispose()


async def test_fifty_redemptions_by_one_person_of_a_stock_of_one_reserve_it_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=RACERS, max_overflow=0)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    try:
        await _seed(sessions, people=1, points=60, stock=1)
        results = await _race(sessions, _env(postgres_url), [1] * RACERS)
        assert results.count(True) == 1
        assert await _totals(sessions) == {
            "redemptions": 1, "debits": 1, "reserved": 1, "left": 0, "negative": 0, "mismatched": 0,
        }  # fmt: skip
    finally:
        await engine.dispose()


async def test_fifty_people_racing_for_the_last_unit_get_exactly_one_code(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=RACERS, max_overflow=0)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    try:
        await _seed(sessions, people=RACERS, points=100, stock=1)
        results = await _race(sessions, _env(postgres_url), list(range(1, RACERS + 1)))
        assert results.count(True) == 1
        assert await _totals(sessions) == {
            "redemptions": 1, "debits": 1, "reserved": 1, "left": 0, "negative": 0, "mismatched": 0,
        }  # fmt: skip
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            (code,) = (await uow.session.execute(select(Redemption.code))).scalars()
            assert len(code) == 8
    finally:
        await engine.dispose()


async def test_a_fulfilment_and_an_expiry_at_the_same_moment_cannot_both_happen(postgres_url: str) -> None:
    from bot.services.shop import refund
    from storage.repositories.redemptions import EXPIRED, FULFILLED

    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    env = _env(postgres_url)
    try:
        await _seed(sessions, people=1, points=60, stock=1)
        assert await _race(sessions, env, [1]) == [True]
        barrier = asyncio.Barrier(2)

        async def hand_over() -> bool:
            async with UnitOfWork(sessions, clock=CLOCK) as uow:
                redemption = await uow.redemptions.get(1)
                assert redemption is not None
                await barrier.wait()
                done = await uow.redemptions.leave_pending(redemption, FULFILLED, fulfilled_at=CLOCK())
                if done:
                    await uow.rewards.release(1, handed_over=True)
                await asyncio.sleep(0.05)  # hold the row so the other really waits on it
                await uow.commit()
                return done

        async def expire() -> bool:
            async with UnitOfWork(sessions, clock=CLOCK) as uow:
                redemption = await uow.redemptions.get(1)
                assert redemption is not None
                await barrier.wait()
                done = await refund.give_back(uow, env, redemption, EXPIRED, None) is not None
                await asyncio.sleep(0.05)
                await uow.commit()
                return done

        results = await asyncio.gather(hand_over(), expire())
        assert sorted(results) == [False, True]
        totals = await _totals(sessions)
        assert totals["reserved"] == 0 and totals["negative"] == 0 and totals["mismatched"] == 0
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            account = await uow.points.find_account(1, 1)
            assert account is not None
            assert account.balance == (10 if results[0] else 60)
    finally:
        await engine.dispose()
