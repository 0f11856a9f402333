"""Join links staff hand out."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Invite
from storage.repositories.base import Repository


class InviteRepository(Repository):
    async def find_by_code(self, code: str) -> Invite | None:
        result = await self.session.execute(select(Invite).where(Invite.code == code))
        return result.scalar_one_or_none()

    async def add(self, invite: Invite) -> Invite:
        self.session.add(invite)
        await self.session.flush()
        return invite
