"""Prometheus metrics: what the bot did (counted as it happens) and what it holds (read at each scrape).

Counted: updates handled by kind, with their handling time, and every Bot API call by method and
HTTP status (so messages sent, failed and answered 429 are one query away). Read from the database
when /metrics is scraped: the outbox's depth and the age of its oldest pending row, requests by state,
schedule fires by outcome.
Each application has its own registry, so two in one process (tests) do not collide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from telegram.request import BaseRequest, RequestData

from storage.clock import Clock
from storage.models import OutboxMessage, Request, ScheduleFire
from storage.uow import UnitOfWork

# Handling an update is a few database statements: milliseconds, seconds when something is wrong.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "linli_updates", "Updates handled, by kind", ["kind", "result"], registry=self.registry
        )
        self.handler_seconds = Histogram(
            "linli_handler_seconds",
            "Time from receiving an update to its effect being committed",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.api_calls = Counter(
            "linli_bot_api_calls",
            "Bot API calls by method and HTTP status (429: Telegram asked to slow down)",
            ["method", "status"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "linli_outbox_pending", "Outbox rows waiting to be delivered", registry=self.registry
        )
        self.outbox_oldest = Gauge(
            "linli_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox row (0 when none)",
            registry=self.registry,
        )
        self.requests = Gauge("linli_requests", "Requests by state", ["state"], registry=self.registry)
        self.schedule_fires = Gauge(
            "linli_schedule_fires",
            "Schedule fires recorded, by outcome (sent, skipped: missed past the grace, failed)",
            ["outcome"],
            registry=self.registry,
        )

    async def render(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> bytes:
        """The exposition text, after reading the stored gauges in one short transaction."""
        async with uow_factory() as uow:
            pending = await uow.session.execute(
                select(func.count(), func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.status == "pending"
                )
            )
            count, oldest = pending.one()
            states = await uow.session.execute(select(Request.status, func.count()).group_by(Request.status))
            by_state = {state: n for state, n in states.all()}
            fires = await uow.session.execute(
                select(ScheduleFire.outcome, func.count()).group_by(ScheduleFire.outcome)
            )
            by_outcome = {outcome: n for outcome, n in fires.all()}
        self.outbox_pending.set(count)
        self.outbox_oldest.set(_age(clock, oldest))
        self.requests.clear()
        for state, n in by_state.items():
            self.requests.labels(state=state).set(n)
        self.schedule_fires.clear()
        for outcome, n in by_outcome.items():
            self.schedule_fires.labels(outcome=outcome).set(n)
        return generate_latest(self.registry)


def _age(clock: Clock, oldest: Any) -> float:
    if oldest is None:
        return 0.0
    now = clock()
    if oldest.tzinfo is None:  # SQLite returns naive UTC
        now = now.replace(tzinfo=None)
    return max(0.0, (now - oldest).total_seconds())


class MeteredRequest(BaseRequest):
    """PTB's HTTP layer with every Bot API answer counted by method and status. Only the last path
    segment of the URL (the method) is read: the rest holds the token and is never recorded."""

    def __init__(self, inner: BaseRequest, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        try:
            status, body = await self.inner.do_request(
                url,
                method,
                request_data=request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except Exception:
            self.metrics.api_calls.labels(method=name, status="network_error").inc()
            raise
        self.metrics.api_calls.labels(method=name, status=str(status)).inc()
        return status, body
