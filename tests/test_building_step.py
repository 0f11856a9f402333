"""A request written in private that names no building, from someone whose building is unknown,
asks for it before it is posted: buttons for the community's buildings, typed, or skipped; every
answer re-checked. Through the handlers and the fake Bot API."""

from __future__ import annotations

from fakebot import FakeChat
from tests.requests_world import HOME, Estate, card_text, english_resident, estate, request_no
from tests.test_volunteers import step_of
from tests.world import World

ASK = "requests/ask_building"


async def community_count(world: World) -> int:
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        return community.request_seq


def labels(world: World, chat: FakeChat) -> list[str]:
    message = world.fake.bot_messages(chat)[-1]
    return [text for row in message.buttons for text, _ in row]


async def with_buildings(world: World) -> tuple[Estate, FakeChat]:
    """The estate's group covers 3号楼 and 5号楼; a second group covers 12栋 (written as staff do)."""
    e = await estate(world)
    await world.say(world.admin, e.group, "/buildings 5号楼 3栋")
    north = await world.community_group("北区群", HOME)
    await world.say(world.admin, north, "/buildings 12栋 五号楼")
    return e, north


async def test_a_request_without_a_building_offers_the_communitys_buildings(world: World) -> None:
    e, north = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了好几天")
    assert (await world.templates(dm))[-1] == ASK
    assert labels(world, dm) == ["3号楼", "5号楼", "12号楼", "✏️ 我来输入", "跳过（不在楼里）"]
    assert await community_count(world) == 0  # nothing posted yet
    await world.press(e.resident, dm, "12号楼")
    request = await request_no(world, 1)
    assert request.building == "12号楼" and request.category == "repair"
    assert "12号楼" in await card_text(world, north, 1)  # the group that covers that building
    assert world.answers()[-1] == "#1 · 12号楼"
    assert await step_of(world, e.resident) is None


async def test_the_building_can_be_typed_in_the_forms_people_use(world: World) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    await world.press(e.resident, dm, "我来输入")
    assert (await world.templates(dm))[-1] == "requests/ask_building_typed"
    await world.say(e.resident, dm, "五号楼一单元")
    request = await request_no(world, 1)
    assert (request.building, request.unit) == ("5号楼", "1单元")
    await world.say(e.resident, dm, "/request 门口的垃圾没人收")
    await world.say(e.resident, dm, "5-2-501")
    request = await request_no(world, 2)
    assert (request.building, request.unit, request.room) == ("5号楼", "2单元", "501")
    assert "501" not in await card_text(world, e.group, 2)


async def test_the_building_can_be_skipped_by_button_or_word(world: World) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 小区广场的长椅坏了")
    await world.press(e.resident, dm, "跳过")
    assert (await request_no(world, 1)).building is None
    await world.say(e.resident, dm, "/request 小区南门的路灯不亮")
    await world.say(e.resident, dm, "跳过")
    assert (await request_no(world, 2)).building is None


async def test_an_offered_message_filed_with_the_button_asks_for_the_building(world: World) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "家里水龙头一直滴水")
    await world.press(e.resident, dm, "登记为求助")
    assert (await world.templates(dm))[-1] == ASK
    await world.press(e.resident, dm, "3号楼")
    assert (await request_no(world, 1)).building == "3号楼"


async def test_no_step_when_the_text_or_the_person_gives_the_building(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, world.dm(e.resident), "/request 3号楼楼道灯坏了")
    assert (await request_no(world, 1)).building == "3号楼"
    volunteer_dm = world.dm(e.volunteer)  # registered with 3号楼
    await world.say(e.volunteer, volunteer_dm, "/request 楼下的井盖松了")
    assert (await request_no(world, 2)).building == "3号楼"
    assert ASK not in await world.templates(volunteer_dm)


async def test_without_buildings_configured_the_step_offers_type_and_skip(world: World) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    assert labels(world, dm) == ["✏️ 我来输入", "跳过（不在楼里）"]
    await world.say(e.resident, dm, "7栋")
    assert (await request_no(world, 1)).building == "7号楼"


