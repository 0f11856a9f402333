"""A reward as the templates show it: to residents (`summary`) and to staff (`staff_view`)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from bot.services.shared.env import Env
from storage.models import Reward
from storage.uow import UnitOfWork


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
