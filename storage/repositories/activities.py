"""Activities, the groups they are announced in, and sign-ups. Places are taken and given back only
by conditional UPDATEs, and a sign-up changes state only from the state it was read in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update

from storage.models import Activity, ActivityGroup, Community, Signup, User
from storage.repositories.base import Repository, rowcount

HOLDING = ("joined", "attended")  # sign-ups that hold a place
SIGNED = ("joined", "waitlisted")  # sign-ups that can still leave


class ActivityRepository(Repository):
    async def next_number(self, community_id: int) -> int:
        """The community's next activity number (the UPDATE locks the row: never shared)."""
        result = await self.session.execute(
            update(Community)
            .where(Community.id == community_id)
            .values(activity_seq=Community.activity_seq + 1)
            .returning(Community.activity_seq)
        )
        return int(result.scalar_one())

    async def add(self, activity: Activity) -> Activity:
        self.session.add(activity)
        await self.session.flush()
        return activity

    async def get(self, activity_id: int) -> Activity | None:
        return await self.session.get(Activity, activity_id)

    async def refresh(self, activity: Activity) -> None:
        await self.session.refresh(activity)

    async def find_by_number(self, community_id: int, number: int) -> Activity | None:
        result = await self.session.execute(
            select(Activity).where(Activity.community_id == community_id, Activity.number == number)
        )
        return result.scalar_one_or_none()

    async def find_by_token(self, token: str) -> Activity | None:
        result = await self.session.execute(select(Activity).where(Activity.checkin_token == token))
        return result.scalar_one_or_none()

    async def token_taken(self, token: str) -> bool:
        return await self.find_by_token(token) is not None

    async def upcoming(self, community_ids: Sequence[int], now: datetime, limit: int) -> list[Activity]:
        """Open activities of these communities that have not ended, soonest first."""
        if not community_ids:
            return []
        result = await self.session.execute(
            select(Activity)
            .where(
                Activity.community_id.in_(community_ids),
                Activity.status == "open",
                Activity.ends_at > now,
            )
            .order_by(Activity.starts_at, Activity.id)
            .limit(limit)
        )
        return list(result.scalars())

    async def ended_unwrapped(self, now: datetime, limit: int = 50) -> list[Activity]:
        """Open activities whose end has passed and whose no-shows and thanks are not done."""
        result = await self.session.execute(
            select(Activity)
            .where(Activity.status == "open", Activity.ends_at <= now)
            .order_by(Activity.ends_at, Activity.id)
            .limit(limit)
        )
        return list(result.scalars())

    async def change_status(self, activity_id: int, to: str, *, ended_at: datetime | None = None) -> bool:
        """An open activity becomes cancelled or ended, once (two at once cannot both do it)."""
        values: dict[str, object] = {"status": to, "updated_at": self.now()}
        if ended_at is not None:
            values["ended_at"] = ended_at
        result = await self.session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.status == "open")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    # -- places ---------------------------------------------------------------------------------
    async def take_place(self, activity_id: int) -> bool:
        """One place, if an open activity has one left: `capacity IS NULL OR joined < capacity` is
        the UPDATE's condition, so fifty presses at once for the last place give it to one."""
        result = await self.session.execute(
            update(Activity)
            .where(
                Activity.id == activity_id,
                Activity.status == "open",
                or_(Activity.capacity.is_(None), Activity.joined < Activity.capacity),
            )
            .values(joined=Activity.joined + 1, updated_at=self.now())
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def give_back_place(self, activity_id: int) -> None:
        await self.session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.joined > 0)
            .values(joined=Activity.joined - 1, updated_at=self.now())
            .execution_options(synchronize_session=False)
        )

    # -- groups ---------------------------------------------------------------------------------
    async def add_group(self, activity_id: int, chat_id: int) -> None:
        await self.session.execute(
            self._insert(ActivityGroup)
            .values(activity_id=activity_id, chat_id=chat_id, created_at=self.now())
            .on_conflict_do_nothing(index_elements=["activity_id", "chat_id"])
        )

    async def group_chats(self, activity_id: int) -> list[int]:
        result = await self.session.execute(
            select(ActivityGroup.chat_id)
            .where(ActivityGroup.activity_id == activity_id)
            .order_by(ActivityGroup.id)
        )
        return list(result.scalars())

    # -- sign-ups -------------------------------------------------------------------------------
    async def claim_signup(
        self,
        activity_id: int,
        user_id: int,
        press: int,
        chat_id: int | None,
        *,
        again: Iterable[str] = ("left",),
    ) -> bool:
        """Start a sign-up (as waitlisted until a place is taken for it): a new row, or one in a
        state of `again` (the person had left; staff may also take back someone they removed).
        False when they are signed up already (or, for themselves, were removed by staff)."""
        now = self.now()
        inserted = await self.session.execute(
            self._insert(Signup)
            .values(
                activity_id=activity_id,
                user_id=user_id,
                status="waitlisted",
                press=press,
                chat_id=chat_id,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["activity_id", "user_id"])
        )
        if rowcount(inserted):
            return True
        reopened = await self.session.execute(
            update(Signup)
            .where(
                Signup.activity_id == activity_id, Signup.user_id == user_id, Signup.status.in_(list(again))
            )
            .values(status="waitlisted", press=press, chat_id=chat_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return rowcount(reopened) == 1

    async def find_signup(self, activity_id: int, user_id: int) -> Signup | None:
        result = await self.session.execute(
            select(Signup)
            .where(Signup.activity_id == activity_id, Signup.user_id == user_id)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def move_signup(
        self, signup_id: int, to: str, *, from_: Iterable[str], checked_in_by_id: int | None = None
    ) -> bool:
        """A sign-up in one of the states `from_` moves to `to`, once."""
        values: dict[str, object] = {"status": to, "updated_at": self.now()}
        if to == "attended":
            values["checked_in_at"] = self.now()
            values["checked_in_by_id"] = checked_in_by_id
        result = await self.session.execute(
            update(Signup)
            .where(Signup.id == signup_id, Signup.status.in_(list(from_)))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def waitlist(self, activity_id: int, limit: int | None = None) -> list[Signup]:
        """The waitlist in press order."""
        query = (
            select(Signup)
            .where(Signup.activity_id == activity_id, Signup.status == "waitlisted")
            .order_by(Signup.press, Signup.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def waitlist_position(self, signup: Signup) -> int:
        """1 for the first on the waitlist."""
        result = await self.session.execute(
            select(func.count(Signup.id)).where(
                Signup.activity_id == signup.activity_id,
                Signup.status == "waitlisted",
                or_(Signup.press < signup.press, (Signup.press == signup.press) & (Signup.id <= signup.id)),
            )
        )
        return int(result.scalar_one())

    async def signups(self, activity_id: int, statuses: Iterable[str]) -> list[tuple[Signup, User]]:
        """Sign-ups in these states with their people, in press order."""
        result = await self.session.execute(
            select(Signup, User)
            .join(User, User.id == Signup.user_id)
            .where(Signup.activity_id == activity_id, Signup.status.in_(list(statuses)))
            .order_by(Signup.press, Signup.id)
        )
        return [(s, u) for s, u in result.all()]

    async def counts(self, activity_id: int) -> dict[str, int]:
        result = await self.session.execute(
            select(Signup.status, func.count(Signup.id))
            .where(Signup.activity_id == activity_id)
            .group_by(Signup.status)
        )
        return {status: int(n) for status, n in result.all()}

    async def statuses_of(self, user_id: int, activity_ids: Sequence[int]) -> dict[int, str]:
        if not activity_ids:
            return {}
        result = await self.session.execute(
            select(Signup.activity_id, Signup.status).where(
                Signup.user_id == user_id, Signup.activity_id.in_(list(activity_ids))
            )
        )
        return {activity_id: status for activity_id, status in result.all()}

    async def no_shows_since(self, community_id: int, user_id: int, since: datetime) -> list[datetime]:
        """When the activities a person did not come to ended, of those ended since `since`, newest first."""
        result = await self.session.execute(
            select(Activity.ends_at)
            .join(Signup, Signup.activity_id == Activity.id)
            .where(
                Activity.community_id == community_id,
                Signup.user_id == user_id,
                Signup.status == "no_show",
                Activity.ends_at >= since,
            )
            .order_by(Activity.ends_at.desc())
        )
        return list(result.scalars())

    async def mark_no_shows(self, activity_id: int) -> int:
        """Everyone still `joined` after the end did not come."""
        result = await self.session.execute(
            update(Signup)
            .where(Signup.activity_id == activity_id, Signup.status == "joined")
            .values(status="no_show", updated_at=self.now())
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    async def clear_waitlist(self, activity_id: int) -> None:
        await self.session.execute(
            update(Signup)
            .where(Signup.activity_id == activity_id, Signup.status == "waitlisted")
            .values(status="left", updated_at=self.now())
            .execution_options(synchronize_session=False)
        )
