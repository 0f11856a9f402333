"""签到: the venue shows a QR code (sent to staff on request) that opens the bot with the activity's
token, t.me/<bot>?start=act_<token>; scanning it checks the person in, from shortly before the
start to the end. Staff mark people without a phone from a list with a button each (/checkin <n>)."""

from __future__ import annotations

from typing import Any

from bot.incoming import Incoming
from bot.services.activities import cards, export
from bot.services.activities.access import (
    checkin_opens,
    facts,
    local_time,
    staff_activity,
    staff_button_activity,
)
from bot.services.activities.attendance import attend
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, reader_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome, toast
from storage.models import Activity, Community
from storage.uow import UnitOfWork

DEEP_LINK_PREFIX = "act_"


def link(env: Env, activity: Activity) -> str:
    return f"https://t.me/{env.bot_username}?start={DEEP_LINK_PREFIX}{activity.checkin_token}"


def _window(env: Env, activity: Activity, community: Community) -> dict[str, Any]:
    return {
        "opens": local_time(checkin_opens(env, activity), community),
        "closes": local_time(activity.ends_at, community),
    }


async def send_code(
    uow: UnitOfWork, env: Env, key: str, actor: Actor, activity: Activity, community: Community
) -> None:
    """The QR code (a PNG drawn when sent) and its link, to the staff member privately."""
    if not actor.user.reachable:
        raise Refused("activities/start_bot_first")
    locale = reader_locale(env, actor)
    caption = env.renderer.render(
        locale, "activities/qr_caption", **facts(activity, community), **_window(env, activity, community)
    )
    await messages.send_qr(uow, key, actor.user, link(env, activity), caption)


async def from_link(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, token: str) -> None:
    """/start act_<token>: the person scanned the venue's code."""
    activity = await uow.activities.find_by_token(token.strip())
    if activity is None:
        raise Refused("activities/checkin_unknown")
    community = await uow.communities.get(activity.community_id)
    assert community is not None
    now = uow.clock()
    if activity.status == "cancelled":
        raise Refused("activities/cancelled", **facts(activity, community))
    if now < checkin_opens(env, activity):
        raise Refused(
            "activities/checkin_early", **facts(activity, community), **_window(env, activity, community)
        )
    if activity.status != "open" or now > activity.ends_at:
        raise Refused("activities/checkin_closed", **facts(activity, community))
    signup = await uow.activities.find_signup(activity.id, actor.user.id)
    if signup is not None and signup.status == "attended":
        raise Refused("activities/checked_in_already", **facts(activity, community))
    if signup is None or signup.status != "joined":
        raise Refused("activities/checkin_not_signed_up", **facts(activity, community))
    if not await attend(uow, activity, signup, None):
        raise Refused("activities/checked_in_already", **facts(activity, community))
    await messages.refresh_card(uow, f"u{inc.update_id}", cards.CHECKIN, activity.id)
    await messages.reply(uow, env, inc, actor.locale, "activities/checked_in", **facts(activity, community))


async def _post_list(uow: UnitOfWork, inc: Incoming, activity: Activity) -> None:
    await messages.post_card(uow, f"u{inc.update_id}:list", inc.chat.chat_id, cards.CHECKIN, activity.id)


async def checkin_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/checkin <n>: the check-in list, with a button for each person who has not been marked."""
    actor = await identify(uow, env, inc)
    activity, community = await staff_activity(uow, actor, inc.text, "activities/checkin_usage")
    if activity.status == "cancelled":
        raise Refused("activities/cancelled", **facts(activity, community))
    await _post_list(uow, inc, activity)


async def list_button(uow: UnitOfWork, env: Env, inc: Incoming, activity_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    activity, _ = await staff_button_activity(uow, actor, activity_id)
    await _post_list(uow, inc, activity)
    return Outcome()


async def mark_button(uow: UnitOfWork, env: Env, inc: Incoming, activity_id: int, signup_id: int) -> Outcome:
    """⬜ name on the check-in list: that person came (their points once); the list redraws."""
    actor = await identify(uow, env, inc)
    activity, community = await staff_button_activity(uow, actor, activity_id)
    if activity.status == "cancelled":
        raise Refused("activities/cancelled", **facts(activity, community))
    if uow.clock() < checkin_opens(env, activity):
        raise Refused(
            "activities/checkin_early", **facts(activity, community), **_window(env, activity, community)
        )
    signups = [s for s, _ in await uow.activities.signups(activity.id, ("joined", "no_show", "attended"))]
    signup = next((s for s in signups if s.id == signup_id), None)
    if signup is None:
        raise Refused("common/button_expired")
    user = await uow.users.get(signup.user_id)
    assert user is not None
    if not await attend(uow, activity, signup, actor.user.id):
        raise Refused("activities/marked_already", name=user.full_name)
    await messages.refresh_card(uow, f"u{inc.update_id}", cards.CHECKIN, activity.id)
    return toast(env, actor, "activities/marked", name=user.full_name, points=activity.points)


async def qr_button(uow: UnitOfWork, env: Env, inc: Incoming, activity_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    activity, community = await staff_button_activity(uow, actor, activity_id)
    await send_code(uow, env, f"u{inc.update_id}:qr", actor, activity, community)
    return toast(env, actor, "activities/sent_privately")


async def csv_button(uow: UnitOfWork, env: Env, inc: Incoming, activity_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    activity, community = await staff_button_activity(uow, actor, activity_id)
    await export.send_sheet(
        uow, env, f"u{inc.update_id}:csv", actor.user, reader_locale(env, actor), activity, community
    )
    return toast(env, actor, "activities/sent_privately")
