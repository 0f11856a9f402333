"""Volunteers: guided or one-line registration, profile, leaving, and staff approval/suspension."""

from __future__ import annotations

import re
from typing import Any

from bot import callbacks, words
from bot.incoming import Incoming
from bot.outbox.cards import RenderedCard
from bot.services import messages
from bot.services.actors import (
    Actor,
    identify,
    member_communities,
    require_private,
    staff_community_here,
    user_locale,
)
from bot.services.env import Env
from bot.services.errors import Refused
from bot.services.messages import Button
from bot.services.roles import resolve_target
from bot.services.runner import Outcome
from bot.services.switches import community_switch, switch_word
from storage.models import Community, Membership, User
from storage.uow import UnitOfWork

FLOW = "volunteer"
CARD = "volunteer"  # the application card in staff groups, ref = membership id
PICKER = "skills_picker"  # the skills keyboard in private, ref = user id
NAME_LIMIT = 32
BUILDING_LIMIT = 32
SEPARATORS = re.compile(r"[|｜]")
SKILL_SPLIT = re.compile(r"[\s,，、;；/]+")
ECHO_LIMIT = 32  # how much of a wrong word is quoted back


# -- parsing ---------------------------------------------------------------------------------------
def parse_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or name.startswith("/"):
        raise Refused("volunteer_name_invalid", limit=NAME_LIMIT)
    if len(name) > NAME_LIMIT:
        raise Refused("volunteer_name_invalid", limit=NAME_LIMIT)
    return name


def parse_building(text: str) -> str:
    building = " ".join(text.split())
    if not building or len(building) > BUILDING_LIMIT or building.startswith("/"):
        raise Refused("volunteer_building_invalid", limit=BUILDING_LIMIT)
    return building


def parse_skills(env: Env, text: str) -> list[str]:
    known = list(env.settings.volunteer_skills)
    words = [w for w in SKILL_SPLIT.split(text.strip()) if w]
    unknown = [w for w in words if w not in known]
    if not words or unknown:
        raise Refused("volunteer_skills_invalid", unknown=[w[:ECHO_LIMIT] for w in unknown[:5]], skills=known)
    return [s for s in known if s in words]


def parse_party(text: str) -> bool:
    word = text.strip().lower()
    if words.is_word("yes", word):
        return True
    if words.is_word("no", word):
        return False
    raise Refused("volunteer_party_invalid")


def parse_switch(text: str) -> bool:
    value = switch_word(text.strip().lower())
    if value is None:
        raise Refused("profile_switch_invalid")
    return value


