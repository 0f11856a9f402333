"""/start, /help and small talk in private: what the bot can do, as buttons, so that a resident
never has to learn a command; a greeting or an emoji is never offered as a request."""

from __future__ import annotations

from typing import Any

import pytest

from bot import words
from fakebot import FakeChat, FakeUser
from tests.requests_world import HOME, Estate, estate, request_no, volunteer
from tests.world import World


def buttons(world: World, chat: FakeChat) -> list[str]:
    message = world.fake.bot_messages(chat)[-1]
    return [text for row in message.buttons for text, _ in row]


async def resident(world: World, name: str = "张阿姨", **kwargs: object) -> tuple[FakeUser, FakeChat]:
    group = await world.community_group("幸福里群", HOME)
    person = world.person(name, **kwargs)
    await world.say(person, group, "大家好")
    return person, group


async def open_requests(world: World) -> int:
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        return (await uow.requests.open_page(community.id, 0, 100))[1]


# -- /start ---------------------------------------------------------------------------------------
async def test_start_offers_buttons_for_the_common_things(world: World) -> None:
    person, _ = await resident(world)
    await world.start(person)
    assert "点下面的按钮" in world.last(world.dm(person))
    assert buttons(world, world.dm(person)) == [
        "🆘 我要求助",
        "📋 我的求助",
        "💰 我的积分",
        "🙋 成为志愿者",
        "📅 近期活动",
    ]


async def test_start_in_english(world: World) -> None:
    person, _ = await resident(world, "Alice", language_code="en")
    await world.start(person)
    assert "press a button below" in world.last(world.dm(person))
    assert buttons(world, world.dm(person)) == [
        "🆘 Ask for help",
        "📋 My requests",
        "💰 My points",
        "🙋 Become a volunteer",
        "📅 Activities",
    ]


async def test_a_volunteer_is_offered_their_profile_instead(world: World) -> None:
    group = await world.community_group("幸福里群", HOME)
    helper = await volunteer(world, group, "老王", "老王 | 3号楼 | 维修 | 是")
    await world.start(helper)
    assert "🙋 我的志愿者资料" in buttons(world, world.dm(helper))
    await world.press(helper, world.dm(helper), "我的志愿者资料")
    assert "老王" in world.last(world.dm(helper)) and "维修" in world.last(world.dm(helper))


async def test_someone_in_no_community_gets_no_buttons_that_could_not_work(world: World) -> None:
    stranger = world.person("路人")
    await world.start(stranger)
    assert "还没有加入社区" in world.last(world.dm(stranger))
    assert buttons(world, world.dm(stranger)) == []


async def test_ask_for_help_asks_for_the_problem_then_files_it(world: World) -> None:
    person, _ = await resident(world)
    await world.start(person)
    await world.press(person, world.dm(person), "我要求助")
    assert "请说说遇到了什么问题" in world.last(world.dm(person))
    await world.say(person, world.dm(person), "谢谢")  # not a problem: asked again, nothing filed
    assert "请说说遇到了什么问题" in world.last(world.dm(person))
    assert await open_requests(world) == 0
    await world.say(person, world.dm(person), "3号楼厨房水管漏水了")
    request = await request_no(world, 1)
    assert request.text == "3号楼厨房水管漏水了"


async def test_my_requests_and_my_points_buttons_answer_like_the_commands(world: World) -> None:
    person, group = await resident(world)
    await world.say(person, group, "#求助 3号楼楼道灯坏了")
    await world.start(person)
    await world.press(person, world.dm(person), "我的求助")
    assert "#1" in world.last(world.dm(person)) and "我求助的" in world.last(world.dm(person))
    await world.press(person, world.dm(person), "我的积分")
    assert "积分" in world.last(world.dm(person))


async def test_become_a_volunteer_starts_the_registration(world: World) -> None:
    person, _ = await resident(world)
    await world.start(person)
    await world.press(person, world.dm(person), "成为志愿者")
    assert "称呼" in world.last(world.dm(person)) or "名字" in world.last(world.dm(person))


async def test_an_old_become_a_volunteer_button_shows_the_profile_once_registered(world: World) -> None:
    person, _ = await resident(world)
    await world.start(person)
    old = world.fake.bot_messages(world.dm(person))[-1].message_id
    await world.say(person, world.dm(person), "/volunteer 张阿姨 | 3号楼 | 陪护 | 否")
    await world.press(person, world.dm(person), "成为志愿者", message_id=old)
    assert "陪护" in world.last(world.dm(person))
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        assert user is not None
        assert [m.volunteer_status for m in await uow.memberships.of_user(user.id)] == ["active"]


async def test_a_menu_button_pressed_after_leaving_every_community_is_refused_politely(world: World) -> None:
    person, group = await resident(world)
    await world.start(person)
    world.fake.leave_group(person, group)
    await world.pump()
    await world.press(person, world.dm(person), "我要求助")
    assert "社区" in (world.answers()[-1] or "")
    assert await open_requests(world) == 0


async def said_once(world: World, person: FakeUser, update: dict[str, Any]) -> None:
    """A redelivered update adds nothing to what the bot said."""
    said = len(world.texts(world.dm(person)))
    await world.redeliver(update)
    assert len(world.texts(world.dm(person))) == said


