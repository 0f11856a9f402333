"""callback_data: short, versioned `v1:<action>:<arg>...`, at most 64 bytes, untrusted on the way back."""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64


class BadCallback(ValueError):
    """callback_data that this version of the bot did not make (old, forged or truncated)."""


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]

    def int_arg(self, index: int) -> int:
        try:
            return int(self.args[index])
        except (IndexError, ValueError) as exc:
            raise BadCallback(f"argument {index} of {self.action} is not a number") from exc

    def str_arg(self, index: int) -> str:
        try:
            return self.args[index]
        except IndexError as exc:
            raise BadCallback(f"argument {index} of {self.action} is missing") from exc


def encode(action: str, *args: object) -> str:
    parts = [VERSION, action, *(str(a) for a in args)]
    if any(":" in p for p in parts[1:]):
        raise ValueError("callback parts may not contain ':'")
    data = ":".join(parts)
    if not 1 <= len(data.encode()) <= MAX_BYTES:
        raise ValueError(f"callback_data {data!r} is over {MAX_BYTES} bytes")
    return data


def decode(data: str | None) -> Callback:
    if not data or len(data.encode()) > MAX_BYTES:
        raise BadCallback("empty or over-long callback_data")
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION or not parts[1]:
        raise BadCallback(f"unknown callback_data version in {data!r}")
    return Callback(parts[1], tuple(parts[2:]))
