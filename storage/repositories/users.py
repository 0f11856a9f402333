"""People, by their Telegram id or @username."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import User
from storage.repositories.base import Repository


class UserRepository(Repository):
    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def find_by_telegram_id(self, telegram_id: int) -> User | None:
        result = await self.session.execute(select(User).where(User.telegram_id == telegram_id))
        return result.scalar_one_or_none()

    async def find_by_username(self, username: str) -> User | None:
        result = await self.session.execute(select(User).where(User.username == username.lower().lstrip("@")))
        return result.scalars().first()

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user
