"""Filing requests (点单): /request, #求助 messages and photos, albums, staff filing for a resident,
details added later. Each filing is triaged, numbered, given its 5341 deadlines and posted as a card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import callbacks, words
from bot.deadlines import deadlines
from bot.incoming import Incoming, Media
from bot.services import messages
from bot.services.actors import (
    Actor,
    identify,
    join,
    member_communities,
    staff_community_here,
    touch_user,
    user_locale,
)
from bot.services.env import Env
from bot.services.errors import Refused
from bot.services.messages import Button
from bot.services.request_access import (
    COMMENT_LIMIT,
    Found,
    can_dispatch,
    catalog_of,
    check_text,
    find,
    is_requester,
)
from bot.services.request_cards import CARD
from bot.services.runner import Outcome
from bot.triage import building_key, parse_place, triage
from storage.models import Community, Request, RequestMedia, User
from storage.uow import UnitOfWork

FLOW = "request"
NUDGES_PER_REQUEST = 5
MEDIA_PER_REQUEST = 10
SEPARATORS = "|｜"


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


def private_mark(text: str) -> tuple[bool, str]:
    rest = words.strip_prefix("private_marks", text)
    return (True, rest) if rest is not None else (False, text)


async def file_request(uow: UnitOfWork, env: Env, filing: Filing, key: str) -> Request:
    """Number, triage and record a request, and queue its cards (in the caller's transaction)."""
    private, text = private_mark(filing.text)
    text = check_text(text, required=not filing.media)
    community = filing.community
    catalog = catalog_of(env, community)
    found = triage(text, catalog)
    given = parse_place(filing.place_text) if filing.place_text else None
    building = (given.building if given else None) or found.place.building
    if building is None and filing.requester is not None:
        m = await uow.memberships.get(filing.requester.id, community.id)
        building = building_key(m.building) if m is not None and m.building else None
    category = catalog.get(found.category) or catalog.other
    now = env.clock()
    due = deadlines(
        now,
        response=category.response,
        resolution=category.resolution,
        urgent=found.urgent,
        urgent_factor=catalog.urgent_factor,
        tz=ZoneInfo(community.timezone),
        hours=catalog.service_hours,
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
            urgent=found.urgent,
            building=building,
            unit=(given.unit if given else None) or found.place.unit,
            room=(given.room if given else None) or found.place.room,
            source_chat_id=filing.source_chat_id,
            source_message_id=filing.source_message_id,
            media_group_id=filing.media_group_id,
            status="open",
            respond_by=due.respond_by,
            resolve_by=due.resolve_by,
            created_at=now,
        )
    )
    await uow.requests.record(request, "filed", filing.filed_by.id, target_id=request.requester_id, at=now)
    for item in filing.media:
        await keep_media(uow, request, item, filing.source_chat_id or 0, filing.filed_by, "intake")
    if filing.media_group_id and filing.source_chat_id is not None:
        await uow.requests.adopt_album(filing.source_chat_id, filing.media_group_id, request.id)
    await _post_cards(uow, env, request, filing, key)
    await _nudge(uow, env, request, category.skills, key)
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


async def _nudge(uow: UnitOfWork, env: Env, request: Request, skills: tuple[str, ...], key: str) -> None:
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
            "request_nudge",
            buttons=[[Button(env.renderer.label(locale, "req_take"), callbacks.encode("rt", request.id))]],
            n=request.number,
            category=category.name(locale),
            place=request.building or "",
            urgent=request.urgent,
            community=community.name,
        )
        sent += 1


# -- entry points ------------------------------------------------------------------------------
async def request_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/request <text>: in a bound group, in private, or by staff replying to a resident's message."""
    actor = await identify(uow, env, inc)
    if inc.reply_to is not None and inc.chat.is_group:
        await _file_for_replied(uow, env, inc, actor)
        return
    if inc.chat.is_group:
        if actor.community is None:
            raise Refused("common_group_not_bound")
        if not inc.text.strip() and not inc.media:
            raise Refused("request_usage")
        filing = Filing(
            actor.community,
            actor.user,
            actor.user,
            inc.text,
            media=inc.media,
            source_chat_id=inc.chat.chat_id,
            source_message_id=inc.message_id,
            media_group_id=inc.media_group_id,
        )
        await file_request(uow, env, filing, f"u{inc.update_id}")
        await uow.commit()
        return
    await file_in_private(uow, env, inc, actor, inc.text, inc.media)


