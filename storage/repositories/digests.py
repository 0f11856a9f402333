"""Daily digests sent: one row per community and day, taken by an INSERT that skips a duplicate."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.models import Digest
from storage.repositories.base import Repository, rowcount


class DigestRepository(Repository):
    async def find(self, community_id: int, day: date) -> Digest | None:
        result = await self.session.execute(
            select(Digest).where(Digest.community_id == community_id, Digest.day == day)
        )
        return result.scalar_one_or_none()

    async def take(self, community_id: int, day: date) -> bool:
        """Record the digest of `day` as sent; False (nothing written) when it already was, by this
        instance or another (a concurrent insert waits for the other's commit, then skips)."""
        statement = (
            self._insert(Digest)
            .values(community_id=community_id, day=day, created_at=self.now())
            .on_conflict_do_nothing(index_elements=["community_id", "day"])
        )
        return rowcount(await self.session.execute(statement)) > 0
