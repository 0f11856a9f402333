"""The real application wired to the offline fake Bot API: used by the sandbox, the demo and the tests."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr
from telegram import Update

from bot.app import ALLOWED_UPDATES, build_application, start_runtime, stop_runtime
from bot.config import Settings
from bot.context import LinliApplication
from bot.outbox.sender import OutboxSender, Sleep
from bot.services.shared.runner import Deps
from fakebot import FakeRequest, FakeTelegram
from storage.clock import Clock, system_clock
from storage.engine import make_engine
from storage.migrate import upgrade


class OfflineBot:
    """Application + fake Telegram. `pump()` feeds waiting updates through the real Application,
    then waits until everything they queued is delivered to the fake."""

    def __init__(
        self,
        fake: FakeTelegram,
        settings: Settings,
        *,
        clock: Clock = system_clock,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.fake = fake
        self.settings = settings.model_copy(update={"telegram_bot_token": SecretStr(fake.token)})
        self.clock = clock
        self.sleep = sleep
        self.app: LinliApplication | None = None
        self._offset = 0

    @property
    def application(self) -> LinliApplication:
        assert self.app is not None, "call start() first"
        return self.app

    @property
    def deps(self) -> Deps:
        return self.application.bot_data.deps

    @property
    def sender(self) -> OutboxSender:
        return self.application.bot_data.sender

    async def migrate(self) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    async def start(self) -> None:
        self.app = build_application(
            self.settings, request=FakeRequest(self.fake), clock=self.clock, sleep=self.sleep
        )
        await self.app.initialize()
        await start_runtime(self.app)
        await self.app.start()
        await self.settle()  # what start-up queued (the command menus) is delivered before anyone writes

    async def stop(self) -> None:
        if self.app is None:
            return
        await self.app.stop()
        await stop_runtime(self.app)
        await self.app.shutdown()
        self.app = None

    async def pump(self) -> int:
        """Fetch what is waiting (getUpdates with the bot's allowed_updates, as polling does), process
        it through the real Application one update at a time, then deliver everything that queued.
        Returns the count."""
        app = self.application
        handled = 0
        while True:
            response = await self.fake.handle(
                "getUpdates", {"offset": self._offset, "timeout": 0, "allowed_updates": ALLOWED_UPDATES}
            )
            updates = response.get("result") or []
            if not updates:
                break
            for data in updates:
                self._offset = max(self._offset, data["update_id"] + 1)
                await app.process_update(Update.de_json(data, app.bot))
                handled += 1
        await self.settle()
        return handled

    async def settle(self) -> None:
        await self.sender.drain()
        await asyncio.sleep(0)
