"""End to end over HTTP: PTB's real Updater long-polls the fake Bot API server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application, start_runtime, stop_runtime
from fakebot import FakeBotApiServer, FakeTelegram
from tests.conftest import make_settings


async def eventually(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_polling_over_http_answers_once_even_when_telegram_redelivers(
    engine: AsyncEngine, database_url: str
) -> None:
    fake = FakeTelegram()
    async with FakeBotApiServer(fake) as server:
        settings = make_settings(
            database_url, telegram_bot_token=SecretStr(fake.token), telegram_base_url=server.url
        )
        app = build_application(settings)
        await app.initialize()
        await start_runtime(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            alice = fake.add_user("Alice")
            chat = fake.private_chat(alice)
            update = fake.send_text(alice, chat, "/help")
            await eventually(lambda: len(fake.bot_messages(chat)) == 1)

            fake.redeliver(update["update_id"])
            await eventually(lambda: fake.pending_updates_count() == 0)
            fake.send_text(alice, chat, "/whoami")  # a later update proves the loop went past the redelivery
            await eventually(lambda: len(fake.bot_messages(chat)) == 2)
            assert "居民" in (fake.bot_messages(chat)[0].plain_text or "")  # /help
            assert "Alice" in (fake.bot_messages(chat)[1].plain_text or "")
        finally:
            await app.updater.stop()
            await app.stop()
            await stop_runtime(app)
            await app.shutdown()
    assert not fake.unexpected_errors()
