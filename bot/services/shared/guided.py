"""What every guided flow (the steps of /reward add, /newactivity in private) shares: it starts in
private with its first question, kept in the conversations table so a restart loses nothing; a
bare /cancel or the cancel button (registration.cancel_flow) leaves any of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import Actor, require_private
from bot.services.shared.env import Env
from bot.services.shared.messages import Button
from storage.models import Community
from storage.uow import UnitOfWork

CANCEL_ACTION = "vx"  # v1:vx: leave the guided flow (registration.cancel_flow ends any of them)
CONFIRM_STEP = "confirm"  # after the last question: the summary, waiting for its button


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


async def advance(
    uow: UnitOfWork, actor: Actor, flow: str, steps: Sequence[str], step: str, data: dict[str, Any]
) -> str:
    """Keep the answers and move on: the step after `step`, or CONFIRM_STEP after the last one
    (and again at CONFIRM_STEP, where the summary is shown once more)."""
    following = steps[steps.index(step) + 1] if step in steps[:-1] else CONFIRM_STEP
    await uow.conversations.put(actor.user.id, flow, following, data)
    return following


def confirm_buttons(env: Env, locale: str, label: str, action: str) -> list[list[Button]]:
    """The summary's keyboard: the flow's own confirm button (label name, action) and cancel."""
    return [
        [
            Button(env.renderer.label(locale, label), callbacks.encode(action)),
            Button(env.renderer.label(locale, "cancel"), callbacks.encode(CANCEL_ACTION)),
        ]
    ]
