"""Typed bot_data and context for handlers (PTB's ContextTypes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.outbox.sender import OutboxSender
from bot.services.runner import Deps


@dataclass
class BotData:
    """Filled by the composition root in post_init; one session per call comes from `deps`."""

    settings: Settings | None = None
    sender_options: dict[str, Any] = field(default_factory=dict)  # clock/sleep injected by tests
    engine: AsyncEngine | None = None
    deps: Deps | None = None
    sender: OutboxSender | None = None


class LinliContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def deps(self) -> Deps:
        deps = self.bot_data.deps
        if deps is None:
            raise RuntimeError("the application was not started through bot.app (post_init did not run)")
        return deps


LinliApplication = Application[ExtBot[None], LinliContext, dict[Any, Any], dict[Any, Any], BotData, Any]
