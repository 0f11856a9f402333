"""Domain errors: each names the template that explains it to the person."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """The action is not allowed or the input is wrong; nothing changed. Rendered from `template`."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template)
        self.template = template
        self.params = params


class NotMember(Refused):
    """The person belongs to no community the action needs. The template says how to join; when the
    bot could not finish asking Telegram which groups they are in, the runner asks them to try again
    in a minute instead."""
