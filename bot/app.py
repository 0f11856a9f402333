"""The composition root: builds the Application, owns the engine, starts the outbox sender.

Reads top to bottom: settings -> Application (HTTP, defaults, rate limiter, typed context)
-> handlers -> post_init (engine, sessions, renderer, sender) -> post_shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot import jobs, menus
from bot.categories import load_catalogs
from bot.classifier import Triager
from bot.config import Settings
from bot.context import BotData, LinliApplication, LinliContext
from bot.member_directory import TelegramMemberDirectory
from bot.outbox.cards import CardRenderer
from bot.outbox.sender import OutboxSender, Sleep
from bot.render import Renderer
from bot.services.community import members
from bot.services.points import awards
from bot.services.requests import cards as request_cards
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from bot.services.volunteers import cards as volunteer_cards
from storage.clock import Clock, system_clock
from storage.engine import make_engine, make_sessions

log = logging.getLogger(__name__)

# The updates the bot asks Telegram for (polling passes them on). chat_member, people joining and
# leaving a group where the bot is an administrator, is sent only to a bot that names it here.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]


def telegram_limits(group_per_minute: int = 20) -> AIORateLimiter:
    """Telegram's limits: 30 msg/s overall and 20 msg/min per group, in any window.

    aiolimiter is a leaky bucket: a burst of `max_rate`, then `max_rate / period` per second. The
    burst plus one period's leak must stay within the limit, hence 15 + 15/s overall and
    10 + 10/min per group. RetryAfter is not retried here: the sender waits it out per chat.
    """
    return AIORateLimiter(
        overall_max_rate=15,
        overall_time_period=1,
        group_max_rate=max(1, group_per_minute // 2),
        group_time_period=60,
        max_retries=0,
    )


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    clock: Clock = system_clock,
    sleep: Sleep = asyncio.sleep,
) -> LinliApplication:
    """The Application. `clock` is the one clock of the whole bot; `sleep` is how the sender waits
    out Telegram's RetryAfter (tests pass a clock they move and a sleep that returns at once)."""
    token = settings.token()
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{settings.telegram_base_url}/bot")
        .base_file_url(f"{settings.telegram_base_url}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(telegram_limits(settings.group_messages_per_minute))
        .context_types(ContextTypes(context=LinliContext, bot_data=BotData))
        .post_init(start_runtime)
        .post_shutdown(stop_runtime)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    app: LinliApplication = builder.build()  # type: ignore[assignment]
    app.bot_data.settings = settings
    app.bot_data.clock = clock
    app.bot_data.sleep = sleep
    handlers.register(app)
    app.add_error_handler(_log_error)
    return app


async def start_runtime(app: LinliApplication) -> None:
    """post_init: the engine, one session factory, the renderer, the outbox sender, the sweep job."""
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
    app.bot_data.started = True
    await _queue_menus(app.bot_data.deps)
    await sender.start()  # also sends what a previous run committed but did not deliver
    if app.job_queue is not None:  # due times are stored, so a sweep after a restart catches up
        app.job_queue.run_repeating(
            jobs.sweep, interval=settings.sweep_seconds, first=settings.sweep_seconds, name="sweep"
        )


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


async def stop_runtime(app: LinliApplication) -> None:
    if not app.bot_data.started:
        return
    await app.bot_data.sender.stop()
    await app.bot_data.engine.dispose()
    app.bot_data.started = False


async def _log_error(update: object, context: LinliContext) -> None:
    log.error("error while handling an update", exc_info=context.error)
