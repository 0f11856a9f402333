"""Danger detection (bot/danger.py): precision and recall on the table of realistic messages, and
the rules for what is discounted (the past, a worry, a drill, a no) and which numbers fit."""

from __future__ import annotations

import pytest

from bot.danger import Alarm, detect, numbers
from scripts.danger_accuracy import evaluate, load_cases

# What the rules reach on tests/data/danger_cases.yaml (rounded down); a change that makes the
# detection worse fails here. Missing a real danger costs more than a false alarm: recall first.
RECALL = 0.97
PRECISION = 0.95
KINDS = 0.95


def test_cases_cover_every_kind_both_ways_and_both_languages():
    cases = load_cases()
    assert len(cases) >= 120
    kinds = {kind for case in cases for kind in case["kinds"]}
    assert kinds >= {"fall", "unconscious", "breathing", "chest_pain", "fire", "gas", "lift", "missing"}
    assert sum(not case["kinds"] for case in cases) >= 45  # plenty of near misses
    assert any(case["text"].isascii() and case["kinds"] for case in cases)
    assert any(case["text"].isascii() and not case["kinds"] for case in cases)
    for case in cases:
        assert set(case) == {"text", "kinds"}


def test_precision_and_recall_meet_the_thresholds():
    report = evaluate(load_cases())
    print(f"\ndanger detection on {report.cases} cases:")
    print(
        f"  precision: {report.precision:.1%}  recall: {report.recall:.1%}  kinds: {report.kinds_right:.1%}"
    )
    for row in report.false_positives:
        print(f"  false alarm: {row}")
    for row in report.misses:
        print(f"  missed: {row}")
    assert report.recall >= RECALL, report.misses
    assert report.precision >= PRECISION, report.false_positives
    assert report.kinds_right >= KINDS, report.wrong_kinds


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("老人摔倒了起不来", ("medical",)),
        ("闻到煤气味", ("fire",)),
        ("有人被困电梯", ("fire",)),
        ("孩子不见了", ("police",)),
        ("厨房煤气泄漏，我妈晕倒了", ("medical", "fire")),
        ("救命！", ("medical", "fire", "police")),
    ],
)
def test_the_numbers_that_fit(text, services):
    alarm = detect(text)
    assert alarm is not None and alarm.services == services


def test_numbers_are_listed_medical_fire_police():
    assert numbers() == {"medical": "120", "fire": "119", "police": "110"}


def test_a_call_for_help_with_a_kind_names_only_that_kind():
    assert detect("救命！9栋有老人摔倒了") == Alarm(("fall",), ("medical",))


@pytest.mark.parametrize(
    "text",
    [
        "上次摔倒的扶手修一下",  # the past
        "之前晕倒过一次，想去复查",
        "怕老人摔倒，想装扶手",  # a worry
        "如果着火了怎么办",
        "防止老人跌倒",  # prevention
        "明天消防演习",  # a drill
        "火灾逃生演练",
        "煤气费在哪里交",  # a bill
        "煤气灶打不着火",  # a word that contains a trigger
        "没闻到煤气味了",  # a no
        "There is no gas leak",
        "我家猫走丢了",  # a pet
        "孩子的自行车不见了",  # a thing
        "She fell asleep",
    ],
)
def test_not_a_danger_now(text):
    assert detect(text) is None


def test_still_in_danger_after_a_past_word():
    alarm = detect("我爸昨天晚上摔倒了，到现在还起不来")
    assert alarm is not None and alarm.kinds == ("fall",)


def test_full_width_text_from_a_phone_keyboard():
    assert detect("ＳＯＳ，着火了！") == Alarm(("fire",), ("fire",))
