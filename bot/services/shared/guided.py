"""What every guided flow (the steps of /reward add, /newactivity in private) shares: it starts in
private with its first question, kept in the conversations table so a restart loses nothing; a
bare /cancel or the cancel button (registration.cancel_flow) leaves any of them."""

from __future__ import annotations

from typing import Any

from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import Actor, require_private
from bot.services.shared.env import Env
from bot.services.shared.messages import Button
from storage.models import Community
from storage.uow import UnitOfWork

CANCEL_ACTION = "vx"  # v1:vx: leave the guided flow (registration.cancel_flow ends any of them)


async def start_flow(
    uow: UnitOfWork,
    env: Env,
    inc: Incoming,
    actor: Actor,
    community: Community,
    flow: str,
    step: str,
    template: str,
    buttons: list[list[Button]] | None = None,
    **data: Any,
) -> None:
    """Begin `flow` at `step` for this community (private chats only) and ask its first question."""
    require_private(inc)
    await uow.conversations.put(actor.user.id, flow, step, {"community_id": community.id, **data})
    await messages.reply(
        uow, env, inc, actor.locale, template, step=step, community=community.name, buttons=buttons
    )
