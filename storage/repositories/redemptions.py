"""Redemptions (兑换) of rewards: a status that leaves `pending` only by a conditional UPDATE."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from storage.models import Redemption, Reward
from storage.repositories.base import Repository, rowcount

PENDING = "pending"
FULFILLED = "fulfilled"
CANCELLED = "cancelled"
EXPIRED = "expired"


class RedemptionRepository(Repository):
    async def add(self, **values: Any) -> Redemption | None:
        """A new pending redemption; None when one with this key (or code) exists."""
        now = self.now()
        inserted = await self.session.execute(
            self._insert(Redemption)
            .values(status=PENDING, created_at=now, updated_at=now, **values)
            .on_conflict_do_nothing()
        )
        if not rowcount(inserted):
            return None
        return await self.find_by_key(values["key"])

    async def get(self, redemption_id: int) -> Redemption | None:
        return await self.session.get(Redemption, redemption_id)

    async def find_by_key(self, key: str) -> Redemption | None:
        result = await self.session.execute(select(Redemption).where(Redemption.key == key))
        return result.scalar_one_or_none()

    async def find_by_code(self, code: str) -> Redemption | None:
        result = await self.session.execute(select(Redemption).where(Redemption.code == code))
        return result.scalar_one_or_none()

    async def code_taken(self, code: str) -> bool:
        result = await self.session.execute(select(Redemption.id).where(Redemption.code == code))
        return result.scalar_one_or_none() is not None

    async def leave_pending(
        self, redemption: Redemption, status: str, *, unexpired_at: datetime | None = None, **values: Any
    ) -> bool:
        """pending → fulfilled | cancelled | expired, once: the UPDATE is conditional on the status,
        so a fulfilment and an expiry (or two presses) cannot both happen. With `unexpired_at`, only
        if it is not yet due to expire then."""
        condition = [Redemption.id == redemption.id, Redemption.status == PENDING]
        if unexpired_at is not None:
            condition.append(Redemption.expires_at > unexpired_at)
        result = await self.session.execute(
            update(Redemption)
            .where(*condition)
            .values(status=status, updated_at=self.now(), **values)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(redemption)
        return rowcount(result) == 1

    async def count_this_month(self, user_id: int, reward_id: int, since: datetime) -> int:
        """Redemptions of a reward by a person since `since` that were not given back."""
        result = await self.session.execute(
            select(func.count(Redemption.id)).where(
                Redemption.user_id == user_id,
                Redemption.reward_id == reward_id,
                Redemption.created_at >= since,
                Redemption.status.in_((PENDING, FULFILLED)),
            )
        )
        return int(result.scalar_one())

    async def pending_of(self, user_id: int, community_ids: Iterable[int]) -> list[Redemption]:
        result = await self.session.execute(
            select(Redemption)
            .where(
                Redemption.user_id == user_id,
                Redemption.community_id.in_(list(community_ids)),
                Redemption.status == PENDING,
            )
            .order_by(Redemption.id)
        )
        return list(result.scalars())

    async def due_to_expire(self, now: datetime) -> list[int]:
        result = await self.session.execute(
            select(Redemption.id)
            .where(Redemption.status == PENDING, Redemption.expires_at <= now)
            .order_by(Redemption.expires_at)
        )
        return list(result.scalars())

    async def fulfilled_since(
        self, community_id: int, since: datetime, *, merchant_id: int | None
    ) -> list[tuple[Redemption, Reward]]:
        """Fulfilments in a community since `since`, of one merchant's rewards (or all: None)."""
        statement = (
            select(Redemption, Reward)
            .join(Reward, Reward.id == Redemption.reward_id)
            .where(
                Redemption.community_id == community_id,
                Redemption.status == FULFILLED,
                Redemption.fulfilled_at >= since,
            )
            .order_by(Redemption.fulfilled_at)
        )
        if merchant_id is not None:
            statement = statement.where(Reward.merchant_id == merchant_id)
        result = await self.session.execute(statement)
        return [(r, w) for r, w in result.all()]
