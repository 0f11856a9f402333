"""Where requests come from: /request (in a group, in private, or replying to a resident's message),
#求助 messages and photos in a group, albums, a private message offered as a request, and staff
filing for someone who phoned or walked in (/onbehalf).

A request written in private that names no building, from someone whose building is not known,
asks for it first (buttons for the community's buildings, or typed, or skipped) so that it reaches
the right group and volunteers. A person in danger is never kept waiting by that question.
"""

from __future__ import annotations

from typing import Any

from bot import callbacks, danger, opening, words
from bot.danger import Alarm
from bot.incoming import Incoming, Media
from bot.services.requests.access import (
    Found,
    check_text,
)
from bot.services.requests.alarm import URGENT, emergency_context
from bot.services.requests.cards import CARD
from bot.services.requests.details import add_detail, card_request
from bot.services.requests.filing import Filing, file_request, keep_media, pass_on_media, private_mark
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    identify,
    join,
    member_communities,
    staff_community_here,
    touch_user,
    user_locale,
)
from bot.services.shared.buildings import community_buildings
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from bot.triage import building_key, parse_place, typed_place
from storage.models import Community, Request
from storage.request_states import Event
from storage.uow import UnitOfWork

FLOW = "request"
BUILDING_BUTTONS = 24  # at most this many building buttons, three to a row; more are typed
BUILDING_ROW = 3
BUILDING_LABEL = 32
BUILDINGS_NAMED = 12  # how many of the community's buildings a refusal lists

SEPARATORS = "|｜"


async def request_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/request <text>: in a bound group, in private, or by staff replying to a resident's message."""
    actor = await identify(uow, env, inc)
    if inc.reply_to is not None and inc.chat.is_group:
        await _file_for_replied(uow, env, inc, actor)
        return
    if inc.chat.is_group:
        if actor.community is None:
            raise Refused("common/group_not_bound")
        if not inc.text.strip() and not inc.media:
            raise Refused("requests/usage")
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
        return
    await file_in_private(uow, env, inc, actor, inc.text, inc.media)


async def _file_for_replied(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor) -> None:
    """Staff reply `/request` to a resident's message: that message becomes the resident's request."""
    community = actor.community
    if community is None:
        raise Refused("common/group_not_bound")
    assert inc.reply_to is not None
    resident = await touch_user(uow, inc.reply_to)
    if resident.id != actor.user.id and not actor.is_staff_of(community.id):
        m = actor.membership
        if m is None or "grid_worker" not in m.roles:
            raise Refused("requests/reply_staff_only")
    text = " ".join(t for t in (inc.reply_text, inc.text) if t.strip())
    filing = Filing(
        community,
        resident,
        actor.user,
        opening.request_body(text) or text,
        media=inc.reply_media + inc.media,
        source_chat_id=inc.chat.chat_id,
        source_message_id=inc.reply_to_message_id,
    )
    request = await file_request(uow, env, filing, f"u{inc.update_id}")
    await join(uow, resident, community.id, "group")
    if resident.id != actor.user.id:
        await uow.requests.record(request, Event.FILED_FOR, actor.user.id, target_id=resident.id)


async def file_in_private(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, text: str, media: tuple[Media, ...]
) -> None:
    locale = user_locale(env, actor.user)
    communities = await member_communities(uow, actor)
    body = opening.request_body(text)  # #求助 written in private too: the tag is not the request
    text = text if body is None else body
    alarm = danger.detect(private_mark(text)[1])
    if not communities:
        if alarm is not None:  # no staff to tell, but the numbers cannot wait
            await _numbers_now(uow, env, inc, actor, locale, alarm, "none")
            return
        raise NotMember("requests/join_first")
    data = {"text": text, "media": [[m.kind, m.file_id] for m in media]}
    if not text.strip() and not media:
        await uow.conversations.put(actor.user.id, FLOW, "text", {})
        await messages.reply(uow, env, inc, locale, "requests/ask_text", limit=1000)
        return
    check_text(private_mark(text)[1], required=not media)
    if len(communities) > 1:
        if alarm is not None:  # the numbers first; staff are alerted once the community is chosen
            await _numbers_now(uow, env, inc, actor, locale, alarm, "choose")
        await uow.conversations.put(actor.user.id, FLOW, "community", data)
        buttons = [[Button(c.name, callbacks.encode("rfc", c.id))] for c in communities[:20]]
        await messages.reply(uow, env, inc, locale, "requests/ask_community", buttons=buttons)
        return
    await _file_or_ask_building(uow, env, inc, actor, communities[0], data)


