"""Claim (接单) and dispatch (派单): a volunteer claims an open request, staff or a grid worker
assigns one, a volunteer declines an assignment or releases a claim.

Every change is a conditional UPDATE (`requests.transition`): two volunteers pressing 🙋 at once
cannot both win, and the loser is told who has it."""

from __future__ import annotations

from typing import Any

from bot.incoming import Incoming
from bot.services.requests.access import (
    COMMENT_LIMIT,
    Found,
    by_id,
    can_dispatch,
    check_text,
    find,
    is_active_volunteer,
    is_requester,
    is_volunteer,
)
from bot.services.requests.cards import CARD
from bot.services.requests.notify import (
    card_changed,
    display_name,
    hand_over,
    tell,
    tell_requester,
    tell_staff,
)
from bot.services.requests.step import by_button, by_command, must, repeated, wrong_state
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, resolve_target
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome, toast
from storage.models import User
from storage.request_states import ACTIVE, IN_HAND, Event, RequestStatus, Step
from storage.uow import UnitOfWork


async def claim_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    if is_volunteer(actor, found) and request.status in IN_HAND:
        if not actor.user.reachable:
            return "requests/already_yours_start"
        if actor.user.telegram_id not in await uow.outbox.card_chats(CARD, request.id):
            await hand_over(uow, env, inc, request, actor.user)  # e.g. they started the bot since
        return "requests/already_yours"
    if not is_active_volunteer(found.membership):
        raise Refused("requests/volunteers_only", community=found.community.name)
    if is_requester(actor, found):
        raise Refused("requests/own")
    now = env.clock()
    values: dict[str, Any] = {"volunteer_id": actor.user.id}
    if request.responded_at is None:
        values["responded_at"] = now
    if not await uow.requests.transition(request, Step.CLAIM, **values):
        if request.status in IN_HAND and request.volunteer_id == actor.user.id:
            return "requests/already_yours"  # their other press won, a moment ago
        if request.status in IN_HAND and request.volunteer_id is not None:
            holder = await uow.users.get(request.volunteer_id)
            who = await display_name(uow, holder, request.community_id) if holder else "?"
            raise Refused("requests/already_taken", n=request.number, who=who)
        raise wrong_state(request)
    await uow.requests.record(request, Event.CLAIMED, actor.user.id, at=now)
    await card_changed(uow, env, inc, request)
    await hand_over(uow, env, inc, request, actor.user)
    name = await display_name(uow, actor.user, request.community_id)
    await tell_requester(uow, env, f"u{inc.update_id}:req", request, "requests/told_claimed", who=name)
    return "requests/taken"


async def assign_to(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, target: User
) -> str:
    request = found.request
    if not can_dispatch(actor, found):
        raise Refused("requests/dispatch_only")
    m = await uow.memberships.find(target.id, request.community_id)
    if not is_active_volunteer(m):
        raise Refused("requests/not_a_volunteer", who=target.full_name)
    if target.id == request.requester_id:
        raise Refused("requests/own")
    if request.volunteer_id == target.id and request.status in IN_HAND:
        return "requests/already_theirs"  # e.g. a double tap on the assign button
    previous = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    now = env.clock()
    values: dict[str, Any] = {"volunteer_id": target.id}
    if request.responded_at is None:
        values["responded_at"] = now
    if not await uow.requests.transition(
        request,
        Step.ASSIGN,
        only_from=RequestStatus(request.status) if request.status in ACTIVE else RequestStatus.OPEN,
        volunteer_is=previous.id if previous else None,
        **values,
    ):
        raise wrong_state(request)
    await uow.requests.record(request, Event.ASSIGNED, actor.user.id, target_id=target.id, at=now)
    await card_changed(uow, env, inc, request)
    await hand_over(uow, env, inc, request, target)
    await tell(uow, env, f"u{inc.update_id}:assigned", target, request, "requests/told_assigned")
    if previous is not None:
        await tell(uow, env, f"u{inc.update_id}:prev", previous, request, "requests/told_reassigned")
    name = await display_name(uow, target, request.community_id)
    await tell_requester(uow, env, f"u{inc.update_id}:req", request, "requests/told_claimed", who=name)
    return "requests/assigned"


async def assign(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/assign <id> <volunteer>: by reply, text mention, @username or the volunteer's name."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "requests/assign_usage")
    if not can_dispatch(actor, found):
        raise Refused("requests/dispatch_only")
    target = await volunteer_named(uow, inc, found)
    template = await assign_to(uow, env, inc, actor, found, target)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        template,
        n=found.request.number,
        who=await display_name(uow, target, found.community.id),
    )


async def volunteer_named(uow: UnitOfWork, inc: Incoming, found: Found) -> User:
    if inc.reply_to is not None or inc.text_mentions or inc.usernames:
        return await resolve_target(uow, inc)
    wanted = " ".join(found.rest.split()).lower()
    if not wanted:
        raise Refused("requests/assign_usage")
    for m, user in await uow.memberships.volunteers(found.community.id):
        if wanted in {(m.display_name or "").lower(), user.full_name.lower()}:
            return user
    raise Refused("requests/not_a_volunteer", who=found.rest[:32])


async def assign_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int, user_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    target = await uow.users.get(user_id)
    if target is None:
        raise Refused("common/button_expired")
    template = await assign_to(uow, env, inc, actor, found, target)
    who = await display_name(uow, target, found.community.id)
    return toast(env, actor, template, n=found.request.number, who=who)


async def give_back(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, kind: str) -> str:
    """Decline (an assignment) or release (a claim): the request is open again for others."""
    request = found.request
    step = Step.DECLINE if kind == Event.DECLINED else Step.RELEASE
    if not is_volunteer(actor, found) and await repeated(uow, request, actor, kind):
        return "requests/already_given_back"
    must(is_volunteer(actor, found), request)
    if not await uow.requests.transition(request, step, volunteer_is=actor.user.id, volunteer_id=None):
        raise wrong_state(request)
    reason = check_text(found.rest, required=False, limit=COMMENT_LIMIT)
    await uow.requests.record(request, kind, actor.user.id, note=reason or None)
    await card_changed(uow, env, inc, request)
    name = await display_name(uow, actor.user, request.community_id)
    await tell_staff(
        uow,
        env,
        f"u{inc.update_id}:staff",
        request,
        "requests/staff_given_back",
        who=name,
        kind=kind,
        reason=reason,
    )
    await tell_requester(uow, env, f"u{inc.update_id}:req", request, "requests/told_reopened_for_others")
    return "requests/declined" if kind == Event.DECLINED else "requests/released"


async def decline_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    return await give_back(uow, env, inc, actor, found, Event.DECLINED)


async def release_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    return await give_back(uow, env, inc, actor, found, Event.RELEASED)


async def claim(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/take <id> (or /claim, or 🙋 on the card): a volunteer claims an open request."""
    await by_command(uow, env, inc, claim_step, "requests/take_usage")


async def claim_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, claim_step, request_id)


async def decline(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/decline <id> [reason]: a volunteer declines an assignment; it is open again."""
    await by_command(uow, env, inc, decline_step, "requests/number_usage")


async def decline_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, decline_step, request_id)


async def release(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/release <id> [reason]: a volunteer gives back what they hold; it is open again."""
    await by_command(uow, env, inc, release_step, "requests/number_usage")


async def release_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, release_step, request_id)
