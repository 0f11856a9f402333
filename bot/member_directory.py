"""The `MemberDirectory` the services ask, over the Bot API's getChatMember (wired in bot/app.py).

Paced: calls get slots `1 / per_second` apart (shared by every lookup), waited for with the bot's
sleep. A 429 answers nothing for its retry_after: until then every call fails at once, without
asking Telegram again. Telegram's answers become statuses:

- a ChatMember: its status (restricted only while is_member, else left);
- 400 (user not found, PARTICIPANT_ID_INVALID, chat not found, ...) and 403 (the bot was removed):
  absent, remembered like any answer;
- 429, time-outs, network errors, anything else: `LookupFailed`, nothing remembered.

They are not messages, so the sender's flood limiter does not count them; `per_second` paces them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot, ChatMemberRestricted
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.outbox.sender import Sleep, retry_after_seconds
from bot.services.community.members import LookupFailed
from storage.clock import Clock

log = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds for one getChatMember; the lookup as a whole gives up sooner


class TelegramMemberDirectory:
    def __init__(self, bot: Bot, *, per_second: float, clock: Clock, sleep: Sleep) -> None:
        self._bot = bot
        self._gap = timedelta(seconds=1 / per_second)
        self._clock = clock
        self._sleep = sleep
        self._next_slot: datetime | None = None
        self._quiet_until: datetime | None = None

    async def status(self, chat_id: int, user_id: int) -> str:
        now = self._clock()
        if self._quiet_until is not None and now < self._quiet_until:
            raise LookupFailed("Telegram asked to wait")
        slot = max(now, self._next_slot or now)
        self._next_slot = slot + self._gap
        if slot > now:
            await self._sleep((slot - now).total_seconds())
        try:
            member = await self._bot.get_chat_member(
                chat_id, user_id, read_timeout=TIMEOUT, connect_timeout=TIMEOUT
            )
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            self._quiet_until = self._clock() + timedelta(seconds=seconds)
            raise LookupFailed(f"flood wait of {seconds:g} s") from exc
        except (BadRequest, Forbidden) as exc:
            log.debug("getChatMember %s in %s: %s", user_id, chat_id, exc.message)
            return "absent"
        except TelegramError as exc:  # TimedOut, NetworkError, ChatMigrated, ...
            raise LookupFailed(str(exc)) from exc
        if isinstance(member, ChatMemberRestricted) and not member.is_member:
            return "left"
        return str(member.status)