# -- registration ------------------------------------------------------------------------------------
async def register(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/volunteer: start the guided flow, or register in one line `name | building | skills | party`."""
    require_private(inc)
    actor = await identify(uow, env, inc)
    communities = await member_communities(uow, actor)
    if not communities:
        raise Refused("volunteer_join_first")
    if inc.text.strip():
        await _register_one_line(uow, env, inc, actor, communities)
        return
    locale = user_locale(env, actor.user)
    if len(communities) == 1:
        await _ask_name(uow, env, inc, actor, communities[0].id, locale)
    else:
        await uow.conversations.put(actor.user.id, FLOW, "community", {})
        buttons = [[Button(c.name, callbacks.encode("vc", c.id))] for c in communities[:20]]
        buttons.append([_cancel_button(env, locale)])
        await messages.reply(uow, env, inc, locale, "volunteer_ask_community", buttons=buttons)
    await uow.commit()


async def _register_one_line(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, communities: list[Community]
) -> None:
    parts = [p.strip() for p in SEPARATORS.split(inc.text)]
    by_name = {c.name.lower(): c for c in communities}
    if len(parts) == 5:
        community = by_name.get(parts[0].lower())
        if community is None:
            raise Refused("volunteer_unknown_community", names=[c.name for c in communities])
        parts = parts[1:]
    elif len(parts) == 4 and len(communities) == 1:
        community = communities[0]
    else:
        raise Refused(
            "volunteer_one_line_usage",
            several=len(communities) > 1,
            skills=list(env.settings.volunteer_skills),
        )
    data = {
        "community_id": community.id,
        "name": parse_name(parts[0]),
        "building": parse_building(parts[1]),
        "skills": parse_skills(env, parts[2]),
        "party": parse_party(parts[3]),
    }
    await uow.conversations.end(actor.user.id)
    await _finish(uow, env, inc, actor.user, data)
    await uow.commit()


async def _ask_name(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community_id: int, locale: str
) -> None:
    membership = await uow.memberships.get(actor.user.id, community_id)
    data: dict[str, Any] = {"community_id": community_id}
    if membership is not None and membership.volunteer_status != "none":
        data["skills"] = list(membership.skills)
    await uow.conversations.put(actor.user.id, FLOW, "name", data)
    buttons = [
        [Button(actor.user.full_name[:40] or "?", callbacks.encode("vn"))],
        [_cancel_button(env, locale)],
    ]
    await messages.reply(
        uow, env, inc, locale, "volunteer_ask_name", limit=NAME_LIMIT, buttons=buttons, seq=1
    )


def _cancel_button(env: Env, locale: str) -> Button:
    return Button(env.renderer.label(locale, "cancel"), callbacks.encode("vx"))


async def choose_community(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "community":
        raise Refused("common_button_expired")
    if await uow.memberships.get(actor.user.id, community_id) is None:
        raise Refused("common_button_expired")
    await _ask_name(uow, env, inc, actor, community_id, user_locale(env, actor.user))
    await uow.commit()
    return Outcome()


async def use_telegram_name(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    actor = await identify(uow, env, inc)
    return await _answer(uow, env, inc, actor, "name", actor.user.full_name[:NAME_LIMIT] or "?")


async def answer(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """A private text message: the next answer in the guided flow, if one is going on."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW:
        await messages.reply(uow, env, inc, actor.locale, "common_private_hint")
        await uow.commit()
        return
    await _answer(uow, env, inc, actor, conversation.step, inc.text)


async def _answer(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, step: str, text: str) -> Outcome:
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != step:
        raise Refused("common_button_expired")
    locale = user_locale(env, actor.user)
    data = dict(conversation.data)
    if step == "community":
        await _ask_name(uow, env, inc, actor, await _typed_community(uow, actor, text), locale)
    elif step == "name":
        data["name"] = parse_name(text)
        await uow.conversations.put(actor.user.id, FLOW, "building", data)
        await messages.reply(uow, env, inc, locale, "volunteer_ask_building", limit=BUILDING_LIMIT, seq=1)
    elif step == "building":
        data["building"] = parse_building(text)
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
        raise Refused("common_button_expired")
    await uow.commit()
    return Outcome()


async def _typed_community(uow: UnitOfWork, actor: Actor, text: str) -> int:
    """The community a person typed instead of pressing its button."""
    communities = await member_communities(uow, actor)
    wanted = " ".join(text.split()).lower()
    for community in communities:
        if community.name.lower() == wanted:
            return community.id
    raise Refused("volunteer_unknown_community", names=[c.name for c in communities])


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
    await messages.reply(uow, env, inc, locale, "volunteer_ask_party", buttons=buttons, seq=1)


async def toggle_skill(uow: UnitOfWork, env: Env, inc: Incoming, index: int) -> Outcome:
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    skills = list(env.settings.volunteer_skills)
    if conversation is None or conversation.flow != FLOW or conversation.step != "skills":
        raise Refused("common_button_expired")
    if not 0 <= index < len(skills):
        raise Refused("common_button_expired")
    data = dict(conversation.data)
    chosen = set(data.get("skills", []))
    chosen ^= {skills[index]}
    data["skills"] = [s for s in skills if s in chosen]
    await uow.conversations.put(actor.user.id, FLOW, "skills", data)
    await messages.refresh_card(uow, f"u{inc.update_id}:picker", PICKER, actor.user.id)
    await uow.commit()
    return Outcome()


async def skills_done(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != "skills":
        raise Refused("common_button_expired")
    data = dict(conversation.data)
    if not data.get("skills"):
        raise Refused("volunteer_skills_none")
    await _ask_party(uow, env, inc, actor, data, user_locale(env, actor.user))
    await messages.refresh_card(uow, f"u{inc.update_id}:picker", PICKER, actor.user.id)
    await uow.commit()
    return Outcome()


async def choose_party(uow: UnitOfWork, env: Env, inc: Incoming, party: int) -> Outcome:
    actor = await identify(uow, env, inc)
    if party not in (0, 1):
        raise Refused("common_button_expired")
    return await _answer(uow, env, inc, actor, "party", "yes" if party else "no")


async def cancel_flow(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """The cancel button or a bare /cancel: leave whatever guided flow is going on."""
    actor = await identify(uow, env, inc)
    locale = user_locale(env, actor.user)
    ended = await uow.conversations.end(actor.user.id)
    if inc.callback_id is None:
        await messages.reply(uow, env, inc, locale, "common_cancelled", ended=ended)
    await messages.refresh_card(uow, f"u{inc.update_id}:picker", PICKER, actor.user.id)
    await uow.commit()
    return Outcome(toast=env.renderer.label(locale, "cancelled_toast"))


async def _finish(uow: UnitOfWork, env: Env, inc: Incoming, user: User, data: dict[str, Any]) -> None:
    community = await uow.communities.get(int(data["community_id"]))
    membership = await uow.memberships.get(user.id, int(data["community_id"]))
    if community is None or membership is None:
        raise Refused("common_button_expired")
    was = membership.volunteer_status
    membership.display_name = data["name"]
    membership.building = data["building"]
    membership.skills = list(data["skills"])
    membership.party_member = bool(data["party"])
    if was in ("none", "pending"):
        membership.volunteer_status = "pending" if community.volunteer_approval else "active"
    await messages.reply(
        uow,
        env,
        inc,
        user_locale(env, user),
        "volunteer_registered",
        community=community.name,
        status=membership.volunteer_status,
        profile=_profile(membership),
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


def _profile(m: Membership) -> dict[str, Any]:
    return {
        "name": m.display_name or "",
        "building": m.building or "",
        "skills": list(m.skills),
        "party": m.party_member,
        "status": m.volunteer_status,
        "named": m.named,
        "nudges": m.nudges,
    }


# -- cards -------------------------------------------------------------------------------------------
def card_functions(env: Env) -> dict[str, Any]:
    async def volunteer_card(uow: UnitOfWork, membership_id: int, chat_id: int) -> RenderedCard | None:
        membership = await uow.memberships.by_id(membership_id)
        if membership is None:
            return None
        community = await uow.communities.get(membership.community_id)
        user = await uow.users.get(membership.user_id)
        assert community is not None and user is not None
        locale = community.locale
        buttons = None
        if membership.volunteer_status == "pending":
            buttons = [
                [
                    Button(env.renderer.label(locale, "approve"), callbacks.encode("va", membership.id)),
                    Button(env.renderer.label(locale, "reject"), callbacks.encode("vr", membership.id)),
                ]
            ]
        text = env.renderer.render(
            locale, "volunteer_card", who=messages.mention(user), profile=_profile(membership)
        )
        return RenderedCard(text, messages.keyboard_json(buttons))

    async def skills_picker(uow: UnitOfWork, user_id: int, chat_id: int) -> RenderedCard | None:
        user = await uow.users.get(user_id)
        if user is None:
            return None
        locale = user_locale(env, user)
        conversation = await uow.conversations.get(user_id)
        open_ = conversation is not None and conversation.flow == FLOW and conversation.step == "skills"
        chosen = set(conversation.data.get("skills", [])) if conversation is not None else set()
        skills = list(env.settings.volunteer_skills)
        text = env.renderer.render(
            locale, "volunteer_ask_skills", open=open_, chosen=[s for s in skills if s in chosen]
        )
        if not open_:
            return RenderedCard(text)
        rows: list[list[Button]] = []
        for i, skill in enumerate(skills):
            mark = "✅ " if skill in chosen else ""
            if i % 2 == 0:
                rows.append([])
            rows[-1].append(Button(f"{mark}{skill}", callbacks.encode("vs", i)))
        rows.append(
            [
                Button(env.renderer.label(locale, "done"), callbacks.encode("vsd")),
                _cancel_button(env, locale),
            ]
        )
        return RenderedCard(text, messages.keyboard_json(rows))

    return {CARD: volunteer_card, PICKER: skills_picker}


# -- profile -----------------------------------------------------------------------------------------


async def profile(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/profile shows the volunteer profile; /profile <field> <value> edits it."""
    require_private(inc)
    actor = await identify(uow, env, inc)
    locale = user_locale(env, actor.user)
    volunteering = [m for m in await uow.memberships.of_user(actor.user.id) if m.volunteer_status != "none"]
    if not volunteering:
        raise Refused("volunteer_not_registered")
    if inc.args:
        field = words.lookup("profile_fields", inc.args[0])
        value = inc.text.strip()[len(inc.args[0]) :].strip()
        if field is None or not value:
            raise Refused("profile_usage", skills=list(env.settings.volunteer_skills))
        if len(volunteering) > 1:
            raise Refused("profile_several")
        m = volunteering[0]
        if field == "name":
            m.display_name = parse_name(value)
        elif field == "building":
            m.building = parse_building(value)
        elif field == "skills":
            m.skills = parse_skills(env, value)
        elif field == "party":
            m.party_member = parse_party(value)
        else:  # named on 晒单 cards, private nudges about fitting requests: on or off
            setattr(m, field, parse_switch(value))
        await messages.refresh_card(uow, f"u{inc.update_id}:vcard", CARD, m.id)
    communities = {c.id: c.name for c in await uow.communities.many([m.community_id for m in volunteering])}
    profiles = [dict(_profile(m), community=communities[m.community_id]) for m in volunteering]
    await messages.reply(
        uow, env, inc, locale, "profile_show", profiles=profiles, skills=list(env.settings.volunteer_skills)
    )
    await uow.commit()


async def leave(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/unvolunteer: stop volunteering everywhere (the profile is kept for a later return)."""
    require_private(inc)
    actor = await identify(uow, env, inc)
    volunteering = [m for m in await uow.memberships.of_user(actor.user.id) if m.volunteer_status != "none"]
    if not volunteering:
        raise Refused("volunteer_not_registered")
    for m in volunteering:
        m.volunteer_status = "none"
        await messages.refresh_card(uow, f"u{inc.update_id}:vcard", CARD, m.id)
    await messages.reply(uow, env, inc, user_locale(env, actor.user), "volunteer_left")
    await uow.commit()


# -- staff -------------------------------------------------------------------------------------------
LIST_LIMIT = 50


async def list_volunteers(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/volunteers [skill] for staff."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    skill = inc.args[0] if inc.args else None
    if skill is not None and skill not in env.settings.volunteer_skills:
        raise Refused(
            "volunteer_skills_invalid",
            unknown=[skill[:ECHO_LIMIT]],
            skills=list(env.settings.volunteer_skills),
        )
    rows = [
        dict(_profile(m), who=u.full_name)
        for m, u in await uow.memberships.volunteers(community.id)
        if skill is None or skill in m.skills
    ]
    shown = messages.rows_that_fit(
        env,
        actor.locale,
        "volunteers_list",
        "volunteers",
        rows[:LIST_LIMIT],
        community=community.name,
        skill=skill,
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "volunteers_list",
        community=community.name,
        skill=skill,
        volunteers=rows[:shown],
        more=len(rows) - shown,
    )
    await uow.commit()


STATUS_CHANGES = {
    "approve": ({"pending", "suspended"}, "active"),
    "reject": ({"pending"}, "none"),
    "suspend": ({"active", "pending"}, "suspended"),
    "dismiss": ({"active", "pending", "suspended"}, "none"),
}


async def _change_status(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, m: Membership, action: str
) -> None:
    allowed_from, to = STATUS_CHANGES[action]
    community = await uow.communities.get(m.community_id)
    user = await uow.users.get(m.user_id)
    assert community is not None and user is not None
    if not actor.is_staff_of(community.id, await uow.memberships.get(actor.user.id, community.id)):
        raise Refused("common_staff_only")
    # Conditional: two staff pressing approve and reject at once cannot both succeed.
    if not await uow.memberships.set_volunteer_status(m.id, allowed_from, to):
        await uow.session.refresh(m)
        raise Refused(
            "volunteer_status_wrong", who=m.display_name or user.full_name, status=m.volunteer_status
        )
    await messages.refresh_card(uow, f"u{inc.update_id}:vcard", CARD, m.id)
    await messages.tell(
        uow,
        env,
        f"u{inc.update_id}:vstatus",
        user,
        "volunteer_status_changed",
        action=action,
        community=community.name,
    )


async def change_status(uow: UnitOfWork, env: Env, inc: Incoming, action: str) -> None:
    """/approve, /suspend, /dismiss <person>."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    target = await resolve_target(uow, inc)
    m = await uow.memberships.get(target.id, community.id)
    if m is None or m.volunteer_status == "none":
        raise Refused("volunteer_not_a_volunteer", who=target.full_name)
    await _change_status(uow, env, inc, actor, m, action)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "volunteer_status_done",
        action=action,
        who=m.display_name or target.full_name,
    )
    await uow.commit()


async def card_decision(uow: UnitOfWork, env: Env, inc: Incoming, action: str, membership_id: int) -> Outcome:
    """Approve / reject buttons on the application card."""
    actor = await identify(uow, env, inc)
    m = await uow.memberships.by_id(membership_id)
    if m is None:
        raise Refused("common_button_expired")
    await _change_status(uow, env, inc, actor, m, action)
    await uow.commit()
    return Outcome(toast=env.renderer.label(actor.locale, f"{action}_toast"))


async def approval_setting(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/approval on|off: whether new volunteers wait for staff approval."""
    await community_switch(uow, env, inc, "volunteer_approval", "approval")
