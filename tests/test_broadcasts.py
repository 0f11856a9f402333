"""/broadcast: a preview, one send however often 发送 is pressed, a delivery report, 置顶."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot import callbacks
from bot.outbox.sender import OutboxSender
from bot.services.broadcasts import notice, report
from fakebot import FakeChat
from storage.models import Broadcast, OutboxMessage
from tests.world import World

NOTICE = "今晚8点到10点停水，请提前储水"


@dataclass
class Estate:
    staff: FakeChat
    groups: list[FakeChat]


async def estate(world: World, groups: int = 3) -> Estate:
    await world.start(world.admin)  # the report comes to the admin in private
    staff = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    chats = [await world.community_group(f"幸福里{i + 1}号楼群", "幸福里社区") for i in range(groups)]
    for i, chat in enumerate(chats):
        await world.say(world.admin, chat, f"/buildings {i + 1}号楼")
    return Estate(staff, chats)


def notices(world: World, chat: FakeChat) -> list[str]:
    return [t for t in world.texts(chat) if NOTICE in t]


async def broadcasts(world: World) -> list[Broadcast]:
    async with world.bot.deps.uow() as uow:
        return list((await uow.session.execute(select(Broadcast).order_by(Broadcast.id))).scalars())


async def finish(world: World) -> None:
    """The sweep's turn: reports of broadcasts that are through, then their delivery."""
    await report.report_finished(world.bot.deps.uow, world.bot.deps.env)
    await world.bot.settle()


async def test_a_broadcast_is_previewed_then_sent_once_to_every_group_and_reported(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.staff, f"/broadcast {NOTICE}")
    preview = world.texts(e.staff)[-2:]
    assert NOTICE in preview[0] and "幸福里社区 通知" in preview[0]  # the notice as the groups will see it
    assert "3 个邻里群" in preview[1]
    assert all(notices(world, g) == [] for g in e.groups)  # nothing goes before 发送

    await world.press(world.admin, e.staff, "发送")
    assert not world.fake.bot_messages(e.staff)[-2].buttons  # the preview's buttons have done their work
    assert [len(notices(world, g)) for g in e.groups] == [1, 1, 1]
    assert "正在发送到 3 个群" in world.texts(e.staff)[-1]

    await finish(world)
    assert "3 个群已送达" in world.last(world.dm(world.admin))
    await finish(world)  # a later sweep reports nothing more
    assert sum("已送达" in t for t in world.texts(world.dm(world.admin))) == 1
    assert [b.status for b in await broadcasts(world)] == ["done"]


async def test_a_second_or_forged_press_of_send_changes_nothing(world: World) -> None:
    e = await estate(world, groups=2)
    await world.say(world.admin, e.staff, f"/broadcast {NOTICE}")
    [item] = await broadcasts(world)
    preview = world.fake.last_bot_message(e.staff)
    assert preview is not None
    send = callbacks.encode(notice.SEND, item.id)
    world.fake.press(world.admin, e.staff, preview.message_id, send)
    world.fake.press(world.admin, e.staff, preview.message_id, send)  # a double tap
    resident = world.person("小李")
    await world.say(resident, e.groups[0], "大家好")
    world.fake.press(resident, e.groups[0], world.fake.bot_messages(e.groups[0])[-1].message_id, send)
    await world.pump()
    assert [len(notices(world, g)) for g in e.groups] == [1, 1]
    assert any("不会重复发送" in (a or "") for a in world.answers())
    assert any("只有本社区的工作人员" in (a or "") for a in world.answers())


async def test_buildings_choose_the_groups(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.staff, f"/broadcast 1栋,3栋 {NOTICE}")
    assert "2 个邻里群（1号楼、3号楼）" in world.last(e.staff)
    await world.press(world.admin, e.staff, "发送")
    assert [len(notices(world, g)) for g in e.groups] == [1, 0, 1]


async def test_a_sentence_that_begins_with_a_building_is_the_notice_for_every_group(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.staff, "/broadcast 3号楼今晚停水 请周知")
    assert "3 个邻里群" in world.last(e.staff)
    assert "3号楼今晚停水 请周知" in world.texts(e.staff)[-2]


async def test_cancel_sends_nothing_and_a_later_send_changes_nothing(world: World) -> None:
    e = await estate(world, groups=1)
    await world.say(world.admin, e.staff, f"/broadcast {NOTICE}")
    [item] = await broadcasts(world)
    preview = world.fake.last_bot_message(e.staff)
    assert preview is not None
    await world.press(world.admin, e.staff, "取消")
    world.fake.press(world.admin, e.staff, preview.message_id, callbacks.encode(notice.SEND, item.id))
    await world.pump()
    assert notices(world, e.groups[0]) == []
    assert [b.status for b in await broadcasts(world)] == ["cancelled"]
    assert "已取消" in (world.answers()[-2] or "") and "已经取消" in (world.answers()[-1] or "")


async def test_bad_input_gets_a_clear_reply_and_changes_nothing(world: World) -> None:
    e = await estate(world, groups=1)
    await world.say(world.admin, e.staff, "/broadcast")
    assert "用法：/broadcast" in world.last(e.staff)
    await world.say(world.admin, e.staff, "/broadcast 9栋,10栋 只给没有的楼")
    assert "还没有9号楼、10号楼的邻里群" in world.last(e.staff)
    await world.say(world.admin, e.staff, "/broadcast " + "很长" * 2100)
    assert "通知太长了" in world.last(e.staff)
    resident = world.person("小李")
    await world.say(resident, e.groups[0], f"/broadcast {NOTICE}")
    assert "只有本社区的工作人员" in world.last(e.groups[0])
    lonely = await world.community_group("新社区工作群", "新社区", staff=True)
    await world.say(world.admin, lonely, f"/broadcast {NOTICE}")
    assert "新社区还没有邻里群" in world.last(lonely)
    assert await broadcasts(world) == []
    assert notices(world, e.groups[0]) == []


