"""Jinja2 rendering of every user-facing text (Telegram HTML parse mode)."""

from __future__ import annotations

import html
import importlib.resources
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from bot import words
from bot.config import LOCALES

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def templates_root() -> Path:
    return Path(str(importlib.resources.files("bot.templates")))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(r"<[^>]*>")


def to_plain(text: str, limit: int | None = None) -> str:
    """Telegram HTML to plain text (for callback answers, which show no formatting)."""
    plain = html.unescape(_TAG.sub("", text)).strip()
    if limit is not None and len(plain) > limit:
        plain = plain[: limit - 1] + "…"
    return plain


def to_locale(language: str | None, default: str) -> str:
    """Map a stored or Telegram language code to one of ours (zh-hans → zh_CN, en-GB → en)."""
    if not language:
        return default
    code = language.replace("-", "_").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return default


@pass_context
def skill_names(context: Context, skills: str | Iterable[str]) -> str | list[str]:
    """`{{ skills|skills }}`: stored skill names as the template's reader calls them."""
    locale = str(context.get("locale", ""))
    if isinstance(skills, str):
        return words.skill_name(skills, locale)
    return [words.skill_name(s, locale) for s in skills]


class TextTooLong(ValueError):
    """A rendered text is over Telegram's 4096 UTF-16 units; the caller must shorten what it shows."""


class Renderer:
    """One Environment(autoescape=True, undefined=StrictUndefined) for the whole application.
    A template is named "<feature>/<outcome>" and read from <locale>/<feature>/<outcome>.j2."""

    def __init__(self, default_locale: str = "zh_CN", root: Path | None = None) -> None:
        self.default_locale = default_locale
        self.env = Environment(
            loader=FileSystemLoader(str(root or templates_root())),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["skills"] = skill_names

    def locale(self, locale: str | None) -> str:
        return locale if locale in LOCALES else self.default_locale

    def render(self, locale: str | None, name: str, /, **context: Any) -> str:
        template = self.env.get_template(f"{self.locale(locale)}/{name}.j2")
        text = template.render(locale=self.locale(locale), **context).strip()
        if utf16_len(text) > TEXT_LIMIT:
            raise TextTooLong(f"template {name} rendered {utf16_len(text)} UTF-16 units, over {TEXT_LIMIT}")
        return text

    def label(self, locale: str | None, name: str, /, module: str = "labels") -> str:
        """A short text (button labels, role and status names) set in <locale>/labels.j2, or in
        another module of `{% set %}` texts such as "demo/narration"."""
        path = f"{self.locale(locale)}/{module}.j2"
        value = getattr(self.env.get_template(path).module, name, None)
        if not isinstance(value, str):
            raise KeyError(f"no label {name!r} in {path}")
        return value
