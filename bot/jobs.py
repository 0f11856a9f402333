"""Jobs the scheduler runs on a timer (PTB's JobQueue): each is one service call."""

from __future__ import annotations

import logging

from bot.context import LinliContext
from bot.services.broadcasts import report as broadcast_report
from bot.services.points import awards
from bot.services.requests import finish, rating
from bot.services.shop import refund

log = logging.getLogger(__name__)


async def sweep(context: LinliContext) -> None:
    """Work that is due by a stored time: done requests nobody confirmed in time, ratings that
    can no longer be changed, redemptions of the points shop that were never handed over, large
    point awards nobody confirmed, broadcasts whose delivery report is due."""
    deps = context.deps
    try:
        await finish.confirm_due(deps.uow, deps.env)
        await rating.close_rating_windows(deps.uow, deps.env)
        await refund.expire_due(deps.uow, deps.env)
        await awards.expire_due(deps.uow, deps.env)
        await broadcast_report.report_finished(deps.uow, deps.env)
    except Exception:  # a database hiccup must not stop the timer; the next sweep catches up
        log.exception("sweep failed; it will run again")
