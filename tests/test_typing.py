"""How people really type, through the handlers and the fake Bot API: a Chinese phone keyboard's
full-width commands and tags (／take ３, ＃求助, 【报修】), numbers written every way (三, 十二, ３,
#3, 3号, No.3; 五星, ★★★★★), and a mistyped command answered with a suggestion."""

from __future__ import annotations

import pytest
from telegram.ext import ApplicationBuilder

from bot import commands
from bot.commands import Command
from fakebot import FakeChat, FakeUser
from handlers import register
from storage.models import Request
from tests.requests_world import HOME, Estate, estate, events, request_no
from tests.test_request_refusals import filed, look, mark, refused, sent_since
from tests.world import World

LAMP = "3号楼楼道灯坏了"


async def next_number(world: World, number: int) -> None:
    """The community's next request will be #number (as if number - 1 had been filed before)."""
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        community.request_seq = number - 1
        await uow.commit()


async def requests(world: World) -> list[Request]:
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        found = [
            await uow.requests.find_by_number(community.id, n) for n in range(1, community.request_seq + 1)
        ]
        return [r for r in found if r is not None]


async def through_to_confirmed(world: World, e: Estate, number: int) -> None:
    """File a request and take it to 'confirmed' by commands, so that it can be rated."""
    await world.say(e.resident, e.group, f"#求助 {LAMP} {number}")
    await world.say(e.volunteer, e.group, f"/take {number}")
    await world.say(e.volunteer, world.dm(e.volunteer), f"/done {number}")
    await world.say(e.resident, world.dm(e.resident), f"/confirm {number}")
    assert (await request_no(world, number)).status == "confirmed"


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


# -- numbers -------------------------------------------------------------------------------------
async def test_request_numbers_are_read_in_every_way_people_write_them(world: World) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    for number, forms in {
        3: ["三", "３", "#3", "＃３", "3号", "No.3", "№ 3", "第三号"],
        12: ["十二", "一十二", "１２"],
        21: ["二十一", "２１"],
        105: ["一百零五", "一〇五", "壹佰零伍", "105号"],
        2: ["两"],
    }.items():
        await next_number(world, number)
        await world.say(e.resident, e.group, f"#求助 {LAMP} {number}")
        for form in forms:
            await world.say(e.resident, dm, f"/history {form}")
            assert f"#{number}" in world.last(dm), (form, world.last(dm))
            assert "查看记录的格式" not in world.last(dm)


async def test_a_chinese_numeral_names_the_request_for_every_step(world: World) -> None:
    e = await estate(world)
    await next_number(world, 12)
    await world.say(e.resident, e.group, f"#求助 {LAMP}")
    await world.say(e.volunteer, e.group, "/take 十二")
    await world.say(e.volunteer, world.dm(e.volunteer), "/release 十二")
    await world.say(e.volunteer, e.group, "/claim ＃１２")
    await world.say(e.volunteer, world.dm(e.volunteer), "/progress 12号 在路上")
    await world.say(e.volunteer, world.dm(e.volunteer), "/done No.12")
    await world.say(e.resident, world.dm(e.resident), "/reopen 十二 还是不亮")
    await world.say(e.volunteer, e.group, "/take 一十二")
    await world.say(e.volunteer, world.dm(e.volunteer), "/done 一十二 换了灯座")
    await world.say(e.resident, world.dm(e.resident), "/confirm 十二")
    await world.say(e.resident, world.dm(e.resident), "/rate 十二 5星")
    assert await events(world, 12) == [
        "filed",
        "claimed",
        "released",
        "claimed",
        "progress",
        "done",
        "reopened",
        "claimed",
        "done",
        "confirmed",
        "rated",
    ]


async def test_ratings_are_read_as_stars_chinese_numerals_or_star_glyphs(world: World) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    for number, text, stars, comment in [
        (1, "/rate 1 五星", 5, None),
        (2, "/rate 2 5星好评", 5, "好评"),
        (3, "/rate 3 ★★★★★", 5, None),
        (4, "/rate 4 五颗星 很及时", 5, "很及时"),
        (5, "/rate ５ 4", 4, None),
        (6, "/rate 6 ⭐️⭐️⭐️", 3, None),
    ]:
        await through_to_confirmed(world, e, number)
        await world.say(e.resident, dm, text)
        request = await request_no(world, number)
        assert (request.rating, request.rating_comment) == (stars, comment), text
        assert "谢谢您的评价" in world.last(dm)


async def test_numbers_out_of_range_or_garbage_get_the_usage_and_change_nothing(world: World) -> None:
    e = await filed(world)
    await refused(world, e, e.volunteer, e.group, "/take 三千万", "接单的格式")
    await refused(world, e, e.volunteer, e.group, "／take abc", "接单的格式")
    await refused(world, e, e.volunteer, e.group, "/take 1000000000", "接单的格式")
    await refused(world, e, e.volunteer, e.group, "/take 零", "接单的格式")
    await refused(world, e, e.resident, world.dm(e.resident), "/history 十十", "查看记录的格式")
    await world.say(e.volunteer, e.group, "/take 1")
    await world.say(e.volunteer, world.dm(e.volunteer), "/done 1")
    await world.say(e.resident, world.dm(e.resident), "/confirm 1")
    for text in ("/rate 1 十星", "/rate 1 0", "/rate 1 4.5", "/rate 1 很好", "/rate 1 ☆☆☆"):
        await refused(world, e, e.resident, world.dm(e.resident), text, "评价的格式")
    assert (await request_no(world, 1)).rating is None


async def test_a_rating_out_of_range_is_refused_in_english_too(world: World) -> None:
    e = await estate(world)
    await through_to_confirmed(world, e, 1)
    await world.say(e.resident, world.dm(e.resident), "/lang en")
    await refused(world, e, e.resident, world.dm(e.resident), "/rate 1 十星", "To rate")
    assert (await request_no(world, 1)).rating is None


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
    await world.say(e.volunteer, vol_dm, "/dnoe 1 " + "灯泡换好了" * 20)  # a long note is shortened
    assert "/done 1 灯泡换好了" in world.last(vol_dm) and "…" in world.last(vol_dm)
    assert len(world.last(vol_dm)) < 200
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


def test_a_command_in_the_catalogue_without_a_service_stops_the_bot_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(commands, "COMMANDS", (*commands.COMMANDS, Command("menu", "everyone", "any")))
    with pytest.raises(RuntimeError, match="menu"):
        register(ApplicationBuilder().token("1:TEST").build())  # type: ignore[arg-type]
