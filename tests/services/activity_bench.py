"""Shared steps for activity service tests: publish an activity from typed values, read sign-ups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.services.activities.create import create_activity
from bot.services.activities.fields import Draft
from storage.models import Activity, Signup
from tests.services.bench import HOME, Bench


async def publish(
    bench: Bench,
    *,
    capacity: int | None = 2,
    starts_in: timedelta = timedelta(days=2),
    length: timedelta = timedelta(hours=2),
    points: int = 10,
    audience: str = "everyone",
    title: str = "楼道大扫除",
) -> Activity:
    """Staff publish an activity (the values as the one-line form or the flow would have read them)."""
    async with bench.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        admin = await uow.users.find_by_telegram_id(bench.admin.telegram_id)
        assert community is not None and admin is not None
        starts_at = bench.clock.now + starts_in
        draft = Draft(
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + length,
            place="3号楼门口",
            capacity=capacity,
            points=points,
            audience=audience,
        )
        activity, _ = await create_activity(uow, bench.deps.env, admin, community, draft)
        await uow.commit()
        return activity


async def activity(bench: Bench, activity_id: int) -> Activity:
    async with bench.uow() as uow:
        found = await uow.activities.get(activity_id)
        assert found is not None
        return found


async def statuses(bench: Bench, activity_id: int) -> list[tuple[str, str]]:
    """(first name, status) of every sign-up, in press order."""
    async with bench.uow() as uow:
        rows = await uow.activities.signups(
            activity_id, ("joined", "waitlisted", "left", "removed", "attended", "no_show")
        )
        return [(user.first_name, signup.status) for signup, user in rows]


async def snapshot(bench: Bench, activity_id: int) -> dict[str, Any]:
    """The activity row and its sign-ups, to show that something changed nothing."""
    async with bench.uow() as uow:
        found = await uow.activities.get(activity_id)
        assert found is not None
        signups = (
            await uow.session.execute(
                select(Signup).where(Signup.activity_id == activity_id).order_by(Signup.id)
            )
        ).scalars()
        return {
            "activity": {c.key: getattr(found, c.key) for c in Activity.__table__.columns},
            "signups": [{c.key: getattr(s, c.key) for c in Signup.__table__.columns} for s in signups],
        }
