"""/activity <n> for staff, with what they do to it in one line:

/activity 3                      the sign-up list, waitlist and attendance (with buttons)
/activity 3 csv                  the list as a CSV file, for the paper sign-in sheet
/activity 3 qr                   the check-in QR code, privately
/activity 3 edit 时间 周六上午9点   (开始, 结束, 地点, 名额, 积分, 标题, 说明)
/activity 3 add @name            sign someone up (a neighbour without a phone), until the end
/activity 3 remove @name         take someone off (also after the leave cutoff)
/activity 3 photo                with a photo, or replying to one: the thank-you card's photo
/activity 3 cancel
"""

from __future__ import annotations

from bot import words
from bot.incoming import Incoming
from bot.services.activities import cancel, cards, checkin, edit, export, thanks, views
from bot.services.activities.access import facts, staff_activity
from bot.services.activities.leave import take_off
from bot.services.shared import messages
from bot.services.shared.actors import identify, join, reader_locale, resolve_target
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Activity, Community
from storage.repositories.activities import SIGNED
from storage.uow import UnitOfWork


async def activity_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    actor = await identify(uow, env, inc)
    activity, community = await staff_activity(uow, actor, inc.text, "activities/staff_usage")
    parts = inc.text.split(maxsplit=2)
    action = words.lookup("activity_actions", parts[1]) if len(parts) > 1 else "show"
    rest = parts[2] if len(parts) > 2 else ""
    if action is None:
        raise Refused("activities/staff_usage")
    if action == "show":
        await views.staff_details(uow, env, inc, actor, activity, community)
        return
    if action == "csv":
        await export.send_sheet(
            uow, env, f"u{inc.update_id}:csv", actor.user, reader_locale(env, actor), activity, community
        )
        done = "csv"
    elif action == "qr":
        await checkin.send_code(uow, env, f"u{inc.update_id}:qr", actor, activity, community)
        done = "qr"
    elif action == "edit":
        done = await edit.edit_activity(uow, env, activity, community, rest, f"u{inc.update_id}")
    elif action == "add":
        done = await _add(uow, env, inc, activity, community)
    elif action == "remove":
        done = await _remove(uow, env, inc, activity, community)
    elif action == "photo":
        done = await _photo(uow, env, inc, activity, community)
    else:
        told = await cancel.cancel_activity(uow, env, activity, community, f"u{inc.update_id}")
        await messages.reply(
            uow, env, inc, actor.locale, "activities/cancel_done", **facts(activity, community), told=told
        )
        return
    await messages.reply(
        uow, env, inc, actor.locale, "activities/staff_done", **facts(activity, community), done=done
    )


async def _add(uow: UnitOfWork, env: Env, inc: Incoming, activity: Activity, community: Community) -> str:
    """Staff sign someone up themselves, until the end (the deadline and the start are for
    self-service): a place if one is left, else the waitlist, like any press."""
    person = await resolve_target(uow, inc)
    if activity.status != "open" or uow.clock() >= activity.ends_at:
        raise Refused("activities/already_over", **facts(activity, community))
    await join(uow, person, community.id, "staff")
    if not await uow.activities.claim_signup(
        activity.id, person.id, inc.update_id, None, again=("left", "removed")
    ):
        raise Refused("activities/on_list_already", name=person.full_name)
    signup = await uow.activities.find_signup(activity.id, person.id)
    assert signup is not None
    if not await uow.activities.take_place(activity.id):
        await cards.changed(uow, env, activity)
        return "add_waiting"
    await uow.activities.move_signup(signup.id, "joined", from_=("waitlisted",))
    await uow.activities.refresh(activity)
    await cards.changed(uow, env, activity)
    return "add"


async def _remove(uow: UnitOfWork, env: Env, inc: Incoming, activity: Activity, community: Community) -> str:
    person = await resolve_target(uow, inc)
    signup = await uow.activities.find_signup(activity.id, person.id)
    if signup is None or signup.status not in SIGNED:
        raise Refused("activities/not_on_list", name=person.full_name)
    if activity.status != "open" or uow.clock() >= activity.ends_at:
        raise Refused("activities/already_over", **facts(activity, community))
    if not await take_off(uow, env, activity, community, signup, "removed"):
        raise Refused("activities/not_on_list", name=person.full_name)
    groups = await uow.activities.group_chats(activity.id)
    await messages.tell(
        uow,
        env,
        f"u{inc.update_id}:removed",
        person,
        "activities/told_removed",
        fallback_chat_id=signup.chat_id or (groups[0] if groups else None),
        fallback_locale=community.locale,
        **facts(activity, community),
    )
    return "remove"


async def _photo(uow: UnitOfWork, env: Env, inc: Incoming, activity: Activity, community: Community) -> str:
    photo = next((m.file_id for m in (*inc.media, *inc.reply_media) if m.kind == "photo"), None)
    if photo is None:
        raise Refused("activities/photo_missing", n=activity.number)
    if activity.status == "cancelled":
        raise Refused("activities/cancelled", **facts(activity, community))
    activity.photo_file_id = photo
    await uow.session.flush()
    if activity.status == "ended":  # the thanks went already: the photo follows, with them again
        await thanks.post_thanks(uow, env, activity, community, f"u{inc.update_id}:photo")
    return "photo"
