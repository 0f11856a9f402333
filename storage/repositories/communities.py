"""Communities (社区)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from storage.models import Community
from storage.repositories.base import Repository


class CommunityRepository(Repository):
    async def get(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def find_by_name(self, name: str) -> Community | None:
        result = await self.session.execute(
            select(Community).where(func.lower(Community.name) == name.lower())
        )
        return result.scalar_one_or_none()

    async def add(self, community: Community) -> Community:
        self.session.add(community)
        await self.session.flush()
        return community

    async def all(self) -> list[Community]:
        result = await self.session.execute(select(Community).order_by(Community.name))
        return list(result.scalars())

    async def many(self, ids: Sequence[int]) -> list[Community]:
        if not ids:
            return []
        result = await self.session.execute(
            select(Community).where(Community.id.in_(ids)).order_by(Community.name)
        )
        return list(result.scalars())