async def _numbers_now(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, locale: str, alarm: Alarm, alerted: str
) -> None:
    """The emergency numbers before there is a request (no community yet, or not chosen yet)."""
    await messages.post(
        uow,
        env,
        f"u{inc.update_id}:sos",
        actor.user.telegram_id,
        locale,
        "requests/emergency_numbers",
        priority=URGENT,
        **dict(emergency_context(None, alarm), n=None, alerted=alerted),
    )


def _media(data: dict[str, Any]) -> tuple[Media, ...]:
    return tuple(Media(str(kind), str(file_id)) for kind, file_id in data.get("media") or [])


async def _file_or_ask_building(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community, data: dict[str, Any]
) -> Request | None:
    """File the request now, or first ask for the building when neither the text nor what we know
    of the person names one (never for a person in danger)."""
    text = str(data.get("text", ""))
    body = private_mark(text)[1]
    if danger.detect(body) is None and parse_place(body).building is None:
        m = await uow.memberships.find(actor.user.id, community.id)
        if m is None or not m.building or building_key(m.building) is None:
            await _ask_building(uow, env, inc, actor, community, data)
            return None
    await uow.conversations.end(actor.user.id)
    filing = Filing(community, actor.user, actor.user, text, media=_media(data))
    return await file_request(uow, env, filing, f"u{inc.update_id}")


async def _ask_building(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community, data: dict[str, Any]
) -> None:
    """The building step: a button per building staff gave the community (/buildings), one to type
    it and one to skip. The buttons carry this step's number, so a button of an older step is stale."""
    locale = user_locale(env, actor.user)
    buildings = await community_buildings(uow, community.id)
    shown = buildings[:BUILDING_BUTTONS]
    step = inc.update_id
    await uow.conversations.put(
        actor.user.id, FLOW, "building", dict(data, community_id=community.id, step=step, buildings=shown)
    )
    buttons = [
        [
            Button(building[:BUILDING_LABEL], callbacks.encode("rbb", step, index))
            for index, building in list(enumerate(shown))[start : start + BUILDING_ROW]
        ]
        for start in range(0, len(shown), BUILDING_ROW)
    ]
    buttons.append(
        [
            Button(env.renderer.label(locale, "req_building_type"), callbacks.encode("rbt", step)),
            Button(env.renderer.label(locale, "req_building_skip"), callbacks.encode("rbs", step)),
        ]
    )
    await messages.reply(
        uow,
        env,
        inc,
        locale,
        "requests/ask_building",
        buttons=buttons,
        listed=bool(shown),
        more=len(buildings) - len(shown),
    )


async def _building_step(uow: UnitOfWork, actor: Actor, step: int | None) -> dict[str, Any]:
    """The data of the building step this button (of step `step`) or typed answer (None) belongs to."""
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "building":
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    if step is not None and data.get("step") != step:
        raise Refused("common/button_expired")
    return data


async def _file_with_building(
    uow: UnitOfWork,
    env: Env,
    inc: Incoming,
    actor: Actor,
    data: dict[str, Any],
    building: str | None,
    place_text: str = "",
    key: str = "",
) -> Request:
    """File the request waiting at the building step, with the building chosen (None: skipped)."""
    community = await uow.communities.get(int(data["community_id"]))
    if community is None or await uow.memberships.find(actor.user.id, community.id) is None:
        raise Refused("common/button_expired")
    await uow.conversations.end(actor.user.id)
    filing = Filing(
        community,
        actor.user,
        actor.user,
        str(data.get("text", "")),
        media=_media(data),
        building=building,
        place_text=place_text,
    )
    return await file_request(uow, env, filing, key or f"u{inc.update_id}")


async def choose_building(uow: UnitOfWork, env: Env, inc: Incoming, step: int, index: int) -> Outcome:
    """A building button of the building step."""
    actor = await identify(uow, env, inc)
    data = await _building_step(uow, actor, step)
    buildings = list(data.get("buildings") or [])
    if not 0 <= index < len(buildings):
        raise Refused("common/button_expired")
    request = await _file_with_building(uow, env, inc, actor, data, str(buildings[index]))
    return Outcome(toast=f"#{request.number} · {buildings[index]}")


