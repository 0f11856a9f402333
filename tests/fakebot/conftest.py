"""Fixtures for the offline fake Bot API tests: a fake Telegram with a resident and a group."""

from __future__ import annotations

import pytest

from fakebot import FakeChat, FakeTelegram, FakeUser


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def alice(fake: FakeTelegram) -> FakeUser:
    return fake.add_user("Alice", username="alice_w")


@pytest.fixture
def bob(fake: FakeTelegram) -> FakeUser:
    return fake.add_user("Bob", last_name="Li")


@pytest.fixture
def private(fake: FakeTelegram, alice: FakeUser) -> FakeChat:
    """Alice's private chat with the bot, after she has sent /start."""
    chat = fake.private_chat(alice)
    fake.send_text(alice, chat, "/start")
    return chat


@pytest.fixture
def group(fake: FakeTelegram, alice: FakeUser) -> FakeChat:
    """A group with the bot in it (added by Alice, who becomes its creator)."""
    chat = fake.add_group("Building 3")
    fake.add_bot_to_group(alice, chat)
    return chat


@pytest.fixture
def fake_clock_fake() -> tuple[FakeTelegram, list[float]]:
    """A fake with Telegram's flood limits on and a clock the test moves by hand."""
    now = [1_700_000_000.0]
    return FakeTelegram(clock=lambda: now[0], flood_limits=True), now
