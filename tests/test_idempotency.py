"""Rule 1: a redelivered update (same update_id) changes nothing and sends nothing."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from storage.models import Chat, ProcessedUpdate, User
from tests.conftest import Clock
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


# -- people joining and leaving groups ---------------------------------------------------------------
async def _left_at(world: World, person_id: int) -> object:
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person_id)
        assert user is not None
        [membership] = await uow.memberships.of_user(user.id)
        return membership.left_at


async def test_redelivered_join_and_leave_notices_do_not_undo_what_came_after(world: World) -> None:
    home = await world.community_group("幸福里3号楼群", "幸福里社区")
    aunt = world.person("张阿姨")
    joined = world.fake.join_group(aunt, home)
    await world.pump()
    left = world.fake.leave_group(aunt, home)
    await world.pump()

    await world.redeliver(joined)
    assert await _left_at(world, aunt.id) is not None  # the old join did not bring her back

    world.fake.join_group(aunt, home)
    await world.pump()
    await world.redeliver(left)
    assert await _left_at(world, aunt.id) is None  # nor did the old departure take her out again
    assert await count(world, ProcessedUpdate, ProcessedUpdate.update_id == joined["update_id"]) == 1


async def test_redelivered_chat_member_update_changes_nothing(world: World) -> None:
    home = await world.community_group("幸福里3号楼群", "幸福里社区")
    world.fake.set_bot_admin(world.admin, home)
    await world.pump()
    aunt = world.person("张阿姨")
    world.fake.join_group(aunt, home)
    await world.pump()
    world.fake.leave_group(aunt, home)
    await world.pump()
    joined = next(
        e.update_id
        for e in world.fake.transcript
        if e.kind == "chat_member" and "-> member" in (e.text or "")
    )
    assert joined is not None

    world.fake.redeliver(joined)
    await world.pump()

    assert await _left_at(world, aunt.id) is not None
    assert await count(world, ProcessedUpdate, ProcessedUpdate.kind == "chat_member") == 2


async def test_a_redelivered_private_message_does_not_look_the_person_up_again(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    await world.community_group("幸福里3号楼群", "幸福里社区")
    stranger = world.person("路人")
    update = await world.say(stranger, world.dm(stranger), "/start")
    assert len(world.fake.calls_of("getChatMember")) == 1
    clock.advance(3600)  # what was found is stale now: a new message would ask again

    await world.redeliver(update)

    assert len(world.fake.calls_of("getChatMember")) == 1
    assert len(world.texts(world.dm(stranger))) == 1
