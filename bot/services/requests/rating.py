"""Rating (评价) a confirmed request: ⭐1–5 with a comment; a low rating alerts the staff group."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.numbers import split_stars
from bot.services.requests.access import (
    COMMENT_LIMIT,
    Found,
    by_id,
    check_text,
    find,
    is_requester,
)
from bot.services.requests.cards import PUBLICITY
from bot.services.requests.notify import (
    card_changed,
    tell,
    tell_staff,
)
from bot.services.requests.step import wrong_state
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome, toast
from storage.request_states import Event, RequestStatus, Step
from storage.uow import UnitOfWork


async def rate_request(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, stars: int, comment: str
) -> None:
    request = found.request
    if not is_requester(actor, found):
        raise Refused("requests/rate_requester_only", n=request.number)
    if not 1 <= stars <= 5:
        raise Refused("requests/rate_usage")
    comment = check_text(comment, required=False, limit=COMMENT_LIMIT)
    if request.status == RequestStatus.RATED:
        raise Refused("requests/already_rated", n=request.number)
    if not await uow.requests.transition(request, Step.RATE, rating=stars, rating_comment=comment or None):
        raise wrong_state(request)
    await uow.requests.record(
        request, Event.RATED, actor.user.id, note=f"{stars}" + (f" {comment}" if comment else "")
    )
    await card_changed(uow, env, inc, request)
    await messages.refresh_card(uow, f"u{inc.update_id}:publicity", PUBLICITY, request.id)
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        await tell(
            uow,
            env,
            f"u{inc.update_id}:vol",
            volunteer,
            request,
            "requests/told_rated",
            stars=stars,
            comment=comment,
        )
    if stars <= 2:
        await tell_staff(
            uow,
            env,
            f"u{inc.update_id}:low",
            request,
            "requests/staff_low_rating",
            stars=stars,
            comment=comment,
        )


async def rate(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/rate <id> <1-5> [comment]; the stars also as 五星, 5星, 五颗星 or ★★★★★."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "requests/rate_usage")
    stars, comment = split_stars(found.rest)
    if stars is None:
        raise Refused("requests/rate_usage")
    await rate_request(uow, env, inc, actor, found, stars, comment)
    await messages.reply(uow, env, inc, actor.locale, "requests/rated", n=found.request.number, stars=stars)


async def rate_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int, stars: int) -> Outcome:
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    await rate_request(uow, env, inc, actor, found, stars, "")
    return toast(env, actor.locale, "requests/rated", n=found.request.number, stars=stars)
