"""China's working days from the holidays package, and the fallback for a year it does not know."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot import workdays
from bot.workdays import covered, is_workday

WORKING = [
    date(2026, 12, 2),  # an ordinary Wednesday
    date(2026, 1, 4),  # Sunday, made up for 2 January (元旦)
    date(2026, 2, 14),  # Saturday, made up for the Spring Festival
    date(2026, 2, 28),  # Saturday, made up for the Spring Festival
    date(2026, 5, 9),  # Saturday, made up for 劳动节
    date(2026, 9, 20),  # Sunday, made up for 国庆
    date(2026, 10, 10),  # Saturday, made up for 国庆
    date(2026, 10, 8),  # the Thursday after 国庆
]
OFF = [
    date(2026, 12, 5),  # an ordinary Saturday
    date(2026, 12, 6),  # an ordinary Sunday
    date(2026, 1, 1),  # 元旦
    date(2026, 1, 2),  # 元旦, taken from 4 January
    date(2026, 2, 17),  # 春节
    date(2026, 2, 23),  # 春节, a Monday taken from 28 February
    date(2026, 4, 6),  # 清明 (observed)
    date(2026, 5, 5),  # 劳动节, taken from 9 May
    date(2026, 6, 19),  # 端午
    date(2026, 9, 25),  # 中秋
    date(2026, 10, 1),  # 国庆
    date(2026, 10, 7),  # 国庆, taken from 10 October
]


@pytest.mark.parametrize("day", WORKING, ids=str)
def test_working_days_include_make_up_weekend_days(day: date) -> None:
    assert is_workday(day)


@pytest.mark.parametrize("day", OFF, ids=str)
def test_statutory_holidays_and_weekends_are_not_working_days(day: date) -> None:
    assert not is_workday(day)


def test_2026_is_covered_by_an_official_notice() -> None:
    assert covered(2026)


def test_a_year_outside_the_calendar_falls_back_to_monday_to_friday_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    workdays._calendar.cache_clear()
    with caplog.at_level(logging.WARNING, logger="bot.workdays"):
        assert is_workday(date(2150, 10, 1))  # a Thursday
        assert not is_workday(date(2150, 10, 3))  # a Saturday
    assert not covered(2150)
    assert sum("2150" in r.getMessage() for r in caplog.records) == 1  # warned once, not per day


def test_a_year_without_a_notice_keeps_statutory_holidays_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    workdays._calendar.cache_clear()
    with caplog.at_level(logging.WARNING, logger="bot.workdays"):
        assert not is_workday(date(2099, 10, 1))  # 国庆 is in the law, whatever the notice says
        assert is_workday(date(2099, 10, 9))  # a Friday
    assert not covered(2099)
    assert any("2099" in r.getMessage() for r in caplog.records)
