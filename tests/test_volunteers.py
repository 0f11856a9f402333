"""Volunteers: the guided /volunteer flow, one-line registration, approval, profile and staff powers."""

from __future__ import annotations

from typing import Any

from fakebot import CallbackAnswer, FakeChat, FakeUser
from storage.models import Membership, User
from tests.world import World

HOME = "幸福里社区"


# -- helpers -------------------------------------------------------------------------------------
async def resident(world: World, chat: FakeChat, name: str, **kwargs: Any) -> FakeUser:
    """A person who has written in a community's group (so they are its resident)."""
    person = world.person(name, **kwargs)
    await world.say(person, chat, "大家好")
    return person


async def profile_of(world: World, person: FakeUser, community: str = HOME) -> dict[str, Any] | None:
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        found = await uow.communities.find_by_name(community)
        if user is None or found is None:
            return None
        m = await uow.memberships.find(user.id, found.id)
        if m is None:
            return None
        return {
            "status": m.volunteer_status,
            "name": m.display_name,
            "building": m.building,
            "unit": m.unit,
            "skills": list(m.skills),
            "party": m.party_member,
        }


async def step_of(world: World, person: FakeUser) -> str | None:
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        assert user is not None
        conversation = await uow.conversations.get(user.id)
        return None if conversation is None else conversation.step


def answer_to(world: World, press: dict[str, Any]) -> CallbackAnswer:
    """The answerCallbackQuery for one press (every press must have exactly one)."""
    query_id = press["callback_query"]["id"]
    answers = [a for a in world.fake.callback_answers if a.query_id == query_id]
    assert len(answers) == 1, f"callback query {query_id} answered {len(answers)} times"
    return answers[0]


def assert_every_press_answered(world: World) -> None:
    pressed = [
        e.update_id for e in world.fake.transcript if e.direction == "in" and e.kind == "callback_query"
    ]
    assert pressed, "no button was pressed"
    assert len(world.fake.callback_answers) == len(pressed)


def labels(world: World, chat: FakeChat, message_id: int) -> list[str]:
    message = world.fake.message(chat, message_id)
    assert message is not None
    return [text for row in message.buttons for text, _ in row]


def message_with_button(world: World, chat: FakeChat, label: str) -> int:
    for message in reversed(world.fake.bot_messages(chat)):
        if any(label in text for row in message.buttons for text, _ in row):
            return message.message_id
    raise AssertionError(f"no message with a {label!r} button")


async def home_group(world: World) -> FakeChat:
    return await world.community_group("幸福里群", HOME)


async def reach_skills_step(world: World, person: FakeUser) -> FakeChat:
    dm = world.dm(person)
    await world.say(person, dm, "/volunteer")
    await world.press(person, dm, person.full_name)
    await world.say(person, dm, "3号楼2单元")
    assert await step_of(world, person) == "skills"
    return dm


