"""Housekeeping on the schedule mechanism: planned once at start, daily, pruning what is no longer needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.schedule import housekeeping
from bot.services.schedule.tick import tick
from bot.services.shared.runner import Deps
from bot.when import Rule
from storage.models import OutboxMessage, ProcessedUpdate, RequestMedia, Schedule, User
from storage.uow import UnitOfWork
from tests.conftest import Clock
from tests.test_schedule_tick import make_deps

START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
FIRST_RUN = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # 04:00 on the 23rd in Shanghai


@pytest.fixture
async def deps(engine: AsyncEngine, database_url: str, clock: Clock) -> Deps:
    return make_deps(engine, database_url, clock)


async def test_housekeeping_is_planned_once_however_often_the_bot_starts(deps: Deps, clock: Clock) -> None:
    first = await housekeeping.plan_daily(deps.uow, deps.env)
    clock.advance(3600)
    again = await housekeeping.plan_daily(deps.uow, deps.env)
    assert first == again
    async with deps.uow() as uow:
        schedule = await uow.schedules.get(first)
        assert schedule is not None
        assert schedule.due_at is not None
        assert schedule.due_at.astimezone(UTC).hour == 20  # 04:00 Asia/Shanghai


async def test_a_new_housekeeping_time_replaces_the_planned_one(
    engine: AsyncEngine, database_url: str, clock: Clock
) -> None:
    first = await housekeeping.plan_daily(
        make_deps(engine, database_url, clock).uow, make_deps(engine, database_url, clock).env
    )
    moved = make_deps(engine, database_url, clock, housekeeping_time="05:30")
    assert await housekeeping.plan_daily(moved.uow, moved.env) == first
    async with moved.uow() as uow:
        schedule = await uow.schedules.get(first)
        assert schedule is not None and schedule.due_at is not None
        assert (schedule.due_at.hour, schedule.due_at.minute) == (21, 30)


async def draft(uow: UnitOfWork, key: str) -> None:
    rule = Rule.once(uow.clock() + timedelta(days=60))
    await uow.schedules.put(
        kind="reminder", key=key, tz="Asia/Shanghai", rule=rule.spec, due_at=None,
        community_id=None, payload={}, created_by=None, draft=True,
    )  # fmt: skip


async def _seed(deps: Deps, clock: Clock) -> None:
    """Rows of every age: stamped by the clock as it was then."""
    async with deps.uow() as uow:
        uow.session.add(User(telegram_id=7, first_name="老王"))
        await uow.commit()
    for age_days, label in ((40, "old"), (2, "new")):
        clock.now = START - timedelta(days=age_days)
        async with deps.uow() as uow:
            user = (await uow.session.execute(select(User))).scalar_one()
            uow.session.add(ProcessedUpdate(update_id=age_days, kind="message"))
            await draft(uow, f"draft-{label}")  # a /remind nobody confirmed
            await uow.outbox.add(dedupe_key=f"{label}:sent", chat_id=1, text="x")
            await uow.outbox.add(dedupe_key=f"{label}:pending", chat_id=1, text="x")
            uow.session.add(
                RequestMedia(
                    chat_id=1, media_group_id=f"{label}-album", kind="photo", file_id="f", added_by_id=user.id
                )
            )
            uow.session.add(
                RequestMedia(chat_id=1, media_group_id=None, kind="photo", file_id="g", added_by_id=user.id)
            )
            await uow.session.flush()
            sent = await uow.outbox.find_by_key(f"{label}:sent")
            assert sent is not None
            sent.status, sent.sent_at = "sent", clock.now
            await uow.commit()
    async with deps.uow() as uow:  # an album part and a draft from an hour ago
        user = (await uow.session.execute(select(User))).scalar_one()
        clock.now = START - timedelta(hours=1)
        uow.session.add(
            RequestMedia(chat_id=1, media_group_id="recent", kind="photo", file_id="h", added_by_id=user.id)
        )
        await draft(uow, "draft-recent")
        await uow.commit()


async def test_the_daily_housekeeping_prunes_old_records_sent_rows_and_stray_album_parts(
    deps: Deps, clock: Clock
) -> None:
    await _seed(deps, clock)
    clock.now = START
    await housekeeping.plan_daily(deps.uow, deps.env)
    handlers = housekeeping.fire_handlers(deps.env)
    assert (await tick(deps, handlers)).fired == 0  # not yet 04:00
    clock.now = FIRST_RUN + timedelta(seconds=10)
    assert (await tick(deps, handlers)).fired == 1
    async with deps.uow() as uow:
        updates = (await uow.session.execute(select(ProcessedUpdate.update_id))).scalars().all()
        outbox = (
            await uow.session.execute(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
        ).scalars()
        media = (await uow.session.execute(select(RequestMedia.media_group_id, RequestMedia.file_id))).all()
        drafts = (await uow.session.execute(select(Schedule.key).where(Schedule.draft.is_(True)))).scalars()
    assert list(updates) == [2]
    assert list(outbox) == ["old:pending", "new:sent", "new:pending"]
    assert list(drafts) == ["draft-recent"]  # drafts left unconfirmed for more than a day go
    # Album parts waiting more than a day go (40 and 2 days old); one from an hour ago may still be
    # adopted by its captioned part; a photo that is no album part is not housekeeping's to remove.
    assert sorted(media, key=str) == [("recent", "h"), (None, "g"), (None, "g")]
    clock.advance(3600)
    assert (await tick(deps, handlers)).fired == 0  # once a day