async def test_a_redelivered_menu_press_answers_once(world: World) -> None:
    person, _ = await resident(world)
    await world.start(person)
    await said_once(world, person, await world.press(person, world.dm(person), "我的积分"))


async def test_a_forged_menu_choice_is_refused(world: World) -> None:
    person, _ = await resident(world)
    await world.start(person)
    message = world.fake.bot_messages(world.dm(person))[-1]
    world.fake.press(person, world.dm(person), message.message_id, "v1:m:delete_everything")
    await world.pump()
    assert "按钮已过期" in (world.answers()[-1] or "")


# -- small talk in private ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["你好", "您好！", "在吗？", "🙏", "👍", "谢谢", "hi", "Hello", "👍🏻👍🏻", "你好，在吗"]
)
async def test_a_greeting_or_an_emoji_gets_the_menu_not_a_request_offer(world: World, text: str) -> None:
    person, _ = await resident(world)
    await world.start(person)
    await world.say(person, world.dm(person), text)
    assert "我是邻里助手" in world.last(world.dm(person))
    assert "🆘 我要求助" in buttons(world, world.dm(person))
    assert "登记为求助" not in " ".join(buttons(world, world.dm(person)))
    assert await open_requests(world) == 0
    assert (await world.templates(world.dm(person)))[-1] == "community/menu"


async def test_a_greeting_in_english_gets_the_menu_in_english(world: World) -> None:
    person, _ = await resident(world, "Alice", language_code="en")
    await world.say(person, world.dm(person), "thanks!")
    assert "Just tell me what the problem is" in world.last(world.dm(person))
    assert "🆘 Ask for help" in buttons(world, world.dm(person))


async def test_a_sticker_gets_the_menu(world: World) -> None:
    person, _ = await resident(world)
    world.fake.send_sticker(person, world.dm(person), emoji="🙏")
    await world.pump()
    assert (await world.templates(world.dm(person)))[-1] == "community/menu"


async def test_a_real_request_is_still_offered(world: World) -> None:
    person, _ = await resident(world)
    await world.say(person, world.dm(person), "你好，我家厨房水管漏水了")
    assert "登记为求助" in " ".join(buttons(world, world.dm(person)))
    await world.press(person, world.dm(person), "登记为求助")
    await world.say(person, world.dm(person), "5号楼")  # no building in the text: the bot asks for it
    assert (await request_no(world, 1)).text == "你好，我家厨房水管漏水了"


async def test_small_talk_from_someone_in_no_community_gets_the_plain_hint(world: World) -> None:
    stranger = world.person("路人")
    await world.say(stranger, world.dm(stranger), "你好")
    assert "/help" in world.last(world.dm(stranger))
    assert buttons(world, world.dm(stranger)) == []


async def test_a_redelivered_greeting_is_answered_once(world: World) -> None:
    person, _ = await resident(world)
    await said_once(world, person, await world.say(person, world.dm(person), "你好"))


# -- /help by role --------------------------------------------------------------------------------
async def test_help_for_a_resident_is_short_and_plain(world: World) -> None:
    person, group = await resident(world)
    await world.say(person, world.dm(person), "/help")
    text = world.last(world.dm(person))
    assert text.startswith("居民") and "直接给我发消息" in text
    assert "/mine — 我的求助和我接的单" in text and "其他：" in text
    assert "\n志愿者\n" not in text and "工作人员" not in text and "/take" not in text
    assert len(text.splitlines()) <= 12
    await world.say(person, group, "/help")
    assert "#求助" in world.last(group) and "/volunteer —" not in world.last(group)


async def test_help_shows_the_volunteer_part_to_a_volunteer(world: World) -> None:
    group = await world.community_group("幸福里群", HOME)
    helper = await volunteer(world, group, "老王", "老王 | 3号楼 | 维修 | 是")
    await world.say(helper, world.dm(helper), "/help")
    text = world.last(world.dm(helper))
    assert "居民" in text and "志愿者\n/profile" in text and "/take — 接单" in text
    assert "社区工作人员" not in text


async def test_help_shows_every_part_to_staff_in_english(world: World) -> None:
    e: Estate = await estate(world)
    boss = world.person("Li", language_code="en", username="li_staff")
    await world.say(boss, e.group, "hello")
    await world.say(world.admin, e.group, "/grant staff @li_staff")
    await world.say(boss, world.dm(boss), "/help")
    text = world.last(world.dm(boss))
    assert "Residents" in text and "Community staff" in text and "/assign — assign" in text
    assert "Volunteers" not in text  # not a volunteer


# -- what counts as small talk ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["你好", "您好呀！", "在吗？？", "你好，在吗", "谢谢您🙏", "好的，谢谢", "辛苦了！", "Hi",
     "Thank you!!",
     "good morning ☀️", "👍", "👍🏻👍🏻", "👨\u200d👩\u200d👧", "🇨🇳", "1️⃣", "？？", "……", "ＯＫ", "～"],
)  # fmt: skip
def test_small_talk_is_recognised(text: str) -> None:
    assert words.is_small_talk(text)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "救命", "你好，我家厨房水管漏水了", "3号楼2单元501", "在吗 灯坏了", "hi, the lift is stuck",
     "hide", "okra", "谢谢，门口的灯又坏了", "12", "🙏 帮帮我"],
)  # fmt: skip
def test_anything_with_content_is_not_small_talk(text: str) -> None:
    assert not words.is_small_talk(text)
