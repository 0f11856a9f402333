"""Staff change an activity: `/activity <n> edit 时间 周六上午9点` (开始, 结束, 地点, 名额, 积分,
标题, 说明). A new time or place is told to everyone signed up or waiting, and the reminders move."""

from __future__ import annotations

from bot import words
from bot.services.activities import cards, fields, reminders
from bot.services.activities.access import facts
from bot.services.activities.cancel import tell_participants
from bot.services.activities.waitlist import fill_places
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Activity, Community
from storage.uow import UnitOfWork


async def edit_activity(
    uow: UnitOfWork, env: Env, activity: Activity, community: Community, text: str, key: str
) -> str:
    """Change one field; returns the field's name. Nothing changes on a wrong value."""
    if activity.status != "open" or uow.clock() >= activity.ends_at:
        raise Refused("activities/already_over", **facts(activity, community))
    field_word, _, value = text.strip().partition(" ")
    field = words.lookup("activity_fields", field_word) if field_word else None
    if field is None:
        raise Refused("activities/edit_usage")
    now, tz = uow.clock(), community.timezone
    before = {"starts": activity.starts_at, "ends": activity.ends_at, "place": activity.place}
    if field == "start":
        starts_at = fields.read_moment(value, now=now, tz=tz)
        ends_at = starts_at + (activity.ends_at - activity.starts_at)
        fields.check_times(starts_at, ends_at, None, now)
        if activity.signup_deadline is not None and activity.signup_deadline > starts_at:
            activity.signup_deadline = None
        activity.starts_at, activity.ends_at = starts_at, ends_at
    elif field == "end":
        ends_at = fields.read_end(value, activity.starts_at, now=now, tz=tz)
        if ends_at <= now:
            raise Refused("activities/time_past")
        if ends_at <= activity.starts_at:
            raise Refused("activities/end_before_start")
        if ends_at - activity.starts_at > fields.LONGEST:
            raise Refused("activities/too_long", days=fields.LONGEST.days)
        activity.ends_at = ends_at
    elif field == "place":
        activity.place = fields.read_place(value)
    elif field == "capacity":
        capacity = fields.read_capacity(value)
        if capacity is not None and capacity < activity.joined:
            raise Refused("activities/capacity_below_joined", joined=activity.joined)
        activity.capacity = capacity
    elif field == "points":
        counts = await uow.activities.counts(activity.id)
        if counts.get("attended"):
            raise Refused("activities/points_after_checkin")
        activity.points = fields.read_points(value)
    elif field == "title":
        activity.title = fields.read_title(value)
    else:
        activity.description = fields.read_description(value)
    await uow.session.flush()
    moved = (activity.starts_at, activity.ends_at) != (before["starts"], before["ends"])
    if moved or activity.place != before["place"]:
        await tell_participants(
            uow,
            env,
            activity,
            community,
            f"{key}:changed",
            "activities/told_changed",
            moved=moved,
            place_changed=activity.place != before["place"],
        )
    if moved:
        await reminders.plan_reminders(uow, env, activity, community)
    if field == "capacity":
        await fill_places(uow, env, activity, community)
    await uow.activities.refresh(activity)
    await cards.changed(uow, env, activity)
    return field
