"""The outbox sender: delivers committed rows at least once, per chat, within Telegram's limits.

- Woken right after a commit that queued rows, and every `poll_seconds` for retries and restarts.
- One worker per chat, in row order: a busy group never delays a private chat or another group.
  Rate limits (30/s overall, 20/min per group) are `bot/outbox/limits.py`: sliding windows of what
  was sent, the overall one served by row priority, so an urgent row goes ahead of a broadcast's
  bulk rows queued in other chats; chats with only bulk rows get `bulk_workers` workers at a
  time, so a broadcast to 2,000 groups does not crowd the database. Each private
  chat is paced here, Telegram's "about one message a second per chat": a message waits until
  `private_interval` after Telegram answered the previous one to that chat (injected clock and
  sleep), so a flow that answers with two or three messages in a row spaces them instead of
  meeting a 429, and no other chat waits for it. Edits are not paced here (the flood limiter
  counts them). The pacing is per process:
  with several instances, two could still write to one person within the same second.
- A row is marked sent only after Telegram answered; a crash in that window repeats that one message.
- RetryAfter is waited out; network errors and timeouts are retried with backoff.
- Forbidden marks the person unreachable and falls back to a mention in a group; a kicked bot
  deactivates the group; a migrated group is followed to its supergroup.
- Cards are rendered from the current state when sent, so a late retry never shows an older state.
  Only the newest copy of a card in a chat keeps its buttons: posting a copy queues an edit that
  takes them off the older one. An edit of a message that is gone is dropped quietly.
- Command menus (rows of kind "menu", bot/menus.py) are decided when sent, the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChatAdministrators,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import menus, qr
from bot.menus import MenuSetting
from bot.outbox.cards import CardRenderer, RenderedCard
from bot.outbox.lease import SenderLease
from bot.outbox.limits import FloodLimiter
from storage.clock import Clock
from storage.models import OutboxMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# While commits keep waking the loop (a burst of filings, a flow answering many people), it looks
# for newly due chats at most this often: the look is a query, and the rows of a chat that already
# has a worker are picked up by that worker anyway. A commit after a quiet moment is looked at once.
DISPATCH_GAP_SECONDS = 0.05
TAKEOVER_LOOKBACK = timedelta(seconds=61)  # Telegram's longest window (a group's minute) and a margin

EDITS = ("edit_card", "drop_buttons")
# Telegram's answers to an edit of a message that is not there (any more) or cannot be edited.
EDIT_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")

Sleep = Callable[[float], Awaitable[None]]
MenuFunction = Callable[[UnitOfWork, int], Awaitable[list[MenuSetting]]]


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds."""
    with warnings.catch_warnings():  # PTB 22 announces a switch to timedelta; both are handled
        warnings.simplefilter("ignore")
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def markup(buttons: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b["text"], url=b["url"])
                if "url" in b
                else InlineKeyboardButton(b["text"], callback_data=b["data"])
                for b in row
            ]
            for row in buttons
        ]
    )


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        cards: CardRenderer,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        poll_seconds: float = 5.0,
        max_attempts: int = 10,
        backoff_base: float = 2.0,
        backoff_cap: float = 600.0,
        menus: MenuFunction | None = None,
        private_interval: float = 1.0,
        lease: SenderLease | None = None,
        limiter: FloodLimiter | None = None,
        bulk_workers: int = 64,
        dispatch_gap: float = DISPATCH_GAP_SECONDS,
    ) -> None:
        self.bot = bot
        self.limiter = limiter or FloodLimiter(clock=clock, sleep=sleep)
        self.bulk_workers = bulk_workers
        self.dispatch_gap = dispatch_gap
        self._bulk: set[int] = set()  # chats whose worker was started for bulk rows
        self.menus = menus
        self.sessions = sessions
        self.cards = cards
        self.clock = clock
        self.sleep = sleep
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.private_interval = timedelta(seconds=private_interval)
        self._private_next: dict[int, datetime] = {}  # private chat -> when it may get the next message
        self._wake = asyncio.Event()
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._stopped = False
        self.lease = lease  # several instances: only the holder sends (None: this one always does)

    # -- life cycle ---------------------------------------------------------------------------
    def wake(self) -> None:
        """Called after a commit that queued rows: deliver them now, not at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name="outbox-sender")

    async def stop(self, grace: float = 1.0) -> None:
        """Stop delivering; undelivered rows stay pending for the next start.

        Workers finish the row in hand (a database call cut off by cancellation leaves its
        connection in a bad state); only what is still waiting after `grace` seconds, such as
        a rate-limit or RetryAfter wait, is cancelled.
        """
        self._stopped = True
        self._wake.set()
        tasks = [t for t in [self._loop_task, *self._workers.values()] if t is not None and not t.done()]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._loop_task = None
        self._workers.clear()
        if self.lease is not None:
            await self.lease.release()  # another instance takes over at once

    @property
    def alive(self) -> bool:
        """The delivery loop is running (readiness: a bot whose sender died answers but never posts)."""
        return self._loop_task is not None and not self._loop_task.done() and not self._stopped

    async def flush(self, seconds: float) -> int:
        """On shutdown: deliver what is due within `seconds`, without cancelling a worker
        mid-row (`stop` then deals with what is left, which stays pending for the next start).
        Returns how many rows are still pending."""
        deadline = asyncio.get_running_loop().time() + seconds
        while not self._stopped:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            await self.dispatch()
            busy = [t for t in self._workers.values() if not t.done()]
            if not busy:
                break
            await asyncio.wait(busy, timeout=left)
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            return await uow.outbox.pending_count()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        last = -math.inf
        while not self._stopped:
            # A burst of commits is looked at once per gap (wall time: this paces a query, not
            # anything a person sees by the clock).
            await asyncio.sleep(max(0.0, last + self.dispatch_gap - loop.time()))
            if self._stopped:  # stop() during the gap: its wake-up is not to be cleared below
                break
            last = loop.time()
            self._wake.clear()
            try:
                if await self._leading():
                    if await self.dispatch():  # bulk chats wait for a worker: one that ends wakes the loop
                        timeout = self.poll_seconds
                    else:
                        timeout = await self._seconds_to_next_due()
                else:  # another instance sends; try again later (it may have died)
                    timeout = self.poll_seconds
            except Exception:  # the database may be briefly unavailable; keep the loop alive
                log.exception("outbox dispatch failed; retrying")
                timeout = self.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    @property
    def leads(self) -> bool:
        """This instance is the sender (the one doing timed work too), as last checked."""
        return self.lease is None or self.lease.held

    async def _leading(self) -> bool:
        if self.lease is None:
            return True
        was = self.lease.held
        leads = await self.lease.hold()
        if leads and not was:
            await self._take_over_windows()
        return leads

    async def _take_over_windows(self) -> None:
        """Taking over from an instance that just stopped or died: what it sent in the last minute
        still counts in Telegram's windows (30 a second overall, 20 a minute per group, about one a
        second per private chat). Those sends are read from the outbox and counted here first.

        A row the other instance had in hand when it died is still pending, though Telegram may
        have just received it: a private chat with a due row therefore gets its next message no
        sooner than `private_interval` from now (the repeat then meets no 429)."""
        now = self.clock()
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            recent = await uow.outbox.sent_since(now - TAKEOVER_LOOKBACK)
            waiting = await uow.outbox.due_chats(now) if self.private_interval else []
        self.limiter.seed(recent)
        if self.private_interval:
            in_hand = [(chat_id, now) for chat_id in waiting]
            for chat_id, at in [*recent, *in_hand]:
                due, paced = at + self.private_interval, self._private_next.get(chat_id)
                if chat_id > 0 and due > now and (paced is None or due > paced):
                    self._private_next[chat_id] = due
        log.info("taking over sending: %s messages of the last minute counted", len(recent))

    async def _seconds_to_next_due(self) -> float:
        """How long the loop may sleep: until the next row that no running worker will pick up."""
        busy = [chat for chat, task in self._workers.items() if not task.done()]
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            due = await uow.outbox.next_due_time(exclude_chats=busy)
        if due is None:
            return self.poll_seconds
        return min(self.poll_seconds, max(0.0, (due - self.clock()).total_seconds()))

    # -- dispatch -----------------------------------------------------------------------------
    async def dispatch(self) -> bool:
        """Start a worker for every chat that has a due row and no worker yet. Chats with only bulk
        rows (priority below 0: a broadcast's) get `bulk_workers` at a time, enough to keep
        Telegram's 30 a second busy: 2,000 of them at once would crowd the database's connections
        and hold up a private message behind their queries. True when some are left waiting."""
        if self._stopped or not await self._leading():
            return False
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            chats = await uow.outbox.due_chats_by_priority(self.clock())
        bulk_busy = sum(1 for chat in self._bulk if chat in self._workers and not self._workers[chat].done())
        waiting = False
        for chat_id, priority in chats:
            worker = self._workers.get(chat_id)
            if worker is None or worker.done():
                if priority < 0:
                    if bulk_busy >= self.bulk_workers:
                        waiting = True
                        continue
                    bulk_busy += 1
                    self._bulk.add(chat_id)
                self._workers[chat_id] = asyncio.create_task(
                    self._drain_chat(chat_id), name=f"outbox-{chat_id}"
                )
        return waiting

    async def drain(self, *, rounds: int = 1000) -> None:
        """Deliver everything that is due now and wait for it (tests, the demo, shutdown)."""
        for _ in range(rounds):
            if self._stopped or not await self._leading():
                return  # stopped, or another instance sends
            await self.dispatch()
            busy = [t for t in self._workers.values() if not t.done()]
            if not busy:
                async with UnitOfWork(self.sessions, clock=self.clock) as uow:
                    if not await uow.outbox.due_chats(self.clock()):
                        return
                continue
            await asyncio.gather(*busy, return_exceptions=True)
        raise RuntimeError("outbox did not drain")

    async def _drain_chat(self, chat_id: int) -> None:
        try:
            while not self._stopped:
                async with UnitOfWork(self.sessions, clock=self.clock) as uow:
                    row = await uow.outbox.head_of_chat(chat_id)
                if row is None or row.next_attempt_at > self.clock():
                    return  # empty, or waiting for a retry: later rows keep their order behind it
                if row.kind not in EDITS:
                    await self._pace(chat_id)
                await self.deliver(row.id)
        except Exception:
            log.exception("outbox worker for chat %s failed", chat_id)
        finally:
            self._bulk.discard(chat_id)
            due = self._private_next.get(chat_id)
            if due is not None and due <= self.clock():
                del self._private_next[chat_id]  # nothing to wait for: keep the map small
            self._wake.set()  # rows may have arrived for this chat while it was finishing

    # -- pacing of private chats --------------------------------------------------------------
    async def _pace(self, chat_id: int) -> None:
        """Wait until this private chat may get its next message (groups: the flood limiter)."""
        due = self._private_next.get(chat_id)
        if due is not None:
            wait = (due - self.clock()).total_seconds()
            if wait > 0:
                await self.sleep(wait)

    async def _paced_call(
        self, row: OutboxMessage, card: RenderedCard | None, edit_message_id: int | None
    ) -> object:
        """The Telegram call. The next message to a private chat waits `private_interval` from
        Telegram's answer to this one, so however long the call took, they arrive that far apart.
        The flood limiter counts the call from the moment it goes out until a period after the answer."""
        try:
            async with self.limiter.slot(row.chat_id, row.priority):
                return await self._call(row, card, edit_message_id)
        finally:
            if row.chat_id > 0 and row.kind not in EDITS and self.private_interval:
                self._private_next[row.chat_id] = self.clock() + self.private_interval

    # -- one row ------------------------------------------------------------------------------
    async def deliver(self, row_id: int) -> None:
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            row = await uow.outbox.get(row_id)
            if row is None or row.status != "pending":
                return
            card: RenderedCard | None = None
            edit_message_id: int | None = None
            settings: list[MenuSetting] | None = None
            if row.kind == menus.KIND:
                if self.menus is None:
                    row.status, row.last_error = "skipped", "this sender sets no menus"
                    await uow.commit()
                    return
                settings = await self.menus(uow, row.chat_id)
            if row.kind in ("card", "edit_card"):
                assert row.card_kind is not None and row.card_ref is not None
                card = await self.cards.render(uow, row.card_kind, row.card_ref, row.chat_id)
                if row.kind == "edit_card":
                    posted = await uow.outbox.find_card(row.card_kind, row.card_ref, row.chat_id)
                    edit_message_id = posted.message_id if posted else None
                    if card is not None and posted is not None and posted.content_hash == card.content_hash:
                        row.status, row.sent_at = "sent", self.clock()  # already shows exactly this
                        await uow.commit()
                        return
                if card is None or (row.kind == "edit_card" and edit_message_id is None):
                    row.status, row.last_error = "skipped", "card is gone or was never posted"
                    await uow.commit()
                    return
        try:
            message = await (
                self._set_menus(settings)
                if settings is not None
                else self._paced_call(row, card, edit_message_id)
            )
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            log.warning("Telegram asked to wait %.1fs before writing to chat %s", seconds, row.chat_id)
            await self.sleep(seconds)
            self._private_next.pop(row.chat_id, None)  # that wait was the pacing: retry at once
        except ChatMigrated as exc:
            await self._follow_migration(row.chat_id, exc.new_chat_id)
        except Forbidden as exc:
            await self._unreachable(row.id, str(exc))
        except BadRequest as exc:
            error = exc.message.lower()
            if "message is not modified" in error:
                await self.mark_sent(row.id, edit_message_id, card)
            elif row.kind in EDITS and any(gone in error for gone in EDIT_GONE):
                await self._edit_gone(row.id, str(exc), edit_message_id)
            elif row.kind == "pin" and "not enough rights" in error:
                # a group where the bot may not pin: the broadcast's report counts it; nothing is wrong
                log.info("outbox row %s: the bot may not pin in chat %s", row.id, row.chat_id)
                await self._record_failure(row.id, "failed", str(exc))
            else:
                await self._give_up(row.id, "failed", str(exc))
        except NetworkError as exc:  # includes TimedOut: the message may or may not have arrived
            await self._retry_later(row.id, str(exc))
        except TelegramError as exc:
            await self._give_up(row.id, "failed", str(exc))
        else:
            sent_id = message.message_id if isinstance(message, Message) else edit_message_id
            await self.mark_sent(row.id, sent_id, card)

    async def _call(
        self, row: OutboxMessage, card: RenderedCard | None, edit_message_id: int | None
    ) -> object:
        text = card.text if card is not None else row.text or ""
        buttons = markup(card.buttons if card is not None else row.buttons)
        if row.kind == "edit_card":
            assert edit_message_id is not None
            return await self.bot.edit_message_text(
                chat_id=row.chat_id, message_id=edit_message_id, text=text, reply_markup=buttons
            )
        if row.kind == "drop_buttons":
            assert row.target_message_id is not None
            return await self.bot.edit_message_reply_markup(
                chat_id=row.chat_id, message_id=row.target_message_id, reply_markup=None
            )
        if row.kind == "pin":  # a broadcast pinned where it was delivered
            assert row.target_message_id is not None
            return await self.bot.pin_chat_message(
                chat_id=row.chat_id, message_id=row.target_message_id, disable_notification=True
            )
        reply = (
            ReplyParameters(row.reply_to_message_id, allow_sending_without_reply=True)
            if row.reply_to_message_id
            else None
        )
        if row.kind == "media":
            return await self._send_media(row, text, buttons, reply)
        return await self.bot.send_message(
            chat_id=row.chat_id, text=text, reply_markup=buttons, reply_parameters=reply
        )

    async def _set_menus(self, settings: list[MenuSetting]) -> None:
        """setMyCommands (or deleteMyCommands) for each scope and language; repeating them is harmless."""
        for setting in settings:
            scope: BotCommandScope
            if setting.scope == "chat_administrators":
                assert setting.chat_id is not None
                scope = BotCommandScopeChatAdministrators(setting.chat_id)
            elif setting.scope == "all_group_chats":
                scope = BotCommandScopeAllGroupChats()
            else:
                scope = BotCommandScopeAllPrivateChats()
            language = setting.language_code or None
            if setting.entries:
                await self.bot.set_my_commands(
                    [BotCommand(name, text) for name, text in setting.entries],
                    scope=scope,
                    language_code=language,
                )
            else:
                await self.bot.delete_my_commands(scope=scope, language_code=language)

    async def _send_media(
        self,
        row: OutboxMessage,
        caption: str,
        buttons: InlineKeyboardMarkup | None,
        reply: ReplyParameters | None,
    ) -> Message:
        """A photo, voice note, video or document sent again by the file id Telegram gave it; a QR
        code (media_kind "qr": `file_id` holds the link it encodes) drawn now and uploaded; a text
        file the bot made (media_kind "upload": `attachment`, named `file_id`) uploaded as a document."""
        file_id = row.file_id or ""
        common: dict[str, Any] = {"chat_id": row.chat_id, "reply_markup": buttons, "reply_parameters": reply}
        if row.media_kind == "qr":
            image = InputFile(qr.png(file_id), filename="code.png")
            return await self.bot.send_photo(photo=image, caption=caption or None, **common)
        if row.media_kind == "upload":  # a file the bot made (a CSV sheet); `file_id` is its name
            upload = InputFile((row.attachment or "").encode("utf-8-sig"), filename=file_id or "file.txt")
            return await self.bot.send_document(document=upload, caption=caption or None, **common)
        if row.media_kind == "photo":
            return await self.bot.send_photo(photo=file_id, caption=caption or None, **common)
        if row.media_kind == "voice":
            return await self.bot.send_voice(voice=file_id, caption=caption or None, **common)
        if row.media_kind == "video":
            return await self.bot.send_video(video=file_id, caption=caption or None, **common)
        return await self.bot.send_document(document=file_id, caption=caption or None, **common)

    async def mark_sent(self, row_id: int, message_id: int | None, card: RenderedCard | None = None) -> None:
        """Only after Telegram confirmed: a crash before this commit repeats the message, never loses it."""
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            row = await uow.outbox.get(row_id)
            if row is None:
                return
            row.status, row.sent_at, row.sent_message_id = "sent", self.clock(), message_id
            if card is not None and message_id is not None:
                assert row.card_kind is not None and row.card_ref is not None
                older = await uow.outbox.remember_card(
                    row.card_kind,
                    row.card_ref,
                    row.chat_id,
                    message_id,
                    card.content_hash,
                    has_buttons=bool(card.buttons),
                )
                if older is not None:  # the buttons now live on the new copy only
                    await uow.outbox.add(
                        dedupe_key=f"drop:{row.chat_id}:{older}:{message_id}",
                        chat_id=row.chat_id,
                        kind="drop_buttons",
                        target_message_id=older,
                    )
            await uow.commit()

    async def _edit_gone(self, row_id: int, error: str, card_message_id: int | None) -> None:
        """The message to edit was deleted (or can no longer be edited): nothing to do; a card
        whose message is gone is forgotten, so later changes do not try it again."""
        log.info("outbox row %s: nothing to edit (%s)", row_id, error)
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            row = await uow.outbox.get(row_id)
            if row is None:
                return
            row.status, row.last_error = "skipped", error
            if card_message_id is not None and row.card_kind is not None and row.card_ref is not None:
                await uow.outbox.forget_card(row.card_kind, row.card_ref, row.chat_id, card_message_id)
            await uow.commit()

    async def _retry_later(self, row_id: int, error: str) -> None:
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            row = await uow.outbox.get(row_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error
            if row.attempts >= self.max_attempts:
                row.status = "failed"
                log.error("giving up on outbox row %s after %s attempts: %s", row_id, row.attempts, error)
            else:
                delay = min(self.backoff_cap, self.backoff_base * 2 ** (row.attempts - 1))
                row.next_attempt_at = self.clock() + timedelta(seconds=delay * random.uniform(0.8, 1.2))
                log.warning("outbox row %s: %s; retry %s in %.0fs", row_id, error, row.attempts, delay)
            await uow.commit()

    async def _give_up(self, row_id: int, status: str, error: str) -> None:
        log.error("outbox row %s not delivered: %s", row_id, error)
        await self._record_failure(row_id, status, error)

    async def _record_failure(self, row_id: int, status: str, error: str) -> None:
        async with UnitOfWork(self.sessions, clock=self.clock) as uow:
            row = await uow.outbox.get(row_id)
            if row is not None:
                row.status, row.last_error = status, error
                await uow.commit()

    async def _unreachable(self, row_id: int, error: str) -> None:
        """The person never started the bot or blocked it, or the bot left the group."""
        async with UnitOfWork(self.sessions, clock=self.clock, on_commit=self.wake) as uow:
            row = await uow.outbox.get(row_id)
            if row is None:
                return
            row.status, row.last_error = "undeliverable", error
            if row.recipient_user_id is not None:
                user = await uow.users.get(row.recipient_user_id)
                if user is not None:
                    if "blocked" in error.lower():
                        user.blocked = True
                    else:
                        user.started = False
            if row.chat_id < 0:
                chat = await uow.chats.find_by_telegram_id(row.chat_id)
                if chat is not None:
                    chat.active = False
            if row.fallback_chat_id is not None and row.fallback_text:
                await uow.outbox.add(
                    dedupe_key=f"{row.dedupe_key}:fb",
                    chat_id=row.fallback_chat_id,
                    text=row.fallback_text,
                    template=row.template if row.kind == "send" else None,
                )
            await uow.commit()
        log.info("outbox row %s undeliverable (%s)", row_id, error)

    async def _follow_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        async with UnitOfWork(self.sessions, clock=self.clock, on_commit=self.wake) as uow:
            await uow.chats.migrate(old_chat_id, new_chat_id)
            await uow.outbox.move_chat(old_chat_id, new_chat_id)
            await uow.commit()
        self.wake()
        log.info("chat %s became supergroup %s", old_chat_id, new_chat_id)
