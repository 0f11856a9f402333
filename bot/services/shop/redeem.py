"""Redeeming (兑换) a reward: in one transaction one unit of stock is reserved (conditional UPDATE),
the points are debited through the ledger (conditional on the balance) and a redemption with a
fresh code is made; the person gets the code in private. Anything that cannot be done refuses and
rolls all of it back. Pressing the same confirm button twice finds the first redemption again."""

from __future__ import annotations

from datetime import timedelta

from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, require_private, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome, toast
from bot.services.shop import codes, refund
from bot.services.shop.access import local_date, member_reward, month_start
from storage.models import Community, Redemption, Reward, User
from storage.uow import UnitOfWork


def spend_key(redemption: Redemption) -> str:
    return f"redemption:{redemption.id}:spend"


async def confirm_button(uow: UnitOfWork, env: Env, inc: Incoming, reward_id: int, seen_cost: int) -> Outcome:
    """✅ on the confirm step: redeem, once per confirm message (a double press finds it again),
    at the cost the person was shown; if staff changed it since, they are shown the new one first."""
    actor = await identify(uow, env, inc)
    require_private(inc)
    reward, community = await member_reward(uow, actor, reward_id)
    redemption = await redeem(uow, env, actor, reward, community, key=_press_key(actor, inc), cost=seen_cost)
    return toast(env, actor, "shop/redeemed_toast", name=reward.name, code=codes.shown(redemption.code))


def _press_key(actor: Actor, inc: Incoming) -> str:
    """One confirm message of one person: pressing it again is the same redemption."""
    return f"press:{actor.user.id}:{inc.chat.chat_id}:{inc.message_id}"


async def redeem(
    uow: UnitOfWork,
    env: Env,
    actor: Actor,
    reward: Reward,
    community: Community,
    *,
    key: str,
    cost: int | None = None,
) -> Redemption:
    """Reserve, debit, record: all or nothing. `key` names what asked for it (one confirm message);
    `cost`, if given, is what the person was shown: a reward whose cost changed since is refused."""
    earlier = await uow.redemptions.find_by_key(key)
    if earlier is not None:
        raise Refused("shop/already_redeemed", code=codes.shown(earlier.code))
    if not await uow.rewards.reserve(reward.id):
        await uow.rewards.refresh(reward)
        raise Refused("shop/retired" if not reward.active else "shop/out_of_stock", name=reward.name)
    await uow.rewards.refresh(reward)  # as it is now that its row is ours until the commit
    if cost is not None and cost != reward.cost:
        raise Refused("shop/cost_changed", name=reward.name, cost=reward.cost, seen=cost)
    cost = reward.cost
    redemption = await uow.redemptions.add(
        community_id=community.id,
        reward_id=reward.id,
        user_id=actor.user.id,
        code=await codes.new_code(uow),
        key=key,
        cost=cost,
        expires_at=env.clock() + timedelta(days=env.settings.redemption_days),
    )
    if redemption is None:  # the same press, handled at the same moment by another instance
        earlier = await uow.redemptions.find_by_key(key)
        raise Refused("shop/already_redeemed", code=codes.shown(earlier.code) if earlier else "")
    account = await uow.points.open_account(community.id, actor.user.id)
    if not await uow.points.post(
        account,
        -cost,
        kind="spend",
        reason="redemption",
        key=spend_key(redemption),
        ref_id=redemption.id,
        actor_id=actor.user.id,
    ):
        raise Refused("shop/not_enough", name=reward.name, cost=cost, balance=account.balance)
    # Counted after the debit: the debit's row lock makes one person's redemptions take turns.
    if reward.monthly_limit is not None:
        used = await uow.redemptions.count_this_month(
            actor.user.id, reward.id, month_start(community, env.clock())
        )
        if used > reward.monthly_limit:
            raise Refused("shop/over_limit", name=reward.name, limit=reward.monthly_limit)
    redemption.entry_id = await uow.points.entry_id(spend_key(redemption))
    await tell_code(uow, env, actor.user, reward, community, redemption, account.balance)
    return redemption


async def tell_code(
    uow: UnitOfWork,
    env: Env,
    user: User,
    reward: Reward,
    community: Community,
    redemption: Redemption,
    balance: int,
) -> None:
    """The code in private, with a button to give it back while it is pending, and its QR for the
    merchant to scan (a link that opens the bot to fulfil it)."""
    locale = user_locale(env, user)
    await messages.tell(
        uow,
        env,
        f"redeemed:{redemption.id}",
        user,
        "shop/redeemed",
        name=reward.name,
        community=community.name,
        code=codes.shown(redemption.code),
        cost=redemption.cost,
        balance=balance,
        expires=local_date(redemption.expires_at, community),
        buttons=[[refund.give_back_button(env, locale, redemption)]],
    )
    caption = env.renderer.render(
        locale, "shop/qr_caption", name=reward.name, code=codes.shown(redemption.code)
    )
    link = codes.deep_link(env.bot_username, redemption.code)
    await messages.send_qr(uow, f"redeemed:{redemption.id}:qr", user, link, caption)
