"""Typed bot_data and context for handlers (PTB's ContextTypes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.outbox.sender import OutboxSender, Sleep
from bot.services.schedule.plans import FireHandlers
from bot.services.shared.runner import Deps
from bot.web.metrics import Metrics
from storage.clock import Clock


@dataclass
class BotData:
    """PTB makes this with no arguments; the composition root fills it.

    `settings`, `clock` and `sleep` are set by `build_application`; `engine`, `deps`, `sender` and
    `fire_handlers` by post_init (`started` says whether it ran). None of them is optional: reading
    one before it is set is a bug in the wiring and fails at once.
    """

    settings: Settings = field(init=False)
    clock: Clock = field(init=False)
    sleep: Sleep = field(init=False)
    engine: AsyncEngine = field(init=False)
    deps: Deps = field(init=False)
    sender: OutboxSender = field(init=False)
    fire_handlers: FireHandlers = field(init=False)  # schedule kind -> what its fire does
    started: bool = False
    metrics: Metrics = field(default_factory=Metrics)  # counted as updates and Bot API calls happen
    # Updates whose handling raised (the error handler notes them): the webhook answers 500 for
    # these, so Telegram posts them again.
    failed_updates: set[int] = field(default_factory=set)


class LinliContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def deps(self) -> Deps:
        if not self.bot_data.started:
            raise RuntimeError("the application was not started through bot.app (post_init did not run)")
        return self.bot_data.deps


LinliApplication = Application[ExtBot[None], LinliContext, dict[Any, Any], dict[Any, Any], BotData, Any]
