"""Who is acting, where, and in which community: the first step of every service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.incoming import Incoming, Person, Where
from bot.render import to_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Chat, Community, Membership, User
from storage.uow import UnitOfWork

ROLES = ("staff", "grid_worker", "merchant")
ACTIVITY_STEP = timedelta(minutes=10)  # a group's last_message_at is kept to within this


@dataclass
class Actor:
    user: User
    chat: Chat | None  # the group row when acting in a group
    community: Community | None  # the community of that group, if bound
    membership: Membership | None  # membership in that community
    is_super: bool
    # Language of a reply where they wrote: the community's in a group (everyone reads it), their
    # own in private. A pop-up only they see is in their own language: `reader_locale`.
    locale: str

    def is_staff_of(self, community_id: int, membership: Membership | None = None) -> bool:
        if self.is_super:
            return True
        m = membership if membership is not None else self.membership
        return m is not None and m.community_id == community_id and "staff" in m.roles


def user_locale(env: Env, user: User) -> str:
    """A person's language: the one chosen with /lang, else their Telegram app's, else the default."""
    return to_locale(user.language or user.telegram_language, env.settings.default_locale)


def reader_locale(env: Env, actor: Actor) -> str:
    """The language of what only this person reads: a button's pop-up, a private message.

    The rule everywhere: what one person reads is in their language; what a group reads (a post,
    a card, a reply in the group) is in the community's."""
    return user_locale(env, actor.user)


async def touch_user(uow: UnitOfWork, person: Person, *, private: bool = False) -> User:
    """Find or register a person, keeping their names current. A private message means they started us."""
    return await _touch_user(uow, person, await uow.users.find_by_telegram_id(person.telegram_id), private)


async def _touch_user(uow: UnitOfWork, person: Person, user: User | None, private: bool) -> User:
    """`touch_user` with the person's row already read (None: never seen). Only what changed is
    written, so a person whose names are as before costs no statement."""
    if user is None:
        user = await uow.users.add(User(telegram_id=person.telegram_id, first_name=person.first_name or ""))
    _set(user, "first_name", (person.first_name or user.first_name)[:255])
    _set(user, "last_name", person.last_name[:255] if person.last_name else None)
    _set(user, "username", person.username.lower() if person.username else None)
    _set(user, "telegram_language", person.language_code)
    if private:
        _set(user, "started", True)
        _set(user, "blocked", False)
    return user


def _set(row: object, name: str, value: object) -> None:
    """Assign only a different value: an equal one still puts the row among the session's changed
    rows, which every flush of the update then has to compare."""
    if getattr(row, name) != value:
        setattr(row, name, value)


async def touch_chat(uow: UnitOfWork, where: Where) -> Chat | None:
    if not where.is_group:
        return None
    chat = await uow.chats.find_by_telegram_id(where.chat_id)
    if chat is None:
        chat = await uow.chats.add(Chat(telegram_id=where.chat_id, title=where.title[:255], active=True))
    return _touch_known_chat(uow, chat, where)


def _touch_known_chat(uow: UnitOfWork, chat: Chat, where: Where) -> Chat:
    """Keep a known group's title current, and when it last had a message (to within ACTIVITY_STEP)."""
    if where.title and chat.title != where.title:
        chat.title = where.title[:255]
    now = uow.clock()
    if chat.last_message_at is None or now - chat.last_message_at >= ACTIVITY_STEP:
        chat.last_message_at = now
    return chat


async def join(uow: UnitOfWork, user: User, community_id: int, via: str) -> Membership:
    """Make a person a member of a community (again, if they had left it)."""
    return await _join(uow, user, community_id, via, await uow.memberships.find(user.id, community_id))


async def _join(
    uow: UnitOfWork, user: User, community_id: int, via: str, membership: Membership | None
) -> Membership:
    """`join` with the membership already read (None: there is none)."""
    if membership is None:
        membership = await uow.memberships.add(
            Membership(user_id=user.id, community_id=community_id, joined_via=via)
        )
    elif membership.left_at is not None:
        membership.left_at = None
    return membership


