"""The activity benchmark (scripts/bench_activities.py) runs end to end with tiny sizes. No timing checks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_activities.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_activities", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


async def test_the_benchmark_runs_and_merges_card_edits(
    bench: ModuleType, sqlite_url: str, tmp_path: Path
) -> None:
    result = await bench.signups(sqlite_url, "sqlite", 6, concurrent=True)
    assert (result.presses, result.joined, result.waitlisted, result.capacity) == (6, 3, 3, 3)

    merged = await bench.card_edits(f"sqlite+aiosqlite:///{tmp_path / 'merged.db'}", "sqlite", 6, 15.0)
    each = await bench.card_edits(f"sqlite+aiosqlite:///{tmp_path / 'each.db'}", "sqlite", 6, 0.0)
    assert 1 <= merged.edits_in_minute <= 5 and each.edits_in_minute == 6
    assert "sign-ups/s" in bench.table([result], [merged, each])
