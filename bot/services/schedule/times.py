"""Fire times as the tick uses them: a rule's next time, made safe at daylight-saving changes.

APScheduler 3's CronTrigger, given an aware time inside the hour a fall-back repeats (Europe/Berlin,
25 October 2026, 02:00-03:00 twice), can hand back the same instant again, or the same local time a
second time. The tick moves on strictly: a time not after the previous one is never returned, and a
recurring rule's fire at the very local time of the fire before it (02:30 summer time, then 02:30
winter time) is that one time seen twice, so it happens once, as cron does. Times are compared in
UTC: Python compares two aware times of the same zone object by their wall time, fold ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.when import Rule, zone

STEP = timedelta(minutes=1)
MAX_STEPS = 24 * 60  # a day of probing at most; no rule repeats one local time for longer


def next_fire(rule: Rule, after: datetime, tz: str) -> datetime | None:
    """The first fire time of `rule` strictly after `after` (a fire time itself, or any moment)."""
    local = zone(tz)
    after = after.astimezone(UTC)  # aware times of one zone compare by wall time: compare in UTC
    seen = after.astimezone(local).replace(tzinfo=None)
    probe = after
    for _ in range(MAX_STEPS):
        found = rule.next_after(probe, tz)
        if found is None:
            return None
        found = found.astimezone(UTC)
        repeated = rule.recurring and found.astimezone(local).replace(tzinfo=None) == seen
        if found > after and not repeated:
            return found
        probe = max(probe, found) + STEP
    return None


def next_fires(rule: Rule, after: datetime, tz: str, n: int = 3) -> list[datetime]:
    times: list[datetime] = []
    current: datetime | None = after
    while current is not None and len(times) < n:
        current = next_fire(rule, current, tz)
        if current is not None:
            times.append(current)
    return times
