"""Becoming a volunteer: /volunteer as one line or as a guided flow in private (community, name,
building, skills picker, 党员), then straight to active or to staff for approval."""

from __future__ import annotations

from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    identify,
    member_communities,
    require_private,
    user_locale,
)
from bot.services.shared.buildings import community_buildings
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from bot.services.volunteers.fields import (
    BUILDING_LIMIT,
    CARD,
    FLOW,
    NAME_LIMIT,
    PICKER,
    SEPARATORS,
    cancel_button,
    parse_building,
    parse_name,
    parse_party,
    parse_skills,
    profile_of,
)
from storage.models import Community, User
from storage.uow import UnitOfWork


async def register(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/volunteer: start the guided flow, or register in one line `name | building | skills | party`."""
    require_private(inc)
    actor = await identify(uow, env, inc)
    communities = await member_communities(uow, actor)
    if not communities:
        raise NotMember("volunteers/join_first")
    if inc.text.strip():
        await _register_one_line(uow, env, inc, actor, communities)
        return
    locale = user_locale(env, actor.user)
    if len(communities) == 1:
        await _ask_name(uow, env, inc, actor, communities[0].id, locale)
    else:
        await uow.conversations.put(actor.user.id, FLOW, "community", {})
        buttons = [[Button(c.name, callbacks.encode("vc", c.id))] for c in communities[:20]]
        buttons.append([cancel_button(env, locale)])
        await messages.reply(uow, env, inc, locale, "volunteers/ask_community", buttons=buttons)


async def _register_one_line(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, communities: list[Community]
) -> None:
    parts = [p.strip() for p in SEPARATORS.split(inc.text)]
    by_name = {c.name.lower(): c for c in communities}
    if len(parts) == 5:
        community = by_name.get(parts[0].lower())
        if community is None:
            raise Refused("volunteers/unknown_community", names=[c.name for c in communities])
        parts = parts[1:]
    elif len(parts) == 4 and len(communities) == 1:
        community = communities[0]
    else:
        raise Refused(
            "volunteers/one_line_usage",
            several=len(communities) > 1,
            skills=list(env.settings.volunteer_skills),
        )
    name = parse_name(parts[0])
    home = parse_building(parts[1], await community_buildings(uow, community.id))
    data = {
        "community_id": community.id,
        "name": name,
        "building": home.building,
        "unit": home.unit,
        "skills": parse_skills(env, parts[2]),
        "party": parse_party(parts[3]),
    }
    await uow.conversations.end(actor.user.id)
    await _finish(uow, env, inc, actor.user, data)


async def _ask_name(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community_id: int, locale: str
) -> None:
    membership = await uow.memberships.find(actor.user.id, community_id)
    data: dict[str, Any] = {"community_id": community_id}
    if membership is not None and membership.volunteer_status != "none":
        data["skills"] = list(membership.skills)
    await uow.conversations.put(actor.user.id, FLOW, "name", data)
    buttons = [
        [Button(actor.user.full_name[:40] or "?", callbacks.encode("vn"))],
        [cancel_button(env, locale)],
    ]
    await messages.reply(
        uow, env, inc, locale, "volunteers/ask_name", limit=NAME_LIMIT, buttons=buttons, seq=1
    )


async def choose_community(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "community":
        raise Refused("common/button_expired")
    if await uow.memberships.find(actor.user.id, community_id) is None:
        raise Refused("common/button_expired")
    await _ask_name(uow, env, inc, actor, community_id, user_locale(env, actor.user))
    return Outcome()


async def use_telegram_name(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    actor = await identify(uow, env, inc)
    return await _answer(uow, env, inc, actor, "name", actor.user.full_name[:NAME_LIMIT] or "?")


async def answer(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """A private text message: the next answer in the guided flow, if one is going on."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW:
        await messages.reply(uow, env, inc, actor.locale, "common/private_hint")
        return
    await _answer(uow, env, inc, actor, conversation.step, inc.text)


async def _answer(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, step: str, text: str) -> Outcome:
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != step:
        raise Refused("common/button_expired")
    locale = user_locale(env, actor.user)
    data = dict(conversation.data)
    if step == "community":
        await _ask_name(uow, env, inc, actor, await _typed_community(uow, actor, text), locale)
    elif step == "name":
        data["name"] = parse_name(text)
        await uow.conversations.put(actor.user.id, FLOW, "building", data)
        await messages.reply(uow, env, inc, locale, "volunteers/ask_building", limit=BUILDING_LIMIT, seq=1)
    elif step == "building":
        home = parse_building(text, await community_buildings(uow, int(data["community_id"])))
        data["building"], data["unit"] = home.building, home.unit
        data.setdefault("skills", [])
        await uow.conversations.put(actor.user.id, FLOW, "skills", data)
        await messages.post_card(
            uow, f"u{inc.update_id}:picker", actor.user.telegram_id, PICKER, actor.user.id
        )
    elif step == "skills":
        data["skills"] = parse_skills(env, text)
        await _ask_party(uow, env, inc, actor, data, locale)
        await messages.refresh_card(uow, f"u{inc.update_id}:picker", PICKER, actor.user.id)
    elif step == "party":
        data["party"] = parse_party(text)
        await uow.conversations.end(actor.user.id)
        await _finish(uow, env, inc, actor.user, data)
    else:
        raise Refused("common/button_expired")
    return Outcome()


async def _typed_community(uow: UnitOfWork, actor: Actor, text: str) -> int:
    """The community a person typed instead of pressing its button."""
    communities = await member_communities(uow, actor)
    wanted = " ".join(text.split()).lower()
    for community in communities:
        if community.name.lower() == wanted:
            return community.id
    raise Refused("volunteers/unknown_community", names=[c.name for c in communities])


async def _ask_party(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, data: dict[str, Any], locale: str
) -> None:
    await uow.conversations.put(actor.user.id, FLOW, "party", data)
    buttons = [
        [
            Button(env.renderer.label(locale, "party_yes"), callbacks.encode("vp", 1)),
            Button(env.renderer.label(locale, "party_no"), callbacks.encode("vp", 0)),
        ]
    ]
    await messages.reply(uow, env, inc, locale, "volunteers/ask_party", buttons=buttons, seq=1)


async def toggle_skill(uow: UnitOfWork, env: Env, inc: Incoming, index: int) -> Outcome:
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    skills = list(env.settings.volunteer_skills)
    if conversation is None or conversation.flow != FLOW or conversation.step != "skills":
        raise Refused("common/button_expired")
    if not 0 <= index < len(skills):
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    chosen = set(data.get("skills", []))
    chosen ^= {skills[index]}
    data["skills"] = [s for s in skills if s in chosen]
    await uow.conversations.put(actor.user.id, FLOW, "skills", data)
    await messages.refresh_card(uow, f"u{inc.update_id}:picker", PICKER, actor.user.id)
    return Outcome()


async def skills_done(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "skills":
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    if not data.get("skills"):
        raise Refused("volunteers/skills_none")
    await _ask_party(uow, env, inc, actor, data, user_locale(env, actor.user))
    await messages.refresh_card(uow, f"u{inc.update_id}:picker", PICKER, actor.user.id)
    return Outcome()


async def choose_party(uow: UnitOfWork, env: Env, inc: Incoming, party: int) -> Outcome:
    actor = await identify(uow, env, inc)
    if party not in (0, 1):
        raise Refused("common/button_expired")
    return await _answer(uow, env, inc, actor, "party", "yes" if party else "no")


async def cancel_flow(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """The cancel button or a bare /cancel: leave whatever guided flow is going on."""
    actor = await identify(uow, env, inc)
    locale = user_locale(env, actor.user)
    ended = await uow.conversations.end(actor.user.id)
    if inc.callback_id is None:
        await messages.reply(uow, env, inc, locale, "common/cancelled", ended=ended)
    await messages.refresh_card(uow, f"u{inc.update_id}:picker", PICKER, actor.user.id)
    return Outcome(toast=env.renderer.label(locale, "cancelled_toast"))


async def _finish(uow: UnitOfWork, env: Env, inc: Incoming, user: User, data: dict[str, Any]) -> None:
    community = await uow.communities.get(int(data["community_id"]))
    membership = await uow.memberships.find(user.id, int(data["community_id"]))
    if community is None or membership is None:
        raise Refused("common/button_expired")
    was = membership.volunteer_status
    membership.display_name = data["name"]
    membership.building, membership.unit = data["building"], data.get("unit")
    membership.skills = list(data["skills"])
    membership.party_member = bool(data["party"])
    if was in ("none", "pending"):
        membership.volunteer_status = "pending" if community.volunteer_approval else "active"
    await messages.reply(
        uow,
        env,
        inc,
        user_locale(env, user),
        "volunteers/registered",
        community=community.name,
        status=membership.volunteer_status,
        profile=profile_of(membership),
        seq=2,
    )
    if was == "none":
        for chat in await uow.chats.of_community(community.id, "staff"):
            await messages.post_card(
                uow,
                f"vcard:{membership.id}:{inc.update_id}:{chat.telegram_id}",
                chat.telegram_id,
                CARD,
                membership.id,
            )
    else:
        await messages.refresh_card(uow, f"u{inc.update_id}:vcard", CARD, membership.id)
