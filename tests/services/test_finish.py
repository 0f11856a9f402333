"""Done (办结), confirm (核查), points, reopen and rating (评价) at the service level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.requests import claim, finish, rating, reopen
from bot.services.requests.cards import RATING_ALERT
from tests.conftest import Clock
from tests.services.bench import Bench, Estate, callback_data, estate, file_request, kinds

REPAIR_POINTS = 10  # the repair category's points (bot/data/categories.yaml)
AUTO_CONFIRM = timedelta(hours=48)


async def done_by_volunteer(bench: Bench, home: Estate) -> None:
    """Request #1 filed, claimed by the volunteer and reported done by them."""
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1 换了阀门")


async def confirmed_by_requester(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    await bench.say(home.resident, bench.dm(home.resident), finish.confirm, "1")


# -- done --------------------------------------------------------------------------------------
async def test_volunteer_reports_done_and_the_requester_is_asked_to_confirm(
    bench: Bench, home: Estate
) -> None:
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    bench.clock.advance(1800)
    mark = await bench.mark()

    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1 换了阀门")

    request = await bench.request(1)
    assert request.status == "done" and request.done_note == "换了阀门"
    assert request.done_at == bench.clock.now
    assert request.auto_confirm_at == bench.clock.now + AUTO_CONFIRM
    assert await bench.events(1) == ["filed", "claimed", "done"]
    asked = await bench.rows_since(mark, bench.dm(home.resident))
    assert [(r.kind, r.card_ref) for r in asked] == [("card", request.id)]  # with solved / not solved
    assert (await bench.points(home.volunteer)).entries == []  # nothing earned before confirmation


async def test_requester_card_offers_confirm_and_reopen_once_done(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    request = await bench.request(1)

    card = await bench.card(1, bench.dm(home.resident))

    assert {f"v1:rc:{request.id}", f"v1:rr:{request.id}"} <= set(callback_data(card.buttons))


async def test_only_the_volunteer_or_staff_may_report_done(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    before = await bench.snapshot(1)

    await bench.say(home.resident, bench.dm(home.resident), finish.done, "1")

    assert await bench.snapshot(1) == before
    await bench.say(bench.admin, home.staff_group, finish.done, "1 电话确认已修好")
    assert (await bench.request(1)).status == "done"


# -- confirm and points ------------------------------------------------------------------------
async def test_confirm_awards_the_categorys_points_to_the_volunteer(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), finish.confirm, "1")

    request = await bench.request(1)
    assert request.status == "confirmed" and request.confirmed_at == bench.clock.now
    assert not request.auto_confirmed
    assert await bench.events(1) == ["filed", "claimed", "done", "confirmed"]
    points = await bench.points(home.volunteer)
    assert points.entries == [("earn", REPAIR_POINTS)]
    assert points.balance == points.total == REPAIR_POINTS
    assert "send" in kinds(await bench.rows_since(mark, bench.dm(home.volunteer)))  # told, with points
    publicity = [r for r in await bench.rows_since(mark, home.group) if r.kind == "card"]
    assert [(r.card_kind, r.card_ref) for r in publicity] == [("publicity", request.id)]  # 晒单


async def test_confirming_twice_awards_once(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), finish.confirm, "1")
    await bench.say(bench.admin, home.staff_group, finish.confirm, "1")

    points = await bench.points(home.volunteer)
    assert points.entries == [("earn", REPAIR_POINTS)]
    assert points.balance == points.total == REPAIR_POINTS
    assert kinds(await bench.rows_since(mark)) == ["send", "send"]  # one refusal each


async def test_redelivered_confirm_awards_once_and_queues_nothing(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    sent = await bench.say(home.resident, bench.dm(home.resident), finish.confirm, "1")
    before = await bench.snapshot(1)
    mark = await bench.mark()

    again = await bench.redeliver(sent)

    assert again.outcome.duplicate
    assert await bench.snapshot(1) == before
    assert await bench.rows_since(mark) == []
    points = await bench.points(home.volunteer)
    assert points.balance == points.total == REPAIR_POINTS and len(points.entries) == 1


async def test_staff_may_confirm_for_the_requester(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, finish.confirm, "1")

    assert (await bench.request(1)).status == "confirmed"
    assert (await bench.points(home.volunteer)).balance == REPAIR_POINTS
    assert "send" in kinds(await bench.rows_since(mark, bench.dm(home.resident)))  # told it was confirmed


async def test_a_neighbour_cannot_confirm_someone_elses_request(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    before = await bench.snapshot(1)

    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.confirm, "1")  # not their own

    assert await bench.snapshot(1) == before


# -- reopen ------------------------------------------------------------------------------------
async def test_reopen_after_confirm_reverses_the_points_with_a_new_entry(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1 还是漏水")

    request = await bench.request(1)
    assert (request.status, request.volunteer_id, request.round) == ("open", None, 1)
    assert request.confirmed_at is None and request.auto_confirm_at is None
    assert await bench.events(1) == ["filed", "claimed", "done", "confirmed", "reopened"]
    points = await bench.points(home.volunteer)
    assert points.entries == [("earn", REPAIR_POINTS), ("reverse", -REPAIR_POINTS)]
    assert points.balance == points.total == 0
    assert "send" in kinds(await bench.rows_since(mark, home.staff_group))
    assert "send" in kinds(await bench.rows_since(mark, bench.dm(home.volunteer)))


async def test_reopened_request_earns_again_in_its_next_round(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    await bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1 还是漏水")
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1")
    await bench.say(home.resident, bench.dm(home.resident), finish.confirm, "1")

    points = await bench.points(home.volunteer)
    assert [kind for kind, _ in points.entries] == ["earn", "reverse", "earn"]
    assert points.balance == points.total == REPAIR_POINTS


async def test_reopen_of_a_done_request_reverses_nothing(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)

    await bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1 没修好")

    assert (await bench.request(1)).status == "open"
    assert (await bench.points(home.volunteer)).entries == []


async def test_reopen_needs_a_reason_when_typed(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    before = await bench.snapshot(1)

    await bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1")

    assert await bench.snapshot(1) == before


async def test_requester_cannot_reopen_a_rated_request_but_staff_can(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 5")
    before = await bench.snapshot(1)

    await bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1 又坏了")
    assert await bench.snapshot(1) == before

    await bench.say(bench.admin, home.staff_group, reopen.reopen, "1 居民来电说又坏了")
    request = await bench.request(1)
    assert (request.status, request.rating, request.round) == ("open", None, 1)
    points = await bench.points(home.volunteer)
    assert points.balance == points.total == 0


# -- rating ------------------------------------------------------------------------------------
async def test_requester_rates_a_confirmed_request(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 5 师傅很专业")

    request = await bench.request(1)
    assert (request.status, request.rating, request.rating_comment) == ("rated", 5, "师傅很专业")
    assert await bench.events(1) == ["filed", "claimed", "done", "confirmed", "rated"]
    assert "send" in kinds(await bench.rows_since(mark, bench.dm(home.volunteer)))
    assert "send" not in kinds(await bench.rows_since(mark, home.staff_group))  # a good rating alerts nobody


async def test_rating_buttons_rate_one_to_five(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    request = await bench.request(1)

    card = await bench.card(1, bench.dm(home.resident))
    assert [f"v1:rs:{request.id}:{stars}" for stars in range(1, 6)] == [
        d for d in callback_data(card.buttons) if d.startswith("v1:rs:")
    ]
    await bench.press(home.resident, bench.dm(home.resident), rating.rate_button, request.id, 4)
    assert (await bench.request(1)).rating == 4


async def test_low_rating_alerts_the_staff_group(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    mark = await bench.mark()

    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 2 来得太晚")

    assert (await bench.request(1)).rating == 2
    alert = [r for r in await bench.rows_since(mark, home.staff_group) if r.card_kind == RATING_ALERT]
    assert kinds(alert) == ["card"]


async def test_rating_outside_one_to_five_is_refused(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    request = await bench.request(1)
    before = await bench.snapshot(1)

    for text in ("1 0", "1 6", "1 10", "1 好"):
        await bench.say(home.resident, bench.dm(home.resident), rating.rate, text)
    for stars in (0, 6, -1):
        await bench.press(home.resident, bench.dm(home.resident), rating.rate_button, request.id, stars)

    assert await bench.snapshot(1) == before


async def test_only_the_requester_may_rate(bench: Bench, home: Estate) -> None:
    await confirmed_by_requester(bench, home)
    before = await bench.snapshot(1)

    await bench.say(home.volunteer, bench.dm(home.volunteer), rating.rate, "1 5")
    await bench.say(bench.admin, home.staff_group, rating.rate, "1 5")

    assert await bench.snapshot(1) == before


async def test_a_rating_can_be_changed_shortly_after_and_is_final_after_that(
    bench: Bench, home: Estate
) -> None:
    await confirmed_by_requester(bench, home)
    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 1")
    bench.clock.advance(10 * 60)  # the window's last moment

    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 5")

    assert (await bench.request(1)).rating == 5
    before = await bench.snapshot(1)
    bench.clock.advance(1)

    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 4")

    assert await bench.snapshot(1) == before


async def test_a_done_request_cannot_be_rated_before_it_is_confirmed(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    before = await bench.snapshot(1)

    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 5")

    assert await bench.snapshot(1) == before


# -- automatic confirmation --------------------------------------------------------------------
async def auto_confirm_as_the_clock_moves(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    due = (await bench.request(1)).auto_confirm_at
    assert due is not None and due == bench.clock.now + AUTO_CONFIRM

    bench.clock.now = due - timedelta(minutes=1)
    assert await finish.confirm_due(bench.deps.uow, bench.deps.env) == 0
    assert (await bench.request(1)).status == "done"

    bench.clock.now = due
    assert await finish.confirm_due(bench.deps.uow, bench.deps.env) == 1
    bench.clock.advance(3600)
    assert await finish.confirm_due(bench.deps.uow, bench.deps.env) == 0

    request = await bench.request(1)
    assert request.status == "confirmed" and request.auto_confirmed and request.confirmed_at == due
    assert await bench.events(1) == ["filed", "claimed", "done", "auto_confirmed"]
    points = await bench.points(home.volunteer)
    assert points.entries == [("earn", REPAIR_POINTS)] and points.balance == points.total


async def test_done_request_is_confirmed_automatically_once_when_due(bench: Bench, home: Estate) -> None:
    await auto_confirm_as_the_clock_moves(bench, home)


async def test_automatic_confirmation_follows_the_clock_not_the_system_date(
    bench: Bench, clock: Clock
) -> None:
    clock.now = datetime(2031, 3, 15, 3, 30, tzinfo=UTC)
    home = await estate(bench)

    await auto_confirm_as_the_clock_moves(bench, home)

    assert (await bench.request(1)).created_at == datetime(2031, 3, 15, 3, 30, tzinfo=UTC)


async def test_a_request_confirmed_by_hand_is_not_confirmed_again_when_due(
    bench: Bench, home: Estate
) -> None:
    await confirmed_by_requester(bench, home)
    bench.clock.advance(AUTO_CONFIRM.total_seconds() + 60)

    assert await finish.confirm_due(bench.deps.uow, bench.deps.env) == 0
    assert (await bench.points(home.volunteer)).entries == [("earn", REPAIR_POINTS)]


async def test_a_reopened_request_is_not_confirmed_automatically(bench: Bench, home: Estate) -> None:
    await done_by_volunteer(bench, home)
    await bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1 没修好")
    bench.clock.advance(AUTO_CONFIRM.total_seconds() + 60)

    assert await finish.confirm_due(bench.deps.uow, bench.deps.env) == 0
    assert (await bench.request(1)).status == "open"
