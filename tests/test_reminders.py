"""Staff schedule reminders with /remind, confirm them, and the groups get them on time, once;
/reminders pauses, resumes and deletes them. Through the real Application and the fake Bot API,
with the injected clock moved (TEST_DATE is Sunday 22 November 2026, 16:00 in Shanghai)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from bot.services.schedule.tick import tick
from fakebot import FakeChat, FakeUser
from storage.models import Schedule
from tests.conftest import Clock
from tests.requests_world import HOME
from tests.world import World

WEDNESDAY_3PM = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 15:00 in Shanghai


@dataclass
class Estate:
    east: FakeChat  # 3号楼's group
    west: FakeChat  # 5号楼's group
    staff: FakeChat
    wang: FakeUser  # a resident


async def estate(world: World) -> Estate:
    east = await world.community_group("东区群", HOME)
    await world.say(world.admin, east, "/buildings 3号楼")
    west = await world.community_group("西区群", HOME)
    await world.say(world.admin, west, "/buildings 5号楼")
    staff = await world.community_group("工作群", HOME, staff=True)
    wang = world.person("老王", username="laowang")
    await world.say(wang, east, "大家好")
    await world.start(wang)
    return Estate(east, west, staff, wang)


async def fire(world: World, clock: Clock, at: datetime) -> None:
    clock.now = at
    await tick(world.bot.deps, world.bot.application.bot_data.fire_handlers)
    await world.pump()


async def schedules(world: World) -> list[Schedule]:
    async with world.bot.deps.uow() as uow:
        return list(
            (await uow.session.execute(select(Schedule).where(Schedule.kind == "reminder"))).scalars()
        )


async def test_a_weekly_reminder_shows_its_next_times_and_fires_once_after_confirming(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await estate(world)
    await world.say(world.admin, e.east, "/remind 每周三 15:00 书记下午茶")
    preview = world.last(e.east)
    assert "书记下午茶" in preview and "本群" in preview
    assert "2026-11-25 15:00 周三" in preview
    assert "2026-12-02 15:00 周三" in preview and "2026-12-09 15:00 周三" in preview
    await fire(world, clock, WEDNESDAY_3PM)  # a draft never fires
    assert await world.said(e.east, "reminders/fire") == []

    clock.now = datetime(2026, 11, 22, 8, 1, tzinfo=UTC)
    await world.press(world.admin, e.east, "确认")
    assert (await world.templates(e.east))[-1] == "reminders/confirmed"
    (shown,) = [m for m in world.fake.bot_messages(e.east) if "请确认这条提醒" in (m.plain_text or "")]
    assert shown.buttons == []  # confirmed: the preview's buttons are gone
    await fire(world, clock, WEDNESDAY_3PM.replace(second=10))
    await fire(world, clock, WEDNESDAY_3PM.replace(minute=1))  # the next tick: nothing again
    assert await world.said(e.east, "reminders/fire") == ["⏰ 提醒：书记下午茶"]
    assert await world.said(e.west, "reminders/fire") == []
    await fire(world, clock, datetime(2026, 12, 2, 7, 0, 5, tzinfo=UTC))
    assert len(await world.said(e.east, "reminders/fire")) == 2


async def test_a_reminder_for_all_groups_written_in_private_goes_to_every_neighbourhood_group(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await estate(world)
    await world.start(world.admin)
    dm = world.dm(world.admin)
    await world.say(world.admin, dm, "/remind 全部 明天 9:00 明天上午停水，请提前储水")
    assert "全部邻里群（2 个）" in world.last(dm)
    await world.press(world.admin, dm, "确认")
    await fire(world, clock, datetime(2026, 11, 23, 1, 0, 3, tzinfo=UTC))
    for group in (e.east, e.west):
        assert await world.said(group, "reminders/fire") == ["⏰ 提醒：明天上午停水，请提前储水"]
    assert await world.said(e.staff, "reminders/fire") == []
    (schedule,) = await schedules(world)
    assert schedule.due_at is None  # a one-off is done


async def test_a_reminder_for_some_buildings_goes_to_their_groups_only_with_its_photo(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await estate(world)
    world.fake.send_photo(world.admin, e.staff, caption="/remind 5号楼 明天 9:00 电梯检修")
    await world.pump()
    assert "5号楼的群（1 个）" in world.last(e.staff) and "附照片" in world.last(e.staff)
    await world.press(world.admin, e.staff, "确认")
    await fire(world, clock, datetime(2026, 11, 23, 1, 0, 3, tzinfo=UTC))
    (sent,) = [m for m in world.fake.bot_messages(e.west) if m.media.get("photo")]
    assert sent.caption == "⏰ 提醒：电梯检修"
    assert not any(m.media.get("photo") for m in world.fake.bot_messages(e.east))


async def test_cancelling_the_preview_schedules_nothing(clocked: World, clock: Clock) -> None:
    world = clocked
    e = await estate(world)
    await world.say(world.admin, e.east, "/remind 明天 9:00 开会")
    await world.press(world.admin, e.east, "取消")
    assert await schedules(world) == []
    await fire(world, clock, datetime(2026, 11, 23, 1, 0, 3, tzinfo=UTC))
    assert await world.said(e.east, "reminders/fire") == []


async def test_bad_reminders_are_refused_politely_and_change_nothing(clocked: World) -> None:
    world = clocked
    e = await estate(world)
    cases = [
        (world.admin, "/remind 今天 9:00 开会", "when/past"),
        (world.admin, "/remind 2026-11-20 15:00 开会", "when/past"),
        (world.admin, "/remind 随便什么时候 开会", "when/unreadable"),
        (world.admin, "/remind 明天 9:00", "reminders/no_text"),
        (world.admin, "/remind 每秒 刷屏", "when/too_often"),
        (world.admin, "/remind", "reminders/usage"),
        (world.admin, "/remind 明天 9:00 " + "长" * 901, "reminders/too_long"),
        (world.admin, "/remind 明天 9:00 " + "🎉" * 451, "reminders/too_long"),  # 902 UTF-16 units
        (e.wang, "/remind 明天 9:00 开会", "common/staff_only"),
    ]
    for who, text, template in cases:
        await world.say(who, e.east, text)
        assert (await world.templates(e.east))[-1] == template, text
    assert await schedules(world) == []


async def test_a_reminder_in_private_without_groups_named_asks_which_groups(clocked: World) -> None:
    world = clocked
    await estate(world)
    await world.start(world.admin)
    dm = world.dm(world.admin)
    await world.say(world.admin, dm, "/remind 明天 9:00 开会")
    assert (await world.templates(dm))[-1] == "reminders/which_groups"
    assert await schedules(world) == []


async def test_only_staff_can_confirm_a_draft(clocked: World) -> None:
    world = clocked
    e = await estate(world)
    await world.say(world.admin, e.east, "/remind 明天 9:00 开会")
    await world.press(e.wang, e.east, "确认")
    (draft,) = await schedules(world)
    assert draft.draft and draft.due_at is None


async def test_reminders_are_listed_and_paused_resumed_and_deleted_by_button_and_by_command(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await estate(world)
    await world.say(world.admin, e.east, "/remind 每周三 15:00 书记下午茶")
    await world.press(world.admin, e.east, "确认")
    (schedule,) = await schedules(world)
    await world.say(world.admin, e.staff, "/reminders")
    listed = world.last(e.staff)
    assert f"#{schedule.id} 书记下午茶" in listed and "下次 2026-11-25 15:00 周三" in listed

    await world.press(world.admin, e.staff, f"暂停 #{schedule.id}")
    await fire(world, clock, WEDNESDAY_3PM.replace(second=5))
    assert await world.said(e.east, "reminders/fire") == []  # paused: Wednesday passes quietly
    await world.say(world.admin, e.staff, f"/reminders 恢复 {schedule.id}")
    assert (await world.templates(e.staff))[-1] == "reminders/resumed"
    await fire(world, clock, datetime(2026, 12, 2, 7, 0, 5, tzinfo=UTC))
    assert await world.said(e.east, "reminders/fire") == ["⏰ 提醒：书记下午茶"]

    await world.say(world.admin, e.staff, "/reminders")
    await world.press(world.admin, e.staff, f"删除 #{schedule.id}")
    assert await schedules(world) == []
    await world.say(world.admin, e.staff, f"/reminders 删除 {schedule.id}")
    assert (await world.templates(e.staff))[-1] == "reminders/gone"
    await world.say(e.wang, e.east, "/reminders")
    assert (await world.templates(e.east))[-1] == "common/staff_only"


async def test_the_schedule_tick_runs_on_the_job_queue(world: World) -> None:
    job_queue = world.bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name("schedules")
    assert job.job.trigger.interval.total_seconds() == world.bot.settings.schedule_tick_seconds
    assert "reminder" in world.bot.application.bot_data.fire_handlers
    assert "housekeeping" in world.bot.application.bot_data.fire_handlers
