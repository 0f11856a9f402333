"""What staff type for a reward's fields, read and checked: the points, the stock, the monthly
limit, the merchant. The one-line /reward and the step-by-step flow read them alike."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot import words
from bot.incoming import Incoming
from bot.numbers import number_value
from bot.opening import fold
from bot.services.shared.actors import resolve_target
from bot.services.shared.errors import Refused
from storage.models import Community, User
from storage.uow import UnitOfWork

NAME_LIMIT = 64
DESCRIPTION_LIMIT = 500
COST_MAX = 1_000_000
STOCK_MAX = 100_000
LIMIT_MAX = 100
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
