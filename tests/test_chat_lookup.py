"""A group looked up by its Telegram id is read once in a unit of work, and again when it may have changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.world import World


def selects_of_chats(world: World) -> list[str]:
    """Every SELECT of the chats table from now on."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM chats" in statement:
            seen.append(statement)

    event.listen(world.bot.application.bot_data.engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def test_a_group_found_twice_in_one_unit_of_work_is_read_once(world: World) -> None:
    group = await world.community_group("幸福里群", "幸福里社区")
    selects = selects_of_chats(world)
    async with world.bot.deps.uow() as uow:
        first = await uow.chats.find_by_telegram_id(group.id)
        again = await uow.chats.find_by_telegram_id(group.id)
    assert first is not None and again is first
    assert len(selects) == 1


async def test_after_a_rollback_the_group_is_read_again(world: World) -> None:
    group = await world.community_group("幸福里群", "幸福里社区")
    selects = selects_of_chats(world)
    async with world.bot.deps.uow() as uow:
        first = await uow.chats.find_by_telegram_id(group.id)
        assert first is not None
        first.title = "改了又撤回"
        await uow.rollback()  # expires what the session held
        after = await uow.chats.find_by_telegram_id(group.id)
        assert after is not None and after.title == "幸福里群"
    assert len(selects) == 2


async def test_a_migrated_group_is_found_by_its_new_id_and_not_by_the_old(world: World) -> None:
    group = await world.community_group("幸福里群", "幸福里社区")
    async with world.bot.deps.uow() as uow:
        assert await uow.chats.find_by_telegram_id(group.id) is not None
        await uow.chats.migrate(group.id, -100_777)
        moved = await uow.chats.find_by_telegram_id(-100_777)
        assert moved is not None and moved.telegram_id == -100_777
        assert await uow.chats.find_by_telegram_id(group.id) is None