async def identify(uow: UnitOfWork, env: Env, inc: Incoming) -> Actor:
    """The person acting and, in a group, the group, its community and their membership. In a known
    group all of it is read in one query; a person writing there becomes the community's resident."""
    private = inc.chat.is_private and inc.kind != "callback_query"
    seen = (
        await uow.chats.find_with_writer(inc.chat.chat_id, inc.actor.telegram_id)
        if inc.chat.is_group
        else None
    )
    if seen is None:
        user = await touch_user(uow, inc.actor, private=private)
        chat = await touch_chat(uow, inc.chat)
        community = await uow.communities.get(chat.community_id) if chat and chat.community_id else None
        known_membership = group_member = None
        known = False
    else:
        user = await _touch_user(uow, inc.actor, seen.user, private)
        chat = _touch_known_chat(uow, seen.chat, inc.chat)
        community, known_membership, group_member = seen.community, seen.membership, seen.group_member
        known = seen.user is not None  # a person never seen has no membership and no group record
    membership = None
    if chat is not None and community is not None and chat.active:
        # Writing in one of a community's groups makes a person its resident.
        if known:
            membership = await _join(uow, user, community.id, "group", known_membership)
            await uow.group_members.seen_writing(chat.id, user.id, group_member)
        else:
            membership = await join(uow, user, community.id, "group")
            await uow.group_members.seen_writing(chat.id, user.id)
    else:
        community = None
    locale = community.locale if community is not None else user_locale(env, user)
    return Actor(user, chat, community, membership, env.is_super(user.telegram_id), locale)


def require_private(inc: Incoming) -> None:
    if not inc.chat.is_private:
        raise Refused("common/private_only")


def require_group(inc: Incoming) -> None:
    if not inc.chat.is_group:
        raise Refused("common/group_only")


def require_bound(actor: Actor) -> Community:
    if actor.community is None:
        raise Refused("common/group_not_bound")
    return actor.community


async def staff_communities(uow: UnitOfWork, actor: Actor) -> list[Community]:
    """The communities this person may run: all for super-admins, else where they are staff."""
    if actor.is_super:
        return await uow.communities.all()
    memberships = await uow.memberships.of_user(actor.user.id)
    return await uow.communities.many([m.community_id for m in memberships if "staff" in m.roles])


async def member_communities(uow: UnitOfWork, actor: Actor, *, left_too: bool = False) -> list[Community]:
    """The communities this person is in; with `left_too` also those whose groups they left (where
    their requests and points still are)."""
    memberships = await uow.memberships.of_user(actor.user.id)
    return await uow.communities.many([m.community_id for m in memberships if left_too or m.left_at is None])


async def community_of_button(uow: UnitOfWork, actor: Actor, community_id: int) -> Community:
    """The community a button names, if the presser belongs to it (super-admins to any); an old or
    forged button otherwise."""
    community = await uow.communities.get(community_id)
    if community is None or (
        await uow.memberships.find(actor.user.id, community_id) is None and not actor.is_super
    ):
        raise Refused("common/button_expired")
    return community


async def staff_community_by_id(uow: UnitOfWork, actor: Actor, community_id: int) -> Community:
    """A community this person runs, named by id (in a guided flow's data, on a staff button):
    one that is gone is an expired button; one they no longer run is staff only."""
    community = await uow.communities.get(community_id)
    if community is None:
        raise Refused("common/button_expired")
    membership = await uow.memberships.find(actor.user.id, community.id)
    if not actor.is_staff_of(community.id, membership):
        raise Refused("common/staff_only")
    return community


async def staff_community_here(uow: UnitOfWork, actor: Actor) -> Community:
    """The community a staff command acts on: the group's, or in private the one the person runs."""
    if actor.community is not None:
        if not actor.is_staff_of(actor.community.id):
            raise Refused("common/staff_only")
        return actor.community
    if actor.chat is not None:
        raise Refused("common/group_not_bound")
    communities = await staff_communities(uow, actor)
    if not communities:
        raise Refused("common/staff_only")
    if len(communities) > 1:
        raise Refused("common/use_in_group", names=[c.name for c in communities])
    return communities[0]


async def resolve_target(uow: UnitOfWork, inc: Incoming) -> User:
    """The person a staff command names: by replying to them, a text mention, or an @username we have seen."""
    if inc.reply_to is not None:
        return await touch_user(uow, inc.reply_to)
    if inc.text_mentions:
        return await touch_user(uow, inc.text_mentions[0])
    if inc.usernames:
        user = await uow.users.find_by_username(inc.usernames[0])
        if user is None:
            raise Refused("common/unknown_person", username=inc.usernames[0][:64])
        return user
    raise Refused("common/name_someone")
