"""Reminders 24 h and 2 h before the start, privately (else a mention in the group), once each.

They are schedules of the one scheduling mechanism (bot/services/schedule/plans.py), keyed
(activity_reminder, "<id>:24h"): moving the activity plans them again (replacing them), cancelling
drops them, and a fire is recorded with its time, so it happens once across restarts. The
message key holds the start time the fire was for, so a moved activity reminds again."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.activities.access import facts
from bot.services.schedule.plans import Fire, FireHandlers, drop, plan
from bot.services.shared import messages
from bot.services.shared.env import Env
from bot.when import Rule
from storage.models import Activity, Community
from storage.uow import UnitOfWork

KIND = "activity_reminder"
BEFORE = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


def _key(activity: Activity, which: str) -> str:
    return f"{activity.id}:{which}"


async def plan_reminders(uow: UnitOfWork, env: Env, activity: Activity, community: Community) -> None:
    """Plan (or move) both reminders; one whose time has passed already is dropped."""
    now = uow.clock()
    for which, before in BEFORE.items():
        at = activity.starts_at - before
        if at > now:
            await plan(
                uow,
                env,
                kind=KIND,
                key=_key(activity, which),
                rule=Rule.once(at),
                tz=community.timezone,
                community_id=community.id,
                payload={
                    "activity_id": activity.id,
                    "which": which,
                    "starts_at": activity.starts_at.isoformat(),
                },
                created_by=activity.created_by_id,
            )
        else:
            await drop(uow, kind=KIND, key=_key(activity, which))


async def drop_reminders(uow: UnitOfWork, activity: Activity) -> None:
    for which in BEFORE:
        await drop(uow, kind=KIND, key=_key(activity, which))


async def remind(uow: UnitOfWork, env: Env, fire: Fire) -> None:
    """A reminder is due: tell everyone holding a place, unless the activity moved, was cancelled
    or has started (then this fire is stale and sends nothing)."""
    activity = await uow.activities.get(int(fire.payload.get("activity_id", 0)))
    if activity is None or activity.status != "open":
        return
    if datetime.fromisoformat(str(fire.payload.get("starts_at"))) != activity.starts_at:
        return
    if uow.clock() >= activity.starts_at:
        return
    community = await uow.communities.get(activity.community_id)
    assert community is not None
    groups = await uow.activities.group_chats(activity.id)
    which = str(fire.payload.get("which", ""))
    for signup, user in await uow.activities.signups(activity.id, ("joined",)):
        await messages.tell(
            uow,
            env,
            f"act:{activity.id}:remind:{which}:{activity.starts_at.isoformat()}:{signup.user_id}",
            user,
            "activities/reminder",
            fallback_chat_id=signup.chat_id or (groups[0] if groups else None),
            fallback_locale=community.locale,
            **facts(activity, community),
            which=which,
        )


def fire_handlers(env: Env) -> FireHandlers:
    """The schedule kinds this feature handles, for the composition root."""
    return {KIND: remind}
