"""The buildings of a community, as staff gave them to its neighbourhood groups with /buildings."""

from __future__ import annotations

import re

from bot.triage import building_key
from storage.models import Chat
from storage.uow import UnitOfWork

_NUMBERED = re.compile(r"^(\d+)")
LIST_SEPARATORS = re.compile(r"[,，、;；]+")


def _order(building: str) -> tuple[int, int, str]:
    """3号楼 before 12号楼 before A号楼 before a building with a name."""
    numbered = _NUMBERED.match(building)
    if numbered:
        return (0, int(numbered.group(1)), building)
    return (1 if len(building) <= 4 and building[:1].isascii() else 2, 0, building)


async def community_buildings(uow: UnitOfWork, community_id: int) -> list[str]:
    """Every building of the community's groups once, in the form triage reads it (3号楼), in order;
    a tag that names no building triage knows ("松园") is kept as staff wrote it."""
    seen: dict[str, None] = {}
    for chat in await uow.chats.of_community(community_id, "neighbourhood"):
        for tag in chat.buildings:
            seen.setdefault(building_key(tag) or " ".join(tag.split()), None)
    return sorted((b for b in seen if b), key=_order)


def building_of(tag: str) -> str:
    """A building as `community_buildings` lists it: 3号楼 for 3, 3栋, 三号楼; a name as written."""
    return building_key(tag) or " ".join(tag.split())


async def named_buildings(uow: UnitOfWork, community_id: int, word: str) -> list[str] | None:
    """The buildings a first word names (3号楼,5号楼), when every part is a building of the
    community's groups; None when it is not a list of buildings."""
    parts = [p for p in LIST_SEPARATORS.split(word) if p]
    known = await community_buildings(uow, community_id)
    found: list[str] = []
    for part in parts:
        key = building_of(part)
        if key not in known:
            return None
        found.append(key)
    return list(dict.fromkeys(found)) or None


def in_buildings(groups: list[Chat], buildings: list[str]) -> list[Chat]:
    """The groups tagged with any of these buildings."""
    wanted = set(buildings)
    return [g for g in groups if wanted & {building_of(b) for b in g.buildings}]
