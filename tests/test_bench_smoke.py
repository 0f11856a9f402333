"""The outbox, request and delivery benchmarks (scripts/bench_*.py) run end to end with tiny
sizes. No timing checks."""

from __future__ import annotations

import scripts.bench_outbox as bench
from scripts import bench_delivery, bench_requests
from scripts.measures import percentile


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    assert percentile([5.0], 99) == 5.0


async def test_the_benchmark_runs_with_tiny_sizes(sqlite_url: str) -> None:
    [fanout] = await bench.private_fanout(sqlite_url, 5, patience=8.0)
    assert (fanout.messages, fanout.delivered, fanout.flood_429s) == (5, 5, 0)
    assert len(fanout.latencies_ms) == 5 and fanout.p50 is not None and fanout.p99 is not None

    private, group = await bench.busy_group_and_private(sqlite_url, 4, 3, patience=8.0)
    assert (private.messages, private.delivered) == (3, 3)
    assert (group.messages, group.delivered) == (4, 4)  # within the group's burst: no waiting
    assert private.flood_429s == group.flood_429s == 0

    [redelivered] = await bench.redelivery(sqlite_url)
    assert redelivered.delivered == 1  # the same update twice is answered once

    printed = bench.table([fanout, private, group, redelivered])
    lines = printed.splitlines()
    assert lines[0].split() == [
        "scenario",
        "messages",
        "delivered",
        "seconds",
        "msg/s",
        "p50",
        "ms",
        "p99",
        "ms",
        "429s",
    ]
    assert any(line.startswith("private fan-out") for line in lines)
    assert "-> 1 replies (ok)" in printed


async def test_the_private_burst_runs_with_tiny_sizes(sqlite_url: str) -> None:
    [burst] = await bench.private_burst(sqlite_url, 2, patience=8.0)
    assert (burst.messages, burst.delivered, burst.flood_429s) == (2, 2, 0)
    assert any("messages to one person" in note for note in burst.notes)
    assert any("somebody else's message" in note for note in burst.notes)


async def test_quick_mode_stops_once_the_private_messages_are_in(sqlite_url: str) -> None:
    private, group = await bench.busy_group_and_private(sqlite_url, 30, 2, quick=True, patience=8.0)
    assert private.delivered == 2
    assert 0 <= group.delivered <= 30
    assert any("--quick" in note for note in group.notes)


async def test_the_request_benchmark_runs_with_tiny_sizes(sqlite_url: str) -> None:
    steps = await bench_requests.loop(sqlite_url, 3, 2)
    names = [s.name for s in steps if not isinstance(s, str)]
    assert names == ["file", "claim", "done", "confirm"]
    assert all(len(s.handle_ms) == 3 for s in steps if not isinstance(s, str))
    last = steps[-1]
    assert isinstance(last, str) and "2 claims of #4 at once: 1 won" in last


async def test_the_delivery_benchmark_runs_with_a_few_groups(sqlite_url: str) -> None:
    outcome = await bench_delivery.deliver(sqlite_url, 12, private_every=0.01, patience=20.0)
    assert (outcome.groups, outcome.group_sends, outcome.refused, outcome.duplicates) == (12, 12, 0, 0)
    assert outcome.private_sends == outcome.private >= 1
    assert outcome.most_in_a_second <= 30 and outcome.most_per_group_minute <= 20
    assert any(line.startswith("429s: 0") for line in outcome.lines())
