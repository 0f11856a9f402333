"""Points (积分): earning for confirmed requests, reversing on reopen, and /points.

Every change is one entry in the append-only ledger with a unique idempotency key, so a repeated
confirm (a double press, a redelivered update, two instances) awards nothing twice.
"""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services import messages
from bot.services.actors import identify, member_communities, user_locale
from bot.services.env import Env
from bot.services.errors import Refused
from storage.models import Request
from storage.uow import UnitOfWork

RECENT = 10


def earn_key(request: Request) -> str:
    return f"request:{request.id}:earn:{request.round}"


async def award_for_request(uow: UnitOfWork, request: Request, actor_id: int | None) -> bool:
    """The category's points to the volunteer of a confirmed request, once per round."""
    if request.volunteer_id is None or request.points <= 0:
        return False
    account = await uow.points.account(request.community_id, request.volunteer_id)
    return await uow.points.post(
        account,
        request.points,
        kind="earn",
        reason="request",
        key=earn_key(request),
        ref_id=request.id,
        actor_id=actor_id,
    )


async def reverse_for_request(uow: UnitOfWork, request: Request, actor_id: int | None) -> int:
    """Take back what a reopened request earned (a reversing entry; the earning stays on record).

    Returns the points reversed. The balance may go below zero if they were already spent.
    """
    if request.volunteer_id is None or not await uow.points.has_entry(earn_key(request)):
        return 0
    account = await uow.points.account(request.community_id, request.volunteer_id)
    posted = await uow.points.post(
        account,
        -request.points,
        kind="reverse",
        reason="request",
        key=f"request:{request.id}:reverse:{request.round}",
        ref_id=request.id,
        actor_id=actor_id,
        overdraw=True,
    )
    return request.points if posted else 0


async def show(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/points: balance and recent entries, per community the person belongs to."""
    actor = await identify(uow, env, inc)
    communities = [actor.community] if actor.community is not None else await member_communities(uow, actor)
    if not communities:
        raise Refused("request_join_first")
    accounts = []
    for community in communities:
        account = await uow.points.find_account(community.id, actor.user.id)
        rows = []
        for entry in await uow.points.entries(account.id, RECENT) if account is not None else []:
            request = (
                await uow.requests.get(entry.ref_id) if entry.reason == "request" and entry.ref_id else None
            )
            number = request.number if request is not None else None
            rows.append(
                {"amount": entry.amount, "kind": entry.kind, "reason": entry.reason, "number": number}
            )
        balance = account.balance if account is not None else 0
        accounts.append({"community": community.name, "balance": balance, "entries": rows})
    locale = actor.locale if actor.community is not None else user_locale(env, actor.user)
    await messages.reply(uow, env, inc, locale, "points_show", accounts=accounts)
    await uow.commit()
