"""/reward: staff keep a community's rewards in one line each.

    /reward add 名称 | 积分 | 库存 | @商家 | 每月N次 | 描述   (everything after 积分 may be left out)
    /reward edit <id> 积分 60        (名称, 积分, 商家, 限额, 描述)
    /reward restock <id> 20 | +5 | 不限
    /reward retire <id>
    /reward list

A photo captioned `/reward add …` is the reward's picture; `/reward add` alone, in private, asks
for the fields one by one (reward_flow).
"""

from __future__ import annotations

from bot import words
from bot.incoming import Incoming
from bot.numbers import number_value
from bot.opening import fold
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shop import reward_flow
from bot.services.shop.fields import (
    STOCK_MAX,
    read_cost,
    read_description,
    read_limit,
    read_line,
    read_merchant,
    read_name,
    read_stock,
)
from bot.services.shop.views import staff_view
from storage.models import Reward
from storage.uow import UnitOfWork

LIST_SHOWN = 30


async def _staff_reward(uow: UnitOfWork, actor: Actor, args: list[str]) -> Reward:
    """The reward a staff command names by id, in a community this person runs."""
    community = await staff_community_here(uow, actor)
    reward_id = number_value(args[0]) if args else None
    if reward_id is None:
        raise Refused("shop/reward_usage")
    reward = await uow.rewards.get(reward_id)
    if reward is None or reward.community_id != community.id:
        raise Refused("shop/reward_unknown", id=reward_id)
    return reward


async def reward(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/reward add | edit | restock | retire | list; bare or unknown: how to use it."""
    actor = await identify(uow, env, inc)
    action_word, _, rest = inc.text.strip().partition(" ")
    action = words.lookup("reward_actions", action_word) if action_word else None
    if action is None:
        await staff_community_here(uow, actor)  # only staff are shown how
        raise Refused("shop/reward_usage")
    if action == "list":
        await _list(uow, env, inc, actor)
        return
    if action == "add":
        community = await staff_community_here(uow, actor)
        if not rest.strip() and inc.chat.is_private and not inc.media:  # step by step
            await reward_flow.start(uow, env, inc, actor, community)
            return
        line = await read_line(uow, inc, community, rest)
        photo = next((m.file_id for m in inc.media if m.kind == "photo"), None)
        item = await uow.rewards.add(
            Reward(
                community_id=community.id,
                name=line.name,
                description=line.description,
                photo_file_id=photo,
                cost=line.cost,
                stock=line.stock,
                reserved=0,
                merchant_id=line.merchant.id if line.merchant else None,
                monthly_limit=line.monthly_limit,
                active=True,
            )
        )
    else:
        item = await _staff_reward(uow, actor, rest.split())
        args = rest.split(maxsplit=1)
        value = args[1] if len(args) > 1 else ""
        if action == "edit":
            await _edit(uow, inc, item, value)
        elif action == "restock":
            await _restock(uow, item, value)
        else:
            item.active = False
    await uow.session.flush()
    await uow.rewards.refresh(item)
    shown = await staff_view(uow, env, actor.locale, item)
    await messages.reply(
        uow, env, inc, actor.locale, "shop/reward_saved", action=action, reward=shown, line=shown["line"]
    )


async def _edit(uow: UnitOfWork, inc: Incoming, item: Reward, text: str) -> None:
    field_word, _, value = text.strip().partition(" ")
    field = words.lookup("reward_fields", field_word) if field_word else None
    if field is None:
        raise Refused("shop/reward_usage")
    if field == "name":
        item.name = read_name(value)
    elif field == "cost":
        item.cost = read_cost(value)
    elif field == "merchant":
        community = await uow.communities.get(item.community_id)
        assert community is not None
        merchant = await read_merchant(uow, inc, community, value)
        item.merchant_id = merchant.id if merchant is not None else None
    elif field == "limit":
        item.monthly_limit = read_limit(value)
    else:
        item.description = read_description(value)
    if inc.media and any(m.kind == "photo" for m in inc.media):
        item.photo_file_id = next(m.file_id for m in inc.media if m.kind == "photo")


async def _restock(uow: UnitOfWork, item: Reward, text: str) -> None:
    """Set the units on hand (20), add to them (+5), or make it unlimited (不限); never below what
    pending redemptions have reserved. A retired reward restocked is offered again."""
    typed = fold(text).strip()
    if not typed:
        raise Refused("shop/reward_usage")
    stock: int | None
    if typed.startswith("+"):
        added = read_stock(typed[1:])
        if added is None:
            raise Refused("shop/stock_invalid", typed=typed[:32], most=STOCK_MAX)
        stock = None if item.stock is None else item.stock + added
    else:
        stock = read_stock(typed)
    if stock is not None and stock > STOCK_MAX:
        raise Refused("shop/stock_invalid", typed=typed[:32], most=STOCK_MAX)
    if not await uow.rewards.set_stock(item.id, stock):
        await uow.rewards.refresh(item)
        raise Refused("shop/stock_below_reserved", name=item.name, reserved=item.reserved, typed=stock)
    item.active = True


async def _list(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor) -> None:
    """/reward list: every reward of the community, retired ones too, with stock and reservations."""
    community = await staff_community_here(uow, actor)
    found, total = await uow.rewards.page(community.id, 0, LIST_SHOWN, retired=True)
    rows = [await staff_view(uow, env, actor.locale, r) for r in found]
    shown = messages.rows_that_fit(
        env, actor.locale, "shop/reward_list", "rewards", rows, community=community.name
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "shop/reward_list",
        rewards=rows[:shown],
        more=total - shown,
        community=community.name,
    )
