"""Looking up people the bot never heard from, at the service level, with a fake MemberDirectory:
bounded, remembered, and never with a transaction open while Telegram is asked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from functools import partial

import pytest
from sqlalchemy import select

from bot.incoming import Incoming, Person
from bot.services.community import members, people
from bot.services.community.members import LookupFailed
from bot.services.shared.runner import Deps
from bot.services.volunteers import registration
from storage.models import GroupMember
from tests.services.bench import Bench, Estate, bind


@dataclass
class Directory:
    """Telegram's member lists, as a test sets them: (chat id, user id) -> status, else absent."""

    statuses: dict[tuple[int, int], str] = field(default_factory=dict)
    failing: set[int] = field(default_factory=set)  # chats whose answer is a LookupFailed
    hanging: set[int] = field(default_factory=set)  # chats that never answer
    broken: set[int] = field(default_factory=set)  # chats where the directory itself has a bug
    calls: list[tuple[int, int]] = field(default_factory=list)
    during: list[object] = field(default_factory=list)  # what `check` saw at each call
    check: object = None

    async def status(self, chat_id: int, user_id: int) -> str:
        self.calls.append((chat_id, user_id))
        if callable(self.check):
            self.during.append(self.check())
        if chat_id in self.hanging:
            await asyncio.Event().wait()
        if chat_id in self.failing:
            raise LookupFailed("flood wait")
        if chat_id in self.broken:
            raise RuntimeError("a bug")
        return self.statuses.get((chat_id, user_id), "absent")


def looking_up(bench: Bench, directory: Directory, **settings: object) -> Deps:
    env = bench.deps.env
    if settings:
        env = replace(env, settings=env.settings.model_copy(update=settings))
    deps = Deps(sessions=bench.deps.sessions, env=env, prepare=partial(members.recognise, directory))
    bench.deps = deps
    return deps


def private(bench: Bench, person: Person, text: str = "") -> Incoming:
    return Incoming(bench.next_update_id(), person, bench.dm(person), bench.ids.take("message"), text)


async def rows(bench: Bench, person: Person) -> list[tuple[int, str, str]]:
    """What the bot keeps about where a person is: (group, status, how it learnt it)."""
    async with bench.uow() as uow:
        user = await uow.users.find_by_telegram_id(person.telegram_id)
        if user is None:
            return []
        chats = {c.id: c.telegram_id for c in await uow.chats.bound(100)}
        found = await uow.session.execute(
            select(GroupMember).where(GroupMember.user_id == user.id).order_by(GroupMember.id)
        )
        return [(chats[r.chat_id], r.status, r.source) for r in found.scalars()]


async def test_someone_found_in_a_group_is_a_member_before_their_command_runs(
    bench: Bench, home: Estate
) -> None:
    directory = Directory()
    looking_up(bench, directory)
    wang = bench.person("老王")
    directory.statuses[(home.group.chat_id, wang.telegram_id)] = "member"
    mark = await bench.mark()

    await bench.say(wang, bench.dm(wang), registration.register)

    assert [r.template for r in await bench.rows_since(mark)] == ["volunteers/ask_name"]
    assert sorted(directory.calls) == sorted(
        [(home.group.chat_id, wang.telegram_id), (home.staff_group.chat_id, wang.telegram_id)]
    )
    assert sorted(await rows(bench, wang)) == sorted(
        [(home.group.chat_id, "member", "lookup"), (home.staff_group.chat_id, "absent", "lookup")]
    )


async def test_no_database_connection_is_held_while_telegram_is_asked(bench: Bench, home: Estate) -> None:
    engine = bench.deps.sessions.kw["bind"]
    directory = Directory(check=lambda: engine.sync_engine.pool.checkedout())
    looking_up(bench, directory)
    stranger = bench.person("路人")

    await bench.say(stranger, bench.dm(stranger), people.start)

    assert directory.during == [0, 0]


