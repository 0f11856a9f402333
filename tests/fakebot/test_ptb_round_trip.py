"""A real python-telegram-bot Bot and Application talking to the fake through FakeRequest."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
)

from fakebot import FakeChat, FakeRequest, FakeTelegram, FakeUser, make_bot

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Claim", callback_data="v1:claim:7")]])


async def test_bot_gets_me_sends_and_edits(fake: FakeTelegram, alice: FakeUser, private: FakeChat) -> None:
    async with make_bot(fake) as bot:
        me = await bot.get_me()
        assert me.id == fake.bot_id and me.username == "linli_bot"
        sent = await bot.send_message(
            alice.id, "<b>Order #7</b> is open", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
        )
        assert sent.text == "Order #7 is open"
        assert sent.reply_markup == KEYBOARD
        edited = await bot.edit_message_text(
            "<i>claimed</i>", chat_id=alice.id, message_id=sent.message_id, parse_mode=ParseMode.HTML
        )
        assert not isinstance(edited, bool) and edited.text == "claimed"
        fake.expect_errors(1)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "<i>claimed</i>", chat_id=alice.id, message_id=sent.message_id, parse_mode=ParseMode.HTML
            )
    assert [m.text for m in fake.bot_messages(private)] == ["claimed"]
    assert fake.unexpected_errors() == []


async def test_bot_receives_telegram_errors_as_ptb_exceptions(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, private: FakeChat, group: FakeChat
) -> None:
    fake.expect_errors(4)
    async with make_bot(fake) as bot:
        with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation"):
            await bot.send_message(bob.id, "hi")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-1, "hi")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(alice.id, "<div>x</div>", parse_mode=ParseMode.HTML)
        supergroup = fake.migrate_to_supergroup(group)
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(group.id, "hi")
        assert migrated.value.new_chat_id == supergroup.id
    assert fake.unexpected_errors() == []


@pytest.mark.filterwarnings("ignore:.*retry_after.*")  # PTB 22 warns inside RetryAfter itself
async def test_bot_receives_injected_faults(fake: FakeTelegram, alice: FakeUser, private: FakeChat) -> None:
    async with make_bot(fake) as bot:
        fake.fail_next("sendMessage", retry_after=1)
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(alice.id, "x")
        assert "retry in 1 " in str(retry.value).lower()
        fake.fail_next("sendMessage", network_error=True)
        with pytest.raises(NetworkError):
            await bot.send_message(alice.id, "x")
        assert fake.bot_messages(private) == []
        fake.fail_next("sendMessage", timeout_after_accept=True)
        with pytest.raises(TimedOut):
            await bot.send_message(alice.id, "sent but unconfirmed")
        assert [m.text for m in fake.bot_messages(private)] == ["sent but unconfirmed"]
        fake.fail_next("sendMessage", error_code=403, description="Forbidden: bot was blocked by the user")
        with pytest.raises(Forbidden):
            await bot.send_message(alice.id, "x")
    assert fake.unexpected_errors() == []


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    bot = Bot("987654321:WRONG", request=FakeRequest(fake), get_updates_request=FakeRequest(fake))
    with pytest.raises(InvalidToken):
        await bot.initialize()


async def test_bot_uploads_and_downloads_a_photo(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    async with make_bot(fake) as bot:
        sent = await bot.send_photo(
            group.id, b"\x89PNG fake bytes", caption="<b>done</b>", parse_mode=ParseMode.HTML
        )
        assert sent.caption == "done"
        file = await bot.get_file(sent.photo[-1].file_id)
        assert await file.download_as_bytearray() == bytearray(b"\x89PNG fake bytes")
        user_photo = fake.send_photo(alice, group)["message"]["photo"][-1]["file_id"]
        downloaded = await (await bot.get_file(user_photo)).download_as_bytearray()
        assert downloaded == fake.file_content(user_photo)


async def test_bot_long_poll_wakes_on_a_new_update(fake: FakeTelegram, alice: FakeUser) -> None:
    async with make_bot(fake) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await asyncio.sleep(0.01)
        fake.send_text(alice, fake.private_chat(alice), "/start")
        updates = await asyncio.wait_for(poll, 1)
    assert updates[0].message is not None and updates[0].message.text == "/start"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("<b>Welcome</b> to Linli", reply_markup=KEYBOARD)


async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Claimed")
    await query.edit_message_text(f"Order claimed by {query.from_user.first_name}")


def build_application(fake: FakeTelegram) -> Application:  # type: ignore[type-arg,unused-ignore]
    application = (
        ApplicationBuilder()
        .token(fake.token)
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(claim, pattern=r"^v1:claim:"))
    return application


async def until(condition: object, seconds: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not callable(condition) or not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


async def test_application_polls_handles_commands_and_buttons(fake: FakeTelegram, alice: FakeUser) -> None:
    private = fake.private_chat(alice)
    application = build_application(fake)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await application.start()
        try:
            fake.send_text(alice, private, "/start")
            await until(lambda: fake.last_bot_message(private) is not None)
            card = fake.last_bot_message(private)
            assert card is not None and card.text == "Welcome to Linli"
            fake.press_button(alice, private, card.message_id, 0)
            await until(lambda: card.text == "Order claimed by Alice")
            await until(lambda: len(fake.callback_answers) == 1)
        finally:
            await application.updater.stop()
            await application.stop()
    assert fake.callback_answers[0].text == "Claimed"
    assert fake.unexpected_errors() == []
    assert [(e.direction, e.kind) for e in fake.transcript] == [
        ("in", "message"),
        ("out", "message"),
        ("in", "callback_query"),
        ("out", "callback_answer"),
        ("out", "edit"),
    ]


async def test_application_processes_updates_fed_directly(fake: FakeTelegram, alice: FakeUser) -> None:
    private = fake.private_chat(alice)
    application = build_application(fake)
    async with application:
        update = fake.send_text(alice, private, "/start")
        await application.process_update(Update.de_json(update, application.bot))
    assert fake.last_bot_message(private) is not None
