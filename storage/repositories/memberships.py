"""A person in a community: roles, building, volunteer profile and status."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, update

from storage.models import Membership, User
from storage.repositories.base import Repository, rowcount

_VOLUNTEERS = (  # built once: every filing asks whom to nudge
    select(Membership, User)
    .join(User, User.id == Membership.user_id)
    .where(
        Membership.community_id == bindparam("community_id"),
        Membership.volunteer_status != "none",
        Membership.left_at.is_(None),
    )
    .order_by(Membership.id)
)


class MembershipRepository(Repository):
    async def set_volunteer_status(self, membership_id: int, allowed_from: Iterable[str], to: str) -> bool:
        """Change a volunteer's status only if it is still one of `allowed_from`; False if it was not."""
        result = await self.session.execute(
            update(Membership)
            .where(Membership.id == membership_id, Membership.volunteer_status.in_(list(allowed_from)))
            .values(volunteer_status=to, updated_at=self.now())
            .execution_options(synchronize_session="fetch")
        )
        return rowcount(result) > 0

    async def get(self, membership_id: int) -> Membership | None:
        return await self.session.get(Membership, membership_id)

    async def find(self, user_id: int, community_id: int) -> Membership | None:
        result = await self.session.execute(
            select(Membership).where(Membership.user_id == user_id, Membership.community_id == community_id)
        )
        return result.scalar_one_or_none()

    async def of_user(self, user_id: int) -> list[Membership]:
        result = await self.session.execute(
            select(Membership).where(Membership.user_id == user_id).order_by(Membership.id)
        )
        return list(result.scalars())

    async def add(self, membership: Membership) -> Membership:
        self.session.add(membership)
        await self.session.flush()
        return membership

    async def volunteers(self, community_id: int) -> list[tuple[Membership, User]]:
        """The community's volunteers who are still in it (one who left its groups is offered no work)."""
        result = await self.session.execute(_VOLUNTEERS, {"community_id": community_id})
        return [(m, u) for m, u in result.all()]

    async def with_role(self, community_id: int, role: str) -> list[tuple[Membership, User]]:
        result = await self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community_id)
            .order_by(Membership.id)
        )
        return [(m, u) for m, u in result.all() if role in m.roles]
