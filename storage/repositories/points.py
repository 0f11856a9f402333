"""The points ledger: accounts per person and community, append-only entries, idempotent postings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update

from storage.models import Membership, PointAccount, PointAward, PointEntry, User
from storage.repositories.base import Repository, rowcount


class PointsRepository(Repository):
    async def open_account(self, community_id: int, user_id: int) -> PointAccount:
        """The account, opened on first use (two openings at once both end with the same row)."""
        await self.session.execute(
            self._insert(PointAccount)
            .values(
                community_id=community_id,
                user_id=user_id,
                balance=0,
                created_at=self.now(),
                updated_at=self.now(),
            )
            .on_conflict_do_nothing(index_elements=["community_id", "user_id"])
        )
        result = await self.session.execute(
            select(PointAccount).where(
                PointAccount.community_id == community_id, PointAccount.user_id == user_id
            )
        )
        return result.scalar_one()

    async def find_account(self, community_id: int, user_id: int) -> PointAccount | None:
        result = await self.session.execute(
            select(PointAccount).where(
                PointAccount.community_id == community_id, PointAccount.user_id == user_id
            )
        )
        return result.scalar_one_or_none()

    async def post(
        self,
        account: PointAccount,
        amount: int,
        *,
        kind: str,
        reason: str,
        key: str,
        ref_id: int | None = None,
        actor_id: int | None = None,
        overdraw: bool = False,
    ) -> bool:
        """Append one entry and move the balance with it, once per idempotency key.

        False if an entry with this key exists (a repeat: nothing changes), or if it is a debit the
        balance cannot cover (`balance >= cost` is the condition of the UPDATE, so two debits at once
        cannot overdraw). A reversing entry may `overdraw`: what was earned and spent is still taken back.
        """
        if amount < 0 and not overdraw:
            covered = await self.session.execute(
                update(PointAccount)
                .where(PointAccount.id == account.id, PointAccount.balance >= -amount)
                .values(balance=PointAccount.balance + amount, updated_at=self.now())
                .execution_options(synchronize_session=False)
            )
            if not rowcount(covered):
                return False
        inserted = await self.session.execute(
            self._insert(PointEntry)
            .values(
                account_id=account.id,
                amount=amount,
                kind=kind,
                reason=reason,
                ref_id=ref_id,
                idempotency_key=key,
                actor_id=actor_id,
                created_at=self.now(),
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        if not rowcount(inserted):
            if amount < 0 and not overdraw:  # undo the debit made above: this posting happened before
                await self.session.execute(
                    update(PointAccount)
                    .where(PointAccount.id == account.id)
                    .values(balance=PointAccount.balance - amount)
                    .execution_options(synchronize_session=False)
                )
            await self.session.refresh(account)
            return False
        if amount >= 0 or overdraw:
            await self.session.execute(
                update(PointAccount)
                .where(PointAccount.id == account.id)
                .values(balance=PointAccount.balance + amount, updated_at=self.now())
                .execution_options(synchronize_session=False)
            )
        await self.session.refresh(account)
        return True

    async def has_entry(self, key: str) -> bool:
        result = await self.session.execute(select(PointEntry.id).where(PointEntry.idempotency_key == key))
        return result.scalar_one_or_none() is not None

    async def entry_id(self, key: str) -> int | None:
        result = await self.session.execute(select(PointEntry.id).where(PointEntry.idempotency_key == key))
        return result.scalar_one_or_none()

    async def entries(self, account_id: int, limit: int) -> list[PointEntry]:
        result = await self.session.execute(
            select(PointEntry)
            .where(PointEntry.account_id == account_id)
            .order_by(PointEntry.id.desc())
            .limit(limit)
        )
        return list(result.scalars())

    async def sum_of_entries(self, account_id: int) -> int:
        result = await self.session.execute(
            select(func.coalesce(func.sum(PointEntry.amount), 0)).where(PointEntry.account_id == account_id)
        )
        return int(result.scalar_one())

    # -- points awarded or deducted by hand (the entries' ref_id) ---------------------------------
    async def add_award(self, award: PointAward) -> PointAward:
        self.session.add(award)
        await self.session.flush()
        return award

    async def get_award(self, award_id: int) -> PointAward | None:
        return await self.session.get(PointAward, award_id)

    async def awards(self, award_ids: Iterable[int]) -> dict[int, PointAward]:
        ids = set(award_ids)
        if not ids:
            return {}
        result = await self.session.execute(select(PointAward).where(PointAward.id.in_(ids)))
        return {a.id: a for a in result.scalars()}

    async def decide_award(self, award_id: int, to: str, decided_by_id: int | None) -> bool:
        """A pending award becomes `to`, once: two presses at once cannot both decide it."""
        result = await self.session.execute(
            update(PointAward)
            .where(PointAward.id == award_id, PointAward.status == "pending")
            .values(status=to, decided_by_id=decided_by_id, decided_at=self.now())
            .execution_options(synchronize_session=False)
        )
        return bool(rowcount(result))

    async def pending_awards_of(self, community_id: int, user_id: int) -> list[PointAward]:
        result = await self.session.execute(
            select(PointAward)
            .where(
                PointAward.community_id == community_id,
                PointAward.user_id == user_id,
                PointAward.status == "pending",
            )
            .order_by(PointAward.id)
        )
        return list(result.scalars())

    async def pending_awards_before(self, before: datetime, limit: int = 100) -> list[PointAward]:
        result = await self.session.execute(
            select(PointAward)
            .where(PointAward.status == "pending", PointAward.created_at < before)
            .order_by(PointAward.id)
            .limit(limit)
        )
        return list(result.scalars())

    async def earned(
        self,
        community_id: int,
        kinds: Iterable[str],
        *,
        not_for: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 10,
    ) -> list[tuple[User, Membership, int]]:
        """The members who earned most: the sum of their entries of these kinds, but for the
        reasons `not_for`, between `since` and `until`; among those who agreed to be named and are
        still in the community's groups. Highest first; of equal totals, whoever got there first."""
        total = func.sum(PointEntry.amount).label("total")
        reached = func.max(PointEntry.id).label("reached")  # entries are numbered in time order
        query = (
            select(PointAccount.user_id, total, reached)
            .join(PointAccount, PointAccount.id == PointEntry.account_id)
            .join(
                Membership,
                (Membership.user_id == PointAccount.user_id)
                & (Membership.community_id == PointAccount.community_id),
            )
            .where(
                PointAccount.community_id == community_id,
                PointEntry.kind.in_(list(kinds)),
                PointEntry.reason.not_in(list(not_for)),
                Membership.named.is_(True),
                Membership.left_at.is_(None),
            )
            .group_by(PointAccount.user_id)
            .having(func.sum(PointEntry.amount) > 0)
            .order_by(total.desc(), reached, PointAccount.user_id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(PointEntry.created_at >= since)
        if until is not None:
            query = query.where(PointEntry.created_at < until)
        rows = (await self.session.execute(query)).all()
        if not rows:
            return []
        ids = [row.user_id for row in rows]
        people = await self.session.execute(
            select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(User.id.in_(ids), Membership.community_id == community_id)
        )
        by_id = {user.id: (user, membership) for user, membership in people.all()}
        return [(*by_id[row.user_id], int(row.total)) for row in rows]
