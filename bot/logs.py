"""Logging set-up: one format; httpx silenced, since its INFO lines carry the URL that holds the token."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter


class RedactingFormatter(logging.Formatter):
    """Formats with the handler's own formatter, then removes the bot token from the whole text,
    tracebacks included (an HTTP error names the URL, and the URL holds the token)."""

    def __init__(self, inner: logging.Formatter, token: str) -> None:
        super().__init__()
        self.inner = inner
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        return self.inner.format(record).replace(self.token, "<token>")


def configure(level: str, token: str | None, *, json_lines: bool = False) -> None:
    """Plain lines, or with `json_lines` one JSON object a line (python-json-logger) for a collector;
    in both the token is removed from every line."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if json_lines:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    if token:
        for handler in logging.getLogger().handlers:
            inner = handler.formatter or logging.Formatter()
            if not isinstance(inner, RedactingFormatter):
                handler.setFormatter(RedactingFormatter(inner, token))
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
