"""Cancelling a request (by the requester or staff) that nobody has finished."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.requests.access import (
    COMMENT_LIMIT,
    Found,
    can_dispatch,
    check_text,
    is_requester,
)
from bot.services.requests.notify import (
    card_changed,
    tell,
    tell_requester,
)
from bot.services.requests.step import by_button, by_command, must, wrong_state
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.runner import Outcome
from storage.request_states import Event, RequestStatus, Step
from storage.uow import UnitOfWork


async def cancel_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    must(is_requester(actor, found) or can_dispatch(actor, found), request)
    reason = check_text(found.rest, required=False, limit=COMMENT_LIMIT)
    if request.status == RequestStatus.CANCELLED:
        return "requests/already_cancelled"
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if not await uow.requests.transition(request, Step.CANCEL):
        raise wrong_state(request)
    await uow.requests.record(request, Event.CANCELLED, actor.user.id, note=reason or None)
    await card_changed(uow, env, inc, request)
    if volunteer is not None:
        await tell(
            uow, env, f"u{inc.update_id}:vol", volunteer, request, "requests/told_cancelled", reason=reason
        )
    if not is_requester(actor, found):
        await tell_requester(
            uow, env, f"u{inc.update_id}:req", request, "requests/told_cancelled", reason=reason
        )
    return "requests/cancelled"


async def cancel(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/cancel <id> [reason]: the requester or staff cancel a request nobody finished."""
    await by_command(uow, env, inc, cancel_step, "requests/number_usage")


async def cancel_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, cancel_step, request_id)
