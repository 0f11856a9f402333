"""People the bot has never heard from: members who never wrote in their group are found through
Telegram (getChatMember) when they write in private, and joins and departures are followed."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from fakebot import FakeChat, FakeUser
from storage.models import GroupMember, Membership
from tests.conftest import Clock
from tests.requests_world import estate, request_no
from tests.world import World

HOME = "幸福里社区"
SUNNY = "阳光社区"
LOOKUP = "getChatMember"


async def bound(world: World, title: str, community: str, *, staff: bool = False) -> FakeChat:
    return await world.community_group(title, community, staff=staff)


def already_in(world: World, person: FakeUser, chat: FakeChat) -> None:
    """In the group since before the bot came, and never wrote there: the bot has not seen them."""
    world.fake.set_member_status(chat, person, "member")


async def silent_member(world: World, name: str = "老王") -> tuple[FakeChat, FakeUser, FakeChat]:
    """幸福里's group, someone in it who never wrote there, and their private chat with the bot."""
    home = await bound(world, "幸福里3号楼群", HOME)
    person = world.person(name)
    already_in(world, person, home)
    return home, person, world.dm(person)


async def membership(world: World, person: FakeUser, community: str = HOME) -> Membership | None:
    async with world.bot.deps.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.id)
        found = await uow.communities.find_by_name(community)
        if user is None or found is None:
            return None
        return await uow.memberships.find(user.id, found.id)


async def left_at(world: World, person: FakeUser, community: str = HOME) -> datetime | None:
    m = await membership(world, person, community)
    assert m is not None, "no membership"
    return m.left_at


def lookups(world: World) -> int:
    return len(world.fake.calls_of(LOOKUP))


# -- found through Telegram ------------------------------------------------------------------------
async def test_a_member_who_never_wrote_in_the_group_is_recognised_when_they_start_the_bot(
    world: World,
) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    aunt = world.person("张阿姨")
    already_in(world, aunt, home)

    await world.start(aunt)

    assert HOME in world.last(world.dm(aunt))
    assert "还没有加入" not in world.last(world.dm(aunt))
    m = await membership(world, aunt)
    assert m is not None and m.joined_via == "lookup" and m.left_at is None
    assert [c["chat_id"] for c in world.fake.calls_of(LOOKUP)] == [home.id]


async def test_a_member_who_never_wrote_registers_as_a_volunteer_of_their_own_community(
    world: World,
) -> None:
    await bound(world, "阳光小区群", SUNNY)
    _, wang, dm = await silent_member(world)

    await world.say(wang, dm, "/volunteer")
    assert await world.templates(dm) == ["volunteers/ask_name"]  # one community: no picker
    await world.say(wang, dm, "/volunteer 老王 | 3号楼 | 维修,电工 | 是")

    m = await membership(world, wang)
    assert m is not None and m.volunteer_status == "active" and m.building == "3号楼"
    assert await membership(world, wang, SUNNY) is None
    assert lookups(world) == 2  # both groups asked once; the second command asked nothing


async def test_a_private_request_from_a_member_who_never_wrote_is_filed_in_their_community(
    world: World,
) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    aunt = world.person("张阿姨")
    already_in(world, aunt, home)

    await world.say(aunt, world.dm(aunt), "/request 3号楼 楼道灯坏了")

    assert any("楼道灯坏了" in text for text in world.texts(home))


async def test_a_plain_private_message_from_a_member_who_never_wrote_is_offered_as_a_request(
    world: World,
) -> None:
    _, aunt, dm = await silent_member(world, "张阿姨")
    await world.say(aunt, dm, "3号楼楼道灯不亮了")
    assert (await world.templates(dm))[-1] == "requests/offer"


