"""What every service needs besides its unit of work: settings, the renderer and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.render import Renderer
from storage.types import utcnow


@dataclass(frozen=True)
class Env:
    settings: Settings
    renderer: Renderer
    bot_username: str = "linli_bot"
    clock: Callable[[], datetime] = field(default=utcnow)

    def is_super(self, telegram_id: int) -> bool:
        return telegram_id in self.settings.admin_ids
