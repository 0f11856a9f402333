"""Activities from check-in to the thank-you card: the QR link's window, marking from the list,
points once, no-shows and the sign-up bar, the CSV sheet, reminders, edit and cancel, one line."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.incoming import Media
from bot.services.activities import checkin, join, line, reminders, staff, thanks
from bot.services.community import people
from bot.services.schedule.tick import tick
from storage.models import OutboxMessage, PointEntry
from tests.services.activity_bench import activity, publish, statuses
from tests.services.bench import Bench, Estate, resident


async def _signup_id(bench: Bench, activity_id: int, person_first_name: str) -> int:
    async with bench.uow() as uow:
        for signup, user in await uow.activities.signups(activity_id, ("joined", "no_show", "attended")):
            if user.first_name == person_first_name:
                return signup.id
    raise AssertionError(f"{person_first_name} is not signed up")


async def _activity_entries(bench: Bench) -> list[tuple[str, int]]:
    async with bench.uow() as uow:
        rows = (
            await uow.session.execute(select(PointEntry).where(PointEntry.reason == "activity"))
        ).scalars()
        return [(e.idempotency_key, e.amount) for e in rows]


# -- check-in by the QR link -------------------------------------------------------------------
async def test_scanning_the_code_in_its_window_checks_in_once_and_awards_the_points(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, points=15)
    await bench.press(home.resident, home.group, join.join_button, act.id)
    token = f"{checkin.DEEP_LINK_PREFIX}{act.checkin_token}"
    bench.clock.advance(timedelta(days=2, minutes=-29).total_seconds())  # 29 minutes before the start

    await bench.say(home.resident, bench.dm(home.resident), people.start, token)
    again = await bench.say(home.resident, bench.dm(home.resident), people.start, token)

    assert await statuses(bench, act.id) == [("张阿姨", "attended")]
    assert (await bench.points(home.resident)).balance == 15
    assert len(await _activity_entries(bench)) == 1
    rows = await bench.rows_since(0, bench.dm(home.resident))
    assert [r.template for r in rows][-2:] == ["activities/checked_in", "activities/checked_in_already"]
    assert not again.outcome.duplicate


@pytest.mark.parametrize(
    ("after", "template"),
    [
        (timedelta(days=2, minutes=-31), "activities/checkin_early"),
        (timedelta(days=2, hours=2, minutes=1), "activities/checkin_closed"),
    ],
)
async def test_scanning_outside_the_window_is_refused_and_awards_nothing(
    bench: Bench, home: Estate, after: timedelta, template: str
) -> None:
    act = await publish(bench)
    await bench.press(home.resident, home.group, join.join_button, act.id)
    bench.clock.advance(after.total_seconds())
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), people.start, f"act_{act.checkin_token}")

    assert await statuses(bench, act.id) == [("张阿姨", "joined")]
    assert [r.template for r in await bench.rows_since(mark)] == [template]
    assert await _activity_entries(bench) == []


async def test_the_code_of_another_activity_or_a_forged_one_checks_nobody_in(
    bench: Bench, home: Estate
) -> None:
    mine = await publish(bench, title="大扫除")
    other = await publish(bench, title="理发日")
    await bench.press(home.resident, home.group, join.join_button, mine.id)
    bench.clock.advance(timedelta(days=2).total_seconds())
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), people.start, f"act_{other.checkin_token}")
    await bench.say(home.resident, bench.dm(home.resident), people.start, "act_forged-token")

    assert [r.template for r in await bench.rows_since(mark)] == [
        "activities/checkin_not_signed_up",
        "activities/checkin_unknown",
    ]
    assert await statuses(bench, mine.id) == [("张阿姨", "joined")]


# -- staff mark from the list -------------------------------------------------------------------
async def test_staff_mark_someone_from_the_list_once_and_the_list_redraws(bench: Bench, home: Estate) -> None:
    act = await publish(bench, points=10)
    await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.say(bench.admin, home.staff_group, checkin.checkin_command, str(act.number))
    signup_id = await _signup_id(bench, act.id, "张阿姨")
    bench.clock.advance(timedelta(days=2).total_seconds())
    mark = await bench.mark()

    first = await bench.press(bench.admin, home.staff_group, checkin.mark_button, act.id, signup_id)
    second = await bench.press(bench.admin, home.staff_group, checkin.mark_button, act.id, signup_id)

    assert "张阿姨" in (first.outcome.toast or "") and not first.outcome.alert
    assert second.outcome.alert and "已经签到" in (second.outcome.toast or "")
    assert (await bench.points(home.resident)).balance == 10
    assert [r.kind for r in await bench.rows_since(mark, home.staff_group)] == ["edit_card"]


async def test_a_resident_cannot_press_the_staff_list(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    await bench.press(home.resident, home.group, join.join_button, act.id)
    signup_id = await _signup_id(bench, act.id, "张阿姨")
    bench.clock.advance(timedelta(days=2).total_seconds())

    refused = await bench.press(home.resident, home.group, checkin.mark_button, act.id, signup_id)

    assert refused.outcome.alert
    assert await statuses(bench, act.id) == [("张阿姨", "joined")]


# -- the end: no-shows, the thanks, the bar ----------------------------------------------------------
async def test_the_end_records_no_shows_and_thanks_the_named_in_each_group_once(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, capacity=3, points=10)
    shy = await resident(bench, home.group, "小赵")
    absent = await resident(bench, home.group, "小钱")
    for person in (home.resident, shy, absent):
        await bench.press(person, home.group, join.join_button, act.id)
    async with bench.uow() as uow:
        shy_user = await uow.users.find_by_telegram_id(shy.telegram_id)
        assert shy_user is not None
        membership = await uow.memberships.find(shy_user.id, act.community_id)
        assert membership is not None
        membership.named = False
        await uow.commit()
    bench.clock.advance(timedelta(days=2).total_seconds())
    for name in ("张阿姨", "小赵"):
        await bench.press(
            bench.admin, home.staff_group, checkin.mark_button, act.id, await _signup_id(bench, act.id, name)
        )
    bench.clock.advance(timedelta(hours=2, seconds=1).total_seconds())
    mark = await bench.mark()

    closed = await thanks.wrap_up_due(bench.deps.uow, bench.deps.env)
    again = await thanks.wrap_up_due(bench.deps.uow, bench.deps.env)

    assert (closed, again) == (1, 0)
    assert await statuses(bench, act.id) == [
        ("张阿姨", "attended"),
        ("小赵", "attended"),
        ("小钱", "no_show"),
    ]
    sent = [r for r in await bench.rows_since(mark, home.group) if r.kind == "send"]
    assert [r.template for r in sent] == ["activities/thanks"]
    assert sent[0].text is not None
    assert "到场 2 人" in sent[0].text and "20 积分" in sent[0].text
    assert "张阿姨" in sent[0].text and "小赵" not in sent[0].text
    assert (await activity(bench, act.id)).status == "ended"


async def test_a_photo_staff_attached_goes_with_the_thanks(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    await bench.say(
        bench.admin,
        home.staff_group,
        staff.activity_command,
        f"{act.number} photo",
        media=(Media("photo", "PHOTO1"),),
    )
    bench.clock.advance(timedelta(days=3).total_seconds())
    mark = await bench.mark()

    await thanks.wrap_up_due(bench.deps.uow, bench.deps.env)

    media = [r for r in await bench.rows_since(mark, home.group) if r.kind == "media"]
    assert [(r.media_kind, r.file_id) for r in media] == [("photo", "PHOTO1")]
    assert media[0].text and "圆满结束" in media[0].text


async def test_after_too_many_no_shows_sign_up_is_refused_with_the_reason(bench: Bench, home: Estate) -> None:
    for _ in range(bench.deps.env.settings.activity_no_show_limit):
        act = await publish(bench, starts_in=timedelta(hours=3))
        await bench.press(home.resident, home.group, join.join_button, act.id)
        bench.clock.advance(timedelta(hours=6).total_seconds())
        await thanks.wrap_up_due(bench.deps.uow, bench.deps.env)
    barred = await publish(bench)
    limit = bench.deps.env.settings.activity_no_show_limit

    refused = await bench.press(home.resident, home.group, join.join_button, barred.id)
    bench.clock.advance(timedelta(days=bench.deps.env.settings.activity_barred_days).total_seconds())
    later = await publish(bench)
    allowed = await bench.press(home.resident, home.group, join.join_button, later.id)

    assert refused.outcome.alert and f"{limit} 次" in (refused.outcome.toast or "")
    assert await statuses(bench, barred.id) == []
    assert not allowed.outcome.toast or "报名成功" in allowed.outcome.toast
    assert await statuses(bench, later.id) == [("张阿姨", "joined")]


# -- the CSV sheet ----------------------------------------------------------------------------
async def test_the_csv_sheet_goes_privately_as_a_document_with_everyone_on_it(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, capacity=1)
    sly = await resident(bench, home.group, "=HYPERLINK(1)")
    await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.press(sly, home.group, join.join_button, act.id)
    await bench.say(bench.admin, bench.dm(bench.admin), people.start)
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, staff.activity_command, f"{act.number} csv")

    documents = [r for r in await bench.rows_since(mark, bench.dm(bench.admin)) if r.kind == "media"]
    assert [(r.media_kind, r.file_id) for r in documents] == [("upload", f"activity-{act.number}.csv")]
    rows = list(csv.reader(io.StringIO(documents[0].attachment or "")))
    assert rows[0][1] == "姓名" and [r[1] for r in rows[1:]] == ["张阿姨", "'=HYPERLINK(1)"]
    assert [r[3] for r in rows[1:]] == ["已报名", "候补"]


# -- reminders, edit, cancel ------------------------------------------------------------------
async def _fires(bench: Bench) -> None:
    from bot.services.activities.reminders import fire_handlers

    await tick(bench.deps, fire_handlers(bench.deps.env))


async def test_reminders_come_24_and_2_hours_before_once_each(bench: Bench, home: Estate) -> None:
    act = await publish(bench, starts_in=timedelta(days=3))
    await bench.press(home.resident, home.group, join.join_button, act.id)
    mark = await bench.mark()

    bench.clock.advance(timedelta(days=2, minutes=1).total_seconds())  # 23 h 59 min before
    await _fires(bench)
    await _fires(bench)
    bench.clock.advance(timedelta(hours=22).total_seconds())  # 1 h 59 min before
    await _fires(bench)

    rows = await bench.rows_since(mark, bench.dm(home.resident))
    assert [r.template for r in rows] == ["activities/reminder", "activities/reminder"]
    assert "明天" in (rows[0].text or "") and "快要" in (rows[1].text or "")


async def test_moving_an_activity_tells_participants_and_moves_the_reminders(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, starts_in=timedelta(days=3))
    await bench.press(home.resident, home.group, join.join_button, act.id)
    async with bench.uow() as uow:
        before = await uow.schedules.find(reminders.KIND, f"{act.id}:24h")
        assert before is not None and before.due_at == act.starts_at - timedelta(hours=24)
    mark = await bench.mark()

    await bench.say(
        bench.admin, home.staff_group, staff.activity_command, f"{act.number} edit 时间 2026-12-01 15:00"
    )

    moved = await activity(bench, act.id)
    assert moved.starts_at.isoformat() == "2026-12-01T07:00:00+00:00"
    assert moved.ends_at - moved.starts_at == timedelta(hours=2)
    told = await bench.rows_since(mark, bench.dm(home.resident))
    assert [r.template for r in told] == ["activities/told_changed"]
    async with bench.uow() as uow:
        after = await uow.schedules.find(reminders.KIND, f"{act.id}:24h")
        assert after is not None and after.due_at == moved.starts_at - timedelta(hours=24)


async def test_an_edit_to_an_end_before_the_start_changes_nothing(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    mark = await bench.mark()

    await bench.say(
        bench.admin, home.staff_group, staff.activity_command, f"{act.number} edit 结束 2026-11-20 10:00"
    )

    assert (await activity(bench, act.id)).ends_at == act.ends_at
    assert [r.template for r in await bench.rows_since(mark)] in (
        ["when/past"],
        ["activities/time_past"],
        ["activities/end_before_start"],
    )


async def test_cancelling_tells_everyone_clears_the_waitlist_and_drops_the_reminders(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, capacity=1, starts_in=timedelta(days=3))
    waiting = await resident(bench, home.group, "乙")
    await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.press(waiting, home.group, join.join_button, act.id)
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, staff.activity_command, f"{act.number} cancel")

    assert (await activity(bench, act.id)).status == "cancelled"
    assert await statuses(bench, act.id) == [("张阿姨", "joined"), ("乙", "left")]
    for person in (home.resident, waiting):
        assert [r.template for r in await bench.rows_since(mark, bench.dm(person))] == [
            "activities/told_cancelled"
        ]
    async with bench.uow() as uow:
        assert await uow.schedules.find(reminders.KIND, f"{act.id}:24h") is None
        assert await uow.schedules.find(reminders.KIND, f"{act.id}:2h") is None
    bench.clock.advance(timedelta(days=2, hours=23).total_seconds())
    await _fires(bench)  # the day before: no reminder of a cancelled activity
    assert [r.template for r in await bench.rows_since(mark, bench.dm(home.resident))] == [
        "activities/told_cancelled"
    ]


# -- one line ---------------------------------------------------------------------------------
async def test_one_line_publishes_in_the_communitys_time_zone_with_a_card_in_the_group(
    bench: Bench, home: Estate
) -> None:
    mark = await bench.mark()

    await bench.say(
        bench.admin,
        home.staff_group,
        line.new_activity,
        "楼道大扫除 | 2026-12-20 15:00 | 17:00 | 3号楼门口 | 20 | 10 | 截止 2026-12-19 20:00 | 仅志愿者",
    )

    async with bench.uow() as uow:
        found = await uow.activities.find_by_number(act_community := (await bench.community()).id, 1)
    assert found is not None and act_community
    assert (found.starts_at.isoformat(), found.ends_at.isoformat()) == (
        "2026-12-20T07:00:00+00:00",
        "2026-12-20T09:00:00+00:00",
    )
    assert (found.capacity, found.points, found.audience) == (20, 10, "volunteers")
    assert (
        found.signup_deadline is not None and found.signup_deadline.isoformat() == "2026-12-19T12:00:00+00:00"
    )
    rows = await bench.rows_since(mark)
    assert ("card", home.group.chat_id) in [(r.kind, r.chat_id) for r in rows]
    assert [r.template for r in rows if r.chat_id == home.staff_group.chat_id] == ["activities/created"]


@pytest.mark.parametrize(
    ("typed", "template"),
    [
        ("扫除 | 2026-11-01 15:00 | 17:00 | 门口 | 20 | 10", "when/past"),
        ("扫除 | 2026-12-20 15:00 | 14:00 | 门口 | 20 | 10", "activities/end_before_start"),
        ("扫除 | 2026-12-20 15:00 | 17:00 | 门口 | 0 | 10", "activities/capacity_invalid"),
        ("扫除 | 2026-12-20 15:00 | 17:00 | 门口 | -5 | 10", "activities/capacity_invalid"),
        ("扫除 | 2026-12-20 15:00 | 17:00 | 门口 | 100000 | 10", "activities/capacity_invalid"),
        ("扫除 | 2026-12-20 15:00 | 17:00", "activities/new_usage"),
        ("扫除 | 2026-12-20 15:00 | 17:00 | 门口 | 20 | 10 | 天气 晴", "activities/option_unknown"),
    ],
)
async def test_a_wrong_line_is_explained_and_publishes_nothing(
    bench: Bench, home: Estate, typed: str, template: str
) -> None:
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, line.new_activity, typed)

    rows = await bench.rows_since(mark)
    assert [r.template for r in rows] == [template]
    async with bench.uow() as uow:
        assert (
            await uow.session.execute(select(OutboxMessage).where(OutboxMessage.card_kind == "activity"))
        ).first() is None


async def test_a_resident_cannot_publish(bench: Bench, home: Estate) -> None:
    mark = await bench.mark()

    await bench.say(
        home.resident, home.group, line.new_activity, "扫除 | 2026-12-20 15:00 | 17:00 | 门口 | 20 | 10"
    )

    assert [r.template for r in await bench.rows_since(mark)] == ["common/staff_only"]


async def test_with_publicity_off_the_thanks_names_nobody(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    await bench.press(home.resident, home.group, join.join_button, act.id)
    async with bench.uow() as uow:
        community = await uow.communities.get(act.community_id)
        assert community is not None
        community.publicity = False
        await uow.commit()
    bench.clock.advance(timedelta(days=2).total_seconds())
    await bench.press(
        bench.admin, home.staff_group, checkin.mark_button, act.id, await _signup_id(bench, act.id, "张阿姨")
    )
    bench.clock.advance(timedelta(hours=3).total_seconds())
    mark = await bench.mark()

    await thanks.wrap_up_due(bench.deps.uow, bench.deps.env)

    [sent] = [r for r in await bench.rows_since(mark, home.group) if r.kind == "send"]
    assert sent.text is not None and "到场 1 人" in sent.text and "张阿姨" not in sent.text


async def test_buildings_option_announces_only_in_their_groups(bench: Bench, home: Estate) -> None:
    from bot.services.community import groups

    other = bench.group("5号楼群")
    await bench.say(bench.admin, other, groups.bind, "幸福里社区")
    await bench.say(bench.admin, other, groups.buildings, "5号楼")
    mark = await bench.mark()

    await bench.say(
        bench.admin,
        home.staff_group,
        line.new_activity,
        "义诊 | 2026-12-20 09:00 | 2小时 | 5号楼下 | 不限 | 0 | 楼栋 5号楼",
    )

    cards_posted = [r.chat_id for r in await bench.rows_since(mark) if r.card_kind == "activity"]
    assert cards_posted == [other.chat_id]


async def test_a_reminder_for_someone_the_bot_cannot_write_to_is_a_mention_in_the_group(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, starts_in=timedelta(days=3))
    quiet = await resident(bench, home.group, "老李", started=False)
    await bench.press(quiet, home.group, join.join_button, act.id)
    mark = await bench.mark()

    bench.clock.advance(timedelta(days=2, minutes=1).total_seconds())
    await _fires(bench)

    [row] = await bench.rows_since(mark, home.group)
    assert row.template == "activities/reminder" and row.text and "tg://user?id=" in row.text


async def test_more_places_go_to_the_waitlist_in_order(bench: Bench, home: Estate) -> None:
    act = await publish(bench, capacity=1)
    second, third = [await resident(bench, home.group, n) for n in ("乙", "丙")]
    for person in (home.resident, second, third):
        await bench.press(person, home.group, join.join_button, act.id)

    await bench.say(bench.admin, home.staff_group, staff.activity_command, f"{act.number} edit 名额 2")

    assert await statuses(bench, act.id) == [("张阿姨", "joined"), ("乙", "joined"), ("丙", "waitlisted")]
    mark = await bench.mark()
    await bench.say(bench.admin, home.staff_group, staff.activity_command, f"{act.number} edit 名额 1")
    assert [r.template for r in await bench.rows_since(mark)] == ["activities/capacity_below_joined"]
    assert (await activity(bench, act.id)).capacity == 2


async def test_staff_see_the_lists_with_buttons_and_residents_may_not(bench: Bench, home: Estate) -> None:
    act = await publish(bench, capacity=1)
    second = await resident(bench, home.group, "乙")
    await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.press(second, home.group, join.join_button, act.id)
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, staff.activity_command, str(act.number))
    await bench.say(home.resident, home.group, staff.activity_command, str(act.number))

    shown, refused = await bench.rows_since(mark)
    assert shown.template == "activities/details" and shown.text is not None
    assert "已报名 1 人</b>：张阿姨" in shown.text and "候补 1 人</b>：乙" in shown.text
    assert shown.buttons is not None and [len(row) for row in shown.buttons] == [3]
    assert refused.template == "common/staff_only"


async def test_with_the_bot_down_past_both_reminders_only_the_one_within_the_grace_is_sent(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, starts_in=timedelta(days=3))
    await bench.press(home.resident, home.group, join.join_button, act.id)
    mark = await bench.mark()

    bench.clock.now = act.starts_at - timedelta(hours=1, minutes=50)  # down since before the 24 h one
    await _fires(bench)

    rows = await bench.rows_since(mark, bench.dm(home.resident))
    assert [r.template for r in rows] == ["activities/reminder"] and "快要" in (rows[0].text or "")


async def test_staff_sign_up_a_neighbour_without_a_phone_and_mark_them_in(bench: Bench, home: Estate) -> None:
    act = await publish(bench, capacity=1, points=10)
    grandpa = await resident(bench, home.group, "李大爷", started=False)
    bench.clock.advance(timedelta(days=2, minutes=10).total_seconds())  # started: self-service is closed

    await bench.say(
        bench.admin, home.staff_group, staff.activity_command, f"{act.number} add", reply_to=grandpa
    )
    again = await bench.mark()
    await bench.say(
        bench.admin, home.staff_group, staff.activity_command, f"{act.number} add", reply_to=grandpa
    )
    await bench.press(
        bench.admin, home.staff_group, checkin.mark_button, act.id, await _signup_id(bench, act.id, "李大爷")
    )

    refusal = (await bench.rows_since(again, home.staff_group))[0]
    assert refusal.template == "activities/on_list_already"
    assert await statuses(bench, act.id) == [("李大爷", "attended")]
    assert (await bench.points(grandpa)).balance == 10


async def test_someone_staff_removed_cannot_rejoin_but_staff_may_add_them_back(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench)
    await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.say(
        bench.admin, home.staff_group, staff.activity_command, f"{act.number} remove", reply_to=home.resident
    )

    refused = await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.say(
        bench.admin, home.staff_group, staff.activity_command, f"{act.number} add", reply_to=home.resident
    )

    assert refused.outcome.alert and "工作人员" in (refused.outcome.toast or "")
    assert await statuses(bench, act.id) == [("张阿姨", "joined")]
