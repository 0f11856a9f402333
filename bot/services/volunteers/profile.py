"""A volunteer's own settings: /profile (name, building, skills, 署名, 提醒) and /unvolunteer."""

from __future__ import annotations

from bot import words
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import (
    identify,
    require_private,
    user_locale,
)
from bot.services.shared.buildings import community_buildings
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.volunteers.fields import (
    CARD,
    parse_building,
    parse_name,
    parse_party,
    parse_skills,
    parse_switch,
    profile_of,
)
from storage.uow import UnitOfWork


async def profile(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/profile shows the volunteer profile; /profile <field> <value> edits it."""
    require_private(inc)
    actor = await identify(uow, env, inc)
    locale = user_locale(env, actor.user)
    volunteering = [m for m in await uow.memberships.of_user(actor.user.id) if m.volunteer_status != "none"]
    if not volunteering:
        raise Refused("volunteers/not_registered")
    if inc.args:
        field = words.lookup("profile_fields", inc.args[0])
        value = inc.text.strip()[len(inc.args[0]) :].strip()
        if field is None or not value:
            raise Refused("volunteers/profile_usage", skills=list(env.settings.volunteer_skills))
        if len(volunteering) > 1:
            raise Refused("volunteers/profile_several")
        m = volunteering[0]
        if field == "name":
            m.display_name = parse_name(value)
        elif field == "building":
            home = parse_building(value, await community_buildings(uow, m.community_id))
            m.building, m.unit = home.building, home.unit
        elif field == "skills":
            m.skills = parse_skills(env, value)
        elif field == "party":
            m.party_member = parse_party(value)
        else:  # named on 晒单 cards, private nudges about fitting requests: on or off
            setattr(m, field, parse_switch(value))
        await messages.refresh_card(uow, f"u{inc.update_id}:vcard", CARD, m.id)
    communities = {c.id: c.name for c in await uow.communities.many([m.community_id for m in volunteering])}
    profiles = [dict(profile_of(m), community=communities[m.community_id]) for m in volunteering]
    await messages.reply(
        uow,
        env,
        inc,
        locale,
        "volunteers/profile_show",
        profiles=profiles,
        skills=list(env.settings.volunteer_skills),
    )


async def leave(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/unvolunteer: stop volunteering everywhere (the profile is kept for a later return)."""
    require_private(inc)
    actor = await identify(uow, env, inc)
    volunteering = [m for m in await uow.memberships.of_user(actor.user.id) if m.volunteer_status != "none"]
    if not volunteering:
        raise Refused("volunteers/not_registered")
    for m in volunteering:
        m.volunteer_status = "none"
        await messages.refresh_card(uow, f"u{inc.update_id}:vcard", CARD, m.id)
    await messages.reply(uow, env, inc, user_locale(env, actor.user), "volunteers/left")
