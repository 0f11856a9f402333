"""/points: a person's balance and recent entries, per community they belong to."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.incoming import Incoming
from bot.render import TextTooLong
from bot.services.shared import messages
from bot.services.shared.actors import identify, member_communities, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember
from bot.services.shop.refund import pending as shop_pending
from storage.uow import UnitOfWork

RECENT = 10
NOTE_SHOWN = 40  # a reason typed by staff, shortened in the list
WAITING_SHOWN = 5


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
    accounts: list[dict[str, Any]] = []
    for community in communities:
        tz = ZoneInfo(community.timezone)
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
                    "note": _short(award.reason) if award is not None else "",
                    "at": entry.created_at.astimezone(tz).strftime("%m-%d"),
                }
            )
        balance = account.balance if account is not None else 0
        pending = await shop_pending(uow, actor.user.id, community)
        waiting = [
            {"amount": a.amount, "note": _short(a.reason)}
            for a in await uow.points.pending_awards_of(community.id, actor.user.id)
        ][:WAITING_SHOWN]
        accounts.append(
            {
                "community": community.name,
                "balance": balance,
                "entries": rows,
                "waiting": waiting,
                "pending": pending,
            }
        )
    locale = actor.locale if actor.community is not None else user_locale(env, actor.user)
    while True:  # someone in many communities sees fewer entries of each, within one message
        try:
            env.renderer.render(locale, "points/show", accounts=accounts)
            break
        except TextTooLong:
            if not any(a["entries"] for a in accounts):
                raise
            for a in accounts:
                a["entries"] = a["entries"][:-1]
    await messages.reply(uow, env, inc, locale, "points/show", accounts=accounts)


def _short(note: str) -> str:
    return note if len(note) <= NOTE_SHOWN else note[: NOTE_SHOWN - 1] + "…"
