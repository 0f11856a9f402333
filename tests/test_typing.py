"""How people really type, through the handlers and the fake Bot API: a Chinese phone keyboard's
full-width commands and tags (／take ３, ＃求助, 【报修】), and a mistyped command answered with a
suggestion."""

from __future__ import annotations

from fakebot import FakeChat, FakeUser
from storage.models import Request
from tests.requests_world import HOME, estate, events, request_no
from tests.test_request_refusals import filed, look, mark, sent_since
from tests.world import World

LAMP = "3号楼楼道灯坏了"


async def requests(world: World) -> list[Request]:
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        found = [
            await uow.requests.find_by_number(community.id, n) for n in range(1, community.request_seq + 1)
        ]
        return [r for r in found if r is not None]


# -- request tags --------------------------------------------------------------------------------
async def test_request_tags_typed_on_a_phone_keyboard_file_requests_with_the_text_as_written(
    world: World,
) -> None:
    e = await estate(world)
    forms = ["＃求助", "# 求助", "＃ 求助", "【求助】", "【报修】 ", "［求助］", "#求助#", "#HELP"]
    for i, tag in enumerate(forms, start=1):
        await world.say(e.resident, e.group, f"{tag}３号楼楼道灯坏了，第{i}次")
    filed_requests = await requests(world)
    assert [r.text for r in filed_requests] == [
        f"３号楼楼道灯坏了，第{i}次" for i in range(1, len(forms) + 1)
    ]
    assert {r.building for r in filed_requests} == {"3号楼"}
    for number in range(1, len(forms) + 1):
        assert await events(world, number) == ["filed"]


async def test_a_photo_captioned_with_a_full_width_tag_is_a_request_with_its_photo(world: World) -> None:
    e = await estate(world)
    world.fake.send_photo(e.resident, e.group, caption="＃报修 ３号楼 电梯门关不上")
    await world.pump()
    request = await request_no(world, 1)
    assert request.text == "３号楼 电梯门关不上" and request.building == "3号楼"
    async with world.bot.deps.uow() as uow:
        assert len(await uow.requests.media_of(request.id)) == 1


async def test_a_tag_written_in_private_is_not_part_of_the_request(world: World) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "＃求助 ３号楼楼道灯坏了")
    await world.press(e.resident, dm, "登记为求助")
    await world.say(e.resident, dm, "/request 【报修】 5号楼水管漏了")
    assert [r.text for r in await requests(world)] == ["３号楼楼道灯坏了", "5号楼水管漏了"]


async def test_words_that_only_look_like_a_tag_are_not_requests(world: World) -> None:
    e = await estate(world)
    for text in ("求助 谁家有梯子", "#helpful tips", "【通知】明天停水", "# 今天天气好"):
        await world.say(e.resident, e.group, text)
    assert await requests(world) == []


# -- full-width commands -------------------------------------------------------------------------
async def test_full_width_commands_work_like_ascii_ones_in_the_group_and_in_private(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, e.group, f"#求助 {LAMP}")
    vol_dm, res_dm = world.dm(e.volunteer), world.dm(e.resident)

    await world.say(e.volunteer, e.group, "／take １")
    assert "已接单 #1" in world.last(e.group)
    await world.say(e.volunteer, vol_dm, "／progress １ 马上到")
    await world.say(e.volunteer, vol_dm, "／done 1 灯泡换好了")
    request = await request_no(world, 1)
    assert request.status == "done" and request.done_note == "灯泡换好了"
    assert "requests/offer" not in await world.templates(vol_dm)  # never offered as a new request

    await world.say(e.resident, res_dm, "／confirm ＃１")
    await world.say(e.resident, res_dm, "／rate １ ５ 谢谢老王")
    request = await request_no(world, 1)
    assert (request.status, request.rating, request.rating_comment) == ("rated", 5, "谢谢老王")
    assert await events(world, 1) == ["filed", "claimed", "progress", "done", "confirmed", "rated"]
    assert "requests/offer" not in await world.templates(res_dm)


