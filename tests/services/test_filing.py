"""Filing a request (点单) at the service level: numbering, triage, cards, idempotency."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.services.requests import intake
from tests.services.bench import Bench, Estate, bind, callback_data, kinds, resident

LEAK = "#求助 3号楼2单元501 厨房水管漏水了"


async def test_hashtag_message_files_request_one_with_triaged_category_and_building(
    bench: Bench, home: Estate
) -> None:
    await bench.say(home.resident, home.group, intake.group_message, LEAK)

    request = await bench.request(1)
    resident = await bench.user(home.resident)
    assert (request.status, request.category, request.building, request.unit, request.room) == (
        "open",
        "repair",
        "3号楼",
        "2单元",
        "501",
    )
    assert request.requester_id == resident.id and request.volunteer_id is None
    assert request.points == 10 and request.created_at == bench.clock.now
    assert request.respond_by > request.created_at and request.resolve_by > request.respond_by
    assert await bench.events(1) == ["filed"]


async def test_filed_request_queues_its_card_for_the_group_and_the_staff_group(
    bench: Bench, home: Estate
) -> None:
    mark = await bench.mark()
    sent = await bench.say(home.resident, home.group, intake.group_message, LEAK)

    request = await bench.request(1)
    group_rows = await bench.rows_since(mark, home.group)
    staff_rows = await bench.rows_since(mark, home.staff_group)
    for rows in (group_rows, staff_rows):
        assert [(r.kind, r.card_kind, r.card_ref) for r in rows] == [("card", "request", request.id)]
    assert group_rows[0].reply_to_message_id == sent.inc.message_id  # under the resident's message
    # Filed in the group: nobody's private chat gets anything yet (no nudges were asked for).
    assert {r.chat_id for r in await bench.rows_since(mark)} == {home.group.chat_id, home.staff_group.chat_id}


async def test_request_filed_in_private_also_queues_the_requesters_own_card(
    bench: Bench, home: Estate
) -> None:
    mark = await bench.mark()
    await bench.say(home.resident, bench.dm(home.resident), intake.request_command, "3号楼楼道灯坏了好几天")

    request = await bench.request(1)
    assert (request.category, request.building, request.source_chat_id) == ("repair", "3号楼", None)
    for chat in (home.group, home.staff_group, bench.dm(home.resident)):
        rows = await bench.rows_since(mark, chat)
        assert [(r.kind, r.card_ref) for r in rows] == [("card", request.id)], chat


async def test_group_card_offers_claim_and_staff_card_offers_assigning_the_volunteer(
    bench: Bench, home: Estate
) -> None:
    await bench.say(home.resident, home.group, intake.group_message, LEAK)
    request = await bench.request(1)
    volunteer = await bench.user(home.volunteer)

    public = await bench.card(1, home.group)
    staff = await bench.card(1, home.staff_group)

    assert callback_data(public.buttons) == [f"v1:rt:{request.id}"]
    assert f"v1:rt:{request.id}" in callback_data(staff.buttons)
    assert f"v1:ra:{request.id}:{volunteer.id}" in callback_data(staff.buttons)
    assert all(len(data.encode()) <= 64 for data in callback_data(staff.buttons))


async def test_hashtag_in_an_unbound_group_is_refused_and_files_nothing(bench: Bench, home: Estate) -> None:
    elsewhere = bench.group("没绑定的群")
    stranger = bench.person("路人")
    mark = await bench.mark()

    sent = await bench.say(stranger, elsewhere, intake.group_message, LEAK)

    assert sent.outcome.alert and sent.outcome.toast
    assert await bench.request_count() == 0
    assert kinds(await bench.rows_since(mark)) == ["send"]  # one polite reply, in that group
    assert [r.chat_id for r in await bench.rows_since(mark)] == [elsewhere.chat_id]


async def test_redelivered_filing_update_changes_nothing_and_queues_nothing(
    bench: Bench, home: Estate
) -> None:
    sent = await bench.say(home.resident, home.group, intake.group_message, LEAK)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    again = await bench.redeliver(sent)

    assert again.outcome.duplicate
    assert await bench.request_count() == 1
    assert await bench.snapshot(1) == before
    assert await bench.rows_since(mark) == []


async def test_each_filing_gets_the_next_number_of_its_community(bench: Bench, home: Estate) -> None:
    neighbour = await resident(bench, home.group, "李叔")
    await bench.say(home.resident, home.group, intake.group_message, LEAK)
    await bench.say(neighbour, home.group, intake.group_message, "#报修 5号楼电梯坏了")

    other_group = bench.group("和平里群")
    await bind(bench, other_group, name="和平里社区")
    await bench.say(neighbour, other_group, intake.group_message, "#求助 楼下垃圾没人清")

    assert [(await bench.request(n)).requester_id for n in (1, 2)] == [
        (await bench.user(home.resident)).id,
        (await bench.user(neighbour)).id,
    ]
    assert (await bench.request(1, "和平里社区")).category == "sanitation"
    assert await bench.request_count() == 3


async def test_with_working_day_service_a_request_filed_on_the_eve_of_national_day_waits_out_the_holiday(
    bench: Bench, home: Estate
) -> None:
    workdays = bench.deps.env.settings.model_copy(update={"service_days": "workdays"})
    bench.deps.env = replace(bench.deps.env, settings=workdays)
    bench.clock.now = datetime(2026, 9, 30, 11, 58, tzinfo=UTC)  # 19:58 in Shanghai, 2 minutes before closing
    await bench.say(home.resident, home.group, intake.group_message, LEAK)

    request = await bench.request(1)
    # 5 minutes to respond: 2 on 30 September, 3 from 08:00 on 8 October (1-7 October are off)
    assert request.respond_by == datetime(2026, 10, 8, 0, 3, tzinfo=UTC)


async def test_by_default_service_hours_run_every_day_holidays_included(bench: Bench, home: Estate) -> None:
    bench.clock.now = datetime(2026, 9, 30, 11, 58, tzinfo=UTC)
    await bench.say(home.resident, home.group, intake.group_message, LEAK)

    request = await bench.request(1)
    assert request.respond_by == datetime(2026, 10, 1, 0, 3, tzinfo=UTC)
