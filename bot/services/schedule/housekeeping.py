"""Housekeeping, the first user of schedules: once a day, what is no longer needed is deleted.

Processed-update records and sent outbox rows older than `retention_days`, album parts that never
became a request after `album_part_hours`, and /remind drafts nobody confirmed within a day.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.services.schedule.plans import Fire, FireHandler, plan
from bot.services.shared.env import Env
from bot.when import Rule
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

KIND = "housekeeping"
KEY = "daily"
DRAFT_HOURS = 24


def daily_rule(env: Env) -> Rule:
    hour, minute = (int(part) for part in env.settings.housekeeping_time.split(":"))
    return Rule.cron(hour=hour, minute=minute)


async def plan_daily(uow_factory: UnitOfWorkFactory, env: Env) -> int:
    """Plan the daily housekeeping at start. Planning again with the same time changes nothing (a
    fire missed while the bot was down is still caught up); a new time replaces the old."""
    rule, tz = daily_rule(env), env.settings.default_timezone
    async with uow_factory() as uow:
        found = await uow.schedules.find(KIND, KEY)
        if found is not None and found.rule == rule.spec and found.tz == tz:
            return found.id
        schedule_id = await plan(uow, env, kind=KIND, key=KEY, rule=rule, tz=tz)
        await uow.commit()
        return schedule_id


async def prune(uow: UnitOfWork, env: Env, fire: Fire) -> None:
    now = uow.clock()
    settings = env.settings
    retention = now - timedelta(days=settings.retention_days)
    updates = await uow.retention.prune_processed_updates(retention)
    sent = await uow.retention.prune_sent_outbox(retention)
    albums = await uow.retention.prune_album_parts(now - timedelta(hours=settings.album_part_hours))
    drafts = await uow.schedules.stale_drafts(now - timedelta(hours=DRAFT_HOURS))
    log.info(
        "housekeeping: %s processed updates, %s sent outbox rows, %s album parts, %s reminder drafts deleted",
        updates,
        sent,
        albums,
        drafts,
    )


def fire_handlers(env: Env) -> dict[str, FireHandler]:
    return {KIND: prune}
