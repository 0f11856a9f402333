"""/activities: the upcoming activities of a person's communities with their own status and a
button each; staff's /activity <n>: who signed up, the waitlist and who came."""

from __future__ import annotations

from bot import callbacks
from bot.incoming import Incoming
from bot.services.activities import cards
from bot.services.activities.access import facts
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, member_communities
from bot.services.shared.env import Env
from bot.services.shared.messages import Button
from storage.models import Activity, Community
from storage.uow import UnitOfWork

UPCOMING_SHOWN = 10
NAMES_SHOWN = 60  # names per list in /activity; the CSV has everyone


async def upcoming(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/activities: in a group its community's, in private all of the person's communities'."""
    actor = await identify(uow, env, inc)
    communities = [actor.community] if actor.community is not None else await member_communities(uow, actor)
    by_id = {c.id: c for c in communities}
    found = await uow.activities.upcoming(list(by_id), uow.clock(), UPCOMING_SHOWN)
    mine = await uow.activities.statuses_of(actor.user.id, [a.id for a in found])
    now = uow.clock()
    rows, buttons = [], []
    for activity in found:
        community = by_id[activity.community_id]
        status = mine.get(activity.id, "none")
        rows.append(
            {
                **facts(activity, community),
                "mine": status,
                "left": cards.places_left(activity),
                "capacity": activity.capacity,
                "joinable": cards.open_for_signup(activity, now),
            }
        )
        if not cards.open_for_signup(activity, now):
            continue
        if status in ("joined", "waitlisted"):
            label = f"{env.renderer.label(actor.locale, 'act_leave')} #{activity.number}"
            buttons.append([Button(label, callbacks.encode(cards.LEAVE_ACTION, activity.id))])
        else:
            label = f"{env.renderer.label(actor.locale, 'act_join')} #{activity.number}"
            buttons.append([Button(label, callbacks.encode(cards.JOIN_ACTION, activity.id))])
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "activities/upcoming",
        activities=rows,
        several=len(by_id) > 1,
        buttons=buttons or None,
    )


async def staff_details(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, activity: Activity, community: Community
) -> None:
    """/activity <n> for staff: the lists, and buttons for the check-in list, the QR code and the CSV."""

    async def names(*statuses: str) -> list[str]:
        return [user.full_name for _, user in await uow.activities.signups(activity.id, statuses)]

    joined, waitlisted = await names("joined"), await names("waitlisted")
    attended, no_show = await names("attended"), await names("no_show")
    buttons = [
        [
            Button(
                env.renderer.label(actor.locale, "act_checkin_list"), callbacks.encode("acl", activity.id)
            ),
            Button(env.renderer.label(actor.locale, "act_qr"), callbacks.encode("aqr", activity.id)),
            Button(env.renderer.label(actor.locale, "act_csv"), callbacks.encode("acsv", activity.id)),
        ]
    ]
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "activities/details",
        **facts(activity, community),
        status=activity.status,
        capacity=activity.capacity,
        description=activity.description,
        volunteers_only=activity.audience == "volunteers",
        lists={
            "joined": joined[:NAMES_SHOWN],
            "waitlisted": waitlisted[:NAMES_SHOWN],
            "attended": attended[:NAMES_SHOWN],
            "no_show": no_show[:NAMES_SHOWN],
        },
        counts={
            "joined": len(joined),
            "waitlisted": len(waitlisted),
            "attended": len(attended),
            "no_show": len(no_show),
        },
        buttons=buttons,
    )
