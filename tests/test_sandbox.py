"""`python -m bot sandbox`: an offline chat in the terminal, driven here with scripted input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import Settings
from offline.sandbox import SANDBOX_DATABASE_URL, sandbox, sandbox_database_url
from tests.conftest import make_settings


def type_lines(monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> Callable[[str], str]:
    """input() that returns `lines` one by one, then behaves like Ctrl-D."""
    waiting = list(lines)

    def scripted(prompt: str = "") -> str:
        if not waiting:
            raise EOFError
        return waiting.pop(0)

    monkeypatch.setattr("builtins.input", scripted)
    return scripted


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}")


async def test_switch_persona_ask_for_help_and_press_a_button(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings, tmp_path: Path
) -> None:
    type_lines(monkeypatch, [":as volunteer", ":in private", "/help", "/volunteer", ":press 1", ":quit"])

    assert await sandbox(settings) == 0

    out = capsys.readouterr().out
    assert "first run: setting up 幸福里社区" in out
    assert "✅ 本群已绑定到“幸福里社区”" in out
    assert "you are now 老张" in out
    assert "you are now in 私聊·老张" in out
    assert "居民" in out and "/volunteer —" in out  # /help, by role
    assert "请问怎么称呼您" in out and "[1 老张]" in out
    assert "[私聊·老张] 老张 👆 按下 [老张]" in out
    assert "您住在哪栋楼、哪个单元" in out
    assert "!!" not in out
    assert out.rstrip().endswith("bye")
    assert (tmp_path / "sandbox.db").exists()


async def test_a_second_run_continues_with_the_saved_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    type_lines(monkeypatch, [":in private", "/start", ":quit"])
    assert await sandbox(settings) == 0
    capsys.readouterr()

    type_lines(monkeypatch, ["/whoami", ":as staff", ":in staff", "/approval on"])  # then Ctrl-D
    assert await sandbox(settings) == 0

    out = capsys.readouterr().out
    assert "Welcome back" in out and "first run" not in out
    assert "王阿姨（ID 8000001）" in out and "幸福里社区：居民" in out  # not mistaken for an old update
    assert "“幸福里社区”的新志愿者需要工作人员审核。" in out
    assert "!!" not in out


async def test_sandbox_commands_explain_mistakes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    type_lines(
        monkeypatch, [":as nobody", ":in kitchen", ":press 1", ":press two", ":dance", ":who", ":help", ""]
    )

    assert await sandbox(settings) == 0

    out = capsys.readouterr().out
    assert "who? choose one of: resident (王阿姨), volunteer (老张), staff (李书记)" in out
    assert "where? choose one of: group, staff, private" in out
    assert "no message with buttons in 幸福里3号楼邻里群" in out
    assert "usage: :press N" in out
    assert "unknown sandbox command :dance" in out
    assert "you are 王阿姨 (resident), in 幸福里3号楼邻里群" in out


def test_the_sandbox_keeps_its_own_file_unless_another_database_is_configured() -> None:
    default = Settings.model_fields["database_url"].default
    assert sandbox_database_url(make_settings(default)) == SANDBOX_DATABASE_URL
    elsewhere = "sqlite+aiosqlite:///elsewhere.db"
    assert sandbox_database_url(make_settings(elsewhere)) == elsewhere
