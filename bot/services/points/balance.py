"""/points: a person's balance and recent entries, per community they belong to."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import identify, member_communities, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember
from storage.uow import UnitOfWork

RECENT = 10


async def show(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/points: balance and recent entries, per community the person belongs to."""
    actor = await identify(uow, env, inc)
    communities = (
        [actor.community]
        if actor.community is not None
        else await member_communities(uow, actor, left_too=True)
    )
    if not communities:
        raise NotMember("requests/join_first")
    accounts = []
    for community in communities:
        account = await uow.points.find_account(community.id, actor.user.id)
        rows = []
        entries = await uow.points.entries(account.id, RECENT) if account is not None else []
        awards = await uow.points.awards(e.ref_id for e in entries if e.reason == "award" and e.ref_id)
        for entry in entries:
            request = (
                await uow.requests.get(entry.ref_id) if entry.reason == "request" and entry.ref_id else None
            )
            number = request.number if request is not None else None
            award = awards.get(entry.ref_id or 0) if entry.reason == "award" else None
            rows.append(
                {
                    "amount": entry.amount,
                    "kind": entry.kind,
                    "reason": entry.reason,
                    "number": number,
                    "note": award.reason if award is not None else "",
                }
            )
        balance = account.balance if account is not None else 0
        accounts.append({"community": community.name, "balance": balance, "entries": rows})
    locale = actor.locale if actor.community is not None else user_locale(env, actor.user)
    await messages.reply(uow, env, inc, locale, "points/show", accounts=accounts)
