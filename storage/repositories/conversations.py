"""Where a person is in a guided flow."""

from __future__ import annotations

from typing import Any

from storage.models import Conversation
from storage.repositories.base import Repository


class ConversationRepository(Repository):
    async def get(self, user_id: int) -> Conversation | None:
        return await self.session.get(Conversation, user_id)

    async def put(self, user_id: int, flow: str, step: str, data: dict[str, Any]) -> Conversation:
        conversation = await self.session.get(Conversation, user_id)
        if conversation is None:
            conversation = Conversation(user_id=user_id, flow=flow, step=step, data=dict(data))
            self.session.add(conversation)
        else:
            conversation.flow, conversation.step, conversation.data = flow, step, dict(data)
        await self.session.flush()
        return conversation

    async def end(self, user_id: int) -> bool:
        conversation = await self.session.get(Conversation, user_id)
        if conversation is None:
            return False
        await self.session.delete(conversation)
        await self.session.flush()
        return True
