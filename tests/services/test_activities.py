"""Activities at the service level: sign-up with capacity and a waitlist in press order, promotion,
leaving and its cutoff, refusals that change nothing, merged card edits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.activities import cards, join, leave, staff
from bot.services.activities.fields import read_capacity, read_points
from bot.services.shared.errors import Refused
from tests.services.activity_bench import activity, publish, snapshot, statuses
from tests.services.bench import Bench, Estate, resident


async def test_sign_ups_take_the_places_then_wait_in_press_order(bench: Bench, home: Estate) -> None:
    act = await publish(bench, capacity=2)
    people = [await resident(bench, home.group, name) for name in ("甲", "乙", "丙", "丁")]

    answers = [await bench.press(p, home.group, join.join_button, act.id) for p in people]

    assert await statuses(bench, act.id) == [
        ("甲", "joined"),
        ("乙", "joined"),
        ("丙", "waitlisted"),
        ("丁", "waitlisted"),
    ]
    assert (await activity(bench, act.id)).joined == 2
    assert all(a.outcome.toast for a in answers)
    assert "候补第 2 位" in (answers[3].outcome.toast or "")


async def test_join_command_in_the_group_signs_up_by_number(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    mark = await bench.mark()

    await bench.say(home.resident, home.group, join.join_command, str(act.number))

    assert await statuses(bench, act.id) == [("张阿姨", "joined")]
    rows = await bench.rows_since(mark, home.group)
    assert [r.template for r in rows if r.kind == "send"] == ["activities/signed_up"]


async def test_joining_twice_is_refused_and_changes_nothing(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    await bench.press(home.resident, home.group, join.join_button, act.id)
    before = await snapshot(bench, act.id)

    again = await bench.press(home.resident, home.group, join.join_button, act.id)

    assert again.outcome.alert and "已经报名" in (again.outcome.toast or "")
    assert await snapshot(bench, act.id) == before


async def test_a_redelivered_press_signs_up_once(bench: Bench, home: Estate) -> None:
    act = await publish(bench, capacity=1)
    pressed = await bench.press(home.resident, home.group, join.join_button, act.id)
    before = await snapshot(bench, act.id)
    mark = await bench.mark()

    again = await bench.redeliver(pressed)

    assert again.outcome.duplicate
    assert await snapshot(bench, act.id) == before and await bench.rows_since(mark) == []


async def test_a_freed_place_goes_to_the_first_waiting_who_is_told_privately(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, capacity=1)
    first, second, third = [await resident(bench, home.group, n) for n in ("甲", "乙", "丙")]
    for person in (first, second, third):
        await bench.press(person, home.group, join.join_button, act.id)
    mark = await bench.mark()

    await bench.press(first, home.group, leave.leave_button, act.id)

    assert await statuses(bench, act.id) == [("甲", "left"), ("乙", "joined"), ("丙", "waitlisted")]
    told = await bench.rows_since(mark, bench.dm(second))
    assert [r.template for r in told] == ["activities/promoted"]
    assert await bench.rows_since(mark, bench.dm(third)) == []
    assert (await activity(bench, act.id)).joined == 1


async def test_someone_who_left_may_sign_up_again_at_the_back_of_the_queue(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, capacity=1)
    first, second = [await resident(bench, home.group, n) for n in ("甲", "乙")]
    await bench.press(first, home.group, join.join_button, act.id)
    await bench.press(second, home.group, join.join_button, act.id)
    await bench.press(first, home.group, leave.leave_button, act.id)

    await bench.press(first, home.group, join.join_button, act.id)

    assert await statuses(bench, act.id) == [("乙", "joined"), ("甲", "waitlisted")]


async def test_leaving_after_the_cutoff_is_refused_with_a_hint_to_ask_staff(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, starts_in=timedelta(hours=3))
    await bench.press(home.resident, home.group, join.join_button, act.id)
    bench.clock.advance(3600 + 60)  # 1 h 59 min before the start; the cutoff is 2 h
    before = await snapshot(bench, act.id)

    refused = await bench.press(home.resident, home.group, leave.leave_button, act.id)

    assert refused.outcome.alert and "工作人员" in (refused.outcome.toast or "")
    assert await snapshot(bench, act.id) == before


async def test_staff_remove_someone_after_the_cutoff_and_the_place_is_passed_on(
    bench: Bench, home: Estate
) -> None:
    act = await publish(bench, capacity=1, starts_in=timedelta(hours=3))
    waiting = await resident(bench, home.group, "乙")
    await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.press(waiting, home.group, join.join_button, act.id)
    bench.clock.advance(2 * 3600)
    mark = await bench.mark()

    await bench.say(
        bench.admin, home.staff_group, staff.activity_command, f"{act.number} remove", reply_to=home.resident
    )

    assert await statuses(bench, act.id) == [("张阿姨", "removed"), ("乙", "joined")]
    assert "activities/told_removed" in [
        r.template for r in await bench.rows_since(mark, bench.dm(home.resident))
    ]
    assert "activities/promoted" in [r.template for r in await bench.rows_since(mark, bench.dm(waiting))]


async def test_waitlisted_people_may_leave_until_the_end(bench: Bench, home: Estate) -> None:
    act = await publish(bench, capacity=1, starts_in=timedelta(hours=3))
    waiting = await resident(bench, home.group, "乙")
    await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.press(waiting, home.group, join.join_button, act.id)
    bench.clock.advance(2.5 * 3600)

    await bench.press(waiting, home.group, leave.leave_button, act.id)

    assert await statuses(bench, act.id) == [("张阿姨", "joined"), ("乙", "left")]


@pytest.mark.parametrize(
    ("after", "template_word"),
    [(timedelta(days=2, minutes=1), "已经开始"), (timedelta(days=3), "已经结束")],
)
async def test_joining_a_started_or_past_activity_is_refused(
    bench: Bench, home: Estate, after: timedelta, template_word: str
) -> None:
    act = await publish(bench)
    bench.clock.advance(after.total_seconds())
    before = await snapshot(bench, act.id)

    refused = await bench.press(home.resident, home.group, join.join_button, act.id)

    assert refused.outcome.alert and template_word in (refused.outcome.toast or "")
    assert await snapshot(bench, act.id) == before


async def test_joining_a_cancelled_activity_is_refused(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    async with bench.uow() as uow:
        assert await uow.activities.change_status(act.id, "cancelled")
        await uow.commit()

    refused = await bench.press(home.resident, home.group, join.join_button, act.id)

    assert refused.outcome.alert and "已取消" in (refused.outcome.toast or "")
    assert await statuses(bench, act.id) == []


async def test_a_forged_button_is_refused_and_changes_nothing(bench: Bench, home: Estate) -> None:
    act = await publish(bench)
    before = await snapshot(bench, act.id)
    outsider = bench.person("路人")
    elsewhere = bench.group("别的群")

    unknown = await bench.press(home.resident, home.group, join.join_button, act.id + 99)
    stranger = await bench.press(outsider, bench.dm(outsider), join.join_button, act.id)
    other_group = await bench.press(home.resident, elsewhere, join.join_button, act.id)

    for refused in (unknown, stranger, other_group):
        assert refused.outcome.alert and "过期" in (refused.outcome.toast or ""), refused.outcome
    assert await snapshot(bench, act.id) == before


async def test_volunteers_only_refuses_a_resident_and_takes_a_volunteer(bench: Bench, home: Estate) -> None:
    act = await publish(bench, audience="volunteers")

    refused = await bench.press(home.resident, home.group, join.join_button, act.id)
    await bench.press(home.volunteer, home.group, join.join_button, act.id)

    assert refused.outcome.alert and "志愿者" in (refused.outcome.toast or "")
    assert await statuses(bench, act.id) == [("老王", "joined")]


async def test_a_busy_sign_up_edits_each_group_card_once_a_window(bench: Bench, home: Estate) -> None:
    act = await publish(bench, capacity=None)
    people = [await resident(bench, home.group, f"邻居{i}") for i in range(10)]
    mark = await bench.mark()

    for person in people:
        await bench.press(person, home.group, join.join_button, act.id)
        bench.clock.advance(1)

    edits = [r for r in await bench.rows_since(mark, home.group) if r.kind == "edit_card"]
    window = bench.deps.env.settings.activity_card_edit_seconds
    assert 1 <= len(edits) <= 10 // window + 2  # ten changes in ten seconds: one edit per window
    assert {r.card_kind for r in edits} == {cards.CARD} and all(r.priority < 0 for r in edits)
    assert all(r.next_attempt_at > bench.clock.now - timedelta(seconds=window) for r in edits)


def test_capacity_zero_negative_or_absurd_is_refused() -> None:
    for typed in ("0", "-3", "10001", "很多"):
        with pytest.raises(Refused) as refused:
            read_capacity(typed)
        assert refused.value.template == "activities/capacity_invalid"
    assert read_capacity("20人") == 20 and read_capacity("不限") is None and read_capacity("一百") == 100
    with pytest.raises(Refused):
        read_points("-1")
