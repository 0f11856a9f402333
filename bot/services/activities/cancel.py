"""Staff cancel an activity: everyone signed up or waiting is told, the waitlist is cleared, the
reminders are dropped and the group cards say so (without buttons)."""

from __future__ import annotations

from typing import Any

from bot.services.activities import cards, reminders
from bot.services.activities.access import facts
from bot.services.shared import messages
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Activity, Community
from storage.uow import UnitOfWork


async def tell_participants(
    uow: UnitOfWork,
    env: Env,
    activity: Activity,
    community: Community,
    key: str,
    template: str,
    **context: Any,
) -> int:
    """A private message (else a mention in the group they signed up in) to everyone signed up or waiting."""
    groups = await uow.activities.group_chats(activity.id)
    told = 0
    for signup, user in await uow.activities.signups(activity.id, ("joined", "waitlisted")):
        await messages.tell(
            uow,
            env,
            f"{key}:{signup.user_id}",
            user,
            template,
            fallback_chat_id=signup.chat_id or (groups[0] if groups else None),
            fallback_locale=community.locale,
            **facts(activity, community),
            **context,
        )
        told += 1
    return told


async def cancel_activity(
    uow: UnitOfWork, env: Env, activity: Activity, community: Community, key: str
) -> int:
    if activity.status == "cancelled":
        raise Refused("activities/cancelled", **facts(activity, community))
    if activity.status != "open" or uow.clock() >= activity.ends_at:
        raise Refused("activities/already_over", **facts(activity, community))
    told = await tell_participants(
        uow, env, activity, community, f"act:{activity.id}:cancelled", "activities/told_cancelled"
    )
    if not await uow.activities.change_status(activity.id, "cancelled"):
        raise Refused("activities/already_over", **facts(activity, community))
    await uow.activities.clear_waitlist(activity.id)
    await reminders.drop_reminders(uow, activity)
    await uow.activities.refresh(activity)
    await cards.changed(uow, env, activity)
    return told
