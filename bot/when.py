"""When things happen: the one place a time phrase becomes a moment or a rule, and a rule its fire times.

People write times the way they speak them (2026-12-20 15:00, 12月20日 15:00, 明天下午3点, 周六上午9点,
每周三 15:00, 工作日 8:30). `parse_moment` turns a one-off phrase into an aware datetime, `parse_rule` a
one-off or recurring phrase into a `Rule`. Both read "now" and the community's timezone from the caller
(never the system clock) and raise `WhenError`, whose `reason` names the template that explains the
refusal (`when/unreadable`, `when/past`, `when/ambiguous`, `when/no_time`, `when/too_often`,
`when/never`), for a phrase they cannot read, an ambiguous one, or a time already past.

How a phrase is read (the rules people can rely on):
- Every word of a one-off phrase must be a time word; anything else is `when/unreadable`, so a typo
  is refused rather than half read.
- No date: the next time the clock shows it (15:00 at 16:00 is tomorrow's). A weekday alone (周六) is the
  next one, today included while its time is ahead (周六上午9点 on a Saturday afternoon is next
  Saturday); 本周六/这周六 is this Monday-to-Sunday week's and 下周六 the next week's, and these are
  `when/past` when gone. A date without a year is this year's, or next year's once it has gone
  (1月5日 in late December), except that a date of the last 7 days is a mistake (`when/past`), not
  a plan for next year. 2月29日 is the next leap day.
- Without 上午/下午/晚上…, hours 1-6 are the afternoon (3点 is 15:00: nobody meets at 03:00), unless
  written with a leading zero (03:00); 7-12 and 13-23 are as written. 凌晨 means 0-6, 中午 11-14,
  晚上 18-24; a contradiction (上午15点, 凌晨8点, 晚上3点) is `when/ambiguous`, as are two dates, two
  times, or a date and a weekday that disagree (12月20日周六 when the 20th is a Sunday).
- A day without a time is `when/no_time`, unless the caller gives a `default_time`.
- Daylight saving (say Europe/Berlin): a wall time the clock skips (02:30 on the spring-forward night)
  is the instant a clock not yet set forward would show it (03:30 summer time); a wall time the clock
  shows twice is its first reading. Nothing raises.

Why not a library: jionlp's `parse_time` (1.5.31, the version on the install source) was weighed. It
resolves 周六上午9点 on a Saturday afternoon and 1月5日 in December to the past ones, reads 3点 as
03:00, returns naive times with no timezone, and is a 16 MB wheel pulling numpy and jiojio (70 MB
installed), for what is here a few hundred lines of regular expressions that say exactly which
phrases are understood. dateutil's parser reads no Chinese.

A `Rule` is stored as JSON (`spec`). Its calendar fields are computed by APScheduler's CronTrigger on
the community's wall clock and each wall time is then placed on the timeline by `wall_instant`: in
APScheduler 3.11 a trigger in a DST zone fires twice on the autumn repeat and can return the same
time again, which `next_after` must never do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.numbers import chinese_value
from bot.opening import fold

Spec = dict[str, Any]

CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")


class WhenError(ValueError):
    """A phrase that names no time we can trust. `reason` is a template key (`when/…`)."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


@dataclass(frozen=True)
class Rule:
    """When a schedule fires: once (`{"once": "<iso utc>"}`) or by calendar fields (`{"cron": {...}}`).

    `spec` is what is stored. Recurring specs may carry more than cron fields (for example working
    days only, or every other week); `next_after` honours them.
    """

    spec: Spec = field(default_factory=dict)

    @classmethod
    def once(cls, at: datetime) -> Rule:
        if at.tzinfo is None:
            raise ValueError("a one-off time must be aware")
        return cls({"once": at.astimezone(ZoneInfo("UTC")).isoformat()})

    @classmethod
    def cron(cls, **fields: Any) -> Rule:
        unknown = set(fields) - set(CRON_FIELDS)
        if unknown:
            raise ValueError(f"not cron fields: {sorted(unknown)}")
        return cls({"cron": {k: v for k, v in fields.items() if v is not None}})

    @classmethod
    def from_spec(cls, spec: Spec) -> Rule:
        if "once" not in spec and "cron" not in spec:
            raise ValueError(f"not a rule: {spec!r}")
        return cls(dict(spec))

    @property
    def recurring(self) -> bool:
        return "cron" in self.spec

    def trigger(self, tz: str | tzinfo) -> BaseTrigger:
        if "once" in self.spec:
            return DateTrigger(run_date=datetime.fromisoformat(self.spec["once"]), timezone=zone(tz))
        return CronTrigger(timezone=zone(tz), **self.spec["cron"])

    def next_after(self, after: datetime, tz: str | tzinfo) -> datetime | None:
        """The first fire time strictly after `after`, or None when the rule has no more."""
        trigger = self.trigger(tz)
        moment = after + timedelta(microseconds=1)
        if "once" in self.spec:
            at: datetime | None = trigger.get_next_fire_time(None, moment)
            return at if at is not None and at >= moment else None
        return trigger.get_next_fire_time(None, moment)

    def next_times(self, after: datetime, tz: str | tzinfo, n: int = 3) -> list[datetime]:
        times: list[datetime] = []
        current = after
        while len(times) < n:
            nxt = self.next_after(current, tz)
            if nxt is None:
                break
            times.append(nxt)
            current = nxt
        return times


