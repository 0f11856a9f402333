"""/reward: staff keep a community's rewards in one line each.

    /reward add 名称 | 积分 | 库存 | @商家 | 每月N次 | 描述   (everything after 积分 may be left out)
    /reward edit <id> 积分 60        (名称, 积分, 商家, 限额, 描述)
    /reward restock <id> 20 | +5 | 不限
    /reward retire <id>
    /reward list

A photo captioned `/reward add …` is the reward's picture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup

from bot import words
from bot.incoming import Incoming
from bot.numbers import number_value
from bot.opening import fold
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, resolve_target, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Community, Reward, User
from storage.uow import UnitOfWork

NAME_LIMIT = 64
DESCRIPTION_LIMIT = 500
COST_MAX = 1_000_000
STOCK_MAX = 100_000
LIMIT_MAX = 100
LIST_SHOWN = 30
_NUMBER = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十百千]+")
_FIELDS = re.compile(r"[|｜]")


@dataclass
class Line:
    """What a staff member typed, read."""

    name: str
    cost: int
    stock: int | None
    merchant: User | None
    monthly_limit: int | None
    description: str


def _number_in(text: str) -> int | None:
    """The number a field holds, however it is dressed: 20, ２０, 二十, 每月1次, 1次/月."""
    match = _NUMBER.search(fold(text))
    return number_value(match.group()) if match else None


def read_cost(text: str) -> int:
    typed = fold(text).strip().removesuffix("积分").removesuffix("分").removesuffix("points").strip()
    value = number_value(typed) if typed else None
    if value is None or not 1 <= value <= COST_MAX:
        raise Refused("shop/cost_invalid", typed=text.strip()[:32], most=COST_MAX)
    return value


def read_stock(text: str) -> int | None:
    """Units on hand: a number (0 is allowed: none yet), or 不限 / empty for unlimited."""
    if not text.strip() or words.is_word("unlimited", text):
        return None
    value = _number_in(text)
    if value is None or value > STOCK_MAX or fold(text).strip().startswith("-"):
        raise Refused("shop/stock_invalid", typed=text.strip()[:32], most=STOCK_MAX)
    return value


def read_limit(text: str) -> int | None:
    """A monthly limit per person: 每月1次, 1, or 不限 / empty for none."""
    if not text.strip() or words.is_word("unlimited", text):
        return None
    value = _number_in(text)
    if value is None or not 1 <= value <= LIMIT_MAX:
        raise Refused("shop/limit_invalid", typed=text.strip()[:32], most=LIMIT_MAX)
    return value


def read_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > NAME_LIMIT:
        raise Refused("shop/name_invalid", most=NAME_LIMIT)
    return name


def read_description(text: str) -> str:
    description = text.strip()
    if len(description) > DESCRIPTION_LIMIT:
        raise Refused("shop/description_too_long", most=DESCRIPTION_LIMIT)
    return description


async def read_merchant(uow: UnitOfWork, inc: Incoming, community: Community, field: str) -> User | None:
    """The merchant a line names (@username or a text mention), who must hold the 商家 role here;
    None when the field is empty or says 无."""
    if not inc.usernames and not inc.text_mentions:
        if field.strip() and not words.is_word("unlimited", field):
            raise Refused("shop/merchant_unknown", typed=field.strip()[:32])
        return None
    user = await resolve_target(uow, replace(inc, reply_to=None))
    membership = await uow.memberships.find(user.id, community.id)
    if membership is None or "merchant" not in membership.roles:
        raise Refused("shop/not_a_merchant", name=user.full_name)
    return user


async def read_line(uow: UnitOfWork, inc: Incoming, community: Community, text: str) -> Line:
    fields = [f.strip() for f in _FIELDS.split(text)]
    if len(fields) < 2 or len(fields) > 6:
        raise Refused("shop/reward_usage")
    fields += [""] * (6 - len(fields))
    name, cost, stock, merchant, limit, description = fields
    return Line(
        name=read_name(name),
        cost=read_cost(cost),
        stock=read_stock(stock),
        merchant=await read_merchant(uow, inc, community, merchant),
        monthly_limit=read_limit(limit),
        description=read_description(description),
    )


async def summary(uow: UnitOfWork, reward: Reward) -> dict[str, Any]:
    """A reward as templates show it."""
    merchant = await uow.users.get(reward.merchant_id) if reward.merchant_id is not None else None
    return {
        "id": reward.id,
        "name": reward.name,
        "description": reward.description,
        "cost": reward.cost,
        "stock": reward.stock,
        "left": None if reward.stock is None else reward.stock - reward.reserved,
        "reserved": reward.reserved,
        "merchant": merchant.full_name if merchant is not None else None,
        "limit": reward.monthly_limit,
        "active": reward.active,
        "photo": reward.photo_file_id is not None,
    }


async def staff_view(uow: UnitOfWork, env: Env, locale: str, reward: Reward) -> dict[str, Any]:
    """A reward as staff see it: its summary and the one line (shop/reward_line) lists show."""
    shown = await summary(uow, reward)
    return {**shown, "line": Markup(env.renderer.render(locale, "shop/reward_line", r=shown))}


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
