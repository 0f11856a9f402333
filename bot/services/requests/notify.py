"""Telling the people of a request what happened: its cards everywhere, the requester, the
volunteer, the staff group, with a mention in the group for whoever the bot cannot write to."""

from __future__ import annotations

from typing import Any

from bot.incoming import Incoming
from bot.services.requests import filing
from bot.services.requests.cards import CARD
from bot.services.shared import messages
from bot.services.shared.env import Env
from storage.models import Request, User
from storage.uow import UnitOfWork


async def card_changed(uow: UnitOfWork, env: Env, inc: Incoming, request: Request) -> None:
    """Every card of the request, wherever it is, is edited to show the new state."""
    await messages.refresh_card(uow, f"u{inc.update_id}:card", CARD, request.id)


async def fallback_chat(uow: UnitOfWork, request: Request) -> int | None:
    """Where to mention someone the bot cannot write to privately: the request's own group."""
    if request.source_chat_id is not None:
        return request.source_chat_id
    groups = await uow.chats.of_community(request.community_id, "neighbourhood")
    return groups[0].telegram_id if groups else None


async def tell(
    uow: UnitOfWork, env: Env, key: str, user: User | None, request: Request, template: str, **context: Any
) -> None:
    if user is None:
        return
    community = await uow.communities.get(request.community_id)
    await messages.tell(
        uow,
        env,
        key,
        user,
        template,
        fallback_chat_id=await fallback_chat(uow, request),
        fallback_locale=community.locale if community else None,
        n=request.number,
        **context,
    )


async def tell_requester(
    uow: UnitOfWork, env: Env, key: str, request: Request, template: str, **context: Any
) -> None:
    requester = await uow.users.get(request.requester_id) if request.requester_id else None
    await tell(uow, env, key, requester, request, template, **context)


async def tell_staff(
    uow: UnitOfWork, env: Env, key: str, request: Request, template: str, **context: Any
) -> None:
    community = await uow.communities.get(request.community_id)
    assert community is not None
    for chat in await uow.chats.of_community(request.community_id, "staff"):
        await messages.post(
            uow,
            env,
            f"{key}:{chat.telegram_id}",
            chat.telegram_id,
            community.locale,
            template,
            n=request.number,
            **context,
        )


async def display_name(uow: UnitOfWork, user: User, community_id: int) -> str:
    m = await uow.memberships.find(user.id, community_id)
    return (m.display_name if m is not None and m.display_name else None) or user.full_name or "?"


async def card_to(
    uow: UnitOfWork, env: Env, key: str, request: Request, person: User, fallback_template: str
) -> bool:
    """The request card in a person's private chat; if the bot cannot write to them there, a
    mention in the request's group rendered from `fallback_template` (no details in it)."""
    community = await uow.communities.get(request.community_id)
    assert community is not None
    group = await fallback_chat(uow, request)
    fallback = (
        await messages.render_for(
            uow,
            env,
            group,
            community.locale,
            fallback_template,
            who=messages.mention(person),
            n=request.number,
        )
        if group is not None
        else None
    )
    return await messages.post_card(
        uow,
        key,
        person.telegram_id,
        CARD,
        request.id,
        recipient=person,
        fallback_chat_id=group,
        fallback_text=fallback,
        fallback_template=fallback_template,
    )


async def hand_over(uow: UnitOfWork, env: Env, inc: Incoming, request: Request, volunteer: User) -> None:
    """The volunteer gets the details in private (never in the group), with the photos and voice notes."""
    key = f"u{inc.update_id}:hand"
    posted = await card_to(uow, env, f"{key}:card", request, volunteer, "requests/start_for_details")
    if posted and volunteer.reachable:
        await filing.send_media_to(uow, env, request, volunteer.telegram_id, f"{key}:media")
