"""Filing a request (点单): triage, a number, the 5341 deadlines, the photos and voice notes kept,
the cards posted to the group and the staff group, and nudges to volunteers who fit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import callbacks, danger, words
from bot.deadlines import deadlines
from bot.incoming import Incoming, Media
from bot.services.requests import triaging
from bot.services.requests.access import (
    catalog_of,
    check_text,
)
from bot.services.requests.alarm import raise_alarm
from bot.services.requests.cards import CARD
from bot.services.shared import messages
from bot.services.shared.actors import user_locale
from bot.services.shared.env import Env
from bot.services.shared.messages import Button
from bot.triage import building_key, parse_place, triage
from storage.models import Community, Request, RequestMedia, User
from storage.request_states import Event, RequestStatus
from storage.uow import UnitOfWork

NUDGES_PER_REQUEST = 5

MEDIA_PER_REQUEST = 10


@dataclass
class Filing:
    community: Community
    requester: User | None  # None: staff filed it for someone without Telegram
    filed_by: User
    text: str
    media: tuple[Media, ...] = ()
    source_chat_id: int | None = None  # the group it was written in
    source_message_id: int | None = None
    media_group_id: str | None = None
    on_behalf_name: str | None = None
    contact: str | None = None
    place_text: str = ""  # a building and room given apart from the text
    building: str | None = None  # a building chosen apart from the text (a button of the building step)


def private_mark(text: str) -> tuple[bool, str]:
    rest = words.strip_prefix("private_marks", text)
    return (True, rest) if rest is not None else (False, text)


async def file_request(uow: UnitOfWork, env: Env, filing: Filing, key: str) -> Request:
    """Number, triage and record a request, and queue its cards (in the caller's transaction)."""
    private, text = private_mark(filing.text)
    text = check_text(text, required=not filing.media)
    community = filing.community
    catalog = catalog_of(env, community)
    found = triage(text, catalog)  # urgency and place (the category is the classifier's, below)
    verdict = await triaging.categorize(uow, env, community, catalog, text)
    alarm = danger.detect(text)  # the emergency rules: the classifier neither sees nor changes them
    given = parse_place(filing.place_text) if filing.place_text else None
    building = (given.building if given else None) or filing.building or found.place.building
    if building is None and filing.requester is not None:
        m = await uow.memberships.find(filing.requester.id, community.id)
        building = building_key(m.building) if m is not None and m.building else None
    category = catalog.get(verdict.category) or catalog.other
    now = env.clock()
    due = deadlines(
        now,
        response=category.response,
        resolution=category.resolution,
        urgent=found.urgent or alarm is not None,
        urgent_factor=catalog.urgent_factor,
        tz=ZoneInfo(community.timezone),
        hours=replace(catalog.service_hours, days=env.settings.service_days),
    )
    request = await uow.requests.add(
        Request(
            community_id=community.id,
            number=await uow.requests.next_number(community.id),
            requester_id=filing.requester.id if filing.requester else None,
            filed_by_id=filing.filed_by.id,
            on_behalf_name=filing.on_behalf_name,
            contact=filing.contact,
            text=text,
            private=private,
            category=category.key,
            complexity=category.complexity,
            points=category.points,
            urgent=found.urgent or alarm is not None,
            building=building,
            unit=(given.unit if given else None) or found.place.unit,
            room=(given.room if given else None) or found.place.room,
            source_chat_id=filing.source_chat_id,
            source_message_id=filing.source_message_id,
            media_group_id=filing.media_group_id,
            status=RequestStatus.OPEN,
            respond_by=due.respond_by,
            resolve_by=due.resolve_by,
            created_at=now,
            triage_confidence=verdict.confidence,
        )
    )
    await uow.requests.record(
        request, Event.FILED, filing.filed_by.id, target_id=request.requester_id, at=now
    )
    for item in filing.media:
        await keep_media(uow, request, item, filing.source_chat_id or 0, filing.filed_by, "intake")
    if filing.media_group_id and filing.source_chat_id is not None:
        await uow.requests.adopt_album(filing.source_chat_id, filing.media_group_id, request.id)
    await _post_cards(uow, env, request, filing, key)
    if alarm is not None:  # a person in danger: numbers to whoever asked, staff alerted, both at once
        await raise_alarm(
            uow,
            env,
            request,
            alarm,
            key,
            asked_in=filing.source_chat_id,
            asked_message_id=filing.source_message_id,
            asked_by=filing.filed_by,
        )
    await nudge(uow, env, request, category.skills, key)
    return request


async def keep_media(
    uow: UnitOfWork,
    request: Request | None,
    item: Media,
    chat_id: int,
    by: User,
    stage: str,
    group: str | None = None,
) -> None:
    await uow.requests.add_media(
        RequestMedia(
            request_id=request.id if request is not None else None,
            chat_id=chat_id,
            media_group_id=group,
            kind=item.kind,
            file_id=item.file_id,
            stage=stage,
            added_by_id=by.id,
        )
    )


async def _post_cards(uow: UnitOfWork, env: Env, request: Request, filing: Filing, key: str) -> None:
    """The card goes to the group it was asked in (else the groups of its building, else all the
    community's groups) and to the staff groups; a requester filing in private gets it there."""
    community_id = request.community_id
    if filing.source_chat_id is not None:
        groups = [filing.source_chat_id]
    else:
        neighbourhood = await uow.chats.of_community(community_id, "neighbourhood")
        here = building_key(request.building) if request.building else None
        covering = [c for c in neighbourhood if here and here in {building_key(b) for b in c.buildings}]
        groups = [c.telegram_id for c in (covering or neighbourhood)]
    for chat_id in groups:
        reply_to = filing.source_message_id if chat_id == filing.source_chat_id else None
        await messages.post_card(uow, f"{key}:card:{chat_id}", chat_id, CARD, request.id, reply_to=reply_to)
    for chat in await uow.chats.of_community(community_id, "staff"):
        await messages.post_card(uow, f"{key}:card:{chat.telegram_id}", chat.telegram_id, CARD, request.id)
        if filing.media or filing.media_group_id:  # else it has none (album parts come with its id)
            await send_media_to(uow, env, request, chat.telegram_id, f"{key}:media")
    requester = filing.requester
    if requester is not None and filing.source_chat_id is None and requester.id == filing.filed_by.id:
        await messages.post_card(
            uow, f"{key}:card:{requester.telegram_id}", requester.telegram_id, CARD, request.id
        )


async def send_media_to(uow: UnitOfWork, env: Env, request: Request, chat_id: int, key: str) -> None:
    """The request's photos, voice notes and videos, to staff or the volunteer who has it."""
    kept = await uow.requests.media_of(request.id)
    for index, item in enumerate(kept[:MEDIA_PER_REQUEST], start=1):
        caption = f"#{request.number} ({index}/{min(len(kept), MEDIA_PER_REQUEST)})"
        await messages.send_media(
            uow, f"{key}:{item.id}:{chat_id}", chat_id, item.kind, item.file_id, caption
        )


async def pass_on_media(uow: UnitOfWork, request: Request, inc: Incoming, key: str, *, exclude: int) -> None:
    """Media that arrive after filing go where the first ones went: staff groups and the volunteer."""
    chats = [c.telegram_id for c in await uow.chats.of_community(request.community_id, "staff")]
    if request.volunteer_id is not None and request.volunteer_id != exclude:
        volunteer = await uow.users.get(request.volunteer_id)
        if volunteer is not None and volunteer.reachable:
            chats.append(volunteer.telegram_id)
    for chat_id in chats:
        for index, item in enumerate(inc.media):
            await messages.send_media(
                uow, f"{key}:{chat_id}:{index}", chat_id, item.kind, item.file_id, f"#{request.number}"
            )


async def nudge(uow: UnitOfWork, env: Env, request: Request, skills: tuple[str, ...], key: str) -> None:
    """A private note to volunteers who asked for one and fit (skill and building), at most one
    per volunteer every NUDGE_MINUTES, and at most a few per request."""
    now = env.clock()
    quiet = timedelta(minutes=env.settings.nudge_minutes)
    here = building_key(request.building) if request.building else None
    community = await uow.communities.get(request.community_id)
    assert community is not None
    catalog = catalog_of(env, community)
    category = catalog.get(request.category) or catalog.other
    sent = 0
    for m, user in await uow.memberships.volunteers(request.community_id):
        if sent >= NUDGES_PER_REQUEST:
            break
        if (
            not m.nudges
            or m.volunteer_status != "active"
            or user.id == request.requester_id
            or not user.reachable
        ):
            continue
        if skills and not set(skills) & set(m.skills):
            continue
        if here is not None and m.building and building_key(m.building) != here:
            continue
        if m.last_nudged_at is not None and now - m.last_nudged_at < quiet:
            continue
        m.last_nudged_at = now
        locale = user_locale(env, user)
        await messages.tell(
            uow,
            env,
            f"{key}:nudge:{user.id}",
            user,
            "requests/nudge",
            buttons=[[Button(env.renderer.label(locale, "req_take"), callbacks.encode("rt", request.id))]],
            n=request.number,
            category=category.name(locale),
            place=request.building or "",
            urgent=request.urgent,
            community=community.name,
        )
        sent += 1
