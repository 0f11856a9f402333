"""Volunteers' buildings typed in every form people use are stored as triage reads a request's
building, so that dispatch (nudges, the staff card's suggestions) matches them."""

from __future__ import annotations

from fakebot import FakeChat, FakeUser
from tests.requests_world import HOME, english_resident, estate, volunteer
from tests.world import World


async def home_of(world: World, person: FakeUser) -> tuple[str | None, str | None]:
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        community = await uow.communities.find_by_name(HOME)
        assert user is not None and community is not None
        m = await uow.memberships.find(user.id, community.id)
        assert m is not None
        return m.building, m.unit


def assign_labels(world: World, staff_group: FakeChat) -> list[str]:
    card = world.fake.bot_messages(staff_group)[-1]
    return [text for row in card.buttons for text, _ in row if text.startswith("派给")]


async def test_one_line_registrations_store_the_building_as_triage_reads_it(world: World) -> None:
    e = await estate(world)
    forms = {
        "五号楼一单元": ("5号楼", "1单元"),
        "5栋1单元": ("5号楼", "1单元"),
        "5号楼1单元": ("5号楼", "1单元"),
        "五栋": ("5号楼", None),
        "5幢": ("5号楼", None),
        "5-1": ("5号楼", "1单元"),
        "５栋１单元": ("5号楼", "1单元"),
        "Building 5 Unit 1": ("5号楼", "1单元"),
    }
    for index, (typed, stored) in enumerate(forms.items()):
        person = await volunteer(world, e.group, f"志愿者{index}", f"志愿者{index} | {typed} | 跑腿 | 否")
        assert await home_of(world, person) == stored, typed
        assert "5号楼" in world.last(world.dm(person))  # the confirmation shows what was understood


async def test_dispatch_matches_volunteers_whatever_form_they_typed(world: World) -> None:
    e = await estate(world)  # 老王 lives in 3号楼
    fives = []
    for index, typed in enumerate(["5-1", "五号楼一单元", "５幢"]):
        person = await volunteer(world, e.group, f"五号楼{index}", f"五号楼{index} | {typed} | 维修 | 否")
        await world.say(person, world.dm(person), "/profile 提醒 开")
        fives.append(person)
    await world.say(e.volunteer, world.dm(e.volunteer), "/profile 提醒 开")
    await world.say(e.resident, e.group, "#求助 5栋 楼道灯坏了")
    for person in fives:
        assert "新的求助 #1" in world.last(world.dm(person))
    assert "新的求助 #1" not in world.last(world.dm(e.volunteer))  # another building
    assert assign_labels(world, e.staff_group)[:3] == [f"派给 五号楼{i}" for i in range(3)]


async def test_the_guided_flow_and_profile_normalise_and_refuse_politely(world: World) -> None:
    e = await estate(world)
    person = world.person("小周")
    await world.say(person, e.group, "大家好")
    await world.start(person)
    dm = world.dm(person)
    await world.say(person, dm, "/volunteer")
    await world.say(person, dm, "小周")
    await world.say(person, dm, "5-1")
    assert await world.templates(dm) and (await world.templates(dm))[-1] is None  # the skills picker
    await world.say(person, dm, "跑腿")
    await world.say(person, dm, "否")
    assert await home_of(world, person) == ("5号楼", "1单元")

    await world.say(person, dm, "/profile 楼栋 ３号楼２单元")
    assert await home_of(world, person) == ("3号楼", "2单元")
    assert "3号楼2单元" in world.last(dm)
    await world.say(person, dm, "/profile 楼栋 随便写写")
    assert (await world.templates(dm))[-1] == "volunteers/building_invalid"
    assert "没看懂这个楼栋" in world.last(dm)
    assert await home_of(world, person) == ("3号楼", "2单元")  # unchanged
    await world.say(person, dm, "/profile 楼栋 无")
    assert await home_of(world, person) == (None, None)
    assert "未填写" in world.last(dm)


async def test_a_building_staff_named_is_accepted_as_written(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.group, "/buildings 松园 竹苑")
    person = await volunteer(world, e.group, "小吴", "小吴 | 松园 | 跑腿 | 否")
    assert await home_of(world, person) == ("松园", None)
    await world.say(person, world.dm(person), "/profile 楼栋 北京")
    assert "松园、竹苑" in world.last(world.dm(person))
    assert await home_of(world, person) == ("松园", None)


async def test_an_unreadable_building_is_refused_in_english_too(world: World) -> None:
    e = await estate(world)
    tom = await english_resident(world, e.group)
    dm = world.dm(tom)
    await world.say(tom, dm, "/volunteer Tom | near the park | 跑腿 | no")
    assert "could not read that building" in world.last(dm)
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(tom.id)
        assert user is not None
        [m] = await uow.memberships.of_user(user.id)
        assert m.volunteer_status == "none" and m.building is None
