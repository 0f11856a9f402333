"""Binding groups to communities, and who may do it."""

from __future__ import annotations

from storage.models import Membership
from tests.world import World


async def community_of(world: World, chat_id: int) -> tuple[str | None, str | None]:
    async with world.bot.deps.uow() as uow:
        chat = await uow.chats.find_by_telegram_id(chat_id)
        assert chat is not None
        if chat.community_id is None:
            return None, chat.kind
        community = await uow.communities.get(chat.community_id)
        assert community is not None
        return community.name, chat.kind


async def test_bot_greets_a_new_group_and_explains_binding(world: World) -> None:
    chat = await world.group("3号楼邻里群")
    assert "/bind" in world.last(chat)


async def test_super_admin_binds_a_group_creating_the_community(world: World) -> None:
    chat = await world.group("3号楼邻里群")
    await world.say(world.admin, chat, "/bind 幸福里社区")
    assert "幸福里社区" in world.last(chat)
    assert await community_of(world, chat.id) == ("幸福里社区", "neighbourhood")


async def test_stranger_cannot_bind_and_nothing_changes(world: World) -> None:
    chat = await world.group("3号楼邻里群")
    stranger = world.person("路人")
    await world.say(stranger, chat, "/bind 幸福里社区")
    assert "只有社区工作人员" in world.last(chat)
    assert await community_of(world, chat.id) == (None, None)


async def test_staff_bind_groups_of_their_own_community_only(world: World) -> None:
    home = await world.community_group("幸福里群", "幸福里社区")
    await world.community_group("和平群", "和平社区")
    staff = world.person("小李", username="xiaoli")
    await world.say(staff, home, "大家好")
    await world.say(world.admin, home, "/grant 工作人员 @xiaoli")

    other = await world.group("新群")
    await world.say(staff, other, "/bind 和平社区")
    assert "只有社区工作人员" in world.last(other)
    await world.say(staff, other, "/bind 幸福里社区")
    assert await community_of(world, other.id) == ("幸福里社区", "neighbourhood")


async def test_bind_staff_asks_with_buttons_when_the_community_is_ambiguous(world: World) -> None:
    await world.community_group("幸福里群", "幸福里社区")
    await world.community_group("和平群", "和平社区")
    staff_chat = await world.group("工作群")
    await world.say(world.admin, staff_chat, "/bind staff")
    assert "哪个社区" in world.last(staff_chat)
    await world.press(world.admin, staff_chat, "和平社区")
    assert await community_of(world, staff_chat.id) == ("和平社区", "staff")


