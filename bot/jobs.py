"""Jobs the scheduler runs on a timer (PTB's JobQueue): each is one service call."""

from __future__ import annotations

import logging

from bot.context import LinliContext
from bot.services.activities import thanks
from bot.services.broadcasts import report as broadcast_report
from bot.services.digest import daily
from bot.services.points import awards
from bot.services.requests import escalation, finish, rating
from bot.services.schedule import tick
from bot.services.shop import refund

log = logging.getLogger(__name__)


async def sweep(context: LinliContext) -> None:
    """Work that is due by a stored time: done requests nobody confirmed in time, ratings that
    can no longer be changed, redemptions of the points shop that were never handed over, large
    point awards nobody confirmed, 5341 escalations of late requests, the staff groups' daily digest,
    broadcasts whose delivery report is due."""
    deps = context.deps
    if not context.bot_data.sender.leads:
        return  # several instances: the one that sends does the timed work, once
    try:
        await finish.confirm_due(deps.uow, deps.env)
        await rating.close_rating_windows(deps.uow, deps.env)
        await refund.expire_due(deps.uow, deps.env)
        await awards.expire_due(deps.uow, deps.env)
        await escalation.escalate_due(deps.uow, deps.env)
        await daily.send_due(deps.uow, deps.env)
        await thanks.wrap_up_due(deps.uow, deps.env)  # ended activities: no-shows, thank-you cards
        await broadcast_report.report_finished(deps.uow, deps.env)
    except Exception:  # a database hiccup must not stop the timer; the next sweep catches up
        log.exception("sweep failed; it will run again")


async def schedule_tick(context: LinliContext) -> None:
    """Schedules due by the clock fire, each once (reminders, activity reminders, housekeeping)."""
    try:
        await tick.tick(context.deps, context.bot_data.fire_handlers)
    except Exception:  # the database is away: the schedules stay due and the next tick fires them
        log.exception("schedule tick failed; it will run again")
