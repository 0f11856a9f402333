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
- Recurring phrases begin with their recurrence: 每天/每日/天天, 工作日 (China's working days, see
  bot/workdays.py), 每周三, 每周一三五, 每周一至五, 周末, 每两周周五/隔周周五 (every other week counted from
  the first fire's week, stored as `anchor`), 每月1日, 每月1号、15号, 每月第一个周一, 每月最后一个周五,
  每月最后一天, 每季度第一天/最后一天, 每年12月1日, 每30分钟, 每小时, English every day / every monday /
  every other friday, and a 5-field crontab line whose day of week counts as cron's (0 and 7 Sunday).
  A time of day may follow; without one the rule fires at 09:00 (`RULE_DEFAULT_TIME`), with only a
  period (每天晚上) it is `when/no_time`. A rule firing more than once a minute is `when/too_often`, one
  with no fire time after now `when/never`.
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

import itertools
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
from bot.workdays import is_workday

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


def _later(a: datetime, b: datetime) -> bool:
    """`a` after `b` on the timeline. (Python compares two times of one zone object by their wall
    time, fold ignored, which is wrong in the hour the autumn change repeats.)"""
    return a.astimezone(UTC) > b.astimezone(UTC)


MAX_CANDIDATES = 400  # wall times looked at for one fire of a filtered rule (工作日 over 春节, 每两周)


@dataclass(frozen=True)
class Rule:
    """When a schedule fires: once (`{"once": "<iso utc>"}`) or by calendar fields (`{"cron": {...}}`).

    `spec` is what is stored. A recurring spec may carry more than cron fields: `"workdays": true`
    keeps only China's working days (bot/workdays.py: holidays off, 调休 make-up days on), and
    `"every_weeks": n` with `"anchor": "<iso date>"` keeps only every n-th week (Monday to Sunday)
    counted from the anchor's week; `next_after` honours them.
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
        if "every_weeks" in spec:
            if not isinstance(spec["every_weeks"], int) or spec["every_weeks"] < 1:
                raise ValueError(f"every_weeks must be a whole number of weeks: {spec!r}")
            if not isinstance(spec.get("anchor"), str):
                raise ValueError(f"every_weeks needs the anchor date its weeks count from: {spec!r}")
            date.fromisoformat(spec["anchor"])
        return cls(dict(spec))

    @property
    def recurring(self) -> bool:
        return "cron" in self.spec

    def trigger(self, tz: str | tzinfo) -> BaseTrigger:
        """APScheduler's trigger of the calendar fields alone, in `tz`. Fire times come from
        `next_after`, which honours the extras and the DST rules; this trigger does neither."""
        if "once" in self.spec:
            return DateTrigger(run_date=datetime.fromisoformat(self.spec["once"]), timezone=zone(tz))
        return CronTrigger(timezone=zone(tz), **self.spec["cron"])

    def _keeps(self, day: date) -> bool:
        if self.spec.get("workdays") and not is_workday(day):
            return False
        every = int(self.spec.get("every_weeks", 1))
        if every > 1:
            anchor = date.fromisoformat(self.spec["anchor"])
            weeks = (_week_monday(day) - _week_monday(anchor)).days // 7
            return weeks % every == 0
        return True

    def next_after(self, after: datetime, tz: str | tzinfo) -> datetime | None:
        """The first fire time strictly after `after` (aware, in `tz`), or None when there is none.

        The calendar fields are matched on the community's wall clock (a CronTrigger in UTC, which
        has no DST, reading local wall times) and each wall time is placed by `wall_instant`: a daily
        02:30 fires once on the autumn night the clock shows 02:30 twice, and at 03:30 summer time on
        the spring night it shows none.
        """
        if after.tzinfo is None:
            raise ValueError("after must be aware")
        local = zone(tz)
        if "once" in self.spec:
            at = datetime.fromisoformat(self.spec["once"])
            return at.astimezone(local) if _later(at, after) else None
        walls = CronTrigger(timezone=UTC, **self.spec["cron"])
        cursor = after.astimezone(local).replace(tzinfo=UTC) + timedelta(microseconds=1)
        for _ in range(MAX_CANDIDATES):
            wall: datetime | None = walls.get_next_fire_time(None, cursor)
            if wall is None:
                return None
            if self._keeps(wall.date()):
                moment = wall_instant(wall.date(), wall.time(), local)
                if _later(moment, after):
                    return moment
            cursor = wall + timedelta(microseconds=1)
        return None

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
# English names in full or short (Mon, Tues, Thurs, Sept), not any word that begins like one (month)
_EN_DAY_WORD = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b"
)
_EN_MONTH_WORD = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?"
)
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
        ("md_en", rf"(?P<mn>{_EN_MONTH_WORD})\s*(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b"),
        ("dm_en", rf"(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn>{_EN_MONTH_WORD})"),
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
        ("weekday", rf"(?P<shift>next\s+|this\s+)?(?P<wd_en>{_EN_DAY_WORD})"),
        ("period", _alternatives(_PERIODS)),
        ("filler", r"[\s,，、。.]+|的|在|于|at\b|on\b|in the\b|(?<=[0-9])t(?=[0-9])"),  # 2026-12-20T15:00
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
        if _later(moment, now):
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


# -- recurring phrases -----------------------------------------------------------------------------
RULE_DEFAULT_TIME = time(9, 0)  # a recurring phrase with no time of day (每月15号) fires at 09:00
MIN_GAP = timedelta(minutes=1)  # a rule may fire at most once a minute
GAP_PROBES = 5  # fire times looked at to measure how often a rule fires

_CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WD = r"[一二三四五六日天1-7]"
_WEEK_WORD = r"(?:周|星期|礼拜)"
_DAYS = (  # one weekday or several: 一三五, 一、三、五, 一至五, 周一到周五, 1-5
    rf"(?P<days>{_WD}(?:(?:[、,，和及与至到~-]\s*{_WEEK_WORD}?|{_WEEK_WORD})?[一二三四五六日天]"
    r"|[、,，至到~-][1-7](?![0-9:点时]))*)"
)
_EN_DAY = _EN_DAY_WORD
_NTH = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}
_EACH_MONTH = r"每(?:个)?月(?:的)?\s*"

_RECURRENCES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("seconds", rf"每(?:隔)?\s*(?P<n>{_NUM})?\s*秒(?:钟)?|every\s+(?P<n_en>[0-9]+\s+)?seconds?"),
        ("minutes", rf"每(?:隔)?\s*(?P<n>{_NUM})?\s*分钟|every\s+(?P<n_en>[0-9]+\s+)?minutes?"),
        (
            "hours",
            rf"每(?:隔)?\s*(?P<n>{_NUM})?\s*个?(?:小时|钟头)|every\s+(?P<n_en>[0-9]+\s+)?hours?|hourly",
        ),
        ("daily", r"每天|每日|天天|every\s*day|daily"),
        (
            "workdays",
            r"每个?工作日|工作日|every\s+(?:working\s+day|workday|weekday)|(?:on\s+)?(?:weekdays|workdays)",
        ),
        ("weekend", r"每个?周末|周末|every\s+weekend|(?:on\s+)?weekends"),
        (
            "weeks",
            rf"(?:每\s*(?P<n>[2-4两二三四])\s*(?:个)?(?:周|星期|礼拜)|每隔\s*[一1]\s*(?:周|星期)|隔周|双周)(?:的)?\s*{_WEEK_WORD}?{_DAYS}",
        ),
        ("weeks", rf"every\s+(?:other|(?P<n_en>[2-4])\s+weeks?\s+on)\s+(?P<en>{_EN_DAY})"),
        ("weekly", rf"(?:每(?:个)?|每逢){_WEEK_WORD}{_DAYS}"),
        ("weekly", rf"every\s+(?P<en>{_EN_DAY}(?:\s*(?:,|and)\s*{_EN_DAY})*)"),
        ("month_last_weekday", rf"{_EACH_MONTH}(?:最后一个|最后一周的?|倒数第一个){_WEEK_WORD}(?P<wd>{_WD})"),
        ("month_nth_weekday", rf"{_EACH_MONTH}第\s*(?P<nth>[一二三四1-4])\s*个{_WEEK_WORD}(?P<wd>{_WD})"),
        ("month_last_day", rf"{_EACH_MONTH}(?:最后一天|最末一天|月底|月末)|每个?月底|每个?月末"),
        ("month_first_day", rf"{_EACH_MONTH}(?:第一天|月初)|每个?月初"),
        ("month_days", rf"{_EACH_MONTH}(?P<ds>{_NUM}(?:\s*[日号]?\s*[、,，和及与]\s*{_NUM})*)\s*[日号]"),
        ("quarter_first_day", r"每(?:个)?季度?(?:的)?\s*(?:第一天|首日|初)"),
        ("quarter_last_day", r"每(?:个)?季度?(?:的)?\s*(?:最后一天|末)"),
        ("yearly", rf"每年(?:的)?\s*(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*[日号]?"),
    )
)
_CRONTAB = re.compile(r"\s*(?P<f>[0-9*/,\-a-zA-Z?]+(?:\s+[0-9*/,\-a-zA-Z?]+){4})\s*")
_CRONTAB_DAY = {**{str(n): _CRON_DAYS[(n - 1) % 7] for n in range(8)}, **{d: d for d in _CRON_DAYS}}


def _weekday_numbers(text: str) -> list[int]:
    """一三五 → [0, 2, 4]; 一至五 / 周一到周五 / 1-5 → [0 … 4]; Monday is 0."""
    text = re.sub(_WEEK_WORD, "", text)
    found: list[int] = []
    ranged = False
    for char in text:
        if char in "至到~-":
            ranged = True
        elif char in _WEEKDAYS:
            day = _WEEKDAYS[char]
            if ranged and found:
                start = found[-1]
                if day < start:
                    raise WhenError(UNREADABLE)
                found.extend(range(start + 1, day + 1))
            else:
                found.append(day)
            ranged = False
    return sorted(set(found))


def _cron_days(days: list[int]) -> str:
    return ",".join(_CRON_DAYS[d] for d in days)


def _count(match: re.Match[str], default: int = 1) -> int:
    g = match.groupdict()
    raw = g.get("n") or (g.get("n_en") or "").strip()
    return _number(raw) if raw else default


def _recurrence(kind: str, match: re.Match[str]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Cron fields and extras a recurrence word names, and whether a time of day may follow it."""
    g = match.groupdict()
    if kind == "seconds":
        return {"second": f"*/{_count(match)}"}, {}, False
    if kind == "minutes":
        return {"minute": f"*/{_count(match)}"}, {}, False
    if kind == "hours":
        n = _count(match)
        if not 1 <= n <= 23:
            raise WhenError(UNREADABLE)
        return {"hour": f"*/{n}", "minute": 0}, {}, False
    if kind == "daily":
        return {}, {}, True
    if kind == "workdays":
        return {}, {"workdays": True}, True
    if kind == "weekend":
        return {"day_of_week": "sat,sun"}, {}, True
    if kind in ("weeks", "weekly"):
        if g.get("en"):
            days = sorted({_EN_WEEKDAYS.index(w.lower()[:3]) for w in re.findall(_EN_DAY, g["en"], re.I)})
        else:
            days = _weekday_numbers(g["days"])
        extras = {"every_weeks": _count(match, 2)} if kind == "weeks" else {}
        return {"day_of_week": _cron_days(days)}, extras, True
    if kind == "month_last_weekday":
        return {"day": f"last {_CRON_DAYS[_WEEKDAYS[g['wd']]]}"}, {}, True
    if kind == "month_nth_weekday":
        return {"day": f"{_ORDINAL[_NTH[g['nth']]]} {_CRON_DAYS[_WEEKDAYS[g['wd']]]}"}, {}, True
    if kind == "month_last_day":
        return {"day": "last"}, {}, True
    if kind == "month_first_day":
        return {"day": 1}, {}, True
    if kind == "month_days":
        days = sorted({_number(n) for n in re.findall(_NUM, g["ds"])})
        if not all(1 <= d <= 31 for d in days):
            raise WhenError(UNREADABLE)
        return {"day": ",".join(map(str, days))}, {}, True
    if kind == "quarter_first_day":
        return {"month": "1,4,7,10", "day": 1}, {}, True
    if kind == "quarter_last_day":
        return {"month": "3,6,9,12", "day": "last"}, {}, True
    month, day = _number(g["m"]), _number(g["d"])  # yearly
    if _date(2028, month, day) is None:  # 2028 is a leap year: 2月29日 exists
        raise WhenError(UNREADABLE)
    return {"month": month, "day": day}, {}, True


