"""Accuracy of bot/triage.py on tests/data/triage_cases.yaml, per field, with every miss.

    .venv/bin/python scripts/triage_accuracy.py

Uses the packaged default category catalogue. Prints the number of cases, the share of cases
right for each field (category, urgent, building, unit, room) and for all fields at once, then
each miss with what was expected and what triage gave.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.categories import load_catalogs  # noqa: E402
from bot.triage import triage  # noqa: E402

CASES = ROOT / "tests" / "data" / "triage_cases.yaml"
FIELDS = ("category", "urgent", "building", "unit", "room")


@dataclass(frozen=True)
class Report:
    cases: int
    accuracy: dict[str, float]  # field -> share right; "all" for all fields at once
    misses: list[tuple[str, dict[str, Any], dict[str, Any]]]  # text, expected, got (missed fields only)


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


def _expected(case: dict[str, Any], name: str) -> Any:
    """The expected value as triage gives it: urgent a bool, the rest strings or None (room 501 -> "501")."""
    value = case[name]
    if name == "urgent":
        return bool(value)
    return None if value is None else str(value)


def evaluate(cases: list[dict[str, Any]]) -> Report:
    catalog = load_catalogs().default
    right = dict.fromkeys((*FIELDS, "all"), 0)
    misses = []
    for case in cases:
        result = triage(str(case["text"]), catalog)
        got = {
            "category": result.category,
            "urgent": result.urgent,
            "building": result.place.building,
            "unit": result.place.unit,
            "room": result.place.room,
        }
        expected = {name: _expected(case, name) for name in FIELDS}
        wrong = [name for name in FIELDS if expected[name] != got[name]]
        for name in FIELDS:
            right[name] += name not in wrong
        right["all"] += not wrong
        if wrong:
            misses.append((str(case["text"]), {n: expected[n] for n in wrong}, {n: got[n] for n in wrong}))
    total = len(cases)
    return Report(total, {name: count / total for name, count in right.items()}, misses)


def main() -> int:
    report = evaluate(load_cases())
    print(f"cases: {report.cases}")
    for name, share in report.accuracy.items():
        print(f"{name:>9}: {share:6.1%}")
    if report.misses:
        print(f"\nmisses ({len(report.misses)}):")
    for text, expected, got in report.misses:
        print(f"- {text}")
        for name in expected:
            print(f"    {name}: expected {expected[name]!r}, got {got[name]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
