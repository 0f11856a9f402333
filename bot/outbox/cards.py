"""Cards: messages rendered from the current state at the moment they are sent or edited."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from storage.uow import UnitOfWork


@dataclass(frozen=True)
class RenderedCard:
    text: str
    buttons: list[list[dict[str, str]]] | None = None

    @property
    def content_hash(self) -> str:
        """Identifies what the message shows, so an edit to the same content is not sent at all."""
        payload = json.dumps([self.text, self.buttons or []], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


CardFunction = Callable[[UnitOfWork, int, int], Awaitable[RenderedCard | None]]


class CardRenderer:
    """Looks up the function that draws a card kind: (uow, card_ref, chat_id) -> RenderedCard | None."""

    def __init__(self, kinds: Mapping[str, CardFunction]) -> None:
        self.kinds = dict(kinds)

    async def render(
        self, uow: UnitOfWork, card_kind: str, card_ref: int, chat_id: int
    ) -> RenderedCard | None:
        function = self.kinds.get(card_kind)
        if function is None:
            raise KeyError(f"no card kind {card_kind!r}")
        return await function(uow, card_ref, chat_id)
