"""A request's life after filing: claim or assign, decline or release, progress, done, confirm
(or automatic confirmation), reopen, cancel, rate, and staff corrections.

Every change is a conditional UPDATE (`requests.transition`): two people pressing at once cannot
both win, and a stale button finds the request in another state and says so. Every step is
recorded in the request's history, edits its cards everywhere, and tells the people concerned.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.deadlines import add_service_time
from bot.incoming import Incoming
from bot.render import to_plain
from bot.services import messages, points, volunteers
from bot.services.actors import Actor, identify, user_locale
from bot.services.env import Env
from bot.services.errors import Refused
from bot.services.intake import add_detail, keep_media, pass_on_media, send_media_to
from bot.services.messages import Button
from bot.services.request_access import (
    COMMENT_LIMIT,
    Ambiguous,
    Found,
    by_id,
    can_dispatch,
    catalog_of,
    check_text,
    find,
    first_word,
    is_active_volunteer,
    is_requester,
    is_volunteer,
    split_number,
)
from bot.services.request_cards import CARD, PUBLICITY
from bot.services.roles import resolve_target
from bot.services.runner import Outcome
from bot.triage import building_key, parse_place
from storage.models import Request, User
from storage.requests import ACTIVE, IN_HAND
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

FINISHED = ("confirmed", "rated")
Core = Callable[[UnitOfWork, Env, Incoming, Actor, Found], Awaitable[str]]


# -- how commands and buttons reach a step --------------------------------------------------------
def command(core: Core, usage: str) -> Callable[[UnitOfWork, Env, Incoming], Awaitable[None]]:
    """`/<step> <id> [...]`: find the request the person means, do the step, answer in the chat."""

    async def run(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
        actor = await identify(uow, env, inc)
        try:
            found = await find(uow, env, inc, actor, usage)
        except Ambiguous as several:
            await _ask_which(uow, env, inc, actor, core, several)
            return
        template = await core(uow, env, inc, actor, found)
        await messages.reply(uow, env, inc, actor.locale, template, n=found.request.number)
        await uow.commit()

    run.__name__ = core.__name__.lstrip("_")
    CORES[run.__name__] = core
    return run


CORES: dict[str, Core] = {}  # the steps a typed command can be resumed into after "which community?"
PICK = "pick"


async def _ask_which(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, core: Core, several: Ambiguous
) -> None:
    """The number exists in several of the person's communities: buttons say which one is meant;
    the command waits in the conversation until one is pressed."""
    _, rest = split_number(inc.text)
    await uow.conversations.put(actor.user.id, PICK, core.__name__.lstrip("_"), {"rest": rest})
    buttons = [
        [Button(f"#{r.number} · {name}", callbacks.encode("rk", r.id))] for r, name in several.choices[:10]
    ]
    await messages.reply(
        uow, env, inc, actor.locale, "request_which_community", number=several.number, buttons=buttons
    )
    await uow.commit()


async def picked(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
    """The community button: the waiting command runs on the request that was chosen."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    core = CORES.get(conversation.step) if conversation is not None and conversation.flow == PICK else None
    if conversation is None or core is None:
        raise Refused("common_button_expired")
    found = await by_id(uow, actor, request_id)
    if found.membership is None and not actor.is_super:
        raise Refused("common_button_expired")
    found.rest = str(conversation.data.get("rest", ""))
    await uow.conversations.end(actor.user.id)
    template = await core(uow, env, inc, actor, found)
    await messages.post(
        uow,
        f"u{inc.update_id}:picked",
        inc.chat.chat_id,
        env.renderer.render(actor.locale, template, n=found.request.number),
    )
    await uow.commit()
    return Outcome()


def button(core: Core) -> Callable[[UnitOfWork, Env, Incoming, int], Awaitable[Outcome]]:
    """A card button: the request id in callback_data is re-checked like a typed command."""

    async def run(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int) -> Outcome:
        actor = await identify(uow, env, inc)
        found = await by_id(uow, actor, request_id)
        template = await core(uow, env, inc, actor, found)
        await uow.commit()
        return Outcome(
            toast=to_plain(env.renderer.render(actor.locale, template, n=found.request.number), 200)
        )

    run.__name__ = f"{core.__name__.lstrip('_')}_button"
    return run


