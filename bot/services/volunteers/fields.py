"""A volunteer's profile: name, building, skills, 党员, and how typed answers to each are read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import callbacks, words
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.switches import switch_word
from bot.triage import typed_place
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


@dataclass(frozen=True)
class Home:
    """Where a volunteer lives, in the form triage gives a request's place (5号楼, 1单元)."""

    building: str | None
    unit: str | None


def parse_building(text: str, known: Sequence[str] = ()) -> Home:
    """A typed building read the way triage reads one (五号楼一单元, 5栋1单元, 5-1, ５幢 -> 5号楼 and
    1单元), so that dispatch matches it with a request's building; else one of the community's
    buildings as staff named them (`known`); else a word for "none" (无, skip)."""
    typed = " ".join(text.split())
    if typed and len(typed) <= BUILDING_LIMIT and not typed.startswith("/"):
        place = typed_place(typed)
        if place.building is not None:
            return Home(place.building, place.unit)
        for building in known:
            if building.casefold() == typed.casefold():
                return Home(building, None)
        if words.is_word("no_building", typed):
            return Home(None, None)
    raise Refused("volunteers/building_invalid", limit=BUILDING_LIMIT, known=list(known[:12]))


def home_of(m: Membership) -> str:
    return f"{m.building or ''}{m.unit or ''}"


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
        "building": home_of(m),
        "skills": list(m.skills),
        "party": m.party_member,
        "status": m.volunteer_status,
        "named": m.named,
        "nudges": m.nudges,
    }


def cancel_button(env: Env, locale: str) -> Button:
    return Button(env.renderer.label(locale, "cancel"), callbacks.encode("vx"))
