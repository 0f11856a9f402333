"""How a message begins, read as people type it (bot/opening.py), and the suggestion for a mistyped
command (bot/commands.py); the behaviour through the bot is in tests/test_typing.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import commands
from bot.opening import fold, read_command, request_body


# -- commands and tags ------------------------------------------------------------------------------
@given(st.text(max_size=40))
def test_folding_keeps_every_position(text: str) -> None:
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "name", "bot", "rest"),
    [
        ("/take 3", "take", None, "3"),
        ("／take ３", "take", None, "３"),
        ("/take３", "take", None, "３"),
        ("/claim12", "claim", None, "12"),
        ("/TAKE@Linli_Bot 3", "take", "linli_bot", "3"),
        ("／ｔａｋｅ　３", "take", None, "３"),
        ("/take，3", "take", None, "3"),
        ("/done 3 灯泡换好了", "done", None, "3 灯泡换好了"),
        ("/request\n３号楼 灯坏了", "request", None, "３号楼 灯坏了"),
        ("/best10", "best10", None, ""),  # not ours: not split into /best 10
        ("/top10", "top", None, "10"),
        ("/tkae 3", "tkae", None, "3"),
    ],
)
def test_a_command_is_read_in_any_form_and_its_arguments_kept_as_written(
    text: str, name: str, bot: str | None, rest: str
) -> None:
    typed = read_command(text)
    assert typed is not None and (typed.name, typed.bot, typed.rest) == (name, bot, rest)


@pytest.mark.parametrize("text", ["hello", "/usr/bin/env", "/ take 3", "/求助 灯坏了", "", "3/4"])
def test_what_does_not_begin_with_a_command_is_not_one(text: str) -> None:
    assert read_command(text) is None


@pytest.mark.parametrize(
    "tag",
    [
        "#求助",
        "＃求助",
        "# 求助",
        "＃ 求助",
        "#求助#",
        "【求助】",
        "【 报修 】",
        "［求助］",
        "[报修]",
        "#help",
        "#HELP",
    ],
)
def test_a_request_tag_in_any_form_leaves_the_text_as_written(tag: str) -> None:
    assert request_body(f"{tag} ３号楼 灯坏了") == "３号楼 灯坏了"
    assert request_body(f"{tag}：３号楼 灯坏了") == "３号楼 灯坏了"


@pytest.mark.parametrize("text", ["求助 灯坏了", "#helpful", "【通知】停水", "#今天", "我要#求助"])
def test_text_without_a_leading_request_tag_is_no_request(text: str) -> None:
    assert request_body(text) is None


# -- suggestions -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [("tkae", "take"), ("hepl", "help"), ("strat", "start"), ("confrim", "confirm"), ("clam", "claim")],
)
def test_a_mistyped_command_is_close_to_the_one_meant(typed: str, expected: str) -> None:
    assert commands.suggest(typed, commands.COMMANDS)[0] == expected


def test_nothing_close_is_suggested_for_a_word_far_from_every_command() -> None:
    assert commands.suggest("xyzzy", commands.COMMANDS) == []
    assert (
        commands.suggest(
            "tkae", commands.visible(private=True, volunteer=False, staff=False, super_admin=False)
        )
        == []
    )


def test_every_name_and_alias_of_the_catalogue_is_unique() -> None:
    names = [n for c in commands.COMMANDS for n in c.names]
    assert len(names) == len(set(names))
    assert commands.named("CLAIM") == commands.named("take")
