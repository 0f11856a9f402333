"""Button presses: `v1:<action>:<args>` routed to the service that re-checks them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update

from bot import callbacks
from bot.context import LinliContext
from bot.services import groups, intake, lifecycle, people, request_views, volunteers
from bot.services.runner import Service
from handlers.adapt import answer, incoming

Arguments = Callable[[callbacks.Callback], tuple[Any, ...]]

ROUTES: dict[str, tuple[Service, Arguments]] = {
    "lang": (people.set_language, lambda cb: (cb.str_arg(0),)),
    "bind": (groups.bind_chosen, lambda cb: (cb.str_arg(0), cb.int_arg(1))),
    "vc": (volunteers.choose_community, lambda cb: (cb.int_arg(0),)),
    "vn": (volunteers.use_telegram_name, lambda cb: ()),
    "vs": (volunteers.toggle_skill, lambda cb: (cb.int_arg(0),)),
    "vsd": (volunteers.skills_done, lambda cb: ()),
    "vp": (volunteers.choose_party, lambda cb: (cb.int_arg(0),)),
    "vx": (volunteers.cancel_flow, lambda cb: ()),
    "va": (volunteers.card_decision, lambda cb: ("approve", cb.int_arg(0))),
    "vr": (volunteers.card_decision, lambda cb: ("reject", cb.int_arg(0))),
    "rf": (intake.file_offered, lambda cb: ()),
    "rfc": (intake.choose_community, lambda cb: (cb.int_arg(0),)),
    "rt": (lifecycle.take_button, lambda cb: (cb.int_arg(0),)),
    "ra": (lifecycle.assign_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "rn": (lifecycle.decline_button, lambda cb: (cb.int_arg(0),)),
    "rl": (lifecycle.release_button, lambda cb: (cb.int_arg(0),)),
    "rp": (lifecycle.progress_button, lambda cb: (cb.int_arg(0),)),
    "rd": (lifecycle.done_button, lambda cb: (cb.int_arg(0),)),
    "rc": (lifecycle.confirm_button, lambda cb: (cb.int_arg(0),)),
    "rr": (lifecycle.reopen_button, lambda cb: (cb.int_arg(0),)),
    "rs": (lifecycle.rate_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "rk": (lifecycle.picked, lambda cb: (cb.int_arg(0),)),
    "rpg": (request_views.open_page_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
}


async def on_button(update: Update, context: LinliContext) -> None:
    query = update.callback_query
    assert query is not None
    inc = incoming(update)
    try:
        parsed = callbacks.decode(query.data)
        service, arguments = ROUTES[parsed.action]
        args = arguments(parsed)
    except (callbacks.BadCallback, KeyError):
        await answer(update, await context.deps.run(people.stale_button, inc))
        return
    await answer(update, await context.deps.run(service, inc, *args))
