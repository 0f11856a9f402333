"""退出: `/leave <n>` or the button, until a set time before the start (then: ask staff); staff
remove someone with `/activity <n> remove @name` at any time. A freed place goes to the waitlist."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.activities import cards
from bot.services.activities.access import button_activity, facts, leave_cutoff, local_time, member_activity
from bot.services.activities.waitlist import fill_places
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome, toast
from storage.models import Activity, Community, Signup
from storage.repositories.activities import SIGNED
from storage.uow import UnitOfWork


async def take_off(
    uow: UnitOfWork, env: Env, activity: Activity, community: Community, signup: Signup, to: str
) -> bool:
    """The sign-up leaves (`left`, or `removed` by staff); a place it held goes to the waitlist."""
    held = signup.status == "joined"
    if not await uow.activities.move_signup(signup.id, to, from_=SIGNED):
        return False
    if held:
        await uow.activities.give_back_place(activity.id)
        await uow.activities.refresh(activity)
        await fill_places(uow, env, activity, community)
        await uow.activities.refresh(activity)
    await cards.changed(uow, env, activity)
    return True


async def leave(uow: UnitOfWork, env: Env, actor: Actor, activity: Activity, community: Community) -> None:
    now = uow.clock()
    signup = await uow.activities.find_signup(activity.id, actor.user.id)
    if signup is None or signup.status not in SIGNED:
        raise Refused("activities/not_signed_up", **facts(activity, community))
    if activity.status != "open" or now >= activity.ends_at:
        raise Refused("activities/already_over", **facts(activity, community))
    if signup.status == "joined" and now >= leave_cutoff(env, activity):
        raise Refused(
            "activities/leave_too_late",
            **facts(activity, community),
            minutes=env.settings.activity_leave_cutoff_minutes,
            cutoff=local_time(leave_cutoff(env, activity), community),
        )
    if not await take_off(uow, env, activity, community, signup, "left"):
        raise Refused("activities/not_signed_up", **facts(activity, community))


async def leave_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    actor = await identify(uow, env, inc)
    activity, community = await member_activity(uow, actor, inc.text, "activities/leave_usage")
    await leave(uow, env, actor, activity, community)
    await messages.reply(uow, env, inc, actor.locale, "activities/left", **facts(activity, community))


async def leave_button(uow: UnitOfWork, env: Env, inc: Incoming, activity_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    activity, community = await button_activity(uow, actor, activity_id)
    await leave(uow, env, actor, activity, community)
    answer = toast(env, actor, "activities/left", **facts(activity, community))
    return Outcome(toast=answer.toast, alert=True)
