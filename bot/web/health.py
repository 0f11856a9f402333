"""Liveness and readiness, as a load balancer or an orchestrator asks for them.

/healthz: the process answers. /readyz: it can do its work: the database answers, its schema is the
newest migration this code ships, and the outbox sender is running.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text

from bot.context import LinliApplication
from storage.migrate import is_current

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    database: bool
    migrations: bool
    sender: bool
    leads: bool = False  # informational: this instance is the one sending (several on one database)

    @property
    def ready(self) -> bool:
        return self.database and self.migrations and self.sender

    def as_dict(self) -> dict[str, bool]:
        return {
            "database": self.database,
            "migrations": self.migrations,
            "sender": self.sender,
            "leads": self.leads,
        }


async def readiness(app: LinliApplication) -> Readiness:
    data = app.bot_data
    if not data.started:
        return Readiness(database=False, migrations=False, sender=False)
    database = migrations = False
    try:
        async with data.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        database = True
        migrations = await is_current(data.engine)
    except Exception:
        log.warning("readiness: the database did not answer", exc_info=True)
    sender = data.sender
    return Readiness(database=database, migrations=migrations, sender=sender.alive, leads=sender.leads)
