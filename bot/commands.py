"""The command catalogue: every command's name (and the other names it answers to), who may use it
and where. It drives the handlers' registration, /help, the command menu and the suggestion for a
mistyped command."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Audience = Literal["everyone", "volunteer", "staff", "super"]
Place = Literal["private", "group", "any"]


@dataclass(frozen=True)
class Command:
    name: str
    audience: Audience
    place: Place
    aliases: tuple[str, ...] = ()  # other names that run the same command (/claim for /take)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


COMMANDS: tuple[Command, ...] = (
    Command("start", "everyone", "private"),
    Command("help", "everyone", "any"),
    Command("whoami", "everyone", "any"),
    Command("lang", "everyone", "any"),
    Command("volunteer", "everyone", "private"),
    Command("profile", "volunteer", "private"),
    Command("unvolunteer", "volunteer", "private"),
    Command("request", "everyone", "any"),
    Command("add", "everyone", "any"),
    Command("mine", "everyone", "any"),
    Command("confirm", "everyone", "any"),
    Command("reopen", "everyone", "any"),
    Command("rate", "everyone", "any"),
    Command("cancel", "everyone", "any"),
    Command("history", "everyone", "any"),
    Command("open", "everyone", "any"),
    Command("points", "everyone", "any"),
    Command("shop", "everyone", "private"),
    Command("redeem", "everyone", "private"),
    Command("unredeem", "everyone", "any"),
    Command("fulfil", "staff", "any", aliases=("fulfill",)),  # and merchants (told when granted)
    Command("fulfilled", "staff", "any"),
    Command("top", "everyone", "any"),
    Command("take", "volunteer", "any", aliases=("claim",)),
    Command("progress", "volunteer", "any"),
    Command("done", "volunteer", "any"),
    Command("release", "volunteer", "any"),
    Command("decline", "volunteer", "any"),
    Command("bind", "staff", "group"),
    Command("unbind", "staff", "group"),
    Command("buildings", "staff", "group"),
    Command("invite", "staff", "any"),
    Command("grant", "staff", "any"),
    Command("revoke", "staff", "any"),
    Command("volunteers", "staff", "any"),
    Command("approve", "staff", "any"),
    Command("suspend", "staff", "any"),
    Command("dismiss", "staff", "any"),
    Command("approval", "staff", "any"),
    Command("assign", "staff", "any"),
    Command("onbehalf", "staff", "any"),
    Command("overdue", "staff", "any"),
    Command("category", "staff", "any"),
    Command("building", "staff", "any"),
    Command("publicity", "staff", "any"),
    Command("dutyphone", "staff", "any"),
    Command("reward", "staff", "any"),
    Command("award", "staff", "any"),
    Command("deduct", "staff", "any"),
    # Volunteer activities.
    Command("activities", "everyone", "any"),
    Command("join", "everyone", "any"),
    Command("leave", "everyone", "any"),
    Command("newactivity", "staff", "any"),
    Command("activity", "staff", "any"),
    Command("checkin", "staff", "any"),
    Command("remind", "staff", "any"),
    Command("reminders", "staff", "any"),
    Command("broadcast", "staff", "any"),
)


def visible(*, private: bool, volunteer: bool, staff: bool, super_admin: bool) -> list[Command]:
    allowed: set[str] = {"everyone"}
    if volunteer or staff or super_admin:
        allowed.add("volunteer")
    if staff or super_admin:
        allowed.add("staff")
    if super_admin:
        allowed.add("super")
    place = "private" if private else "group"
    return [c for c in COMMANDS if c.audience in allowed and c.place in (place, "any")]


BY_NAME: dict[str, Command] = {name: c for c in COMMANDS for name in c.names}


def named(name: str) -> Command | None:
    """The command a name (or an alias) stands for, compared lower-cased."""
    return BY_NAME.get(name.lower())


SUGGESTION_CUTOFF = 0.6  # difflib's similarity ratio; a swapped pair of letters (tkae, take) is 0.75


def suggest(name: str, among: Iterable[Command], *, limit: int = 3) -> list[str]:
    """The names among these commands closest to a mistyped one (`tkae` → `take`), best first,
    one name per command."""
    by_name = {n: c for c in among for n in c.names}
    close = difflib.get_close_matches(name.lower(), list(by_name), n=len(by_name), cutoff=SUGGESTION_CUTOFF)
    chosen: dict[str, str] = {}
    for n in close:
        chosen.setdefault(by_name[n].name, n)
    return list(chosen.values())[:limit]
