"""What became of a broadcast: the delivery report to its sender, and 置顶 (pin it in the groups).

The sweep looks at broadcasts being sent: once none of their rows is pending, the sender of the
broadcast is told how many groups got it and why the others did not (the bot was removed, the
group is gone, Telegram refused), and how many had become supergroups and got it there (the outbox
follows a migration to the new chat id). The report is queued in the same transaction that marks
the broadcast done, so it comes once. Its 置顶 button queues a pin of each delivered copy (bulk
priority too); a group where the bot may not pin is counted, not retried, and reported the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.services.broadcasts.notice import BULK, staff_broadcast
from bot.services.shared import messages
from bot.services.shared.actors import user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button, Keyboard
from bot.services.shared.runner import Outcome, toast
from storage.models import Broadcast, OutboxMessage
from storage.repositories.broadcasts import COPIES
from storage.uow import UnitOfWork

PIN = "bcp"
PINS = ("pin",)
REASONS = ("removed", "not_found", "forbidden", "no_rights", "other")


def reason_of(row: OutboxMessage) -> str:
    """Why Telegram did not take a row, in the words of the report."""
    error = (row.last_error or "").lower()
    if "kicked" in error or "not a member" in error:
        return "removed"
    if "chat not found" in error:
        return "not_found"
    if "rights" in error or "not enough" in error:
        return "no_rights"
    if row.status == "undeliverable":
        return "forbidden"
    return "other"


def tally(rows: list[OutboxMessage]) -> tuple[int, dict[str, int]]:
    """Delivered, and the failures by reason (only those that happened, in REASONS order)."""
    delivered = sum(1 for r in rows if r.status == "sent")
    reasons = Counter(reason_of(r) for r in rows if r.status in ("failed", "undeliverable", "skipped"))
    return delivered, {reason: reasons[reason] for reason in REASONS if reasons[reason]}


def migrated(rows: list[OutboxMessage]) -> int:
    """Copies delivered in a supergroup the group had become (the row's key names the old id)."""
    return sum(1 for r in rows if r.status == "sent" and not r.dedupe_key.endswith(f":{r.chat_id}"))


async def report_finished(uow_factory: Callable[[], UnitOfWork], env: Env) -> int:
    """Broadcasts whose rows are all delivered or failed get their report (and pins theirs), each in
    a transaction of its own. Returns how many reports were queued."""
    async with uow_factory() as uow:
        sending = [b.id for b in await uow.broadcasts.in_status("sending")]
        pinning = [b.id for b in await uow.broadcasts.in_status("done", pin_status="pinning")]
    queued = 0
    for broadcast_id in sending:
        async with uow_factory() as uow:
            if await uow.broadcasts.pending_rows(broadcast_id, COPIES):
                continue
            if not await uow.broadcasts.move(broadcast_id, "sending", "done"):
                continue
            item = await uow.broadcasts.get(broadcast_id)
            assert item is not None
            await uow.session.refresh(item)
            rows = await uow.broadcasts.rows(broadcast_id, COPIES)
            delivered, reasons = tally(rows)
            buttons = None
            if delivered:
                sender = await uow.users.get(item.created_by)
                assert sender is not None
                label = env.renderer.label(user_locale(env, sender), "broadcast_pin")
                buttons = [[Button(label, callbacks.encode(PIN, item.id))]]
            await _tell_sender(
                uow,
                env,
                item,
                "report",
                "broadcasts/report",
                buttons=buttons,
                delivered=delivered,
                failed=sum(reasons.values()),
                reasons=reasons,
                migrated=migrated(rows),
            )
            await uow.commit()
            queued += 1
    for broadcast_id in pinning:
        async with uow_factory() as uow:
            if await uow.broadcasts.pending_rows(broadcast_id, PINS):
                continue
            if not await uow.broadcasts.move_pin(broadcast_id, "pinning", "pinned"):
                continue
            item = await uow.broadcasts.get(broadcast_id)
            assert item is not None
            pinned, reasons = tally(await uow.broadcasts.rows(broadcast_id, PINS))
            await _tell_sender(
                uow,
                env,
                item,
                "pinned",
                "broadcasts/pinned",
                pinned=pinned,
                failed=sum(reasons.values()),
                reasons=reasons,
            )
            await uow.commit()
            queued += 1
    return queued


async def _tell_sender(
    uow: UnitOfWork,
    env: Env,
    item: Broadcast,
    what: str,
    template: str,
    *,
    buttons: Keyboard | None = None,
    **context: Any,
) -> None:
    """In private, or where they asked when the bot cannot write to them there."""
    sender = await uow.users.get(item.created_by)
    assert sender is not None
    fallback = item.chat_id if item.chat_id < 0 else None
    await messages.tell(
        uow,
        env,
        f"bc{item.id}:{what}",
        sender,
        template,
        fallback_chat_id=fallback,
        buttons=buttons,
        **context,
    )


async def pin_button(uow: UnitOfWork, env: Env, inc: Incoming, broadcast_id: int) -> Outcome:
    """置顶 under the report: a pin of every delivered copy, once."""
    actor, item = await staff_broadcast(uow, env, inc, broadcast_id)
    if item.status != "done":
        raise Refused("common/button_expired")
    if not await uow.broadcasts.move_pin(item.id, None, "pinning"):
        raise Refused("broadcasts/pin_already")
    copies = [
        r for r in await uow.broadcasts.rows(item.id, COPIES) if r.status == "sent" and r.sent_message_id
    ]
    for row in copies:
        await uow.outbox.add(
            dedupe_key=f"bc{item.id}:pin:{row.chat_id}",
            chat_id=row.chat_id,
            kind="pin",
            target_message_id=row.sent_message_id,
            priority=BULK,
            broadcast_id=item.id,
        )
    return toast(env, actor, "broadcasts/pinning", groups=len(copies))
