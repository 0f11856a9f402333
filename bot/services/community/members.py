"""Who is in which group, for people the bot has never heard from.

Most residents were in their building's group long before the bot came, and many never write there.
So the bot finds out for itself:

- Someone with no community writes to the bot in private (a command, a message, a button):
  `recognise` asks Telegram (`getChatMember`, through the `MemberDirectory` port) about the bound,
  active groups (neighbourhood and staff groups), and makes them a member of each community where
  they are in a group. It runs before the update's transaction, reads in one short transaction,
  waits on the network in none, and writes what it found in another short one.
- Join and leave notices (`new_chat_members`, `left_chat_member`, delivered even in privacy mode)
  and, where the bot is an administrator, `chat_member` updates: `members_changed`.

Bounded, cached, paced:
- At most `MEMBER_LOOKUP_GROUPS` groups are asked per person: groups where they were seen before,
  then the most recently active. With hundreds of bound groups the rest are not asked: someone who
  is only in a quiet group beyond the cap is not found, and is told (the `join_first` answers) to say
  something once in their building's group or open the invite link from staff; either makes them
  known at once (so do the join notices the bot sees when they are added to a group).
- Every answer, in a group or not, is kept in `group_members` (in the database, so it survives a
  restart) and trusted for `MEMBER_LOOKUP_MINUTES`: a stranger writing ten messages costs one
  round of calls, and someone found is a member and never looked up again.
- The port is paced (`MEMBER_LOOKUPS_PER_SECOND`, shared by all lookups) and one lookup gives up
  after `LOOKUP_SECONDS`, so other updates do not wait long behind it. A flood wait (429) or time-out
  stops the round: what was not asked is asked next time, nothing about it is remembered, and if the
  person is still unknown they are asked to try again in a minute (`community/lookup_later`).

What a person who left may still do: leaving the last of a community's groups sets
`Membership.left_at`; their requests, history and points stay, and they may still follow, confirm and
rate their own requests and see their points. They are no longer offered new requests to claim,
nudged, or able to file new requests or register as a volunteer there until they come back (writing
in a group, joining one, an invite link or a grant). Roles granted by staff stay until revoked. A
volunteer who leaves with requests in hand keeps them, and the staff group is told to reassign them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.incoming import Incoming, MembersChange, Person
from bot.services.shared import messages
from bot.services.shared.actors import join, touch_chat, touch_user
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from storage.models import Chat, User
from storage.repositories.group_members import PRESENT
from storage.request_states import IN_HAND
from storage.uow import DuplicateUpdate, UnitOfWork

log = logging.getLogger(__name__)

LOOKUP_SECONDS = 3.0  # one person's lookup gives up after this; the rest is asked next time
HELD_LIMIT = 100  # a volunteer's requests looked at when they leave (unfinished ones come first)


class LookupFailed(Exception):
    """Telegram could not be asked just now (a flood wait, a time-out, the network): try later."""


class MemberDirectory(Protocol):
    """Telegram's member lists, as the services may ask them."""

    async def status(self, chat_id: int, user_id: int) -> str:
        """The person's status in the group (both Telegram ids): creator, administrator, member or
        restricted while they are in it; left, kicked, or absent (Telegram does not know them there,
        or the bot can no longer see the group) when not. Raises `LookupFailed` when Telegram could
        not be asked just now."""
        ...


@dataclass(frozen=True)
class Ask:
    chat_id: int  # our row id
    telegram_id: int


async def recognise(
    directory: MemberDirectory, deps: Deps, inc: Incoming, *, budget: float = LOOKUP_SECONDS
) -> bool:
    """Before a private update from someone in no community: find their communities through
    Telegram. Returns True when they are still in none and not every group could be asked."""
    cap = deps.env.settings.member_lookup_groups
    if not inc.chat.is_private or cap <= 0:
        return False
    try:
        # Read only (never committed); opening it with the update's id skips a redelivered update.
        async with deps.uow(inc.update_id, inc.kind) as uow:
            asks, known = await _plan(uow, inc.actor, cap, deps.env.settings.member_lookup_minutes)
    except DuplicateUpdate:
        return False
    if not asks and not known:
        return False
    answers = await _ask_all(directory, asks, inc.actor.telegram_id, budget)
    async with deps.uow() as uow:
        found = await _record(uow, inc.actor, answers, known)
        await uow.commit()
    return not found and len(answers) < len(asks)


