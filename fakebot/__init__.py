"""An offline fake of the Telegram Bot API that validates like Telegram.

``FakeTelegram`` holds the state and simulates users; ``FakeRequest`` plugs it into a PTB ``Bot``
in-process; ``FakeBotApiServer`` serves it over HTTP on loopback.  Typical use::

    fake = FakeTelegram()
    alice = fake.add_user("Alice")
    group = fake.add_group("Building 3")
    fake.add_bot_to_group(alice, group)
    app = (ApplicationBuilder().token(fake.token)
           .request(FakeRequest(fake)).get_updates_request(FakeRequest(fake)).build())
    fake.send_text(alice, group, "/start")       # queued for getUpdates
    ...                                          # run the application (polling or process_update)
    fake.last_bot_message(group).text            # what Alice now sees
    assert not fake.unexpected_errors()
"""

from fakebot.errors import FakeApiError
from fakebot.http import FakeBotApiServer
from fakebot.models import CallbackAnswer, FakeChat, FakeMessage, FakeUser, TranscriptEntry
from fakebot.request import FakeRequest, make_bot
from fakebot.telegram import DEFAULT_TOKEN, FakeTelegram

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