async def test_a_building_typed_wrong_is_refused_and_the_step_stays(world: World) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    for typed in ("随便", "楼" * 40):
        await world.say(e.resident, dm, typed)
        assert (await world.templates(dm))[-1] == "requests/building_unknown"
    assert "3号楼、5号楼、12号楼" in world.last(dm)
    world.fake.send_photo(e.resident, dm)
    await world.pump()
    assert (await world.templates(dm))[-1] == "requests/building_unknown"
    assert await step_of(world, e.resident) == "building"
    assert await community_count(world) == 0
    await world.press(e.resident, dm, "5号楼")  # the buttons of the step still work
    assert (await request_no(world, 1)).building == "5号楼"


async def test_an_english_speaker_is_asked_and_refused_in_english(world: World) -> None:
    e, _ = await with_buildings(world)
    tom = await english_resident(world, e.group)
    dm = world.dm(tom)
    await world.say(tom, dm, "/request the corridor light is broken")
    assert "Which building" in world.last(dm) and "Skip (not in a building)" in labels(world, dm)
    await world.say(tom, dm, "somewhere")
    assert "could not read that building" in world.last(dm)
    await world.say(tom, dm, "Building 5")
    request = await request_no(world, 1)
    assert request.building == "5号楼"


async def test_a_stale_building_button_changes_nothing(world: World) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    first_step = world.fake.bot_messages(dm)[-1].message_id
    await world.press(e.resident, dm, "3号楼")
    await world.press(e.resident, dm, "5号楼", message_id=first_step)  # pressed again after filing
    assert world.answers()[-1] == "这个按钮已过期，请重新发送命令。"
    assert await community_count(world) == 1 and (await request_no(world, 1)).building == "3号楼"
    await world.say(e.resident, dm, "/request 门口垃圾没人收")  # a new step: the old buttons are stale
    await world.press(e.resident, dm, "跳过", message_id=first_step)
    assert world.answers()[-1] == "这个按钮已过期，请重新发送命令。"
    assert await community_count(world) == 1 and await step_of(world, e.resident) == "building"


async def test_a_forged_building_button_is_refused(world: World) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    message = world.fake.bot_messages(dm)[-1]
    data = message.buttons[0][0][1]
    assert data is not None
    forged = data.rsplit(":", 1)[0] + ":99"
    world.fake.press(e.resident, dm, message.message_id, forged)
    await world.pump()
    assert world.answers()[-1] == "这个按钮已过期，请重新发送命令。"
    assert await community_count(world) == 0


async def test_cancel_leaves_the_building_step_without_filing(world: World) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    await world.say(e.resident, dm, "/cancel")
    assert await step_of(world, e.resident) is None and await community_count(world) == 0
    await world.press(e.resident, dm, "3号楼")
    assert await community_count(world) == 0


async def test_a_danger_typed_at_the_building_step_is_filed_at_once_with_the_waiting_request(
    world: World,
) -> None:
    e, _ = await with_buildings(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    await world.say(e.resident, dm, "快来人，我妈摔倒了起不来")
    waiting, urgent = await request_no(world, 1), await request_no(world, 2)
    assert "楼道灯" in waiting.text and not waiting.urgent
    assert "摔倒" in urgent.text and urgent.urgent
    assert "120" in (await world.said(dm, "requests/emergency_numbers"))[0]
    assert len(await world.said(e.staff_group, "requests/staff_danger_alert")) == 1


async def test_several_communities_ask_the_community_then_the_building(world: World) -> None:
    e, _ = await with_buildings(world)
    other = await world.community_group("和平里群", "和平社区")
    await world.say(e.resident, other, "大家好")
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 楼道灯坏了")
    await world.press(e.resident, dm, HOME)
    assert (await world.templates(dm))[-1] == ASK
    await world.press(e.resident, dm, "5号楼")
    assert (await request_no(world, 1)).building == "5号楼"