def _must(allowed: bool, request: Request) -> None:
    """Only the people a step belongs to may take it (the requester, its volunteer, or staff)."""
    if not allowed:
        raise Refused("request_not_yours", n=request.number)


def _wrong_state(request: Request) -> Refused:
    return Refused("request_wrong_state", n=request.number, status=request.status)


async def _changed(uow: UnitOfWork, env: Env, inc: Incoming, request: Request) -> None:
    """Every card of the request, wherever it is, is edited to show the new state."""
    await messages.refresh_card(uow, f"u{inc.update_id}:card", CARD, request.id)


async def _fallback_chat(uow: UnitOfWork, request: Request) -> int | None:
    """Where to mention someone the bot cannot write to privately: the request's own group."""
    if request.source_chat_id is not None:
        return request.source_chat_id
    groups = await uow.chats.of_community(request.community_id, "neighbourhood")
    return groups[0].telegram_id if groups else None


async def _tell(
    uow: UnitOfWork, env: Env, key: str, user: User | None, request: Request, template: str, **context: Any
) -> None:
    if user is None:
        return
    community = await uow.communities.get(request.community_id)
    await messages.tell(
        uow,
        env,
        key,
        user,
        template,
        fallback_chat_id=await _fallback_chat(uow, request),
        fallback_locale=community.locale if community else None,
        n=request.number,
        **context,
    )


async def _tell_requester(
    uow: UnitOfWork, env: Env, key: str, request: Request, template: str, **context: Any
) -> None:
    requester = await uow.users.get(request.requester_id) if request.requester_id else None
    await _tell(uow, env, key, requester, request, template, **context)


async def _tell_staff(
    uow: UnitOfWork, env: Env, key: str, request: Request, template: str, **context: Any
) -> None:
    community = await uow.communities.get(request.community_id)
    assert community is not None
    text = env.renderer.render(community.locale, template, n=request.number, **context)
    for chat in await uow.chats.of_community(request.community_id, "staff"):
        await messages.post(uow, f"{key}:{chat.telegram_id}", chat.telegram_id, text)


async def _name(uow: UnitOfWork, user: User, community_id: int) -> str:
    m = await uow.memberships.get(user.id, community_id)
    return (m.display_name if m is not None and m.display_name else None) or user.full_name or "?"


async def _card_to(
    uow: UnitOfWork, env: Env, key: str, request: Request, person: User, fallback_template: str
) -> bool:
    """The request card in a person's private chat; if the bot cannot write to them there, a
    mention in the request's group rendered from `fallback_template` (no details in it)."""
    community = await uow.communities.get(request.community_id)
    assert community is not None
    fallback = env.renderer.render(
        community.locale, fallback_template, who=messages.mention(person), n=request.number
    )
    return await messages.post_card(
        uow,
        key,
        person.telegram_id,
        CARD,
        request.id,
        recipient=person,
        fallback_chat_id=await _fallback_chat(uow, request),
        fallback_text=fallback,
    )


async def _hand_over(uow: UnitOfWork, env: Env, inc: Incoming, request: Request, volunteer: User) -> None:
    """The volunteer gets the details in private (never in the group), with the photos and voice notes."""
    key = f"u{inc.update_id}:hand"
    posted = await _card_to(uow, env, f"{key}:card", request, volunteer, "request_start_for_details")
    if posted and volunteer.reachable:
        await send_media_to(uow, env, request, volunteer.telegram_id, f"{key}:media")