# -- the guided flow -------------------------------------------------------------------------------
async def test_guided_flow_with_buttons_makes_an_active_volunteer(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = world.dm(wang)

    await world.say(wang, dm, "/volunteer")
    assert "怎么称呼" in world.last(dm)
    await world.press(wang, dm, "老王")  # the Telegram-name button
    assert "哪栋楼" in world.last(dm)
    await world.say(wang, dm, "3号楼2单元")

    picker = message_with_button(world, dm, "电工")
    sent_before = len(world.fake.bot_messages(dm))
    await world.press(wang, dm, "电工", message_id=picker)
    await world.press(wang, dm, "维修", message_id=picker)
    # The picker is edited in place: the same message now shows the ticks, nothing new is sent.
    assert len(world.fake.bot_messages(dm)) == sent_before
    assert "✅ 电工" in labels(world, dm, picker) and "✅ 维修" in labels(world, dm, picker)
    assert "✅ 理发" not in labels(world, dm, picker)
    await world.press(wang, dm, "电工", message_id=picker)  # untick
    assert "电工" in labels(world, dm, picker) and "✅ 电工" not in labels(world, dm, picker)
    await world.press(wang, dm, "电工", message_id=picker)

    await world.press(wang, dm, "完成", message_id=picker)
    assert "党员" in world.last(dm)
    assert labels(world, dm, picker) == []  # the finished picker keeps no buttons
    assert "维修" in (world.fake.message(dm, picker).plain_text or "")  # type: ignore[union-attr]
    await world.press(wang, dm, "是党员")

    assert "感谢登记" in world.last(dm) and "在岗" in world.last(dm)
    assert await profile_of(world, wang) == {
        "status": "active",
        "name": "老王",
        "building": "3号楼",
        "unit": "2单元",
        "skills": ["维修", "电工"],
        "party": True,
    }
    assert await step_of(world, wang) is None
    assert_every_press_answered(world)


async def test_typed_answers_work_as_well_as_buttons(world: World) -> None:
    chat = await home_group(world)
    li = await resident(world, chat, "Li")
    dm = world.dm(li)
    await world.say(li, dm, "/volunteer")
    await world.say(li, dm, "李阿姨")
    await world.say(li, dm, "5号楼1单元")
    await world.say(li, dm, "理发，陪护")
    await world.say(li, dm, "否")
    assert await profile_of(world, li) == {
        "status": "active",
        "name": "李阿姨",
        "building": "5号楼",
        "unit": "1单元",
        "skills": ["理发", "陪护"],
        "party": False,
    }


async def test_not_a_party_member_button_is_saved(world: World) -> None:
    chat = await home_group(world)
    zhao = await resident(world, chat, "小赵")
    dm = await reach_skills_step(world, zhao)
    await world.press(zhao, dm, "跑腿")
    await world.press(zhao, dm, "完成")
    await world.press(zhao, dm, "不是党员")
    profile = await profile_of(world, zhao)
    assert profile is not None and profile["party"] is False and profile["status"] == "active"
    assert_every_press_answered(world)


async def test_a_person_in_two_communities_is_asked_which_with_buttons(world: World) -> None:
    home = await home_group(world)
    other = await world.community_group("和平群", "和平社区")
    wang = await resident(world, home, "老王")
    await world.say(wang, other, "你好")
    dm = world.dm(wang)

    await world.say(wang, dm, "/volunteer")
    assert "哪个社区" in world.last(dm)
    await world.press(wang, dm, "和平社区")
    assert "怎么称呼" in world.last(dm)
    await world.say(wang, dm, "老王")
    await world.say(wang, dm, "1号楼")
    await world.say(wang, dm, "电工")
    await world.say(wang, dm, "是")

    assert (await profile_of(world, wang, "和平社区") or {})["status"] == "active"
    assert (await profile_of(world, wang, HOME) or {})["status"] == "none"
    assert_every_press_answered(world)


async def test_the_community_can_also_be_typed(world: World) -> None:
    home = await home_group(world)
    other = await world.community_group("和平群", "和平社区")
    wang = await resident(world, home, "老王")
    await world.say(wang, other, "你好")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer")
    await world.say(wang, dm, "火星社区")
    assert "没有找到这个社区" in world.last(dm) and "和平社区" in world.last(dm)
    assert await step_of(world, wang) == "community"
    await world.say(wang, dm, "和平社区")
    assert "怎么称呼" in world.last(dm)
    assert await step_of(world, wang) == "name"


async def test_slash_cancel_leaves_the_flow_and_saves_nothing(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer")
    await world.say(wang, dm, "老王")
    await world.say(wang, dm, "/cancel")
    assert "已取消" in world.last(dm)
    assert await step_of(world, wang) is None
    assert (await profile_of(world, wang) or {})["status"] == "none"
    assert (await profile_of(world, wang) or {})["name"] is None
    # The next plain message is not read as an answer any more: it is offered as a request.
    await world.say(wang, dm, "3号楼")
    assert "登记为求助" in world.last(dm)
    assert (await profile_of(world, wang) or {})["building"] is None
    await world.say(wang, dm, "/cancel")  # drops the offer
    await world.say(wang, dm, "/cancel")
    assert "没有进行中" in world.last(dm)


async def test_cancel_button_on_the_picker_leaves_the_flow_and_saves_nothing(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = await reach_skills_step(world, wang)
    picker = message_with_button(world, dm, "电工")
    await world.press(wang, dm, "电工", message_id=picker)
    press = await world.press(wang, dm, "取消", message_id=picker)
    assert answer_to(world, press).text == "已取消"
    assert labels(world, dm, picker) == []
    assert await step_of(world, wang) is None
    assert (await profile_of(world, wang) or {})["status"] == "none"
    # A button of the cancelled picker no longer does anything but say so.
    stale = world.fake.press(wang, dm, picker, "v1:vs:1")
    await world.pump()
    assert "过期" in (answer_to(world, stale).text or "")
    assert (await profile_of(world, wang) or {})["skills"] == []
    assert_every_press_answered(world)


async def test_cancel_button_on_the_name_question_saves_nothing(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer")
    await world.press(wang, dm, "取消")
    assert await step_of(world, wang) is None
    assert (await profile_of(world, wang) or {})["status"] == "none"
    assert_every_press_answered(world)


# -- bad input keeps the step ------------------------------------------------------------------------
async def test_blank_or_over_long_name_is_refused_and_the_question_stays(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer")
    await world.say(wang, dm, "   ")
    assert "称呼" in world.last(dm) and "32" in world.last(dm)
    assert await step_of(world, wang) == "name"
    await world.say(wang, dm, "王" * 33)
    assert "32" in world.last(dm)
    assert await step_of(world, wang) == "name"
    await world.say(wang, dm, "王" * 32)
    assert await step_of(world, wang) == "building"


async def test_over_long_building_is_refused(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer")
    await world.say(wang, dm, "老王")
    await world.say(wang, dm, "楼" * 33)
    assert "楼栋" in world.last(dm)
    assert await step_of(world, wang) == "building"


async def test_an_unknown_skill_typed_is_named_and_the_step_stays(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = await reach_skills_step(world, wang)
    await world.say(wang, dm, "电工 开飞机")
    assert "开飞机" in world.last(dm) and "维修" in world.last(dm)
    assert await step_of(world, wang) == "skills"


async def test_typed_skills_close_the_picker(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = await reach_skills_step(world, wang)
    picker = message_with_button(world, dm, "电工")
    await world.say(wang, dm, "维修 电工")
    assert await step_of(world, wang) == "party"
    assert labels(world, dm, picker) == []
    assert "维修、电工" in (world.fake.message(dm, picker).plain_text or "")  # type: ignore[union-attr]


async def test_an_over_long_unknown_skill_gets_a_short_clear_reply(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = await reach_skills_step(world, wang)
    await world.say(wang, dm, "飞" * 4000)
    assert "我不认识这些技能" in world.last(dm) and len(world.last(dm)) < 200
    assert await step_of(world, wang) == "skills"
    await world.say(wang, dm, "/volunteer 老王 | 3号楼 | " + "飞 " * 1300 + "| 是")
    assert "我不认识这些技能" in world.last(dm)
    assert (await profile_of(world, wang) or {})["status"] == "none"


async def test_done_with_no_skill_is_refused_with_an_alert(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = await reach_skills_step(world, wang)
    press = await world.press(wang, dm, "完成")
    answer = answer_to(world, press)
    assert answer.show_alert and "至少" in (answer.text or "")
    assert await step_of(world, wang) == "skills"
    assert message_with_button(world, dm, "完成")  # the picker still offers its buttons


async def test_a_nonsense_party_answer_is_refused_and_the_question_stays(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    dm = await reach_skills_step(world, wang)
    await world.say(wang, dm, "电工")
    await world.say(wang, dm, "也许吧")
    assert "是”或“否" in world.last(dm)
    assert await step_of(world, wang) == "party"
    assert (await profile_of(world, wang) or {})["status"] == "none"


# -- one-line registration -----------------------------------------------------------------------------
async def test_one_line_registration(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "Wang")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer 老王 | 3号楼2单元 | 维修,电工 | 是")
    assert "感谢登记" in world.last(dm)
    assert await profile_of(world, wang) == {
        "status": "active",
        "name": "老王",
        "building": "3号楼",
        "unit": "2单元",
        "skills": ["维修", "电工"],
        "party": True,
    }


async def test_a_malformed_one_line_registration_gets_the_usage(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "Wang")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer 老王 | 3号楼2单元")
    assert "一行登记的格式" in world.last(dm)
    assert (await profile_of(world, wang) or {})["status"] == "none"
    await world.say(wang, dm, "/volunteer 老王 | 3号楼2单元 | 开飞机 | 是")
    assert "开飞机" in world.last(dm)
    assert (await profile_of(world, wang) or {})["status"] == "none"


async def test_volunteer_in_a_group_is_refused_politely(world: World) -> None:
    chat = await home_group(world)
    wang = await resident(world, chat, "老王")
    await world.say(wang, chat, "/volunteer")
    assert "私聊" in world.last(chat)
    assert await step_of(world, wang) is None


async def test_a_person_in_no_community_is_told_how_to_join(world: World) -> None:
    stranger = world.person("路人")
    dm = world.dm(stranger)
    await world.say(stranger, dm, "/volunteer")
    assert "还没有加入社区" in world.last(dm) and "邀请链接" in world.last(dm)


# -- approval ------------------------------------------------------------------------------------------
async def approval_world(world: World) -> tuple[FakeChat, FakeChat, FakeUser]:
    home = await home_group(world)
    staff = await world.community_group("工作群", HOME, staff=True)
    await world.say(world.admin, home, "/approval on")
    assert "需要" in world.last(home)
    wang = await resident(world, home, "老王", username="laowang")
    await world.say(wang, world.dm(wang), "/volunteer 老王 | 3号楼 | 电工 | 否")
    return home, staff, wang


async def test_with_approval_on_a_new_volunteer_waits_and_staff_get_a_card(world: World) -> None:
    _, staff, wang = await approval_world(world)
    assert (await profile_of(world, wang) or {})["status"] == "pending"
    assert "待审核" in world.last(world.dm(wang))
    card = message_with_button(world, staff, "通过")
    assert "老王" in (world.fake.message(staff, card).plain_text or "")  # type: ignore[union-attr]
    assert labels(world, staff, card) == ["✅ 通过", "❌ 不通过"]


async def test_staff_approve_on_the_card(world: World) -> None:
    _, staff, wang = await approval_world(world)
    card = message_with_button(world, staff, "通过")
    press = await world.press(world.admin, staff, "✅ 通过", message_id=card)
    assert answer_to(world, press).text == "已通过"
    assert (await profile_of(world, wang) or {})["status"] == "active"
    assert labels(world, staff, card) == []
    assert "在岗" in (world.fake.message(staff, card).plain_text or "")  # type: ignore[union-attr]
    assert "申请已通过" in world.last(world.dm(wang))
    # Pressing again (an old copy of the keyboard) changes nothing and is answered.
    again = world.fake.press(world.admin, staff, card, press["callback_query"]["data"])
    await world.pump()
    assert answer_to(world, again).show_alert
    assert (await profile_of(world, wang) or {})["status"] == "active"
    assert_every_press_answered(world)


async def test_staff_reject_on_the_card(world: World) -> None:
    _, staff, wang = await approval_world(world)
    await world.press(world.admin, staff, "不通过")
    assert (await profile_of(world, wang) or {})["status"] == "none"
    assert "没有通过" in world.last(world.dm(wang))
    assert_every_press_answered(world)


async def test_a_non_staff_press_on_the_card_is_refused_and_nothing_changes(world: World) -> None:
    _, staff, wang = await approval_world(world)
    card = message_with_button(world, staff, "通过")
    told = len(world.texts(world.dm(wang)))
    nosy = world.person("路人")
    press = await world.press(nosy, staff, "✅ 通过", message_id=card)
    answer = answer_to(world, press)
    assert answer.show_alert and "工作人员" in (answer.text or "")
    assert (await profile_of(world, wang) or {})["status"] == "pending"
    assert labels(world, staff, card) == ["✅ 通过", "❌ 不通过"]
    assert len(world.texts(world.dm(wang))) == told


async def test_forged_or_stale_buttons_are_answered_and_change_nothing(world: World) -> None:
    _, staff, wang = await approval_world(world)
    card = message_with_button(world, staff, "通过")
    sent = len(world.fake.bot_messages(staff))
    for data in ("v1:va:999999", "garbage", "v1:va:abc", "v1:nosuchaction:1", "v2:va:1"):
        press = world.fake.press(world.admin, staff, card, data)
        await world.pump()
        assert "过期" in (answer_to(world, press).text or ""), data
    assert (await profile_of(world, wang) or {})["status"] == "pending"
    assert len(world.fake.bot_messages(staff)) == sent
    assert_every_press_answered(world)


async def test_approval_off_by_default_and_can_be_switched_back(world: World) -> None:
    home = await home_group(world)
    await world.say(world.admin, home, "/approval")
    assert "不需要" in world.last(home)
    await world.say(world.admin, home, "/approval on")
    await world.say(world.admin, home, "/approval off")
    assert "不需要" in world.last(home)
    await world.say(world.admin, home, "/approval maybe")
    assert "/approval on" in world.last(home)


async def test_only_staff_change_the_approval_setting(world: World) -> None:
    home = await home_group(world)
    wang = await resident(world, home, "老王")
    await world.say(wang, home, "/approval on")
    assert "工作人员" in world.last(home)
    await world.say(world.admin, home, "/approval")
    assert "不需要" in world.last(home)


# -- staff commands --------------------------------------------------------------------------------------
async def test_approve_suspend_dismiss_by_username(world: World) -> None:
    home, _, wang = await approval_world(world)
    await world.say(world.admin, home, "/approve @laowang")
    assert "已通过" in world.last(home)
    assert (await profile_of(world, wang) or {})["status"] == "active"
    assert "申请已通过" in world.last(world.dm(wang))

    await world.say(world.admin, home, "/suspend @laowang")
    assert (await profile_of(world, wang) or {})["status"] == "suspended"
    assert "暂停" in world.last(world.dm(wang))

    await world.say(world.admin, home, "/approve @laowang")  # a suspended volunteer may come back
    assert (await profile_of(world, wang) or {})["status"] == "active"

    await world.say(world.admin, home, "/dismiss @laowang")
    assert (await profile_of(world, wang) or {})["status"] == "none"
    assert "不再是" in world.last(world.dm(wang))


async def test_approving_an_active_volunteer_is_refused(world: World) -> None:
    home = await home_group(world)
    wang = await resident(world, home, "老王", username="laowang")
    await world.say(wang, world.dm(wang), "/volunteer 老王 | 3号楼 | 电工 | 否")
    told = len(world.texts(world.dm(wang)))
    await world.say(world.admin, home, "/approve @laowang")
    assert "在岗" in world.last(home) and "不能" in world.last(home)
    assert (await profile_of(world, wang) or {})["status"] == "active"
    assert len(world.texts(world.dm(wang))) == told


async def test_status_commands_on_someone_who_is_not_a_volunteer(world: World) -> None:
    home = await home_group(world)
    await resident(world, home, "小张", username="xiaozhang")
    await world.say(world.admin, home, "/suspend @xiaozhang")
    assert "不是本社区的志愿者" in world.last(home)
    await world.say(world.admin, home, "/approve")
    assert "请指明是谁" in world.last(home)


async def test_a_resident_cannot_approve(world: World) -> None:
    home, _, wang = await approval_world(world)
    nosy = await resident(world, home, "小张", username="xiaozhang")
    await world.say(nosy, home, "/approve @laowang")
    assert "工作人员" in world.last(home)
    assert (await profile_of(world, wang) or {})["status"] == "pending"


async def test_volunteers_list_filters_by_skill(world: World) -> None:
    home = await home_group(world)
    wang = await resident(world, home, "Wang")
    li = await resident(world, home, "Li")
    await world.say(wang, world.dm(wang), "/volunteer 老王 | 3号楼 | 电工,维修 | 是")
    await world.say(li, world.dm(li), "/volunteer 李阿姨 | 5号楼 | 理发 | 否")

    await world.say(world.admin, home, "/volunteers")
    assert "老王" in world.last(home) and "李阿姨" in world.last(home)
    await world.say(world.admin, home, "/volunteers 电工")
    assert "老王" in world.last(home) and "李阿姨" not in world.last(home)
    await world.say(world.admin, home, "/volunteers 开飞机")
    assert "开飞机" in world.last(home)
    await world.say(wang, home, "/volunteers")
    assert "工作人员" in world.last(home)


async def test_a_long_volunteer_list_still_fits_one_message(world: World) -> None:
    home = await home_group(world)
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        for i in range(60):
            user = await uow.users.add(User(telegram_id=50_000 + i, first_name=f"v{i}"))
            await uow.memberships.add(
                Membership(
                    user_id=user.id,
                    community_id=community.id,
                    display_name=f"{i:02d}" + "名" * 30,
                    building="楼" * 32,
                    skills=list(world.bot.settings.volunteer_skills),
                    party_member=True,
                    volunteer_status="pending",
                )
            )
        await uow.commit()
    await world.say(world.admin, home, "/volunteers")
    listing = world.last(home)
    assert "00名" in listing and "另有" in listing
    assert len(listing.encode("utf-16-le")) // 2 <= 4096


# -- the volunteer's own profile ------------------------------------------------------------------------
async def test_profile_shows_and_edits(world: World) -> None:
    home = await home_group(world)
    wang = await resident(world, home, "Wang")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer 老王 | 3号楼 | 电工 | 是")

    await world.say(wang, dm, "/profile")
    assert "老王" in world.last(dm) and "电工" in world.last(dm) and HOME in world.last(dm)

    await world.say(wang, dm, "/profile 技能 理发")
    assert "理发" in world.last(dm)
    assert (await profile_of(world, wang) or {})["skills"] == ["理发"]

    await world.say(wang, dm, "/profile 技能 开飞机")
    assert "开飞机" in world.last(dm)
    assert (await profile_of(world, wang) or {})["skills"] == ["理发"]

    await world.say(wang, dm, "/profile 年龄 60")
    assert "修改资料" in world.last(dm)

    await world.say(wang, dm, "/profile 名字 王师傅")
    assert (await profile_of(world, wang) or {})["name"] == "王师傅"


async def test_profile_edit_updates_the_staff_card(world: World) -> None:
    _, staff, wang = await approval_world(world)
    card = message_with_button(world, staff, "通过")
    await world.say(wang, world.dm(wang), "/profile 楼栋 9号楼")
    assert "9号楼" in (world.fake.message(staff, card).plain_text or "")  # type: ignore[union-attr]


async def test_profile_of_someone_who_is_not_a_volunteer(world: World) -> None:
    home = await home_group(world)
    wang = await resident(world, home, "Wang")
    await world.say(wang, world.dm(wang), "/profile")
    assert "/volunteer" in world.last(world.dm(wang))
    await world.say(wang, home, "/profile")
    assert "私聊" in world.last(home)


async def test_unvolunteer_stops_volunteering_but_keeps_the_profile(world: World) -> None:
    home = await home_group(world)
    wang = await resident(world, home, "Wang")
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer 老王 | 3号楼 | 电工 | 是")
    await world.say(wang, dm, "/unvolunteer")
    assert "已退出志愿者" in world.last(dm)
    profile = await profile_of(world, wang)
    assert profile is not None and profile["status"] == "none" and profile["name"] == "老王"
    await world.say(wang, dm, "/unvolunteer")
    assert "还不是志愿者" in world.last(dm)


async def test_a_redelivered_profile_edit_sends_nothing_twice(world: World) -> None:
    _, staff, wang = await approval_world(world)
    dm = world.dm(wang)
    update = world.fake.send_text(wang, dm, "/profile 楼栋 8号楼")
    await world.pump()
    sent = (len(world.fake.bot_messages(dm)), len(world.fake.bot_messages(staff)))
    await world.redeliver(update)
    assert (len(world.fake.bot_messages(dm)), len(world.fake.bot_messages(staff))) == sent


async def test_the_flow_speaks_english_to_an_english_speaker(world: World) -> None:
    chat = await home_group(world)
    alice = await resident(world, chat, "Alice", language_code="en")
    dm = await reach_skills_step(world, alice)
    await world.press(alice, dm, "Electrics")
    assert "Chosen: Electrics" in world.last(dm)  # skills in her language, stored by their name
    await world.press(alice, dm, "Done")
    await world.press(alice, dm, "Not a party member")
    profile = await profile_of(world, alice) or {}
    assert profile["status"] == "active" and profile["skills"] == ["电工"]
    assert_every_press_answered(world)


async def test_staff_commands_in_an_unbound_group_explain_binding_in_english_too(world: World) -> None:
    loose = await world.group("Building 3")
    alice = world.person("Alice", language_code="en")
    await world.say(alice, loose, "/volunteers")
    assert "/bind" in world.last(loose) and "community name" in world.last(loose)
    wang = world.person("老王")
    await world.say(wang, loose, "/approval on")
    assert "/bind" in world.last(loose) and "绑定" in world.last(loose)
