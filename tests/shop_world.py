"""Shared steps for points-shop tests: an estate with a merchant, rewards, and points to spend."""

from __future__ import annotations

from dataclasses import dataclass

from fakebot import FakeChat, FakeUser
from storage.models import Redemption, Reward
from tests.requests_world import HOME, Estate, estate
from tests.world import World


@dataclass
class Shop:
    estate: Estate
    merchant: FakeUser

    @property
    def group(self) -> FakeChat:
        return self.estate.group

    @property
    def staff_group(self) -> FakeChat:
        return self.estate.staff_group

    @property
    def resident(self) -> FakeUser:
        return self.estate.resident


async def shop(world: World) -> Shop:
    """An estate whose barber (@barber) holds the merchant role and has started the bot."""
    place = await estate(world)
    barber = world.person("王师傅", username="barber")
    await world.say(barber, place.group, "大家好")
    await world.start(barber)
    await world.say(world.admin, place.staff_group, "/grant 商家 @barber")
    return Shop(place, barber)


async def give_points(world: World, person: FakeUser, amount: int, key: str = "seed") -> None:
    """Points earned some earlier way (a ledger entry like any other)."""
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        community = await uow.communities.find_by_name(HOME)
        assert user is not None and community is not None
        account = await uow.points.open_account(community.id, user.id)
        assert await uow.points.post(account, amount, kind="earn", reason="request", key=key)
        await uow.commit()


async def rewards(world: World) -> list[Reward]:
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        found, _ = await uow.rewards.page(community.id, 0, 100, retired=True)
        return sorted(found, key=lambda r: r.id)


async def redemptions(world: World) -> list[Redemption]:
    from sqlalchemy import select

    async with world.bot.deps.uow() as uow:
        result = await uow.session.execute(select(Redemption).order_by(Redemption.id))
        return list(result.scalars())
