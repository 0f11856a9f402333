"""Finding a request from what a person typed (`12`, `#12`, `１２`, `十二`, `12号`; bot/numbers.py),
and who may do what with it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.categories import Catalog
from bot.incoming import Incoming
from bot.numbers import split_request_number
from bot.services.shared.actors import Actor, member_communities
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from bot.triage import building_key
from storage.models import Community, Membership, Request
from storage.uow import UnitOfWork

TEXT_LIMIT = 1000  # a request's text, an added detail, a note: short enough for a card on a phone
COMMENT_LIMIT = 300


class Ambiguous(Refused):
    """Several of the person's communities have this number: they are asked which one they mean."""

    def __init__(self, number: int, choices: list[tuple[Request, str]]) -> None:
        super().__init__("requests/ambiguous", number=number, names=[name for _, name in choices])
        self.number = number
        self.choices = choices


@dataclass
class Found:
    request: Request
    community: Community
    membership: Membership | None  # the actor's membership in that community
    rest: str  # what followed the number


def catalog_of(env: Env, community: Community) -> Catalog:
    return env.catalogs.for_community(community.name)


def check_text(text: str, *, required: bool = True, limit: int = TEXT_LIMIT) -> str:
    """A request text, detail or note: not empty (when required) and not over the limit."""
    cleaned = text.strip()
    if required and not cleaned:
        raise Refused("requests/text_empty")
    if len(cleaned) > limit:
        raise Refused("requests/text_too_long", limit=limit, length=len(cleaned))
    return cleaned


async def find(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, usage: str) -> Found:
    """The request a command names. In a bound group: that group's community. In private: the
    person's community; with several, the one where the number is theirs (asked if still unclear)."""
    number, rest = split_request_number(inc.text)
    if number is None:
        raise Refused(usage)
    if actor.community is not None:
        request = await uow.requests.find_by_number(actor.community.id, number)
        if request is None:
            raise Refused("requests/unknown", number=number)
        return Found(request, actor.community, actor.membership, rest)
    if actor.chat is not None:
        raise Refused("common/group_not_bound")
    communities = (
        await uow.communities.all() if actor.is_super else await member_communities(uow, actor, left_too=True)
    )
    if not communities:
        raise NotMember("requests/join_first")
    candidates = await uow.requests.with_number([c.id for c in communities], number)
    if len(candidates) > 1:
        mine = [r for r in candidates if actor.user.id in (r.requester_id, r.volunteer_id, r.filed_by_id)]
        candidates = mine or candidates
    if not candidates:
        raise Refused("requests/unknown", number=number)
    if len(candidates) > 1:
        by_id = {c.id: c.name for c in communities}
        raise Ambiguous(number, [(r, by_id[r.community_id]) for r in candidates])
    request = candidates[0]
    community = next(c for c in communities if c.id == request.community_id)
    membership = await uow.memberships.find(actor.user.id, community.id)
    return Found(request, community, membership, rest)


async def by_id(uow: UnitOfWork, actor: Actor, request_id: int) -> Found:
    """The request a button names (its id is untrusted: re-checked by the caller's permissions)."""
    request = await uow.requests.get(request_id)
    if request is None:
        raise Refused("common/button_expired")
    community = await uow.communities.get(request.community_id)
    assert community is not None
    membership = await uow.memberships.find(actor.user.id, community.id)
    return Found(request, community, membership, "")


# -- who may act --------------------------------------------------------------------------------
def is_staff(actor: Actor, found: Found) -> bool:
    return actor.is_staff_of(found.community.id, found.membership)


def is_grid_worker_for(found: Found) -> bool:
    """A grid worker (网格员) whose buildings include the request's."""
    m = found.membership
    if m is None or "grid_worker" not in m.roles or found.request.building is None:
        return False
    grid = {building_key(b) for b in m.grid_buildings}
    return building_key(found.request.building) in grid


def can_dispatch(actor: Actor, found: Found) -> bool:
    return is_staff(actor, found) or is_grid_worker_for(found)


def is_requester(actor: Actor, found: Found) -> bool:
    return found.request.requester_id == actor.user.id


def is_volunteer(actor: Actor, found: Found) -> bool:
    return found.request.volunteer_id is not None and found.request.volunteer_id == actor.user.id


def can_see_details(actor: Actor, found: Found) -> bool:
    """Room, contact and a private request's text: the requester, its volunteer, staff, grid worker."""
    return is_requester(actor, found) or is_volunteer(actor, found) or can_dispatch(actor, found)


def is_active_volunteer(m: Membership | None) -> bool:
    """An active volunteer still in the community (one who left its groups takes no new work)."""
    return m is not None and m.volunteer_status == "active" and m.left_at is None