# -- reading a phrase ------------------------------------------------------------------------------
UNREADABLE = "when/unreadable"
PAST = "when/past"
AMBIGUOUS = "when/ambiguous"
NO_TIME = "when/no_time"
TOO_OFTEN = "when/too_often"
NEVER = "when/never"

RECENT_DAYS = 7  # a date without a year this many days ago or less is a mistake, not next year's date
YEARS_AHEAD = 8  # how far a date without a year is looked for (29 Feb needs up to 8 years)

_CN_NUM = "零〇一二两三四五六七八九十"
_NUM = rf"(?:[0-9]{{1,2}}|[{_CN_NUM}]{{1,3}})"
_YEAR = r"(?:[0-9]{4}|[零〇一二三四五六七八九]{4})"
_WEEKDAYS = {**dict(zip("一二三四五六日天", (0, 1, 2, 3, 4, 5, 6, 6), strict=True)),
             **{str(n): n - 1 for n in range(1, 8)}}  # fmt: skip
_EN_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_PERIODS = {
    **dict.fromkeys(("凌晨", "半夜", "深夜"), "small_hours"),
    **dict.fromkeys(("早上", "早晨", "清晨", "上午", "早", "morning"), "morning"),
    **dict.fromkeys(("中午", "noon"), "noon"),
    **dict.fromkeys(("下午", "午后", "傍晚", "afternoon"), "afternoon"),
    **dict.fromkeys(("晚上", "晚间", "夜里", "夜晚", "晚", "evening", "tonight"), "evening"),
}
# Relative days, longest first so 大后天 is not read as 后天; some carry a period (今晚 = today evening).
_RELATIVE = {
    "大后天": (3, None), "后天": (2, None), "明天": (1, None), "明日": (1, None), "今天": (0, None),
    "今日": (0, None), "今晚": (0, "evening"), "明晚": (1, "evening"), "今早": (0, "morning"),
    "明早": (1, "morning"), "day after tomorrow": (2, None), "tomorrow": (1, None),
    "today": (0, None), "tonight": (0, "evening"),
}  # fmt: skip


def _alternatives(words: Any) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("ymd", rf"(?P<y>{_YEAR})\s*[-/.年]\s*(?P<m>{_NUM})\s*[-/.月]\s*(?P<d>{_NUM})\s*[日号]?"),
        ("md", rf"(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*[日号]?"),
        ("md", r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})(?![0-9:])"),
        ("md_en", rf"(?P<mn>{'|'.join(_EN_MONTHS)})[a-z]*\.?\s+(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b"),
        ("dm_en", rf"(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn>{'|'.join(_EN_MONTHS)})[a-z]*\.?"),
        ("clock", r"(?P<h>[0-9]{1,2})\s*:\s*(?P<mi>[0-9]{2})(?:\s*(?P<ap>[ap])\.?m\.?\b)?"),
        ("clock", r"(?P<h>[0-9]{1,2})\s*(?P<ap>[ap])\.?m\.?\b"),
        (
            "clock",
            rf"(?P<h>{_NUM})\s*[点时](?:\s*(?:(?P<half>半)|(?P<q>[一二三123])\s*刻|整|钟|(?P<mi>{_NUM})\s*分?))?",
        ),
        ("day", rf"(?P<d>{_NUM})\s*[日号]"),
        ("relative", _alternatives(_RELATIVE)),
        (
            "weekday",
            r"(?P<shift>下下个?|下个?|本|这个?|next\s+|this\s+)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])",
        ),
        ("weekday", rf"(?P<shift>next\s+|this\s+)?(?P<wd_en>{'|'.join(_EN_WEEKDAYS)})[a-z]*\b"),
        ("period", _alternatives(_PERIODS)),
        ("filler", r"[\s,，、。.]+|的|在|于|at\b|on\b|in the\b"),
    )
)
_SHIFTS = {
    "": None,
    "本": 0,
    "这": 0,
    "这个": 0,
    "this": 0,
    "下": 1,
    "下个": 1,
    "next": 1,
    "下下": 2,
    "下下个": 2,
}


