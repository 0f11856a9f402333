"""A person in danger (bot/danger.py found a fall, fire, gas, someone trapped or missing ...):
besides the card, the person who asked gets the emergency numbers that fit at once, and staff are
alerted at once, both ahead of whatever their chats have queued.

What goes to a neighbourhood group names no room, phone or text: only the numbers, the property's
duty phone and the request's number. The staff alert has everything staff need to act.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from bot import danger
from bot.danger import Alarm
from bot.services.requests.cards import place
from bot.services.shared import messages
from bot.services.shared.env import Env
from storage.models import Community, Request, User
from storage.request_states import Event
from storage.uow import UnitOfWork

URGENT = 10  # outbox priority: delivered before anything else queued for the same chat
STAFF_TOLD_PRIVATELY = 10  # without a staff group: at most this many staff members are written to


def emergency_context(community: Community | None, alarm: Alarm) -> dict[str, Any]:
    """What requests/emergency_numbers needs: the services that fit with their numbers, the duty phone."""
    numbers = danger.numbers()
    return {
        "services": [{"key": key, "number": numbers[key]} for key in alarm.services],
        "kinds": list(alarm.kinds),
        # Staff set it for everyone to call: shown whole, even in a group where phones are masked.
        "duty_phone": messages.ours(community.duty_phone or "") if community is not None else "",
    }


async def raise_alarm(
    uow: UnitOfWork,
    env: Env,
    request: Request,
    alarm: Alarm,
    key: str,
    *,
    asked_in: int | None,
    asked_message_id: int | None,
    asked_by: User,
) -> None:
    """The numbers to whoever asked (in the group it was asked in, else privately), the alert to
    staff, and a step in the request's history."""
    community = await uow.communities.get(request.community_id)
    assert community is not None
    sos = dict(emergency_context(community, alarm), n=request.number, alerted="yes")
    staff_chats = await uow.chats.of_community(community.id, "staff")
    if asked_in is None:
        await messages.tell(
            uow, env, f"{key}:sos", asked_by, "requests/emergency_numbers", priority=URGENT, **sos
        )
    elif asked_in not in {chat.telegram_id for chat in staff_chats}:  # the staff alert has the numbers
        await messages.post(
            uow,
            env,
            f"{key}:sos",
            asked_in,
            community.locale,
            "requests/emergency_numbers",
            reply_to=asked_message_id,
            priority=URGENT,
            **sos,
        )
    alert = dict(
        sos,
        place=place(request, with_room=True),
        text=request.text if request.text else "",
        who=await _who(uow, request),
        contact=request.contact or "",
    )
    for chat in staff_chats:
        await messages.post(
            uow,
            env,
            f"{key}:alarm:{chat.telegram_id}",
            chat.telegram_id,
            community.locale,
            "requests/staff_danger_alert",
            priority=URGENT,
            **alert,
        )
    if not staff_chats:  # no staff group bound yet: every staff member who can be written to
        for person in (await _staff_people(uow, env, community))[:STAFF_TOLD_PRIVATELY]:
            await messages.tell(
                uow,
                env,
                f"{key}:alarm:u{person.id}",
                person,
                "requests/staff_danger_alert",
                priority=URGENT,
                **alert,
            )
    numbers = danger.numbers()
    await uow.requests.record(request, Event.DANGER, None, note=" ".join(numbers[s] for s in alarm.services))


async def _who(uow: UnitOfWork, request: Request) -> Markup | str:
    if request.requester_id is not None:
        requester = await uow.users.get(request.requester_id)
        if requester is not None:
            return messages.mention(requester)
    return request.on_behalf_name or ""


async def _staff_people(uow: UnitOfWork, env: Env, community: Community) -> list[User]:
    """The community's staff who started the bot; else the super-admins who did."""
    staff = [user for _, user in await uow.memberships.with_role(community.id, "staff") if user.reachable]
    if staff:
        return staff
    admins = [
        await uow.users.find_by_telegram_id(telegram_id) for telegram_id in sorted(env.settings.admin_ids)
    ]
    return [user for user in admins if user is not None and user.reachable]