async def _plan(uow: UnitOfWork, person: Person, cap: int, minutes: int) -> tuple[list[Ask], list[int]]:
    """Which groups to ask about this person, and in which ones a fresh record already has them."""
    user = await uow.users.find_by_telegram_id(person.telegram_id)
    seen = []
    if user is not None:
        if any(m.left_at is None for m in await uow.memberships.of_user(user.id)):
            return [], []  # known: nothing to look up
        seen = await uow.group_members.of_user(user.id)
    fresh_after = uow.clock() - timedelta(minutes=minutes)
    fresh = {row.chat_id: row.status for row in seen if row.seen_at > fresh_after}
    chats = await uow.chats.bound(cap, first=[row.chat_id for row in seen if row.status in PRESENT])
    asks = [Ask(chat.id, chat.telegram_id) for chat in chats if chat.id not in fresh]
    known = [chat.id for chat in chats if fresh.get(chat.id) in PRESENT]
    return asks, known


async def _ask_all(
    directory: MemberDirectory, asks: list[Ask], user_id: int, budget: float
) -> dict[int, str]:
    """Every group's answer (by chat row id) that came in time; the directory paces the calls."""
    if not asks:
        return {}
    tasks = {asyncio.create_task(directory.status(a.telegram_id, user_id)): a for a in asks}
    done, pending = await asyncio.wait(tasks, timeout=budget)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
        log.info("member lookup ran out of time with %d of %d groups unasked", len(pending), len(asks))
    answers: dict[int, str] = {}
    for task in done:
        error = task.exception()
        if error is None:
            answers[tasks[task].chat_id] = task.result()
        elif not isinstance(error, LookupFailed):
            log.error("member lookup failed", exc_info=error)
    return answers


async def _record(uow: UnitOfWork, person: Person, answers: dict[int, str], known: list[int]) -> bool:
    """Keep every answer; join the communities of the groups the person is in. True if any."""
    user: User | None = None
    found = False
    for chat_id in [*answers, *known]:
        chat = await uow.chats.get(chat_id)
        if chat is None or chat.community_id is None or not chat.active:
            continue  # unbound or left while Telegram was being asked
        user = user or await touch_user(uow, person)
        status = answers.get(chat_id)
        if status is not None:
            await uow.group_members.record(chat.id, user.id, status, "lookup")
        if status is None or status in PRESENT:
            await join(uow, user, chat.community_id, "lookup")
            found = True
    return found


async def members_changed(uow: UnitOfWork, env: Env, change: MembersChange) -> None:
    """People joined (they become members of the group's community, as writing there does) or
    left (recorded; once they are in none of its groups their membership is marked left)."""
    chat = await touch_chat(uow, change.chat)
    assert chat is not None
    source = change.kind if change.kind == "chat_member" else ("joined" if change.present else "left")
    for person in change.members:
        user = await touch_user(uow, person)
        await uow.group_members.record(chat.id, user.id, change.status, source)
        if chat.community_id is None or not chat.active:
            continue
        if change.present:
            await join(uow, user, chat.community_id, "group")
        elif await _left(uow, user, chat):
            await _hand_back(uow, env, f"u{change.update_id}:left:{user.id}", user, chat.community_id)


async def _left(uow: UnitOfWork, user: User, chat: Chat) -> bool:
    """Mark the membership left if the person is in none of the community's other groups as far as
    the bot knows (someone silently in another one is found again when they next write)."""
    assert chat.community_id is not None
    membership = await uow.memberships.find(user.id, chat.community_id)
    if membership is None or membership.left_at is not None:
        return False
    others = {c.id for c in await uow.chats.of_community(chat.community_id)} - {chat.id}
    rows = await uow.group_members.of_user(user.id)
    if any(row.chat_id in others and row.status in PRESENT for row in rows):
        return False  # still in another of the community's groups
    membership.left_at = uow.clock()
    return True


async def _hand_back(uow: UnitOfWork, env: Env, key: str, user: User, community_id: int) -> None:
    """A volunteer who left still holds requests: the staff group is told, so none is forgotten."""
    held = [
        r.number
        for r in await uow.requests.of_person(user.id, HELD_LIMIT)
        if r.community_id == community_id and r.volunteer_id == user.id and r.status in IN_HAND
    ]
    community = await uow.communities.get(community_id)
    if not held or community is None:
        return
    membership = await uow.memberships.find(user.id, community_id)
    name = (membership.display_name if membership else None) or user.full_name or "?"
    for staff in await uow.chats.of_community(community_id, "staff"):
        await messages.post(
            uow,
            env,
            f"{key}:{staff.telegram_id}",
            staff.telegram_id,
            community.locale,
            "community/volunteer_left",
            name=name,
            numbers=sorted(held),
        )
