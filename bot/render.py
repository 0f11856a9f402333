"""Jinja2 rendering of every user-facing text (Telegram HTML parse mode)."""

from __future__ import annotations

import html
import importlib.resources
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from bot import words
from bot.config import LOCALES
from bot.triage import redact

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


class _Masking:
    """Applies `mask` to every plain string a template is given, however deep (lists, dicts,
    attributes); Markup (a mention, an already rendered body) is the application's own HTML."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        self.mask = lru_cache(maxsize=4096)(mask)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, Markup):
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self(item) for item in value)
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        return value


class _MaskingEnvironment(Environment):
    """Templates for a neighbourhood group: what a template reads from an object (a profile's
    skills, a row's text) is masked on the way in; what the template itself writes is not."""

    masking: _Masking

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self.masking(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self.masking(super().getitem(obj, argument))


class Renderer:
    """One Environment(autoescape=True, undefined=StrictUndefined) for the whole application.
    A template is named "<feature>/<outcome>" and read from <locale>/<feature>/<outcome>.j2.

    Rendered with ``public=True`` (for a neighbourhood group), every value a template is given
    as a plain string (what residents, volunteers and staff typed, however it got there) goes
    through `mask` first: phone and room numbers never reach the group, whichever template or
    path carries them. Numbers the template computes (#12, counts, points) are left alone, so
    the application's own figures must be passed as numbers or Markup, not as strings."""

    def __init__(
        self, default_locale: str = "zh_CN", root: Path | None = None, mask: Callable[[str], str] = redact
    ) -> None:
        self.default_locale = default_locale
        options: dict[str, Any] = {
            "loader": FileSystemLoader(str(root or templates_root())),
            "autoescape": select_autoescape(default=True, default_for_string=True),
            "undefined": StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": False,
        }
        self.env = Environment(**options)
        self.masking = _Masking(mask)
        self.public_env = _MaskingEnvironment(**options)
        self.public_env.masking = self.masking
        for env in (self.env, self.public_env):
            env.filters["skills"] = skill_names

    def locale(self, locale: str | None) -> str:
        return locale if locale in LOCALES else self.default_locale

    def render(self, locale: str | None, name: str, /, *, public: bool = False, **context: Any) -> str:
        """`public`: the text goes to a neighbourhood group (see the class docstring)."""
        env = self.public_env if public else self.env
        if public:
            context = self.masking(context)
        template = env.get_template(f"{self.locale(locale)}/{name}.j2")
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
