"""Rule 1: a redelivered update (same update_id) changes nothing and sends nothing."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from storage.models import Chat, ProcessedUpdate, User
from tests.world import World


async def count(world: World, model: type, *where: ColumnElement[bool]) -> int:
    async with world.bot.deps.uow() as uow:
        return int(
            (await uow.session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def test_redelivered_help_gets_no_second_answer(world: World) -> None:
    alice = world.person("Alice")
    update = await world.say(alice, world.dm(alice), "/help")
    assert len(world.texts(world.dm(alice))) == 1

    await world.redeliver(update)

    assert len(world.texts(world.dm(alice))) == 1
    assert await count(world, ProcessedUpdate, ProcessedUpdate.update_id == update["update_id"]) == 1


async def test_redelivered_edited_message_is_answered_once(world: World) -> None:
    alice = world.person("Alice")
    sent = await world.say(alice, world.dm(alice), "你好")
    edited = world.fake.edit_text(alice, world.dm(alice), sent["message"]["message_id"], "你好呀")
    await world.pump()
    assert "修改" in world.last(world.dm(alice))
    before = len(world.texts(world.dm(alice)))

    await world.redeliver(edited)

    assert len(world.texts(world.dm(alice))) == before


async def test_redelivered_button_press_changes_nothing_and_is_not_answered_again(world: World) -> None:
    alice = world.person("Alice")
    await world.say(alice, world.dm(alice), "/lang")
    press = await world.press(alice, world.dm(alice), "English")
    assert len(world.fake.callback_answers) == 1
    await world.say(alice, world.dm(alice), "/lang 中文")

    await world.redeliver(press)

    assert len(world.fake.callback_answers) == 1
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(alice.id)
        assert user is not None and user.language == "zh_CN"  # the old press did not switch it back


async def test_redelivered_bot_added_to_group_greets_once(world: World) -> None:
    chat = world.fake.add_group("3号楼邻里群")
    added = world.fake.add_bot_to_group(world.admin, chat)
    await world.pump()
    assert len(world.texts(chat)) == 1

    await world.redeliver(added)

    assert len(world.texts(chat)) == 1
    assert await count(world, Chat, Chat.telegram_id == chat.id) == 1


async def test_redelivered_first_message_registers_the_person_once(world: World) -> None:
    bob = world.person("Bob")
    update = await world.say(bob, world.dm(bob), "/start")
    await world.redeliver(update)
    assert await count(world, User, User.telegram_id == bob.id) == 1
    assert len(world.texts(world.dm(bob))) == 1
