"""The request card, drawn for each chat it is in, and the 晒单 publicity card.

One card kind, several views: the neighbourhood group sees the public view (never a room number,
a phone number or a private request's text); the staff group sees everything with dispatch
buttons; in private, the volunteer who holds it sees the details and their buttons, the requester
sees their own request with confirm and rate buttons, and anyone else (a volunteer who released
it) sees the public view.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.categories import Catalog, Category
from bot.outbox.cards import RenderedCard
from bot.services.requests import triaging
from bot.services.shared import messages
from bot.services.shared.actors import user_locale
from bot.services.shared.env import Env
from bot.services.shared.messages import Button, Keyboard
from bot.triage import building_key, redact
from storage.models import Community, Membership, Request, User
from storage.request_states import ACTIVE, FINISHED, RequestStatus, Step, allows
from storage.uow import UnitOfWork

CARD = "request"
PUBLICITY = "publicity"
RATING_ALERT = "rating_alert"  # a low rating, in the staff group: edited when the rating changes
ALERT_TEXT = 40  # characters of the request's text in the alert
LOW_RATING = 2  # a rating of this or less alerts the staff group
SUGGESTIONS = 4  # volunteers offered as assign buttons on the staff card
ADDITIONS_SHOWN = 3
CATEGORY_BUTTONS = 30  # category picks on an unsure staff card (more are set with /category)
CATEGORY_ROW = 3


def local(moment: datetime | None, community: Community, now: datetime) -> str:
    """A time as the community reads it: 14:05 today, 11-23 08:05 another day."""
    if moment is None:
        return ""
    tz = ZoneInfo(community.timezone)
    here = moment.astimezone(tz)
    if here.date() == now.astimezone(tz).date():
        return here.strftime("%H:%M")
    return here.strftime("%m-%d %H:%M")


def is_late(request: Request, now: datetime) -> bool:
    """Late by the 5341 promise: nobody answered it by respond_by, or it is not done by resolve_by."""
    unanswered = request.status == RequestStatus.OPEN and request.responded_at is None
    return (unanswered and request.respond_by <= now) or (
        request.status in ACTIVE and request.resolve_by <= now
    )


def place(request: Request, *, with_room: bool) -> str:
    parts = [request.building or "", request.unit or ""]
    if with_room and request.room:
        parts.append(request.room)
    return " ".join(p for p in parts if p)


async def suggestions(
    uow: UnitOfWork, request: Request, category: Category, limit: int = SUGGESTIONS
) -> list[tuple[Membership, User]]:
    """Active volunteers who fit: matching skill and building first, then the least busy."""
    load = await uow.requests.load_of_volunteers(request.community_id)
    wanted = set(category.skills)
    here = building_key(request.building) if request.building else None
    scored = []
    for m, u in await uow.memberships.volunteers(request.community_id):
        if m.volunteer_status != "active" or u.id == request.requester_id:
            continue
        skill = bool(wanted & set(m.skills))
        building = here is not None and m.building is not None and building_key(m.building) == here
        scored.append(((not skill, not building, load.get(u.id, 0), m.id), m, u))
    scored.sort(key=lambda item: item[0])
    return [(m, u) for _, m, u in scored[:limit]]


def card_functions(env: Env) -> dict[str, Any]:
    async def load(uow: UnitOfWork, request_id: int) -> tuple[Request, Community, Catalog] | None:
        request = await uow.requests.get(request_id)
        if request is None:
            return None
        community = await uow.communities.get(request.community_id)
        assert community is not None
        return request, community, env.catalogs.for_community(community.name)

    async def request_card(uow: UnitOfWork, request_id: int, chat_id: int) -> RenderedCard | None:
        loaded = await load(uow, request_id)
        if loaded is None:
            return None
        request, community, catalog = loaded
        view, locale = await _view(uow, env, request, community, chat_id)
        context = await card_context(uow, env, request, community, catalog, view, locale)
        public = await messages.public_chat(uow, chat_id)
        text = env.renderer.render(locale, "requests/card", public=public, **context)
        buttons = await _buttons(uow, env, request, catalog, view, locale, in_group=chat_id < 0)
        return RenderedCard(text, messages.keyboard_json(buttons))

    async def publicity_card(uow: UnitOfWork, request_id: int, chat_id: int) -> RenderedCard | None:
        loaded = await load(uow, request_id)
        if loaded is None:
            return None
        request, community, catalog = loaded
        category = (catalog.get(request.category) or catalog.other).name(community.locale)
        public = await messages.public_chat(uow, chat_id)
        if request.status not in FINISHED or request.volunteer_id is None:
            text = env.renderer.render(
                community.locale,
                "requests/publicity_card",
                public=public,
                reopened=True,
                n=request.number,
                category=category,
            )
            return RenderedCard(text)
        volunteer = await uow.users.get(request.volunteer_id)
        assert volunteer is not None
        m = await uow.memberships.find(volunteer.id, community.id)
        done_at = request.done_at or request.confirmed_at or request.updated_at
        minutes = max(1, int((done_at - request.created_at).total_seconds() // 60))
        text = env.renderer.render(
            community.locale,
            "requests/publicity_card",
            public=public,
            reopened=False,
            n=request.number,
            category=category,
            building=request.building or "",
            volunteer=(m.display_name or volunteer.full_name) if m is not None and m.named else None,
            party=m is not None and m.party_member,
            hours=minutes // 60,
            minutes=minutes % 60,
            points=request.points,
            rating=request.rating,
            comment=request.rating_comment or "",
        )
        return RenderedCard(text)

    async def rating_alert(uow: UnitOfWork, request_id: int, chat_id: int) -> RenderedCard | None:
        """Names the request, its volunteer and how to reach the resident (a staff group sees all)."""
        loaded = await load(uow, request_id)
        if loaded is None:
            return None
        request, community, catalog = loaded
        requester = await uow.users.get(request.requester_id) if request.requester_id else None
        volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
        volunteer_m = await uow.memberships.find(volunteer.id, community.id) if volunteer else None
        text = " ".join(request.text.split())
        return RenderedCard(
            env.renderer.render(
                community.locale,
                "requests/rating_alert",
                n=request.number,
                category=(catalog.get(request.category) or catalog.other).name(community.locale),
                text=text[:ALERT_TEXT] + ("…" if len(text) > ALERT_TEXT else ""),
                rating=request.rating,
                low=request.rating is not None and request.rating <= LOW_RATING,
                comment=request.rating_comment or "",
                volunteer=messages.mention(volunteer, volunteer_m.display_name if volunteer_m else None)
                if volunteer
                else None,
                requester=messages.mention(requester) if requester else None,
                username=requester.username if requester else None,
                on_behalf=request.on_behalf_name,
                contact=request.contact,
                place=place(request, with_room=True),
            )
        )

    return {CARD: request_card, PUBLICITY: publicity_card, RATING_ALERT: rating_alert}


async def _view(
    uow: UnitOfWork, env: Env, request: Request, community: Community, chat_id: int
) -> tuple[str, str]:
    """Which view this chat gets, and in which language."""
    if chat_id < 0:
        chat = await uow.chats.find_by_telegram_id(chat_id)
        staff = chat is not None and chat.kind == "staff" and chat.community_id == community.id
        return ("staff" if staff else "public"), community.locale
    user = await uow.users.find_by_telegram_id(chat_id)
    if user is None:
        return "public", community.locale
    locale = user_locale(env, user)
    if request.volunteer_id == user.id and request.status != RequestStatus.OPEN:
        return "volunteer", locale
    if request.requester_id == user.id:
        return "requester", locale
    return "public", locale


async def card_context(
    uow: UnitOfWork,
    env: Env,
    request: Request,
    community: Community,
    catalog: Catalog,
    view: str,
    locale: str,
) -> dict[str, Any]:
    """What a card (or a history or list line) shows in a given view."""
    full = view in ("staff", "volunteer", "requester")
    category = catalog.get(request.category) or catalog.other
    volunteer = await uow.users.get(request.volunteer_id) if request.volunteer_id else None
    volunteer_m = await uow.memberships.find(volunteer.id, community.id) if volunteer else None
    requester = await uow.users.get(request.requester_id) if request.requester_id else None
    additions = [e.note or "" for e in await uow.requests.history(request.id) if e.kind == "added"]
    media = await uow.requests.media_of(request.id)
    now = env.clock()
    text = request.text if full else ("" if request.private else redact(request.text))
    return {
        "view": view,
        "n": request.number,
        "category": category.name(locale),
        "complexity": request.complexity,
        "urgent": request.urgent,
        "place": place(request, with_room=full),
        "text": text,
        "private": request.private,
        # Details added later may come from a private chat: only the people who see details see them.
        "additions": additions[-ADDITIONS_SHOWN:] if full else [],
        "status": request.status,
        "volunteer": (
            volunteer_m.display_name if volunteer_m and volunteer_m.display_name else volunteer.full_name
        )
        if volunteer
        else None,
        "requester": messages.mention(requester) if requester is not None and full else None,
        "on_behalf": request.on_behalf_name if full else None,
        "contact": request.contact if full else None,
        "respond_by": local(request.respond_by, community, now),
        "resolve_by": local(request.resolve_by, community, now),
        "late": is_late(request, now),
        "photos": sum(1 for m in media if m.kind == "photo"),
        "other_media": sum(1 for m in media if m.kind != "photo"),
        "done_note": request.done_note if full else None,
        "auto_confirmed": request.auto_confirmed,
        "rating": request.rating,
        "hard": request.complexity == "hard",
        # staff see when triage was unsure of the category (and pick it with a button below)
        "unsure": view == "staff" and _asks_category(env, request, catalog),
        "confidence": round((request.triage_confidence or 0) * 100),
    }


def _asks_category(env: Env, request: Request, catalog: Catalog) -> bool:
    return request.status in ACTIVE and triaging.unsure(env, request, catalog)


def rating_changeable(env: Env, request: Request) -> bool:
    """A rating tapped by mistake may still be changed (for `rating_change_minutes` after it)."""
    window = timedelta(minutes=env.settings.rating_change_minutes)
    return (
        allows(Step.RERATE, request.status)
        and request.rated_at is not None
        and env.clock() - request.rated_at <= window
    )


async def _rates_in_group(uow: UnitOfWork, request: Request) -> bool:
    """A requester the bot cannot write to privately rates on the group card (re-checked on press)."""
    requester = await uow.users.get(request.requester_id) if request.requester_id else None
    return requester is not None and not requester.reachable


async def _buttons(
    uow: UnitOfWork, env: Env, request: Request, catalog: Catalog, view: str, locale: str, *, in_group: bool
) -> Keyboard:
    label = env.renderer.label
    rid = request.id
    rows: Keyboard = []
    status = request.status
    if view == "staff" and _asks_category(env, request, catalog):
        picks = [
            Button(
                ("✅ " if c.key == request.category else "") + c.name(locale)[:20],
                callbacks.encode("rg", rid, i),
            )
            for i, c in enumerate(catalog.categories[:CATEGORY_BUTTONS])
        ]
        rows.extend(picks[i : i + CATEGORY_ROW] for i in range(0, len(picks), CATEGORY_ROW))
    if view in ("public", "staff") and allows(Step.CLAIM, status):
        rows.append([Button(label(locale, "req_take"), callbacks.encode("rt", rid))])
    if view == "staff" and status == RequestStatus.OPEN:
        category = catalog.get(request.category) or catalog.other
        for m, u in await suggestions(uow, request, category):
            name = (m.display_name or u.full_name)[:20]
            rows.append(
                [Button(f"{label(locale, 'req_assign_to')} {name}", callbacks.encode("ra", rid, u.id))]
            )
    if view in ("public", "staff", "requester") and allows(Step.CONFIRM, status):
        rows.append(
            [
                Button(label(locale, "req_solved"), callbacks.encode("rc", rid)),
                Button(label(locale, "req_not_solved"), callbacks.encode("rr", rid)),
            ]
        )
    rates_here = view == "requester" or (
        view == "public" and in_group and await _rates_in_group(uow, request)
    )
    if rates_here and (allows(Step.RATE, status) or rating_changeable(env, request)):

        def star(stars: int) -> Button:
            chosen = "✅ " if stars == request.rating else ""
            return Button(chosen + "⭐" * stars, callbacks.encode("rs", rid, stars))

        rows.append([star(stars) for stars in (1, 2, 3)])
        rows.append([star(stars) for stars in (4, 5)])
    if view == "volunteer" and allows(Step.DONE, status):
        rows.append(
            [
                Button(label(locale, "req_on_my_way"), callbacks.encode("rp", rid)),
                Button(label(locale, "req_done"), callbacks.encode("rd", rid)),
            ]
        )
        if allows(Step.DECLINE, status):
            rows.append([Button(label(locale, "req_decline"), callbacks.encode("rn", rid))])
        else:
            rows.append([Button(label(locale, "req_release"), callbacks.encode("rl", rid))])
    return rows
