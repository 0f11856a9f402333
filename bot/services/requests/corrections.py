"""Staff corrections of what triage read: the category and the building."""

from __future__ import annotations

from bot.incoming import Incoming
from bot.services.requests.access import (
    Found,
    can_dispatch,
    catalog_of,
)
from bot.services.requests.notify import card_changed
from bot.services.requests.step import by_command, wrong_state
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.triage import building_key, parse_place
from storage.request_states import FINISHED, Event, RequestStatus
from storage.uow import UnitOfWork


async def category_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    if not can_dispatch(actor, found):
        raise Refused("requests/dispatch_only")
    if not found.rest.strip():
        raise Refused("requests/category_usage")
    catalog = catalog_of(env, found.community)
    category = catalog.find(found.rest)
    if category is None:
        names = [c.name(actor.locale) for c in catalog.categories]
        raise Refused("requests/category_unknown", names=names, given=found.rest[:32])
    if request.status == RequestStatus.CANCELLED:
        raise wrong_state(request)
    old = request.category
    request.category, request.complexity = category.key, category.complexity
    if request.status not in FINISHED:
        request.points = category.points
    await uow.requests.record(request, Event.CATEGORY, actor.user.id, note=f"{old} -> {category.key}")
    await card_changed(uow, env, inc, request)
    return "requests/corrected"


async def building_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    request = found.request
    if not can_dispatch(actor, found):
        raise Refused("requests/dispatch_only")
    place = parse_place(found.rest)
    building = place.building or building_key(found.rest)
    if building is None:
        raise Refused("requests/building_usage")
    if request.status == RequestStatus.CANCELLED:
        raise wrong_state(request)
    old = request.building or "-"
    request.building = building
    request.unit = place.unit or request.unit
    request.room = place.room or request.room
    await uow.requests.record(request, Event.BUILDING, actor.user.id, note=f"{old} -> {building}")
    await card_changed(uow, env, inc, request)
    return "requests/corrected"


async def category(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/category <id> <category>: staff correct what triage chose; points and deadlines follow."""
    await by_command(uow, env, inc, category_step, "requests/category_usage")


async def building(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/building <id> <building>: staff correct the building (and unit, room) triage read."""
    await by_command(uow, env, inc, building_step, "requests/building_usage")
