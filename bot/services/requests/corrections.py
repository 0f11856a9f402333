"""Staff corrections of what triage read: the category (typed, or picked on an unsure card), the building."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.categories import Category
from bot.deadlines import deadlines
from bot.incoming import Incoming
from bot.services.requests import triaging
from bot.services.requests.access import (
    Found,
    can_dispatch,
    catalog_of,
)
from bot.services.requests.filing import nudge
from bot.services.requests.notify import card_changed
from bot.services.requests.step import by_button, by_command, wrong_state
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome
from bot.triage import building_key, parse_place
from storage.request_states import ACTIVE, FINISHED, Event, RequestStatus
from storage.uow import UnitOfWork


async def category_step(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
    if not can_dispatch(actor, found):
        raise Refused("requests/dispatch_only")
    if not found.rest.strip():
        raise Refused("requests/category_usage")
    catalog = catalog_of(env, found.community)
    category = catalog.find(found.rest)
    if category is None:
        names = [c.name(actor.locale) for c in catalog.categories]
        raise Refused("requests/category_unknown", names=names, given=found.rest[:32])
    return await set_category(uow, env, inc, actor, found, category, triaging.COMMAND)


async def set_category(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found, category: Category, source: str
) -> str:
    """Staff set the category (a /category correction or a pick on the card): complexity, points,
    deadlines and the volunteers nudged follow it, and the community's triage learns it."""
    request = found.request
    if not can_dispatch(actor, found):
        raise Refused("requests/dispatch_only")
    if request.status == RequestStatus.CANCELLED:
        raise wrong_state(request)
    if request.category == category.key and request.category_checked:
        return "requests/category_already"  # a second press or the same correction again
    catalog = catalog_of(env, found.community)
    old = request.category
    request.category_checked = True
    await triaging.teach(uow, request, category.key, source, actor.user.id)
    if old != category.key:
        request.category, request.complexity = category.key, category.complexity
        if request.status not in FINISHED:
            request.points = category.points
        if request.status in ACTIVE:
            due = deadlines(
                request.created_at,
                response=category.response,
                resolution=category.resolution,
                urgent=request.urgent,
                urgent_factor=catalog.urgent_factor,
                tz=ZoneInfo(found.community.timezone),
                hours=catalog.service_hours,
            )
            request.resolve_by = due.resolve_by
            if request.responded_at is None:
                request.respond_by = due.respond_by
    await uow.requests.record(request, Event.CATEGORY, actor.user.id, note=f"{old} -> {category.key}")
    await card_changed(uow, env, inc, request)
    if old != category.key and request.status == RequestStatus.OPEN:
        await nudge(uow, env, request, category.skills, f"u{inc.update_id}")
    return "requests/corrected"


async def pick_button(uow: UnitOfWork, env: Env, inc: Incoming, request_id: int, index: int) -> Outcome:
    """A category button of an unsure staff card (index: the category's place in the catalogue)."""

    async def pick(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> str:
        categories = catalog_of(env, found.community).categories
        if not 0 <= index < len(categories):
            raise Refused("common/button_expired")
        return await set_category(uow, env, inc, actor, found, categories[index], triaging.PICK)

    return await by_button(uow, env, inc, pick, request_id)


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
