"""The command catalogue: who may use which command where (drives /help and the command menu)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Audience = Literal["everyone", "volunteer", "staff", "super"]
Place = Literal["private", "group", "any"]


@dataclass(frozen=True)
class Command:
    name: str
    audience: Audience
    place: Place


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
    Command("take", "volunteer", "any"),
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
