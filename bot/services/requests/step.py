"""How a command or a button reaches one step of a request: find the request the person
means (asking which community when the number exists in several), check, do, answer.

A step taken a second time (a double tap arrives as two button presses with different update ids,
or `/done 3` is typed again) changes nothing and tells nobody: the core answers the person with
an "already done" template instead of refusing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import callbacks
from bot.incoming import Incoming
from bot.numbers import split_request_number
from bot.services.requests.access import (
    Ambiguous,
    Found,
    by_id,
    find,
)
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome, toast
from storage.models import Request
from storage.uow import UnitOfWork

Core = Callable[[UnitOfWork, Env, Incoming, Actor, Found], Awaitable[str]]
"""One step of a request: checks who may take it, changes it, tells people; returns the template
of the answer to the person who took it."""

PICK = "pick"  # the conversation flow of a command waiting for "which community?"


async def by_command(uow: UnitOfWork, env: Env, inc: Incoming, core: Core, usage: str) -> None:
    """`/<step> <id> [...]`: find the request the person means, do the step, answer in the chat."""
    actor = await identify(uow, env, inc)
    try:
        found = await find(uow, env, inc, actor, usage)
    except Ambiguous as several:
        await ask_which(uow, env, inc, actor, core, several)
        return
    template = await core(uow, env, inc, actor, found)
    await messages.reply(uow, env, inc, actor.locale, template, n=found.request.number)


async def by_button(uow: UnitOfWork, env: Env, inc: Incoming, core: Core, request_id: int) -> Outcome:
    """A card button: the request id in callback_data is re-checked like a typed command."""
    actor = await identify(uow, env, inc)
    found = await by_id(uow, actor, request_id)
    template = await core(uow, env, inc, actor, found)
    return toast(env, actor, template, n=found.request.number)


async def ask_which(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, core: Core, several: Ambiguous
) -> None:
    """The number exists in several of the person's communities: buttons say which one is meant;
    the command waits in the conversation until one is pressed."""
    _, rest = split_request_number(inc.text)
    await uow.conversations.put(actor.user.id, PICK, core.__name__, {"rest": rest})
    buttons = [
        [Button(f"#{r.number} · {name}", callbacks.encode("rk", r.id))] for r, name in several.choices[:10]
    ]
    await messages.reply(
        uow, env, inc, actor.locale, "requests/which_community", number=several.number, buttons=buttons
    )


def must(allowed: bool, request: Request) -> None:
    """Only the people a step belongs to may take it (the requester, its volunteer, or staff)."""
    if not allowed:
        raise Refused("requests/not_yours", n=request.number)


async def repeated(uow: UnitOfWork, request: Request, actor: Actor, kind: str) -> bool:
    """Whether the newest step of the request is `kind`, taken by this person: a second press."""
    last = await uow.requests.last_event(request.id)
    return last is not None and last.kind == kind and last.actor_id == actor.user.id


def wrong_state(request: Request) -> Refused:
    return Refused("requests/wrong_state", n=request.number, status=request.status)