async def _file_for_replied(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor) -> None:
    """Staff reply `/request` to a resident's message: that message becomes the resident's request."""
    community = actor.community
    if community is None:
        raise Refused("common_group_not_bound")
    assert inc.reply_to is not None
    resident = await touch_user(uow, inc.reply_to)
    if resident.id != actor.user.id and not actor.is_staff_of(community.id):
        m = actor.membership
        if m is None or "grid_worker" not in m.roles:
            raise Refused("request_reply_staff_only")
    text = " ".join(t for t in (inc.reply_text, inc.text) if t.strip())
    filing = Filing(
        community,
        resident,
        actor.user,
        words.strip_prefix("request_tags", text) or text,
        media=inc.reply_media + inc.media,
        source_chat_id=inc.chat.chat_id,
        source_message_id=inc.reply_to_message_id,
    )
    request = await file_request(uow, env, filing, f"u{inc.update_id}")
    await join(uow, resident, community.id, "group")
    if resident.id != actor.user.id:
        await uow.requests.record(request, "filed_for", actor.user.id, target_id=resident.id)
    await uow.commit()


async def file_in_private(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, text: str, media: tuple[Media, ...]
) -> None:
    locale = user_locale(env, actor.user)
    communities = await member_communities(uow, actor)
    if not communities:
        raise Refused("request_join_first")
    data = {"text": text, "media": [[m.kind, m.file_id] for m in media]}
    if not text.strip() and not media:
        await uow.conversations.put(actor.user.id, FLOW, "text", {})
        await messages.reply(uow, env, inc, locale, "request_ask_text", limit=1000)
        await uow.commit()
        return
    check_text(private_mark(text)[1], required=not media)
    if len(communities) > 1:
        await uow.conversations.put(actor.user.id, FLOW, "community", data)
        buttons = [[Button(c.name, callbacks.encode("rfc", c.id))] for c in communities[:20]]
        await messages.reply(uow, env, inc, locale, "request_ask_community", buttons=buttons)
        await uow.commit()
        return
    await uow.conversations.end(actor.user.id)
    filing = Filing(communities[0], actor.user, actor.user, text, media=media)
    await file_request(uow, env, filing, f"u{inc.update_id}")
    await uow.commit()


async def choose_community(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int) -> Outcome:
    """The community button for a request written in private by someone in several communities."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "community":
        raise Refused("common_button_expired")
    community = await uow.communities.get(community_id)
    if community is None or await uow.memberships.get(actor.user.id, community_id) is None:
        raise Refused("common_button_expired")
    data = dict(conversation.data)
    media = tuple(Media(kind, file_id) for kind, file_id in data.get("media", []))
    await uow.conversations.end(actor.user.id)
    filing = Filing(community, actor.user, actor.user, str(data.get("text", "")), media=media)
    request = await file_request(uow, env, filing, f"u{inc.update_id}")
    await uow.commit()
    return Outcome(toast=f"#{request.number}")


async def file_offered(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """The 'file this as a request' button under a message someone wrote to the bot in private."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "offer":
        raise Refused("common_button_expired")
    data = dict(conversation.data)
    media = tuple(Media(kind, file_id) for kind, file_id in data.get("media", []))
    await file_in_private(uow, env, inc, actor, str(data.get("text", "")), media)
    return Outcome()


