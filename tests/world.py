"""A small scenario driver over the offline bot: people say things, press buttons, read replies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fakebot import FakeChat, FakeTelegram, FakeUser
from offline import OfflineBot
from storage.models import OutboxMessage


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

    async def templates(self, chat: FakeChat) -> list[str | None]:
        """What the bot said in a chat, in order, by template name (None for cards and media)."""
        return [row.template for row in await self._sent_rows(chat)]

    async def said(self, chat: FakeChat, template: str) -> list[str]:
        """The texts the bot sent to a chat from one template (as they read now), oldest first."""
        by_id = {m.message_id: m for m in self.fake.bot_messages(chat)}
        return [
            by_id[row.sent_message_id].plain_text or ""
            for row in await self._sent_rows(chat)
            if row.template == template and row.sent_message_id in by_id
        ]

    async def card(self, chat: FakeChat, card_kind: str, card_ref: int) -> str:
        """The text a card shows in a chat now, found by where the bot recorded posting it."""
        async with self.bot.deps.uow() as uow:
            posted = await uow.outbox.find_card(card_kind, card_ref, chat.id)
        assert posted is not None, f"no {card_kind} card {card_ref} in {chat.title or chat.id}"
        for message in self.fake.bot_messages(chat):
            if message.message_id == posted.message_id:
                return message.plain_text or ""
        raise AssertionError(f"card message {posted.message_id} is not in {chat.title or chat.id}")

    async def _sent_rows(self, chat: FakeChat) -> list[OutboxMessage]:
        async with self.bot.deps.uow() as uow:
            result = await uow.session.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.chat_id == chat.id,
                    OutboxMessage.status == "sent",
                    OutboxMessage.kind != "menu",  # a command menu is not something said in the chat
                )
                .order_by(OutboxMessage.sent_at, OutboxMessage.id)
            )
            return list(result.scalars())

    def answers(self) -> list[str | None]:
        return [a.text for a in self.fake.callback_answers]

    def assert_no_unexpected_errors(self) -> None:
        errors = self.fake.unexpected_errors()
        assert not errors, f"the fake Bot API refused calls: {errors}"
