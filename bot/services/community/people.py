"""A person's own commands: /start (and join links), /help, /whoami, /lang."""

from __future__ import annotations

from bot import callbacks, commands, words
from bot.config import LOCALES
from bot.incoming import Incoming
from bot.render import to_locale
from bot.services.shared import messages
from bot.services.shared.actors import identify, join, member_communities, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from storage.uow import UnitOfWork

JOIN_PREFIX = "join-"


async def start(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/start in private registers the person (the bot may now write to them) and shows their communities."""
    actor = await identify(uow, env, inc)
    if not inc.chat.is_private:
        await messages.reply(
            uow, env, inc, actor.locale, "community/start_in_group", bot=messages.ours(env.bot_username)
        )
        return
    payload = inc.text.strip()
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
    )


async def show_help(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/help lists the commands this person may use in this chat."""
    actor = await identify(uow, env, inc)
    memberships = await uow.memberships.of_user(actor.user.id)
    if actor.community is not None:
        memberships = [m for m in memberships if m.community_id == actor.community.id]
    visible = commands.visible(
        private=inc.chat.is_private,
        volunteer=any(m.volunteer_status != "none" for m in memberships),
        staff=any("staff" in m.roles for m in memberships),
        super_admin=actor.is_super,
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "community/help_commands",
        commands=[c.name for c in visible],
        private=inc.chat.is_private,
        skills=list(env.settings.volunteer_skills),
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
    if (
        inc.chat.is_private
        or inc.text.startswith("/")
        or words.strip_prefix("request_tags", inc.text) is not None
    ):
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


async def unknown_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """A command we do not have: in private always, in a group only when addressed to us."""
    actor = await identify(uow, env, inc)
    first = inc.text.split(maxsplit=1)[0] if inc.text else ""
    addressed = "@" in first and first.split("@", 1)[1].lower() == env.bot_username.lower()
    if inc.chat.is_private or addressed:
        await messages.reply(
            uow, env, inc, actor.locale, "common/unknown_command", command=first.split("@")[0][:32]
        )
