"""Buttons under /mine and /open, so that nobody has to type a request's number.

/mine: each request's next step for the person reading (confirm or not solved, add a detail or
cancel, rate; on my way or done for its volunteer). /open: take buttons; in the staff group, per
request, dispatch (the fitting volunteers as assign buttons) and details (the staff card). The
buttons are the cards' own where a step exists (rc, rr, rp, rd, rt, ra); the few here are
re-checked when pressed like any typed command, so an old copy answers for the request as it is.
"""

from __future__ import annotations

from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.services.requests import cancel, details
from bot.services.requests.access import Found, by_id, can_dispatch, catalog_of, is_requester
from bot.services.requests.cards import CARD, local, suggestions
from bot.services.requests.step import must, wrong_state
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, require_private, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button, Keyboard
from bot.services.shared.runner import Outcome, toast
from storage.models import Community, Request
from storage.request_states import ACTIVE, DETAILS_CLOSED, RequestStatus, Step, allows
from storage.uow import UnitOfWork

DETAIL_FLOW = "detail"  # the conversation of "➕ add a detail": the next private message is it
DISPATCH_SHOWN = 8  # fitting volunteers offered by the dispatch button
NAME_SHOWN = 32  # characters of a name in a staff list line


def _button(env: Env, locale: str, label: str, request: Request, action: str, *args: object) -> Button:
    return Button(f"#{request.number} {env.renderer.label(locale, label)}", callbacks.encode(action, *args))


def mine_row(env: Env, locale: str, request: Request, role: str) -> list[Button]:
    """The next step of one of my requests, for me: nothing when it is for others to act."""
    rid, status = request.id, request.status
    if role == "volunteer":
        if allows(Step.DONE, status):
            return [
                _button(env, locale, "req_on_my_way", request, "rp", rid),
                _button(env, locale, "req_done", request, "rd", rid),
            ]
        return []
    if allows(Step.CONFIRM, status):
        return [
            _button(env, locale, "req_solved", request, "rc", rid),
            _button(env, locale, "req_not_solved", request, "rr", rid),
        ]
    if allows(Step.RATE, status):
        return [_button(env, locale, "req_rate", request, "rv", rid)]  # the card has the stars
    if allows(Step.CANCEL, status):
        return [
            _button(env, locale, "req_add_detail", request, "rad", rid),
            _button(env, locale, "req_cancel", request, "rx", rid),
        ]
    return []


def take_buttons(env: Env, locale: str, requests: list[Request]) -> Keyboard:
    """🙋 for each open request of a list, two to a row."""
    shown = [
        _button(env, locale, "req_take_short", r, "rt", r.id)
        for r in requests
        if allows(Step.CLAIM, r.status)
    ]
    return [shown[i : i + 2] for i in range(0, len(shown), 2)]


def staff_buttons(env: Env, locale: str, requests: list[Request]) -> Keyboard:
    """Dispatch and details for each request of the staff group's list."""
    return [
        [
            _button(env, locale, "req_dispatch", r, "rdp", r.id),
            _button(env, locale, "req_details", r, "rv", r.id),
        ]
        for r in requests
        if r.status in ACTIVE
    ]


async def staff_line(uow: UnitOfWork, env: Env, request: Request, community: Community) -> dict[str, Any]:
    """What staff need besides a list line: who asked and how to reach them, who has it, how late."""
    now = env.clock()
    requester = await uow.users.get(request.requester_id) if request.requester_id else None
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    who: Any = None
    if request.on_behalf_name:
        who = request.on_behalf_name[:NAME_SHOWN]
    elif requester is not None:
        who = messages.mention(requester)
    held = None
    if volunteer is not None and request.status != RequestStatus.OPEN:
        m = await uow.memberships.find(volunteer.id, community.id)
        held = ((m.display_name if m is not None else None) or volunteer.full_name)[:NAME_SHOWN]
    return {
        "who": who,
        "contact": (request.contact or "")[:64]
        or (f"@{requester.username}" if requester and requester.username else ""),
        "volunteer": held,
        "respond_by": local(request.respond_by, community, now),
        "late": request.resolve_by <= now,
        "unanswered": request.responded_at is None and request.respond_by <= now,
    }


