"""What every shop step checks first: which community, which reward, may this person see it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.services.shared.actors import Actor
from bot.services.shared.errors import Refused
from storage.models import Community, Reward
from storage.uow import UnitOfWork


async def member_reward(uow: UnitOfWork, actor: Actor, reward_id: int) -> tuple[Reward, Community]:
    """A reward of a community this person belongs to. Anything else (an unknown id, another
    community's reward, a forged button) is the same polite "not there"."""
    reward = await uow.rewards.get(reward_id)
    if reward is None:
        raise Refused("shop/reward_gone")
    membership = await uow.memberships.find(actor.user.id, reward.community_id)
    if membership is None and not actor.is_super:
        raise Refused("shop/reward_gone")
    community = await uow.communities.get(reward.community_id)
    assert community is not None
    return reward, community


def month_start(community: Community, now: datetime) -> datetime:
    """The first moment of this calendar month where the community is (its time zone), in UTC."""
    local = now.astimezone(ZoneInfo(community.timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def balance_of(uow: UnitOfWork, community_id: int, user_id: int) -> int:
    account = await uow.points.find_account(community_id, user_id)
    return account.balance if account is not None else 0


def local_date(moment: datetime, community: Community) -> str:
    """A day as the community reads it: 2026-12-31."""
    return moment.astimezone(ZoneInfo(community.timezone)).strftime("%Y-%m-%d")
