"""Where requests come from: /request (in a group, in private, or replying to a resident's message),
#求助 messages and photos in a group, albums, a private message offered as a request, and staff
filing for someone who phoned or walked in (/onbehalf)."""

from __future__ import annotations

from bot import callbacks, opening
from bot.incoming import Incoming, Media
from bot.services.requests.access import (
    Found,
    check_text,
)
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
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from storage.request_states import Event
from storage.uow import UnitOfWork

FLOW = "request"

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
    if not communities:
        raise NotMember("requests/join_first")
    body = opening.request_body(text)  # #求助 written in private too: the tag is not the request
    text = text if body is None else body
    data = {"text": text, "media": [[m.kind, m.file_id] for m in media]}
    if not text.strip() and not media:
        await uow.conversations.put(actor.user.id, FLOW, "text", {})
        await messages.reply(uow, env, inc, locale, "requests/ask_text", limit=1000)
        return
    check_text(private_mark(text)[1], required=not media)
    if len(communities) > 1:
        await uow.conversations.put(actor.user.id, FLOW, "community", data)
        buttons = [[Button(c.name, callbacks.encode("rfc", c.id))] for c in communities[:20]]
        await messages.reply(uow, env, inc, locale, "requests/ask_community", buttons=buttons)
        return
    await uow.conversations.end(actor.user.id)
    filing = Filing(communities[0], actor.user, actor.user, text, media=media)
    await file_request(uow, env, filing, f"u{inc.update_id}")


async def choose_community(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int) -> Outcome:
    """The community button for a request written in private by someone in several communities."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "community":
        raise Refused("common/button_expired")
    community = await uow.communities.get(community_id)
    if community is None or await uow.memberships.find(actor.user.id, community_id) is None:
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    media = tuple(Media(kind, file_id) for kind, file_id in data.get("media", []))
    await uow.conversations.end(actor.user.id)
    filing = Filing(community, actor.user, actor.user, str(data.get("text", "")), media=media)
    request = await file_request(uow, env, filing, f"u{inc.update_id}")
    return Outcome(toast=f"#{request.number}")


async def file_offered(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """The 'file this as a request' button under a message someone wrote to the bot in private."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "offer":
        raise Refused("common/button_expired")
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
