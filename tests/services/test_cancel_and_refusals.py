"""Cancelling a request, and refusals: a step in the wrong state, by the wrong person, or for an
unknown number changes nothing and queues exactly one polite reply (a button press: none, it is
answered on the button)."""

from __future__ import annotations

import pytest

from bot.services.community import flows
from bot.services.requests import cancel, claim, finish, rating, reopen
from bot.services.shared.runner import Service
from tests.services.bench import Bench, Estate, file_request, kinds, resident


# -- cancel ------------------------------------------------------------------------------------
async def test_requester_cancels_an_open_request(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), flows.cancel_or_leave, "1 已经自己修好了")

    assert (await bench.request(1)).status == "cancelled"
    assert await bench.events(1) == ["filed", "cancelled"]
    for chat in (home.group, home.staff_group):  # every copy of the card shows it
        assert [(r.kind, r.card_ref) for r in await bench.rows_since(mark, chat)] == [
            ("edit_card", request.id)
        ]


async def test_cancelling_a_claimed_request_tells_its_volunteer(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), cancel.cancel, "1")

    assert (await bench.request(1)).status == "cancelled"
    assert "send" in kinds(await bench.rows_since(mark, bench.dm(home.volunteer)))


async def test_staff_cancel_and_the_requester_is_told(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, cancel.cancel, "1 重复的单")

    assert (await bench.request(1)).status == "cancelled"
    assert kinds(await bench.rows_since(mark, bench.dm(home.resident))) == ["send"]


async def test_a_neighbour_or_the_volunteer_cannot_cancel(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    neighbour = await resident(bench, home.group, "李叔")
    before = await bench.snapshot(1)

    await bench.say(neighbour, home.group, cancel.cancel, "1")
    await bench.say(home.volunteer, bench.dm(home.volunteer), cancel.cancel, "1")

    assert await bench.snapshot(1) == before


async def test_bare_cancel_cancels_no_request(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    before = await bench.snapshot(1)

    await bench.say(home.resident, bench.dm(home.resident), flows.cancel_or_leave, "")

    assert await bench.snapshot(1) == before


# -- wrong state, wrong person, wrong number ---------------------------------------------------
async def done_request(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1")


WRONG_STATE_ON_OPEN = [
    pytest.param(finish.done, "admin", "1", id="done-on-open"),
    pytest.param(finish.confirm, "resident", "1", id="confirm-on-open"),
    pytest.param(rating.rate, "resident", "1 5", id="rate-on-open"),
    pytest.param(reopen.reopen, "resident", "1 没修好", id="reopen-on-open"),
]


@pytest.mark.parametrize(("service", "who", "text"), WRONG_STATE_ON_OPEN)
async def test_step_on_an_open_request_is_refused_with_one_reply(
    bench: Bench, home: Estate, service: Service, who: str, text: str
) -> None:
    await file_request(bench, home)
    person = bench.admin if who == "admin" else home.resident
    where = home.staff_group if who == "admin" else bench.dm(home.resident)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    sent = await bench.say(person, where, service, text)

    assert sent.outcome.alert
    assert await bench.snapshot(1) == before
    rows = await bench.rows_since(mark)
    assert kinds(rows) == ["send"] and rows[0].chat_id == where.chat_id


@pytest.mark.parametrize(
    ("service", "who", "text"),
    [
        pytest.param(claim.claim, "other", "1", id="claim-done"),
        pytest.param(cancel.cancel, "resident", "1", id="cancel-done"),
        pytest.param(finish.done, "volunteer", "1", id="done-twice"),
        pytest.param(claim.release, "volunteer", "1", id="release-done"),
    ],
)
async def test_step_on_a_done_request_is_refused_with_one_reply(
    bench: Bench, home: Estate, service: Service, who: str, text: str
) -> None:
    await done_request(bench, home)
    person = {"resident": home.resident, "volunteer": home.volunteer}.get(who)
    if person is None:
        person = await resident(bench, home.group, "李叔")
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(person, bench.dm(person), service, text)

    assert await bench.snapshot(1) == before
    assert kinds(await bench.rows_since(mark)) == ["send"]


async def test_a_cancelled_request_takes_no_more_steps(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    await bench.say(home.resident, bench.dm(home.resident), cancel.cancel, "1")
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(home.volunteer, home.group, claim.claim, "1")
    await bench.say(bench.admin, home.staff_group, claim.assign, "1 老王")
    await bench.say(home.resident, bench.dm(home.resident), cancel.cancel, "1")
    await bench.press(home.volunteer, home.group, claim.claim_button, request.id)

    assert await bench.snapshot(1) == before
    assert kinds(await bench.rows_since(mark)) == ["send", "send", "send"]  # the press: answered on it


async def test_a_refused_press_queues_nothing_and_is_answered_with_an_alert(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    pressed = await bench.press(home.resident, bench.dm(home.resident), finish.confirm_button, request.id)

    assert pressed.outcome.alert and pressed.outcome.toast
    assert await bench.snapshot(1) == before
    assert await bench.rows_since(mark) == []


async def test_redelivered_refusal_replies_once(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    mark = await bench.mark()

    sent = await bench.say(bench.admin, home.staff_group, finish.done, "1")
    again = await bench.redeliver(sent)

    assert again.outcome.duplicate
    assert kinds(await bench.rows_since(mark)) == ["send"]


async def test_unknown_request_number_is_refused_with_one_reply(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(home.volunteer, home.group, claim.claim, "99")
    await bench.say(home.volunteer, home.group, claim.claim, "")
    await bench.say(home.volunteer, home.group, claim.claim, "一号楼")

    assert await bench.snapshot(1) == before
    assert kinds(await bench.rows_since(mark)) == ["send", "send", "send"]


async def test_an_unknown_request_id_on_a_button_is_refused(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    before = await bench.snapshot(1)

    pressed = await bench.press(home.volunteer, home.group, claim.claim_button, 999_999)

    assert pressed.outcome.alert
    assert await bench.snapshot(1) == before


async def test_over_long_reason_is_refused_and_changes_nothing(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), cancel.cancel, "1 " + "太" * 400)

    assert await bench.snapshot(1) == before
    assert kinds(await bench.rows_since(mark)) == ["send"]
