"""Attendance: who came earns the activity's points once, through the ledger; who did not is a
no-show, and after too many no-shows a person may not sign up for a while (and is told why)."""

from __future__ import annotations

from datetime import timedelta

from bot.services.activities.access import local_time
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import ours
from storage.models import Activity, Community, Signup
from storage.uow import UnitOfWork


def earn_key(activity: Activity, signup: Signup) -> str:
    return f"activity:{activity.id}:attend:{signup.user_id}"


async def attend(uow: UnitOfWork, activity: Activity, signup: Signup, by_id: int | None) -> bool:
    """Mark the person as come (from joined, or from a no-show staff correct) and award the
    activity's points, once: the move is conditional and the ledger key unique."""
    if not await uow.activities.move_signup(
        signup.id, "attended", from_=("joined", "no_show"), checked_in_by_id=by_id
    ):
        return False
    if activity.points > 0:
        account = await uow.points.open_account(activity.community_id, signup.user_id)
        await uow.points.post(
            account,
            activity.points,
            kind="earn",
            reason="activity",
            key=earn_key(activity, signup),
            ref_id=activity.id,
            actor_id=by_id,
        )
    return True


async def check_not_barred(uow: UnitOfWork, env: Env, community: Community, user_id: int) -> None:
    """Refused, with the count and the day it ends, for someone with too many recent no-shows."""
    limit = env.settings.activity_no_show_limit
    if limit <= 0:
        return
    now = uow.clock()
    since = now - timedelta(days=env.settings.activity_no_show_days)
    ends = await uow.activities.no_shows_since(community.id, user_id, since)
    if len(ends) < limit:
        return
    until = ends[0] + timedelta(days=env.settings.activity_barred_days)
    if now < until:
        raise Refused(
            "activities/barred",
            count=len(ends),
            days=env.settings.activity_no_show_days,
            until=ours(local_time(until, community)[:10]),
        )