async def test_a_stranger_in_no_group_is_told_politely_how_to_join(world: World) -> None:
    await bound(world, "幸福里3号楼群", HOME)
    stranger = world.person("路人")
    dm = world.dm(stranger)

    await world.say(stranger, dm, "/volunteer")
    assert "还没有加入社区" in world.last(dm) and "邀请链接" in world.last(dm)
    await world.say(stranger, dm, "/request 楼道灯坏了")
    assert "还没有加入任何社区" in world.last(dm)

    assert await membership(world, stranger) is None
    assert lookups(world) == 1  # the answer "not in it" is remembered too


async def test_an_english_stranger_is_told_in_english(world: World) -> None:
    await bound(world, "Building 3", HOME)
    stranger = world.person("Tom", language_code="en")
    await world.say(stranger, world.dm(stranger), "/volunteer")
    assert "You have not joined a community yet" in world.last(world.dm(stranger))


async def test_with_no_bound_group_nobody_is_looked_up(world: World) -> None:
    stranger = world.person("路人")
    await world.start(stranger)
    assert lookups(world) == 0


async def test_a_known_member_is_never_looked_up(world: World) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    aunt = world.person("张阿姨")
    await world.say(aunt, home, "大家好")
    await world.start(aunt)
    await world.say(aunt, world.dm(aunt), "/points")
    assert lookups(world) == 0


