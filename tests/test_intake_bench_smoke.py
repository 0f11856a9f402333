"""The intake benchmark (scripts/bench_intake.py) runs end to end with tiny sizes. No timing checks."""

from __future__ import annotations

import scripts.bench_intake as bench
from fakebot import FakeTelegram


async def test_the_anchors_and_linli_handle_every_update_and_linli_counts_its_statements(
    sqlite_url: str,
) -> None:
    fake = FakeTelegram()
    _staff, groups, people = bench.scene(fake, 5)
    for group in groups:
        fake.add_bot_to_group(people[0], group)
    bench.filing_texts(fake, groups, people, 12)
    updates, _ = await bench.waiting(fake, 0)
    bare = await bench.anchor(sqlite_url, updates, 2, statements=0)
    floor = await bench.anchor(sqlite_url, updates, 2, statements=1)
    ceiling = await bench.anchor(sqlite_url, updates, 2, statements=4)
    triaged = await bench.anchor(sqlite_url, updates, 2, statements=1, reckon=bench.reckoning())
    assert len(bare.handle_ms) == len(floor.handle_ms) == len(ceiling.handle_ms) == len(updates)
    assert len(triaged.handle_ms) == len(updates)
    assert ceiling.name == "PTB + 4 statements"
    assert triaged.name == "PTB + one transaction + triage"
    filed, _left = await bench.linli(sqlite_url, 5, 12, 2)
    assert len(filed.handle_ms) == 12
    assert 5 <= filed.statements / 12 <= 20  # what a filing costs in SQL, counted
    assert "of anchor" in filed.line(floor)


async def test_the_cost_with_stored_requests_is_measured_for_each_size(sqlite_url: str) -> None:
    costs = await bench.filing_cost(sqlite_url, [10, 60], 3, explain=False)
    assert [size for size, _ in costs] == [10, 60]
    assert all(ms > 0 for _, ms in costs)


def test_the_triage_ceiling_computes_what_filing_computes() -> None:
    reckon = bench.reckoning()
    assert reckon("#求助 3号楼2单元101 厨房水管漏水了，麻烦师傅来看看") == "repair"
    assert reckon("#求助 腿脚不便，想请人陪我去医院看病") == "elderly"
