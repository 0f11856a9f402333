"""The buildings of a community, as staff gave them to its neighbourhood groups with /buildings."""

from __future__ import annotations

import re

from bot.triage import building_key
from storage.uow import UnitOfWork

_NUMBERED = re.compile(r"^(\d+)")


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
