"""Updates side by side (bot/update_order.py): one chat's and one person's updates in the order they
came, other chats beside them, and the real application filing through it on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.app import build_application
from bot.update_order import ChatOrderedProcessor
from fakebot import FakeRequest, FakeTelegram
from storage.models import Request
from tests.conftest import make_settings
from tests.world import World


def message_update(update_id: int, chat_id: int, user_id: int, chat_type: str = "group") -> Update:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "group"
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": chat,
                "from": {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"},
                "text": "hi",
            },
        },
        None,
    )


class Recorder:
    """Handles updates by noting when each starts and ends, holding each until it is released."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.gates: dict[int, asyncio.Event] = {}

    async def handle(self, update: Update) -> None:
        self.log.append(f"start {update.update_id}")
        gate = self.gates.setdefault(update.update_id, asyncio.Event())
        await gate.wait()
        self.log.append(f"end {update.update_id}")

    def release(self, update_id: int) -> None:
        self.gates.setdefault(update_id, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_one_groups_updates_wait_for_each_other_and_other_groups_run_beside_them() -> None:
    processor = ChatOrderedProcessor(4)
    recorder = Recorder()
    updates = [message_update(1, -100, 1), message_update(2, -100, 2), message_update(3, -200, 3)]
    tasks = [asyncio.create_task(processor.process_update(u, recorder.handle(u))) for u in updates]
    await settle()
    assert recorder.log == ["start 1", "start 3"]  # 2 waits for 1 (same group); 3 does not
    recorder.release(3)
    recorder.release(2)
    await settle()
    assert recorder.log == ["start 1", "start 3", "end 3"]  # 2 still waits, though released
    recorder.release(1)
    await asyncio.gather(*tasks)
    assert recorder.log == ["start 1", "start 3", "end 3", "end 1", "start 2", "end 2"]
    assert len(processor.locks) == 0


async def test_one_persons_updates_in_two_chats_are_handled_in_the_order_they_came() -> None:
    processor = ChatOrderedProcessor(4)
    recorder = Recorder()
    in_group, in_private = message_update(1, -100, 7), message_update(2, 7, 7, "private")
    tasks = [
        asyncio.create_task(processor.process_update(u, recorder.handle(u))) for u in (in_group, in_private)
    ]
    await settle()
    assert recorder.log == ["start 1"]
    recorder.release(2)
    recorder.release(1)
    await asyncio.gather(*tasks)
    assert recorder.log == ["start 1", "end 1", "start 2", "end 2"]


async def test_no_more_updates_run_at_once_than_the_processor_allows() -> None:
    processor = ChatOrderedProcessor(2)
    recorder = Recorder()
    updates = [message_update(i, -100 * i, i) for i in range(1, 5)]
    tasks = [asyncio.create_task(processor.process_update(u, recorder.handle(u))) for u in updates]
    await settle()
    assert recorder.log == ["start 1", "start 2"]
    for update in updates:
        recorder.release(update.update_id)
    await asyncio.gather(*tasks)
    assert sorted(recorder.log) == sorted([f"{e} {i}" for i in range(1, 5) for e in ("start", "end")])


@pytest.mark.parametrize(
    ("url", "given", "expected"),
    [
        ("sqlite+aiosqlite:///data/x.db", None, 1),
        ("postgresql+asyncpg://postgres@127.0.0.1/x", None, 16),
        ("sqlite+aiosqlite:///data/x.db", 4, 4),
    ],
)
def test_the_application_handles_as_many_updates_at_once_as_the_database_suits(
    url: str, given: int | None, expected: int
) -> None:
    fake = FakeTelegram()
    settings = make_settings(url, telegram_bot_token=fake.token, update_concurrency=given)
    app = build_application(settings, request=FakeRequest(fake))
    assert isinstance(app.update_processor, ChatOrderedProcessor)
    assert app.update_processor.max_concurrent_updates == expected


@pytest.mark.settings(update_concurrency=8)
async def test_requests_filed_at_once_in_several_groups_are_each_filed_once_and_answered_in_order(
    world: World,
) -> None:
    groups = [await world.community_group(f"{b}号楼", "幸福里") for b in range(1, 4)]
    staff = await world.community_group("工作群", "幸福里", staff=True)
    people = [world.person(f"居民{i}") for i in range(6)]
    for i, person in enumerate(people):
        for n in range(3):
            world.fake.send_text(person, groups[i % 3], f"#求助 {i % 3 + 1}号楼 第{n + 1}件事 水管漏水")
    data = (await world.fake.handle("getUpdates", {"offset": world.bot._offset, "timeout": 0}))["result"]
    world.bot._offset = max(d["update_id"] for d in data) + 1
    app = world.bot.application
    updates = [Update.de_json(d, app.bot) for d in data]
    # All at once through the application's processor, as its update fetcher hands them over.
    await asyncio.gather(*(app.update_processor.process_update(u, app.process_update(u)) for u in updates))
    await world.bot.settle()

    async with world.bot.deps.uow() as uow:
        filed = list((await uow.session.execute(select(Request).order_by(Request.number))).scalars())
    assert [r.number for r in filed] == list(range(1, 19))  # 18 requests, numbered without a gap
    assert len({(r.source_chat_id, r.source_message_id) for r in filed}) == 18
    for group in groups:
        # Each group's cards answer its messages, in the order they were written.
        written = [d["message"]["message_id"] for d in data if d["message"]["chat"]["id"] == group.id]
        answered = [m.reply_to.message_id for m in world.fake.bot_messages(group) if m.reply_to is not None]
        assert [n for n in answered if n in written] == written and len(written) == 6
    assert len([m for m in world.fake.bot_messages(staff) if "第" in (m.text or "")]) == 18
