"""Redemption codes: short, read aloud and typed without mistakes (no 0/O, no 1/I), from `secrets`."""

from __future__ import annotations

import secrets

from bot.opening import fold
from storage.uow import UnitOfWork

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 characters: neither 0 nor O, neither 1 nor I
LENGTH = 8  # 32**8: about 10**12 codes, so a guessed code is practically never someone's
DEEP_LINK_PREFIX = "fulfil-"
TRIES = 10


def shown(code: str) -> str:
    """A code as people read it: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


def typed(text: str) -> str:
    """A code as typed: lower case, full-width, with spaces or dashes all read as the code."""
    return "".join(ch for ch in fold(text).upper() if ch.isascii() and ch.isalnum())


async def new_code(uow: UnitOfWork) -> str:
    """A code no redemption has yet (the column is unique as well)."""
    for _ in range(TRIES):
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if not await uow.redemptions.code_taken(code):
            return code
    raise RuntimeError("no free redemption code found")


def deep_link(bot_username: str, code: str) -> str:
    """t.me/<bot>?start=fulfil-<code>: the link the QR holds; it opens the bot for the merchant."""
    return f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{code}"
