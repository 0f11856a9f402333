"""5341 escalations at the service level: each level once per request and round, from the stored
deadlines and the injected clock, after a restart too."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import update

from bot.services.community import people
from bot.services.requests import claim, escalation, finish, reopen
from bot.services.requests.cards import CARD
from bot.services.shared.runner import Deps
from storage.engine import make_engine, make_sessions
from storage.models import OutboxMessage, Request, User
from tests.conftest import TEST_DATE
from tests.services.bench import Bench, Estate, callback_data, file_request

SUPER_AFTER = timedelta(hours=24)  # the default of escalate_super_after


async def sweep(bench: Bench) -> int:
    return await escalation.escalate_due(bench.deps.uow, bench.deps.env)


def at(bench: Bench, moment: datetime) -> None:
    """Move the clock to `moment` (a stored deadline)."""
    bench.clock.now = moment


def templates(rows: list[OutboxMessage]) -> list[str | None]:
    return [r.template for r in rows if r.kind == "send"]


async def admin_started(bench: Bench) -> None:
    await bench.say(bench.admin, bench.dm(bench.admin), people.start)


# -- level 1: nobody took it -------------------------------------------------------------------
async def test_an_unclaimed_request_goes_to_the_staff_group_with_its_card_once_its_response_time_passes(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    at(bench, request.respond_by - timedelta(seconds=1))
    assert await sweep(bench) == 0
    at(bench, request.respond_by)
    mark = await bench.mark()

    assert await sweep(bench) == 1

    staff = await bench.rows_since(mark, home.staff_group)
    assert templates(staff) == ["requests/escalated_unclaimed"]
    [new_card] = [r for r in staff if r.kind == "card"]
    assert (new_card.card_kind, new_card.card_ref) == (CARD, request.id)
    drawn = await bench.card(1, home.staff_group)
    assert f"v1:rt:{request.id}" in callback_data(drawn.buttons)  # dispatch from the new copy
    assert any(d.startswith(f"v1:ra:{request.id}:") for d in callback_data(drawn.buttons))
    assert "已过响应时限" in (staff[0].text or "")
    assert "escalated_unclaimed" in await bench.events(1)
    mark = await bench.mark()
    assert await sweep(bench) == 0  # the next sweep: nothing again
    assert await bench.rows_since(mark) == []


async def test_cards_everywhere_are_edited_to_show_late_as_soon_as_the_response_time_passes(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    assert "已超时" not in (await bench.card(1, home.group)).text
    at(bench, request.respond_by)
    mark = await bench.mark()

    await sweep(bench)

    edits = {r.chat_id for r in await bench.rows_since(mark) if r.kind == "edit_card"}
    assert {home.group.chat_id, home.staff_group.chat_id} <= edits
    assert "已超时" in (await bench.card(1, home.group)).text
    assert "已超时" in (await bench.card(1, home.staff_group)).text


async def test_a_request_taken_in_time_is_not_escalated_for_its_response(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    at(bench, request.respond_by + timedelta(seconds=1))
    assert request.resolve_by > bench.clock.now

    assert await sweep(bench) == 0
    assert "已超时" not in (await bench.card(1, home.group)).text


async def test_a_request_given_back_after_a_timely_claim_is_not_reported_unclaimed(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    at(bench, request.respond_by + timedelta(seconds=1))
    await bench.say(home.volunteer, bench.dm(home.volunteer), claim.release, "1")

    assert await sweep(bench) == 0


# -- level 2: not done in time -------------------------------------------------------------------
async def test_a_request_not_done_by_its_resolution_time_alerts_the_volunteer_and_the_staff_group_once(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    at(bench, request.resolve_by - timedelta(seconds=1))
    assert await sweep(bench) == 0
    at(bench, request.resolve_by)
    mark = await bench.mark()

    assert await sweep(bench) == 1

    assert templates(await bench.rows_since(mark, home.staff_group)) == ["requests/escalated_late"]
    [told] = [r for r in await bench.rows_since(mark, bench.dm(home.volunteer)) if r.kind == "send"]
    assert told.template == "requests/escalated_late_volunteer" and "/done 1" in (told.text or "")
    assert "老王" in ((await bench.rows_since(mark, home.staff_group))[0].text or "")  # who has it
    assert "已超时" in (await bench.card(1, home.group)).text
    mark = await bench.mark()
    assert await sweep(bench) == 0
    assert await bench.rows_since(mark) == []


async def test_a_volunteer_the_bot_cannot_write_to_is_not_called_late_in_the_residents_group(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    async with bench.uow() as uow:
        await uow.session.execute(
            update(User).where(User.telegram_id == home.volunteer.telegram_id).values(blocked=True)
        )
        await uow.commit()
    at(bench, request.resolve_by)
    mark = await bench.mark()

    assert await sweep(bench) == 1

    assert templates(await bench.rows_since(mark, home.group)) == []
    assert templates(await bench.rows_since(mark, home.staff_group)) == ["requests/escalated_late"]


async def test_a_request_done_in_time_is_never_escalated(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1")
    at(bench, request.resolve_by + SUPER_AFTER + timedelta(hours=1))

    assert await sweep(bench) == 0
    assert not any(e.startswith("escalated") for e in await bench.events(1))


# -- level 3: the super-admins -------------------------------------------------------------------
async def test_still_not_done_a_day_after_its_deadline_the_super_admins_are_told_once(
    bench: Bench, home: Estate
) -> None:
    await admin_started(bench)
    request = await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    at(bench, request.resolve_by)
    await sweep(bench)
    at(bench, request.resolve_by + SUPER_AFTER - timedelta(seconds=1))
    mark = await bench.mark()
    assert await sweep(bench) == 0
    at(bench, request.resolve_by + SUPER_AFTER)

    assert await sweep(bench) == 1

    [alert] = await bench.rows_since(mark, bench.dm(bench.admin))
    assert alert.template == "requests/escalated_super"
    assert (
        "幸福里社区" in (alert.text or "") and "#1" in (alert.text or "") and "24 小时" in (alert.text or "")
    )
    assert templates(await bench.rows_since(mark, home.staff_group)) == []  # staff already know
    mark = await bench.mark()
    bench.clock.advance(3600)
    assert await sweep(bench) == 0
    assert await bench.rows_since(mark) == []
    events = [e for e in await bench.events(1) if e.startswith("escalated")]
    assert events == ["escalated_late", "escalated_super"]


async def test_after_a_long_stop_every_level_due_is_sent_once_in_order(bench: Bench, home: Estate) -> None:
    await admin_started(bench)
    request = await file_request(bench, home)
    at(bench, request.resolve_by + SUPER_AFTER + timedelta(hours=5))
    mark = await bench.mark()

    assert await sweep(bench) == 1

    assert templates(await bench.rows_since(mark, home.staff_group)) == [
        "requests/escalated_unclaimed",
        "requests/escalated_late",
    ]
    assert templates(await bench.rows_since(mark, bench.dm(bench.admin))) == ["requests/escalated_super"]
    assert [e for e in await bench.events(1) if e.startswith("escalated")] == [
        "escalated_unclaimed",
        "escalated_late",
        "escalated_super",
    ]
    assert await sweep(bench) == 0


async def test_the_super_admin_delay_is_a_setting(bench: Bench, home: Estate) -> None:
    await admin_started(bench)
    settings = bench.deps.env.settings.model_copy(update={"escalate_super_after": timedelta(hours=2)})
    bench.deps.env = replace(bench.deps.env, settings=settings)
    request = await file_request(bench, home)
    at(bench, request.resolve_by + timedelta(hours=2))
    mark = await bench.mark()

    await sweep(bench)

    assert templates(await bench.rows_since(mark, bench.dm(bench.admin))) == ["requests/escalated_super"]


# -- rounds and restarts ---------------------------------------------------------------------------
async def test_a_reopened_request_starts_a_new_round_with_its_own_escalations(
    bench: Bench, home: Estate
) -> None:
    request = await file_request(bench, home)
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    at(bench, request.resolve_by)
    await sweep(bench)
    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1")
    assert await sweep(bench) == 0
    await bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1 还是漏")
    assert (await bench.request(1)).round == 1
    mark = await bench.mark()

    assert await sweep(bench) == 1  # still past its deadline, in a new round

    assert templates(await bench.rows_since(mark, home.staff_group)) == ["requests/escalated_late"]
    assert await sweep(bench) == 0
    late = [e for e in await bench.events(1) if e == "escalated_late"]
    assert len(late) == 2


async def test_a_restarted_bot_does_not_send_an_escalation_again(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home)
    at(bench, request.respond_by)
    assert await sweep(bench) == 1
    mark = await bench.mark()
    url = bench.deps.env.settings.database_url
    engine = make_engine(url)  # a new process: new engine, new sessions, the same database
    try:
        restarted = Deps(sessions=make_sessions(engine), env=bench.deps.env)

        assert await escalation.escalate_due(restarted.uow, restarted.env) == 0
    finally:
        await engine.dispose()
    assert await bench.rows_since(mark) == []


def test_levels_due_are_those_not_yet_sent_in_the_round() -> None:
    t = TEST_DATE
    request = Request(
        status="open",
        round=1,
        respond_by=t,
        resolve_by=t + timedelta(minutes=30),
        responded_at=None,
        escalated_round=0,
        escalation_level=3,  # all sent, but in the round before
    )
    assert escalation.levels_due(request, t, SUPER_AFTER) == [1]
    request.escalated_round = 1
    request.escalation_level = 1
    assert escalation.levels_due(request, t + timedelta(minutes=30), SUPER_AFTER) == [2]