async def test_a_photo_with_the_command_as_caption_goes_out_as_that_photo(world: World) -> None:
    e = await estate(world, groups=2)
    world.fake.send_photo(world.admin, e.staff, caption=f"/broadcast {NOTICE}")
    await world.pump()
    preview = world.fake.bot_messages(e.staff)[-2]
    assert preview.media.get("photo") and NOTICE in (preview.caption or "")
    await world.press(world.admin, e.staff, "发送")
    for group in e.groups:
        [copy] = [m for m in world.fake.bot_messages(group) if NOTICE in (m.plain_text or "")]
        assert copy.media.get("photo")


async def test_a_restart_mid_broadcast_goes_on_and_sends_nothing_twice(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.staff, f"/broadcast {NOTICE}")
    await world.bot.sender.stop()  # the process dies right after 发送 was committed
    await world.press(world.admin, e.staff, "发送")
    assert all(notices(world, g) == [] for g in e.groups)
    restarted = OutboxSender(
        world.bot.application.bot, world.bot.deps.sessions, world.bot.sender.cards, clock=world.bot.clock
    )
    first = next(r for r in await rows_of(world) if r.kind == "send")
    await restarted.deliver(first.id)  # one group had it before the next crash
    await restarted.drain()
    await restarted.drain()
    assert [len(notices(world, g)) for g in e.groups] == [1, 1, 1]


async def rows_of(world: World) -> list[OutboxMessage]:
    async with world.bot.deps.uow() as uow:
        query = (
            select(OutboxMessage).where(OutboxMessage.broadcast_id.is_not(None)).order_by(OutboxMessage.id)
        )
        return list((await uow.session.execute(query)).scalars())


async def test_the_report_says_why_groups_missed_it_and_follows_a_migrated_group(world: World) -> None:
    e = await estate(world)
    await world.say(world.admin, e.staff, f"/broadcast {NOTICE}")
    await world.bot.sender.stop()  # the rows wait while things change in the groups
    await world.press(world.admin, e.staff, "发送")
    world.fake.remove_bot_from_group(world.admin, e.groups[0])  # not read yet: the send finds out
    supergroup = world.fake.migrate_to_supergroup(e.groups[1])
    world.fake.expect_errors(2)
    sender = OutboxSender(
        world.bot.application.bot, world.bot.deps.sessions, world.bot.sender.cards, clock=world.bot.clock
    )
    await sender.drain()
    assert len(notices(world, supergroup)) == 1 and len(notices(world, e.groups[2])) == 1
    await report.report_finished(world.bot.deps.uow, world.bot.deps.env)
    await sender.drain()
    text = world.last(world.dm(world.admin))
    assert "2 个群已送达，1 个群未送达" in text
    assert "1 个群已升级为超级群" in text and "机器人已被移出群：1 个群" in text


async def test_pin_pins_where_the_bot_may_and_counts_the_rest(world: World) -> None:
    await world.start(world.admin)
    staff = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    member = await world.community_group("幸福里1号楼群", "幸福里社区")
    admin_group = world.fake.add_group("幸福里2号楼群")
    world.fake.add_bot_to_group(world.admin, admin_group, admin=True)
    await world.say(world.admin, admin_group, "/bind 幸福里社区")
    await world.say(world.admin, staff, f"/broadcast {NOTICE}")
    await world.press(world.admin, staff, "发送")
    await finish(world)
    world.fake.expect_errors(1)  # the group where the bot may not pin
    await world.press(world.admin, world.dm(world.admin), "置顶")
    await world.press(world.admin, world.dm(world.admin), "置顶")  # once is enough
    await finish(world)
    [copy] = [m for m in world.fake.bot_messages(admin_group) if NOTICE in (m.plain_text or "")]
    assert world.fake.state.state_of(admin_group).pinned == [copy.message_id]
    assert world.fake.state.state_of(member).pinned == []
    assert "已在 1 个群置顶，1 个群未能置顶" in world.last(world.dm(world.admin))
    assert "机器人没有置顶权限：1 个群" in world.last(world.dm(world.admin))
    async with world.bot.deps.uow() as uow:
        pins = await uow.session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "pin")
        )
        assert pins.scalar_one() == 2


async def test_the_broadcast_rows_wait_behind_everything_else(world: World) -> None:
    e = await estate(world, groups=1)
    await world.say(world.admin, e.staff, f"/broadcast {NOTICE}")
    await world.press(world.admin, e.staff, "发送")
    [row] = [r for r in await rows_of(world) if r.kind == "send"]
    assert row.priority == notice.BULK < 0


async def test_a_building_named_as_the_group_was_tagged_chooses_that_group(world: World) -> None:
    e = await estate(world, groups=2)
    await world.say(world.admin, e.groups[1], "/buildings 松园")
    await world.say(world.admin, e.staff, f"/broadcast 松园 {NOTICE}")
    assert "1 个邻里群（松园）" in world.last(e.staff)
    await world.press(world.admin, e.staff, "发送")
    assert [len(notices(world, g)) for g in e.groups] == [0, 1]
