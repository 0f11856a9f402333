"""Reopening a request that was not solved: back to open for a new round; what it earned is
taken back with a reversing ledger entry."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.points import ledger
from bot.services.requests.access import (
    COMMENT_LIMIT,
    Found,
    can_dispatch,
    check_text,
    is_requester,
)
from bot.services.requests.cards import PUBLICITY, RATING_ALERT
from bot.services.requests.notify import (
    card_changed,
    tell,
    tell_staff,
)
from bot.services.requests.step import by_button, by_command, must, repeated, wrong_state
from bot.services.shared import messages
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome
from storage.request_states import ACTIVE, FINISHED, Event, Step
from storage.uow import UnitOfWork


async def reopen_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    staff = can_dispatch(actor, found)
    must(is_requester(actor, found) or staff, request)
    if request.status in ACTIVE and await repeated(uow, request, actor, Event.REOPENED):
        return "requests/already_reopened"
    # ❌ on the card needs no reason: "not solved", which each reader reads in their own language.
    reason = check_text(found.rest, required=False, limit=COMMENT_LIMIT) or None
    if reason is None and inc.callback_id is None:
        raise Refused("requests/reopen_usage")
    step = Step.REOPEN_BY_STAFF if staff else Step.REOPEN
    was_volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    reversed_points = (
        await ledger.reverse_for_request(uow, request, actor.user.id) if request.status in FINISHED else 0
    )
    if not await uow.requests.transition(
        request,
        step,
        volunteer_id=None,
        round=request.round + 1,
        confirmed_at=None,
        auto_confirm_at=None,
        auto_confirmed=False,
        rating=None,
        rating_comment=None,
        rated_at=None,
    ):
        raise wrong_state(request)
    await uow.requests.record(request, Event.REOPENED, actor.user.id, note=reason)
    await card_changed(uow, env, inc, request)
    await messages.refresh_card(uow, f"u{inc.update_id}:publicity", PUBLICITY, request.id)
    await messages.refresh_card(uow, f"u{inc.update_id}:alert", RATING_ALERT, request.id)
    if was_volunteer is not None:
        await tell(
            uow,
            env,
            f"u{inc.update_id}:vol",
            was_volunteer,
            request,
            "requests/told_reopened",
            reason=reason,
            points=reversed_points,
        )
    await tell_staff(uow, env, f"u{inc.update_id}:staff", request, "requests/staff_reopened", reason=reason)
    return "requests/reopened"


async def reopen(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/reopen <id> <reason> (or ❌ not solved): open again; points earned are reversed."""
    await by_command(uow, env, inc, reopen_step, "requests/reopen_usage")


async def reopen_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, reopen_step, request_id)
