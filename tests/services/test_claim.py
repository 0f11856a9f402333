"""Claim (接单) and dispatch (派单) at the service level: claim, assign, decline, release, and who may."""

from __future__ import annotations

from bot.incoming import Person
from bot.services.community import roles
from bot.services.requests import claim
from tests.services.bench import Bench, Estate, file_request, kinds, resident, volunteer


async def second_volunteer(bench: Bench, home: Estate) -> Person:
    return await volunteer(bench, home.group, "小李", "小李 | 5号楼 | 维修 | 否")


# -- claim -------------------------------------------------------------------------------------
async def test_volunteer_claims_an_open_request(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    bench.clock.advance(90)
    mark = await bench.mark()

    await bench.say(home.volunteer, home.group, claim.claim, "1")

    request = await bench.request(1)
    helper = await bench.user(home.volunteer)
    assert request.status == "claimed" and request.volunteer_id == helper.id
    assert request.responded_at == bench.clock.now
    assert await bench.events(1) == ["filed", "claimed"]
    private = await bench.rows_since(mark, bench.dm(home.volunteer))
    assert ("card", request.id) in [(r.kind, r.card_ref) for r in private]  # the details, in private
    assert kinds(await bench.rows_since(mark, bench.dm(home.resident))) == ["send"]  # the requester is told
    # The group's and the staff group's cards are edited to show it is taken.
    for chat in (home.group, home.staff_group):
        assert ("edit_card", request.id) in [(r.kind, r.card_ref) for r in await bench.rows_since(mark, chat)]


async def test_claim_button_claims_like_the_command(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)

    pressed = await bench.press(home.volunteer, home.group, claim.claim_button, request.id)

    assert not pressed.outcome.alert and pressed.outcome.toast
    assert (await bench.request(1)).status == "claimed"


async def test_second_claim_is_refused_and_changes_nothing(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    other = await second_volunteer(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(other, home.group, claim.claim, "1")

    assert await bench.snapshot(1) == before
    rows = await bench.rows_since(mark)
    assert kinds(rows) == ["send"] and rows[0].chat_id == home.group.chat_id


async def test_second_claim_by_button_is_refused_with_an_alert_and_queues_nothing(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    other = await second_volunteer(bench, home)
    await bench.press(home.volunteer, home.group, claim.claim_button, request.id)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    pressed = await bench.press(other, home.group, claim.claim_button, request.id)

    assert pressed.outcome.alert and pressed.outcome.toast  # answered on the button itself
    assert await bench.snapshot(1) == before
    assert await bench.rows_since(mark) == []


async def test_requester_cannot_claim_their_own_request(bench: Bench, home: Estate) -> None:
    await file_request(bench, home, by=home.volunteer)  # a volunteer asks for help too
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(home.volunteer, home.group, claim.claim, "1")

    assert await bench.snapshot(1) == before
    assert kinds(await bench.rows_since(mark)) == ["send"]


async def test_non_volunteer_cannot_claim(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    neighbour = await resident(bench, home.group, "李叔")
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(neighbour, home.group, claim.claim, "1")

    assert await bench.snapshot(1) == before
    assert kinds(await bench.rows_since(mark)) == ["send"]


async def test_claiming_again_what_one_holds_changes_nothing_and_sends_the_details_only_once(
    bench: Bench, home: Estate
) -> None:
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(home.volunteer, bench.dm(home.volunteer), claim.claim, "1")

    assert await bench.snapshot(1) == before
    private = await bench.rows_since(mark, bench.dm(home.volunteer))
    assert [(r.kind, r.template) for r in private] == [("send", "requests/already_yours")]


# -- assign ------------------------------------------------------------------------------------
async def test_staff_assign_an_open_request_to_a_volunteer_by_name(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, claim.assign, "1 老王")

    request = await bench.request(1)
    helper = await bench.user(home.volunteer)
    assert request.status == "assigned" and request.volunteer_id == helper.id
    assert request.responded_at == bench.clock.now
    assert await bench.events(1) == ["filed", "assigned"]
    private = await bench.rows_since(mark, bench.dm(home.volunteer))
    assert {"card", "send"} <= set(kinds(private))  # the details and a note that it is theirs
    assert "send" in kinds(await bench.rows_since(mark, home.staff_group))  # the answer to staff


async def test_assign_button_on_the_staff_card_assigns(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    helper = await bench.user(home.volunteer)

    await bench.press(bench.admin, home.staff_group, claim.assign_button, request.id, helper.id)

    request = await bench.request(1)
    assert (request.status, request.volunteer_id) == ("assigned", helper.id)


async def test_staff_reassign_a_claimed_request_and_the_first_volunteer_is_told(
    bench: Bench, home: Estate
) -> None:
    await file_request(bench, home)
    other = await second_volunteer(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    first_response = (await bench.request(1)).responded_at
    bench.clock.advance(600)
    mark = await bench.mark()

    await bench.say(bench.admin, home.staff_group, claim.assign, "1 小李")

    request = await bench.request(1)
    assert (request.status, request.volunteer_id) == ("assigned", (await bench.user(other)).id)
    assert request.responded_at == first_response  # the first response still counts
    assert "send" in kinds(await bench.rows_since(mark, bench.dm(home.volunteer)))
    assert await bench.events(1) == ["filed", "claimed", "assigned"]


async def test_a_granted_staff_member_may_assign(bench: Bench, home: Estate) -> None:
    worker = await resident(bench, home.group, "社工小陈")
    await bench.say(bench.admin, home.staff_group, roles.grant, "staff", reply_to=worker)
    await file_request(bench, home)

    await bench.say(worker, home.staff_group, claim.assign, "1 老王")

    assert (await bench.request(1)).status == "assigned"


async def test_a_grid_worker_may_assign_in_their_buildings_only(bench: Bench, home: Estate) -> None:
    grid = await resident(bench, home.group, "网格员老刘")
    await bench.say(bench.admin, home.staff_group, roles.grant, "网格员 3号楼", reply_to=grid)
    await file_request(bench, home)  # 3号楼
    await file_request(bench, home, "#求助 7号楼电梯坏了")

    await bench.say(grid, bench.dm(grid), claim.assign, "1 老王")
    before = await bench.snapshot(2)
    await bench.say(grid, bench.dm(grid), claim.assign, "2 老王")

    assert (await bench.request(1)).status == "assigned"
    assert await bench.snapshot(2) == before


async def test_residents_and_volunteers_cannot_assign(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    other = await second_volunteer(bench, home)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    await bench.say(home.resident, home.group, claim.assign, "1 老王")
    await bench.say(other, home.group, claim.assign, "1 老王")

    assert await bench.snapshot(1) == before
    assert kinds(await bench.rows_since(mark)) == ["send", "send"]  # one answer each


async def test_assigning_to_someone_who_is_not_a_volunteer_is_refused(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    before = await bench.snapshot(1)

    await bench.say(bench.admin, home.staff_group, claim.assign, "1", reply_to=home.resident)

    assert await bench.snapshot(1) == before


# -- decline and release -----------------------------------------------------------------------
async def test_volunteer_declines_an_assignment_and_it_is_open_again(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    await bench.say(bench.admin, home.staff_group, claim.assign, "1 老王")
    mark = await bench.mark()

    await bench.say(home.volunteer, bench.dm(home.volunteer), claim.decline, "1 今天不在家")

    request = await bench.request(1)
    assert (request.status, request.volunteer_id) == ("open", None)
    assert await bench.events(1) == ["filed", "assigned", "declined"]
    assert "send" in kinds(await bench.rows_since(mark, home.staff_group))  # staff are told
    assert "send" in kinds(await bench.rows_since(mark, bench.dm(home.resident)))


async def test_a_claim_cannot_be_declined_only_released(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    before = await bench.snapshot(1)

    await bench.say(home.volunteer, bench.dm(home.volunteer), claim.decline, "1")

    assert await bench.snapshot(1) == before


async def test_volunteer_releases_a_claim_and_another_may_claim_it(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    other = await second_volunteer(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")

    await bench.say(home.volunteer, bench.dm(home.volunteer), claim.release, "1")
    released = await bench.request(1)
    await bench.say(other, home.group, claim.claim, "1")

    assert (released.status, released.volunteer_id) == ("open", None)
    request = await bench.request(1)
    assert (request.status, request.volunteer_id) == ("claimed", (await bench.user(other)).id)
    assert await bench.events(1) == ["filed", "claimed", "released", "claimed"]


async def test_volunteer_may_release_an_assignment_too(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    await bench.say(bench.admin, home.staff_group, claim.assign, "1 老王")

    await bench.press(home.volunteer, bench.dm(home.volunteer), claim.release_button, request.id)

    assert (await bench.request(1)).status == "open"


async def test_only_the_volunteer_who_holds_it_may_release_or_decline(bench: Bench, home: Estate) -> None:
    await file_request(bench, home)
    other = await second_volunteer(bench, home)
    await bench.say(bench.admin, home.staff_group, claim.assign, "1 老王")
    before = await bench.snapshot(1)

    for person in (other, home.resident, bench.admin):
        await bench.say(person, bench.dm(person), claim.release, "1")
        await bench.say(person, bench.dm(person), claim.decline, "1")

    assert await bench.snapshot(1) == before
