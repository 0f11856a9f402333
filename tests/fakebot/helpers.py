"""Helpers for the offline fake Bot API tests."""

from __future__ import annotations

from typing import Any

from fakebot import FakeTelegram
from fakebot.spec import load_spec


async def call(fake: FakeTelegram, method: str, **params: Any) -> dict[str, Any]:
    """One Bot API call; returns Telegram's answer body."""
    return await fake.handle(method, params)


async def ok(fake: FakeTelegram, method: str, **params: Any) -> Any:
    """One Bot API call that must succeed; returns its result."""
    answer = await fake.handle(method, params)
    assert answer["ok"], answer
    return answer["result"]


async def refused(fake: FakeTelegram, method: str, **params: Any) -> dict[str, Any]:
    """One Bot API call that must fail; returns the error answer."""
    fake.expect_errors(1)
    answer = await fake.handle(method, params)
    assert not answer["ok"], answer
    return answer


def conforms(type_name: str, value: object) -> list[str]:
    """Problems of ``value`` against the Bot API spec type ``type_name``."""
    return load_spec().conformance_problems(type_name, value)