async def test_a_number_glued_to_the_command_or_the_bot_named_after_it_still_works(world: World) -> None:
    e = await estate(world)
    forms = ["/take１", "/take@linli_bot 2", "/take3", "／take＠linli_bot ４", "/claim 5", "／ｔａｋｅ　６"]
    for number in range(1, len(forms) + 1):
        await world.say(e.resident, e.group, f"#求助 {LAMP} {number}")
    for text in forms:
        await world.say(e.volunteer, e.group, text)
    assert [r.status for r in await requests(world)] == ["claimed"] * len(forms)


async def test_a_redelivered_full_width_command_does_nothing_twice(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, e.group, f"#求助 {LAMP}")
    update = await world.say(e.volunteer, e.group, "／take １")
    before = (await events(world, 1), len(world.texts(e.group)), len(world.texts(world.dm(e.volunteer))))

    await world.redeliver(update)

    after = (await events(world, 1), len(world.texts(e.group)), len(world.texts(world.dm(e.volunteer))))
    assert after == before and before[0] == ["filed", "claimed"]


async def test_an_edited_full_width_command_or_tag_is_answered_as_not_read(world: World) -> None:
    e = await estate(world)
    for text in ("＃求助 灯坏了", "／take １"):
        sent = await world.say(e.resident, e.group, text)
        world.fake.edit_text(e.resident, e.group, sent["message"]["message_id"], text + "！")
        await world.pump()
        assert "修改" in world.last(e.group)


# -- mistyped and unknown commands ---------------------------------------------------------------
async def quiet(world: World, user: FakeUser, chat: FakeChat, text: str) -> None:
    since = mark(world)
    await world.say(user, chat, text)
    assert sent_since(world, since) == [], [t.format() for t in sent_since(world, since)]


async def test_a_mistyped_command_in_private_gets_the_closest_command_this_person_may_use(
    world: World,
) -> None:
    e = await filed(world)
    before = await look(world, e)
    vol_dm, res_dm = world.dm(e.volunteer), world.dm(e.resident)
    await world.say(e.volunteer, vol_dm, "/tkae 1")
    assert "/tkae" in world.last(vol_dm) and "/take 1" in world.last(vol_dm)
    await world.say(e.volunteer, vol_dm, "／ｄｏｎ 1 好了")
    assert "/done 1 好了" in world.last(vol_dm)
    await world.say(e.resident, res_dm, "/hepl")
    assert "/help" in world.last(res_dm)
    await world.say(e.resident, res_dm, "/tkae 1")  # /take is a volunteer's command: not offered
    assert "/take" not in world.last(res_dm) and "/tkae" in world.last(res_dm)
    await world.say(e.resident, res_dm, "/xyzzy")
    assert "不认识" in world.last(res_dm) and "是不是" not in world.last(res_dm)
    assert await look(world, e) == before


async def test_a_mistyped_command_is_suggested_in_the_readers_language(world: World) -> None:
    alice = world.person("Alice", language_code="en")
    await world.say(alice, world.dm(alice), "/hepl")
    assert "Did you mean /help?" in world.last(world.dm(alice))


async def test_in_a_group_a_mistyped_command_addressed_to_the_bot_is_answered(world: World) -> None:
    e = await filed(world)
    before = await look(world, e)
    await world.say(e.volunteer, e.group, "/tkae@linli_bot 1")
    assert "/take 1" in world.last(e.group)
    card = world.fake.bot_messages(e.group)[0].message_id
    await world.say(e.volunteer, e.group, "／tkae １", reply_to=card)  # a reply to the bot's card
    assert "/take １" in world.last(e.group)
    assert await look(world, e) == before


async def test_in_a_group_a_command_not_for_this_bot_stays_silent(world: World) -> None:
    e = await filed(world)
    before = await look(world, e)
    await quiet(world, e.volunteer, e.group, "/tkae 1")
    await quiet(world, e.volunteer, e.group, "/roll@dice_bot 2d6")
    await quiet(world, e.volunteer, e.group, "/take@other_bot 1")
    await quiet(world, e.volunteer, e.group, "／take＠other_bot １")
    assert await look(world, e) == before
