"""A rating tapped by mistake can be changed for a short time (RATING_CHANGE_MINUTES, 10).

The new rating replaces the old one; the 晒单 card, the request's cards and the staff alert are
edited (nothing new is posted); points do not depend on the rating. After the window a change
is refused politely. Time is the injected clock, moved by the tests.
"""

from __future__ import annotations

from datetime import timedelta

from bot.services.requests import rating
from bot.services.requests.cards import PUBLICITY, RATING_ALERT
from fakebot import FakeChat, FakeMessage
from tests.conftest import Clock
from tests.requests_world import balance, events, request_no
from tests.test_far_clocks import assert_stamped_by, far_clocks
from tests.test_request_refusals import confirmed, look, mark, neighbour, sent_since
from tests.world import World

WINDOW = 10 * 60


async def card_message_id(world: World, chat: FakeChat, kind: str, number: int = 1) -> int:
    request = await request_no(world, number)
    async with world.bot.deps.uow() as uow:
        posted = await uow.outbox.find_card(kind, request.id, chat.id)
    assert posted is not None, f"no {kind} card in {chat.id}"
    return posted.message_id


def message_in(world: World, chat: FakeChat, message_id: int) -> FakeMessage:
    message = world.fake.message(chat, message_id)
    assert message is not None
    return message


def text_of(world: World, chat: FakeChat, message_id: int) -> str:
    return message_in(world, chat, message_id).plain_text or ""


def stars_on(world: World, chat: FakeChat, message_id: int) -> list[str]:
    return [text for row in message_in(world, chat, message_id).buttons for text, _ in row if "⭐" in text]


