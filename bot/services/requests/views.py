"""Reading requests: /history, /mine, /open (paged), /overdue, and /publicity for staff."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.incoming import Incoming
from bot.numbers import page_number
from bot.services.requests import lists
from bot.services.requests.access import can_see_details, catalog_of, find, is_active_volunteer
from bot.services.requests.cards import local, place
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    community_of_button,
    identify,
    member_communities,
    staff_community_here,
)
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from bot.services.shared.switches import community_switch
from bot.triage import building_key, redact
from storage.models import Community, Request, RequestEvent
from storage.request_states import Event
from storage.uow import UnitOfWork

PAGE = 10
MINE = 15
OVERDUE_SHOWN = 30
SUMMARY = 40  # characters of a request's text in a list


def summary(env: Env, request: Request, community: Community, locale: str, *, full: bool) -> dict[str, Any]:
    catalog = catalog_of(env, community)
    category = catalog.get(request.category) or catalog.other
    text = request.text if full else ("" if request.private else redact(request.text))
    return {
        "n": request.number,
        "category": category.name(locale),
        "place": place(request, with_room=full),
        "status": request.status,
        "urgent": request.urgent,
        "text": text[:SUMMARY] + ("…" if len(text) > SUMMARY else ""),
        "resolve_by": local(request.resolve_by, community, env.clock()),
        "community": community.name,
    }


# A step that came from a button has no note of its own: each reader sees what it means in
# their own language.
BUTTON_NOTES: dict[str, str] = {Event.PROGRESS: "req_on_my_way_note", Event.REOPENED: "req_not_solved_reason"}


def step_note(env: Env, locale: str, event: RequestEvent, *, full: bool) -> str:
    if event.kind in (Event.RATED, Event.RERATED) and event.note:
        stars, _, comment = event.note.partition(" ")
        shown = f" {comment[:200]}" if comment and full else ""
        return "⭐" * int(stars) + shown if stars.isdigit() else ""
    if not event.note:
        return env.renderer.label(locale, BUTTON_NOTES[event.kind]) if event.kind in BUTTON_NOTES else ""
    return event.note[:200] if full else ""


async def history(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/history <id>: every step with who and when (for the requester, its volunteer and staff)."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "requests/history_usage")
    if not can_see_details(actor, found):
        raise Refused("requests/not_yours", n=found.request.number)
    # Room numbers, contacts and notes stay out of neighbourhood groups (staff groups see all).
    full = inc.chat.is_private or (actor.chat is not None and actor.chat.kind == "staff")
    tz = ZoneInfo(found.community.timezone)
    steps = []
    for event in await uow.requests.history(found.request.id):
        who = await uow.users.get(event.actor_id) if event.actor_id else None
        target = (
            await uow.users.get(event.target_id)
            if event.target_id and event.target_id != event.actor_id
            else None
        )
        steps.append(
            {
                "at": event.created_at.astimezone(tz).strftime("%m-%d %H:%M"),
                "kind": event.kind,
                "who": who.full_name if who else None,
                "target": target.full_name if target else None,
                "note": step_note(env, actor.locale, event, full=full),
            }
        )
    request = summary(env, found.request, found.community, actor.locale, full=full)
    newest_first = steps[::-1]
    shown = messages.rows_that_fit(
        env, actor.locale, "requests/history", "steps", newest_first, request=request
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "requests/history",
        request=request,
        steps=newest_first[:shown][::-1],
        more=len(steps) - shown,
    )


async def mine(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/mine: what I asked for and what I am helping with."""
    actor = await identify(uow, env, inc)
    requests = await uow.requests.of_person(actor.user.id, MINE)
    communities = {c.id: c for c in await member_communities(uow, actor)}
    rows = []
    buttons = []  # in private, each request's next step for me (a group sees the list only)
    for request in requests:
        community = communities.get(request.community_id) or await uow.communities.get(request.community_id)
        assert community is not None
        row = summary(env, request, community, actor.locale, full=inc.chat.is_private)
        row["role"] = "requester" if request.requester_id == actor.user.id else "volunteer"
        rows.append(row)
        if inc.chat.is_private:
            buttons.append(lists.mine_row(env, actor.locale, request, row["role"]))
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "requests/mine",
        rows=rows,
        several=len(communities) > 1,
        buttons=[row for row in buttons if row],
    )


