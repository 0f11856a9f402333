"""/top: the honour roll (光荣榜), this month and all time, by points earned, of those who agree to
be named; and the monthly card staff post to the neighbourhood groups."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fakebot import FakeUser
from tests.conftest import Clock
from tests.requests_world import HOME
from tests.test_awards import Place, place
from tests.world import World


async def neighbour(world: World, p: Place, name: str, username: str, **kwargs: object) -> FakeUser:
    person = world.person(name, username=username, **kwargs)
    await world.say(person, p.group, "大家好")
    await world.start(person)
    return person


async def spend(world: World, person: FakeUser, amount: int, *, refund: int = 0) -> None:
    """Points spent (as the shop spends them, and some refunded as a reversing entry): the ledger's
    entries, straight through the repository."""
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        community = await uow.communities.find_by_name(HOME)
        assert user is not None and community is not None
        account = await uow.points.open_account(community.id, user.id)
        assert await uow.points.post(
            account, -amount, kind="spend", reason="redemption", key=f"spend:{user.id}"
        )
        if refund:
            assert await uow.points.post(
                account, refund, kind="reverse", reason="redemption", key=f"refund:{user.id}"
            )
        await uow.commit()


def section(text: str, title: str, end: str | None) -> list[str]:
    lines = text.splitlines()
    start = lines.index(title) + 1
    stop = lines.index(end, start) if end is not None else len(lines)
    return [line.strip() for line in lines[start:stop] if line.strip() and not line.startswith("只列出")]


async def test_the_roll_ranks_by_points_earned_not_spent(clocked: World) -> None:
    world = clocked
    p = await place(world)
    li = await neighbour(world, p, "李大姐", "lidajie")
    zhao = await neighbour(world, p, "赵叔", "zhaoshu")
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    await world.say(world.admin, p.group, "/award @lidajie 50 组织义诊")
    await world.say(world.admin, p.group, "/award @zhaoshu 60 修自行车")
    await world.say(world.admin, p.group, "/deduct @zhaoshu 20 重复领取")  # a correction counts
    await spend(world, li, 45)  # spending does not
    await world.say(p.wang, p.group, "/top")
    shown = world.last(p.group)
    assert section(shown, "2026年11月", "累计") == [
        "🥇 1. 李大姐　50 分",
        "🥈 2. 赵叔　40 分",
        "🥉 3. 老王　30 分",
    ]
    assert section(shown, "累计", None) == ["🥇 1. 李大姐　50 分", "🥈 2. 赵叔　40 分", "🥉 3. 老王　30 分"]
    assert zhao is not None


async def test_equal_points_share_a_rank_and_whoever_got_there_first_is_listed_first(clocked: World) -> None:
    world = clocked
    p = await place(world)
    await neighbour(world, p, "李大姐", "lidajie")
    await neighbour(world, p, "赵叔", "zhaoshu")
    await world.say(world.admin, p.group, "/award @zhaoshu 30 修自行车")
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    await world.say(world.admin, p.group, "/award @lidajie 10 组织义诊")
    await world.say(p.wang, p.group, "/top")
    assert section(world.last(p.group), "2026年11月", "累计") == [
        "🥇 1. 赵叔　30 分",
        "🥇 1. 老王　30 分",
        "🥉 3. 李大姐　10 分",
    ]


async def test_people_who_do_not_want_to_be_named_are_left_off(world: World) -> None:
    p = await place(world)
    helper = await neighbour(world, p, "李大姐", "lidajie")
    await world.say(helper, world.dm(helper), "/volunteer 李大姐 | 3号楼 | 维修 | 否")
    await world.say(world.admin, p.group, "/award @lidajie 50 组织义诊")
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    await world.say(helper, world.dm(helper), "/profile 署名 关")  # the volunteer's publicity setting
    await world.say(p.wang, world.dm(p.wang), "/top 关")  # the same setting, for anyone
    assert (await world.templates(world.dm(p.wang)))[-1] == "points/top_named"
    await world.say(p.clerk, p.group, "/top")
    shown = world.last(p.group)
    assert "李大姐" not in shown and "老王" not in shown and "本月还没有人上榜" in shown
    await world.say(p.wang, world.dm(p.wang), "/top 开")
    await world.say(p.clerk, p.group, "/top")
    assert "老王　30 分" in world.last(p.group) and "李大姐" not in world.last(p.group)


async def test_the_roll_shows_at_most_ten_and_shortens_long_names(clocked: World) -> None:
    world = clocked
    p = await place(world)
    for i in range(12):
        await neighbour(world, p, f"{'很长的名字' * 8}{i}", f"person{i:02d}")
        await world.say(world.admin, p.group, f"/award @person{i:02d} {i + 1} 帮忙")
    await world.say(p.wang, p.group, "/top")
    rows = section(world.last(p.group), "2026年11月", "累计")
    assert len(rows) == 10 and rows[0].endswith("12 分") and all("…" in r for r in rows)


@pytest.mark.parametrize("clock", [datetime(2026, 11, 30, 15, 30, tzinfo=UTC)], indirect=True)
async def test_this_month_begins_at_midnight_in_the_communitys_time_zone(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")  # 23:30 on 30 November in Shanghai
    clock.advance(40 * 60)  # 00:10 on 1 December in Shanghai, still 30 November in UTC
    await world.say(p.wang, p.group, "/top")
    shown = world.last(p.group)
    assert section(shown, "2026年12月", "累计") == ["本月还没有人上榜，快来接单帮邻居吧！"]
    assert section(shown, "累计", None) == ["🥇 1. 老王　30 分"]
    async with world.bot.deps.uow() as uow:  # a community in London is still in November
        community = await uow.communities.find_by_name(HOME)
        assert community is not None
        community.timezone = "Europe/London"
        await uow.commit()
    await world.say(p.wang, p.group, "/top")
    assert section(world.last(p.group), "2026年11月", "累计") == ["🥇 1. 老王　30 分"]


async def test_an_english_reader_gets_the_roll_in_english(clocked: World) -> None:
    world = clocked
    p = await place(world)
    tom = await neighbour(world, p, "Tom", "tomlee", language_code="en")
    await world.say(world.admin, p.group, "/award @tomlee 30 cleaned the stairs")
    await world.say(tom, world.dm(tom), "/top")
    shown = world.last(world.dm(tom))
    assert "November 2026" in shown and "1. Tom  30 points" in shown and "All time" in shown


async def test_top_with_a_wrong_word_or_in_no_community_gets_a_clear_answer(world: World) -> None:
    p = await place(world)
    await world.say(p.wang, p.group, "/top 什么")
    assert (await world.templates(p.group))[-1] == "points/top_usage"
    stranger = world.person("路人")
    await world.start(stranger)
    await world.say(stranger, world.dm(stranger), "/top")
    assert (await world.templates(world.dm(stranger)))[-1] == "requests/join_first"
    unbound = await world.group("未绑定群")
    await world.say(stranger, unbound, "/top")
    assert (await world.templates(unbound))[-1] == "common/group_not_bound"


async def test_staff_preview_the_monthly_card_and_post_it_to_the_neighbourhood_groups_once(
    world: World,
) -> None:
    p = await place(world)
    second = await world.community_group("幸福里二群", HOME)
    odd = await neighbour(world, p, "<b>小&明</b>", "xiaoming")
    await world.say(world.admin, p.group, "/award @xiaoming 30 清理楼道")
    await world.say(p.clerk, p.staff_group, "/top post")
    assert (await world.templates(p.staff_group))[-2:] == ["points/top", "points/top_preview"]
    assert "<b>小&明</b>　30 分" in world.texts(p.staff_group)[-2]  # escaped, shown as typed
    before = len(world.texts(p.group))
    await world.press(p.clerk, p.staff_group, "发到 2 个邻里群")
    assert world.answers()[-1] == "已发到 2 个邻里群"
    for group in (p.group, second):
        (card,) = await world.said(group, "points/top")
        assert "幸福里社区 光荣榜" in card and "<b>小&明</b>　30 分" in card and "感谢每一位热心邻居" in card
    assert len(world.texts(p.group)) == before + 1
    await world.press(world.admin, p.staff_group, "发到 2 个邻里群")
    assert "已经发到所有邻里群" in (world.answers()[-1] or "")
    assert len(await world.said(p.group, "points/top")) == 1
    assert odd is not None


async def test_only_staff_post_the_card(world: World) -> None:
    p = await place(world)
    await world.say(p.wang, p.group, "/top post")
    assert (await world.templates(p.group))[-1] == "common/staff_only"
    await world.say(p.clerk, p.staff_group, "/top post")
    await world.press(p.wang, p.staff_group, "发到")
    assert "只有本社区的工作人员" in (world.answers()[-1] or "")
    assert await world.said(p.group, "points/top") == []


async def test_a_preview_pressed_after_its_month_posts_that_months_final_roll(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    await world.say(p.clerk, p.staff_group, "/top post")
    clock.now = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 23:00 on 30 November in Shanghai
    await world.say(world.admin, p.group, "/award @laowang 5 关灯")
    clock.now = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 on 1 December in Shanghai
    await world.say(world.admin, p.group, "/award @laowang 7 修门")  # December's, not on November's card
    await world.press(p.clerk, p.staff_group, "发到")
    (card,) = await world.said(p.group, "points/top")
    assert section(card, "2026年11月", "累计") == ["🥇 1. 老王　35 分"]


async def test_a_preview_from_longer_ago_is_refused(clocked: World, clock: Clock) -> None:
    world = clocked
    p = await place(world)
    await world.say(p.clerk, p.staff_group, "/top post")
    clock.now = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)  # January in Shanghai
    await world.press(p.clerk, p.staff_group, "发到")
    assert "早已过去" in (world.answers()[-1] or "")
    assert await world.said(p.group, "points/top") == []


@pytest.mark.parametrize("clock", [datetime(2026, 12, 1, 1, 0, tzinfo=UTC)], indirect=True)
async def test_last_months_roll_is_shown_and_posted_on_request(clocked: World, clock: Clock) -> None:
    world = clocked
    p = await place(world)
    clock.now = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    await world.say(world.admin, p.group, "/award @xiaoli 5 关灯")
    await world.say(p.wang, p.group, "/top 上月")
    shown = world.last(p.group)
    assert section(shown, "2026年11月", "累计") == ["🥇 1. 老王　30 分"]
    assert section(shown, "累计", None) == ["🥇 1. 老王　30 分", "🥈 2. 小李　5 分"]
    await world.say(p.clerk, p.staff_group, "/top post 上月")
    await world.press(p.clerk, p.staff_group, "发到")
    _answer, card = await world.said(p.group, "points/top")  # the /top 上月 answer, the card
    assert "2026年11月" in card and "2026年12月" not in card and "感谢每一位热心邻居" in card
    await world.say(p.wang, p.group, "/top 上月 关")
    assert (await world.templates(p.group))[-1] == "points/top_usage"


async def test_a_redelivered_post_command_says_nothing_twice(world: World) -> None:
    p = await place(world)
    update = await world.say(p.clerk, p.staff_group, "/top post")
    count = len(world.texts(p.staff_group))
    await world.redeliver(update)
    assert len(world.texts(p.staff_group)) == count


async def test_without_neighbourhood_groups_there_is_nowhere_to_post(world: World) -> None:
    staff_group = await world.community_group("阳光工作群", "阳光社区", staff=True)
    await world.say(world.admin, staff_group, "/top post")
    assert (await world.templates(staff_group))[-1] == "points/top_no_groups"


async def test_someone_who_left_the_communitys_groups_is_off_the_roll_but_keeps_their_points(
    world: World,
) -> None:
    p = await place(world)
    await world.say(world.admin, p.group, "/award @laowang 30 清理楼道")
    world.fake.leave_group(p.wang, p.group)
    await world.pump()
    await world.say(p.clerk, p.group, "/top")
    assert "老王" not in world.last(p.group)
    await world.say(p.wang, world.dm(p.wang), "/points")
    assert "积分：30" in world.last(world.dm(p.wang))