async def test_a_rating_changed_just_before_the_window_ends_replaces_the_old_one_everywhere(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await confirmed(world)
    res_dm = world.dm(e.resident)
    await world.press(e.resident, res_dm, "⭐")
    assert "10 分钟内可以重新选择" in (world.answers()[-1] or "")
    publicity = await card_message_id(world, e.group, PUBLICITY)
    alert = await card_message_id(world, e.staff_group, RATING_ALERT)
    assert "请尽快回访" in text_of(world, e.staff_group, alert)
    staff_messages, group_messages = len(world.texts(e.staff_group)), len(world.texts(e.group))

    clock.advance(WINDOW - 1)
    await world.press(e.resident, res_dm, "⭐⭐⭐⭐⭐")

    assert "已把求助 #1 的评价改为 ⭐⭐⭐⭐⭐" in (world.answers()[-1] or "")
    request = await request_no(world, 1)
    assert (request.status, request.rating) == ("rated", 5)
    assert "居民评价：⭐⭐⭐⭐⭐" in text_of(world, e.group, publicity)  # edited, not posted again
    changed = text_of(world, e.staff_group, alert)
    assert "⭐⭐⭐⭐⭐" in changed and "可不必回访" in changed
    assert (len(world.texts(e.staff_group)), len(world.texts(e.group))) == (staff_messages, group_messages)
    assert "改为 ⭐⭐⭐⭐⭐" in world.last(world.dm(e.volunteer))
    assert await balance(world, e.volunteer) == (10, 10, 1)  # the ledger does not depend on it
    assert await events(world, 1) == ["filed", "claimed", "done", "confirmed", "rated", "rerated"]
    await world.say(e.resident, res_dm, "/history 1")
    assert "更改评价" in world.last(res_dm) and "⭐⭐⭐⭐⭐" in world.last(res_dm)
    world.assert_no_unexpected_errors()


async def test_a_rating_change_just_after_the_window_is_refused_politely(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await confirmed(world)
    res_dm = world.dm(e.resident)
    await world.press(e.resident, res_dm, "⭐")
    alert = await card_message_id(world, e.staff_group, RATING_ALERT)
    alert_text = text_of(world, e.staff_group, alert)
    clock.advance(WINDOW + 1)
    before, since = await look(world, e), mark(world)

    await world.press(e.resident, res_dm, "⭐⭐⭐⭐⭐")

    answer = world.fake.callback_answers[-1]
    assert answer.show_alert and "不能再修改" in (answer.text or "") and "10 分钟" in (answer.text or "")
    assert [t.kind for t in sent_since(world, since)] == ["callback_answer"]
    assert await look(world, e) == before
    assert text_of(world, e.staff_group, alert) == alert_text
    await world.say(e.resident, res_dm, "/rate 1 4 其实还行")
    assert "不能再修改" in world.last(res_dm)
    assert (await request_no(world, 1)).rating == 1


async def test_a_typed_change_with_a_comment_is_shown_on_the_publicity_card(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await confirmed(world)
    res_dm = world.dm(e.resident)
    await world.say(e.resident, res_dm, "/rate 1 3")
    publicity = await card_message_id(world, e.group, PUBLICITY)
    clock.advance(5 * 60)
    await world.say(e.resident, res_dm, "/rate 1 4 其实还行，谢谢老王")
    assert "已把求助 #1 的评价改为 ⭐⭐⭐⭐" in world.last(res_dm)
    assert "⭐⭐⭐⭐ “其实还行，谢谢老王”" in text_of(world, e.group, publicity)
    since = mark(world)
    await world.say(e.resident, res_dm, "/rate 1 9")  # bad input in the window: the usage, nothing else
    assert [(t.kind, t.chat_id) for t in sent_since(world, since)] == [("message", res_dm.id)]
    assert "1 到 5" in world.last(res_dm)
    assert (await request_no(world, 1)).rating == 4


async def test_a_good_rating_changed_to_a_low_one_alerts_staff_once_and_edits_that_alert(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await confirmed(world)
    res_dm = world.dm(e.resident)
    await world.press(e.resident, res_dm, "⭐⭐⭐⭐⭐")
    staff_messages = len(world.texts(e.staff_group))
    clock.advance(60)
    await world.press(e.resident, res_dm, "⭐")
    assert len(world.texts(e.staff_group)) == staff_messages + 1
    alert = await card_message_id(world, e.staff_group, RATING_ALERT)
    clock.advance(60)
    await world.press(e.resident, res_dm, "⭐⭐")
    assert len(world.texts(e.staff_group)) == staff_messages + 1
    assert "评价：⭐⭐" in text_of(world, e.staff_group, alert)
    assert "请尽快回访" in text_of(world, e.staff_group, alert)


async def test_the_low_rating_alert_names_the_request_the_volunteer_and_how_to_reach_the_resident(
    world: World,
) -> None:
    e = await confirmed(world)
    li = await neighbour(world, e, "李叔", username="lishu")
    await world.say(li, e.group, "#求助 5号楼1单元302 楼道的灯坏了好几天，晚上看不见路")
    await world.press(e.volunteer, e.group, "接单")
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")
    await world.press(li, world.dm(li), "已解决")
    await world.press(li, world.dm(li), "⭐")
    alert_id = await card_message_id(world, e.staff_group, RATING_ALERT, number=2)
    message = message_in(world, e.staff_group, alert_id)
    text, html = message.plain_text or "", message.html or ""
    assert "低分评价 #2" in text and "楼道的灯坏了" in text
    assert "志愿者：老王" in text
    assert "居民：李叔 @lishu" in text and f"tg://user?id={li.id}" in html
    assert "5号楼 1单元 302" in text


async def test_the_stars_leave_the_residents_card_once_the_rating_can_no_longer_be_changed(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await confirmed(world)
    res_dm = world.dm(e.resident)
    await world.press(e.resident, res_dm, "⭐⭐⭐")
    card = await card_message_id(world, res_dm, "request")
    assert "✅ ⭐⭐⭐" in stars_on(world, res_dm, card)
    deps = world.bot.deps

    clock.advance(WINDOW)
    assert await rating.close_rating_windows(deps.uow, deps.env) == 0  # still changeable
    clock.advance(1)
    assert await rating.close_rating_windows(deps.uow, deps.env) == 1
    await world.bot.settle()

    assert stars_on(world, res_dm, card) == []
    assert "⭐⭐⭐" in text_of(world, res_dm, card)
    since = mark(world)
    await rating.close_rating_windows(deps.uow, deps.env)  # the next sweep: nothing again
    await world.bot.settle()
    assert sent_since(world, since) == []
    world.assert_no_unexpected_errors()


async def test_reopening_after_a_low_rating_marks_the_alert_and_the_next_round_is_rated_afresh(
    world: World,
) -> None:
    e = await confirmed(world)
    await world.press(e.resident, world.dm(e.resident), "⭐")
    alert = await card_message_id(world, e.staff_group, RATING_ALERT)
    await world.say(world.admin, e.staff_group, "/reopen 1 居民来电说灯又不亮了")
    assert "已重新打开" in text_of(world, e.staff_group, alert)
    request = await request_no(world, 1)
    assert (request.status, request.rating, request.rated_at) == ("open", None, None)


@far_clocks
async def test_the_change_window_follows_the_injected_clock_years_away(clocked: World, clock: Clock) -> None:
    world, start = clocked, clock()
    e = await confirmed(world)
    res_dm = world.dm(e.resident)
    await world.press(e.resident, res_dm, "⭐")
    clock.advance(WINDOW)
    await world.press(e.resident, res_dm, "⭐⭐⭐⭐")
    assert (await request_no(world, 1)).rating == 4
    clock.advance(1)
    await world.press(e.resident, res_dm, "⭐⭐⭐⭐⭐")
    assert "不能再修改" in (world.answers()[-1] or "")
    assert (await request_no(world, 1)).rating == 4
    await assert_stamped_by(world, start, clock() + timedelta(days=3))
