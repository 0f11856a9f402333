"""An offline fake of the Telegram Bot API that validates like Telegram.

``FakeTelegram`` holds the state and simulates users; ``FakeRequest`` plugs it into a PTB ``Bot``
in-process; ``FakeBotApiServer`` serves it over HTTP on loopback.
"""

from bot.fakebot.errors import FakeApiError
from bot.fakebot.http import FakeBotApiServer
from bot.fakebot.models import CallbackAnswer, FakeChat, FakeMessage, FakeUser, TranscriptEntry
from bot.fakebot.request import FakeRequest, make_bot
from bot.fakebot.telegram import DEFAULT_TOKEN, FakeTelegram

__all__ = [
    "DEFAULT_TOKEN",
    "CallbackAnswer",
    "FakeApiError",
    "FakeBotApiServer",
    "FakeChat",
    "FakeMessage",
    "FakeRequest",
    "FakeTelegram",
    "FakeUser",
    "TranscriptEntry",
    "make_bot",
]
