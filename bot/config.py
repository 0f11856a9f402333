"""Settings, read from the environment and `.env` (pydantic-settings).

One `Settings` object is built in `main()` and passed down; nothing here runs at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.categories import load_catalogs
from bot.words import default_skills

LOCALES = ("zh_CN", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///data/linli.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    log_level: str = "INFO"
    volunteer_skills: Annotated[tuple[str, ...], NoDecode] = Field(default_factory=default_skills)
    # How often the outbox sender looks for due rows besides being woken on commit (seconds).
    outbox_poll_seconds: float = Field(default=5.0, gt=0)
    # Messages per minute to one group: Telegram allows 20. (A 429 is waited out in any case.)
    group_messages_per_minute: int = Field(default=20, ge=1)
    # Seconds between two messages to one private chat: Telegram allows about one a second.
    private_message_seconds: float = Field(default=1.0, ge=0)
    # A YAML file that overrides the request categories, deadlines and service hours (see
    # bot/data/categories.yaml), for the deployment and per community.
    categories_file: Path | None = None
    # A volunteer who asked for nudges gets at most one every so many minutes.
    nudge_minutes: int = Field(default=30, ge=0)
    # How often due work is looked for (automatic confirmation of done requests), in seconds.
    sweep_seconds: float = Field(default=60.0, gt=0)
    # Someone unknown writing in private is looked up in at most this many bound groups (the most
    # recently active first; 0: never looked up), ...
    member_lookup_groups: int = Field(default=20, ge=0)
    # ... with at most this many getChatMember calls a second, ...
    member_lookups_per_second: float = Field(default=20.0, gt=0)
    # ... and what was found (in a group or not) is trusted for this many minutes before asking again.
    member_lookup_minutes: int = Field(default=30, ge=0)
    # A rating tapped by mistake may be changed for so many minutes after it was given.
    rating_change_minutes: int = Field(default=10, ge=0)
    # A redemption of the points shop not handed over in so many days expires, and its points come back.
    redemption_days: int = Field(default=30, ge=1)
    # Staff awarding more points than this at once need a second staff member to confirm, ...
    award_confirm_over: int = Field(default=100, ge=0)
    # ... and an award nobody confirmed or rejected expires after so many hours (0: never).
    award_pending_hours: int = Field(default=72, ge=0)
    # Triage: below this confidence (0-1) the staff card says the category is a guess and offers
    # one-tap category buttons; a community may set its own (triage_threshold in CATEGORIES_FILE).
    triage_threshold: float = Field(default=0.5, ge=0, le=1)
    # Where the triage model trained from the shipped corpus is cached (default ~/.cache/linli).
    triage_cache_dir: Path | None = None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("must be comma-separated Telegram user ids, e.g. 12345,67890") from exc
        return value

    @field_validator("volunteer_skills", mode="before")
    @classmethod
    def _parse_skills(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(s.strip() for s in value.replace("，", ",").split(",") if s.strip())
        return value

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("telegram_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("categories_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("categories_file")
    @classmethod
    def _check_categories_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            if not value.is_file():
                raise ValueError(f"no such file: {value}")
            load_catalogs(value)  # a wrong field or value stops the start with a one-line message
        return value

    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