def _crontab(fields: str) -> dict[str, Any]:
    """A 5-field crontab line as CronTrigger fields; its day of week counted as cron does (0 and 7
    are Sunday, 1-5 Monday to Friday), not as APScheduler's from_crontab does (0 is Monday)."""
    minute, hour, day, month, dow = fields.split()
    cron: dict[str, Any] = {"minute": minute, "hour": hour, "day": day, "month": month}
    if dow not in ("*", "?"):
        days: set[int] = set()
        for part in dow.lower().split(","):
            base, _, step = part.partition("/")
            if base == "*":
                first, last = 0, 6
            elif "-" in base:
                low, high = base.split("-", 1)
                first, last = _crontab_day(low), _crontab_day(high)
                last = 7 if last == 0 and first > 0 else last  # 1-0: Monday to Sunday
            else:
                first = last = _crontab_day(base)
            if last < first:
                raise WhenError(UNREADABLE)
            days |= {
                n % 7 for n in range(first, last + 1, int(step) if step.isdigit() and step != "0" else 1)
            }
        cron["day_of_week"] = ",".join(_CRONTAB_DAY[str(n)] for n in sorted(days, key=lambda n: (n - 1) % 7))
    try:
        CronTrigger(timezone=UTC, **cron)
    except ValueError:
        raise WhenError(UNREADABLE) from None
    return cron


