"""The offline bot in webhook mode: Telegram's posts are played through the real ASGI app (httpx's
ASGI transport), with the secret header, and a post answered with an error is posted again later,
as Telegram does."""

from __future__ import annotations

from typing import Any

import httpx

from bot.app import build_application, start_webhook_mode, stop_webhook_mode
from bot.web.webhook import SECRET_HEADER, web_app, webhook_path
from fakebot import FakeRequest
from offline import OfflineBot
from offline.instances import SECRET, WEBHOOK_URL


class WebhookBot(OfflineBot):
    """`pump()` posts each waiting update to the webhook; `answers` keeps every status it got."""

    answers: list[int]

    async def start(self) -> None:
        self.app = build_application(
            self.settings, request=FakeRequest(self.fake), clock=self.clock, sleep=self.sleep, webhook=True
        )
        await start_webhook_mode(self.app)
        self.asgi = web_app(self.app, manage_lifecycle=False)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.asgi), base_url="http://linli")
        self.answers = []
        await self.settle()

    async def stop(self) -> None:
        if self.app is None:
            return
        await self.client.aclose()
        await stop_webhook_mode(self.app)
        self.app = None

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post(webhook_path(WEBHOOK_URL), json=update, headers=headers)

    async def pump(self) -> int:
        """Post what is waiting, one update at a time; an update answered with an error stays with
        "Telegram" and comes again at the next pump (like Telegram's retries)."""
        handled = 0
        hook = self.fake.updates.webhook
        assert hook is not None, "the bot did not call setWebhook"
        while True:
            waiting = await self.fake.updates.fetch(
                offset=self._offset, limit=100, wait_seconds=0, allowed_updates=hook["allowed_updates"]
            )
            if not waiting:
                break
            failed = False
            for data in waiting:
                response = await self.post(data)
                self.answers.append(response.status_code)
                if response.status_code != 200:
                    failed = True
                    break
                self._offset = data["update_id"] + 1
                handled += 1
            if failed:
                break
        await self.settle()
        return handled

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(path)
