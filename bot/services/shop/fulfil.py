"""Fulfilment (核销): the reward's merchant, or the community's staff, marks a code handed over,
once. `/fulfil <code>` does it at once; the QR's deep link (/start fulfil-<code>) shows what it
is for and asks to confirm, so a camera pointed at the wrong screen changes nothing. `/fulfilled`
lists this month's fulfilments for settlement with the community."""

from __future__ import annotations

from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome, toast
from bot.services.shop import codes
from bot.services.shop.access import local_date, month_start
from storage.models import Community, Redemption, Reward, User
from storage.repositories.redemptions import CANCELLED, FULFILLED, PENDING
from storage.uow import UnitOfWork

CONFIRM_ACTION = "sf"  # v1:sf:<redemption>: confirm a fulfilment opened from the QR
LIST_SHOWN = 50  # lines of /fulfilled per community (the totals count all)


async def _may_fulfil(uow: UnitOfWork, actor: Actor, reward: Reward) -> bool:
    """The reward's merchant (while they hold the role) or the community's staff."""
    if actor.is_super:
        return True
    membership = await uow.memberships.find(actor.user.id, reward.community_id)
    if membership is not None and reward.merchant_id == actor.user.id and "merchant" in membership.roles:
        return True
    return actor.is_staff_of(reward.community_id, membership)


async def _found(
    uow: UnitOfWork, env: Env, actor: Actor, redemption: Redemption | None
) -> tuple[Redemption, Reward, Community, User]:
    """A code this person may fulfil, still pending; anything else refused with what is wrong."""
    if redemption is None:
        raise Refused("shop/code_unknown")
    reward = await uow.rewards.get(redemption.reward_id)
    community = await uow.communities.get(redemption.community_id)
    owner = await uow.users.get(redemption.user_id)
    assert reward is not None and community is not None and owner is not None
    if not await _may_fulfil(uow, actor, reward):
        membership = await uow.memberships.find(actor.user.id, reward.community_id)
        if membership is not None and "merchant" in membership.roles:
            raise Refused("shop/code_not_yours")
        raise Refused("shop/fulfil_not_allowed")
    code = codes.shown(redemption.code)
    if redemption.status == FULFILLED:
        assert redemption.fulfilled_at is not None
        raise Refused("shop/code_used", code=code, when=local_date(redemption.fulfilled_at, community))
    if redemption.status == CANCELLED:
        raise Refused("shop/code_cancelled", code=code)
    if redemption.status != PENDING or redemption.expires_at <= env.clock():
        raise Refused("shop/code_expired", code=code, when=local_date(redemption.expires_at, community))
    return redemption, reward, community, owner


async def _fulfil(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, redemption: Redemption | None
) -> Reward:
    redemption, reward, community, owner = await _found(uow, env, actor, redemption)
    now = env.clock()
    if not await uow.redemptions.leave_pending(
        redemption, FULFILLED, unexpired_at=now, fulfilled_by_id=actor.user.id, fulfilled_at=now
    ):
        await _found(uow, env, actor, redemption)  # changed meanwhile: say how
        raise Refused(
            "shop/code_expired",
            code=codes.shown(redemption.code),
            when=local_date(redemption.expires_at, community),
        )
    await uow.rewards.release(reward.id, handed_over=True)
    code = codes.shown(redemption.code)
    await messages.reply(
        uow, env, inc, actor.locale, "shop/fulfilled_done", name=reward.name, who=owner.full_name, code=code
    )
    await messages.tell(
        uow, env, f"fulfilled:{redemption.id}", owner, "shop/told_fulfilled", name=reward.name, code=code
    )
    return reward


async def fulfil(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/fulfil <code>: hand it over; the code may be typed in lower case, with spaces or dashes."""
    actor = await identify(uow, env, inc)
    code = codes.typed(inc.text)
    if not code:
        raise Refused("shop/fulfil_usage")
    await _fulfil(uow, env, inc, actor, await uow.redemptions.find_by_code(code))


async def from_link(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, payload: str) -> None:
    """/start fulfil-<code> (the QR scanned by a merchant): what it is, and a button to confirm.
    Anyone else who opens the link is politely told it is for the merchant."""
    redemption = await uow.redemptions.find_by_code(codes.typed(payload))
    if redemption is not None:
        reward = await uow.rewards.get(redemption.reward_id)
        if reward is not None and not await _may_fulfil(uow, actor, reward):
            raise Refused("shop/scan_not_allowed")
    redemption, reward, community, owner = await _found(uow, env, actor, redemption)
    label = env.renderer.label(actor.locale, "shop_fulfil")
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "shop/fulfil_ask",
        name=reward.name,
        who=owner.full_name,
        code=codes.shown(redemption.code),
        community=community.name,
        buttons=[[Button(label, callbacks.encode(CONFIRM_ACTION, redemption.id))]],
    )


async def confirm_button(uow: UnitOfWork, env: Env, inc: Incoming, redemption_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    reward = await _fulfil(uow, env, inc, actor, await uow.redemptions.get(redemption_id))
    return toast(env, actor, "shop/fulfilled_toast", name=reward.name)


async def fulfilled(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/fulfilled: this month's fulfilments, for settlement: a merchant's own rewards in each
    community they serve; for staff who are not merchants, the whole community's."""
    actor = await identify(uow, env, inc)
    memberships = [m for m in await uow.memberships.of_user(actor.user.id) if "merchant" in m.roles]
    now = env.clock()
    sections: list[dict[str, Any]] = []
    if memberships:
        for community in await uow.communities.many([m.community_id for m in memberships]):
            sections.append(await _section(uow, community, now, merchant_id=actor.user.id))
    else:
        community = await staff_community_here(uow, actor)  # refuses whoever is neither
        sections.append(await _section(uow, community, now, merchant_id=None))
    await messages.reply(uow, env, inc, actor.locale, "shop/fulfilled_list", sections=sections)


async def _section(
    uow: UnitOfWork, community: Community, now: Any, *, merchant_id: int | None
) -> dict[str, Any]:
    since = month_start(community, now)
    found = await uow.redemptions.fulfilled_since(community.id, since, merchant_id=merchant_id)
    rows = []
    for redemption, reward in found[:LIST_SHOWN]:
        assert redemption.fulfilled_at is not None
        rows.append(
            {
                "day": local_date(redemption.fulfilled_at, community)[5:],
                "name": reward.name,
                "code": codes.shown(redemption.code),
                "cost": redemption.cost,
            }
        )
    return {
        "community": community.name,
        "month": local_date(since, community)[:7],
        "rows": rows,
        "count": len(found),
        "points": sum(r.cost for r, _ in found),
        "more": max(0, len(found) - LIST_SHOWN),
    }
