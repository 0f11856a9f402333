"""The MemberDirectory over getChatMember: paced, quiet after a 429, Telegram's errors as answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import ChatMember
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.member_directory import TelegramMemberDirectory
from bot.services.community.members import LookupFailed
from fakebot import FakeTelegram
from tests.conftest import Clock, Sleeps

GROUP, USER = -1001, 42


class Bot:
    """Answers getChatMember with what the test queued: a ChatMember's JSON or an error."""

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0
        self._fake = FakeTelegram()
        self._user = self._fake.add_user("Wang", user_id=USER)

    def member(self, status: Any, **changes: Any) -> dict[str, Any]:
        return {**self._fake.state.member_dict(self._user, status), **changes}

    async def get_chat_member(self, chat_id: int, user_id: int, **_: Any) -> ChatMember:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else self.member("member")
        if isinstance(answer, Exception):
            raise answer
        return ChatMember.de_json(answer, None)


def directory(bot: Bot, clock: Clock, sleeps: Sleeps, per_second: float = 10) -> TelegramMemberDirectory:
    return TelegramMemberDirectory(bot, per_second=per_second, clock=clock, sleep=sleeps)  # type: ignore[arg-type]


async def test_calls_are_paced_to_the_rate_however_many_come_at_once(clock: Clock, sleeps: Sleeps) -> None:
    members = directory(Bot(), clock, sleeps, per_second=10)
    answers = await asyncio.gather(*(members.status(GROUP - i, USER) for i in range(4)))
    assert answers == ["member"] * 4
    assert sleeps.calls == pytest.approx([0.1, 0.2, 0.3])
    clock.advance(10)  # the rate, not a backlog, paces what comes later
    await members.status(GROUP, USER)
    assert len(sleeps.calls) == 3


async def test_after_a_flood_wait_nothing_is_asked_until_it_passes(clock: Clock, sleeps: Sleeps) -> None:
    bot = Bot(RetryAfter(7))
    members = directory(bot, clock, sleeps)
    with pytest.raises(LookupFailed):
        await members.status(GROUP, USER)
    clock.advance(6)
    with pytest.raises(LookupFailed):
        await members.status(GROUP, USER)
    assert bot.calls == 1
    clock.advance(2)
    assert await members.status(GROUP, USER) == "member"
    assert bot.calls == 2


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (BadRequest("User not found"), "absent"),
        (BadRequest("PARTICIPANT_ID_INVALID"), "absent"),
        (BadRequest("Chat not found"), "absent"),
        (Forbidden("bot was kicked from the supergroup chat"), "absent"),
    ],
)
async def test_telegram_refusing_to_answer_means_not_in_that_group(
    clock: Clock, sleeps: Sleeps, error: Exception, answer: str
) -> None:
    assert await directory(Bot(error), clock, sleeps).status(GROUP, USER) == answer


@pytest.mark.parametrize("error", [TimedOut(), NetworkError("connection reset")])
async def test_a_timeout_or_network_error_is_a_failed_lookup(
    clock: Clock, sleeps: Sleeps, error: Exception
) -> None:
    with pytest.raises(LookupFailed):
        await directory(Bot(error), clock, sleeps).status(GROUP, USER)


async def test_statuses_are_telegrams_and_restricted_counts_only_while_a_member(
    clock: Clock, sleeps: Sleeps
) -> None:
    bot = Bot()
    bot.answers = [
        bot.member("administrator"),
        bot.member("creator"),
        bot.member("restricted"),
        bot.member("restricted", is_member=False),
        bot.member("kicked"),
        bot.member("left"),
    ]
    members = directory(bot, clock, sleeps, per_second=1000)
    got = [await members.status(GROUP, USER) for _ in range(6)]
    assert got == ["administrator", "creator", "restricted", "left", "kicked", "left"]
