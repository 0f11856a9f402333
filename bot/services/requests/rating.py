"""Rating (评价) a confirmed request: ⭐1–5 with a comment; a low rating alerts the staff group.

A rating tapped by mistake may be changed for `rating_change_minutes` after it was first given
(measured on the injected clock): the new one replaces the old, and the 晒单 card, the request's
cards and the staff alert are edited to show it. Points do not depend on the rating, so the
ledger is untouched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

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
from bot.services.requests.cards import CARD, LOW_RATING, PUBLICITY, RATING_ALERT
from bot.services.requests.notify import card_changed, tell
from bot.services.requests.step import wrong_state
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome, toast
from storage.models import Request
from storage.request_states import Event, RequestStatus, Step
from storage.uow import UnitOfWork

CLOSED_LOOKBACK = timedelta(days=1)


async def rate_request(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, stars: int, comment: str
) -> str:
    """Rate, or change the rating while that is still allowed; returns the answer's template."""
    request = found.request
    if not is_requester(actor, found):
        raise Refused("requests/rate_requester_only", n=request.number)
    if not 1 <= stars <= 5:
        raise Refused("requests/rate_usage")
    comment = check_text(comment, required=False, limit=COMMENT_LIMIT)
    if request.status == RequestStatus.RATED:
        return await _change(uow, env, inc, actor, request, stars, comment)
    if not await uow.requests.transition(
        request, Step.RATE, rating=stars, rating_comment=comment or None, rated_at=env.clock()
    ):
        raise wrong_state(request)
    await uow.requests.record(request, Event.RATED, actor.user.id, note=_note(stars, comment))
    await _show(uow, env, inc, request, was=None)
    return "requests/rated"


async def _change(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, request: Request, stars: int, comment: str
) -> str:
    was = request.rating
    if stars == was and comment in ("", request.rating_comment or ""):
        return "requests/already_rated"  # the same star pressed again: nothing to change
    minutes = env.settings.rating_change_minutes
    since = env.clock() - timedelta(minutes=minutes)
    if not await uow.requests.transition(
        request, Step.RERATE, rated_since=since, rating=stars, rating_comment=comment or None
    ):
        if request.status == RequestStatus.RATED:
            raise Refused("requests/rating_final", n=request.number, minutes=minutes)
        raise wrong_state(request)
    await uow.requests.record(request, Event.RERATED, actor.user.id, note=_note(stars, comment))
    await _show(uow, env, inc, request, was=was)
    return "requests/rating_changed"


async def close_rating_windows(make_uow: Callable[[], UnitOfWork], env: Env) -> int:
    """Cards of requests whose rating can no longer be changed are edited to drop the stars.

    Looks back a day past the window (a sweep after a longer stop leaves the stars, which then
    answer that the rating is final); each card is edited once per round (dedupe key)."""
    until = env.clock() - timedelta(minutes=env.settings.rating_change_minutes)
    async with make_uow() as uow:
        closed = await uow.requests.rating_windows_closed(until - CLOSED_LOOKBACK, until)
        for request_id, round_ in closed:
            await messages.refresh_card(uow, f"rating-closed:{request_id}:{round_}", CARD, request_id)
        await uow.commit()
    return len(closed)


def _note(stars: int, comment: str) -> str:
    return f"{stars}" + (f" {comment}" if comment else "")


async def _show(uow: UnitOfWork, env: Env, inc: Incoming, request: Request, *, was: int | None) -> None:
    """Every card that shows the rating is edited; the volunteer is told; a low one alerts staff
    (the alert, once per round, is edited when the rating changes)."""
    assert request.rating is not None
    await card_changed(uow, env, inc, request)
    await messages.refresh_card(uow, f"u{inc.update_id}:publicity", PUBLICITY, request.id)
    if was is not None and was <= LOW_RATING:
        await messages.refresh_card(uow, f"u{inc.update_id}:alert", RATING_ALERT, request.id)
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        await tell(
            uow,
            env,
            f"u{inc.update_id}:vol",
            volunteer,
            request,
            "requests/told_rated",
            stars=request.rating,
            comment=request.rating_comment or "",
            changed=was is not None,
        )
    if request.rating <= LOW_RATING:
        for chat in await uow.chats.of_community(request.community_id, "staff"):
            key = f"alert:{request.id}:{request.round}:{chat.telegram_id}"
            await messages.post_card(uow, key, chat.telegram_id, RATING_ALERT, request.id)


def _minutes(env: Env, template: str) -> int:
    """The first rating's answer says for how long it may be changed."""
    return env.settings.rating_change_minutes if template == "requests/rated" else 0


async def rate(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/rate <id> <1-5> [comment]; the stars also as 五星, 5星, 五颗星 or ★★★★★."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "requests/rate_usage")
    stars, comment = split_stars(found.rest)
    if stars is None:
        raise Refused("requests/rate_usage")
    template = await rate_request(uow, env, inc, actor, found, stars, comment)
    request = found.request
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        template,
        n=request.number,
        stars=request.rating,
        minutes=_minutes(env, template),
    )


async def rate_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int, stars: int) -> Outcome:
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    template = await rate_request(uow, env, inc, actor, found, stars, "")
    request = found.request
    return toast(
        env, actor, template, n=request.number, stars=request.rating, minutes=_minutes(env, template)
    )
