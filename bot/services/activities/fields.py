"""What staff type for an activity's fields, read and checked. The one-line /newactivity, the guided
flow and /activity <n> edit read them alike; a wrong value is a polite refusal naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import when, words
from bot.numbers import number_value
from bot.opening import fold
from bot.services.shared.errors import Refused

TITLE_LIMIT = 64
PLACE_LIMIT = 128
DESCRIPTION_LIMIT = 500
CAPACITY_MAX = 10_000
POINTS_MAX = 1_000
LONGEST = timedelta(days=7)  # an activity lasting longer is a typing mistake
_CLOCK_TIME = re.compile(r"^(\d{1,2})[:：点](\d{2})?分?$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(小时|个小时|h|hours?|分钟|min|minutes?)$", re.IGNORECASE)


@dataclass
class Draft:
    """An activity as staff typed it, every field read and checked."""

    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int | None
    points: int
    description: str = ""
    audience: str = "everyone"  # everyone | volunteers
    signup_deadline: datetime | None = None
    buildings: list[str] = field(default_factory=list)  # announce only in these buildings' groups


def read_title(text: str) -> str:
    title = " ".join(text.split())
    if not title or len(title) > TITLE_LIMIT:
        raise Refused("activities/title_invalid", most=TITLE_LIMIT)
    return title


def read_place(text: str) -> str:
    place = " ".join(text.split())
    if not place or len(place) > PLACE_LIMIT:
        raise Refused("activities/place_invalid", most=PLACE_LIMIT)
    return place


def read_description(text: str) -> str:
    description = text.strip()
    if words.is_word("unlimited", description):
        return ""
    if len(description) > DESCRIPTION_LIMIT:
        raise Refused("activities/description_too_long", most=DESCRIPTION_LIMIT)
    return description


def read_capacity(text: str) -> int | None:
    """Places: 1 to 10000, or 不限 / empty for unlimited. 0, negative and absurd numbers are refused."""
    typed = fold(text).strip().removesuffix("人").removesuffix("名").strip()
    if not typed or words.is_word("unlimited", typed):
        return None
    value = number_value(typed)
    if value is None or not 1 <= value <= CAPACITY_MAX:
        raise Refused("activities/capacity_invalid", typed=text.strip()[:32], most=CAPACITY_MAX)
    return value


def read_points(text: str) -> int:
    typed = fold(text).strip().removesuffix("积分").removesuffix("分").removesuffix("points").strip()
    if not typed or words.is_word("unlimited", typed):
        return 0
    value = number_value(typed)
    if value is None or not 0 <= value <= POINTS_MAX:
        raise Refused("activities/points_invalid", typed=text.strip()[:32], most=POINTS_MAX)
    return value


def read_moment(text: str, *, now: datetime, tz: str) -> datetime:
    """A time phrase (2026-12-20 15:00, 12月20日 15:00, 明天下午3点, 周六上午9点) in the community's
    time zone, by the one time-phrase parser; a past or unreadable one is refused."""
    typed = text.strip()
    if not typed:
        raise Refused("activities/time_missing")
    try:
        return when.parse_moment(typed, now=now, tz=tz)
    except when.WhenError as exc:  # its reason names the template that explains it (when/past, …)
        raise Refused(exc.reason, **exc.params) from None


def read_end(text: str, starts_at: datetime, *, now: datetime, tz: str) -> datetime:
    """The end: a clock time on the day it starts (17:00), a length (2小时, 90分钟), or a full time."""
    typed = fold(text).strip()
    clock = _CLOCK_TIME.match(typed)
    length = _DURATION.match(typed)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
        if hour > 23 or minute > 59:
            raise Refused("when/unreadable")
        start = starts_at.astimezone(ZoneInfo(tz))
        ends_at = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
    elif length:
        amount = float(length.group(1))
        minutes = (
            amount * 60 if length.group(2).lower() in ("小时", "个小时", "h", "hour", "hours") else amount
        )
        ends_at = starts_at + timedelta(minutes=minutes)
    else:
        ends_at = read_moment(text, now=now, tz=tz)
    return ends_at


def check_times(starts_at: datetime, ends_at: datetime, deadline: datetime | None, now: datetime) -> None:
    """The start in the future, the end after it (within a week), a deadline before the start."""
    if starts_at <= now:
        raise Refused("activities/time_past")
    if ends_at <= starts_at:
        raise Refused("activities/end_before_start")
    if ends_at - starts_at > LONGEST:
        raise Refused("activities/too_long", days=LONGEST.days)
    if deadline is not None and not now < deadline <= starts_at:
        raise Refused("activities/deadline_invalid")


def read_audience(text: str) -> str:
    return "volunteers" if words.is_word("activity_volunteers_only", text) else "everyone"


def read_buildings(text: str) -> list[str]:
    return [b for b in re.split(r"[\s,，、]+", text.strip()) if b]
