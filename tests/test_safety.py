"""A person in danger, through the handlers and the fake Bot API: the emergency numbers at once to
whoever asked (nothing private in a group), staff alerted ahead of everything else, from every
intake path; false alarms filed as usual; the property's duty phone (/dutyphone)."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.requests.cards import CARD
from fakebot import FakeChat
from storage.models import OutboxMessage
from tests.requests_world import (
    HOME,
    Estate,
    all_text,
    card_text,
    english_resident,
    estate,
    events,
    request_no,
)
from tests.world import World

NUMBERS = "requests/emergency_numbers"
ALERT = "requests/staff_danger_alert"


async def sent_id(world: World, chat: FakeChat, template: str) -> int:
    """The Telegram message id of the (only) message of `template` the bot sent to a chat."""
    async with world.bot.deps.uow() as uow:
        rows = (
            await uow.session.execute(
                select(OutboxMessage.sent_message_id).where(
                    OutboxMessage.chat_id == chat.id,
                    OutboxMessage.template == template,
                    OutboxMessage.status == "sent",
                )
            )
        ).all()
    assert len(rows) == 1, f"{len(rows)} messages of {template} in {chat.title or chat.id}"
    message_id = rows[0][0]
    assert message_id is not None
    return int(message_id)


async def card_id(world: World, chat: FakeChat, number: int) -> int:
    request = await request_no(world, number)
    async with world.bot.deps.uow() as uow:
        posted = await uow.outbox.find_card(CARD, request.id, chat.id)
    assert posted is not None
    return posted.message_id


async def duty_phone(world: World) -> str | None:
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        return community.duty_phone


async def with_duty_phone(world: World) -> Estate:
    e = await estate(world)
    await world.say(world.admin, e.staff_group, "/dutyphone 028-8888 6666")
    return e


# -- a person in danger, from every intake path -------------------------------------------------
async def test_a_fall_in_the_group_gets_the_card_the_numbers_and_a_staff_alert_first(world: World) -> None:
    e = await with_duty_phone(world)
    await world.say(e.resident, e.group, "#求助 9栋1单元502 我妈摔倒了起不来，电话13812345678")
    request = await request_no(world, 1)
    assert request.urgent and request.building == "9号楼"
    assert "#1" in await card_text(world, e.group, 1)

    [numbers] = await world.said(e.group, NUMBERS)
    assert "120" in numbers and "028-8888 6666" in numbers and "#1" in numbers
    assert "119" not in numbers and "110" not in numbers  # only the numbers that fit a fall
    for private in ("502", "13812345678", "摔倒"):  # nothing private, no text, in the group
        assert private not in numbers
    reply = world.fake.message(e.group, await sent_id(world, e.group, NUMBERS))
    assert reply is not None and reply.reply_to is not None  # it answers the resident's message

    [alert] = await world.said(e.staff_group, ALERT)
    assert "9号楼 1单元 502" in alert and "13812345678" in alert and "张阿姨" in alert
    assert "摔倒/起不来" in alert and "120" in alert and "028-8888 6666" in alert
    # Ahead of the queue: the alert and the reply are delivered before the cards queued before them.
    assert await sent_id(world, e.staff_group, ALERT) < await card_id(world, e.staff_group, 1)
    assert await sent_id(world, e.group, NUMBERS) < await card_id(world, e.group, 1)
    assert await events(world, 1) == ["filed", "danger"]


async def test_gas_written_in_private_is_filed_at_once_with_the_numbers_and_no_questions(
    world: World,
) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "家里有很重的煤气味，头有点晕")
    request = await request_no(world, 1)  # filed without the offer button and without the building step
    assert request.urgent and request.building is None
    [numbers] = await world.said(dm, NUMBERS)
    assert "119" in numbers and "开窗" in numbers and "120" not in numbers
    assert "requests/offer" not in await world.templates(dm)
    assert "requests/ask_building" not in await world.templates(dm)
    [alert] = await world.said(e.staff_group, ALERT)
    assert "燃气泄漏" in alert and "煤气味" in alert and "未说明" in alert


async def test_request_command_in_private_and_in_the_group_raise_the_alarm(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, world.dm(e.resident), "/request 老伴叫不醒了")
    await world.say(e.resident, e.group, "/request 电梯困人了 8号楼")
    assert "120" in (await world.said(world.dm(e.resident), NUMBERS))[0]
    [lift] = await world.said(e.group, NUMBERS)
    assert "119" in lift and "警铃" in lift
    assert len(await world.said(e.staff_group, ALERT)) == 2


async def test_a_photo_captioned_with_a_fire_raises_the_alarm(world: World) -> None:
    e = await estate(world)
    world.fake.send_photo(e.resident, e.group, caption="#求助 5号楼楼道里冒烟了")
    await world.pump()
    request = await request_no(world, 1)
    assert request.urgent  # whatever category triage guessed (no category is "fire"), ...
    [numbers] = await world.said(e.group, NUMBERS)
    assert "119" in numbers and "楼梯" in numbers
    [alert] = await world.said(e.staff_group, ALERT)  # ... the numbers go out and staff are told
    assert "着火/冒烟" in alert


async def test_a_photo_about_a_missing_person_sent_in_private_is_filed_at_once(world: World) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    world.fake.send_photo(e.resident, dm, caption="我爸不见了，早上出门到现在没回来，这是他的照片")
    await world.pump()
    assert "requests/offer" not in await world.templates(dm)  # not left waiting for a button
    [numbers] = await world.said(dm, NUMBERS)
    assert "110" in numbers
    assert "有人走失" in (await world.said(e.staff_group, ALERT))[0]
    async with world.bot.deps.uow() as uow:
        assert len(await uow.requests.media_of((await request_no(world, 1)).id)) == 1


async def test_staff_filing_for_someone_on_the_phone_get_the_numbers_and_the_alert(world: World) -> None:
    e = await estate(world)
    await world.start(world.admin)
    staff_dm = world.dm(world.admin)
    await world.say(
        world.admin, staff_dm, "/onbehalf 刘奶奶 | 3号楼1单元302 | 13900000000 | 老人晕倒了叫不醒"
    )
    assert "120" in (await world.said(staff_dm, NUMBERS))[0]
    [alert] = await world.said(e.staff_group, ALERT)
    assert "刘奶奶" in alert and "302" in alert and "13900000000" in alert
    assert "302" not in all_text(world, e.group) and NUMBERS not in await world.templates(e.group)


async def test_staff_replying_request_to_a_residents_message_answers_the_resident(world: World) -> None:
    e = await estate(world)
    said = await world.say(e.resident, e.group, "5号楼有人被困电梯里了")
    await world.say(world.admin, e.group, "/request", reply_to=said["message"]["message_id"])
    reply = world.fake.message(e.group, await sent_id(world, e.group, NUMBERS))
    assert reply is not None and reply.reply_to is not None
    assert reply.reply_to.message_id == said["message"]["message_id"]


async def test_a_danger_in_the_staff_group_itself_gets_only_the_alert(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.staff_group, "#求助 3号楼有老人摔倒了")
    assert len(await world.said(e.staff_group, ALERT)) == 1
    assert NUMBERS not in await world.templates(e.staff_group)


async def test_without_a_staff_group_staff_are_alerted_privately(world: World) -> None:
    group = await world.community_group("幸福里群", HOME)
    worker = world.person("社工小李", username="xiaoli")
    await world.say(worker, group, "大家好")
    await world.start(worker)
    await world.say(world.admin, group, "/grant 工作人员 @xiaoli")
    resident = world.person("张阿姨")
    await world.say(resident, group, "#求助 3号楼着火了")
    [alert] = await world.said(world.dm(worker), ALERT)
    assert "着火/冒烟" in alert and "#1" in alert


async def test_someone_in_no_community_still_gets_the_numbers(world: World) -> None:
    stranger = world.person("路人")
    await world.start(stranger)
    dm = world.dm(stranger)
    await world.say(stranger, dm, "我爸摔倒了起不来")
    [numbers] = await world.said(dm, NUMBERS)
    assert "120" in numbers and "工作人员收不到" in numbers


async def test_a_danger_from_someone_in_several_communities_gets_the_numbers_before_the_choice(
    world: World,
) -> None:
    e = await estate(world)
    other = await world.community_group("和平里群", "和平社区")
    await world.say(e.resident, other, "大家好")
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 家里着火了")
    assert (await world.templates(dm))[-2:] == [NUMBERS, "requests/ask_community"]
    assert "选择社区" in (await world.said(dm, NUMBERS))[0]
    await world.press(e.resident, dm, HOME)
    assert (await request_no(world, 1)).urgent
    assert len(await world.said(e.staff_group, ALERT)) == 1


async def test_english_speakers_get_the_numbers_in_english(world: World) -> None:
    e = await estate(world)
    tom = await english_resident(world, e.group)
    dm = world.dm(tom)
    await world.say(tom, dm, "/request I smell gas in the corridor of building 3")
    [numbers] = await world.said(dm, NUMBERS)
    assert "119" in numbers and "Gas leak" in numbers and "alerted" in numbers


async def test_false_alarms_are_filed_as_usual(world: World) -> None:
    e = await estate(world)
    for text in ("上次摔倒的扶手修一下 3号楼", "请问煤气费在哪里交", "明天上午消防演习，5号楼大家不要惊慌"):
        await world.say(e.resident, e.group, f"#求助 {text}")
    assert (await request_no(world, 3)).status == "open"
    assert NUMBERS not in await world.templates(e.group)
    assert ALERT not in await world.templates(e.staff_group)
    assert "danger" not in await events(world, 1)


async def test_a_redelivered_danger_update_alerts_once(world: World) -> None:
    e = await estate(world)
    update = await world.say(e.resident, e.group, "#求助 5号楼 老人晕倒了")
    await world.redeliver(update)
    assert len(await world.said(e.group, NUMBERS)) == 1
    assert len(await world.said(e.staff_group, ALERT)) == 1


# -- the property's duty phone ------------------------------------------------------------------
async def test_staff_set_show_and_remove_the_duty_phone(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.staff_group, "/dutyphone")
    assert (await world.templates(e.staff_group))[-1] == "community/duty_phone_show"
    assert "还没有设置" in world.last(e.staff_group)
    await world.say(world.admin, e.staff_group, "/dutyphone ０２８－８８８８６６６６")  # a phone keyboard
    assert await duty_phone(world) == "028-88886666" and "028-88886666" in world.last(e.staff_group)
    await world.say(e.resident, e.group, "#求助 3号楼有人晕倒了")
    assert "028-88886666" in (await world.said(e.group, NUMBERS))[0]
    await world.say(world.admin, e.staff_group, "/dutyphone off")
    assert await duty_phone(world) is None
    await world.say(e.resident, e.group, "#求助 5号楼有人晕倒了")
    assert "028-88886666" not in (await world.said(e.group, NUMBERS))[-1]


async def test_a_bad_duty_phone_is_refused_and_nothing_changes(world: World) -> None:
    e = await with_duty_phone(world)
    for typed in ("打电话给我", "12", "1-2-3-4-5", "0" * 40):
        await world.say(world.admin, e.staff_group, f"/dutyphone {typed}")
        assert (await world.templates(e.staff_group))[-1] == "community/duty_phone_usage"
        assert "不像电话号码" in world.last(e.staff_group)
    assert await duty_phone(world) == "028-8888 6666"
    await world.start(world.admin)
    await world.say(world.admin, world.dm(world.admin), "/lang en")
    await world.say(world.admin, world.dm(world.admin), "/dutyphone call me")
    assert "does not look like a phone number" in world.last(world.dm(world.admin))
    assert await duty_phone(world) == "028-8888 6666"


async def test_the_duty_phone_is_refused_for_residents(world: World) -> None:
    e = await with_duty_phone(world)
    await world.say(e.resident, e.group, "/dutyphone 13800000000")
    assert (await world.templates(e.group))[-1] == "common/staff_only"
    await world.say(e.volunteer, world.dm(e.volunteer), "/dutyphone off")
    assert (await world.templates(world.dm(e.volunteer)))[-1] == "common/staff_only"
    assert await duty_phone(world) == "028-8888 6666"
