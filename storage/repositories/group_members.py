"""Who is in which group, as last seen: the record the bot keeps instead of asking Telegram each time."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import GroupMember
from storage.repositories.base import Repository

# Telegram's statuses of someone who is in a group (restricted counts only with is_member).
PRESENT = frozenset({"creator", "administrator", "member", "restricted"})


class GroupMemberRepository(Repository):
    async def find(self, chat_id: int, user_id: int) -> GroupMember | None:
        result = await self.session.execute(
            select(GroupMember)
            .where(GroupMember.chat_id == chat_id, GroupMember.user_id == user_id)
            .execution_options(populate_existing=True)  # `record` writes past the loaded rows
        )
        return result.scalar_one_or_none()

    async def of_user(self, user_id: int) -> list[GroupMember]:
        result = await self.session.execute(
            select(GroupMember)
            .where(GroupMember.user_id == user_id)
            .order_by(GroupMember.chat_id)
            .execution_options(populate_existing=True)
        )
        return list(result.scalars())

    async def record(self, chat_id: int, user_id: int, status: str, source: str) -> None:
        """What was seen now about this person in this group (one row per person and group, upserted,
        so two instances recording the same join do not collide)."""
        now = self.now()
        insert = self._insert(GroupMember).values(
            chat_id=chat_id, user_id=user_id, status=status, source=source, seen_at=now
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["chat_id", "user_id"],
                set_={"status": status, "source": source, "seen_at": now},
            ).execution_options(synchronize_session=False)
        )

    async def seen_writing(self, chat_id: int, user_id: int, row: GroupMember | None = None) -> None:
        """Someone wrote in the group: they are in it (written once, not on every message). `row`:
        their record as already read with the group (none: read here)."""
        if row is None:
            row = await self.find(chat_id, user_id)
        if row is None or row.status not in PRESENT:
            await self.record(chat_id, user_id, "member", "message")
