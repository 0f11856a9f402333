"""What every service needs besides its unit of work: settings, the renderer, a clock, the categories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.categories import Catalogs, load_catalogs
from bot.config import Settings
from bot.render import Renderer
from storage.types import utcnow


@dataclass(frozen=True)
class Env:
    settings: Settings
    renderer: Renderer
    bot_username: str = "linli_bot"
    clock: Callable[[], datetime] = field(default=utcnow)
    catalogs: Catalogs = field(default_factory=load_catalogs)  # request categories and deadlines

    def is_super(self, telegram_id: int) -> bool:
        return telegram_id in self.settings.admin_ids
