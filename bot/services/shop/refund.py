"""Giving a pending redemption back: the person cancels it (/unredeem <code>, or the button under
their code), or it expires after `redemption_days` through the sweep. Either way the status leaves
pending by a conditional UPDATE (so it cannot also be fulfilled), the reserved unit is released
and the points come back as a reversing ledger entry, once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import callbacks
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome, toast
from bot.services.shop import codes
from bot.services.shop.access import local_date
from storage.models import Community, Redemption
from storage.repositories.redemptions import CANCELLED, EXPIRED, PENDING
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

ASK_ACTION = "sx"  # v1:sx:<redemption>: "give it back?" under the code message
CONFIRM_ACTION = "sxy"  # v1:sxy:<redemption>: yes, give it back


def refund_key(redemption: Redemption) -> str:
    return f"redemption:{redemption.id}:refund"


async def give_back(
    uow: UnitOfWork, env: Env, redemption: Redemption, status: str, actor_id: int | None
) -> int | None:
    """pending → cancelled | expired with the refund; the balance after it, or None if it had
    already left pending (fulfilled, cancelled or expired by someone else first)."""
    if not await uow.redemptions.leave_pending(redemption, status, closed_at=env.clock()):
        return None
    await uow.rewards.release(redemption.reward_id, handed_over=False)
    account = await uow.points.open_account(redemption.community_id, redemption.user_id)
    await uow.points.post(
        account,
        redemption.cost,
        kind="reverse",
        reason="redemption",
        key=refund_key(redemption),
        ref_id=redemption.id,
        actor_id=actor_id,
    )
    return account.balance


async def _own(uow: UnitOfWork, actor: Actor, redemption: Redemption | None) -> Redemption:
    """The person's own redemption, still pending; someone else's is as good as unknown."""
    if redemption is None or redemption.user_id != actor.user.id:
        raise Refused("shop/code_unknown")
    if redemption.status != PENDING:
        raise Refused("shop/cannot_give_back", status=redemption.status, code=codes.shown(redemption.code))
    return redemption


async def _give_back(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, redemption: Redemption) -> str:
    balance = await give_back(uow, env, redemption, CANCELLED, actor.user.id)
    if balance is None:
        await _own(uow, actor, redemption)  # refreshed: say what happened to it
        raise Refused("shop/code_unknown")
    reward = await uow.rewards.get(redemption.reward_id)
    assert reward is not None
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "shop/given_back",
        name=reward.name,
        code=codes.shown(redemption.code),
        cost=redemption.cost,
        balance=balance,
    )
    return reward.name


async def unredeem(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/unredeem <code>: give a pending redemption back; the points are refunded."""
    actor = await identify(uow, env, inc)
    code = codes.typed(inc.text)
    if not code:
        raise Refused("shop/unredeem_usage")
    redemption = await _own(uow, actor, await uow.redemptions.find_by_code(code))
    await _give_back(uow, env, inc, actor, redemption)


async def ask_button(uow: UnitOfWork, env: Env, inc: Incoming, redemption_id: int) -> Outcome:
    """↩️ under the code: a tap by mistake must not cost the reward, so it asks first."""
    actor = await identify(uow, env, inc)
    redemption = await _own(uow, actor, await uow.redemptions.get(redemption_id))
    reward = await uow.rewards.get(redemption.reward_id)
    assert reward is not None
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "shop/give_back_ask",
        name=reward.name,
        cost=redemption.cost,
        buttons=[
            [
                Button(
                    env.renderer.label(actor.locale, "shop_give_back_yes"),
                    callbacks.encode(CONFIRM_ACTION, redemption.id),
                )
            ]
        ],
    )
    return Outcome()


async def confirm_button(uow: UnitOfWork, env: Env, inc: Incoming, redemption_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    redemption = await _own(uow, actor, await uow.redemptions.get(redemption_id))
    name = await _give_back(uow, env, inc, actor, redemption)
    return toast(env, actor, "shop/given_back_toast", name=name)


async def pending(uow: UnitOfWork, user_id: int, community: Community) -> list[dict[str, str]]:
    """A person's redemptions waiting to be handed over, as /points lists them."""
    rows = []
    for redemption in await uow.redemptions.pending_of(user_id, [community.id]):
        reward = await uow.rewards.get(redemption.reward_id)
        assert reward is not None
        rows.append(
            {
                "name": reward.name,
                "code": codes.shown(redemption.code),
                "expires": local_date(redemption.expires_at, community),
            }
        )
    return rows


def give_back_button(env: Env, locale: str, redemption: Redemption) -> Button:
    return Button(env.renderer.label(locale, "shop_give_back"), callbacks.encode(ASK_ACTION, redemption.id))


async def expire_due(make_uow: Callable[[], UnitOfWork], env: Env) -> int:
    """Give back every pending redemption whose stored due time has passed (a restart loses
    nothing; the conditional UPDATE makes it happen once even with two instances, and never
    after a fulfilment)."""
    async with make_uow() as uow:
        due = await uow.redemptions.due_to_expire(env.clock())
    count = 0
    for redemption_id in due:
        async with make_uow() as uow:
            redemption = await uow.redemptions.get(redemption_id)
            if redemption is None:
                continue
            balance = await give_back(uow, env, redemption, EXPIRED, None)
            if balance is None:
                continue
            reward = await uow.rewards.get(redemption.reward_id)
            owner = await uow.users.get(redemption.user_id)
            assert reward is not None and owner is not None
            await messages.tell(
                uow,
                env,
                f"expired:{redemption.id}",
                owner,
                "shop/told_expired",
                name=reward.name,
                code=codes.shown(redemption.code),
                cost=redemption.cost,
                balance=balance,
            )
            await uow.commit()
            count += 1
    if count:
        log.info("%s redemption(s) expired and were refunded", count)
    return count
