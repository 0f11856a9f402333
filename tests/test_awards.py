"""Staff award and deduct points by hand, with a reason: /award, /deduct, and large awards that a
second staff member confirms."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.services.points import awards as awards_module
from fakebot import FakeChat, FakeUser
from storage.models import PointAward, PointEntry
from tests.conftest import Clock
from tests.requests_world import HOME, balance
from tests.world import World


@dataclass
class Place:
    group: FakeChat
    staff_group: FakeChat
    wang: FakeUser  # a resident who started the bot
    clerk: FakeUser  # a second staff member


async def place(world: World, *, wang_started: bool = True) -> Place:
    group = await world.community_group("幸福里群", HOME)
    staff_group = await world.community_group("幸福里工作群", HOME, staff=True)
    wang = world.person("老王", username="laowang")
    await world.say(wang, group, "大家好")
    if wang_started:
        await world.start(wang)
    clerk = world.person("小李", username="xiaoli")
    await world.say(clerk, group, "大家好")
    await world.start(clerk)
    await world.say(world.admin, staff_group, "/grant 工作人员 @xiaoli")
    return Place(group, staff_group, wang, clerk)


async def entries(world: World) -> list[PointEntry]:
    async with world.bot.deps.uow() as uow:
        return list((await uow.session.execute(select(PointEntry).order_by(PointEntry.id))).scalars())


async def awards(world: World) -> list[PointAward]:
    async with world.bot.deps.uow() as uow:
        return list((await uow.session.execute(select(PointAward).order_by(PointAward.id))).scalars())


async def test_staff_award_points_with_a_reason_and_the_person_is_told(world: World) -> None:
    p = await place(world)
    await world.say(p.clerk, p.group, "/award @laowang 20 清理楼道")
    assert (await world.templates(p.group))[-1] == "points/award_done"
    assert "老王" in world.last(p.group) and "20" in world.last(p.group) and "清理楼道" in world.last(p.group)
    assert await balance(world, p.wang) == (20, 20, 1)
    told = await world.said(world.dm(p.wang), "points/told_award")
    assert len(told) == 1 and "20" in told[0] and "清理楼道" in told[0]
    (entry,) = await entries(world)
    (award,) = await awards(world)
    async with world.bot.deps.uow() as uow:
        clerk = await uow.users.find_by_telegram_id(p.clerk.id)
    assert clerk is not None
    assert (entry.kind, entry.reason, entry.ref_id, entry.actor_id) == ("award", "award", award.id, clerk.id)
    assert (award.reason, award.status, award.actor_id) == ("清理楼道", "posted", clerk.id)


@pytest.mark.parametrize("amount", ["20", "２０", "二十", "20分", "20 分", "＋20积分", "贰拾"])
async def test_an_award_by_replying_to_the_person_reads_the_amount_as_people_type_it(
    world: World, amount: str
) -> None:
    p = await place(world)
    said = await world.say(p.wang, p.group, "楼道我扫好了")
    await world.say(world.admin, p.group, f"/award {amount} 清理楼道", reply_to=said["message"]["message_id"])
    assert await balance(world, p.wang) == (20, 20, 1)


async def test_an_award_to_a_text_mention_of_someone_without_a_username(world: World) -> None:
    p = await place(world)
    aunt = world.person("张阿姨")
    await world.say(aunt, p.group, "大家好")
    world.fake.send_text_mention(
        world.admin, p.group, "/award 张阿姨 5 帮忙分发通知", aunt, offset=7, length=3
    )
    await world.pump()
    assert await balance(world, aunt) == (5, 5, 1)
    assert "帮忙分发通知" in world.last(p.group)


async def test_staff_award_in_private_in_the_community_they_run(world: World) -> None:
    p = await place(world)
    await world.say(p.clerk, world.dm(p.clerk), "/award @laowang 10 清理楼道")
    assert (await world.templates(world.dm(p.clerk)))[-1] == "points/award_done"
    assert await balance(world, p.wang) == (10, 10, 1)


async def test_a_deduction_is_recorded_with_its_reason_and_shown_in_points(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    await world.say(p.clerk, p.group, "/deduct @laowang 10 重复领取")
    assert await balance(world, p.wang) == (20, 20, 2)
    told = await world.said(world.dm(p.wang), "points/told_award")
    assert "扣" in told[-1] and "重复领取" in told[-1]
    await world.say(p.wang, world.dm(p.wang), "/points")
    shown = world.last(world.dm(p.wang))
    assert "20" in shown and "工作人员加分：清理楼道" in shown and "工作人员扣分：重复领取" in shown


async def test_a_deduction_never_takes_a_balance_below_zero(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 20 清理楼道")
    await world.say(world.admin, p.group, "/deduct @laowang 30 重复领取")
    assert (await world.templates(p.group))[-1] == "points/deduct_too_much"
    assert "20" in world.last(p.group) and "30" in world.last(p.group)
    assert await balance(world, p.wang) == (20, 20, 1)
    assert len(await awards(world)) == 1  # the refused deduction left no record
    await world.say(world.admin, p.group, "/deduct @laowang 20 重复领取")
    assert await balance(world, p.wang) == (0, 0, 2)


async def test_someone_who_is_not_staff_cannot_award_and_nothing_changes(world: World) -> None:
    p = await place(world)
    await world.say(p.wang, p.group, "/award @xiaoli 20 帮我")
    assert (await world.templates(p.group))[-1] == "common/staff_only"
    await world.say(p.wang, world.dm(p.wang), "/deduct @xiaoli 20 不喜欢")
    assert (await world.templates(world.dm(p.wang)))[-1] == "common/staff_only"
    assert await entries(world) == [] and await awards(world) == []


@pytest.mark.parametrize(
    ("text", "template"),
    [
        ("/award 20 清理楼道", "common/name_someone"),
        ("/award @nobody_here 20 清理楼道", "common/unknown_person"),
        ("/award @laowang", "points/award_usage"),
        ("/award @laowang 清理楼道", "points/award_usage"),
        ("/award @laowang 0 清理楼道", "points/award_amount"),
        ("/award @laowang -5 清理楼道", "points/award_amount"),
        ("/deduct @laowang 零 重复领取", "points/award_amount"),
        ("/award @laowang 999999 清理楼道", "points/award_amount"),
        ("/award @laowang 20", "points/award_no_reason"),
        ("/deduct @laowang 20", "points/award_no_reason"),
        ("/award @laowang 20 " + "很" * 201, "points/award_reason_too_long"),
        ("/award @admin 20 自己", "points/award_self"),
    ],
)
async def test_a_wrong_award_gets_a_clear_answer_and_changes_nothing(
    world: World, text: str, template: str
) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "hi")
    await world.say(world.admin, p.group, text)
    assert (await world.templates(p.group))[-1] == template
    assert await entries(world) == [] and await awards(world) == []


async def test_someone_outside_the_community_gets_no_points(world: World) -> None:
    p = await place(world)
    stranger = world.person("路人", username="passer")
    await world.start(stranger)
    await world.say(world.admin, p.group, "/award @passer 20 帮忙")
    assert (await world.templates(p.group))[-1] == "points/award_not_member"
    assert await entries(world) == []


async def test_a_redelivered_award_changes_nothing_and_says_nothing_twice(world: World) -> None:
    p = await place(world)
    update = await world.say(world.admin, p.group, "/award @laowang 20 清理楼道")
    replies = len(world.texts(p.group))
    await world.redeliver(update)
    assert await balance(world, p.wang) == (20, 20, 1)
    assert len(world.texts(p.group)) == replies
    assert len(await world.said(world.dm(p.wang), "points/told_award")) == 1


async def test_someone_who_never_started_the_bot_is_told_by_a_mention_in_the_group(world: World) -> None:
    p = await place(world, wang_started=False)
    await world.say(world.admin, p.group, "/award @laowang 20 清理楼道")
    told = await world.said(p.group, "points/told_award")
    assert len(told) == 1 and "老王" in told[0] and "清理楼道" in told[0]


async def test_an_english_staff_member_in_private_is_answered_in_english(world: World) -> None:
    p = await place(world)
    tom = world.person("Tom", username="tomlee", language_code="en")
    await world.say(tom, p.group, "hello")
    await world.start(tom)
    await world.say(world.admin, p.staff_group, "/grant staff @tomlee")
    await world.say(tom, world.dm(tom), "/deduct @laowang 10 claimed twice")
    assert "has only 0 points" in world.last(world.dm(tom))
    await world.say(tom, world.dm(tom), "/award @laowang")
    assert "To award points" in world.last(world.dm(tom))


async def award_card(world: World, chat: FakeChat) -> str:
    (award,) = await awards(world)
    return await world.card(chat, "point_award", award.id)


async def test_a_large_award_waits_for_a_second_staff_member(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    assert (await world.templates(p.group))[-1] == "points/award_waiting"
    assert await balance(world, p.wang) == (0, 0, 0)
    card = await award_card(world, p.staff_group)
    assert "150" in card and "组织全楼大扫除" in card and "老王" in card
    await world.press(p.clerk, p.staff_group, "确认加分")
    assert await balance(world, p.wang) == (150, 150, 1)
    assert "已由 小李 确认" in await award_card(world, p.staff_group)
    told = await world.said(world.dm(p.wang), "points/told_award")
    assert len(told) == 1 and "150" in told[0]
    (award,) = await awards(world)
    assert award.status == "confirmed"
    (entry,) = await entries(world)
    async with world.bot.deps.uow() as uow:
        admin = await uow.users.find_by_telegram_id(world.admin.id)
    assert admin is not None and entry.actor_id == admin.id  # who awarded it; the card says who confirmed


async def test_staff_cannot_confirm_their_own_large_award(world: World) -> None:
    p = await place(world)
    await world.say(p.clerk, p.group, "/award @laowang 150 组织全楼大扫除")
    await world.press(p.clerk, p.staff_group, "确认加分")
    assert "另一位工作人员" in (world.answers()[-1] or "")
    assert await balance(world, p.wang) == (0, 0, 0)
    (award,) = await awards(world)
    assert award.status == "pending"


async def test_a_double_press_confirms_once_and_a_stale_card_is_refused(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    card = world.fake.bot_messages(p.staff_group)[-1]
    confirm = next(data for row in card.buttons for text, data in row if "确认" in text)
    reject = next(data for row in card.buttons for text, data in row if "驳回" in text)
    world.fake.press(p.clerk, p.staff_group, card.message_id, confirm)
    world.fake.press(p.clerk, p.staff_group, card.message_id, confirm)
    await world.pump()
    assert await balance(world, p.wang) == (150, 150, 1)
    assert "已经确认过了" in (world.answers()[-1] or "")
    assert not card.buttons  # the card now shows the outcome, without buttons
    world.fake.press(world.admin, p.staff_group, card.message_id, reject)  # the old card's other button
    await world.pump()
    assert "已经确认过了" in (world.answers()[-1] or "")
    assert (await awards(world))[0].status == "confirmed"
    assert await balance(world, p.wang) == (150, 150, 1)


async def test_a_rejected_large_award_adds_nothing_and_the_awarder_is_told(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    await world.start(world.admin)
    await world.press(p.clerk, p.staff_group, "驳回")
    assert await balance(world, p.wang) == (0, 0, 0)
    assert "已由 小李 驳回" in await award_card(world, p.staff_group)
    assert any("驳回" in t for t in await world.said(world.dm(world.admin), "points/award_decided"))
    assert await world.said(world.dm(p.wang), "points/told_award") == []


async def test_a_large_award_is_confirmed_or_rejected_by_command_too(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    (award,) = await awards(world)
    await world.say(p.wang, p.group, f"/award 确认 {award.id}")
    assert (await world.templates(p.group))[-1] == "points/award_unknown"
    await world.say(p.clerk, p.staff_group, "/award 确认")
    assert (await world.templates(p.staff_group))[-1] == "points/award_decide_usage"
    await world.say(p.clerk, p.staff_group, f"/award 确认 #{award.id}")
    assert (await world.templates(p.staff_group))[-1] == "points/award_decided_now"
    assert await balance(world, p.wang) == (150, 150, 1)
    await world.say(p.clerk, p.staff_group, f"/award reject {award.id}")
    assert (await world.templates(p.staff_group))[-1] == "points/award_already"
    assert await balance(world, p.wang) == (150, 150, 1)


@pytest.mark.settings(award_confirm_over=500)
async def test_the_amount_that_needs_confirmation_is_a_setting(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    assert await balance(world, p.wang) == (150, 150, 1)


async def test_without_a_staff_group_the_other_staff_get_the_card_privately(world: World) -> None:
    group = await world.community_group("幸福里群", HOME)
    wang = world.person("老王", username="laowang")
    await world.say(wang, group, "大家好")
    clerk = world.person("小李", username="xiaoli")
    await world.say(clerk, group, "大家好")
    await world.say(world.admin, group, "/award @laowang 150 组织全楼大扫除")
    assert (await world.templates(group))[-1] == "points/award_no_second"  # nobody else to confirm
    assert await awards(world) == []
    await world.start(clerk)
    await world.say(world.admin, group, "/grant 工作人员 @xiaoli")
    await world.say(world.admin, group, "/award @laowang 150 组织全楼大扫除")
    await world.press(clerk, world.dm(clerk), "确认加分")
    assert await balance(world, wang) == (150, 150, 1)


async def test_a_large_award_nobody_decides_expires(clocked: World, clock: Clock) -> None:
    world = clocked
    p = await place(world)
    await world.start(world.admin)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    clock.advance(71 * 3600)
    assert await awards_module.expire_due(world.bot.deps.uow, world.bot.deps.env) == 0
    clock.advance(2 * 3600)
    assert await awards_module.expire_due(world.bot.deps.uow, world.bot.deps.env) == 1
    assert await awards_module.expire_due(world.bot.deps.uow, world.bot.deps.env) == 0
    await world.pump()
    assert "已过期" in await award_card(world, p.staff_group)
    assert len(await world.said(world.dm(world.admin), "points/award_decided")) == 1
    assert not any(m.buttons for m in world.fake.bot_messages(p.staff_group))
    assert await balance(world, p.wang) == (0, 0, 0)


async def test_a_forged_or_unknown_award_button_is_refused(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    card = world.fake.bot_messages(p.staff_group)[-1]
    for data in ("v1:pac:99999", "v1:pac:abc", "v1:pac"):
        world.fake.press(p.clerk, p.staff_group, card.message_id, data)
        await world.pump()
        assert world.answers()[-1]
    assert await balance(world, p.wang) == (0, 0, 0)
    assert (await awards(world))[0].status == "pending"


async def test_the_answer_to_a_press_is_in_the_pressers_language(world: World) -> None:
    p = await place(world)
    tom = world.person("Tom", username="tomlee", language_code="en")
    await world.say(tom, p.group, "hello")
    await world.say(world.admin, p.staff_group, "/grant staff @tomlee")
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    await world.press(tom, p.staff_group, "确认加分")
    assert world.answers()[-1] == "Confirmed; the points are in"
    assert await balance(world, p.wang) == (150, 150, 1)


async def test_without_a_staff_group_a_super_admin_can_confirm_a_staff_members_large_award(
    world: World,
) -> None:
    group = await world.community_group("幸福里群", HOME)
    wang = world.person("老王", username="laowang")
    await world.say(wang, group, "大家好")
    clerk = world.person("小李", username="xiaoli")
    await world.say(clerk, group, "大家好")
    await world.say(world.admin, group, "/grant 工作人员 @xiaoli")
    await world.start(world.admin)
    await world.say(clerk, group, "/award @laowang 150 组织全楼大扫除")
    assert (await world.templates(group))[-1] == "points/award_waiting"
    await world.press(world.admin, world.dm(world.admin), "确认加分")
    assert await balance(world, wang) == (150, 150, 1)


@pytest.mark.settings(award_pending_hours=0)
async def test_with_no_expiry_set_a_large_award_waits_until_someone_decides(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    clock.advance(1000 * 3600)
    assert await awards_module.expire_due(world.bot.deps.uow, world.bot.deps.env) == 0
    await world.press(p.clerk, p.staff_group, "确认加分")
    assert await balance(world, p.wang) == (150, 150, 1)


async def test_a_redelivered_confirmation_press_posts_nothing_twice(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    press = await world.press(p.clerk, p.staff_group, "确认加分")
    answers = len(world.answers())
    await world.redeliver(press)
    assert await balance(world, p.wang) == (150, 150, 1)
    assert len(world.answers()) == answers
    assert len(await world.said(world.dm(p.wang), "points/told_award")) == 1
