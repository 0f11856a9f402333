"""/top: the honour roll (光荣榜), this month and all time, by points earned (not spent).

Only people who agreed to be named appear: the one publicity setting of a member
(`Membership.named`, which volunteers also set with `/profile 署名 关`), on unless turned off,
here with `/top 关` / `/top 开` by anyone. "This month" runs from the first of the month in the
community's time zone; `/top 上月` shows the last one. Staff post a month's card to the
neighbourhood groups with `/top post` (or `/top post 上月` for the month just over): a preview
with one button, posted once a month per group."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import callbacks, words
from bot.incoming import Incoming
from bot.render import TextTooLong
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    identify,
    member_communities,
    staff_community_here,
    user_locale,
)
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome, toast
from bot.services.shared.switches import switch_word
from storage.models import Community
from storage.uow import UnitOfWork

# What counts as earned: requests and activities, staff awards, less what was taken back
# (a reopened request, a deduction). Spending in the shop, and its refunds, do not count.
EARNING_KINDS = ("earn", "reverse", "award", "deduct")
SPENDING_REASONS = ("redemption",)  # whatever kind a shop entry has (a spend, its refund)
SHOWN = 10
NAME_SHOWN = 24
POST = "hpost"


def month_start(moment: datetime, timezone: str) -> datetime:
    """The first of `moment`'s month at midnight, in the community's time zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _ranked(rows: list[tuple[Any, Any, int]]) -> list[dict[str, Any]]:
    """Equal totals share a rank (1, 1, 3); the order within a tie is who reached it first."""
    out: list[dict[str, Any]] = []
    for i, (user, membership, total) in enumerate(rows):
        rank = out[-1]["rank"] if out and out[-1]["points"] == total else i + 1
        name = membership.display_name or user.full_name or "?"
        name = name if len(name) <= NAME_SHOWN else name[: NAME_SHOWN - 1] + "…"
        out.append({"rank": rank, "name": name, "points": total})
    return out


def month_bounds(moment: datetime, timezone: str, back: int) -> tuple[datetime, datetime]:
    """The month `back` months before `moment`'s (0: this one): its first moment and the next
    month's, in the community's time zone."""
    start = month_start(moment, timezone)
    for _ in range(back):
        start = month_start(start - timedelta(days=1), timezone)
    return start, month_start(start + timedelta(days=32), timezone)


def month_key(moment: datetime) -> int:
    return moment.year * 100 + moment.month  # 202611: short enough for callback_data


async def roll(uow: UnitOfWork, env: Env, community: Community, back: int = 0) -> dict[str, Any]:
    """A community's roll: the month `back` months ago (0: this month so far) and all time."""
    start, until = month_bounds(env.clock(), community.timezone, back)
    month = await uow.points.earned(
        community.id, EARNING_KINDS, not_for=SPENDING_REASONS, since=start, until=until, limit=SHOWN
    )
    ever = await uow.points.earned(community.id, EARNING_KINDS, not_for=SPENDING_REASONS, limit=SHOWN)
    return {
        "community": community.name,
        "key": month_key(start),
        "year": start.year,
        "month": start.month,
        "this_month": _ranked(month),
        "all_time": _ranked(ever),
    }


async def top(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/top: the roll; /top 关|开: leave it or come back; /top post (staff): the monthly card."""
    actor = await identify(uow, env, inc)
    args = list(inc.args)
    posting = bool(args) and words.is_word("honour_post", args[0])
    if posting:
        args.pop(0)
    back = 1 if args and words.is_word("last_month", args[0]) else 0
    if back:
        args.pop(0)
    if not posting and not back and len(args) == 1 and switch_word(args[0]) is not None:
        await _choose(uow, env, inc, actor, bool(switch_word(args[0])))
        return
    if args:
        raise Refused("points/top_usage")
    if posting:
        await _preview(uow, env, inc, actor, back)
        return
    if actor.chat is not None and actor.community is None:
        raise Refused("common/group_not_bound")
    communities = [actor.community] if actor.community is not None else await member_communities(uow, actor)
    if not communities:
        raise NotMember("requests/join_first")
    rolls = [await roll(uow, env, c, back) for c in communities]
    locale = actor.locale if actor.community is not None else user_locale(env, actor.user)
    while True:  # someone in many communities sees shorter rolls, within one message
        try:
            env.renderer.render(locale, "points/top", rolls=rolls, card=False)
            break
        except TextTooLong:
            if not any(r["this_month"] or r["all_time"] for r in rolls):
                raise
            for r in rolls:
                r["this_month"], r["all_time"] = r["this_month"][:-1], r["all_time"][:-1]
    await messages.reply(uow, env, inc, locale, "points/top", rolls=rolls, card=False)


async def _choose(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, named: bool) -> None:
    """Be on the roll (and named on 晒单 cards) or not: in this group's community, or in private
    in every community the person is in."""
    if actor.membership is not None:
        memberships = [actor.membership]
    elif actor.chat is not None:
        raise Refused("common/group_not_bound")
    else:
        memberships = [m for m in await uow.memberships.of_user(actor.user.id) if m.left_at is None]
    if not memberships:
        raise NotMember("requests/join_first")
    for m in memberships:
        m.named = named
    await messages.reply(uow, env, inc, actor.locale, "points/top_named", named=named)


async def _preview(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, back: int) -> None:
    community = await staff_community_here(uow, actor)
    groups = await uow.chats.of_community(community.id, "neighbourhood")
    if not groups:
        raise Refused("points/top_no_groups", community=community.name)
    card = await roll(uow, env, community, back)
    await messages.reply(uow, env, inc, community.locale, "points/top", rolls=[card], card=True, seq=0)
    button = Button(
        env.renderer.render(actor.locale, "points/top_post_button", groups=len(groups)).strip(),
        callbacks.encode(POST, community.id, card["key"]),
    )
    await messages.reply(
        uow, env, inc, actor.locale, "points/top_preview", buttons=[[button]], seq=1, groups=len(groups)
    )


async def post_button(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int, month: int) -> Outcome:
    """📢 under the preview: the card of the month it shows (this month or the last) to every
    neighbourhood group, once per group."""
    actor = await identify(uow, env, inc)
    community = await uow.communities.get(community_id)
    if community is None:
        raise Refused("common/button_expired")
    if not actor.is_staff_of(community.id, await uow.memberships.find(actor.user.id, community.id)):
        raise Refused("common/staff_only")
    backs = [b for b in (0, 1) if month_key(month_bounds(env.clock(), community.timezone, b)[0]) == month]
    if not backs:  # a preview from longer ago
        raise Refused("points/top_stale")
    card = await roll(uow, env, community, backs[0])
    posted = 0
    for chat in await uow.chats.of_community(community.id, "neighbourhood"):
        posted += await messages.post(
            uow,
            env,
            f"honour:{community.id}:{month}:{chat.telegram_id}",
            chat.telegram_id,
            community.locale,
            "points/top",
            rolls=[card],
            card=True,
        )
    if not posted:
        raise Refused("points/top_already_posted", month=card["month"])
    return toast(env, actor, "points/top_posted", groups=posted)