def _number(text: str) -> int:
    value = int(text) if text.isdigit() else chinese_value(text)
    if value is None:
        raise WhenError(UNREADABLE)
    return value


@dataclass
class _Parts:
    """What a phrase said, before it is placed on the calendar."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    offset: int | None = None  # days from today (今天 0, 明天 1 …)
    weekday: int | None = None  # Monday 0
    week_shift: int | None = None  # None: the next one; 0 this week, 1 next week, 2 the week after
    period: str | None = None
    hour: int | None = None
    minute: int = 0
    padded: bool = False  # a 24-hour clock: written with a leading zero (03:00) or with am/pm
    seen: set[str] = field(default_factory=set)

    @property
    def has_date(self) -> bool:
        return bool(self.seen & {"date", "day", "relative", "weekday"})

    def once(self, kind: str) -> None:
        if kind in self.seen:  # two dates, two times: which one?
            raise WhenError(AMBIGUOUS)
        self.seen.add(kind)

    def take(self, kind: str, match: re.Match[str]) -> None:
        g = match.groupdict()
        if kind == "ymd":
            self.once("date")
            self.year, self.month, self.day = _number(g["y"]), _number(g["m"]), _number(g["d"])
        elif kind in ("md", "md_en", "dm_en"):
            self.once("date")
            self.month = _number(g["m"]) if kind == "md" else _EN_MONTHS.index(g["mn"].lower()[:3]) + 1
            self.day = _number(g["d"])
        elif kind == "day":
            self.once("day")
            self.day = _number(g["d"])
        elif kind == "relative":
            self.once("relative")
            self.offset, period = _RELATIVE[match.group(0).lower()]
            if period is not None:
                self.set_period(period)
        elif kind == "weekday":
            self.once("weekday")
            shift = re.sub(r"\s+", "", (g["shift"] or "").lower())
            self.week_shift = _SHIFTS[shift]
            self.weekday = _WEEKDAYS[g["wd"]] if g.get("wd") else _EN_WEEKDAYS.index(g["wd_en"].lower()[:3])
        elif kind == "period":
            self.set_period(_PERIODS[match.group(0).lower()])
        elif kind == "clock":
            self.once("clock")
            self.hour = _number(g["h"])
            self.padded = g["h"].startswith("0") and len(g["h"]) == 2
            if g.get("half"):
                self.minute = 30
            elif g.get("q"):
                self.minute = 15 * _number(g["q"])
            elif g.get("mi"):
                self.minute = _number(g["mi"])
            if g.get("ap"):  # am/pm: a 24-hour clock from here on (tonight 8pm is 20:00)
                if not 1 <= self.hour <= 12:
                    raise WhenError(UNREADABLE)
                self.hour = self.hour % 12 + (12 if g["ap"].lower() == "p" else 0)  # 12am midnight
                self.padded = True

    def set_period(self, period: str) -> None:
        if self.period not in (None, period):  # 上午 … 晚上
            raise WhenError(AMBIGUOUS)
        self.period = period


def _scan(text: str) -> tuple[_Parts, int]:
    """Read time words from the start of `text`; the parts and where the reading stopped."""
    folded = fold(text)
    parts, pos, last_word = _Parts(), 0, 0
    while pos < len(folded):
        for kind, pattern in _TOKENS:
            match = pattern.match(folded, pos)
            if match and match.end() > pos:
                if kind != "filler":
                    parts.take(kind, match)
                    last_word = match.end()
                pos = match.end()
                break
        else:
            break
    return parts, last_word if pos < len(folded) else len(folded)


def _hour_of_day(parts: _Parts) -> tuple[int, int]:
    """The hour (0-23) the phrase means and whether it falls on the next day (晚上12点 is midnight).

    Without 上午/下午…, hours 1-6 are read as the afternoon (people meet at 3点, not at 03:00),
    unless written with a leading zero (03:00); 7-12 as written; 13-23 as on a 24-hour clock.
    """
    hour, period = parts.hour, parts.period
    assert hour is not None
    if hour > 24 or parts.minute > 59 or (hour == 24 and parts.minute):
        raise WhenError(UNREADABLE)
    if hour == 24:  # 24:00 / 24点: midnight at the end of the day
        return 0, 1
    if period is None:
        return (hour + 12 if 1 <= hour <= 6 and not parts.padded else hour), 0
    if period == "small_hours" and (hour <= 6 or hour == 12):
        return hour % 12, 0
    if period == "morning" and hour <= 12:
        return hour, 0
    if period == "noon" and (11 <= hour <= 14 or 1 <= hour <= 2):
        return (hour + 12 if hour <= 2 else hour), 0
    if period == "afternoon" and 1 <= hour <= 23:
        return (hour + 12 if hour < 12 else hour), 0
    if period == "evening" and (hour == 12 or hour == 0):
        return 0, 1
    if period == "evening" and (6 <= hour <= 11 or 18 <= hour <= 23):
        return (hour + 12 if hour < 12 else hour), 0
    raise WhenError(AMBIGUOUS)  # 上午15点, 凌晨8点, 晚上3点


def wall_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """Local wall time `at` on `day` as an aware datetime in `tz`, normalised.

    A wall time the clock repeats (the autumn DST change) is its first reading; one the clock skips
    (the spring gap) is read as a clock not yet set forward would read it (02:30 → 03:30 CEST).
    """
    aware = datetime.combine(day, at).replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz)


def _week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _candidate_days(parts: _Parts, today: date) -> tuple[list[date], bool]:
    """The days the phrase can mean, in order (the first one after now wins), and whether a time
    already past on the first of them is a mistake (`when/past`) rather than a wish for the next."""
    if parts.year is not None:
        assert parts.month is not None and parts.day is not None
        return [_date_or_unreadable(parts.year, parts.month, parts.day)], True
    if parts.month is not None:
        assert parts.day is not None
        if not 1 <= parts.month <= 12 or not 1 <= parts.day <= 31:
            raise WhenError(UNREADABLE)
        days = [
            d
            for y in range(today.year, today.year + YEARS_AHEAD + 1)
            if (d := _date(y, parts.month, parts.day))
        ]
        if not days:
            raise WhenError(UNREADABLE)
        recent = days[0].year == today.year and 0 <= (today - days[0]).days <= RECENT_DAYS
        if recent:
            return [days[0]], True
        return [d for d in days if d >= today], False
    if parts.day is not None and "day" in parts.seen:
        if not 1 <= parts.day <= 31:
            raise WhenError(UNREADABLE)
        months = [
            (today.year + (today.month - 1 + k) // 12, (today.month - 1 + k) % 12 + 1) for k in range(13)
        ]
        days = [d for y, m in months if (d := _date(y, m, parts.day)) and d >= today]
        return days, days[0] == today
    if parts.offset is not None:
        return [today + timedelta(days=parts.offset)], True
    if parts.weekday is not None:
        if parts.week_shift is None:
            ahead = (parts.weekday - today.weekday()) % 7
            first = today + timedelta(days=ahead)
            return [first, first + timedelta(days=7)], False
        day = _week_monday(today) + timedelta(days=7 * parts.week_shift + parts.weekday)
        return [day], True
    return [today, today + timedelta(days=1)], False


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_or_unreadable(year: int, month: int, day: int) -> date:
    found = _date(year, month, day)
    if found is None:
        raise WhenError(UNREADABLE)
    return found


def _check_agrees(parts: _Parts, day: date, today: date) -> None:
    """A phrase naming the day twice (12月20日周日, 明天周六) must name the same day."""
    named = parts.seen & {"date", "day", "relative"}
    if parts.weekday is not None and named and day.weekday() != parts.weekday:
        raise WhenError(AMBIGUOUS)
    dated = parts.seen & {"date", "day"}
    if parts.offset is not None and dated and day != today + timedelta(days=parts.offset):
        raise WhenError(AMBIGUOUS)


def _resolve(parts: _Parts, *, now: datetime, tz: tzinfo, default_time: time | None) -> datetime:
    if not parts.seen and parts.period is None:
        raise WhenError(UNREADABLE)
    if parts.hour is None:
        if default_time is None or not parts.has_date:
            raise WhenError(NO_TIME)
        at, extra = default_time, 0
    else:
        hour, extra = _hour_of_day(parts)
        at = time(hour, parts.minute)
    today = now.astimezone(tz).date()
    days, past_is_mistake = _candidate_days(parts, today)
    if parts.seen & {"date", "day"} and parts.seen & {"relative", "weekday"}:
        days = days[:1]  # the date decides; the weekday or 明天 must agree with it
    for index, day in enumerate(days):
        _check_agrees(parts, day, today)
        moment = wall_instant(day + timedelta(days=extra), at, tz)
        if moment > now:
            return moment
        if past_is_mistake or index == len(days) - 1:
            raise WhenError(PAST, at=moment)
    raise WhenError(PAST)


def parse_moment(text: str, *, now: datetime, tz: str | tzinfo, default_time: time | None = None) -> datetime:
    """A one-off time phrase as an aware datetime in `tz`; the next occurrence when no date is given.

    `default_time` is the time of day for a phrase that names only a day (明天, 12月20号); without
    it such a phrase is refused with `when/no_time`. Raises WhenError for a phrase that names no
    time, an ambiguous one, or a time not after `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    parts, end = _scan(text)
    if end < len(text) or not text.strip():
        raise WhenError(UNREADABLE)
    return _resolve(parts, now=now, tz=zone(tz), default_time=default_time)
