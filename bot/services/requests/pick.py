"""The “which community?” button: a typed step whose number exists in several of the person's
communities waits in the conversation until one is chosen, then runs on that request."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.requests import cancel, claim, corrections, finish, reopen
from bot.services.requests.access import by_id
from bot.services.requests.step import PICK, Core
from bot.services.shared import messages
from bot.services.shared.actors import identify
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome
from storage.uow import UnitOfWork

RESUMABLE: dict[str, Core] = {
    core.__name__: core
    for core in (
        claim.claim_step,
        claim.decline_step,
        claim.release_step,
        finish.progress_step,
        finish.done_step,
        finish.confirm_step,
        reopen.reopen_step,
        cancel.cancel_step,
        corrections.category_step,
        corrections.building_step,
    )
}


async def picked(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    """The community button: the waiting command runs on the request that was chosen."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    waiting = conversation is not None and conversation.flow == PICK
    core = RESUMABLE.get(conversation.step) if conversation is not None and waiting else None
    if conversation is None or core is None:
        raise Refused("common/button_expired")
    found = await by_id(uow, actor, request_id)
    if found.membership is None and not actor.is_super:
        raise Refused("common/button_expired")
    found.rest = str(conversation.data.get("rest", ""))
    await uow.conversations.end(actor.user.id)
    template = await core(uow, env, inc, actor, found)
    await messages.post(
        uow, env, f"u{inc.update_id}:picked", inc.chat.chat_id, actor.locale, template, n=found.request.number
    )
    return Outcome()