def _crontab_day(word: str) -> int:
    """A crontab day of week as a number, 0 (or 7) Sunday; names allowed."""
    if word.isdigit() and int(word) <= 7:
        return int(word)
    if word[:3] in _CRON_DAYS:
        return (_CRON_DAYS.index(word[:3]) + 1) % 7
    raise WhenError(UNREADABLE)


def _clock_of(rest: str, timed: bool) -> tuple[int, int] | None:
    """The time of day after a recurrence word, None when there is none (a default applies)."""
    parts, end = _scan(rest)
    if end < len(rest):
        raise WhenError(UNREADABLE)
    if parts.seen - {"clock"}:  # 每天 明天 9点: a date in a recurring phrase
        raise WhenError(AMBIGUOUS)
    if not timed:
        if parts.hour is not None or parts.period is not None:
            raise WhenError(AMBIGUOUS)  # 每小时 9点
        return None
    if parts.hour is None:
        if parts.period is not None:  # 每天晚上: when in the evening?
            raise WhenError(NO_TIME)
        return None
    hour, extra = _hour_of_day(parts)
    if extra:  # 每周三晚上12点 is Thursday 00:00: say so rather than guess
        raise WhenError(AMBIGUOUS)
    return hour, parts.minute


def _checked(rule: Rule, now: datetime, tz: tzinfo) -> Rule:
    times = rule.next_times(now, tz, GAP_PROBES)
    if not times:
        raise WhenError(NEVER)
    if any(b.astimezone(UTC) - a.astimezone(UTC) < MIN_GAP for a, b in itertools.pairwise(times)):
        raise WhenError(TOO_OFTEN)
    return rule


