"""What every service needs besides its unit of work: settings, the renderer, a clock, the categories."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.categories import Catalogs, load_catalogs
from bot.classifier import Triager
from bot.config import Settings
from bot.render import Renderer
from storage.clock import Clock


@dataclass(frozen=True)
class Env:
    settings: Settings
    renderer: Renderer
    clock: Clock  # the one clock: services, storage stamps and the sender all read it
    bot_username: str = "linli_bot"
    catalogs: Catalogs = field(default_factory=load_catalogs)  # request categories and deadlines
    triager: Triager = field(default_factory=Triager)  # the triage model and each community's lessons

    def is_super(self, telegram_id: int) -> bool:
        return telegram_id in self.settings.admin_ids
