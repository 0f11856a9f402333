"""What staff taught a community's triage: the category they picked or corrected, per request."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from storage.models import TriageLesson
from storage.repositories.base import Repository

_VERSION = select(
    func.count(TriageLesson.id), func.max(TriageLesson.id), func.max(TriageLesson.updated_at)
).where(TriageLesson.community_id == bindparam("community_id"))  # built once: every filing asks


class TriageLessonRepository(Repository):
    async def teach(
        self, community_id: int, request_id: int, text: str, category: str, source: str, actor_id: int
    ) -> None:
        """The request's lesson is now `category` (one row per request: a later decision replaces it)."""
        now = self.now()
        insert = self._insert(TriageLesson).values(
            community_id=community_id,
            request_id=request_id,
            text=text,
            category=category,
            source=source,
            actor_id=actor_id,
            created_at=now,
            updated_at=now,
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=[TriageLesson.request_id],
                set_={"category": category, "source": source, "actor_id": actor_id, "updated_at": now},
            )
        )

    async def version(self, community_id: int) -> tuple[int, int, str]:
        """Changes whenever a lesson of the community is added or changed: count, newest id and change."""
        row = (await self.session.execute(_VERSION, {"community_id": community_id})).one()
        return int(row[0] or 0), int(row[1] or 0), str(row[2] or "")

    async def of_community(self, community_id: int, limit: int) -> list[TriageLesson]:
        """The community's newest lessons, newest first."""
        result = await self.session.execute(
            select(TriageLesson)
            .where(TriageLesson.community_id == community_id)
            .order_by(TriageLesson.id.desc())
            .limit(limit)
        )
        return list(result.scalars())
