"""The fake Bot API over HTTP on loopback, used by a real PTB Bot with base_url and base_file_url."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from fakebot import FakeBotApiServer, FakeChat, FakeTelegram, FakeUser


@pytest.fixture
async def server(fake: FakeTelegram) -> AsyncIterator[FakeBotApiServer]:
    async with FakeBotApiServer(fake) as running:
        yield running


def http_bot(fake: FakeTelegram, server: FakeBotApiServer, read_timeout: float = 5.0) -> Bot:
    return Bot(
        fake.token,
        base_url=f"{server.url}/bot",
        base_file_url=f"{server.url}/file/bot",
        request=HTTPXRequest(read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


async def test_server_listens_on_loopback(server: FakeBotApiServer) -> None:
    assert server.url.startswith("http://127.0.0.1:") and server.port > 0


async def test_bot_over_http_sends_edits_and_downloads(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat, group: FakeChat, server: FakeBotApiServer
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sign up", callback_data="v1:signup:3")]])
    async with http_bot(fake, server) as bot:
        assert (await bot.get_me()).username == "linli_bot"
        sent = await bot.send_message(
            alice.id, "Activity <b>#3</b> &amp; more", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        assert sent.text == "Activity #3 & more" and sent.reply_markup == keyboard
        edited = await bot.edit_message_text("Full", chat_id=alice.id, message_id=sent.message_id)
        assert not isinstance(edited, bool) and edited.text == "Full"
        photo = await bot.send_photo(group.id, b"\xff\xd8 uploaded over http", caption="proof")
        file = await bot.get_file(photo.photo[-1].file_id)
        assert await file.download_as_bytearray() == bytearray(b"\xff\xd8 uploaded over http")
        user_photo = fake.send_photo(alice, group)["message"]["photo"][0]["file_id"]
        data = await (await bot.get_file(user_photo)).download_as_bytearray()
        assert bytes(data) == fake.file_content(user_photo)
    assert fake.unexpected_errors() == []


@pytest.mark.filterwarnings("ignore:.*retry_after.*")  # PTB 22 warns inside RetryAfter itself
async def test_errors_over_http_become_ptb_exceptions(
    fake: FakeTelegram, bob: FakeUser, private: FakeChat, group: FakeChat, server: FakeBotApiServer
) -> None:
    fake.expect_errors(2)
    async with http_bot(fake, server) as bot:
        with pytest.raises(Forbidden):
            await bot.send_message(bob.id, "hi")
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(
                private.id,
                "x",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]]),
            )
        supergroup = fake.migrate_to_supergroup(group)
        fake.expect_errors(1)
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(group.id, "hi")
        assert migrated.value.new_chat_id == supergroup.id
        fake.fail_next("sendMessage", retry_after=1)
        with pytest.raises(RetryAfter):
            await bot.send_message(private.id, "x")
    assert fake.unexpected_errors() == []


async def test_network_fault_over_http_closes_the_connection(
    fake: FakeTelegram, private: FakeChat, server: FakeBotApiServer
) -> None:
    async with http_bot(fake, server) as bot:
        fake.fail_next("sendMessage", network_error=True)
        with pytest.raises(NetworkError):
            await bot.send_message(private.id, "lost")
        assert fake.bot_messages(private) == []
        await bot.send_message(private.id, "next one works")


async def test_timeout_after_accept_over_http_delivers_but_never_answers(
    fake: FakeTelegram, private: FakeChat, server: FakeBotApiServer
) -> None:
    async with http_bot(fake, server, read_timeout=0.2) as bot:
        fake.fail_next("sendMessage", timeout_after_accept=True)
        with pytest.raises(TimedOut):
            await bot.send_message(private.id, "delivered, unconfirmed")
        assert [m.text for m in fake.bot_messages(private)] == ["delivered, unconfirmed"]


async def test_long_poll_over_http_runs_alongside_other_calls(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat, server: FakeBotApiServer
) -> None:
    async with http_bot(fake, server) as bot:
        await bot.get_updates(offset=2)  # confirm the /start of the fixture
        poll = asyncio.create_task(bot.get_updates(offset=2, timeout=20))
        await asyncio.sleep(0.05)
        await bot.send_message(private.id, "a call while the poll waits")
        assert not poll.done()
        fake.send_text(alice, private, "/help")
        updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates if u.message] == ["/help"]


async def test_updater_polls_over_http(fake: FakeTelegram, alice: FakeUser, server: FakeBotApiServer) -> None:
    from telegram.ext import Updater

    received: asyncio.Queue[object] = asyncio.Queue()
    updater = Updater(http_bot(fake, server), update_queue=received)
    async with updater:
        await updater.start_polling(poll_interval=0, timeout=10)
        fake.send_text(alice, fake.private_chat(alice), "/start")
        update = await asyncio.wait_for(received.get(), 2)
        await updater.stop()
    assert update.message.text == "/start"  # type: ignore[attr-defined]


async def test_form_json_and_query_string_bodies_are_understood(
    fake: FakeTelegram, private: FakeChat, server: FakeBotApiServer
) -> None:
    base = f"{server.url}/bot{fake.token}"
    async with httpx.AsyncClient() as client:
        as_json = await client.post(f"{base}/sendMessage", json={"chat_id": private.id, "text": "json"})
        as_form = await client.post(
            f"{base}/SENDMESSAGE",
            data={
                "chat_id": str(private.id),
                "text": "form",
                "reply_markup": json.dumps({"remove_keyboard": True}),
            },
        )
        as_query = await client.get(f"{base}/getMe")
        unknown = await client.get(f"{base}/sendTelepathy")
        wrong_token = await client.get(f"{server.url}/bot1:nope/getMe")
        missing_file = await client.get(f"{server.url}/file/bot{fake.token}/photos/none.jpg")
    assert as_json.status_code == 200 and as_json.json()["result"]["text"] == "json"
    assert as_form.status_code == 200 and as_form.json()["result"]["text"] == "form"
    assert as_query.json()["result"]["is_bot"] is True
    assert unknown.status_code == 404
    assert wrong_token.status_code == 401
    assert missing_file.status_code == 404


async def test_stop_closes_a_waiting_long_poll(fake: FakeTelegram) -> None:
    server = FakeBotApiServer(fake)
    await server.start()
    async with httpx.AsyncClient() as client:
        poll = asyncio.create_task(
            client.get(f"{server.url}/bot{fake.token}/getUpdates", params={"timeout": 30})
        )
        for _ in range(200):  # until the long poll has reached the server (bounded: 2 s)
            if server._connections:
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(server.stop(), 2)
        with pytest.raises(httpx.HTTPError):
            await asyncio.wait_for(poll, 2)
