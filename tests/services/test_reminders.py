"""Reminders through the services, no Telegram: idempotent commands and presses, one message per
group per fire, and a group that became a supergroup still gets its reminders."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.services.community import groups
from bot.services.reminders import manage, remind
from bot.services.schedule.plans import Fire
from bot.services.schedule.tick import tick
from storage.models import OutboxMessage, Schedule
from tests.services.bench import Bench, Estate


async def reminders(bench: Bench) -> list[Schedule]:
    async with bench.uow() as uow:
        return list(
            (await uow.session.execute(select(Schedule).where(Schedule.kind == "reminder"))).scalars()
        )


async def rows(bench: Bench, template: str) -> list[OutboxMessage]:
    async with bench.uow() as uow:
        result = await uow.session.execute(select(OutboxMessage).where(OutboxMessage.template == template))
        return list(result.scalars())


async def test_a_redelivered_remind_makes_one_draft_and_one_preview(bench: Bench, home: Estate) -> None:
    sent = await bench.say(bench.admin, home.group, remind.remind, "每周三 15:00 书记下午茶")
    await bench.redeliver(sent)
    (draft,) = await reminders(bench)
    assert draft.draft and draft.due_at is None
    assert draft.payload["target"] == {"scope": "here", "chat": draft.payload["target"]["chat"]}
    assert len(await rows(bench, "reminders/preview")) == 1


async def test_confirming_twice_schedules_once(bench: Bench, home: Estate) -> None:
    await bench.say(bench.admin, home.group, remind.remind, "明天 9:00 开会")
    (draft,) = await reminders(bench)
    first = await bench.press(bench.admin, home.group, remind.confirm_button, draft.id)
    second = await bench.press(bench.admin, home.group, remind.confirm_button, draft.id)
    assert first.outcome.toast is not None and not first.outcome.alert
    assert second.outcome.alert  # refused: already confirmed
    (schedule,) = await reminders(bench)
    assert not schedule.draft and schedule.due_at is not None
    assert len(await rows(bench, "reminders/confirmed")) == 1


async def test_the_same_fire_twice_queues_one_message_per_group(bench: Bench, home: Estate) -> None:
    await bench.say(bench.admin, home.staff_group, remind.remind, "全部 明天 9:00 停水")
    (draft,) = await reminders(bench)
    await bench.press(bench.admin, home.staff_group, remind.confirm_button, draft.id)
    (schedule,) = await reminders(bench)
    assert schedule.due_at is not None
    fire = Fire(
        schedule.id, "reminder", schedule.key, schedule.community_id, schedule.due_at, schedule.payload
    )
    for _ in range(2):
        async with bench.uow() as uow:
            await remind.fire(uow, bench.deps.env, fire)
            await uow.commit()
    sent = await rows(bench, "reminders/fire")
    assert [row.chat_id for row in sent] == [
        home.group.chat_id
    ]  # every neighbourhood group, not the staff group


async def test_a_group_that_became_a_supergroup_gets_its_reminder_at_the_new_id(
    bench: Bench, home: Estate
) -> None:
    await bench.say(bench.admin, home.group, remind.remind, "明天 9:00 开会")
    (draft,) = await reminders(bench)
    await bench.press(bench.admin, home.group, remind.confirm_button, draft.id)
    new_id = -1_009_999_999_999
    await bench.say(bench.admin, home.group, groups.migrated, "", new_id)
    (schedule,) = await reminders(bench)
    assert schedule.due_at is not None
    bench.clock.now = schedule.due_at + timedelta(seconds=5)
    await tick(bench.deps, remind.fire_handlers(bench.deps.env))
    assert [row.chat_id for row in await rows(bench, "reminders/fire")] == [new_id]


async def test_a_deleted_reminder_does_not_fire(bench: Bench, home: Estate) -> None:
    await bench.say(bench.admin, home.group, remind.remind, "明天 9:00 开会")
    (draft,) = await reminders(bench)
    await bench.press(bench.admin, home.group, remind.confirm_button, draft.id)
    await bench.say(bench.admin, home.group, manage.list_reminders, f"删除 {draft.id}")
    bench.clock.now += timedelta(hours=17, seconds=5)  # just after 09:00 tomorrow in Shanghai
    await tick(bench.deps, remind.fire_handlers(bench.deps.env))
    async with bench.uow() as uow:
        count = (
            await uow.session.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.template == "reminders/fire")
            )
        ).scalar_one()
    assert count == 0
