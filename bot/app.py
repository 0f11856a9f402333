"""The composition root: builds the Application, owns the engine, starts the outbox sender.

Reads top to bottom: settings -> Application (HTTP, defaults, typed context)
-> handlers -> post_init (engine, sessions, renderer, sender) -> post_shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot import jobs, menus
from bot.categories import load_catalogs
from bot.classifier import Triager
from bot.config import Settings
from bot.context import BotData, LinliApplication, LinliContext
from bot.member_directory import TelegramMemberDirectory
from bot.outbox.cards import CardRenderer
from bot.outbox.lease import SenderLease
from bot.outbox.limits import FloodLimiter
from bot.outbox.sender import OutboxSender, Sleep
from bot.render import Renderer
from bot.services.activities import cards as activity_cards
from bot.services.activities import reminders as activity_reminders
from bot.services.community import members
from bot.services.points import awards
from bot.services.reminders import remind
from bot.services.requests import cards as request_cards
from bot.services.schedule import housekeeping
from bot.services.schedule.plans import FireHandlers
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from bot.services.volunteers import cards as volunteer_cards
from bot.update_order import ChatOrderedProcessor
from bot.web.metrics import MeteredRequest, Metrics
from storage.clock import Clock, system_clock
from storage.engine import make_engine, make_sessions

log = logging.getLogger(__name__)

# The updates the bot asks Telegram for (polling passes them on). chat_member, people joining and
# leaving a group where the bot is an administrator, is sent only to a bot that names it here.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    clock: Clock = system_clock,
    sleep: Sleep = asyncio.sleep,
    webhook: bool = False,
) -> LinliApplication:
    """The Application, handling updates side by side where their order allows (bot/update_order.py).
    `clock` is the one clock of the whole bot; `sleep` is how the sender waits
    out Telegram's RetryAfter (tests pass a clock they move and a sleep that returns at once).
    With `webhook` there is no updater: updates arrive through bot.web.webhook."""
    token = settings.token()
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    metrics = Metrics()  # made first: it counts the Bot API calls of the requests below
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{settings.telegram_base_url}/bot")
        .base_file_url(f"{settings.telegram_base_url}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .context_types(ContextTypes(context=LinliContext, bot_data=BotData))
        .post_init(start_runtime)
        .post_stop(finish_outbox)
        .post_shutdown(stop_runtime)
        .concurrent_updates(ChatOrderedProcessor(settings.concurrency()))
        .request(MeteredRequest(request or HTTPXRequest(connection_pool_size=256), metrics))
    )
    if webhook:
        builder = builder.updater(None)
    else:
        polling = updates_request or request or HTTPXRequest()
        builder = builder.get_updates_request(MeteredRequest(polling, metrics))
    app: LinliApplication = builder.build()
    app.bot_data.settings = settings
    app.bot_data.metrics = metrics
    app.bot_data.clock = clock
    app.bot_data.sleep = sleep
    handlers.register(app)
    app.add_error_handler(_log_error)
    return app


async def start_runtime(app: LinliApplication) -> None:
    """post_init: the engine, one session factory, the renderer, the outbox sender (with Telegram's
    flood limits), the sweep job and the schedule tick."""
    settings, clock = app.bot_data.settings, app.bot_data.clock
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    renderer = Renderer(settings.default_locale)
    env = Env(
        settings=settings,
        renderer=renderer,
        clock=clock,
        bot_username=app.bot.username,
        catalogs=load_catalogs(settings.categories_file),
        triager=Triager(settings.triage_cache_dir),
    )
    env.triager.ready()  # the triage model trained (first start) or loaded now, not on the first request
    cards = CardRenderer(
        {
            **volunteer_cards.card_functions(env),
            **request_cards.card_functions(env),
            **awards.card_functions(env),
            **activity_cards.card_functions(env),
        }
    )
    sender = OutboxSender(
        app.bot,
        sessions,
        cards,
        clock=clock,
        sleep=app.bot_data.sleep,
        poll_seconds=settings.outbox_poll_seconds,
        menus=menus.Menus(renderer, settings.default_locale),
        private_interval=settings.private_message_seconds,
        lease=SenderLease(engine, clock=clock, retry_seconds=settings.sender_takeover_seconds),
        limiter=FloodLimiter(
            clock=clock,
            sleep=app.bot_data.sleep,
            per_second=settings.messages_per_second,
            group_per_minute=settings.group_messages_per_minute,
            margin=settings.flood_margin_seconds,
        ),
    )
    # Someone unknown writing in private is looked up in the groups (getChatMember) before their update.
    directory = TelegramMemberDirectory(
        app.bot, per_second=settings.member_lookups_per_second, clock=clock, sleep=app.bot_data.sleep
    )
    app.bot_data.engine = engine
    app.bot_data.deps = Deps(
        sessions=sessions, env=env, on_commit=sender.wake, prepare=partial(members.recognise, directory)
    )
    app.bot_data.sender = sender
    # What each kind of schedule does when it fires, from each feature (as the card functions are).
    app.bot_data.fire_handlers = fire_handlers(env)
    app.bot_data.started = True
    await _queue_menus(app.bot_data.deps)
    await _plan_housekeeping(app.bot_data.deps)
    await sender.start()  # also sends what a previous run committed but did not deliver
    if app.job_queue is not None:  # due times are stored, so a sweep after a restart catches up
        app.job_queue.run_repeating(
            jobs.sweep, interval=settings.sweep_seconds, first=settings.sweep_seconds, name="sweep"
        )
        app.job_queue.run_repeating(  # fires are stored too: the first tick catches up what was missed
            jobs.schedule_tick,
            interval=settings.schedule_tick_seconds,
            first=settings.schedule_tick_seconds,
            name="schedules",
        )


def fire_handlers(env: Env) -> FireHandlers:
    """What a fire of each kind of schedule does, from the features that plan them."""
    return {
        **housekeeping.fire_handlers(env),
        **remind.fire_handlers(env),
        **activity_reminders.fire_handlers(env),
    }


async def _plan_housekeeping(deps: Deps) -> None:
    """The daily housekeeping schedule (planning it again at every start changes nothing)."""
    try:
        await housekeeping.plan_daily(deps.uow, deps.env)
    except Exception:
        log.exception("housekeeping not planned; the bot starts without it")


async def _queue_menus(deps: Deps) -> None:
    """The command menus for everyone and each staff group, queued for the sender: Telegram's
    answers (429, network errors) are the sender's to wait out, and nothing here stops the bot."""
    try:
        async with deps.uow() as uow:
            count = await menus.queue_all(uow, f"start:{deps.env.clock().isoformat()}")
            await uow.commit()
        log.info("command menus queued for %s chats", count)
    except Exception:
        log.exception("command menus not queued; the bot starts without updating them")