async def skip_building(uow: UnitOfWork, env: Env, inc: Incoming, step: int) -> Outcome:
    """The skip button of the building step: filed without a building (staff can add one later)."""
    actor = await identify(uow, env, inc)
    data = await _building_step(uow, actor, step)
    request = await _file_with_building(uow, env, inc, actor, data, None)
    return Outcome(toast=f"#{request.number}")


async def type_building(uow: UnitOfWork, env: Env, inc: Incoming, step: int) -> Outcome:
    """The "I'll type it" button: say how; the next message is read as the building."""
    actor = await identify(uow, env, inc)
    await _building_step(uow, actor, step)
    await messages.reply(uow, env, inc, user_locale(env, actor.user), "requests/ask_building_typed")
    return Outcome()


async def building_typed(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor) -> None:
    """A private message at the building step: the building (5号楼, 五栋一单元, 5-1), "skip", or -
    if it says someone is in danger - a new urgent request, filed at once with the waiting one."""
    data = await _building_step(uow, actor, None)
    typed = " ".join(inc.text.split())
    if danger.detect(typed) is not None:
        await _file_with_building(uow, env, inc, actor, data, None, key=f"u{inc.update_id}:waiting")
        community = await uow.communities.get(int(data["community_id"]))
        assert community is not None
        filing = Filing(community, actor.user, actor.user, inc.text, media=inc.media)
        await file_request(uow, env, filing, f"u{inc.update_id}")
        return
    known = [str(b) for b in data.get("buildings") or []]
    if typed and not inc.media and len(typed) <= BUILDING_LABEL:
        if words.is_word("no_building", typed):
            await _file_with_building(uow, env, inc, actor, data, None)
            return
        place = typed_place(typed)
        if place.building is not None:
            canonical = "".join(p for p in (place.building, place.unit, place.room) if p)
            await _file_with_building(uow, env, inc, actor, data, place.building, canonical)
            return
        community_id = int(data["community_id"])
        for building in await community_buildings(uow, community_id):
            if building.casefold() == typed.casefold():
                await _file_with_building(uow, env, inc, actor, data, building)
                return
    raise Refused("requests/building_unknown", buildings=known[:BUILDINGS_NAMED])


async def choose_community(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int) -> Outcome:
    """The community button for a request written in private by someone in several communities."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "community":
        raise Refused("common/button_expired")
    community = await uow.communities.get(community_id)
    if community is None or await uow.memberships.find(actor.user.id, community_id) is None:
        raise Refused("common/button_expired")
    request = await _file_or_ask_building(uow, env, inc, actor, community, dict(conversation.data))
    return Outcome(toast=f"#{request.number}") if request is not None else Outcome()


async def file_offered(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """The 'file this as a request' button under a message someone wrote to the bot in private."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "offer":
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    await file_in_private(uow, env, inc, actor, str(data.get("text", "")), _media(data))
    return Outcome()


async def on_behalf(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/onbehalf name | building and room | contact | text: staff file for someone who phoned or came in."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    parts = [p.strip() for p in inc.text.replace(SEPARATORS[1], SEPARATORS[0]).split(SEPARATORS[0])]
    if len(parts) != 4 or not parts[0] or not parts[3]:
        raise Refused("requests/on_behalf_usage")
    name, place_text, contact, text = parts
    if len(name) > 32 or len(contact) > 64 or len(place_text) > 64:
        raise Refused("requests/on_behalf_usage")
    filing = Filing(
        community, None, actor.user, text, on_behalf_name=name, contact=contact or None, place_text=place_text
    )
    request = await file_request(uow, env, filing, f"u{inc.update_id}")
    await messages.reply(uow, env, inc, actor.locale, "requests/filed_for", n=request.number, name=name)


async def group_message(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """Any message in a group: a #求助 request, the rest of an album, a detail added by replying to
    a request card, or just a resident being seen."""
    actor = await identify(uow, env, inc)
    community = actor.community
    body = opening.request_body(inc.text)
    if community is None:
        if body is not None:  # someone asks for help where nobody has set the bot up yet
            raise Refused("common/group_not_bound")
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
        request = await uow.requests.find_by_album(inc.chat.chat_id, inc.media_group_id)
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
