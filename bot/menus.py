"""The command menu Telegram shows beside the text field, per audience and per language.

What each audience sees comes from the command catalogue (`bot.commands`); what each command does
from `templates/<locale>/community/command_menu.j2`. The audiences are everyone in private chats
(residents and volunteers), everyone in groups, and the administrators of each bound staff group
(all that staff use there). The default list (no language code) is in the default locale; each
other locale gets its own list under its two-letter code.

Menus are set through the outbox, so Telegram's limits, RetryAfter and network errors are handled
as for any message and a failure never stops the bot: a row of kind "menu" for `MENU_CHAT` sets
the menus for everyone; a row for a group's chat id sets its administrators' menu, or clears it
when the group is no longer a staff group by the time the row is sent. The composition root
queues them all at start-up; binding, unbinding and migration queue the one group's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import commands
from bot.config import LOCALES
from bot.render import Renderer, to_plain
from storage.uow import UnitOfWork

# What a resident uses most: first in the menus, and described in a resident's /help (their other
# commands are listed by name only).
EVERYDAY = ("request", "mine", "points", "open", "volunteer", "lang")

MENU_CHAT = 0  # the outbox queue of the menus for everyone (no chat has id 0)
KIND = "menu"  # outbox row kind
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # Telegram's rule for a command
DESCRIPTION_LIMIT = 256
COMMANDS_LIMIT = 100
AUDIENCES = ("private", "groups", "staff")

Entry = tuple[str, str]  # (command, description)


@dataclass(frozen=True)
class MenuSetting:
    """One setMyCommands (or, with `entries` None, deleteMyCommands) call."""

    scope: str  # all_private_chats | all_group_chats | chat_administrators
    language_code: str  # "" for everyone whose language has no list of its own
    entries: tuple[Entry, ...] | None
    chat_id: int | None = None  # chat_administrators: the group


def audience_commands(audience: str) -> list[str]:
    """The commands an audience uses, everyday ones first, then in the catalogue's order."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    visible = commands.visible(
        private=audience == "private", volunteer=True, staff=audience == "staff", super_admin=False
    )
    names = [c.name for c in visible]
    return [n for n in EVERYDAY if n in names] + [n for n in names if n not in EVERYDAY]


def describe(renderer: Renderer, locale: str, command: str) -> str:
    """What a command does, as plain text within Telegram's 256 characters."""
    text = to_plain(renderer.render(locale, "community/command_menu", command=command))
    return " ".join(text.split())[:DESCRIPTION_LIMIT]


def menu(renderer: Renderer, locale: str, audience: str) -> tuple[Entry, ...]:
    entries = [
        (name, describe(renderer, locale, name))
        for name in audience_commands(audience)
        if COMMAND_NAME.match(name)
    ]
    return tuple((name, text) for name, text in entries if text)[:COMMANDS_LIMIT]


def language_codes(default_locale: str) -> list[tuple[str, str]]:
    """(locale, language_code): the default locale for everyone (""), each other under its code."""
    default = default_locale if default_locale in LOCALES else LOCALES[0]
    return [(default, "")] + [(loc, loc.split("_")[0].lower()) for loc in LOCALES if loc != default]


class Menus:
    """What a "menu" outbox row sets, decided when it is sent (`OutboxSender(menus=...)`)."""

    def __init__(self, renderer: Renderer, default_locale: str) -> None:
        self.renderer = renderer
        self.languages = language_codes(default_locale)

    async def __call__(self, uow: UnitOfWork, chat_id: int) -> list[MenuSetting]:
        if chat_id == MENU_CHAT:
            return [
                MenuSetting(scope, code, menu(self.renderer, locale, audience))
                for audience, scope in (("private", "all_private_chats"), ("groups", "all_group_chats"))
                for locale, code in self.languages
            ]
        chat = await uow.chats.find_by_telegram_id(chat_id)
        staff = chat is not None and chat.active and chat.kind == "staff" and chat.community_id is not None
        return [
            MenuSetting(
                "chat_administrators",
                code,
                menu(self.renderer, locale, "staff") if staff else None,
                chat_id,
            )
            for locale, code in self.languages
        ]


async def queue(uow: UnitOfWork, key: str, chat_id: int) -> None:
    """Set (or clear) a group's administrators' menu as the group is when the row is sent."""
    await uow.outbox.add(dedupe_key=f"{key}:menu:{chat_id}", chat_id=chat_id, kind=KIND)


async def queue_all(uow: UnitOfWork, key: str) -> int:
    """The menus for everyone and for every bound staff group's administrators; how many rows."""
    chats = [MENU_CHAT] + [chat.telegram_id for chat in await uow.chats.of_kind("staff")]
    for chat_id in chats:
        await queue(uow, key, chat_id)
    return len(chats)
