"""Broadcasts (/broadcast) and what their outbox rows became."""

from __future__ import annotations

from sqlalchemy import func, select, update

from storage.models import Broadcast, OutboxMessage
from storage.repositories.base import Repository, rowcount

COPIES = ("send", "media")  # a broadcast's copy to a group (its pins are kind "pin")


class BroadcastRepository(Repository):
    async def add(self, broadcast: Broadcast) -> Broadcast:
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def move(self, broadcast_id: int, from_status: str, to_status: str) -> bool:
        """`UPDATE … WHERE status = :from`: True for the one press that made the change."""
        values: dict[str, object] = {"status": to_status}
        if to_status == "sending":
            values["confirmed_at"] = self.now()
        result = await self.session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == from_status)
            .values(**values)
        )
        return rowcount(result) == 1

    async def move_pin(self, broadcast_id: int, from_status: str | None, to_status: str) -> bool:
        condition = (
            Broadcast.pin_status.is_(None) if from_status is None else Broadcast.pin_status == from_status
        )
        result = await self.session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id, condition).values(pin_status=to_status)
        )
        return rowcount(result) == 1

    async def in_status(self, status: str, *, pin_status: str | None = None) -> list[Broadcast]:
        query = select(Broadcast).where(Broadcast.status == status)
        if pin_status is not None:
            query = query.where(Broadcast.pin_status == pin_status)
        return list((await self.session.execute(query.order_by(Broadcast.id))).scalars())

    async def pending_rows(self, broadcast_id: int, kinds: tuple[str, ...]) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.broadcast_id == broadcast_id,
                OutboxMessage.kind.in_(kinds),
                OutboxMessage.status == "pending",
            )
        )
        return int(result.scalar_one())

    async def rows(self, broadcast_id: int, kinds: tuple[str, ...]) -> list[OutboxMessage]:
        result = await self.session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.kind.in_(kinds))
            .order_by(OutboxMessage.id)
        )
        return list(result.scalars())
