"""Publishing an activity from values staff typed (the one-line form and the guided flow both end
here): numbered in its community, announced with a card in each chosen group, reminders planned."""

from __future__ import annotations

import secrets

from bot.incoming import Incoming
from bot.services.activities import cards, reminders
from bot.services.activities.access import facts
from bot.services.activities.fields import Draft, check_times
from bot.services.shared import messages
from bot.services.shared.actors import Actor
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.triage import building_key
from storage.models import Activity, Chat, Community, User
from storage.uow import UnitOfWork

TOKEN_BYTES = 12  # 16 URL-safe characters: a deep-link payload allows [A-Za-z0-9_-], up to 64
TRIES = 10


async def new_token(uow: UnitOfWork) -> str:
    for _ in range(TRIES):
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if not await uow.activities.token_taken(token):
            return token
    raise RuntimeError("no free check-in token found")


def _key(building: str) -> str:
    return building_key(building) or " ".join(building.split())


async def announce_groups(uow: UnitOfWork, community: Community, buildings: list[str]) -> list[Chat]:
    """The community's neighbourhood groups, or only those of these buildings."""
    groups = await uow.chats.of_community(community.id, "neighbourhood")
    if not buildings:
        return groups
    wanted = {_key(b) for b in buildings}
    chosen = [g for g in groups if wanted & {_key(b) for b in g.buildings}]
    if not chosen:
        raise Refused("activities/no_groups_for", buildings=", ".join(buildings)[:100])
    return chosen


async def create_activity(
    uow: UnitOfWork, env: Env, creator: User, community: Community, draft: Draft
) -> tuple[Activity, list[Chat]]:
    """The activity, its cards queued in its groups and its reminders planned, in the caller's
    transaction. Times are checked again here against the clock (a flow may have waited)."""
    check_times(draft.starts_at, draft.ends_at, draft.signup_deadline, uow.clock())
    groups = await announce_groups(uow, community, draft.buildings)
    activity = await uow.activities.add(
        Activity(
            community_id=community.id,
            number=await uow.activities.next_number(community.id),
            title=draft.title,
            description=draft.description,
            place=draft.place,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            capacity=draft.capacity,
            joined=0,
            points=draft.points,
            audience=draft.audience,
            signup_deadline=draft.signup_deadline,
            status="open",
            created_by_id=creator.id,
            checkin_token=await new_token(uow),
        )
    )
    for group in groups:
        await uow.activities.add_group(activity.id, group.telegram_id)
        await messages.post_card(
            uow, f"act:{activity.id}:card:{group.telegram_id}", group.telegram_id, cards.CARD, activity.id
        )
    await reminders.plan_reminders(uow, env, activity, community)
    return activity, groups


async def publish(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community, draft: Draft
) -> Activity:
    """Create the activity (one line or the guided flow) and tell the staff member what was
    published, and in which groups."""
    activity, groups = await create_activity(uow, env, actor.user, community, draft)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "activities/created",
        **facts(activity, community),
        capacity=activity.capacity,
        groups=[g.title for g in groups],
        volunteers_only=activity.audience == "volunteers",
    )
    return activity
