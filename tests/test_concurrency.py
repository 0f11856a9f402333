"""Rule 3 on PostgreSQL: contended changes are conditional, with two real connections racing."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from storage.engine import make_engine, make_sessions
from storage.models import Community, Membership, User
from storage.uow import UnitOfWork
from tests.conftest import reset_schema


async def test_two_staff_deciding_on_a_volunteer_at_once_only_one_wins(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    sessions = make_sessions(engine)
    async with UnitOfWork(sessions) as uow:
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
        async with UnitOfWork(sessions) as uow:
            await uow.session.execute(text("select 1"))  # each on its own connection, in a transaction
            await barrier.wait()
            changed = await uow.memberships.set_volunteer_status(membership.id, {"pending"}, to)
            await asyncio.sleep(0.05)  # hold the row lock a moment so the other really waits on it
            await uow.commit()
            return changed

    try:
        results = await asyncio.gather(decide("active"), decide("none"))
        assert sorted(results) == [False, True]
        async with UnitOfWork(sessions) as uow:
            final = await uow.memberships.by_id(membership.id)
            assert final is not None
            assert final.volunteer_status == ("active" if results[0] else "none")
    finally:
        await engine.dispose()
