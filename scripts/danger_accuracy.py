"""How well bot/danger.py finds a person in danger, on tests/data/danger_cases.yaml.

    .venv/bin/python scripts/danger_accuracy.py

A case is positive when a person judged it danger (its `kinds` is not empty). Prints the number of
cases, precision (of the alarms raised, how many were real), recall (of the real dangers, how many
raised an alarm), the share of alarms whose emergency numbers are the expected ones, then every
false alarm, every miss and every alarm with the wrong kinds.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.danger import detect  # noqa: E402

CASES = ROOT / "tests" / "data" / "danger_cases.yaml"


@dataclass
class Report:
    cases: int = 0
    true_positives: int = 0
    false_positives: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    wrong_kinds: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # text, expected, got

    @property
    def precision(self) -> float:
        raised = self.true_positives + len(self.false_positives)
        return self.true_positives / raised if raised else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positives + len(self.misses)
        return self.true_positives / real if real else 1.0

    @property
    def kinds_right(self) -> float:
        return 1 - len(self.wrong_kinds) / self.true_positives if self.true_positives else 1.0


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


def evaluate(cases: list[dict[str, Any]]) -> Report:
    report = Report(cases=len(cases))
    for case in cases:
        text, expected = str(case["text"]), [str(k) for k in case["kinds"]]
        alarm = detect(text)
        got = list(alarm.kinds) if alarm else []
        if expected and got:
            report.true_positives += 1
            if sorted(expected) != sorted(got):
                report.wrong_kinds.append((text, expected, got))
        elif expected:
            report.misses.append(text)
        elif got:
            report.false_positives.append(f"{text}  -> {got}")
    return report


def main() -> int:
    report = evaluate(load_cases())
    print(f"cases: {report.cases}")
    print(f"precision: {report.precision:6.1%}")
    print(f"   recall: {report.recall:6.1%}")
    print(f"    kinds: {report.kinds_right:6.1%} of the alarms name exactly the expected kinds")
    for title, rows in (("false alarms", report.false_positives), ("missed", report.misses)):
        if rows:
            print(f"\n{title} ({len(rows)}):")
            for row in rows:
                print(f"- {row}")
    if report.wrong_kinds:
        print(f"\nwrong kinds ({len(report.wrong_kinds)}):")
        for text, expected, got in report.wrong_kinds:
            print(f"- {text}: expected {expected}, got {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
