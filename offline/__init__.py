"""Linli without Telegram: the real application wired to the fake Bot API (``fakebot``).

``OfflineBot`` (offline/runner.py) runs the application against a ``FakeTelegram``; the tests,
the benchmarks, the scripted demo (offline/demo.py, ``python -m bot demo``) and the terminal
sandbox (offline/sandbox.py, ``python -m bot sandbox``) are built on it.  This package depends on
``bot``, ``storage`` and ``fakebot``; the bot never imports it, except lazily in the CLI command
that runs the demo or the sandbox.

``OfflineBot`` is loaded on first use, not when the package is imported: the runner imports
Alembic, which logs at INFO while loading, and the demo and the sandbox import it only once
their quiet logging is in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offline.runner import OfflineBot

__all__ = ["OfflineBot"]


def __getattr__(name: str) -> Any:
    if name == "OfflineBot":
        from offline.runner import OfflineBot

        return OfflineBot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
