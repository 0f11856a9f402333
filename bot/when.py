"""When things happen: the one place a time phrase becomes a moment or a rule, and a rule its fire times.

People write times the way they speak them (2026-12-20 15:00, 12月20日 15:00, 明天下午3点, 周六上午9点,
每周三 15:00, 工作日 8:30). `parse_moment` turns a one-off phrase into an aware datetime, `parse_rule` a
one-off or recurring phrase into a `Rule`. Both read "now" and the community's timezone from the caller
(never the system clock) and raise `WhenError`, whose `reason` names the template that explains the
refusal, for a phrase they cannot read, an ambiguous one, or a time already past.

A `Rule` is stored as JSON (`spec`) and computes its fire times with APScheduler's triggers in the
community's timezone, so daylight-saving changes are APScheduler's to get right, not ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

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


def parse_moment(text: str, *, now: datetime, tz: str | tzinfo) -> datetime:
    """A one-off time phrase as an aware datetime in `tz`; the next occurrence when no date is given.

    Raises WhenError for a phrase that names no time, an ambiguous one, or a time not after `now`.
    """
    raise NotImplementedError("bot.when.parse_moment")


def parse_rule(text: str, *, now: datetime, tz: str | tzinfo) -> Rule:
    """A one-off or recurring time phrase (每天 8:00, 工作日 8:30, 每周三 15:00, a cron line …) as a Rule.

    Raises WhenError like `parse_moment`, and for a rule that would fire more than once a minute.
    """
    raise NotImplementedError("bot.when.parse_rule")
