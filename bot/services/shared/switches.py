"""A community setting that staff switch on or off with a command (/approval, /publicity)."""

from __future__ import annotations

from bot import words
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import identify, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.uow import UnitOfWork


def switch_word(word: str) -> bool | None:
    """True for on (开), False for off (关), None for anything else."""
    if words.is_word("switch_on", word):
        return True
    if words.is_word("switch_off", word):
        return False
    return None


async def community_switch(uow: UnitOfWork, env: Env, inc: Incoming, field: str, name: str) -> None:
    """`/<name> on|off` sets `field` of the community; without a word it shows the setting.
    Replies with the templates `<name>_show` and, for a wrong word, `<name>_usage`."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    word = inc.args[0].lower() if inc.args else ""
    if word:
        value = switch_word(word)
        if value is None:
            raise Refused(f"{name}_usage")
        setattr(community, field, value)
    on = bool(getattr(community, field))
    await messages.reply(uow, env, inc, actor.locale, f"{name}_show", community=community.name, on=on)
