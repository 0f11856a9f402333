"""A volunteer's profile: name, building, skills, 党员, and how typed answers to each are read."""

from __future__ import annotations

import re
from typing import Any

from bot import callbacks, words
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.switches import switch_word
from storage.models import Membership

FLOW = "volunteer"
CARD = "volunteer"  # the application card in staff groups, ref = membership id
PICKER = "skills_picker"  # the skills keyboard in private, ref = user id
NAME_LIMIT = 32
BUILDING_LIMIT = 32
SEPARATORS = re.compile(r"[|｜]")
SKILL_LIST = re.compile(r"[,，、;；/]+")
ECHO_LIMIT = 32  # how much of a wrong word is quoted back


def parse_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or name.startswith("/"):
        raise Refused("volunteers/name_invalid", limit=NAME_LIMIT)
    if len(name) > NAME_LIMIT:
        raise Refused("volunteers/name_invalid", limit=NAME_LIMIT)
    return name


def parse_building(text: str) -> str:
    building = " ".join(text.split())
    if not building or len(building) > BUILDING_LIMIT or building.startswith("/"):
        raise Refused("volunteers/building_invalid", limit=BUILDING_LIMIT)
    return building


def parse_skills(env: Env, text: str) -> list[str]:
    """Skills typed in any language, separated by commas, 、 or spaces ("legal advice, repairs")."""
    known = env.settings.volunteer_skills
    chosen: set[str] = set()
    unknown: list[str] = []
    for piece in (p.strip() for p in SKILL_LIST.split(text.strip())):
        whole = words.skill_named(piece, known) if piece else None
        for word in [piece] if whole else piece.split():
            skill = words.skill_named(word, known)
            if skill is None:
                unknown.append(word)
            else:
                chosen.add(skill)
    if not chosen or unknown:
        raise Refused(
            "volunteers/skills_invalid", unknown=[w[:ECHO_LIMIT] for w in unknown[:5]], skills=list(known)
        )
    return [s for s in known if s in chosen]


def parse_party(text: str) -> bool:
    word = text.strip().lower()
    if words.is_word("yes", word):
        return True
    if words.is_word("no", word):
        return False
    raise Refused("volunteers/party_invalid")


def parse_switch(text: str) -> bool:
    value = switch_word(text.strip().lower())
    if value is None:
        raise Refused("volunteers/profile_switch_invalid")
    return value


def profile_of(m: Membership) -> dict[str, Any]:
    return {
        "name": m.display_name or "",
        "building": m.building or "",
        "skills": list(m.skills),
        "party": m.party_member,
        "status": m.volunteer_status,
        "named": m.named,
        "nudges": m.nudges,
    }


def cancel_button(env: Env, locale: str) -> Button:
    return Button(env.renderer.label(locale, "cancel"), callbacks.encode("vx"))
