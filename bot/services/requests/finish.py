"""Finishing a request: progress notes, done (办结) with proof, confirmation (核查) by the requester
or staff, or automatically after the stored due time; confirmation awards points and posts 晒单."""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.deadlines import add_service_time
from bot.incoming import Incoming
from bot.services.points import ledger
from bot.services.requests import filing
from bot.services.requests.access import (
    COMMENT_LIMIT,
    Found,
    can_dispatch,
    catalog_of,
    check_text,
    is_requester,
    is_volunteer,
)
from bot.services.requests.cards import CARD, PUBLICITY
from bot.services.requests.notify import (
    card_changed,
    card_to,
    display_name,
    fallback_chat,
    tell,
    tell_requester,
    tell_staff,
)
from bot.services.requests.step import by_button, by_command, must, wrong_state
from bot.services.shared import messages
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome
from storage.models import Request
from storage.request_states import FINISHED, IN_HAND, Event, RequestStatus, Step
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


async def progress_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    await uow.requests.lock(request)  # a double tap waits here for the first press to commit
    must(is_volunteer(actor, found) or can_dispatch(actor, found), request)
    if request.status not in IN_HAND:
        raise wrong_state(request)
    # No note: "on my way", which each reader reads in their own language.
    note = check_text(found.rest, required=False, limit=COMMENT_LIMIT) or None
    last = await uow.requests.last_event(request.id)
    if last is not None and (last.kind, last.actor_id, last.note) == (Event.PROGRESS, actor.user.id, note):
        return "requests/already_noted"
    await uow.requests.record(request, Event.PROGRESS, actor.user.id, note=note)
    await card_changed(uow, env, inc, request)
    name = await display_name(uow, actor.user, request.community_id)
    await tell_requester(
        uow, env, f"u{inc.update_id}:req", request, "requests/told_progress", who=name, note=note
    )
    return "requests/progress_saved"


async def done_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    must(is_volunteer(actor, found) or can_dispatch(actor, found), request)
    note = check_text(found.rest, required=False, limit=COMMENT_LIMIT)
    if request.status == RequestStatus.DONE:
        return "requests/already_done"
    now = env.clock()
    catalog = catalog_of(env, found.community)
    auto_at = add_service_time(now, catalog.auto_confirm, ZoneInfo(found.community.timezone), None)
    if not await uow.requests.transition(
        request, Step.DONE, done_at=now, done_note=note or None, auto_confirm_at=auto_at
    ):
        if request.status == RequestStatus.DONE:
            return "requests/already_done"  # another press won, a moment ago
        raise wrong_state(request)
    for item in inc.media:
        await filing.keep_media(uow, request, item, inc.chat.chat_id, actor.user, "done")
    await filing.pass_on_media(uow, request, inc, f"u{inc.update_id}:proof", exclude=actor.user.id)
    await uow.requests.record(request, Event.DONE, actor.user.id, note=note or None, at=now)
    await card_changed(uow, env, inc, request)
    await ask_to_confirm(uow, env, f"u{inc.update_id}:confirm", request)
    return "requests/done_saved"


async def ask_to_confirm(uow: UnitOfWork, env: Env, key: str, request: Request) -> None:
    """The requester gets their card again, at the bottom of the chat, with 'solved' / 'not solved'."""
    requester = await uow.users.get(request.requester_id) if request.requester_id else None
    if requester is None:  # filed by staff for someone without Telegram: staff confirm by phone
        await tell_staff(
            uow, env, key, request, "requests/staff_confirm_by_phone", name=request.on_behalf_name or ""
        )
        return
    await card_to(uow, env, f"{key}:card", request, requester, "requests/ask_confirm_in_group")
    if not requester.reachable:
        return
    for item in await uow.requests.media_of(request.id):
        if item.stage == "done":
            caption = f"#{request.number}"
            proof_key = f"{key}:proof:{item.id}"
            await messages.send_media(uow, proof_key, requester.telegram_id, item.kind, item.file_id, caption)


async def confirm_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    must(is_requester(actor, found) or can_dispatch(actor, found), request)
    if request.status in FINISHED:
        return "requests/already_confirmed"
    if not await confirmed(uow, env, f"u{inc.update_id}", request, actor.user.id, auto=False):
        return "requests/already_confirmed"  # another press won, a moment ago
    return "requests/confirmed"


async def confirmed(
    uow: UnitOfWork, env: Env, key: str, request: Request, actor_id: int | None, *, auto: bool
) -> bool:
    """done -> confirmed, once: points to the volunteer, the 晒单 card, everyone told. False when
    someone confirmed it first (nothing written); refused when it is in another state."""
    now = env.clock()
    if not await uow.requests.transition(request, Step.CONFIRM, confirmed_at=now, auto_confirmed=auto):
        if request.status in FINISHED:
            return False
        raise wrong_state(request)
    await uow.requests.record(request, Event.AUTO_CONFIRMED if auto else Event.CONFIRMED, actor_id, at=now)
    awarded = await ledger.award_for_request(uow, request, actor_id)
    await messages.refresh_card(uow, f"{key}:card", CARD, request.id)
    community = await uow.communities.get(request.community_id)
    assert community is not None
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        await tell(
            uow,
            env,
            f"{key}:vol",
            volunteer,
            request,
            "requests/told_confirmed",
            points=request.points if awarded else 0,
            auto=auto,
        )
    if actor_id != request.requester_id:
        await tell_requester(uow, env, f"{key}:req", request, "requests/told_confirmed_for_you", auto=auto)
    if community.publicity and volunteer is not None:
        group = await fallback_chat(uow, request)
        if group is not None:
            await messages.post_card(uow, f"{key}:publicity:{request.round}", group, PUBLICITY, request.id)
    return True


async def confirm_due(make_uow: Callable[[], UnitOfWork], env: Env) -> int:
    """Confirm every done request whose requester did not answer in time (stored due time, so a
    restart loses nothing; the conditional UPDATE makes it happen once even with two instances)."""
    async with make_uow() as uow:
        due = await uow.requests.due_for_auto_confirm(env.clock())
    count = 0
    for request_id in due:
        try:
            async with make_uow() as uow:
                request = await uow.requests.get(request_id)
                if request is None or request.status != RequestStatus.DONE:
                    continue
                if not await confirmed(
                    uow, env, f"auto:{request.id}:{request.round}", request, None, auto=True
                ):
                    continue
                await uow.commit()
                count += 1
        except Refused:  # confirmed by someone else in the meantime
            continue
    if count:
        log.info("confirmed %s request(s) automatically", count)
    return count


async def progress(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/progress <id> [note]: “on my way” or any note; the requester is told."""
    await by_command(uow, env, inc, progress_step, "requests/progress_usage")


async def progress_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, progress_step, request_id)


async def done(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/done <id> [note] (a photo captioned so is proof): 办结; the requester is asked to confirm."""
    await by_command(uow, env, inc, done_step, "requests/done_usage")


async def done_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, done_step, request_id)


async def confirm(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/confirm <id> (or ✅ solved): 核查; points to the volunteer and the 晒单 card."""
    await by_command(uow, env, inc, confirm_step, "requests/number_usage")


async def confirm_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await by_button(uow, env, inc, confirm_step, request_id)
