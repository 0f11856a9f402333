"""Rewards of the points shop; stock is reserved and released only by conditional UPDATEs."""

from __future__ import annotations

from sqlalchemy import func, or_, select, update

from storage.models import Reward
from storage.repositories.base import Repository, rowcount


class RewardRepository(Repository):
    async def add(self, reward: Reward) -> Reward:
        self.session.add(reward)
        await self.session.flush()
        return reward

    async def get(self, reward_id: int) -> Reward | None:
        return await self.session.get(Reward, reward_id)

    async def page(
        self, community_id: int, offset: int, limit: int, *, retired: bool = False
    ) -> tuple[list[Reward], int]:
        """A page of a community's rewards (active ones only unless `retired`), cheapest first,
        and how many there are in all."""
        where = [Reward.community_id == community_id]
        if not retired:
            where.append(Reward.active.is_(True))
        total = await self.session.execute(select(func.count(Reward.id)).where(*where))
        found = await self.session.execute(
            select(Reward)
            .where(*where)
            .order_by(Reward.active.desc(), Reward.cost, Reward.id)
            .offset(offset)
            .limit(limit)
        )
        return list(found.scalars()), int(total.scalar_one())

    async def reserve(self, reward_id: int) -> bool:
        """Promise one unit to a redemption, if an active reward has one left (`stock - reserved > 0`
        is the condition, so two redemptions at once cannot take the last unit twice)."""
        result = await self.session.execute(
            update(Reward)
            .where(
                Reward.id == reward_id,
                Reward.active.is_(True),
                or_(Reward.stock.is_(None), Reward.stock - Reward.reserved > 0),
            )
            .values(reserved=Reward.reserved + 1, updated_at=self.now())
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def release(self, reward_id: int, *, handed_over: bool) -> None:
        """A reserved unit is no longer promised: handed over (it leaves the stock) or given back."""
        values = {"reserved": Reward.reserved - 1, "updated_at": self.now()}
        if handed_over:
            values["stock"] = Reward.stock - 1  # NULL (unlimited) stays NULL
        await self.session.execute(
            update(Reward)
            .where(Reward.id == reward_id, Reward.reserved > 0)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def set_stock(self, reward_id: int, stock: int | None) -> bool:
        """Set the units on hand (None: unlimited); refused (False) below what is reserved."""
        condition = [Reward.id == reward_id]
        if stock is not None:
            condition.append(Reward.reserved <= stock)
        result = await self.session.execute(
            update(Reward)
            .where(*condition)
            .values(stock=stock, updated_at=self.now())
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def refresh(self, reward: Reward) -> None:
        await self.session.refresh(reward)
