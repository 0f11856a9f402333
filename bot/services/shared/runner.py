"""Running one service for one update: idempotency, and polite refusals that are recorded too."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.incoming import Incoming, MemberChange, MembersChange
from bot.render import to_plain
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, reader_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from storage.uow import DuplicateUpdate, UnitOfWork

log = logging.getLogger(__name__)

TOAST_LIMIT = 200  # answerCallbackQuery text


@dataclass(frozen=True)
class Outcome:
    """What a handler needs back: a short answer for a button press, or nothing."""

    toast: str | None = None
    alert: bool = False
    duplicate: bool = False


Service = Callable[..., Awaitable[Outcome | None]]
# Run before an update's transaction, in transactions of its own (e.g. asking Telegram which groups a
# stranger is in); True when it could not finish and the update's refusal should say "try again soon".
Prepare = Callable[["Deps", Incoming], Awaitable[bool]]


def toast(env: Env, actor: Actor, template: str, **context: Any) -> Outcome:
    """A button's answer: a template rendered as plain text within answerCallbackQuery's limit,
    in the language of the person who pressed (only they see it, even under a group's card)."""
    text = env.renderer.render(reader_locale(env, actor), template, **context)
    return Outcome(toast=to_plain(text, TOAST_LIMIT))


@dataclass
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    env: Env
    on_commit: Callable[[], None] | None = None
    prepare: Prepare | None = None

    def uow(self, update_id: int | None = None, kind: str = "") -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            clock=self.env.clock,
            update_id=update_id,
            update_kind=kind,
            on_commit=self.on_commit,
        )

    async def run(
        self, service: Service, inc: Incoming | MemberChange | MembersChange, *args: Any
    ) -> Outcome:
        """Run `service` for this update once, in one transaction committed here when it returns
        (services never commit). A redelivered update does nothing and sends nothing; a `Refused`
        rolls everything back, then the polite answer is recorded with the update's id. `prepare`
        runs first, outside that transaction, so no transaction waits on the network."""
        unfinished = False
        if self.prepare is not None and isinstance(inc, Incoming):
            try:
                unfinished = await self.prepare(self, inc)
            except Exception:  # finding out more must never cost the person their answer
                log.exception("preparing update %s failed; it is handled without", inc.update_id)
        try:
            async with self.uow(inc.update_id, inc.kind) as uow:
                outcome = await service(uow, self.env, inc, *args) or Outcome()
                await uow.commit()  # the one commit of this update: its effect, its replies, its id
                return outcome
        except DuplicateUpdate:
            log.info("update %s was already processed; ignored", inc.update_id)
            return Outcome(duplicate=True)
        except Refused as refusal:
            if not isinstance(inc, Incoming):
                raise
            if unfinished and isinstance(refusal, NotMember):
                refusal = Refused("community/lookup_later")
            return await self._refuse(inc, refusal)

    async def _refuse(self, inc: Incoming, refusal: Refused) -> Outcome:
        """Nothing changed; tell the person why, and record the update so a redelivery stays quiet."""
        try:
            async with self.uow(inc.update_id, inc.kind) as uow:
                actor = await identify(uow, self.env, inc)
                if inc.callback_id is None:
                    await messages.reply(uow, self.env, inc, actor.locale, refusal.template, **refusal.params)
                await uow.commit()
                answer = toast(self.env, actor, refusal.template, **refusal.params)
                return Outcome(toast=answer.toast, alert=True)
        except DuplicateUpdate:
            return Outcome(duplicate=True)
