"""Webhook mode: Telegram's posts through the real ASGI app, answered only after their effect is
committed; the secret token; health, readiness and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import ALLOWED_UPDATES
from bot.update_order import ChatLocks
from fakebot import FakeTelegram
from offline.instances import SECRET, WEBHOOK_URL
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.models import OutboxMessage, ProcessedUpdate
from tests.conftest import ADMIN_ID, Sleeps, make_settings
from tests.webhook_world import WebhookBot
from tests.world import World


@pytest.fixture
async def hooked(engine: AsyncEngine, database_url: str, sleeps: Sleeps) -> AsyncIterator[World]:
    fake = FakeTelegram()
    settings = make_settings(
        database_url, webhook_url=WEBHOOK_URL, webhook_secret=SECRET, group_messages_per_minute=6000
    )
    bot = WebhookBot(fake, settings, sleep=sleeps)
    await bot.start()
    try:
        yield World(fake, bot, admin_id=ADMIN_ID)
    finally:
        await bot.stop()


def webhook_bot(world: World) -> WebhookBot:
    assert isinstance(world.bot, WebhookBot)
    return world.bot


async def count(world: World, model: Any) -> int:
    async with world.bot.deps.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_start_sets_the_webhook_with_its_secret_and_the_updates_the_bot_needs(hooked: World) -> None:
    hook = hooked.fake.updates.webhook
    assert hook is not None
    assert hook["url"] == WEBHOOK_URL
    assert hook["secret_token"] == SECRET
    assert hook["allowed_updates"] == ALLOWED_UPDATES
    assert hook["max_connections"] == 40


async def test_a_resident_is_answered_through_the_webhook(hooked: World) -> None:
    resident = hooked.person("王阿姨")
    await hooked.start(resident)
    assert hooked.texts(hooked.dm(resident)), "the bot answered nothing"
    assert webhook_bot(hooked).answers == [200]


async def test_the_answer_comes_after_the_effect_is_committed(hooked: World) -> None:
    resident = hooked.person("王阿姨")
    update = hooked.fake.send_text(resident, hooked.dm(resident), "/start")
    before = await count(hooked, OutboxMessage)
    response = await webhook_bot(hooked).post(update)
    assert response.status_code == 200
    # Before anything else runs: the update is recorded and its reply is in the outbox.
    assert await count(hooked, ProcessedUpdate) >= 1
    async with hooked.bot.deps.uow() as uow:
        assert await uow.session.get(ProcessedUpdate, update["update_id"]) is not None
    assert await count(hooked, OutboxMessage) > before


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
async def test_a_post_without_the_right_secret_is_refused_and_changes_nothing(
    hooked: World, secret: str | None
) -> None:
    resident = hooked.person("王阿姨")
    update = hooked.fake.send_text(resident, hooked.dm(resident), "/start")
    processed = await count(hooked, ProcessedUpdate)
    response = await webhook_bot(hooked).post(update, secret=secret)
    assert response.status_code == 403
    await hooked.bot.settle()
    assert await count(hooked, ProcessedUpdate) == processed
    assert hooked.texts(hooked.dm(resident)) == []


async def test_a_post_that_is_not_an_update_is_refused(hooked: World) -> None:
    bot = webhook_bot(hooked)
    response = await bot.client.post(
        "/telegram/hook", content=b"not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 400


async def test_an_update_redelivered_after_its_answer_changes_nothing(hooked: World) -> None:
    resident = hooked.person("王阿姨")
    update = hooked.fake.send_text(resident, hooked.dm(resident), "/start")
    bot = webhook_bot(hooked)
    assert (await bot.post(update)).status_code == 200
    await bot.settle()
    replies = hooked.texts(hooked.dm(resident))
    assert (await bot.post(update)).status_code == 200  # Telegram did not see the first answer
    await bot.settle()
    assert hooked.texts(hooked.dm(resident)) == replies


async def test_an_update_whose_handling_failed_gets_500_and_is_handled_once_when_posted_again(
    hooked: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = webhook_bot(hooked)
    deps = bot.deps
    real = deps.uow
    database = {"down": True}

    def flaky(update_id: int | None = None, kind: str = "") -> Any:
        if update_id is not None and database["down"]:
            raise OperationalError("SELECT 1", {}, Exception("the database went away"))
        return real(update_id, kind)

    monkeypatch.setattr(deps, "uow", flaky)
    resident = hooked.person("王阿姨")
    hooked.fake.send_text(resident, hooked.dm(resident), "/start")
    await bot.pump()  # answered 500: "Telegram" keeps it
    assert bot.answers == [500]
    assert hooked.texts(hooked.dm(resident)) == []
    database["down"] = False
    await bot.pump()  # posted again: handled, once
    assert bot.answers == [500, 200]
    replies = hooked.texts(hooked.dm(resident))
    assert len(replies) == 1


async def test_healthz_answers_while_the_process_is_up(hooked: World) -> None:
    response = await webhook_bot(hooked).get("/healthz")
    assert response.status_code == 200


async def test_readyz_says_what_is_not_ready(hooked: World) -> None:
    # The test database is made from the models, not by the migrations: not current.
    response = await webhook_bot(hooked).get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": True, "migrations": False, "sender": True, "leads": True}


async def test_readyz_is_ready_on_a_migrated_database(tmp_path: Path, sleeps: Sleeps) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    settings = make_settings(url, webhook_url=WEBHOOK_URL, webhook_secret=SECRET)
    bot = WebhookBot(FakeTelegram(), settings, sleep=sleeps)
    await bot.start()
    try:
        response = await bot.get("/readyz")
        assert response.status_code == 200, response.text
        await bot.sender.stop()
        response = await bot.get("/readyz")
        assert response.status_code == 503
        assert response.json()["sender"] is False
    finally:
        await bot.stop()


async def test_metrics_count_updates_api_calls_and_read_the_outbox_and_requests(hooked: World) -> None:
    resident = hooked.person("王阿姨")
    await hooked.start(resident)
    body = (await webhook_bot(hooked).get("/metrics")).text
    assert 'linli_updates_total{kind="message",result="ok"} 1.0' in body
    assert 'linli_bot_api_calls_total{method="sendMessage",status="200"}' in body
    assert 'linli_bot_api_calls_total{method="setWebhook",status="200"} 1.0' in body
    assert "linli_outbox_pending 0.0" in body
    assert "linli_handler_seconds_bucket" in body
    async with hooked.bot.deps.uow() as uow:  # a schedule fired once and skipped a missed time
        await uow.schedules.record_fire(1, hooked.bot.clock(), "sent")
        await uow.schedules.record_fire(1, hooked.bot.clock() - timedelta(days=1), "skipped")
        await uow.commit()
    body = (await webhook_bot(hooked).get("/metrics")).text
    assert 'linli_schedule_fires{outcome="sent"} 1.0' in body
    assert 'linli_schedule_fires{outcome="skipped"} 1.0' in body
    assert hooked.fake.token not in body


async def test_updates_of_one_chat_wait_for_each_other_and_other_chats_do_not() -> None:
    locks = ChatLocks()
    order: list[str] = []
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold(1):
            order.append("first start")
            first_in.set()
            await release.wait()
            order.append("first end")

    async def second_same_chat() -> None:
        await first_in.wait()
        async with locks.hold(1):
            order.append("second")

    async def other_chat() -> None:
        await first_in.wait()
        async with locks.hold(2):
            order.append("other chat")

    tasks = [asyncio.create_task(t()) for t in (first, second_same_chat, other_chat)]
    await first_in.wait()
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["first start", "other chat"]
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first start", "other chat", "first end", "second"]
    assert len(locks) == 0
