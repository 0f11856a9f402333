"""Which activity a command or a button names, may this person act on it, and how its times read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.numbers import number_value
from bot.services.shared.actors import Actor, member_communities, staff_community_by_id, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import ours
from storage.models import Activity, Community
from storage.uow import UnitOfWork


def local_time(moment: datetime, community: Community) -> str:
    """A time as the community reads it: 2026-12-20 15:00 (the application's own text, so a
    group's masking of numbers people typed leaves it alone)."""
    return ours(moment.astimezone(ZoneInfo(community.timezone)).strftime("%Y-%m-%d %H:%M"))


def span(activity: Activity, community: Community) -> dict[str, str]:
    """Start and end as shown: the end without its date when it is the same day."""
    tz = ZoneInfo(community.timezone)
    start, end = activity.starts_at.astimezone(tz), activity.ends_at.astimezone(tz)
    shown_end = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
    return {"starts": ours(start.strftime("%Y-%m-%d %H:%M")), "ends": ours(shown_end)}


def facts(activity: Activity, community: Community) -> dict[str, Any]:
    """What every activity text shows about it."""
    return {
        "n": activity.number,
        "title": activity.title,
        "place": activity.place,
        "points": activity.points,
        "community": community.name,
        **span(activity, community),
    }


def leave_cutoff(env: Env, activity: Activity) -> datetime:
    return activity.starts_at - timedelta(minutes=env.settings.activity_leave_cutoff_minutes)


def checkin_opens(env: Env, activity: Activity) -> datetime:
    return activity.starts_at - timedelta(minutes=env.settings.activity_checkin_open_minutes)


def read_number(text: str, usage: str) -> int:
    number = number_value(text.split()[0].lstrip("#＃")) if text.split() else None
    if number is None:
        raise Refused(usage)
    return number


async def member_activity(uow: UnitOfWork, actor: Actor, text: str, usage: str) -> tuple[Activity, Community]:
    """The activity a person's command names by number: of the group's community in a group, else
    of the one community of theirs that has it."""
    number = read_number(text, usage)
    if actor.community is not None:
        communities = [actor.community]
    elif actor.chat is not None:
        raise Refused("common/group_not_bound")
    else:
        communities = await member_communities(uow, actor)
    found = [
        (a, c) for c in communities if (a := await uow.activities.find_by_number(c.id, number)) is not None
    ]
    if not found:
        raise Refused("activities/unknown", n=number)
    if len(found) > 1:
        raise Refused("common/use_in_group", names=[c.name for _, c in found])
    return found[0]


async def button_activity(uow: UnitOfWork, actor: Actor, activity_id: int) -> tuple[Activity, Community]:
    """The activity a button names, if the presser is in its community, and pressed in private or
    in one of its community's groups (a forged or old button otherwise: the same polite "expired")."""
    activity = await uow.activities.get(activity_id)
    if activity is None:
        raise Refused("common/button_expired")
    if actor.chat is not None and (actor.community is None or actor.community.id != activity.community_id):
        raise Refused("common/button_expired")
    if not actor.is_super and await uow.memberships.find(actor.user.id, activity.community_id) is None:
        raise Refused("common/button_expired")
    community = await uow.communities.get(activity.community_id)
    assert community is not None
    return activity, community


async def staff_activity(uow: UnitOfWork, actor: Actor, text: str, usage: str) -> tuple[Activity, Community]:
    """The activity a staff command names by number, in the community this person runs here."""
    community = await staff_community_here(uow, actor)
    number = read_number(text, usage)
    activity = await uow.activities.find_by_number(community.id, number)
    if activity is None:
        raise Refused("activities/unknown", n=number)
    return activity, community


async def staff_button_activity(
    uow: UnitOfWork, actor: Actor, activity_id: int
) -> tuple[Activity, Community]:
    """The activity a staff button names, if the presser runs its community."""
    activity = await uow.activities.get(activity_id)
    if activity is None:
        raise Refused("common/button_expired")
    return activity, await staff_community_by_id(uow, actor, activity.community_id)
