"""/cancel: with a request number it cancels that request; bare, it leaves the guided flow the
person is in (volunteer registration, or a request waiting for its text)."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.requests import cancel
from bot.services.shared.env import Env
from bot.services.shared.runner import Outcome
from bot.services.volunteers import registration
from storage.uow import UnitOfWork


async def cancel_or_leave(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome | None:
    """/cancel <id> cancels a request; a bare /cancel leaves whatever guided flow is going on."""
    if not inc.text.strip():
        return await registration.cancel_flow(uow, env, inc)
    await cancel.cancel(uow, env, inc)
    return None