async def test_a_lookup_out_of_time_keeps_what_came_and_leaves_the_rest_for_next_time(
    bench: Bench, home: Estate
) -> None:
    directory = Directory(hanging={home.staff_group.chat_id})
    deps = looking_up(bench, directory)
    wang = bench.person("老王")
    directory.statuses[(home.group.chat_id, wang.telegram_id)] = "member"

    unfinished = await members.recognise(directory, deps, private(bench, wang), budget=0.05)

    assert unfinished is False  # found in the group that answered
    assert await rows(bench, wang) == [(home.group.chat_id, "member", "lookup")]


async def test_a_stranger_whose_lookup_could_not_finish_is_told_to_try_again(
    bench: Bench, home: Estate
) -> None:
    directory = Directory(failing={home.group.chat_id}, broken={home.staff_group.chat_id})
    looking_up(bench, directory)
    stranger = bench.person("路人")
    mark = await bench.mark()

    await bench.say(stranger, bench.dm(stranger), registration.register)

    assert [r.template for r in await bench.rows_since(mark)] == ["community/lookup_later"]
    assert await rows(bench, stranger) == []  # nothing remembered: asked again next time
    directory.failing.clear()
    directory.broken.clear()
    await bench.say(stranger, bench.dm(stranger), registration.register)
    assert [r.template for r in await bench.rows_since(mark)][-1] == "volunteers/join_first"
    assert len(directory.calls) == 4


async def test_the_cap_asks_only_the_most_recently_active_groups(bench: Bench, home: Estate) -> None:
    directory = Directory()
    looking_up(bench, directory, member_lookup_groups=2)
    quiet = bench.group("幸福里老楼群")
    await bind(bench, quiet)
    bench.clock.advance(3600)  # the estate's groups were last written in an hour ago
    lively = bench.group("幸福里新楼群")
    await bind(bench, lively)
    await bench.say(bench.person("热心人"), lively, people.seen, "早上好")
    bench.clock.advance(1200)
    await bench.say(bench.person("邻居"), home.group, people.seen, "早")

    await bench.say(bench.person("路人"), bench.dm(bench.person("路人")), people.start)

    assert [chat for chat, _ in directory.calls] == [home.group.chat_id, lively.chat_id]


async def test_a_lookup_cap_of_zero_asks_nobody(bench: Bench, home: Estate) -> None:
    directory = Directory()
    looking_up(bench, directory, member_lookup_groups=0)
    stranger = bench.person("路人")
    await bench.say(stranger, bench.dm(stranger), people.start)
    assert directory.calls == []


@pytest.mark.parametrize("status", ["creator", "administrator", "restricted"])
async def test_every_status_of_someone_in_the_group_counts_as_in_it(
    bench: Bench, home: Estate, status: str
) -> None:
    directory = Directory()
    looking_up(bench, directory)
    staff = bench.person("小李")
    directory.statuses[(home.staff_group.chat_id, staff.telegram_id)] = status
    await bench.say(staff, bench.dm(staff), people.start)
    async with bench.uow() as uow:
        user = await uow.users.find_by_telegram_id(staff.telegram_id)
        assert user is not None
        assert len(await uow.memberships.of_user(user.id)) == 1


async def test_group_messages_are_not_looked_up(bench: Bench, home: Estate) -> None:
    directory = Directory()
    looking_up(bench, directory)
    await bench.say(bench.person("新邻居"), home.group, people.seen, "大家好")
    assert directory.calls == []


async def test_a_lookup_that_fails_outright_still_lets_the_command_answer(bench: Bench, home: Estate) -> None:
    async def broken(deps: Deps, inc: Incoming) -> bool:
        raise RuntimeError("the database went away for a moment")

    bench.deps = Deps(sessions=bench.deps.sessions, env=bench.deps.env, prepare=broken)
    stranger = bench.person("路人")
    mark = await bench.mark()
    await bench.say(stranger, bench.dm(stranger), registration.register)
    assert [r.template for r in await bench.rows_since(mark)] == ["volunteers/join_first"]