async def _community_for_list(uow: UnitOfWork, actor: Actor) -> Community:
    if actor.community is not None:
        return actor.community
    if actor.chat is not None:
        raise Refused("common/group_not_bound")
    communities = await member_communities(uow, actor)
    if not communities:
        raise NotMember("requests/join_first")
    if len(communities) > 1:
        raise Refused("common/use_in_group", names=[c.name for c in communities])
    return communities[0]


async def open_requests(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/open [page]: requests still waiting, urgent first (public view in groups)."""
    actor = await identify(uow, env, inc)
    community = await _community_for_list(uow, actor)
    await _open_page(uow, env, inc, actor, community, page_number(inc.text))


async def open_page_button(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int, page: int) -> Outcome:
    actor = await identify(uow, env, inc)
    community = await community_of_button(uow, actor, community_id)
    await _open_page(uow, env, inc, actor, community, max(1, page))
    return Outcome()


async def _open_page(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community, page: int
) -> None:
    requests, total = await uow.requests.open_page(community.id, (page - 1) * PAGE, PAGE)
    pages = max(1, -(-total // PAGE))
    membership = await uow.memberships.find(actor.user.id, community.id)
    # The community's staff group sees what staff need (room, contact, deadlines) and acts on it.
    staff_view = (
        actor.chat is not None and actor.chat.kind == "staff" and actor.chat.community_id == community.id
    )
    full = staff_view or (inc.chat.is_private and actor.is_staff_of(community.id, membership))
    rows = [summary(env, r, community, actor.locale, full=full) for r in requests]
    if staff_view:
        for row, request in zip(rows, requests, strict=True):
            row.update(await lists.staff_line(uow, env, request, community))
        buttons = lists.staff_buttons(env, actor.locale, requests)
    elif inc.chat.is_group or is_active_volunteer(membership):
        buttons = lists.take_buttons(env, actor.locale, requests)
    else:
        buttons = []
    nav = []
    if page > 1:
        nav.append(
            Button(
                env.renderer.label(actor.locale, "page_previous"),
                callbacks.encode("rpg", community.id, page - 1),
            )
        )
    if page < pages:
        nav.append(
            Button(
                env.renderer.label(actor.locale, "page_next"), callbacks.encode("rpg", community.id, page + 1)
            )
        )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "requests/open_list_staff" if staff_view else "requests/open_list",
        community=community.name,
        rows=rows,
        page=min(page, pages),
        pages=pages,
        total=total,
        buttons=buttons + ([nav] if nav else []),
    )


async def overdue(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/overdue: what is late now (staff: the community; grid workers: their buildings)."""
    actor = await identify(uow, env, inc)
    m = actor.membership
    buildings: list[str] | None = None
    if (
        actor.community is not None
        and not actor.is_staff_of(actor.community.id)
        and m
        and "grid_worker" in m.roles
    ):
        community = actor.community  # a grid worker in a group of the community: their buildings
        buildings = [b for b in (building_key(x) for x in m.grid_buildings) if b]
    else:
        community = await staff_community_here(uow, actor)
    late = await uow.requests.overdue(community.id, env.clock(), buildings)
    rows = [summary(env, r, community, actor.locale, full=False) for r in late[:OVERDUE_SHOWN]]
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "requests/overdue_list",
        community=community.name,
        rows=rows,
        more=max(0, len(late) - OVERDUE_SHOWN),
    )


async def publicity_setting(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/publicity on|off: whether confirmed requests get a 晒单 card in the group."""
    await community_switch(uow, env, inc, "publicity", "requests/publicity")
