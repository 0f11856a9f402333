"""Groups: the bot joining and leaving, binding a group to a community, buildings, migration."""

from __future__ import annotations

from bot import callbacks, menus, words
from bot.incoming import Incoming, MemberChange
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    identify,
    require_group,
    staff_communities,
    touch_chat,
    touch_user,
)
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from storage.models import Chat, Community
from storage.uow import UnitOfWork

NAME_LIMIT = 64
MAX_BUILDINGS = 50
# Why a bound group cannot simply change kind, by the kind asked for.
KIND_CHANGE_REFUSED = {
    "staff": "community/bind_staff_in_neighbourhood",
    "neighbourhood": "community/bind_neighbourhood_in_staff",
}


async def bot_membership_changed(uow: UnitOfWork, env: Env, change: MemberChange) -> None:
    """my_chat_member: greet a group the bot joined; deactivate one it left; note a blocked bot."""
    if change.chat.chat_type == "private":
        user = await touch_user(uow, change.actor)
        user.blocked = change.left
        if not change.left:
            user.started = True
        return
    chat = await touch_chat(uow, change.chat)
    assert chat is not None
    if change.left:
        chat.active = False
    elif change.joined:
        chat.active = True
        locale = env.settings.default_locale
        if chat.community_id is not None:
            community = await uow.communities.get(chat.community_id)
            locale = community.locale if community else locale
        await messages.post(
            uow,
            env,
            f"u{change.update_id}:welcome",
            chat.telegram_id,
            locale,
            "community/group_welcome",
            bound=chat.community_id is not None,
        )


async def _bind(uow: UnitOfWork, key: str, actor: Actor, chat: Chat, community: Community, kind: str) -> None:
    if chat.community_id is not None and chat.community_id != community.id:
        current = await uow.communities.get(chat.community_id)
        raise Refused("community/bind_already_bound", community=current.name if current else "?")
    if not actor.is_staff_of(community.id, await uow.memberships.find(actor.user.id, community.id)):
        raise Refused("community/bind_not_allowed")
    was_staff = chat.kind == "staff"
    if chat.community_id is not None and chat.kind is not None and chat.kind != kind:
        # A residents' group never silently becomes the staff group, where rooms, phones and
        # dispatch buttons are shown, nor the staff group a residents' one: /unbind first.
        raise Refused(KIND_CHANGE_REFUSED[kind], community=community.name)
    if kind == "staff" and chat.kind != "staff":
        # Cards posted here before were drawn for whoever was in the group; they are left as
        # they are rather than redrawn with the staff view's details.
        await uow.outbox.forget_cards_in(chat.telegram_id)
    chat.community_id, chat.kind, chat.active = community.id, kind, True
    if was_staff or kind == "staff":  # the administrators' command menu follows what the group is
        await menus.queue(uow, key, chat.telegram_id)


async def bind(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/bind <community> or /bind staff [community] in a group."""
    require_group(inc)
    actor = await identify(uow, env, inc)
    assert actor.chat is not None
    args = inc.text.strip()
    kind = "neighbourhood"
    first, _, rest = args.partition(" ")
    if words.is_word("staff_group", first):
        kind, args = "staff", rest.strip()
    if not args:
        choices = await staff_communities(uow, actor)
        bound = await uow.communities.get(actor.chat.community_id) if actor.chat.community_id else None
        if bound is not None:
            community = bound  # a bound group can only be bound again to its own community
        elif not choices:
            raise Refused("community/bind_not_allowed" if not actor.is_super else "community/bind_usage")
        elif len(choices) == 1:
            community = choices[0]
        else:
            buttons = [[Button(c.name, callbacks.encode("bind", kind[0], c.id))] for c in choices[:20]]
            await messages.reply(uow, env, inc, actor.locale, "community/bind_choose", buttons=buttons)
            return
    else:
        name = " ".join(args.split())
        if len(name) > NAME_LIMIT:
            raise Refused("community/bind_name_too_long", limit=NAME_LIMIT)
        found = await uow.communities.find_by_name(name)
        if found is None:
            if not actor.is_super:
                raise Refused(
                    "community/bind_unknown_community"
                    if await staff_communities(uow, actor)
                    else "community/bind_not_allowed",
                    name=name,
                )
            found = await uow.communities.add(
                Community(
                    name=name, timezone=env.settings.default_timezone, locale=env.settings.default_locale
                )
            )
        community = found
    await _bind(uow, f"u{inc.update_id}", actor, actor.chat, community, kind)
    await messages.reply(
        uow,
        env,
        inc,
        community.locale,
        "community/bind_done",
        community=community.name,
        staff=kind == "staff",
    )


async def bind_chosen(uow: UnitOfWork, env: Env, inc: Incoming, kind_code: str, community_id: int) -> Outcome:
    """The community button offered by a bare /bind."""
    require_group(inc)
    kind = {"n": "neighbourhood", "s": "staff"}.get(kind_code)
    community = await uow.communities.get(community_id)
    if kind is None or community is None:
        raise Refused("common/button_expired")
    actor = await identify(uow, env, inc)
    assert actor.chat is not None
    await _bind(uow, f"u{inc.update_id}", actor, actor.chat, community, kind)
    await messages.post(
        uow,
        env,
        f"u{inc.update_id}:bound",
        inc.chat.chat_id,
        community.locale,
        "community/bind_done",
        community=community.name,
        staff=kind == "staff",
    )
    return Outcome(toast=community.name)


async def unbind(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    require_group(inc)
    actor = await identify(uow, env, inc)
    assert actor.chat is not None
    if actor.community is None:
        raise Refused("common/group_not_bound")
    if not actor.is_staff_of(actor.community.id):
        raise Refused("common/staff_only")
    name = actor.community.name
    if actor.chat.kind == "staff":  # its administrators' menu of staff commands is cleared
        await menus.queue(uow, f"u{inc.update_id}", actor.chat.telegram_id)
    actor.chat.community_id, actor.chat.kind, actor.chat.buildings = None, None, []
    await messages.reply(uow, env, inc, actor.community.locale, "community/unbind_done", community=name)


async def buildings(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/buildings [b1 b2 ...]: show or set the buildings a neighbourhood group covers (staff)."""
    require_group(inc)
    actor = await identify(uow, env, inc)
    assert actor.chat is not None
    if actor.community is None:
        raise Refused("common/group_not_bound")
    if inc.args:
        if not actor.is_staff_of(actor.community.id):
            raise Refused("common/staff_only")
        tags = list(dict.fromkeys(a.strip("，,、")[:32] for a in inc.args if a.strip("，,、")))
        if len(tags) > MAX_BUILDINGS:
            raise Refused("community/buildings_too_many", limit=MAX_BUILDINGS)
        actor.chat.buildings = tags
    await messages.reply(
        uow, env, inc, actor.locale, "community/buildings_show", buildings=list(actor.chat.buildings)
    )


async def migrated(uow: UnitOfWork, env: Env, inc: Incoming, new_chat_id: int) -> None:
    """A group became a supergroup: keep its community and move queued messages along."""
    chat = await uow.chats.migrate(inc.chat.chat_id, new_chat_id)
    await uow.outbox.move_chat(inc.chat.chat_id, new_chat_id)
    if chat is not None and chat.kind == "staff":  # the supergroup's administrators get the menu
        await menus.queue(uow, f"u{inc.update_id}", new_chat_id)
