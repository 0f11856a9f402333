"""/mine and /open with buttons, so that an elderly resident never has to type a number: each
request's next step for the reader, take buttons for volunteers, and in the staff group what staff
need to dispatch. Every button is re-checked when pressed, also from an old copy or twice."""

from __future__ import annotations

from fakebot import FakeChat
from tests.conftest import Clock
from tests.requests_world import HOME, Estate, estate, events, request_no, volunteer
from tests.world import World

LEAK = "#求助 3号楼2单元501 厨房水管漏水了，电话13812345678"


def labels(world: World, chat: FakeChat) -> list[str]:
    message = world.fake.bot_messages(chat)[-1]
    return [text for row in message.buttons for text, _ in row]


def button_count(world: World, chat: FakeChat) -> int:
    return len(labels(world, chat))


async def filed(world: World) -> Estate:
    e = await estate(world)
    await world.say(e.resident, e.group, LEAK)
    return e


async def done(world: World, e: Estate) -> None:
    await world.press(e.volunteer, e.group, "接单")
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")


# -- /mine -----------------------------------------------------------------------------------------
async def test_mine_offers_add_detail_and_cancel_for_a_waiting_request(world: World) -> None:
    e = await filed(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/mine")
    assert labels(world, dm) == ["#1 ➕ 补充", "#1 🗑 撤销"]
    await world.press(e.resident, dm, "#1 ➕ 补充")
    assert "补充到求助 #1" in world.last(dm)
    await world.say(e.resident, dm, "👍")  # not a detail: asked again
    assert "补充到求助 #1" in world.last(dm)
    await world.say(e.resident, dm, "水已经流到楼道了")
    assert "已补充到求助 #1" in world.last(dm)
    assert await events(world, 1) == ["filed", "added"]
    await world.say(e.resident, dm, "你好")  # the wait is over: small talk gets the menu again
    assert (await world.templates(dm))[-1] == "community/menu"


async def test_cancel_from_mine_asks_once_more_then_cancels(world: World) -> None:
    e = await filed(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/mine")
    mine = world.fake.bot_messages(dm)[-1].message_id
    await world.press(e.resident, dm, "#1 🗑 撤销")
    assert "确定要撤销求助 #1" in world.last(dm)
    await world.press(e.resident, dm, "不撤销")
    assert world.answers()[-1] == "好的，求助 #1 保留。"
    assert (await request_no(world, 1)).status == "open"
    update = await world.press(e.resident, dm, "确定撤销")
    assert (await request_no(world, 1)).status == "cancelled"
    await world.redeliver(update)  # a redelivered press: nothing twice
    assert await events(world, 1) == ["filed", "cancelled"]
    await world.press(e.resident, dm, "#1 🗑 撤销", message_id=mine)  # the old list's button
    assert "已撤销" in (world.answers()[-1] or "")
    assert await events(world, 1) == ["filed", "cancelled"]


async def test_only_the_requester_or_staff_may_cancel_by_button(world: World) -> None:
    e = await filed(world)
    await world.say(e.resident, world.dm(e.resident), "/mine")
    message = world.fake.bot_messages(world.dm(e.resident))[-1]
    data = next(d for row in message.buttons for t, d in row if "撤销" in t)
    neighbour = world.person("李叔")
    await world.say(neighbour, e.group, "大家好")
    await world.start(neighbour)
    world.fake.press(
        neighbour, world.dm(neighbour), world.fake.bot_messages(world.dm(neighbour))[-1].message_id, data
    )
    await world.pump()
    assert "不是您的" in (world.answers()[-1] or "") or "只有" in (world.answers()[-1] or "")
    assert (await request_no(world, 1)).status == "open"


async def test_mine_offers_solved_and_not_solved_once_done(world: World) -> None:
    e = await filed(world)
    await done(world, e)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/mine")
    assert labels(world, dm) == ["#1 ✅ 已解决", "#1 ❌ 没解决"]
    mine = world.fake.bot_messages(dm)[-1].message_id
    await world.press(e.resident, dm, "#1 ✅ 已解决", message_id=mine)
    assert (await request_no(world, 1)).status == "confirmed"
    await world.press(e.resident, dm, "#1 ✅ 已解决", message_id=mine)  # pressed again on the old list
    assert (await events(world, 1)).count("confirmed") == 1


async def test_mine_offers_rating_which_opens_the_card_with_stars(world: World) -> None:
    e = await filed(world)
    await done(world, e)
    dm = world.dm(e.resident)
    await world.press(e.resident, dm, "已解决")
    await world.say(e.resident, dm, "/mine")
    assert labels(world, dm) == ["#1 ⭐ 评价"]
    await world.press(e.resident, dm, "#1 ⭐ 评价")
    assert "⭐⭐⭐⭐⭐" in labels(world, dm)
    await world.press(e.resident, dm, "⭐⭐⭐⭐⭐")
    request = await request_no(world, 1)
    assert request.status == "rated" and request.rating == 5
    await world.say(e.resident, dm, "/mine")
    assert labels(world, dm) == []  # nothing left to do


async def test_a_volunteers_mine_offers_on_my_way_and_done(world: World) -> None:
    e = await filed(world)
    await world.press(e.volunteer, e.group, "接单")
    dm = world.dm(e.volunteer)
    await world.say(e.volunteer, dm, "/mine")
    assert labels(world, dm) == ["#1 🚶 在路上", "#1 ✅ 已办结"]
    await world.press(e.volunteer, dm, "#1 ✅ 已办结")
    assert (await request_no(world, 1)).status == "done"


async def test_mine_in_a_group_lists_without_buttons(world: World) -> None:
    e = await filed(world)
    await world.say(e.resident, e.group, "/mine")
    assert "#1" in world.last(e.group) and labels(world, e.group) == []


async def test_mine_in_english(world: World) -> None:
    group = await world.community_group("幸福里群", HOME)
    alice = world.person("Alice", language_code="en")
    await world.say(alice, group, "#help 3号楼 the light in the stairwell is broken")
    await world.start(alice)
    await world.say(alice, world.dm(alice), "/mine")
    assert labels(world, world.dm(alice)) == ["#1 ➕ Add detail", "#1 🗑 Cancel"]
    await world.press(alice, world.dm(alice), "Cancel")
    assert "Cancel request #1?" in world.last(world.dm(alice))
    await world.press(alice, world.dm(alice), "Keep it")
    assert world.answers()[-1] == "OK, request #1 stays."


# -- /open ----------------------------------------------------------------------------------------
async def test_open_gives_a_volunteer_take_buttons_in_private(world: World) -> None:
    e = await filed(world)
    dm = world.dm(e.volunteer)
    await world.say(e.volunteer, dm, "/open")
    assert labels(world, dm) == ["#1 🙋 接单"]
    await world.press(e.volunteer, dm, "#1 🙋 接单")
    assert (await request_no(world, 1)).status == "claimed"


async def test_open_in_private_gives_a_resident_no_take_buttons(world: World) -> None:
    e = await filed(world)
    await world.say(e.resident, world.dm(e.resident), "/open")
    assert "#1" in world.last(world.dm(e.resident)) and labels(world, world.dm(e.resident)) == []


async def test_an_old_take_button_on_the_group_list_is_refused_once_taken(world: World) -> None:
    e = await filed(world)
    other = await volunteer(world, e.group, "老李", "老李 | 5号楼 | 维修 | 否")
    await world.say(e.resident, e.group, "/open")
    listed = world.fake.bot_messages(e.group)[-1].message_id
    assert labels(world, e.group) == ["#1 🙋 接单"]
    await world.press(e.volunteer, e.group, "#1 🙋 接单", message_id=listed)
    await world.press(other, e.group, "#1 🙋 接单", message_id=listed)
    assert "老王" in (world.answers()[-1] or "")
    assert (await request_no(world, 1)).volunteer_id is not None
    assert (await events(world, 1)).count("claimed") == 1


async def test_open_in_english_for_an_english_speaking_volunteer(world: World) -> None:
    e = await filed(world)
    bob = await volunteer(world, e.group, "Bob", "Bob | 5号楼 | 维修 | no")
    await world.say(bob, world.dm(bob), "/lang en")
    await world.say(bob, world.dm(bob), "/open")
    assert labels(world, world.dm(bob)) == ["#1 🙋 Take"]


async def test_staff_group_open_shows_room_contact_and_deadline_with_dispatch_buttons(world: World) -> None:
    e = await filed(world)
    await world.say(world.admin, e.staff_group, "/open")
    text = world.last(e.staff_group)
    assert "3号楼 2单元 501" in text and "张阿姨" in text and "时限" in text
    assert labels(world, e.staff_group) == ["#1 👥 派单", "#1 📋 详情"]
    await world.say(e.resident, e.group, "/open")  # the neighbourhood group still sees no room
    assert "501" not in world.last(e.group) and "13812345678" not in world.last(e.group)


async def test_dispatch_from_the_staff_list_offers_fitting_volunteers(world: World) -> None:
    e = await filed(world)
    await world.say(world.admin, e.staff_group, "/open")
    update = await world.press(world.admin, e.staff_group, "#1 👥 派单")
    assert "#1 维修 派给谁" in world.last(e.staff_group)
    said = len(world.texts(e.staff_group))
    await world.redeliver(update)
    assert len(world.texts(e.staff_group)) == said  # a redelivered press adds nothing
    await world.press(world.admin, e.staff_group, "派给 老王")
    request = await request_no(world, 1)
    assert request.status == "assigned"
    await world.press(world.admin, e.staff_group, "派给 老王")  # the same choice, pressed again
    assert "已经由这位志愿者处理中" in (world.answers()[-1] or "")
    assert (await events(world, 1)).count("assigned") == 1


async def test_details_from_the_staff_list_posts_the_staff_card(world: World) -> None:
    e = await filed(world)
    await world.say(world.admin, e.staff_group, "/open")
    await world.press(world.admin, e.staff_group, "#1 📋 详情")
    card = world.last(e.staff_group)
    assert "13812345678" in card and "501" in card
    assert any("派给" in label for label in labels(world, e.staff_group))


async def test_staff_buttons_pressed_by_a_resident_change_nothing(world: World) -> None:
    e = await filed(world)
    await world.say(world.admin, e.staff_group, "/open")
    message = world.fake.bot_messages(e.staff_group)[-1]
    dispatch, details = (d for row in message.buttons for _, d in row)
    assert dispatch is not None and details is not None
    for data in (dispatch, details):  # forged into the neighbourhood group by a resident
        world.fake.press(e.resident, e.group, world.fake.bot_messages(e.group)[-1].message_id, data)
        await world.pump()
    assert "只有" in (world.answers()[-2] or "") and "过期" in (world.answers()[-1] or "")
    assert (await request_no(world, 1)).status == "open"


async def test_staff_list_marks_what_is_late(clocked: World, clock: Clock) -> None:
    e = await filed(clocked)
    clock.advance(5 * 3600)
    await clocked.say(clocked.admin, e.staff_group, "/open")
    assert "已超时" in clocked.last(e.staff_group) and "未响应" in clocked.last(e.staff_group)


async def test_a_full_staff_page_stays_within_telegrams_limits(world: World) -> None:
    e = await estate(world)
    for i in range(12):
        long_name = world.person("王" * 60 + str(i))
        await world.say(long_name, e.group, "#求助 3号楼2单元501 " + "水管漏水" * 60)
    await world.say(world.admin, e.staff_group, "/open")
    assert "第 1/2 页" in world.last(e.staff_group)
    assert button_count(world, e.staff_group) == 21  # dispatch and details for ten, and next page
    await world.press(world.admin, e.staff_group, "下一页")
    assert "第 2/2 页" in world.last(e.staff_group)
    assert labels(world, e.staff_group)[-1] == "⬅️ 上一页"