async def test_what_was_found_is_kept_across_a_restart_and_asked_again_only_after_a_while(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    await bound(world, "幸福里3号楼群", HOME)
    stranger = world.person("路人")
    await world.start(stranger)
    assert lookups(world) == 1

    await world.bot.stop()
    await world.bot.start()
    await world.say(stranger, world.dm(stranger), "/volunteer")
    assert lookups(world) == 1  # the stored answer, not a second call

    clock.advance(31 * 60)  # MEMBER_LOOKUP_MINUTES is 30
    await world.say(stranger, world.dm(stranger), "/volunteer")
    assert lookups(world) == 2


# -- when Telegram does not answer -----------------------------------------------------------------
async def test_a_flood_wait_during_the_lookup_asks_to_try_again_and_asks_telegram_later(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    _, wang, dm = await silent_member(world)
    world.fake.fail_next(LOOKUP, retry_after=5)

    await world.say(wang, dm, "/volunteer")
    assert await world.templates(dm) == ["community/lookup_later"]
    assert "过一分钟再发一次" in world.last(dm)
    await world.say(wang, dm, "/volunteer")  # still within Telegram's wait: not asked again
    assert lookups(world) == 1 and (await world.templates(dm))[-1] == "community/lookup_later"

    clock.advance(6)
    await world.say(wang, dm, "/volunteer")
    assert (await world.templates(dm))[-1] == "volunteers/ask_name"
    assert lookups(world) == 2


async def test_try_again_is_said_in_the_persons_language(world: World) -> None:
    await bound(world, "Building 3", HOME)
    tom = world.person("Tom", language_code="en")
    world.fake.fail_next(LOOKUP, retry_after=30)
    await world.say(tom, world.dm(tom), "/request the hall light is out")
    assert "Please send it again in a minute" in world.last(world.dm(tom))
    assert await membership(world, tom) is None


@pytest.mark.parametrize("fault", ["network", "timeout"])
async def test_a_network_failure_during_the_lookup_asks_to_try_again(world: World, fault: str) -> None:
    _, wang, dm = await silent_member(world)
    if fault == "network":
        world.fake.fail_next(LOOKUP, network_error=True)
    else:
        world.fake.fail_next(LOOKUP, timeout_after_accept=True)

    await world.say(wang, dm, "/volunteer")
    assert (await world.templates(dm))[-1] == "community/lookup_later"
    assert await membership(world, wang) is None

    await world.say(wang, dm, "/volunteer")
    assert (await world.templates(dm))[-1] == "volunteers/ask_name"


async def test_a_group_telegram_refuses_to_answer_about_is_taken_as_not_found(world: World) -> None:
    _, wang, dm = await silent_member(world)
    world.fake.fail_next(LOOKUP, error_code=403, description="Forbidden: bot was kicked from the group chat")

    await world.say(wang, dm, "/volunteer")

    assert "还没有加入社区" in world.last(dm)


# -- several communities ---------------------------------------------------------------------------
async def test_a_member_of_two_communities_groups_is_asked_which_one(world: World) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    sunny = await bound(world, "阳光小区群", SUNNY)
    wang = world.person("老王")
    already_in(world, wang, home)
    already_in(world, wang, sunny)
    dm = world.dm(wang)

    await world.say(wang, dm, "/volunteer")
    assert await world.templates(dm) == ["volunteers/ask_community"]
    await world.press(wang, dm, SUNNY)
    assert (await world.templates(dm))[-1] == "volunteers/ask_name"

    await world.say(wang, dm, "/cancel")
    await world.say(wang, dm, "/request 5号楼 水管漏水")
    assert (await world.templates(dm))[-1] == "requests/ask_community"
    await world.press(wang, dm, HOME)
    assert any("水管漏水" in text for text in world.texts(home))
    assert not any("水管漏水" in text for text in world.texts(sunny))


# -- hundreds of groups: the cap -------------------------------------------------------------------
@pytest.mark.settings(member_lookup_groups=1)  # as with many more groups than the cap
async def test_beyond_the_cap_the_most_recently_active_groups_are_asked_and_the_rest_told_how(
    world: World,
) -> None:
    quiet = await bound(world, "幸福里老楼群", HOME)
    busy = await bound(world, "阳光小区群", SUNNY)
    await world.say(world.person("热心人"), busy, "早上好")  # the busy group was active last
    wang = world.person("老王")
    already_in(world, wang, quiet)
    dm = world.dm(wang)

    await world.say(wang, dm, "/volunteer")

    assert [c["chat_id"] for c in world.fake.calls_of(LOOKUP)] == [busy.id]
    assert "在社区的邻里群里说句话" in world.last(dm)
    await world.say(wang, quiet, "大家好")  # writing once in the group is enough
    await world.say(wang, dm, "/volunteer")
    assert (await world.templates(dm))[-1] == "volunteers/ask_name"


# -- joining and leaving ---------------------------------------------------------------------------
async def test_someone_joining_a_group_becomes_its_resident_without_a_word_in_the_group(world: World) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    said = len(world.texts(home))
    aunt = world.person("张阿姨")

    world.fake.join_group(aunt, home)
    await world.pump()

    m = await membership(world, aunt)
    assert m is not None and m.joined_via == "group"
    assert len(world.texts(home)) == said
    await world.start(aunt)
    assert HOME in world.last(world.dm(aunt)) and lookups(world) == 0


async def test_people_added_by_a_neighbour_all_become_residents(world: World) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    son = world.person("小张")
    await world.say(son, home, "大家好")
    mother, father = world.person("张妈妈"), world.person("张爸爸")

    world.fake.add_members(son, home, [mother, father])
    await world.pump()

    assert await membership(world, mother) is not None and await membership(world, father) is not None


async def test_grant_by_username_works_for_staff_seen_joining_the_staff_group(world: World) -> None:
    await bound(world, "幸福里3号楼群", HOME)
    staff_group = await bound(world, "幸福里工作群", HOME, staff=True)
    xiaoli = world.person("小李", username="xiaoli")
    world.fake.join_group(xiaoli, staff_group)
    await world.pump()

    await world.say(world.admin, staff_group, "/grant 工作人员 @xiaoli")

    assert (await world.templates(staff_group))[-1] == "community/roles_granted"
    m = await membership(world, xiaoli)
    assert m is not None and "staff" in m.roles


async def test_grant_by_username_of_someone_never_seen_says_how_to_name_them(world: World) -> None:
    staff_group = await bound(world, "幸福里工作群", HOME, staff=True)
    await world.say(world.admin, staff_group, "/grant 工作人员 @nobody_here")
    assert "还不认识 @nobody_here" in world.last(staff_group) and "/start" in world.last(staff_group)


async def test_leaving_the_last_group_keeps_points_and_history_but_not_new_work(world: World) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    wang = world.person("老王")
    await world.say(wang, home, "大家好")
    await world.start(wang)
    dm = world.dm(wang)
    await world.say(wang, dm, "/volunteer 老王 | 3号楼 | 维修 | 是")

    world.fake.leave_group(wang, home)
    await world.pump()

    m = await membership(world, wang)
    assert m is not None and m.left_at is not None and m.volunteer_status == "active"
    await world.say(wang, dm, "/points")
    assert (await world.templates(dm))[-1] == "points/show"
    await world.say(wang, dm, "/volunteer")
    assert (await world.templates(dm))[-1] == "volunteers/join_first"
    await world.say(world.person("张阿姨"), home, "#求助 3号楼 灯坏了")
    await world.say(wang, dm, "/take 1")
    assert (await world.templates(dm))[-1] == "requests/volunteers_only"

    world.fake.join_group(wang, home)
    await world.pump()
    assert await left_at(world, wang) is None


async def test_leaving_one_of_a_communitys_groups_keeps_the_membership(world: World) -> None:
    three = await bound(world, "幸福里3号楼群", HOME)
    five = await bound(world, "幸福里5号楼群", HOME)
    aunt = world.person("张阿姨")
    await world.say(aunt, three, "大家好")
    await world.say(aunt, five, "大家好")

    world.fake.leave_group(aunt, three)
    await world.pump()
    assert await left_at(world, aunt) is None

    world.fake.leave_group(aunt, five, removed_by=world.admin, ban=True)
    await world.pump()
    assert await left_at(world, aunt) is not None


async def test_chat_member_updates_are_followed_where_the_bot_is_an_administrator(world: World) -> None:
    home = await bound(world, "幸福里3号楼群", HOME)
    world.fake.set_bot_admin(world.admin, home)
    await world.pump()
    aunt = world.person("张阿姨")

    world.fake.join_group(aunt, home)
    await world.pump()
    kinds = [e.kind for e in world.fake.transcript if e.direction == "in"][-2:]
    assert kinds == ["service", "chat_member"]  # asked for in allowed_updates, so it came
    assert await left_at(world, aunt) is None

    world.fake.leave_group(aunt, home, removed_by=world.admin, ban=True)
    await world.pump()
    assert await left_at(world, aunt) is not None
    async with world.bot.deps.uow() as uow:
        rows = (await uow.session.execute(select(GroupMember.status, GroupMember.source))).all()
    assert ("kicked", "chat_member") in rows


async def test_joining_a_group_that_is_not_bound_makes_nobody_a_member(world: World) -> None:
    chat = await world.group("随便聊聊")
    aunt = world.person("张阿姨")
    world.fake.join_group(aunt, chat)
    await world.pump()
    async with world.bot.deps.uow() as uow:
        count = (await uow.session.execute(select(func.count()).select_from(Membership))).scalar_one()
    assert count == 0


async def test_a_volunteer_who_leaves_with_a_request_in_hand_is_reported_to_staff(world: World) -> None:
    home = await estate(world)
    await world.say(home.resident, home.group, "#求助 3号楼 水龙头坏了")
    await world.say(home.volunteer, world.dm(home.volunteer), "/take 1")
    await world.say(home.resident, home.group, "#求助 3号楼 灯坏了")

    left = world.fake.leave_group(home.volunteer, home.group)
    await world.pump()

    [notice] = await world.said(home.staff_group, "community/volunteer_left")
    assert "老王" in notice and "#1" in notice and "#2" not in notice
    await world.redeliver(left)
    assert len(await world.said(home.staff_group, "community/volunteer_left")) == 1
    assert (await request_no(world, 1)).volunteer_id is not None  # still theirs until staff decide
