"""Errors raised inside the offline fake Bot API."""

from __future__ import annotations

from typing import Any


class FakeApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_response(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> FakeApiError:
    """A 400 error with Telegram's ``Bad Request: `` prefix."""
    return FakeApiError(400, f"Bad Request: {detail}", parameters)


def forbidden(detail: str) -> FakeApiError:
    """A 403 error with Telegram's ``Forbidden: `` prefix."""
    return FakeApiError(403, f"Forbidden: {detail}")


class FakeTransportError(Exception):
    """Base class of injected transport failures; transports translate them."""


class FakeNetworkError(FakeTransportError):
    """An injected network failure: the call never reached Telegram and nothing happened."""


class FakeTimeoutError(FakeTransportError):
    """An injected timeout after Telegram performed the call; the answer is lost on the way back."""

    def __init__(self, method: str, response: dict[str, Any]) -> None:
        super().__init__(f"{method} was performed but its answer timed out")
        self.method = method
        self.response = response
