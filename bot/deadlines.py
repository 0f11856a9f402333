"""The 5341 response promise: deadlines counted within a community's service hours.

A non-urgent request filed at 02:00 is not late at 02:05: its minutes start counting when the
service day starts (default 08:00-20:00, in the community's time zone). Days are calendar days
(the same local time a day later, moved into service hours). Urgent requests count on the wall
clock and their durations are shortened by a factor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Duration:
    """A deadline length: minutes (counted within service hours) or whole calendar days."""

    minutes: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """`30m`, `4h` or `1d`."""
        match = _DURATION.match(str(text))
        if match is None:
            raise ValueError(f"duration {text!r} is not like 30m, 4h or 1d")
        amount, unit = int(match.group(1)), match.group(2)
        if amount <= 0:
            raise ValueError(f"duration {text!r} must be positive")
        if unit == "d":
            return cls(days=amount)
        return cls(minutes=amount * (60 if unit == "h" else 1))

    def scaled(self, factor: float) -> Duration:
        """Shortened for urgency: days become minutes so the result is never rounded to zero."""
        total = self.minutes + self.days * 24 * 60
        return Duration(minutes=max(1, round(total * factor)))


@dataclass(frozen=True)
class ServiceHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> ServiceHours:
        """`08:00-20:00`; the end must be after the start on the same day."""
        match = _HOURS.match(str(text))
        if match is None:
            raise ValueError(f"service hours {text!r} are not like 08:00-20:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60):
            raise ValueError(f"service hours {text!r} are not valid times")
        start = time(h1, m1)
        end = time.max if (h2, m2) == (24, 0) else time(h2, m2)
        if end <= start:
            raise ValueError(f"service hours {text!r} must end after they start")
        return cls(start, end)

    def __str__(self) -> str:
        end = "24:00" if self.end == time.max else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime


def _day_bounds(day: datetime, hours: ServiceHours, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The service window of the local calendar day of `day` (aware, in `tz`)."""
    date = day.astimezone(tz).date()
    start = datetime.combine(date, hours.start, tz)
    end = (
        datetime.combine(date, hours.end, tz)
        if hours.end != time.max
        else start.replace(hour=0, minute=0) + timedelta(days=1)
    )
    return start, end


def next_service_moment(moment: datetime, tz: ZoneInfo, hours: ServiceHours) -> datetime:
    """`moment` if it is within service hours, else the start of the next service window."""
    local = moment.astimezone(tz)
    start, end = _day_bounds(local, hours, tz)
    if local < start:
        return start
    if local < end:
        return local
    return _day_bounds(local + timedelta(days=1), hours, tz)[0]


def add_service_time(
    start: datetime, duration: Duration, tz: ZoneInfo, hours: ServiceHours | None
) -> datetime:
    """`start` plus `duration`, counting minutes only within service hours (wall clock if None)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if hours is None:
        return (start + timedelta(days=duration.days, minutes=duration.minutes)).astimezone(UTC)
    moment = next_service_moment(start, tz, hours)
    if duration.days:
        local = moment.astimezone(tz)
        later = datetime.combine(
            local.date() + timedelta(days=duration.days), local.timetz().replace(tzinfo=None), tz
        )
        moment = next_service_moment(later, tz, hours)
    remaining = timedelta(minutes=duration.minutes)
    while remaining > timedelta(0):
        moment = next_service_moment(moment, tz, hours)
        _, end = _day_bounds(moment, hours, tz)
        available = end - moment
        if remaining <= available:
            moment = moment + remaining
            break
        remaining -= available
        moment = end
    return moment.astimezone(UTC)


def deadlines(
    filed_at: datetime,
    *,
    response: Duration,
    resolution: Duration,
    urgent: bool,
    urgent_factor: float,
    tz: ZoneInfo,
    hours: ServiceHours,
) -> Deadlines:
    """When the first response and the resolution (or plan) are due, fixed when a request is filed."""
    if urgent:
        return Deadlines(
            add_service_time(filed_at, response.scaled(urgent_factor), tz, None),
            add_service_time(filed_at, resolution.scaled(urgent_factor), tz, None),
        )
    return Deadlines(
        add_service_time(filed_at, response, tz, hours),
        add_service_time(filed_at, resolution, tz, hours),
    )