async def finish_outbox(app: LinliApplication) -> None:
    """post_stop (SIGTERM while polling, or the webhook's shutdown): no more updates come in; deliver
    what the outbox can within DRAIN_SECONDS. What is left stays pending for the next start."""
    if not app.bot_data.started:
        return
    left = await app.bot_data.sender.flush(app.bot_data.settings.drain_seconds)
    log.info("stopping: outbox flushed, %s messages left for the next start", left)


async def start_webhook_mode(app: LinliApplication) -> None:
    """Webhook mode's start (the ASGI lifespan): what run_polling does, with setWebhook instead of
    polling. The webhook is not deleted on stop: another instance may be serving it."""
    settings = app.bot_data.settings
    await app.initialize()
    await start_runtime(app)
    await app.start()
    await app.bot.set_webhook(
        url=settings.webhook_url or "",
        secret_token=settings.secret(),
        allowed_updates=ALLOWED_UPDATES,
        max_connections=settings.webhook_max_connections,
    )
    log.info("webhook set; serving updates")


async def stop_webhook_mode(app: LinliApplication) -> None:
    if app.running:
        await app.stop()
        await finish_outbox(app)
    await stop_runtime(app)
    await app.shutdown()


async def stop_runtime(app: LinliApplication) -> None:
    if not app.bot_data.started:
        return
    await app.bot_data.sender.stop()
    await app.bot_data.engine.dispose()
    app.bot_data.started = False


async def _log_error(update: object, context: LinliContext) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and context.application.updater is None:  # webhook mode reads it
        context.bot_data.failed_updates.add(update.update_id)
