"""The 5341 response promise: deadlines counted within a community's service hours.

A non-urgent request filed at 02:00 is not late at 02:05: its minutes start counting when the
service day starts (default 08:00-20:00, in the community's time zone). Days are calendar days
(the same local time a day later, moved into service hours). Urgent requests count on the wall
clock and their durations are shortened by a factor.

Service days are every day by default. With `days="workdays"` (the setting SERVICE_DAYS=workdays)
they are China's working days (bot/workdays.py): a request filed on the eve of 国庆 waits out the
holiday, a 调休 make-up Saturday is served, and a day deadline counts working days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from datetime import date as date_
from zoneinfo import ZoneInfo

from bot.workdays import is_workday

SERVICE_DAYS = ("every_day", "workdays")
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
    """A daily service window in local time; `end` is `time.max` for 24:00. `days` says which days
    have it: "every_day", or "workdays" (China's working days, holidays off, 调休 days on)."""

    start: time
    end: time
    days: str = "every_day"

    @classmethod
    def parse(cls, text: str, days: str = "every_day") -> ServiceHours:
        """`08:00-20:00`; the end must be after the start on the same day."""
        match = _HOURS.match(str(text))
        if match is None:
            raise ValueError(f"service hours {text!r} are not like 08:00-20:00")
        if days not in SERVICE_DAYS:
            raise ValueError(f"service days must be one of {', '.join(SERVICE_DAYS)}, not {days!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (h1 < 24 and m1 < 60 and m2 < 60 and (h2 < 24 or (h2, m2) == (24, 0))):
            raise ValueError(f"service hours {text!r} are not valid times")
        try:
            return cls(time(h1, m1), time.max if h2 == 24 else time(h2, m2), days)
        except ValueError:
            raise ValueError(f"service hours {text!r} must end after they start") from None

    def __post_init__(self) -> None:
        # An empty window would make the deadline search loop for ever.
        if self.end <= self.start:
            raise ValueError(f"service hours must end after they start, not {self}")
        if self.days not in SERVICE_DAYS:
            raise ValueError(f"service days must be one of {', '.join(SERVICE_DAYS)}, not {self.days!r}")

    def serves(self, day: date_) -> bool:
        """Whether local calendar day `day` has service hours at all."""
        return self.days == "every_day" or is_workday(day)

    def __str__(self) -> str:
        end = "24:00" if self.end == time.max else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime


def _first_reading(date: date_, clock: time, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) of local `date` at which the clock in `tz` reads `clock` or later.

    Usually just `clock` on that day. If the clock reads it twice (autumn DST change) this is the
    first time; if it never reads it (spring DST gap) this is the moment the clock jumps over it.
    """
    naive = datetime.combine(date, clock)
    first = naive.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the earlier reading, or past the gap
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=1 gives an instant before the jump; find the jump (offsets change there).
    low, high = naive.replace(tzinfo=tz, fold=1).astimezone(UTC), first
    after = high.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)  # transitions fall on whole seconds


def _window(date: date_, hours: ServiceHours, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The service window (UTC instants, end exclusive) of local calendar day `date`; empty on a
    day without service (a holiday when only working days are served)."""
    start = _first_reading(date, hours.start, tz)
    if not hours.serves(date):
        return start, start
    end = (
        _first_reading(date + timedelta(days=1), time(0), tz)
        if hours.end == time.max
        else _first_reading(date, hours.end, tz)
    )
    return start, max(start, end)


def _next_service_utc(moment: datetime, tz: ZoneInfo, hours: ServiceHours) -> datetime:
    """`moment` (as UTC) if it is in a service window, else the start of the next window."""
    moment = moment.astimezone(UTC)
    date = moment.astimezone(tz).date()
    while True:
        start, end = _window(date, hours, tz)
        if moment < end and start < end:  # empty inside a DST gap, or on a day without service
            return max(moment, start)
        date += timedelta(days=1)


def next_service_moment(moment: datetime, tz: ZoneInfo, hours: ServiceHours) -> datetime:
    """`moment` if it is within service hours, else the start of the next service window (UTC)."""
    return _next_service_utc(moment, tz, hours)


def _add_days(moment: datetime, days: int, tz: ZoneInfo, hours: ServiceHours | None = None) -> datetime:
    """The same local time (in `tz`) `days` calendar days later, as UTC; `days` service days later
    when `hours` serve working days only."""
    local = moment.astimezone(tz)
    day = local.date()
    if hours is not None and hours.days != "every_day":
        for _ in range(days):
            day += timedelta(days=1)
            while not hours.serves(day):
                day += timedelta(days=1)
    else:
        day += timedelta(days=days)
    naive = datetime.combine(day, local.time())
    return naive.replace(tzinfo=tz, fold=local.fold).astimezone(UTC)


def add_service_time(
    start: datetime, duration: Duration, tz: ZoneInfo, hours: ServiceHours | None
) -> datetime:
    """`start` plus `duration`, counting minutes only within service hours (wall clock if None).

    Days are calendar days in `tz`: the same local time later, moved into service hours. Minutes
    are real elapsed minutes (an hour of a DST change counts as it passes), all arithmetic in UTC.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    moment = start.astimezone(UTC)
    if hours is None:
        if duration.days:
            moment = _add_days(moment, duration.days, tz)
        return moment + timedelta(minutes=duration.minutes)
    moment = _next_service_utc(moment, tz, hours)
    if duration.days:
        moment = _next_service_utc(_add_days(moment, duration.days, tz, hours), tz, hours)
    remaining = timedelta(minutes=duration.minutes)
    while remaining > timedelta(0):
        moment = _next_service_utc(moment, tz, hours)
        _, end = _window(moment.astimezone(tz).date(), hours, tz)
        available = end - moment
        if remaining <= available:
            return moment + remaining
        remaining -= available
        moment = end
    return moment


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
