"""A person's own commands: /start (and join links), /help, /whoami, /lang."""

from __future__ import annotations

from bot import callbacks, commands, menus, opening, words
from bot.commands import Command
from bot.config import LOCALES
from bot.incoming import Incoming
from bot.render import to_locale
from bot.services.activities import checkin as activity_checkin
from bot.services.community import menu
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, join, member_communities, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from bot.services.shop import codes, fulfil
from storage.uow import UnitOfWork

JOIN_PREFIX = "join-"
COMMAND_ECHO = 32  # how much of an unknown command is echoed back
ARGS_ECHO = 64  # and of its arguments, in the suggestion


async def start(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/start in private registers the person (the bot may now write to them) and shows their communities."""
    actor = await identify(uow, env, inc)
    if not inc.chat.is_private:
        await messages.reply(
            uow, env, inc, actor.locale, "community/start_in_group", bot=messages.ours(env.bot_username)
        )
        return
    payload = inc.text.strip()
    if payload.startswith(activity_checkin.DEEP_LINK_PREFIX):  # someone scanned an activity's QR
        await activity_checkin.from_link(
            uow, env, inc, actor, payload.removeprefix(activity_checkin.DEEP_LINK_PREFIX)
        )
        return
    if payload.startswith(codes.DEEP_LINK_PREFIX):  # a merchant scanned a redemption's QR
        await fulfil.from_link(uow, env, inc, actor, payload.removeprefix(codes.DEEP_LINK_PREFIX))
        return
    joined = None
    if payload.startswith(JOIN_PREFIX):
        invite = await uow.invites.find_by_code(payload.removeprefix(JOIN_PREFIX))
        if invite is None:
            raise Refused("community/start_invite_unknown")
        membership = await uow.memberships.find(actor.user.id, invite.community_id)
        if membership is None:
            await join(uow, actor.user, invite.community_id, "invite")
            invite.uses += 1
        joined = await uow.communities.get(invite.community_id)
    communities = await member_communities(uow, actor)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "community/start_welcome",
        name=actor.user.first_name,
        joined=joined.name if joined else None,
        communities=[c.name for c in communities],
        buttons=await menu.buttons(uow, env, actor.user) if communities else None,
    )


async def _roles_here(uow: UnitOfWork, actor: Actor) -> tuple[bool, bool]:
    """Is this person a volunteer, and staff, here (in a group, of its community; else anywhere)?"""
    memberships = await uow.memberships.of_user(actor.user.id)
    if actor.community is not None:
        memberships = [m for m in memberships if m.community_id == actor.community.id]
    volunteer = any(m.volunteer_status != "none" for m in memberships)
    staff = actor.is_super or any("staff" in m.roles for m in memberships)
    return volunteer, staff


async def usable_commands(uow: UnitOfWork, actor: Actor, inc: Incoming) -> list[Command]:
    """The commands this person may use in this chat (in a group, as a member of its community)."""
    volunteer, staff = await _roles_here(uow, actor)
    return commands.visible(
        private=inc.chat.is_private, volunteer=volunteer, staff=staff, super_admin=actor.is_super
    )


# /help sections: what a person does in each role, only the roles they have.
SECTIONS = (("resident", ("everyone",)), ("volunteer", ("volunteer",)), ("staff", ("staff", "super")))


async def show_help(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/help: the commands this person may use in this chat, by role (resident, volunteer, staff).
    A resident's part is short: how to ask, the everyday commands explained, the rest by name."""
    actor = await identify(uow, env, inc)
    volunteer, staff = await _roles_here(uow, actor)
    visible = commands.visible(
        private=inc.chat.is_private, volunteer=volunteer, staff=staff, super_admin=actor.is_super
    )
    held = {"resident": True, "volunteer": volunteer, "staff": staff}
    sections = []
    for role, audiences in SECTIONS:
        names = [c.name for c in visible if c.audience in audiences]
        if role == "resident":
            main = [n for n in menus.EVERYDAY if n in names]
            sections.append({"role": role, "main": main, "more": [n for n in names if n not in main]})
        elif names and held[role]:
            sections.append({"role": role, "main": names, "more": []})
    await messages.reply(
        uow, env, inc, actor.locale, "community/help_commands", sections=sections, private=inc.chat.is_private
    )


async def whoami(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/whoami shows this person's roles in each of their communities."""
    actor = await identify(uow, env, inc)
    memberships = await uow.memberships.of_user(actor.user.id)
    communities = {c.id: c for c in await uow.communities.many([m.community_id for m in memberships])}
    rows = [
        {
            "community": communities[m.community_id].name,
            "roles": list(m.roles),
            "grid": list(m.grid_buildings),
            "volunteer": m.volunteer_status,
        }
        for m in memberships
    ]
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "community/whoami_roles",
        name=actor.user.full_name,
        telegram_id=actor.user.telegram_id,
        super_admin=actor.is_super,
        memberships=rows,
    )


def _language_buttons(env: Env) -> list[list[Button]]:
    return [
        [Button(env.renderer.label(loc, "language_name"), callbacks.encode("lang", loc)) for loc in LOCALES]
    ]


async def choose_language(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/lang [zh|en]: without an argument, offers buttons."""
    actor = await identify(uow, env, inc)
    wanted = inc.args[0] if inc.args else ""
    if not wanted:
        await messages.reply(
            uow,
            env,
            inc,
            user_locale(env, actor.user),
            "community/lang_choose",
            buttons=_language_buttons(env),
        )
        return
    locale = words.lookup("languages", wanted) or to_locale(wanted, "")
    if locale not in LOCALES:
        raise Refused("community/lang_unknown", given=wanted[:32])
    actor.user.language = locale
    await messages.reply(uow, env, inc, locale, "community/lang_set")


async def set_language(uow: UnitOfWork, env: Env, inc: Incoming, locale: str) -> Outcome:
    """The language button: re-checked like any input."""
    if locale not in LOCALES:
        raise Refused("community/lang_unknown", given=locale[:32])
    actor = await identify(uow, env, inc)
    actor.user.language = locale
    return Outcome(toast=env.renderer.label(locale, "language_set_toast"))


async def edited_message(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """Edits are not re-read: say so once in private (or for an edited command or #求助 message), so
    nobody waits in vain."""
    actor = await identify(uow, env, inc)
    if inc.chat.is_private or opening.is_command_or_request(inc.text):
        await messages.reply(uow, env, inc, actor.locale, "common/edit_not_read")


async def seen(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """Any other message: keeps names current and makes the writer a resident of a bound group's community."""
    await identify(uow, env, inc)


async def anonymous_admin(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """An anonymous group admin cannot be told apart from others: ask them to write as themselves."""
    locale = env.settings.default_locale
    chat = await uow.chats.find_by_telegram_id(inc.chat.chat_id)
    if chat is not None and chat.community_id is not None:
        community = await uow.communities.get(chat.community_id)
        locale = community.locale if community else locale
    await messages.reply(uow, env, inc, locale, "common/anonymous_admin")


async def stale_button(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """A button this version of the bot did not make, or one for something that is gone."""
    raise Refused("common/button_expired")


async def unknown_command(uow: UnitOfWork, env: Env, inc: Incoming, name: str) -> None:
    """A command we do not have (`name`, as typed without the slash), sent to us: named back with the
    closest commands this person may use here (/tkae 3 → /take 3)."""
    actor = await identify(uow, env, inc)
    suggestions = commands.suggest(name, await usable_commands(uow, actor, inc))
    args = " ".join(inc.text.split())
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "common/unknown_command",
        command=f"/{name[:COMMAND_ECHO]}",
        suggestions=[f"/{s}" for s in suggestions],
        args=args if len(args) <= ARGS_ECHO else f"{args[:ARGS_ECHO]}…",
    )