def _recurring(text: str, *, now: datetime, tz: tzinfo) -> Rule | None:
    """The recurring rule `text` names, or None when it does not begin with a recurrence word."""
    folded = fold(text)
    crontab = _CRONTAB.fullmatch(folded)
    if crontab:
        try:
            cron = _crontab(crontab.group("f"))
        except WhenError:
            cron = None  # five words that are not a crontab line ("every monday at 9 am")
        if cron is not None:
            return _checked(Rule({"cron": cron}), now, tz)
    start = len(folded) - len(folded.lstrip())
    found = next(((kind, m) for kind, p in _RECURRENCES if (m := p.match(folded, start))), None)
    if found is None:
        return None
    kind, match = found
    fields, extras, timed = _recurrence(kind, match)
    clock = _clock_of(text[match.end() :], timed)
    if timed:
        hour, minute = clock or (RULE_DEFAULT_TIME.hour, RULE_DEFAULT_TIME.minute)
        fields |= {"hour": hour, "minute": minute}
    if extras.get("every_weeks"):
        first = Rule({"cron": fields}).next_after(now, tz)
        if first is None:
            raise WhenError(NEVER)
        extras["anchor"] = first.date().isoformat()  # the first fire's week is week 0
    return _checked(Rule({"cron": fields, **extras}), now, tz)


def parse_rule(text: str, *, now: datetime, tz: str | tzinfo) -> Rule:
    """A one-off or recurring time phrase (每天 8:00, 工作日 8:30, 每周三 15:00, a cron line …) as a Rule.

    A one-off phrase is read by `parse_moment` (a time is required). A recurring phrase without a
    time of day (每月15号, 每月最后一个周五) fires at 09:00 (`RULE_DEFAULT_TIME`); with only a period
    (每天晚上) it is `when/no_time`. A crontab line ("0 9 * * 1-5") counts its day of week as cron does.
    Raises WhenError like `parse_moment`, `when/too_often` for a rule that would fire more than once a
    minute and `when/never` for one with no fire time after `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    local = zone(tz)
    rule = _recurring(text, now=now, tz=local)
    if rule is not None:
        return rule
    return Rule.once(parse_moment(text, now=now, tz=local))
