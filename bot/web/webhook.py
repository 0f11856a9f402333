"""Webhook mode: Telegram posts each update here (behind nginx), following PTB's custom-webhook example
with Starlette and uvicorn, and the same process serves /healthz, /readyz and /metrics.

An update is answered only after its effect is committed: the handler runs before the response, so
Telegram's 200 means the update is in the database (processed_updates, with its replies in the
outbox). An update whose handling failed (the database was away) gets a 500 and Telegram posts it
again later; one already processed is recognised by its update_id and changes nothing. A post
without the secret token Telegram was given (compared in constant time) gets 403 and is not read.
Updates of one chat (and of one person) are handled one at a time, in the order they arrive (Telegram
may post several at once, up to max_connections); different chats run side by side, as many at once
as the Application's update processor allows (bot/update_order.py).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.context import LinliApplication
from bot.web.health import readiness

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(url: str) -> str:
    """The path Telegram posts to, as nginx forwards it: the path of WEBHOOK_URL."""
    return urlsplit(url).path or "/"


def update_kind(data: dict[str, object]) -> str:
    return next((key for key in data if key != "update_id"), "unknown")


def web_app(app: LinliApplication, *, manage_lifecycle: bool = True) -> Starlette:
    """The ASGI app. With `manage_lifecycle`, its lifespan starts the bot (initialize, runtime,
    setWebhook) and stops it (finish in-flight work, flush the outbox, shut down); tests that start
    the bot themselves pass False."""
    settings = app.bot_data.settings
    secret = (settings.secret() or "").encode()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            return Response(status_code=403)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, app.bot)
        except Exception:
            log.warning("webhook: a post that is not an update was refused")
            return Response(status_code=400)
        if update is None:
            return Response(status_code=400)
        return await _handle(app, update, update_kind(data))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        state = await readiness(app)
        return JSONResponse(state.as_dict(), status_code=200 if state.ready else 503)

    async def metrics(request: Request) -> Response:
        data = app.bot_data
        if not data.started:
            return Response(status_code=503)
        body = await data.metrics.render(data.deps.uow, data.clock)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if not manage_lifecycle:
            yield
            return
        from bot.app import start_webhook_mode, stop_webhook_mode

        await start_webhook_mode(app)
        try:
            yield
        finally:
            await stop_webhook_mode(app)

    routes = [
        Route(webhook_path(settings.webhook_url or "https://localhost/telegram"), telegram, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _handle(app: LinliApplication, update: Update, kind: str) -> Response:
    data = app.bot_data
    started = time.perf_counter()
    # The Application's processor: its bound on updates at once, its order per chat and person.
    await app.update_processor.process_update(update, app.process_update(update))
    failed = update.update_id in data.failed_updates
    data.failed_updates.discard(update.update_id)
    data.metrics.updates.labels(kind=kind, result="failed" if failed else "ok").inc()
    data.metrics.handler_seconds.labels(kind=kind).observe(time.perf_counter() - started)
    # 500: Telegram keeps the update and posts it again; its update_id makes the retry safe.
    return Response(status_code=500 if failed else 200)
