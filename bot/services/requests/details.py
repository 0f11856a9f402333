"""Details added after filing: /add, a reply to a request card (by the requester a detail, by its
volunteer a progress note or proof of done)."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.requests import finish
from bot.services.requests.access import (
    COMMENT_LIMIT,
    Found,
    by_id,
    can_dispatch,
    check_text,
    find,
    is_requester,
    is_volunteer,
)
from bot.services.requests.cards import CARD
from bot.services.requests.filing import keep_media, pass_on_media
from bot.services.requests.notify import card_changed
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    identify,
)
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Request
from storage.request_states import DETAILS_CLOSED, IN_HAND, Event, RequestStatus
from storage.uow import UnitOfWork


async def card_request(uow: UnitOfWork, inc: Incoming) -> Request | None:
    """The request whose card this message replies to, if it does."""
    if inc.reply_to_message_id is None:
        return None
    ref = await uow.outbox.find_card_at(inc.chat.chat_id, inc.reply_to_message_id, CARD)
    return await uow.requests.get(ref) if ref is not None else None


async def add(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/add <id> <text>: the requester (or staff) adds a detail or photos to a request."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "requests/add_usage")
    if not found.rest.strip() and not inc.media:
        raise Refused("requests/add_usage")
    await add_detail(uow, env, inc, actor, found)


async def add_detail(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> None:
    if not (is_requester(actor, found) or can_dispatch(actor, found)):
        raise Refused("requests/not_yours", n=found.request.number)
    request = found.request
    if request.status in DETAILS_CLOSED:
        raise Refused("requests/wrong_state", n=request.number, status=request.status)
    note = check_text(found.rest, required=not inc.media, limit=COMMENT_LIMIT * 2)
    for item in inc.media:
        await keep_media(uow, request, item, inc.chat.chat_id, actor.user, "added")
    await uow.requests.record(request, Event.ADDED, actor.user.id, note=note or None)
    await messages.refresh_card(uow, f"u{inc.update_id}:card", CARD, request.id)
    key = f"u{inc.update_id}:added"
    await pass_on_media(uow, request, inc, key, exclude=actor.user.id)
    if request.volunteer_id is not None and request.volunteer_id != actor.user.id:
        volunteer = await uow.users.get(request.volunteer_id)
        if volunteer is not None:
            await messages.tell(
                uow, env, f"{key}:vol", volunteer, "requests/detail_added", n=request.number, note=note
            )
    await messages.reply(uow, env, inc, actor.locale, "requests/detail_saved", n=request.number)


async def reply_to_card(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, request: Request) -> None:
    """A reply to a request card in private: the volunteer's photo is proof (or a progress note);
    the requester's message is a detail added to their request."""
    found = await by_id(uow, actor, request.id)
    found.rest = inc.text
    if is_volunteer(actor, found) and request.status in IN_HAND | {RequestStatus.DONE}:
        if inc.media and request.status == RequestStatus.DONE:
            for item in inc.media:
                await keep_media(uow, request, item, inc.chat.chat_id, actor.user, "done")
            await uow.requests.record(request, Event.PROOF, actor.user.id, note=inc.text.strip() or None)
            await card_changed(uow, env, inc, request)
            template = "requests/proof_saved"
        elif inc.media:
            template = await finish.done_step(uow, env, inc, actor, found)
        else:
            template = await finish.progress_step(uow, env, inc, actor, found)
        await messages.reply(uow, env, inc, actor.locale, template, n=request.number)
        return
    await add_detail(uow, env, inc, actor, found)