async def test_a_bound_group_cannot_be_rebound_without_unbinding(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    await world.say(world.admin, chat, "/bind 和平社区")
    assert "unbind" in world.last(chat)
    assert await community_of(world, chat.id) == ("幸福里社区", "neighbourhood")
    await world.say(world.admin, chat, "/unbind")
    await world.say(world.admin, chat, "/bind 和平社区")
    assert await community_of(world, chat.id) == ("和平社区", "neighbourhood")


async def test_writing_in_a_bound_group_makes_a_resident(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    granny = world.person("王阿姨")
    await world.say(granny, chat, "/whoami")
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(granny.id)
        assert user is not None
        memberships = await uow.memberships.of_user(user.id)
    assert [m.roles for m in memberships] == [[]]
    assert isinstance(memberships[0], Membership)
    assert "幸福里社区" in world.last(chat)


async def test_bot_removed_from_a_group_deactivates_it(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    world.fake.remove_bot_from_group(world.admin, chat)
    await world.pump()
    async with world.bot.deps.uow() as uow:
        row = await uow.chats.find_by_telegram_id(chat.id)
        assert row is not None and row.active is False


async def test_group_upgraded_to_supergroup_keeps_its_community(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    supergroup = world.fake.migrate_to_supergroup(chat)
    await world.pump()
    assert await community_of(world, supergroup.id) == ("幸福里社区", "neighbourhood")
    await world.say(world.admin, supergroup, "/buildings 3号楼")
    assert "3号楼" in world.last(supergroup)


async def test_buildings_tag_a_neighbourhood_group(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    await world.say(world.admin, chat, "/buildings 3号楼 5号楼")
    assert "3号楼、5号楼" in world.last(chat)
    resident = world.person("张三")
    await world.say(resident, chat, "/buildings 9号楼")
    assert "只有本社区的工作人员" in world.last(chat)


# -- a residents' group never silently becomes the staff group, nor the other way round ----------
async def test_bind_staff_in_a_residents_group_is_refused_with_the_reason(world: World) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    for command in ("/bind staff", "/bind staff 幸福里社区"):
        await world.say(world.admin, chat, command)
        assert (await world.templates(chat))[-1] == "community/bind_staff_in_neighbourhood"
        assert "房号、电话和派单按钮" in world.last(chat) and "/unbind" in world.last(chat)
        assert await community_of(world, chat.id) == ("幸福里社区", "neighbourhood")


async def test_bind_a_community_in_the_staff_group_is_refused_with_the_reason(world: World) -> None:
    chat = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    for command in ("/bind 幸福里社区", "/bind"):
        await world.say(world.admin, chat, command)
        assert (await world.templates(chat))[-1] == "community/bind_neighbourhood_in_staff"
        assert "工作群" in world.last(chat) and "/unbind" in world.last(chat)
        assert await community_of(world, chat.id) == ("幸福里社区", "staff")


async def test_the_refusal_is_in_english_for_an_english_community(world: World) -> None:
    chat = await world.community_group("Harmony group", "Harmony")
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name("Harmony")
        assert community is not None
        community.locale = "en"
        await uow.commit()
    await world.say(world.admin, chat, "/bind staff")
    assert "residents' group" in world.last(chat) and "rooms, phones" in world.last(chat)
    assert await community_of(world, chat.id) == ("Harmony", "neighbourhood")


async def test_binding_a_group_again_as_what_it_is_stays_as_it_is(world: World) -> None:
    group = await world.community_group("幸福里群", "幸福里社区")
    staff = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    await world.say(world.admin, group, "/bind 幸福里社区")
    await world.say(world.admin, staff, "/bind staff")
    assert await community_of(world, group.id) == ("幸福里社区", "neighbourhood")
    assert await community_of(world, staff.id) == ("幸福里社区", "staff")
    assert "工作群" in world.last(staff)


async def test_a_stale_staff_button_in_a_group_bound_meanwhile_is_refused_and_its_redelivery_is_quiet(
    world: World,
) -> None:
    await world.community_group("幸福里群", "幸福里社区")
    await world.community_group("和平群", "和平社区")
    chat = await world.group("新群")
    await world.say(world.admin, chat, "/bind staff")
    assert "哪个社区" in world.last(chat)
    await world.say(world.admin, chat, "/bind 幸福里社区")  # meanwhile: it is a residents' group
    sent = len(world.texts(chat))
    press = await world.press(world.admin, chat, "幸福里社区")
    assert "居民群" in (world.fake.callback_answers[-1].text or "")
    assert await community_of(world, chat.id) == ("幸福里社区", "neighbourhood")
    answers = len(world.fake.callback_answers)
    await world.redeliver(press)
    assert len(world.fake.callback_answers) == answers and len(world.texts(chat)) == sent
    assert await community_of(world, chat.id) == ("幸福里社区", "neighbourhood")


async def test_a_redelivered_staff_button_binds_once(world: World) -> None:
    await world.community_group("幸福里群", "幸福里社区")
    await world.community_group("和平群", "和平社区")
    chat = await world.group("工作群")
    await world.say(world.admin, chat, "/bind staff")
    press = await world.press(world.admin, chat, "和平社区")
    sent = len(world.texts(chat))
    await world.redeliver(press)
    assert len(world.texts(chat)) == sent
    assert await community_of(world, chat.id) == ("和平社区", "staff")


async def test_a_former_residents_group_made_staff_after_unbind_keeps_its_old_cards_as_they_were(
    world: World,
) -> None:
    chat = await world.community_group("幸福里群", "幸福里社区")
    resident = world.person("张阿姨")
    await world.say(resident, chat, "#求助 3号楼2单元501 水管漏水，电话13812345678")
    old_card = world.fake.bot_messages(chat)[-1]
    await world.say(world.admin, chat, "/unbind")
    await world.say(world.admin, chat, "/bind staff 幸福里社区")
    assert await community_of(world, chat.id) == ("幸福里社区", "staff")
    await world.say(world.admin, chat, "/category 1 环境卫生")  # the request changes: its cards are redrawn
    shown = next(m for m in world.fake.bot_messages(chat) if m.message_id == old_card.message_id)
    assert "501" not in (shown.plain_text or "") and "13812345678" not in (shown.plain_text or "")
