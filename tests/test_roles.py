"""Granting and revoking roles, join links, and what strangers see."""

from __future__ import annotations

from tests.world import World


async def roles_of(world: World, telegram_id: int) -> list[list[str]]:
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(telegram_id)
        assert user is not None
        return [m.roles for m in await uow.memberships.of_user(user.id)]


async def test_staff_grant_a_role_by_replying_to_the_person(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    bob = world.person("Bob")
    said = await world.say(bob, chat, "我是新来的")
    await world.say(world.admin, chat, "/grant 商家", reply_to=said["message"]["message_id"])
    assert "商家" in world.last(chat)
    assert await roles_of(world, bob.id) == [["merchant"]]


async def test_grid_worker_needs_buildings(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    grid = world.person("网格员老张", username="laozhang")
    await world.say(grid, chat, "大家好")
    await world.say(world.admin, chat, "/grant 网格员 @laozhang")
    assert "楼栋" in world.last(chat)
    assert await roles_of(world, grid.id) == [[]]
    await world.say(world.admin, chat, "/grant 网格员 @laozhang 3号楼 5号楼")
    assert await roles_of(world, grid.id) == [["grid_worker"]]


async def test_grant_tells_the_person_privately_when_they_started_the_bot(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    carol = world.person("Carol", username="carol")
    await world.start(carol)
    await world.say(carol, chat, "hi")
    await world.say(world.admin, chat, "/grant staff @carol")
    assert "工作人员" in world.last(world.dm(carol))


async def test_a_stranger_cannot_grant_and_nothing_changes(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    eve = world.person("Eve", username="eve")
    await world.say(eve, chat, "/grant staff @eve")
    assert "只有本社区的工作人员" in world.last(chat)
    assert await roles_of(world, eve.id) == [[]]


async def test_an_unknown_username_gets_a_clear_answer(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    await world.say(world.admin, chat, "/grant staff @nobody_here")
    assert "@nobody_here" in world.last(chat)


async def test_super_admin_cannot_be_revoked(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    staff = world.person("小李", username="xiaoli")
    await world.say(staff, chat, "hi")
    await world.say(world.admin, chat, "/grant staff @xiaoli")
    await world.say(staff, chat, "/revoke staff @admin")
    assert "超级管理员" in world.last(chat)


async def test_revoke_takes_the_role_away(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    staff = world.person("小李", username="xiaoli")
    await world.say(staff, chat, "hi")
    await world.say(world.admin, chat, "/grant staff @xiaoli")
    await world.say(world.admin, chat, "/revoke 工作人员 @xiaoli")
    assert await roles_of(world, staff.id) == [[]]
    await world.say(world.admin, chat, "/revoke 工作人员 @xiaoli")
    assert "没有" in world.last(chat)


async def test_help_shows_staff_commands_only_to_staff(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    stranger = world.person("路人")
    await world.say(stranger, chat, "/help")
    assert "/grant" not in world.last(chat) and "/help" in world.last(chat)
    await world.say(world.admin, chat, "/help")
    assert "/grant" in world.last(chat)


async def test_help_follows_the_persons_language_in_private(world: World) -> None:
    alice = world.person("Alice", language_code="en")
    await world.say(alice, world.dm(alice), "/help")
    assert "Residents" in world.last(world.dm(alice))


async def test_invite_link_makes_the_opener_a_resident(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    await world.say(world.admin, chat, "/invite")
    link = next(w for w in world.last(chat).split() if "start=join-" in w)
    newcomer = world.person("新邻居")
    await world.start(newcomer, link.split("start=", 1)[1])
    assert "幸福里社区" in world.last(world.dm(newcomer))
    assert await roles_of(world, newcomer.id) == [[]]


async def test_a_forged_invite_is_refused_politely(world: World) -> None:
    newcomer = world.person("新邻居")
    await world.start(newcomer, "join-doesnotexist")
    assert "邀请链接无效" in world.last(world.dm(newcomer))


async def test_anonymous_admin_is_asked_to_write_as_themselves(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    world.fake.send_text(world.admin, chat, "/grant staff", anonymous=True)
    await world.pump()
    assert "匿名" in world.last(chat)


async def test_grant_by_text_mention_of_someone_without_username(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    dan = world.person("老丁")
    await world.say(dan, chat, "大家好")
    world.fake.send_text(world.admin, chat, "/grant 商家 老丁", mentions=[(dan, 10, 2)])
    await world.pump()
    assert await roles_of(world, dan.id) == [["merchant"]]
