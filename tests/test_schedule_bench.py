"""The schedule benchmark (scripts/bench_schedule.py) runs with small sizes, and the tick's due
query is read from the due_at index. No timing checks."""

from __future__ import annotations

import scripts.bench_schedule as bench


async def test_a_tick_fires_the_due_few_and_an_idle_tick_costs_one_indexed_query(database_url: str) -> None:
    result = await bench.run(database_url, "db", 300, 4)
    assert (result.fired, result.idle_statements) == (4, 1)
    assert (
        result.tick_statements <= 1 + 4 * 5
    )  # the due query, then per fire: lock, record, handler, advance, commit
    if "sqlite" in database_url:
        assert "USING INDEX ix_schedules_due_at" in result.plan
    printed = bench.table([result])
    assert printed.splitlines()[0].split()[:4] == ["database", "schedules", "due", "fired"]