# -- the buttons of this module ------------------------------------------------------------------
def _staff_group_of(actor: Actor, found: Found) -> bool:
    return (
        actor.chat is not None
        and actor.chat.kind == "staff"
        and actor.chat.active
        and actor.chat.community_id == found.community.id
    )


async def show_card(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    """📋 details / ⭐ rate: the request's card here, drawn for this chat (in private, the reader's
    own view with their buttons; in the community's staff group, the staff view)."""
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    if inc.chat.is_private:
        if found.membership is None and not actor.is_super:
            raise Refused("common/button_expired")
    elif not _staff_group_of(actor, found):
        raise Refused("common/button_expired")
    await messages.post_card(uow, f"u{inc.update_id}:view", inc.chat.chat_id, CARD, found.request.id)
    return Outcome()


async def dispatch_choices(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    """👥 dispatch: the volunteers who fit best, as assign buttons (the card's own)."""
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    if not can_dispatch(actor, found):
        raise Refused("requests/dispatch_only")
    request = found.request
    if not allows(Step.ASSIGN, request.status):
        raise wrong_state(request)
    catalog = catalog_of(env, found.community)
    category = catalog.get(request.category) or catalog.other
    locale = actor.locale
    buttons = [
        [
            Button(
                f"{env.renderer.label(locale, 'req_assign_to')} {(m.display_name or u.full_name)[:20]}",
                callbacks.encode("ra", request.id, u.id),
            )
        ]
        for m, u in await suggestions(uow, request, category, DISPATCH_SHOWN)
    ]
    await messages.reply(
        uow,
        env,
        inc,
        locale,
        "requests/dispatch_choose",
        n=request.number,
        category=category.name(locale),
        nobody=not buttons,
        buttons=buttons,
    )
    return Outcome()


async def ask_detail(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    """➕ add a detail: the next private message (text, photo or voice) is added to the request."""
    require_private(inc)
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    must(is_requester(actor, found) or can_dispatch(actor, found), found.request)
    if found.request.status in DETAILS_CLOSED:
        raise wrong_state(found.request)
    await uow.conversations.put(actor.user.id, DETAIL_FLOW, "text", {"request_id": found.request.id})
    await messages.reply(
        uow, env, inc, user_locale(env, actor.user), "requests/detail_ask", n=found.request.number
    )
    return Outcome()


async def waiting_detail(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, data: dict[str, Any], *, small_talk: bool
) -> None:
    """The private message after ➕: added to the request (re-checked), or asked for again when it
    is only small talk; a request closed meanwhile ends the wait with the reason."""
    found = await by_id(uow, actor, int(data.get("request_id", 0)))
    request = found.request
    locale = user_locale(env, actor.user)
    if not (is_requester(actor, found) or can_dispatch(actor, found)):
        await uow.conversations.end(actor.user.id)
        await messages.reply(uow, env, inc, locale, "requests/not_yours", n=request.number)
        return
    if request.status in DETAILS_CLOSED:
        await uow.conversations.end(actor.user.id)
        await messages.reply(
            uow, env, inc, locale, "requests/wrong_state", n=request.number, status=request.status
        )
        return
    if small_talk:  # "谢谢" or 👍 is not a detail: the wait goes on
        await messages.reply(uow, env, inc, locale, "requests/detail_ask", n=request.number)
        return
    found.rest = inc.text
    await uow.conversations.end(actor.user.id)
    await details.add_detail(uow, env, inc, actor, found)


async def ask_cancel(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    """🗑 cancel: asked once more, since a tap by mistake would lose the request."""
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    request = found.request
    must(is_requester(actor, found) or can_dispatch(actor, found), request)
    if not allows(Step.CANCEL, request.status):
        raise wrong_state(request)
    locale = actor.locale
    buttons = [
        [
            Button(env.renderer.label(locale, "req_cancel_yes"), callbacks.encode("rxy", request.id)),
            Button(env.renderer.label(locale, "req_cancel_no"), callbacks.encode("rxn", request.id)),
        ]
    ]
    await messages.reply(uow, env, inc, locale, "requests/cancel_ask", n=request.number, buttons=buttons)
    return Outcome()


async def cancel_confirmed(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    return await cancel.cancel_button(uow, env, inc, request_id)


async def cancel_kept(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    return toast(env, actor, "requests/cancel_kept", n=found.request.number)