# -- claim and dispatch ----------------------------------------------------------------------
async def _take(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    if is_volunteer(actor, found) and request.status in IN_HAND:
        await _hand_over(uow, env, inc, request, actor.user)  # again: e.g. after they started the bot
        return "request_already_yours"
    if not is_active_volunteer(found.membership):
        raise Refused("request_volunteers_only", community=found.community.name)
    if is_requester(actor, found):
        raise Refused("request_own")
    now = env.clock()
    values: dict[str, Any] = {"volunteer_id": actor.user.id}
    if request.responded_at is None:
        values["responded_at"] = now
    if not await uow.requests.transition(request, ["open"], "claimed", **values):
        if request.status in IN_HAND and request.volunteer_id is not None:
            holder = await uow.users.get(request.volunteer_id)
            who = await _name(uow, holder, request.community_id) if holder else "?"
            raise Refused("request_already_taken", n=request.number, who=who)
        raise _wrong_state(request)
    await uow.requests.record(request, "claimed", actor.user.id, at=now)
    await _changed(uow, env, inc, request)
    await _hand_over(uow, env, inc, request, actor.user)
    name = await _name(uow, actor.user, request.community_id)
    await _tell_requester(uow, env, f"u{inc.update_id}:req", request, "request_told_claimed", who=name)
    return "request_taken"


async def _assign(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, target: User) -> str:
    request = found.request
    if not can_dispatch(actor, found):
        raise Refused("request_dispatch_only")
    m = await uow.memberships.get(target.id, request.community_id)
    if not is_active_volunteer(m):
        raise Refused("request_not_a_volunteer", who=target.full_name)
    if target.id == request.requester_id:
        raise Refused("request_own")
    if request.volunteer_id == target.id and request.status in IN_HAND:
        raise Refused("request_already_theirs", n=request.number)
    previous = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    now = env.clock()
    values: dict[str, Any] = {"volunteer_id": target.id}
    if request.responded_at is None:
        values["responded_at"] = now
    if not await uow.requests.transition(
        request,
        [request.status] if request.status in ACTIVE else ["open"],
        "assigned",
        volunteer_is=previous.id if previous else None,
        **values,
    ):
        raise _wrong_state(request)
    await uow.requests.record(request, "assigned", actor.user.id, target_id=target.id, at=now)
    await _changed(uow, env, inc, request)
    await _hand_over(uow, env, inc, request, target)
    await _tell(uow, env, f"u{inc.update_id}:assigned", target, request, "request_told_assigned")
    if previous is not None:
        await _tell(uow, env, f"u{inc.update_id}:prev", previous, request, "request_told_reassigned")
    name = await _name(uow, target, request.community_id)
    await _tell_requester(uow, env, f"u{inc.update_id}:req", request, "request_told_claimed", who=name)
    return "request_assigned"


async def assign(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/assign <id> <volunteer>: by reply, text mention, @username or the volunteer's name."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "request_assign_usage")
    if not can_dispatch(actor, found):
        raise Refused("request_dispatch_only")
    target = await _volunteer_named(uow, inc, found)
    await _assign(uow, env, inc, actor, found, target)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "request_assigned",
        n=found.request.number,
        who=await _name(uow, target, found.community.id),
    )
    await uow.commit()


async def _volunteer_named(uow: UnitOfWork, inc: Incoming, found: Found) -> User:
    if inc.reply_to is not None or inc.text_mentions or inc.usernames:
        return await resolve_target(uow, inc)
    wanted = " ".join(found.rest.split()).lower()
    if not wanted:
        raise Refused("request_assign_usage")
    for m, user in await uow.memberships.volunteers(found.community.id):
        if wanted in {(m.display_name or "").lower(), user.full_name.lower()}:
            return user
    raise Refused("request_not_a_volunteer", who=found.rest[:32])


async def assign_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int, user_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    target = await uow.users.get(user_id)
    if target is None:
        raise Refused("common_button_expired")
    await _assign(uow, env, inc, actor, found, target)
    await uow.commit()
    who = await _name(uow, target, found.community.id)
    return Outcome(
        toast=to_plain(
            env.renderer.render(actor.locale, "request_assigned", n=found.request.number, who=who), 200
        )
    )


async def _give_back(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, kind: str) -> str:
    """Decline (an assignment) or release (a claim): the request is open again for others."""
    request = found.request
    allowed = ["assigned"] if kind == "declined" else list(IN_HAND)
    _must(is_volunteer(actor, found), request)
    if not await uow.requests.transition(
        request, allowed, "open", volunteer_is=actor.user.id, volunteer_id=None
    ):
        raise _wrong_state(request)
    reason = check_text(found.rest, required=False, limit=COMMENT_LIMIT)
    await uow.requests.record(request, kind, actor.user.id, note=reason or None)
    await _changed(uow, env, inc, request)
    name = await _name(uow, actor.user, request.community_id)
    await _tell_staff(
        uow,
        env,
        f"u{inc.update_id}:staff",
        request,
        "request_staff_given_back",
        who=name,
        kind=kind,
        reason=reason,
    )
    await _tell_requester(uow, env, f"u{inc.update_id}:req", request, "request_told_reopened_for_others")
    return "request_declined" if kind == "declined" else "request_released"


async def _decline(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    return await _give_back(uow, env, inc, actor, found, "declined")


async def _release(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    return await _give_back(uow, env, inc, actor, found, "released")


# -- progress and done -------------------------------------------------------------------------
async def _progress(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    _must(is_volunteer(actor, found) or can_dispatch(actor, found), request)
    if request.status not in IN_HAND:
        raise _wrong_state(request)
    note = found.rest.strip() or env.renderer.label(user_locale(env, actor.user), "req_on_my_way_note")
    note = check_text(note, limit=COMMENT_LIMIT)
    await uow.requests.record(request, "progress", actor.user.id, note=note)
    await _changed(uow, env, inc, request)
    name = await _name(uow, actor.user, request.community_id)
    await _tell_requester(
        uow, env, f"u{inc.update_id}:req", request, "request_told_progress", who=name, note=note
    )
    return "request_progress_saved"


async def _done(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    _must(is_volunteer(actor, found) or can_dispatch(actor, found), request)
    note = check_text(found.rest, required=False, limit=COMMENT_LIMIT)
    now = env.clock()
    catalog = catalog_of(env, found.community)
    auto_at = add_service_time(now, catalog.auto_confirm, ZoneInfo(found.community.timezone), None)
    if not await uow.requests.transition(
        request, list(IN_HAND), "done", done_at=now, done_note=note or None, auto_confirm_at=auto_at
    ):
        raise _wrong_state(request)
    for item in inc.media:
        await keep_media(uow, request, item, inc.chat.chat_id, actor.user, "done")
    await pass_on_media(uow, request, inc, f"u{inc.update_id}:proof", exclude=actor.user.id)
    await uow.requests.record(request, "done", actor.user.id, note=note or None, at=now)
    await _changed(uow, env, inc, request)
    await _ask_to_confirm(uow, env, f"u{inc.update_id}:confirm", request)
    return "request_done_saved"


async def _ask_to_confirm(uow: UnitOfWork, env: Env, key: str, request: Request) -> None:
    """The requester gets their card again, at the bottom of the chat, with 'solved' / 'not solved'."""
    requester = await uow.users.get(request.requester_id) if request.requester_id else None
    if requester is None:  # filed by staff for someone without Telegram: staff confirm by phone
        await _tell_staff(
            uow, env, key, request, "request_staff_confirm_by_phone", name=request.on_behalf_name or ""
        )
        return
    await _card_to(uow, env, f"{key}:card", request, requester, "request_ask_confirm_in_group")
    if not requester.reachable:
        return
    for item in await uow.requests.media_of(request.id):
        if item.stage == "done":
            caption = f"#{request.number}"
            proof_key = f"{key}:proof:{item.id}"
            await messages.send_media(uow, proof_key, requester.telegram_id, item.kind, item.file_id, caption)


# -- confirm, reopen, cancel, rate ---------------------------------------------------------------
async def _confirm(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    _must(is_requester(actor, found) or can_dispatch(actor, found), request)
    if request.status in FINISHED:
        raise Refused("request_already_confirmed", n=request.number)
    await confirmed(uow, env, f"u{inc.update_id}", request, actor.user.id, auto=False)
    return "request_confirmed"


async def confirmed(
    uow: UnitOfWork, env: Env, key: str, request: Request, actor_id: int | None, *, auto: bool
) -> None:
    """done -> confirmed, once: points to the volunteer, the 晒单 card, everyone told."""
    now = env.clock()
    if not await uow.requests.transition(
        request, ["done"], "confirmed", confirmed_at=now, auto_confirmed=auto
    ):
        raise _wrong_state(request)
    await uow.requests.record(request, "auto_confirmed" if auto else "confirmed", actor_id, at=now)
    awarded = await points.award_for_request(uow, request, actor_id)
    await messages.refresh_card(uow, f"{key}:card", CARD, request.id)
    community = await uow.communities.get(request.community_id)
    assert community is not None
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        await _tell(
            uow,
            env,
            f"{key}:vol",
            volunteer,
            request,
            "request_told_confirmed",
            points=request.points if awarded else 0,
            auto=auto,
        )
    if actor_id != request.requester_id:
        await _tell_requester(uow, env, f"{key}:req", request, "request_told_confirmed_for_you", auto=auto)
    if community.publicity and volunteer is not None:
        group = await _fallback_chat(uow, request)
        if group is not None:
            await messages.post_card(uow, f"{key}:publicity:{request.round}", group, PUBLICITY, request.id)


async def _reopen(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    staff = can_dispatch(actor, found)
    _must(is_requester(actor, found) or staff, request)
    reason = found.rest.strip()
    if not reason and inc.callback_id is not None:
        reason = env.renderer.label(user_locale(env, actor.user), "req_not_solved_reason")
    if not reason:
        raise Refused("request_reopen_usage")
    reason = check_text(reason, limit=COMMENT_LIMIT)
    allowed = ["done", "confirmed", "rated"] if staff else ["done", "confirmed"]
    was_volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    reversed_points = (
        await points.reverse_for_request(uow, request, actor.user.id) if request.status in FINISHED else 0
    )
    if not await uow.requests.transition(
        request,
        allowed,
        "open",
        volunteer_id=None,
        round=request.round + 1,
        confirmed_at=None,
        auto_confirm_at=None,
        auto_confirmed=False,
        rating=None,
        rating_comment=None,
    ):
        raise _wrong_state(request)
    await uow.requests.record(request, "reopened", actor.user.id, note=reason)
    await _changed(uow, env, inc, request)
    await messages.refresh_card(uow, f"u{inc.update_id}:publicity", PUBLICITY, request.id)
    if was_volunteer is not None:
        await _tell(
            uow,
            env,
            f"u{inc.update_id}:vol",
            was_volunteer,
            request,
            "request_told_reopened",
            reason=reason,
            points=reversed_points,
        )
    await _tell_staff(uow, env, f"u{inc.update_id}:staff", request, "request_staff_reopened", reason=reason)
    return "request_reopened"


async def _cancel(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    _must(is_requester(actor, found) or can_dispatch(actor, found), request)
    reason = check_text(found.rest, required=False, limit=COMMENT_LIMIT)
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if not await uow.requests.transition(request, list(ACTIVE), "cancelled"):
        raise _wrong_state(request)
    await uow.requests.record(request, "cancelled", actor.user.id, note=reason or None)
    await _changed(uow, env, inc, request)
    if volunteer is not None:
        await _tell(
            uow, env, f"u{inc.update_id}:vol", volunteer, request, "request_told_cancelled", reason=reason
        )
    if not is_requester(actor, found):
        await _tell_requester(
            uow, env, f"u{inc.update_id}:req", request, "request_told_cancelled", reason=reason
        )
    return "request_cancelled"


async def rate_request(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, stars: int, comment: str
) -> None:
    request = found.request
    if not is_requester(actor, found):
        raise Refused("request_rate_requester_only", n=request.number)
    if not 1 <= stars <= 5:
        raise Refused("request_rate_usage")
    comment = check_text(comment, required=False, limit=COMMENT_LIMIT)
    if request.status == "rated":
        raise Refused("request_already_rated", n=request.number)
    if not await uow.requests.transition(
        request, ["confirmed"], "rated", rating=stars, rating_comment=comment or None
    ):
        raise _wrong_state(request)
    await uow.requests.record(
        request, "rated", actor.user.id, note=f"{stars}" + (f" {comment}" if comment else "")
    )
    await _changed(uow, env, inc, request)
    await messages.refresh_card(uow, f"u{inc.update_id}:publicity", PUBLICITY, request.id)
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        await _tell(
            uow,
            env,
            f"u{inc.update_id}:vol",
            volunteer,
            request,
            "request_told_rated",
            stars=stars,
            comment=comment,
        )
    if stars <= 2:
        await _tell_staff(
            uow,
            env,
            f"u{inc.update_id}:low",
            request,
            "request_staff_low_rating",
            stars=stars,
            comment=comment,
        )


async def rate(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/rate <id> <1-5> [comment]."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "request_rate_usage")
    first, comment = first_word(found.rest)
    if not first.isdigit() or len(first) > 1:
        raise Refused("request_rate_usage")
    await rate_request(uow, env, inc, actor, found, int(first), comment)
    await messages.reply(
        uow, env, inc, actor.locale, "request_rated", n=found.request.number, stars=int(first)
    )
    await uow.commit()


async def rate_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int, stars: int) -> Outcome:
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    await rate_request(uow, env, inc, actor, found, stars, "")
    await uow.commit()
    return Outcome(
        toast=to_plain(
            env.renderer.render(actor.locale, "request_rated", n=found.request.number, stars=stars), 200
        )
    )


# -- staff corrections ------------------------------------------------------------------------
async def _category(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    if not can_dispatch(actor, found):
        raise Refused("request_dispatch_only")
    if not found.rest.strip():
        raise Refused("request_category_usage")
    catalog = catalog_of(env, found.community)
    category = catalog.find(found.rest)
    if category is None:
        names = [c.name(actor.locale) for c in catalog.categories]
        raise Refused("request_category_unknown", names=names, given=found.rest[:32])
    if request.status == "cancelled":
        raise _wrong_state(request)
    old = request.category
    request.category, request.complexity = category.key, category.complexity
    if request.status not in FINISHED:
        request.points = category.points
    await uow.requests.record(request, "category", actor.user.id, note=f"{old} -> {category.key}")
    await _changed(uow, env, inc, request)
    return "request_corrected"


async def _building(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    if not can_dispatch(actor, found):
        raise Refused("request_dispatch_only")
    place = parse_place(found.rest)
    building = place.building or building_key(found.rest)
    if building is None:
        raise Refused("request_building_usage")
    if request.status == "cancelled":
        raise _wrong_state(request)
    old = request.building or "-"
    request.building = building
    request.unit = place.unit or request.unit
    request.room = place.room or request.room
    await uow.requests.record(request, "building", actor.user.id, note=f"{old} -> {building}")
    await _changed(uow, env, inc, request)
    return "request_corrected"


# -- replies to a card in private ------------------------------------------------------------------
async def reply_to_card(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, request: Request) -> None:
    """A reply to a request card in private: the volunteer's photo is proof (or a progress note);
    the requester's message is a detail added to their request."""
    found = await by_id(uow, actor, request.id)
    found.rest = inc.text
    if is_volunteer(actor, found) and request.status in (*IN_HAND, "done"):
        if inc.media and request.status == "done":
            for item in inc.media:
                await keep_media(uow, request, item, inc.chat.chat_id, actor.user, "done")
            await uow.requests.record(request, "proof", actor.user.id, note=inc.text.strip() or None)
            await _changed(uow, env, inc, request)
            template = "request_proof_saved"
        elif inc.media:
            template = await _done(uow, env, inc, actor, found)
        else:
            template = await _progress(uow, env, inc, actor, found)
        await messages.reply(uow, env, inc, actor.locale, template, n=request.number)
        await uow.commit()
        return
    await add_detail(uow, env, inc, actor, found)
    await uow.commit()


# -- automatic confirmation ---------------------------------------------------------------------
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
                if request is None or request.status != "done":
                    continue
                await confirmed(uow, env, f"auto:{request.id}:{request.round}", request, None, auto=True)
                await uow.commit()
                count += 1
        except Refused:  # confirmed by someone else in the meantime
            continue
    if count:
        log.info("confirmed %s request(s) automatically", count)
    return count


async def cancel_or_leave(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome | None:
    """/cancel <id> cancels a request; a bare /cancel leaves whatever guided flow is going on."""
    if not inc.text.strip():
        return await volunteers.cancel_flow(uow, env, inc)
    await cancel(uow, env, inc)
    return None


# -- the commands --------------------------------------------------------------------------------
take = command(_take, "request_take_usage")
decline = command(_decline, "request_number_usage")
release = command(_release, "request_number_usage")
progress = command(_progress, "request_progress_usage")
done = command(_done, "request_done_usage")
confirm = command(_confirm, "request_number_usage")
reopen = command(_reopen, "request_reopen_usage")
cancel = command(_cancel, "request_number_usage")
category = command(_category, "request_category_usage")
building = command(_building, "request_building_usage")

take_button = button(_take)
decline_button = button(_decline)
release_button = button(_release)
progress_button = button(_progress)
done_button = button(_done)
confirm_button = button(_confirm)
reopen_button = button(_reopen)
