"""China's working days (工作日): Monday to Friday, less statutory holidays, plus 调休 make-up days.

The calendar is the `holidays` package's China (`holidays.country_holidays("CN")`), which follows the
State Council's yearly notice, its 调休 make-up weekend days included (`weekend_workdays`). It was
chosen over chinesecalendar 1.11 because both carry the notices up to 2026 but `holidays` is released
every month and knows the statutory holidays of later years from the law, so a year whose notice is
not out yet is still mostly right.

A year the package has no notice for (no make-up days known) is read as Monday to Friday less the
holidays the package expects from the law (its guesses of days moved off a weekend included), and a
year outside its range as plain Monday to Friday; both are logged once as a warning, so an operator
knows to upgrade the package when the State Council publishes the year's notice (usually November).
"""

from __future__ import annotations

import logging
from datetime import date
from functools import cache

import holidays

log = logging.getLogger(__name__)


@cache
def _calendar(year: int) -> holidays.HolidayBase | None:
    """The China calendar of `year`, or None (Monday to Friday) where the package has none."""
    calendar = holidays.country_holidays("CN", years=year)
    if not calendar.start_year <= year <= calendar.end_year:
        log.warning("no China holiday calendar for %d: working days are Monday to Friday", year)
        return None
    if not any(day.year == year for day in calendar.weekend_workdays):
        log.warning(
            "no 调休 notice for %d in the holidays package: statutory holidays only, no make-up days", year
        )
    return calendar


def is_workday(day: date) -> bool:
    """Whether `day` is a working day in China: a statutory holiday is not, a 调休 Saturday is."""
    calendar = _calendar(day.year)
    if calendar is None:
        return day.weekday() < 5
    return bool(calendar.is_working_day(day))


def covered(year: int) -> bool:
    """Whether the calendar knows `year`'s official notice (its make-up days), not just the weekdays."""
    calendar = _calendar(year)
    return calendar is not None and any(day.year == year for day in calendar.weekend_workdays)
