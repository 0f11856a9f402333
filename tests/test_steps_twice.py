"""A step taken twice has one effect and one notice.

A quick double tap reaches the bot as two button presses with different update ids (not a
redelivery); a command may be typed again. The second one changes nothing, writes nothing to any
chat, and is answered with a short "already done" pop-up (or reply, for a command).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.categories import load_catalogs
from bot.incoming import Person, Where
from bot.render import Renderer
from bot.services.requests import claim, finish
from bot.services.shared.runner import Service
from fakebot import CallbackAnswer, FakeChat, FakeUser
from storage.engine import make_engine
from storage.models import OutboxMessage
from tests.conftest import Clock, reset_schema
from tests.requests_world import balance, events, request_no
from tests.services.bench import estate as bench_estate
from tests.services.bench import file_request
from tests.services.conftest import TEMPLATES, make_bench
from tests.test_request_refusals import claimed, confirmed, done, filed, look, mark, sent_since
from tests.world import World


def button(world: World, chat: FakeChat, label: str) -> tuple[int, str]:
    """The newest bot message in a chat with a button whose label contains `label`."""
    for message in reversed(world.fake.bot_messages(chat)):
        for row in message.buttons:
            for text, data in row:
                if label in text and data is not None:
                    return message.message_id, data
    raise AssertionError(f"no button {label!r}")


async def double_tap(world: World, user: FakeUser, chat: FakeChat, label: str) -> list[dict[str, Any]]:
    """Two presses of the same button before the bot handles either (two update ids)."""
    message_id, data = button(world, chat, label)
    presses = [world.fake.press(user, chat, message_id, data) for _ in range(2)]
    await world.pump()
    return presses


def answer_to(world: World, press: dict[str, Any]) -> CallbackAnswer:
    answers = [a for a in world.fake.callback_answers if a.query_id == press["callback_query"]["id"]]
    assert len(answers) == 1, answers
    return answers[0]


async def queued_by(world: World, update: dict[str, Any]) -> list[OutboxMessage]:
    """Every message the bot queued because of this update (all keys start with its id)."""
    async with world.bot.deps.uow() as uow:
        result = await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"u{update['update_id']}:%"))
        )
        return list(result.scalars())


async def assert_second_is_quiet(world: World, presses: list[dict[str, Any]], *expected: str) -> None:
    first, second = (answer_to(world, p) for p in presses)
    assert first.text and second.text and first.text != second.text
    for word in expected:
        assert word in second.text, second.text
    assert not second.show_alert  # a short pop-up, not an alert to dismiss
    assert await queued_by(world, presses[0]), "the first press did something"
    assert await queued_by(world, presses[1]) == []


async def test_a_double_tap_on_take_claims_once_and_sends_the_details_once(world: World) -> None:
    e = await filed(world)
    presses = await double_tap(world, e.volunteer, e.group, "接单")
    await assert_second_is_quiet(world, presses, "已经是您在处理")
    assert await events(world, 1) == ["filed", "claimed"]
    assert (
        len([m for m in world.fake.bot_messages(world.dm(e.volunteer)) if "501" in (m.plain_text or "")]) == 1
    )
    assert (await world.templates(world.dm(e.resident))).count("requests/told_claimed") == 1


async def test_a_double_tap_on_on_my_way_tells_the_resident_once(world: World) -> None:
    e = await claimed(world)
    presses = await double_tap(world, e.volunteer, world.dm(e.volunteer), "在路上")
    await assert_second_is_quiet(world, presses, "已经告诉居民")
    assert await events(world, 1) == ["filed", "claimed", "progress"]
    assert (await world.templates(world.dm(e.resident))).count("requests/told_progress") == 1
    assert "马上到" in world.last(world.dm(e.resident))


async def test_the_same_progress_note_typed_twice_is_passed_on_once_and_a_new_one_again(world: World) -> None:
    e = await claimed(world)
    vol_dm, res_dm = world.dm(e.volunteer), world.dm(e.resident)
    await world.say(e.volunteer, vol_dm, "/progress 1 十分钟后到")
    since = mark(world)
    await world.say(e.volunteer, vol_dm, "/progress 1 十分钟后到")
    assert [(t.kind, t.chat_id) for t in sent_since(world, since)] == [("message", vol_dm.id)]
    assert "已经告诉居民" in world.last(vol_dm)
    await world.say(e.volunteer, vol_dm, "/progress 1 已到楼下")
    assert "已到楼下" in world.last(res_dm)
    assert (await events(world, 1)).count("progress") == 2


async def test_a_double_tap_on_done_asks_the_resident_once(world: World) -> None:
    e = await claimed(world)
    presses = await double_tap(world, e.volunteer, world.dm(e.volunteer), "已办结")
    await assert_second_is_quiet(world, presses, "已经报告办结")
    assert await events(world, 1) == ["filed", "claimed", "done"]
    asked = [m for m in world.fake.bot_messages(world.dm(e.resident)) if "解决了吗" in (m.plain_text or "")]
    assert len(asked) == 1


async def test_done_typed_twice_is_answered_already_done_and_tells_nobody_again(world: World) -> None:
    e = await claimed(world)
    vol_dm = world.dm(e.volunteer)
    await world.say(e.volunteer, vol_dm, "/done 1 换好了")
    before, since = await look(world, e), mark(world)
    await world.say(e.volunteer, vol_dm, "/done 1 换好了")
    assert [(t.kind, t.chat_id) for t in sent_since(world, since)] == [("message", vol_dm.id)]
    assert "已经报告办结" in world.last(vol_dm)
    assert await look(world, e) == before


async def test_a_double_tap_on_solved_confirms_awards_and_posts_the_publicity_card_once(world: World) -> None:
    e = await done(world)
    presses = await double_tap(world, e.resident, world.dm(e.resident), "已解决")
    await assert_second_is_quiet(world, presses, "已经确认过了")
    assert await balance(world, e.volunteer) == (10, 10, 1)
    assert len([t for t in world.texts(e.group) if "晒单 #1" in t]) == 1


async def test_a_double_tap_on_not_solved_reopens_once(world: World) -> None:
    e = await done(world)
    presses = await double_tap(world, e.resident, world.dm(e.resident), "没解决")
    await assert_second_is_quiet(world, presses, "已经重新打开")
    request = await request_no(world, 1)
    assert request.status == "open" and request.round == 1
    assert (await events(world, 1)).count("reopened") == 1
    assert (await world.templates(e.staff_group)).count("requests/staff_reopened") == 1


async def test_a_double_tap_on_release_gives_it_back_once(world: World) -> None:
    e = await claimed(world)
    presses = await double_tap(world, e.volunteer, world.dm(e.volunteer), "退回")
    await assert_second_is_quiet(world, presses, "已经退回")
    assert (await events(world, 1)).count("released") == 1
    assert (await world.templates(e.staff_group)).count("requests/staff_given_back") == 1


async def test_a_double_tap_on_decline_gives_the_assignment_back_once(world: World) -> None:
    e = await filed(world)
    await world.press(world.admin, e.staff_group, "派给 老王")
    presses = await double_tap(world, e.volunteer, world.dm(e.volunteer), "无法接单")
    await assert_second_is_quiet(world, presses, "已经退回")
    assert (await events(world, 1)).count("declined") == 1


async def test_a_double_tap_on_assign_hands_it_over_once(world: World) -> None:
    e = await filed(world)
    presses = await double_tap(world, world.admin, e.staff_group, "派给 老王")
    await assert_second_is_quiet(world, presses, "已经由这位志愿者处理中")
    assert await events(world, 1) == ["filed", "assigned"]
    assert (await world.templates(world.dm(e.volunteer))).count("requests/told_assigned") == 1


async def test_a_double_tap_on_a_star_rates_once(world: World) -> None:
    e = await confirmed(world)
    presses = await double_tap(world, e.resident, world.dm(e.resident), "⭐⭐⭐⭐⭐")
    await assert_second_is_quiet(world, presses, "已经给求助 #1 评了 ⭐⭐⭐⭐⭐")
    assert await events(world, 1) == ["filed", "claimed", "done", "confirmed", "rated"]
    assert (await world.templates(world.dm(e.volunteer))).count("requests/told_rated") == 1


async def test_cancel_typed_twice_is_answered_already_cancelled(world: World) -> None:
    e = await claimed(world)
    res_dm = world.dm(e.resident)
    await world.say(e.resident, res_dm, "/cancel 1")
    before, since = await look(world, e), mark(world)
    await world.say(e.resident, res_dm, "/cancel 1")
    assert [(t.kind, t.chat_id) for t in sent_since(world, since)] == [("message", res_dm.id)]
    assert "已经撤销" in world.last(res_dm)
    assert await look(world, e) == before


async def test_a_redelivered_second_tap_is_not_answered_again(world: World) -> None:
    e = await claimed(world)
    presses = await double_tap(world, e.volunteer, world.dm(e.volunteer), "已办结")
    since = mark(world)
    await world.redeliver(presses[1])
    await world.redeliver(presses[0])
    assert sent_since(world, since) == []
    assert (await events(world, 1)).count("done") == 1


async def test_take_pressed_again_after_starting_the_bot_sends_the_details_then(world: World) -> None:
    e = await filed(world)
    li = world.person("小李")
    await world.say(li, e.group, "大家好")
    await world.start(li)
    await world.say(li, world.dm(li), "/volunteer 小李 | 5号楼 | 跑腿 | 否")
    async with world.bot.deps.uow() as uow:  # as if she had never started the bot
        user = await uow.users.find_by_telegram_id(li.id)
        assert user is not None
        user.started = False
        await uow.commit()
    card, take = button(world, e.group, "接单")
    await world.press(li, e.group, "接单")
    assert "请私聊我并发送 /start" in world.last(e.group)
    group_before = len(world.texts(e.group))
    world.fake.press(li, e.group, card, take)  # 🙋 again, on the card as she saw it
    await world.pump()
    assert "请私聊我并发送 /start" in (world.answers()[-1] or "")
    assert len(world.texts(e.group)) == group_before  # no second mention in the group
    await world.start(li)
    world.fake.press(li, e.group, card, take)
    await world.pump()
    assert "501" in world.last(world.dm(li))
    assert "已经是您在处理" in (world.answers()[-1] or "")


# -- two presses at the same moment, on PostgreSQL with a connection each --------------------------
async def test_two_presses_at_the_same_moment_on_postgres_take_each_step_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await reset_schema(engine)
    bench = make_bench(engine, postgres_url, Renderer("zh_CN", TEMPLATES), load_catalogs(), Clock())
    try:
        home = await bench_estate(bench)
        request = await file_request(bench, home)
        vol_dm = bench.dm(home.volunteer)

        async def twice(person: Person, where: Where, service: Service) -> list[str]:
            sent = await asyncio.gather(*(bench.press(person, where, service, request.id) for _ in range(2)))
            return sorted(s.outcome.toast or "" for s in sent)

        taken = await twice(home.volunteer, home.group, claim.claim_button)
        assert taken == ["已接单 #1，详情已私信发给您。", "求助 #1 已经是您在处理，详情已私信发给您。"]
        noted = await twice(home.volunteer, vol_dm, finish.progress_button)
        assert "这条进展已经告诉居民了（#1）。" in noted
        done_ = await twice(home.volunteer, vol_dm, finish.done_button)
        assert any("已经报告办结" in t for t in done_)
        solved = await twice(home.resident, bench.dm(home.resident), finish.confirm_button)
        assert any("已经确认过了" in t for t in solved)
        assert await bench.events(1) == ["filed", "claimed", "progress", "done", "confirmed"]
        assert (await bench.points(home.volunteer)).entries == [("earn", 10)]
    finally:
        await engine.dispose()
