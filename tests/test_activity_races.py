"""Rule 3 for activities: fifty people press 报名 for the last place at the same moment, each on
its own connection behind a barrier. No in-process lock guards it: the conditional UPDATE of the
activity's count does. Exactly one gets the place; the others wait in press order."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.render import Renderer
from bot.services.activities import join, leave
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.engine import make_engine, make_sessions
from storage.models import Activity, Community, Membership, User
from storage.uow import UnitOfWork
from tests.conftest import Clock, make_settings, reset_schema

CLOCK = Clock()
RACERS = 50
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _env(url: str) -> Env:
    return Env(settings=make_settings(url), renderer=Renderer("zh_CN", TEMPLATES), clock=CLOCK)


async def _seed(sessions: async_sessionmaker[AsyncSession], people: int, capacity: int) -> None:
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        community = await uow.communities.add(
            Community(name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN")
        )
        users = []
        for n in range(people + 1):
            user = await uow.users.add(User(telegram_id=100 + n, first_name=f"居民{n}", started=True))
            await uow.memberships.add(Membership(user_id=user.id, community_id=community.id))
            users.append(user)
        await uow.activities.add(
            Activity(
                community_id=community.id,
                number=1,
                title="楼道大扫除",
                place="3号楼门口",
                starts_at=CLOCK.now + timedelta(days=1),
                ends_at=CLOCK.now + timedelta(days=1, hours=2),
                capacity=capacity,
                joined=0,
                created_by_id=users[0].id,
                checkin_token="race-token",
            )
        )
        await uow.commit()


async def _press(
    sessions: async_sessionmaker[AsyncSession],
    env: Env,
    presses: list[tuple[int, int]],
    barrier: asyncio.Barrier,
) -> list[str]:
    """Each (user id, update id) presses at once; what each got."""

    async def one(user_id: int, press: int) -> str:
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            await uow.session.execute(text("select 1"))  # its own connection, in a transaction
            user = await uow.users.get(user_id)
            activity = await uow.activities.get(1)
            community = await uow.communities.get(1)
            assert user is not None and activity is not None and community is not None
            actor = Actor(user, None, None, None, False, "zh_CN")
            await barrier.wait()
            try:
                status, _ = await join.sign_up(
                    uow, env, actor, activity, community, press=press, chat_id=None
                )
            except Refused as refusal:
                return refusal.template
            await uow.commit()
            return status

    return list(await asyncio.gather(*(one(u, p) for u, p in presses)))


async def _queue(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, list[int], list[int]]:
    """The activity's count, the joined people's presses and the waitlist's presses in its order."""
    async with UnitOfWork(sessions, clock=CLOCK) as uow:
        activity = await uow.activities.get(1)
        assert activity is not None
        joined = [s.press for s, _ in await uow.activities.signups(1, ("joined",))]
        waiting = [s.press for s in await uow.activities.waitlist(1)]
        return activity.joined, joined, waiting


async def _fifty_for_the_last_place(url: str, pool: dict[str, int]) -> None:
    engine = make_engine(url, **pool)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    try:
        await _seed(sessions, RACERS, capacity=1)
        presses = [(user_id, 1000 + user_id) for user_id in range(2, RACERS + 2)]
        results = await _press(sessions, _env(url), presses, asyncio.Barrier(RACERS))

        assert sorted(results) == ["joined"] + ["waitlisted"] * (RACERS - 1)
        count, joined, waiting = await _queue(sessions)
        assert count == 1 and len(joined) == 1
        assert waiting == sorted(p for _, p in presses if p not in joined)  # press order

        # The one with the place leaves: the earliest press on the waitlist takes it.
        async with UnitOfWork(sessions, clock=CLOCK) as uow:
            signup = (await uow.activities.signups(1, ("joined",)))[0][0]
            user = await uow.users.get(signup.user_id)
            activity, community = await uow.activities.get(1), await uow.communities.get(1)
            assert user is not None and activity is not None and community is not None
            await leave.leave(
                uow, _env(url), Actor(user, None, None, None, False, "zh_CN"), activity, community
            )
            await uow.commit()
        count, now_joined, still_waiting = await _queue(sessions)
        assert count == 1 and now_joined == [waiting[0]] and still_waiting == waiting[1:]
    finally:
        await engine.dispose()


async def test_fifty_presses_for_the_last_place_on_postgres_give_it_to_one(postgres_url: str) -> None:
    await _fifty_for_the_last_place(postgres_url, {"pool_size": RACERS, "max_overflow": 0})


async def test_fifty_presses_for_the_last_place_on_sqlite_give_it_to_one(sqlite_url: str) -> None:
    await _fifty_for_the_last_place(sqlite_url, {"pool_size": RACERS, "max_overflow": 0})


async def test_one_person_pressing_fifty_times_at_once_on_postgres_signs_up_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=RACERS, max_overflow=0)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    try:
        await _seed(sessions, 1, capacity=10)
        presses = [(2, 5000 + n) for n in range(RACERS)]
        results = await _press(sessions, _env(postgres_url), presses, asyncio.Barrier(RACERS))

        assert results.count("joined") == 1
        assert set(results) - {"joined"} <= {"activities/already_joined"}
        count, joined, waiting = await _queue(sessions)
        assert count == 1 and len(joined) == 1 and waiting == []
    finally:
        await engine.dispose()