async def on_behalf(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/onbehalf name | building and room | contact | text: staff file for someone who phoned or came in."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    parts = [p.strip() for p in inc.text.replace(SEPARATORS[1], SEPARATORS[0]).split(SEPARATORS[0])]
    if len(parts) != 4 or not parts[0] or not parts[3]:
        raise Refused("request_on_behalf_usage")
    name, place_text, contact, text = parts
    if len(name) > 32 or len(contact) > 64 or len(place_text) > 64:
        raise Refused("request_on_behalf_usage")
    filing = Filing(
        community, None, actor.user, text, on_behalf_name=name, contact=contact or None, place_text=place_text
    )
    request = await file_request(uow, env, filing, f"u{inc.update_id}")
    await messages.reply(uow, env, inc, actor.locale, "request_filed_for", n=request.number, name=name)
    await uow.commit()


# -- messages that are not commands ------------------------------------------------------------
async def group_message(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """Any message in a group: a #求助 request, the rest of an album, a detail added by replying to
    a request card, or just a resident being seen."""
    actor = await identify(uow, env, inc)
    community = actor.community
    body = words.strip_prefix("request_tags", inc.text)
    if community is None:
        if body is not None:  # someone asks for help where nobody has set the bot up yet
            raise Refused("common_group_not_bound")
        await uow.commit()
        return
    if body is not None:
        filing = Filing(
            community,
            actor.user,
            actor.user,
            body,
            media=inc.media,
            source_chat_id=inc.chat.chat_id,
            source_message_id=inc.message_id,
            media_group_id=inc.media_group_id,
        )
        await file_request(uow, env, filing, f"u{inc.update_id}")
    elif inc.media_group_id and inc.media:
        request = await uow.requests.by_album(inc.chat.chat_id, inc.media_group_id)
        for item in inc.media:  # an album part that may belong to a request (kept until it comes)
            await keep_media(uow, request, item, inc.chat.chat_id, actor.user, "intake", inc.media_group_id)
        if request is not None:
            await messages.refresh_card(uow, f"u{inc.update_id}:card", CARD, request.id)
            await pass_on_media(uow, request, inc, f"u{inc.update_id}:album", exclude=actor.user.id)
    elif inc.reply_to_message_id is not None and (inc.text.strip() or inc.media):
        request = await card_request(uow, inc)
        if request is not None and request.requester_id == actor.user.id:
            found = Found(request, community, actor.membership, inc.text)
            await add_detail(uow, env, inc, actor, found)
    await uow.commit()


async def card_request(uow: UnitOfWork, inc: Incoming) -> Request | None:
    """The request whose card this message replies to, if it does."""
    if inc.reply_to_message_id is None:
        return None
    card = await uow.outbox.card_at(inc.chat.chat_id, inc.reply_to_message_id, CARD)
    return await uow.requests.get(card.card_ref) if card is not None else None


# -- adding details -----------------------------------------------------------------------------
async def add(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/add <id> <text>: the requester (or staff) adds a detail or photos to a request."""
    actor = await identify(uow, env, inc)
    found = await find(uow, env, inc, actor, "request_add_usage")
    if not found.rest.strip() and not inc.media:
        raise Refused("request_add_usage")
    await add_detail(uow, env, inc, actor, found)
    await uow.commit()


async def add_detail(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, found: Found) -> None:
    if not (is_requester(actor, found) or can_dispatch(actor, found)):
        raise Refused("request_not_yours", n=found.request.number)
    request = found.request
    if request.status in ("rated", "cancelled"):
        raise Refused("request_wrong_state", n=request.number, status=request.status)
    note = check_text(found.rest, required=not inc.media, limit=COMMENT_LIMIT * 2)
    for item in inc.media:
        await keep_media(uow, request, item, inc.chat.chat_id, actor.user, "added")
    await uow.requests.record(request, "added", actor.user.id, note=note or None)
    await messages.refresh_card(uow, f"u{inc.update_id}:card", CARD, request.id)
    key = f"u{inc.update_id}:added"
    await pass_on_media(uow, request, inc, key, exclude=actor.user.id)
    if request.volunteer_id is not None and request.volunteer_id != actor.user.id:
        volunteer = await uow.users.get(request.volunteer_id)
        if volunteer is not None:
            await messages.tell(
                uow, env, f"{key}:vol", volunteer, "request_detail_added", n=request.number, note=note
            )
    await messages.reply(uow, env, inc, actor.locale, "request_detail_saved", n=request.number)
