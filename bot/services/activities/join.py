"""报名: `/join <n>`, or 报名 on the group card or in /activities. A place if one is left, else the
waitlist in press order. Under contention the place is taken by a conditional UPDATE of the
activity's count, so fifty presses for the last place give it to exactly one."""

from __future__ import annotations

from typing import Any

from bot.incoming import Incoming
from bot.services.activities import cards
from bot.services.activities.access import button_activity, facts, member_activity
from bot.services.activities.attendance import check_not_barred
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome, toast
from storage.models import Activity, Community
from storage.uow import UnitOfWork

ALREADY = {
    "joined": "activities/already_joined",
    "waitlisted": "activities/already_waitlisted",
    "attended": "activities/already_joined",
    "removed": "activities/removed_by_staff",
    "no_show": "activities/already_over",
}


async def check_joinable(
    uow: UnitOfWork, env: Env, actor: Actor, activity: Activity, community: Community
) -> None:
    now = uow.clock()
    if activity.status == "cancelled":
        raise Refused("activities/cancelled", **facts(activity, community))
    if activity.status != "open" or now >= activity.ends_at:
        raise Refused("activities/already_over", **facts(activity, community))
    if now >= activity.starts_at:
        raise Refused("activities/already_started", **facts(activity, community))
    if activity.signup_deadline is not None and now >= activity.signup_deadline:
        raise Refused("activities/deadline_passed", **facts(activity, community))
    membership = await uow.memberships.find(actor.user.id, community.id)
    if membership is None and not actor.is_super:
        raise Refused("activities/unknown", n=activity.number)
    if activity.audience == "volunteers" and (membership is None or membership.volunteer_status != "active"):
        raise Refused("activities/volunteers_only", **facts(activity, community))
    await check_not_barred(uow, env, community, actor.user.id)


async def sign_up(
    uow: UnitOfWork,
    env: Env,
    actor: Actor,
    activity: Activity,
    community: Community,
    *,
    press: int,
    chat_id: int | None,
) -> tuple[str, int]:
    """Sign this person up: ("joined", 0) or ("waitlisted", their place in the queue)."""
    await check_joinable(uow, env, actor, activity, community)
    if not await uow.activities.claim_signup(activity.id, actor.user.id, press, chat_id):
        existing = await uow.activities.find_signup(activity.id, actor.user.id)
        status = existing.status if existing is not None else "joined"
        raise Refused(ALREADY.get(status, "activities/already_joined"), **facts(activity, community))
    signup = await uow.activities.find_signup(activity.id, actor.user.id)
    assert signup is not None
    if await uow.activities.take_place(activity.id):
        await uow.activities.move_signup(signup.id, "joined", from_=("waitlisted",))
        result = ("joined", 0)
    else:
        await uow.activities.refresh(activity)
        if activity.status != "open":  # cancelled or ended this very moment
            raise Refused("activities/already_over", **facts(activity, community))
        result = ("waitlisted", await uow.activities.waitlist_position(signup))
    await uow.activities.refresh(activity)
    await cards.changed(uow, env, activity)
    return result


def _answer_context(activity: Activity, community: Community, status: str, position: int) -> dict[str, Any]:
    left = cards.places_left(activity)
    return {**facts(activity, community), "status": status, "position": position, "left": left}


async def join_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/join <n>: in a group for its community's activity; in private for one of the person's."""
    actor = await identify(uow, env, inc)
    activity, community = await member_activity(uow, actor, inc.text, "activities/join_usage")
    status, position = await sign_up(
        uow,
        env,
        actor,
        activity,
        community,
        press=inc.update_id,
        chat_id=actor.chat.telegram_id if actor.chat else None,
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "activities/signed_up",
        **_answer_context(activity, community, status, position),
    )


async def join_button(uow: UnitOfWork, env: Env, inc: Incoming, activity_id: int) -> Outcome:
    """报名 under the group card or in /activities: answered in a pop-up only the presser sees."""
    actor = await identify(uow, env, inc)
    activity, community = await button_activity(uow, actor, activity_id)
    status, position = await sign_up(
        uow,
        env,
        actor,
        activity,
        community,
        press=inc.update_id,
        chat_id=actor.chat.telegram_id if actor.chat else None,
    )
    answer = toast(
        env, actor, "activities/signed_up", **_answer_context(activity, community, status, position)
    )
    return Outcome(toast=answer.toast, alert=True)
