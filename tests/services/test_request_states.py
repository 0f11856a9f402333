"""The state table (`storage/request_states.TRANSITIONS`): every step is reached through the
services, and random sequences of steps on one request never leave the table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.requests import cancel, claim, finish, rating, reopen
from storage.request_states import TRANSITIONS, RequestStatus, Step
from tests.services.bench import Bench, Estate, file_request, snapshot_of

Take = Callable[[], Awaitable[object]]
Scenario = Callable[[Bench, Estate], Awaitable[Take]]


# Each scenario brings request #1 to a source state of its step and returns the service call
# that takes the step, as a person would.
async def to_claim(bench: Bench, home: Estate) -> Take:
    await file_request(bench, home)
    return lambda: bench.say(home.volunteer, home.group, claim.claim, "1")


async def to_assign(bench: Bench, home: Estate) -> Take:
    await file_request(bench, home)
    return lambda: bench.say(bench.admin, home.staff_group, claim.assign, "1 老王")


async def to_decline(bench: Bench, home: Estate) -> Take:
    await (await to_assign(bench, home))()
    return lambda: bench.say(home.volunteer, bench.dm(home.volunteer), claim.decline, "1")


async def to_release(bench: Bench, home: Estate) -> Take:
    await (await to_claim(bench, home))()
    return lambda: bench.say(home.volunteer, bench.dm(home.volunteer), claim.release, "1")


async def to_done(bench: Bench, home: Estate) -> Take:
    await (await to_claim(bench, home))()
    return lambda: bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1")


async def to_confirm(bench: Bench, home: Estate) -> Take:
    await (await to_done(bench, home))()
    return lambda: bench.say(home.resident, bench.dm(home.resident), finish.confirm, "1")


async def to_reopen(bench: Bench, home: Estate) -> Take:
    await (await to_confirm(bench, home))()
    return lambda: bench.say(home.resident, bench.dm(home.resident), reopen.reopen, "1 还是漏水")


async def to_rate(bench: Bench, home: Estate) -> Take:
    await (await to_confirm(bench, home))()
    return lambda: bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 5")


async def to_rerate(bench: Bench, home: Estate) -> Take:
    await (await to_rate(bench, home))()
    return lambda: bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 4")


async def to_reopen_by_staff(bench: Bench, home: Estate) -> Take:
    await (await to_rate(bench, home))()
    return lambda: bench.say(bench.admin, home.staff_group, reopen.reopen, "1 居民来电说又坏了")


async def to_cancel(bench: Bench, home: Estate) -> Take:
    await (await to_claim(bench, home))()
    return lambda: bench.say(home.resident, bench.dm(home.resident), cancel.cancel, "1")


SCENARIOS: dict[Step, Scenario] = {
    Step.CLAIM: to_claim,
    Step.ASSIGN: to_assign,
    Step.DECLINE: to_decline,
    Step.RELEASE: to_release,
    Step.DONE: to_done,
    Step.CONFIRM: to_confirm,
    Step.REOPEN: to_reopen,
    Step.REOPEN_BY_STAFF: to_reopen_by_staff,
    Step.CANCEL: to_cancel,
    Step.RATE: to_rate,
    Step.RERATE: to_rerate,
}


def test_every_step_of_the_table_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(TRANSITIONS)


@pytest.mark.parametrize("step", list(TRANSITIONS), ids=str)
async def test_each_step_moves_a_request_from_a_source_to_the_target(
    bench: Bench, home: Estate, step: Step
) -> None:
    take = await SCENARIOS[step](bench, home)
    before = (await bench.request(1)).status
    assert before in TRANSITIONS[step].sources

    await take()

    assert (await bench.request(1)).status == TRANSITIONS[step].target


def reachable() -> set[RequestStatus]:
    """The states a filed (open) request can ever be in, by the table."""
    seen = {RequestStatus.OPEN}
    while True:
        more = {t.target for t in TRANSITIONS.values() if t.sources & seen} - seen
        if not more:
            return seen
        seen |= more


def test_every_state_is_reachable_and_every_step_has_a_way_in() -> None:
    assert reachable() == set(RequestStatus)
    assert all(t.sources for t in TRANSITIONS.values())


# -- random walks through the table, straight on the repository --------------------------------
HOLDER = st.sampled_from(["a", "b", None])  # who is named as volunteer, or the condition on it
MOVES = st.lists(st.tuples(st.sampled_from(list(Step)), HOLDER, HOLDER), min_size=1, max_size=10)


def values_for(step: Step, volunteer: int | None) -> dict[str, Any]:
    """What the services write with each step: who holds it after the step."""
    if step in (Step.CLAIM, Step.ASSIGN):
        return {"volunteer_id": volunteer}
    if step in (Step.DECLINE, Step.RELEASE, Step.REOPEN, Step.REOPEN_BY_STAFF):
        return {"volunteer_id": None}
    return {}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
async def test_random_steps_stay_in_the_table_and_a_refused_step_writes_nothing(
    bench: Bench, home: Estate, moves: list[tuple[Step, str | None, str | None]]
) -> None:
    request = await bench.request(1) if await bench.request_count() else await file_request(bench, home)
    people = {"a": (await bench.user(home.volunteer)).id, "b": (await bench.user(home.resident)).id}
    allowed = reachable()
    # One transaction per example, never committed: every example starts from the open request.
    async with bench.uow() as uow:
        row = await uow.requests.get(request.id)
        assert row is not None and row.status == RequestStatus.OPEN
        for step, named, condition in moves:
            bench.clock.advance(60)  # so a refused step that wrote a time stamp would show
            was = snapshot_of(row)
            volunteer_is = people[condition] if condition else None
            volunteer = people[named] if named else None
            changed = await uow.requests.transition(
                row, step, volunteer_is=volunteer_is, **values_for(step, volunteer)
            )  # re-reads the row from the database
            should = was["status"] in TRANSITIONS[step].sources and (
                volunteer_is is None or volunteer_is == was["volunteer_id"]
            )
            assert changed == should, (step, was["status"], condition)
            assert row.status in allowed
            if changed:
                assert row.status == TRANSITIONS[step].target
                assert row.updated_at == bench.clock.now
            else:
                assert snapshot_of(row) == was  # not even updated_at moved
