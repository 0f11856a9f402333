"""/points: the balance, the recent entries with their reasons and dates, awards waiting for a
second staff member, per community for someone in several."""

from __future__ import annotations

from tests.conftest import Clock
from tests.test_awards import place
from tests.world import World


async def test_points_lists_each_entry_with_its_date_and_reason(clocked: World, clock: Clock) -> None:
    world = clocked
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    clock.advance(86400)
    await world.say(world.admin, p.group, "/deduct @laowang 10 重复领取")
    await world.say(p.wang, world.dm(p.wang), "/points")
    shown = world.last(world.dm(p.wang)).splitlines()
    assert "幸福里社区 积分：20" in shown
    assert "11-23 -10 工作人员扣分：重复领取" in shown
    assert "11-22 +30 工作人员加分：清理楼道" in shown
    assert shown.index("11-23 -10 工作人员扣分：重复领取") < shown.index("11-22 +30 工作人员加分：清理楼道")


async def test_an_english_reader_sees_the_entries_in_english(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 30 cleaned the stairs")
    await world.say(p.wang, world.dm(p.wang), "/lang en")
    await world.say(p.wang, world.dm(p.wang), "/points")
    assert "awarded by staff: cleaned the stairs" in world.last(world.dm(p.wang))


async def test_points_in_the_group_are_answered_in_the_communitys_language(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    await world.say(p.wang, world.dm(p.wang), "/lang en")
    await world.say(p.wang, p.group, "/points")
    assert "工作人员加分：清理楼道" in world.last(p.group)


async def test_an_award_waiting_for_confirmation_is_shown_but_not_counted(world: World) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 150 组织全楼大扫除")
    await world.say(p.wang, world.dm(p.wang), "/points")
    shown = world.last(world.dm(p.wang))
    assert "积分：0" in shown and "还没有积分记录" in shown and "待确认 +150 组织全楼大扫除" in shown
    await world.press(p.clerk, p.staff_group, "确认加分")
    await world.say(p.wang, world.dm(p.wang), "/points")
    assert "待确认" not in world.last(world.dm(p.wang)) and "积分：150" in world.last(world.dm(p.wang))


async def test_someone_in_several_communities_sees_each_and_long_reasons_are_shortened(world: World) -> None:
    p = await place(world)
    other = await world.community_group("阳光群", "阳光社区")
    await world.say(p.wang, other, "大家好")
    long_reason = "帮助独居老人" * 30
    for _ in range(12):
        await world.say(world.admin, p.group, f"/award @laowang 5 {long_reason}")
    await world.say(world.admin, other, "/award @laowang 7 修自行车")
    await world.say(p.wang, world.dm(p.wang), "/points")
    shown = world.last(world.dm(p.wang))
    assert "幸福里社区 积分：60" in shown and "阳光社区 积分：7" in shown and "修自行车" in shown
    assert long_reason not in shown and "…" in shown
    assert shown.count("工作人员加分") == 10 + 1  # the ten most recent here, the one there


async def test_points_of_someone_in_no_community_say_how_to_join(world: World) -> None:
    stranger = world.person("路人")
    await world.start(stranger)
    await world.say(stranger, world.dm(stranger), "/points")
    assert (await world.templates(world.dm(stranger)))[-1] == "requests/join_first"
