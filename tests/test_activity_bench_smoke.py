"""The activity benchmark (scripts/bench_activities.py) runs end to end with tiny sizes. No timing checks."""

from __future__ import annotations

from pathlib import Path

import scripts.bench_activities as bench


async def test_the_benchmark_runs_and_merges_card_edits(sqlite_url: str, tmp_path: Path) -> None:
    result = await bench.signups(sqlite_url, "sqlite", 6, concurrent=True)
    assert (result.presses, result.joined, result.waitlisted, result.capacity) == (6, 3, 3, 3)

    merged = await bench.card_edits(f"sqlite+aiosqlite:///{tmp_path / 'merged.db'}", "sqlite", 6, 15.0)
    each = await bench.card_edits(f"sqlite+aiosqlite:///{tmp_path / 'each.db'}", "sqlite", 6, 0.0)
    assert 1 <= merged.edits_in_minute <= 5 and each.edits_in_minute == 6
    assert "sign-ups/s" in bench.table([result], [merged, each])
