"""Shared steps for request tests: a community with a group, a staff group, a volunteer, a resident."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services.requests.cards import CARD
from fakebot import FakeChat, FakeUser
from storage.models import PointAccount, Request
from tests.world import World

HOME = "幸福里社区"


@dataclass
class Estate:
    group: FakeChat
    staff_group: FakeChat
    resident: FakeUser
    volunteer: FakeUser


async def volunteer(world: World, group: FakeChat, name: str, line: str, *, start: bool = True) -> FakeUser:
    person = world.person(name)
    await world.say(person, group, "大家好")
    await world.start(person)
    await world.say(person, world.dm(person), f"/volunteer {line}")
    return person


async def english_resident(world: World, group: FakeChat, name: str = "Tom") -> FakeUser:
    """A resident whose Telegram speaks English, who wrote in the group and started the bot."""
    person = world.person(name, language_code="en")
    await world.say(person, group, "hello")
    await world.start(person)
    return person


async def estate(world: World, *, resident_started: bool = True) -> Estate:
    group = await world.community_group("幸福里群", HOME)
    staff_group = await world.community_group("幸福里工作群", HOME, staff=True)
    resident = world.person("张阿姨")
    await world.say(resident, group, "大家好")
    if resident_started:
        await world.start(resident)
    helper = await volunteer(world, group, "老王", "老王 | 3号楼 | 维修,电工 | 是")
    return Estate(group, staff_group, resident, helper)


async def request_no(world: World, number: int, community: str = HOME) -> Request:
    async with world.bot.deps.uow() as uow:
        found = await uow.communities.find_by_name(community)
        assert found is not None
        request = await uow.requests.find_by_number(found.id, number)
        assert request is not None, f"no request #{number}"
        return request


async def events(world: World, number: int) -> list[str]:
    request = await request_no(world, number)
    async with world.bot.deps.uow() as uow:
        return [e.kind for e in await uow.requests.history(request.id)]


async def balance(world: World, person: FakeUser, community: str = HOME) -> tuple[int, int, int]:
    """(balance, sum of entries, number of entries) of a person's account."""
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        found = await uow.communities.find_by_name(community)
        assert user is not None and found is not None
        account: PointAccount | None = await uow.points.find_account(found.id, user.id)
        if account is None:
            return 0, 0, 0
        entries = await uow.points.entries(account.id, 1000)
        return account.balance, await uow.points.sum_of_entries(account.id), len(entries)


async def card_text(world: World, chat: FakeChat, number: int, community: str = HOME) -> str:
    """The request card of #number as it reads now in a chat (found by where it was posted)."""
    request = await request_no(world, number, community)
    return await world.card(chat, CARD, request.id)


def all_text(world: World, chat: FakeChat) -> str:
    return "\n".join(world.texts(chat))


def kwargs(**values: Any) -> dict[str, Any]:
    return values
