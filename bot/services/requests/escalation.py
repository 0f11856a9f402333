"""5341 escalations: a request nobody took by its response deadline goes to the staff groups with
its card and dispatch buttons; one not done by its resolution deadline alerts the volunteer who
holds it and the staff groups; still not done `escalate_super_after` later, the super-admins.

Driven by the sweep from the stored deadlines, so a restart loses nothing. Each level is sent once
per request and round (a reopen starts a new round): the levels sent are kept on the request and
raised by a conditional UPDATE in the same transaction as the messages, so a rerun, a restart or a
second instance sends none of them twice. Every card of the request is edited when a level fires,
and so shows "late" as soon as it is (cards are drawn from the state when sent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.services.requests.access import catalog_of
from bot.services.requests.cards import CARD, local
from bot.services.requests.notify import display_name, tell_staff
from bot.services.shared import messages
from bot.services.shared.actors import user_locale
from bot.services.shared.env import Env
from storage.models import Community, Request
from storage.request_states import ACTIVE, IN_HAND, Escalation, Event, RequestStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 100  # requests looked at per sweep; the rest wait for the next one
EVENTS = {
    Escalation.UNCLAIMED: Event.ESCALATED_UNCLAIMED,
    Escalation.LATE: Event.ESCALATED_LATE,
    Escalation.SUPER: Event.ESCALATED_SUPER,
}


def sent_level(request: Request) -> int:
    """The highest escalation already sent in the request's current round."""
    return request.escalation_level if request.escalated_round == request.round else Escalation.NONE


def levels_due(request: Request, now: datetime, super_after: timedelta) -> list[Escalation]:
    """The escalations the request has earned by `now` and not yet had in this round, lowest first."""
    due = []
    if request.status == RequestStatus.OPEN and request.responded_at is None and request.respond_by <= now:
        due.append(Escalation.UNCLAIMED)
    if request.status in ACTIVE and request.resolve_by <= now:
        due.append(Escalation.LATE)
        if request.resolve_by + super_after <= now:
            due.append(Escalation.SUPER)
    sent = sent_level(request)
    return [level for level in due if level > sent]


async def escalate_due(make_uow: Callable[[], UnitOfWork], env: Env) -> int:
    """Send every escalation that is due; the number of requests escalated."""
    now = env.clock()
    super_after = env.settings.escalate_super_after
    async with make_uow() as uow:
        candidates = await uow.requests.due_for_escalation(now, now - super_after, BATCH)
    count = 0
    for request_id in candidates:
        count += await escalate_one(make_uow, env, request_id, now)
    if count:
        log.info("escalated %s late request(s)", count)
    return count


async def escalate_one(make_uow: Callable[[], UnitOfWork], env: Env, request_id: int, now: datetime) -> bool:
    """Send the escalations of one request that are due at `now`, in one transaction with the record
    of them; False when none are due, or another sweep sent them first."""
    async with make_uow() as uow:
        request = await uow.requests.get(request_id)
        if request is None:
            return False
        levels = levels_due(request, now, env.settings.escalate_super_after)
        if not levels or not await uow.requests.escalate(request, max(levels)):
            return False
        for level in levels:
            await _send(uow, env, request, level, now)
        top = max(levels)
        await messages.refresh_card(uow, f"esc:{request.id}:{request.round}:{top}:edit", CARD, request.id)
        await uow.commit()
        return True


async def _send(uow: UnitOfWork, env: Env, request: Request, level: Escalation, now: datetime) -> None:
    community = await uow.communities.get(request.community_id)
    assert community is not None
    key = f"esc:{request.id}:{request.round}:{int(level)}"
    context = _context(env, community, request, now)
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        context["volunteer"] = await display_name(uow, volunteer, community.id)
    await uow.requests.record(request, EVENTS[level], None, at=now)
    if level == Escalation.UNCLAIMED:
        await tell_staff(uow, env, key, request, "requests/escalated_unclaimed", **context)
        for chat in await uow.chats.of_community(community.id, "staff"):
            await messages.post_card(
                uow, f"{key}:card:{chat.telegram_id}", chat.telegram_id, CARD, request.id
            )
    elif level == Escalation.LATE:
        await tell_staff(uow, env, key, request, "requests/escalated_late", **context)
        if volunteer is not None and request.status in IN_HAND:
            # In private only: the staff groups, told at the same moment, name who has it; a
            # "you are late" mention in the residents' group is not what a volunteer needs.
            await messages.tell(
                uow,
                env,
                f"{key}:vol",
                volunteer,
                "requests/escalated_late_volunteer",
                n=request.number,
                **context,
            )
    else:
        await _tell_super_admins(uow, env, key, request, community, context)


async def _tell_super_admins(
    uow: UnitOfWork, env: Env, key: str, request: Request, community: Community, context: dict[str, Any]
) -> None:
    """The super-admins (ADMIN_IDS) who started the bot, in their own language."""
    for telegram_id in sorted(env.settings.admin_ids):
        admin = await uow.users.find_by_telegram_id(telegram_id)
        if admin is None or not admin.reachable:
            log.info(
                "super-admin %s cannot be written to; escalation of #%s not sent", telegram_id, request.number
            )
            continue
        locale = user_locale(env, admin)
        await messages.tell(
            uow,
            env,
            f"{key}:{telegram_id}",
            admin,
            "requests/escalated_super",
            n=request.number,
            community=community.name,
            **{**context, "category": _category(env, community, request, locale)},
        )


def _category(env: Env, community: Community, request: Request, locale: str) -> str:
    catalog = catalog_of(env, community)
    return (catalog.get(request.category) or catalog.other).name(locale)


def _context(env: Env, community: Community, request: Request, now: datetime) -> dict[str, Any]:
    late = max(timedelta(0), now - request.resolve_by)
    return {
        "category": _category(env, community, request, community.locale),
        "place": request.building or "",
        "respond_by": local(request.respond_by, community, now),
        "resolve_by": local(request.resolve_by, community, now),
        "hard": request.complexity == "hard",
        "urgent": request.urgent,
        "hours_late": int(late.total_seconds() // 3600),
        "volunteer": None,
    }
