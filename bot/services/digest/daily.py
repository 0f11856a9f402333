"""The daily digest: at `digest_time` in each community's time zone, its staff groups get
yesterday's numbers (local calendar day): requests filed, still waiting, late, done, the median
time to the first response and to done, the 5341 hit rate, satisfaction and who helped most.

Sent once per community and day: a row per (community, day) is inserted in the same transaction
as the messages, and a second sweep (after a restart, or in another instance) finds it and sends
nothing. A bot that was down at `digest_time` sends it when it comes back the same day; a day it
was down for entirely has no digest.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.requests.notify import display_name
from bot.services.shared import messages
from bot.services.shared.env import Env
from storage.models import Community, Request
from storage.request_states import FINISHED, RequestStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

HELPERS_SHOWN = 3
DONE_STATES = FINISHED | {RequestStatus.DONE}


@dataclass(frozen=True)
class Figures:
    """One day of a community's requests in numbers (durations in whole minutes)."""

    filed: int  # filed that day
    still_open: int  # waiting for someone (open, claimed, assigned) when the digest is made
    overdue: int  # of those, late now (as their cards say)
    done: int  # reported done that day (and not reopened since)
    response_median: int | None  # filed -> first response, over the first responses given that day
    done_median: int | None  # filed -> done, over the requests done that day
    on_time: int  # of those done: responded by respond_by and done by resolve_by
    ratings: int  # ratings given that day
    rating_average: float | None
    helpers: tuple[tuple[int, int], ...]  # (volunteer user id, requests done), most first

    @property
    def hit_rate(self) -> int | None:
        """The 5341 hit rate in percent, of the requests done that day."""
        return round(100 * self.on_time / self.done) if self.done else None


def _within(moment: datetime | None, since: datetime, until: datetime) -> bool:
    return moment is not None and since <= moment < until


def _minutes(spans: Sequence[timedelta]) -> int | None:
    if not spans:
        return None
    return round(statistics.median(span.total_seconds() for span in spans) / 60)


def figures(
    requests: Sequence[Request], since: datetime, until: datetime, *, still_open: int, overdue: int
) -> Figures:
    """The numbers of [since, until) from the requests filed, answered, done or rated in it."""
    filed = [r for r in requests if _within(r.created_at, since, until)]
    answered = [r for r in requests if r.responded_at is not None and _within(r.responded_at, since, until)]
    done = [
        r
        for r in requests
        if r.status in DONE_STATES and r.done_at is not None and _within(r.done_at, since, until)
    ]
    rated = [r for r in requests if r.rating is not None and _within(r.rated_at, since, until)]
    on_time = [
        r
        for r in done
        if r.responded_at is not None
        and r.done_at is not None
        and r.responded_at <= r.respond_by
        and r.done_at <= r.resolve_by
    ]
    helped = Counter(r.volunteer_id for r in done if r.volunteer_id is not None)
    ratings = [r.rating for r in rated if r.rating is not None]
    return Figures(
        filed=len(filed),
        still_open=still_open,
        overdue=overdue,
        done=len(done),
        response_median=_minutes([r.responded_at - r.created_at for r in answered if r.responded_at]),
        done_median=_minutes([r.done_at - r.created_at for r in done if r.done_at]),
        on_time=len(on_time),
        ratings=len(ratings),
        rating_average=round(sum(ratings) / len(ratings), 1) if ratings else None,
        helpers=tuple(sorted(helped.items(), key=lambda item: (-item[1], item[0]))[:HELPERS_SHOWN]),
    )


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which local calendar `day` starts and the next one starts."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def report_day(community: Community, now: datetime, at: time) -> date | None:
    """The day whose digest is due now (yesterday, local), or None before `at` local time."""
    here = now.astimezone(ZoneInfo(community.timezone))
    if here.time() < at:
        return None
    return here.date() - timedelta(days=1)


async def send_due(make_uow: Callable[[], UnitOfWork], env: Env) -> int:
    """Send each community's digest that is due and not yet sent; the number sent."""
    at = env.settings.digest_time
    if at is None:
        return 0
    now = env.clock()
    async with make_uow() as uow:
        communities = await uow.communities.all()
    sent = 0
    for community in communities:
        day = report_day(community, now, at)
        if day is None:
            continue
        async with make_uow() as uow:
            staff = await uow.chats.of_community(community.id, "staff")
            if not staff or await uow.digests.find(community.id, day) is not None:
                continue
            if not await uow.digests.take(community.id, day):
                continue  # another instance took it a moment ago
            text_context = await _context(uow, community, day, now)
            for chat in staff:
                await messages.post(
                    uow,
                    env,
                    f"digest:{community.id}:{day.isoformat()}:{chat.telegram_id}",
                    chat.telegram_id,
                    community.locale,
                    "digest/daily",
                    **text_context,
                )
            await uow.commit()
            sent += 1
    if sent:
        log.info("sent %s daily digest(s)", sent)
    return sent


async def _context(uow: UnitOfWork, community: Community, day: date, now: datetime) -> dict[str, Any]:
    since, until = day_bounds(day, ZoneInfo(community.timezone))
    numbers = figures(
        await uow.requests.of_day(community.id, since, until),
        since,
        until,
        still_open=await uow.requests.active_count(community.id),
        overdue=await uow.requests.late_count(community.id, now),
    )
    helpers = []
    for user_id, count in numbers.helpers:
        user = await uow.users.get(user_id)
        if user is not None:
            helpers.append({"name": await display_name(uow, user, community.id), "done": count})
    return {
        "community": community.name,
        "day": day.strftime("%m-%d"),
        "filed": numbers.filed,
        "still_open": numbers.still_open,
        "overdue": numbers.overdue,
        "done": numbers.done,
        "response_median": numbers.response_median,
        "done_median": numbers.done_median,
        "on_time": numbers.on_time,
        "hit_rate": numbers.hit_rate,
        "ratings": numbers.ratings,
        "rating_average": numbers.rating_average,
        "helpers": helpers,
    }
