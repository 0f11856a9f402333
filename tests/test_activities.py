"""Activities end to end, through the real Application and the fake Bot API: published in one line,
the group card with 报名, the waitlist and a promotion, the merged card edit, a QR check-in, the
CSV sheet as a document, the thank-you card; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.activities import thanks
from storage.models import Activity, PointEntry
from tests.conftest import Clock
from tests.requests_world import HOME, estate
from tests.world import World

LINE = "/newactivity 楼道大扫除 | 2026-11-25 15:00 | 17:00 | 3号楼门口 | 1 | 10"


async def _activity(world: World, number: int = 1) -> Activity:
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        found = await uow.activities.find_by_number(community.id, number)
        assert found is not None
        return found


async def test_an_activity_from_announcement_to_thank_you_card(clocked: World, clock: Clock) -> None:
    world = clocked
    place = await estate(world)
    await world.start(world.admin)

    await world.say(world.admin, place.staff_group, LINE)
    act = await _activity(world)
    assert "已发布活动 #1" in world.last(place.staff_group)
    card = await world.card(place.group, "activity", act.id)
    assert "名额 1，已报 0，还剩 1" in card

    await world.press(place.resident, place.group, "报名")
    await world.press(place.volunteer, place.group, "报名")
    answers = world.answers()
    assert "报名成功" in (answers[-2] or "") and "候补第 1 位" in (answers[-1] or "")
    assert "还剩 1" in await world.card(place.group, "activity", act.id)  # the edit waits for its window
    clock.advance(world.bot.settings.activity_card_edit_seconds + 1)
    await world.pump()
    card = await world.card(place.group, "activity", act.id)
    assert "还剩 0" in card and "候补 1 人" in card

    await world.say(place.resident, place.group, "/leave 1")
    assert "已退出" in world.last(place.group)
    assert "候补转为正式报名" in world.last(world.dm(place.volunteer))

    await world.say(world.admin, place.staff_group, "/activity 1 qr")
    qr = world.fake.bot_messages(world.dm(world.admin))[-1]
    assert "photo" in qr.media and "签到二维码" in (qr.caption or "")

    clock.now = act.starts_at - timedelta(minutes=10)
    await world.start(place.volunteer, f"act_{act.checkin_token}")
    assert "签到成功" in world.last(world.dm(place.volunteer))

    await world.say(world.admin, place.staff_group, "/activity 1 csv")
    sheet = world.fake.bot_messages(world.dm(world.admin))[-1]
    assert sheet.media["document"]["file_name"] == "activity-1.csv"

    clock.now = act.ends_at + timedelta(minutes=1)
    assert await thanks.wrap_up_due(world.bot.deps.uow, world.bot.deps.env) == 1
    await world.pump()
    assert "圆满结束" in world.last(place.group) and "老王" in world.last(place.group)
    clock.advance(world.bot.settings.activity_card_edit_seconds + 1)
    await world.pump()
    final = world.fake.bot_messages(place.group)
    card_message = next(
        m for m in final if "活动 #1" in (m.plain_text or "") and "已结束" in (m.plain_text or "")
    )
    assert not card_message.buttons  # no 报名 on an activity that is over


async def test_activities_lists_what_is_on_with_the_persons_own_status(clocked: World, clock: Clock) -> None:
    world = clocked
    place = await estate(world)
    await world.say(world.admin, place.staff_group, LINE)
    await world.say(place.resident, place.group, "/join 1")

    await world.say(place.resident, world.dm(place.resident), "/activities")

    listing = world.fake.bot_messages(world.dm(place.resident))[-1]
    assert "楼道大扫除" in (listing.plain_text or "") and "你已报名" in (listing.plain_text or "")
    assert any("退出 #1" in text for row in listing.buttons for text, _ in row)


async def test_a_guided_activity_in_private_asks_step_by_step_then_publishes(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    place = await estate(world)
    await world.start(world.admin)
    dm = world.dm(world.admin)

    await world.say(world.admin, dm, "/newactivity")
    for answer in ("理发日", "2026-11-28 09:00", "3小时", "社区活动室", "0"):
        await world.say(world.admin, dm, answer)
    assert "名额“0”不对" in world.last(dm)  # a wrong answer is explained and asked again
    await world.say(world.admin, dm, "30")
    await world.say(world.admin, dm, "5")
    await world.press(world.admin, dm, "所有居民")
    await world.press(world.admin, dm, "不设截止")
    await world.press(world.admin, dm, "全部邻里群")
    await world.say(world.admin, dm, "无")
    assert "请确认要发布的活动" in world.last(dm)
    await world.press(world.admin, dm, "发布")

    act = await _activity(world)
    assert (act.title, act.capacity, act.points, act.ends_at - act.starts_at) == (
        "理发日",
        30,
        5,
        timedelta(hours=3),
    )
    assert "理发日" in await world.card(place.group, "activity", act.id)


FAR = datetime(2031, 3, 15, 2, 0, tzinfo=UTC)  # 10:00 on a Saturday in Asia/Shanghai


@pytest.mark.parametrize("clock", [FAR], indirect=True, ids=["2031-03-15"])
async def test_an_activity_years_from_the_test_date_follows_the_injected_clock(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    place = await estate(world)
    await world.say(
        world.admin, place.staff_group, "/newactivity 义诊 | 明天上午10点 | 2小时 | 活动室 | 5 | 10"
    )
    act = await _activity(world)
    assert act.starts_at == datetime(2031, 3, 16, 2, 0, tzinfo=UTC) and act.created_at == FAR
    await world.say(place.resident, place.group, "/join 1")

    clock.now = act.starts_at - timedelta(minutes=20)
    await world.start(place.resident, f"act_{act.checkin_token}")
    clock.now = act.ends_at + timedelta(seconds=1)
    await thanks.wrap_up_due(world.bot.deps.uow, world.bot.deps.env)

    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(place.resident.id)
        assert user is not None
        signup = await uow.activities.find_signup(act.id, user.id)
        ended = await uow.activities.get(act.id)
        entries = (
            (await uow.session.execute(select(PointEntry).where(PointEntry.reason == "activity")))
            .scalars()
            .all()
        )
    assert signup is not None and signup.checked_in_at == act.starts_at - timedelta(minutes=20)
    assert ended is not None and ended.ended_at == act.ends_at + timedelta(seconds=1)
    assert [(e.amount, e.created_at) for e in entries] == [(10, act.starts_at - timedelta(minutes=20))]


async def test_an_english_reader_gets_their_answers_in_english(clocked: World, clock: Clock) -> None:
    from tests.requests_world import english_resident

    world = clocked
    place = await estate(world)
    tom = await english_resident(world, place.group)
    await world.say(world.admin, place.staff_group, LINE)

    await world.press(tom, place.group, "报名")  # the group's card is in the community's language
    await world.say(tom, world.dm(tom), "/activities")
    await world.say(tom, world.dm(tom), "/leave 9")

    assert "Signed up" in (world.answers()[-1] or "")  # the pop-up only Tom sees: his language
    texts = world.texts(world.dm(tom))
    assert "Upcoming activities" in texts[-2] and "you are signed up" in texts[-2]
    assert "There is no activity #9" in texts[-1]


async def test_the_start_menu_shows_what_is_on(clocked: World, clock: Clock) -> None:
    world = clocked
    place = await estate(world)
    await world.say(world.admin, place.staff_group, LINE)

    await world.press(place.resident, world.dm(place.resident), "近期活动")

    assert "楼道大扫除" in world.last(world.dm(place.resident))


async def test_the_guided_flow_asks_again_after_a_past_time_and_an_end_before_the_start(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    await estate(world)
    await world.start(world.admin)
    dm = world.dm(world.admin)

    await world.say(world.admin, dm, "/newactivity")
    await world.say(world.admin, dm, "理发日")
    await world.say(world.admin, dm, "2026-11-01 09:00")
    past = world.last(dm)
    await world.say(world.admin, dm, "2026-11-28 09:00")
    await world.say(world.admin, dm, "08:00")
    early_end = world.last(dm)
    await world.say(world.admin, dm, "/cancel")

    assert "过去" in past and "结束时间要晚于开始时间" in early_end
    async with world.bot.deps.uow() as uow:
        assert await uow.activities.upcoming([1], clock(), 10) == []
