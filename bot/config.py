"""Settings, read from the environment and `.env` (pydantic-settings).

One `Settings` object is built in `main()` and passed down; nothing here runs at import time.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.categories import load_catalogs
from bot.deadlines import Duration
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
    # Delivery at Telegram's rate (bot/outbox/limits.py): messages a second over all chats (Telegram
    # allows 30), and seconds added to every window of the limits, should Telegram's clock and ours
    # ever disagree on a second (a message keeps its place until a window after Telegram answered).
    messages_per_second: int = Field(default=30, ge=1)
    flood_margin_seconds: float = Field(default=0.001, ge=0, le=1)
    # A YAML file that overrides the request categories, deadlines and service hours (see
    # bot/data/categories.yaml), for the deployment and per community.
    categories_file: Path | None = None
    # Which days have those service hours: "every_day", or "workdays" (China's working days:
    # statutory holidays off, 调休 make-up days on; a day deadline then counts working days).
    service_days: Literal["every_day", "workdays"] = "every_day"
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
    # Production. With WEBHOOK_URL set the bot serves Telegram's webhook (and /healthz, /readyz,
    # /metrics) on WEBHOOK_LISTEN:WEBHOOK_PORT instead of polling; Telegram posts to WEBHOOK_URL, which
    # nginx forwards here. WEBHOOK_SECRET is the X-Telegram-Bot-Api-Secret-Token every post must carry.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # At most this many updates Telegram posts at once (setWebhook max_connections, 1-100).
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Updates handled side by side (one at a time per chat and per person, bot/update_order.py);
    # empty: 16 on PostgreSQL, 1 on SQLite (one writer at a time; more only adds waiting).
    update_concurrency: int | None = Field(default=None, ge=1, le=256)
    # On SIGTERM: seconds to finish in-flight updates and deliver what the outbox can, then exit.
    drain_seconds: float = Field(default=10.0, ge=0)
    # Several instances on one PostgreSQL database: one of them sends (and does the timed work); when
    # it dies another takes over within so many seconds.
    sender_takeover_seconds: float = Field(default=5.0, gt=0)
    # One JSON object per log line (for a log collector) instead of plain text.
    log_json: bool = False
    # Volunteer activities (活动). Leaving is allowed until so many minutes before the start; later,
    # the person is told to ask staff (who can remove them).
    activity_leave_cutoff_minutes: int = Field(default=120, ge=0)
    # The check-in QR code works from so many minutes before the start until the end.
    activity_checkin_open_minutes: int = Field(default=30, ge=0)
    # Edits of an activity's group card within this many seconds are merged into one (0: each
    # change edits at once), so a busy sign-up does not use up a group's 20 messages a minute.
    activity_card_edit_seconds: float = Field(default=15.0, ge=0)
    # After this many no-shows (0: never) within the last so many days, a person cannot sign up
    # for activities for so many days after the last one, and is told why.
    activity_no_show_limit: int = Field(default=3, ge=0)
    activity_no_show_days: int = Field(default=90, ge=1)
    activity_barred_days: int = Field(default=30, ge=1)
    # Schedules (reminders, activity reminders, housekeeping): how often due ones are looked for,
    # in seconds; ...
    schedule_tick_seconds: float = Field(default=20.0, gt=0)
    # ... a fire missed while the bot was down still happens if it is at most this late (only the
    # latest one; older ones are recorded as skipped), ...
    schedule_grace_seconds: int = Field(default=3600, ge=0)
    # ... and a fire whose handler fails is retried at later ticks, at most this many times in all.
    schedule_max_attempts: int = Field(default=5, ge=1)
    # Housekeeping (daily, at this local time of DEFAULT_TIMEZONE): processed-update records and sent
    # outbox rows older than so many days are deleted, album parts that never became a request after
    # so many hours.
    housekeeping_time: str = Field(default="04:00", pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")
    retention_days: int = Field(default=30, ge=1)
    album_part_hours: int = Field(default=24, ge=1)
    # 5341 escalations: a request still not done this long after its resolution deadline goes to the
    # super-admins (ADMIN_IDS); 30m, 4h or 1d (a day is 24 hours here).
    escalate_super_after: timedelta = timedelta(hours=24)
    # The daily digest goes to each staff group at this local time (the community's time zone);
    # empty: no digest.
    digest_time: time | None = time(8, 0)
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

    @field_validator(
        "categories_file", "triage_cache_dir", "webhook_secret", "update_concurrency", mode="before"
    )
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

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// URL (Telegram posts only to HTTPS)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET must be set with WEBHOOK_URL, so only Telegram can post updates")
        return self

    def secret(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None

    @field_validator("escalate_super_after", mode="before")
    @classmethod
    def _parse_super_after(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                duration = Duration.parse(value)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
            return timedelta(minutes=duration.minutes, days=duration.days)
        return value

    @field_validator("escalate_super_after")
    @classmethod
    def _check_super_after(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be positive, like 30m, 4h or 1d")
        return value

    @field_validator("digest_time", mode="before")
    @classmethod
    def _parse_digest_time(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                hour, minute = (int(part) for part in value.strip().split(":"))
                return time(hour, minute)
            except ValueError:
                raise ValueError(f"{value!r} is not a time of day like 08:00") from None
        return value

    def concurrency(self) -> int:
        """How many updates are handled at once (UPDATE_CONCURRENCY, or the database's default)."""
        if self.update_concurrency is not None:
            return self.update_concurrency
        return 16 if self.database_url.startswith("postgresql") else 1

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
