"""A small scenario driver over the offline bot: people say things, press buttons, read replies."""

from __future__ import annotations

from typing import Any

from fakebot import FakeChat, FakeTelegram, FakeUser
from offline import OfflineBot


class World:
    def __init__(self, fake: FakeTelegram, bot: OfflineBot, *, admin_id: int) -> None:
        self.fake = fake
        self.bot = bot
        self.admin = fake.add_user("管理员", username="admin", user_id=admin_id)

    # -- people and places -------------------------------------------------------------------
    def person(self, first_name: str, **kwargs: Any) -> FakeUser:
        return self.fake.add_user(first_name, **kwargs)

    def dm(self, user: FakeUser) -> FakeChat:
        return self.fake.private_chat(user)

    async def group(self, title: str, *, by: FakeUser | None = None) -> FakeChat:
        chat = self.fake.add_group(title)
        self.fake.add_bot_to_group(by or self.admin, chat)
        await self.pump()
        return chat

    async def community_group(self, title: str, community: str, *, staff: bool = False) -> FakeChat:
        chat = await self.group(title)
        await self.say(self.admin, chat, f"/bind {'staff ' if staff else ''}{community}")
        return chat

    # -- actions -----------------------------------------------------------------------------
    async def say(self, user: FakeUser, chat: FakeChat, text: str, **kwargs: Any) -> dict[str, Any]:
        update = self.fake.send_text(user, chat, text, **kwargs)
        await self.pump()
        return update

    async def start(self, user: FakeUser, payload: str = "") -> None:
        await self.say(user, self.dm(user), f"/start {payload}".strip())

    async def press(
        self, user: FakeUser, chat: FakeChat, label: str, *, message_id: int | None = None
    ) -> dict:
        """Press the button whose label contains `label` on the newest bot message that has it."""
        for message in reversed(self.fake.bot_messages(chat)):
            if message_id is not None and message.message_id != message_id:
                continue
            for row in message.buttons:
                for text, data in row:
                    if label in text and data is not None:
                        update = self.fake.press(user, chat, message.message_id, data)
                        await self.pump()
                        return update
        raise AssertionError(f"no button {label!r} in {chat.title or chat.id}")

    async def redeliver(self, update: dict[str, Any]) -> None:
        self.fake.redeliver(update["update_id"])
        await self.pump()

    async def pump(self) -> int:
        """Let the bot read and handle everything people did, and deliver its answers."""
        return await self.bot.pump()

    # -- reading -----------------------------------------------------------------------------
    def texts(self, chat: FakeChat) -> list[str]:
        return [m.plain_text or "" for m in self.fake.bot_messages(chat)]

    def last(self, chat: FakeChat) -> str:
        texts = self.texts(chat)
        assert texts, f"the bot said nothing in {chat.title or chat.id}"
        return texts[-1]

    def answers(self) -> list[str | None]:
        return [a.text for a in self.fake.callback_answers]

    def assert_no_unexpected_errors(self) -> None:
        errors = self.fake.unexpected_errors()
        assert not errors, f"the fake Bot API refused calls: {errors}"
