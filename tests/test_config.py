"""Settings: parsing, one-line errors naming the setting, a friendly start, no token in logs."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure

SETTING_NAMES = {name.upper() for name in Settings.model_fields}
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting in the environment and no .env in the working directory."""
    for key in list(os.environ):
        if key.upper() in SETTING_NAMES:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- parsing -------------------------------------------------------------------------------------
def test_defaults_without_any_setting(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.admin_ids == frozenset()
    assert settings.default_locale == "zh_CN"
    assert settings.default_timezone == "Asia/Shanghai"
    assert settings.token() is None
    assert settings.database_url.startswith("sqlite+aiosqlite://")


def test_env_example_as_shipped_is_a_valid_configuration(clean_env: Path) -> None:
    """A newcomer copies .env.example to .env and fills in the token: every line must load as it is,
    empty values included, and name only settings that exist."""
    example = Path(__file__).resolve().parents[1] / ".env.example"
    (clean_env / ".env").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings()
    assert settings.webhook_url is None and settings.webhook_secret is None
    names = {
        line.split("=", 1)[0].strip().lower()
        for line in example.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert names <= set(Settings.model_fields), names - set(Settings.model_fields)


def test_admin_ids_are_read_from_a_comma_separated_list(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 2,3")
    assert load_settings().admin_ids == frozenset({1, 2, 3})


def test_admin_ids_may_be_given_in_code_too(clean_env: Path) -> None:
    assert load_settings(admin_ids="42 ,7").admin_ids == frozenset({7, 42})


def test_settings_are_read_from_dot_env(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_IDS=5\nDEFAULT_LOCALE=en\n", encoding="utf-8"
    )
    settings = load_settings()
    assert settings.token() == TOKEN
    assert settings.admin_ids == frozenset({5})
    assert settings.default_locale == "en"
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)


def test_volunteer_skills_are_read_from_a_list(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOLUNTEER_SKILLS", "维修，电工, 理发")
    assert load_settings().volunteer_skills == ("维修", "电工", "理发")


def test_service_days_are_every_day_unless_set_to_china_working_days(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().service_days == "every_day"
    monkeypatch.setenv("SERVICE_DAYS", "workdays")
    assert load_settings().service_days == "workdays"


def test_the_escalation_delay_and_the_digest_time_are_read_as_people_write_them(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (load_settings().escalate_super_after, load_settings().digest_time) == (
        timedelta(hours=24),
        time(8),
    )
    monkeypatch.setenv("ESCALATE_SUPER_AFTER", "4h")
    monkeypatch.setenv("DIGEST_TIME", "7:30")
    assert (load_settings().escalate_super_after, load_settings().digest_time) == (
        timedelta(hours=4),
        time(7, 30),
    )
    monkeypatch.setenv("ESCALATE_SUPER_AFTER", "2d")
    monkeypatch.setenv("DIGEST_TIME", "")  # no digest
    assert (load_settings().escalate_super_after, load_settings().digest_time) == (timedelta(days=2), None)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "abc"),
        ("ADMIN_IDS", "1,two"),
        ("DATABASE_URL", "mysql://localhost/linli"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus_Mons"),
        ("DEFAULT_LOCALE", "fr"),
        ("LOG_LEVEL", "LOUD"),
        ("TELEGRAM_BASE_URL", "api.telegram.org"),
        ("SERVICE_DAYS", "weekends"),
        ("DIGEST_TIME", "25:00"),
        ("DIGEST_TIME", "eight"),
        ("ESCALATE_SUPER_AFTER", "0h"),
        ("ESCALATE_SUPER_AFTER", "soon"),
    ],
)
def test_an_invalid_setting_gives_one_line_naming_it(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message
    assert "Value error" not in message and "pydantic" not in message


# -- the command line ------------------------------------------------------------------------------
def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k.upper() not in SETTING_NAMES}
    clean.update(env)
    clean["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_without_a_token_explains_how_to_get_one_and_the_sandbox(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "sandbox" in result.stderr
    assert "@BotFather" in result.stderr


def test_run_with_bad_admin_ids_names_the_setting_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", ADMIN_IDS="abc", TELEGRAM_BOT_TOKEN=TOKEN)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ADMIN_IDS" in lines[0]
    assert TOKEN not in result.stderr + result.stdout


# -- the token never reaches a log -----------------------------------------------------------------
@contextmanager
def isolated_logging() -> Iterator[logging.Logger]:
    """Give the test a root logger without handlers; put everything back afterwards."""
    root = logging.getLogger()
    noisy = [logging.getLogger(n) for n in ("httpx", "httpcore", "apscheduler")]
    saved = (root.handlers[:], root.level, [n.level for n in noisy])
    root.handlers = []
    try:
        yield root
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = saved[0], saved[1]
        for logger, level in zip(noisy, saved[2], strict=True):
            logger.setLevel(level)


def log_the_token_everywhere(token: str) -> None:
    url = f"https://api.telegram.org/bot{token}/getUpdates"
    logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
    logging.getLogger("httpx").warning("HTTP Request: POST %s failed", url)
    logging.getLogger("httpcore").debug("send_request_headers.started request=<Request [POST %s]>", url)
    logging.getLogger().info(f"calling {url}")
    logging.getLogger().error("calling %s", url)
    logging.getLogger("telegram.ext").debug("token is %s", token)


def test_the_token_never_reaches_a_handler_installed_before_configure() -> None:
    captured = io.StringIO()
    with isolated_logging() as root:
        handler = logging.StreamHandler(captured)
        root.addHandler(handler)
        configure("DEBUG", TOKEN)
        log_the_token_everywhere(TOKEN)
        handler.flush()
    output = captured.getvalue()
    assert "calling" in output and "<token>" in output  # the lines are there, redacted
    assert TOKEN not in output
    assert "POST https://api.telegram.org/bot<token>/getUpdates failed" in output


def test_the_token_never_reaches_the_default_stderr_log(capsys: pytest.CaptureFixture[str]) -> None:
    with isolated_logging():
        configure("DEBUG", TOKEN)
        log_the_token_everywhere(TOKEN)
    err = capsys.readouterr().err
    assert "calling" in err
    assert TOKEN not in err


def test_httpx_info_lines_are_silenced() -> None:
    captured = io.StringIO()
    with isolated_logging() as root:
        root.addHandler(logging.StreamHandler(captured))
        configure("DEBUG", TOKEN)
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot<x>/getMe")
    assert "HTTP Request" not in captured.getvalue()


def test_the_token_in_an_exception_is_not_logged() -> None:
    captured = io.StringIO()
    with isolated_logging() as root:
        root.addHandler(logging.StreamHandler(captured))
        configure("DEBUG", TOKEN)
        try:
            raise RuntimeError(
                f"Client error '404 Not Found' for url 'https://api.telegram.org/bot{TOKEN}/getMe'"
            )
        except RuntimeError:
            logging.getLogger("bot.app").exception("error while handling an update")
    output = captured.getvalue()
    assert "error while handling an update" in output and "RuntimeError" in output
    assert TOKEN not in output


def test_an_empty_categories_file_setting_means_the_packaged_defaults(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CATEGORIES_FILE", "")
    assert load_settings().categories_file is None


def test_a_wrong_categories_file_stops_the_start_with_one_line_naming_the_field(
    clean_env: Path, tmp_path: Path
) -> None:
    override = tmp_path / "categories.yaml"
    override.write_text("categories:\n  repair:\n    points: -3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(categories_file=str(override))
    assert str(raised.value).startswith("CATEGORIES_FILE: ")
    assert "categories.repair.points" in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(categories_file=str(tmp_path / "missing.yaml"))
