"""Requests, the whole closed loop through the handlers and the fake Bot API:
ask -> claim or assign -> done -> confirm -> rate -> points -> 晒单."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.requests import finish
from bot.services.requests.cards import RATING_ALERT
from fakebot import FakeChat, FakeTelegram
from offline import OfflineBot
from tests.conftest import ADMIN_ID, Clock, make_settings
from tests.requests_world import (
    HOME,
    Estate,
    all_text,
    balance,
    card_text,
    estate,
    events,
    request_no,
    volunteer,
)
from tests.world import World

LEAK = "厨房水管漏水了，电话13812345678"


async def file_leak(world: World, e: Estate) -> None:
    await world.say(e.resident, e.group, f"#求助 3号楼2单元501 {LEAK}")


async def claim_and_finish(world: World, e: Estate) -> None:
    await world.press(e.volunteer, e.group, "接单")
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")


def buttons_of_last(world: World, chat: FakeChat) -> list[str]:
    message = world.fake.bot_messages(chat)[-1]
    return [text for row in message.buttons for text, _ in row]


# -- intake and triage ---------------------------------------------------------------------------
async def test_hashtag_message_becomes_a_numbered_triaged_request_with_cards(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    request = await request_no(world, 1)
    assert (request.category, request.building, request.unit, request.room) == (
        "repair",
        "3号楼",
        "2单元",
        "501",
    )
    assert request.status == "open" and not request.urgent
    public = await card_text(world, e.group, 1)
    assert "#1 维修" in public and "3号楼" in public
    assert "501" not in public and "13812345678" not in public  # never in the group
    assert "紧急" not in public  # a non-urgent card carries no urgency label at all
    staff = await card_text(world, e.staff_group, 1)
    assert "501" in staff and "13812345678" in staff and "张阿姨" in staff
    assert any("派给 老王" in label for label in buttons_of_last(world, e.staff_group))
    assert await events(world, 1) == ["filed"]


async def test_urgent_request_is_marked_and_has_short_wall_clock_deadlines(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 5号楼 老人摔倒了 起不来 紧急")
    request = await request_no(world, 1)
    assert request.urgent and request.category == "elderly"
    assert "紧急" in await card_text(world, e.group, 1)
    assert (request.resolve_by - request.created_at).total_seconds() <= 30 * 60


async def test_request_command_in_private_posts_the_card_to_the_building_group_and_staff(
    world: World,
) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    await world.say(e.resident, dm, "/request 3号楼楼道灯坏了好几天")
    assert "#1" in world.last(dm)  # the requester's own card is the acknowledgement
    assert "#1 维修" in await card_text(world, e.group, 1)
    assert "#1 维修" in await card_text(world, e.staff_group, 1)


async def test_private_request_shows_only_category_and_building_in_the_group(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, world.dm(e.resident), "/request 私密 3号楼 家里老人需要有人陪着去医院")
    public = await card_text(world, e.group, 1)
    assert "医院" not in public and "🔒" in public
    assert "医院" in await card_text(world, e.staff_group, 1)


async def test_album_with_caption_becomes_one_request_with_all_photos(world: World) -> None:
    e = await estate(world)
    world.fake.send_album(e.resident, e.group, 3, caption="#报修 3号楼 电梯门关不上")
    await world.pump()
    request = await request_no(world, 1)
    async with world.bot.deps.uow() as uow:
        kept = await uow.requests.media_of(request.id)
    assert [m.kind for m in kept] == ["photo", "photo", "photo"]
    photos_to_staff = [m for m in world.fake.bot_messages(e.staff_group) if m.media and "photo" in m.media]
    assert len(photos_to_staff) == 3
    assert "照片 3 张" in await card_text(world, e.group, 1)
    async with world.bot.deps.uow() as uow:
        community = await uow.communities.find_by_name(HOME)
        assert community is not None and community.request_seq == 1  # one album, one number


async def test_staff_reply_with_request_files_the_residents_message_for_them(world: World) -> None:
    e = await estate(world)
    said = await world.say(e.resident, e.group, "5号楼门口的垃圾好几天没人收了")
    await world.say(world.admin, e.group, "/request", reply_to=said["message"]["message_id"])
    request = await request_no(world, 1)
    async with world.bot.deps.uow() as uow:
        resident = await uow.users.find_by_telegram_id(e.resident.id)
    assert resident is not None and request.requester_id == resident.id
    assert request.category == "sanitation" and request.building == "5号楼"
    assert await events(world, 1) == ["filed", "filed_for"]


async def test_resident_cannot_file_someone_elses_message(world: World) -> None:
    e = await estate(world)
    neighbour = world.person("李叔")
    said = await world.say(e.resident, e.group, "楼道灯坏了")
    await world.say(neighbour, e.group, "/request", reply_to=said["message"]["message_id"])
    assert (await world.templates(e.group))[-1] == "requests/reply_staff_only"


async def test_staff_file_for_a_resident_who_phoned_and_confirm_by_phone(world: World) -> None:
    e = await estate(world)
    staff_dm = world.dm(world.admin)
    await world.start(world.admin)
    await world.say(world.admin, staff_dm, "/onbehalf 刘奶奶 | 3号楼1单元302 | 13900000000 | 家里下水道堵了")
    assert "刘奶奶" in world.last(staff_dm) and "#1" in world.last(staff_dm)
    request = await request_no(world, 1)
    assert request.requester_id is None and request.room == "302" and request.contact == "13900000000"
    assert "302" not in await card_text(world, e.group, 1) and "13900000000" not in all_text(world, e.group)
    await claim_and_finish(world, e)
    assert (await world.templates(e.staff_group))[-1] == "requests/staff_confirm_by_phone"
    await world.say(world.admin, e.staff_group, "/confirm 1")
    assert (await request_no(world, 1)).status == "confirmed"
    assert (await balance(world, e.volunteer))[0] == 10


async def test_voice_message_in_private_is_offered_and_filed_with_the_voice_kept(world: World) -> None:
    e = await estate(world)
    dm = world.dm(e.resident)
    world.fake.send_voice(e.resident, dm, duration=12)
    await world.pump()
    await world.press(e.resident, dm, "登记为求助")
    assert (await world.templates(dm))[-1] == "requests/ask_building"  # a voice note names no building
    await world.press(e.resident, dm, "跳过")
    request = await request_no(world, 1)
    async with world.bot.deps.uow() as uow:
        assert [m.kind for m in await uow.requests.media_of(request.id)] == ["voice"]
    assert any(m.media and "voice" in m.media for m in world.fake.bot_messages(e.staff_group))


async def test_requester_adds_details_later_by_command_and_by_replying_to_the_card(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.say(e.resident, e.group, "/add 1 下午三点以后家里有人")
    card = world.fake.bot_messages(e.group)
    card_id = next(m.message_id for m in card if (m.plain_text or "").startswith("#1"))
    world.fake.send_photo(e.resident, e.group, caption="这是漏水的地方", reply_to=card_id)
    await world.pump()
    assert await events(world, 1) == ["filed", "added", "added"]
    assert "下午三点以后家里有人" in await card_text(world, e.staff_group, 1)
    assert "下午三点以后家里有人" not in await card_text(
        world, e.group, 1
    )  # details stay with those who help


# -- claim, assign, decline, release ------------------------------------------------------------
async def test_claim_sends_details_privately_and_tells_the_requester(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.press(e.volunteer, e.group, "接单")
    vol_dm = world.dm(e.volunteer)
    assert "501" in world.last(vol_dm) and "13812345678" in world.last(vol_dm)
    assert "已接单（老王）" in await card_text(world, e.group, 1)
    assert "接单" not in " ".join(buttons_of_last(world, e.group))
    assert "老王 接单" in world.last(world.dm(e.resident))
    assert (await request_no(world, 1)).responded_at is not None


async def test_second_claim_is_refused_politely(world: World) -> None:
    e = await estate(world)
    other = await volunteer(world, e.group, "小李", "小李 | 5号楼 | 跑腿 | 否")
    await file_leak(world, e)
    card = next(m for m in reversed(world.fake.bot_messages(e.group)) if m.buttons)
    data = next(d for row in card.buttons for t, d in row if "接单" in t)
    world.fake.press(e.volunteer, e.group, card.message_id, data)
    world.fake.press(other, e.group, card.message_id, data)
    await world.pump()
    assert world.answers()[-1] is not None and "已经由 老王 接单" in (world.answers()[-1] or "")
    assert await events(world, 1) == ["filed", "claimed"]


async def test_staff_assign_by_button_lets_the_volunteer_decline(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.press(world.admin, e.staff_group, "派给 老王")
    assert (await request_no(world, 1)).status == "assigned"
    vol_dm = world.dm(e.volunteer)
    assert (await world.templates(vol_dm))[-1] == "requests/told_assigned"
    await world.press(e.volunteer, vol_dm, "无法接单")
    request = await request_no(world, 1)
    assert request.status == "open" and request.volunteer_id is None
    assert (await world.templates(e.staff_group))[-1] == "requests/staff_given_back"
    assert await events(world, 1) == ["filed", "assigned", "declined"]


async def test_assign_by_command_with_a_mention_and_release_puts_it_back(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.say(world.admin, e.staff_group, "/assign #1 老王")
    assert "已把求助 #1 派给 老王" in world.last(e.staff_group)
    await world.say(e.volunteer, world.dm(e.volunteer), "/release 1 临时有事")
    assert (await request_no(world, 1)).status == "open"
    assert "临时有事" in world.last(e.staff_group)


# -- done, confirm, rate, points, 晒单 -----------------------------------------------------------
async def test_whole_loop_awards_points_once_and_posts_a_publicity_card_edited_by_the_rating(
    world: World,
) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.press(e.volunteer, e.group, "接单")
    await world.press(e.volunteer, world.dm(e.volunteer), "在路上")
    assert "马上到" in world.last(world.dm(e.resident))
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")
    res_dm = world.dm(e.resident)
    assert "解决了吗" in world.last(res_dm)
    confirm = await world.press(e.resident, res_dm, "已解决")
    await world.redeliver(confirm)
    await world.say(e.resident, res_dm, "/confirm 1")  # a second confirm changes nothing either
    assert await balance(world, e.volunteer) == (10, 10, 1)
    publicity = world.fake.bot_messages(e.group)[-1]
    assert "晒单 #1" in (publicity.plain_text or "") and "老王" in (publicity.plain_text or "")
    assert "501" not in (publicity.plain_text or "")
    await world.press(e.resident, res_dm, "⭐⭐⭐⭐⭐")
    edited = world.fake.message(e.group, publicity.message_id)
    assert edited is not None and "⭐⭐⭐⭐⭐" in (edited.plain_text or "")
    assert await events(world, 1) == ["filed", "claimed", "progress", "done", "confirmed", "rated"]
    await world.say(e.volunteer, world.dm(e.volunteer), "/points")
    assert "10" in world.last(world.dm(e.volunteer)) and "#1" in world.last(world.dm(e.volunteer))


@pytest.mark.parametrize(
    "caption", ["/done 1 换了新的水管", "／done １ 换了新的水管"]
)  # a phone keyboard's too
async def test_done_with_a_photo_caption_keeps_the_proof_and_sends_it_to_the_requester(
    world: World, caption: str
) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.press(e.volunteer, e.group, "接单")
    world.fake.send_photo(e.volunteer, world.dm(e.volunteer), caption=caption)
    await world.pump()
    request = await request_no(world, 1)
    assert request.status == "done" and request.done_note == "换了新的水管"
    assert any(m.media and "photo" in m.media for m in world.fake.bot_messages(world.dm(e.resident)))


async def test_unreachable_requester_is_mentioned_in_the_group_and_can_confirm_there(world: World) -> None:
    e = await estate(world, resident_started=False)
    await file_leak(world, e)
    await claim_and_finish(world, e)
    assert "张阿姨" in world.last(e.group) and "/confirm 1" in world.last(e.group)
    await world.press(e.resident, e.group, "已解决")
    assert (await request_no(world, 1)).status == "confirmed"


async def test_low_rating_alerts_the_staff_group(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await claim_and_finish(world, e)
    await world.say(e.resident, world.dm(e.resident), "/confirm 1")
    await world.say(e.resident, world.dm(e.resident), "/rate 1 2 来得太晚了")
    alert = await world.card(e.staff_group, RATING_ALERT, (await request_no(world, 1)).id)
    assert "低分评价 #1" in alert and "来得太晚了" in alert


async def test_reopen_after_confirm_reverses_the_points_with_a_new_entry(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await claim_and_finish(world, e)
    await world.say(e.resident, world.dm(e.resident), "/confirm 1")
    await world.say(e.resident, world.dm(e.resident), "/reopen 1 水管还在滴水")
    request = await request_no(world, 1)
    assert request.status == "open" and request.round == 1 and request.volunteer_id is None
    assert await balance(world, e.volunteer) == (0, 0, 2)  # the earning stays, reversed
    assert "水管还在滴水" in world.last(world.dm(e.volunteer))
    await claim_and_finish(world, e)
    await world.say(e.resident, world.dm(e.resident), "/confirm 1")
    assert await balance(world, e.volunteer) == (10, 10, 3)  # earned again in the new round


async def test_cancel_by_the_requester_tells_the_volunteer(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.press(e.volunteer, e.group, "接单")
    await world.say(e.resident, world.dm(e.resident), "/cancel 1 已经自己修好了")
    assert (await request_no(world, 1)).status == "cancelled"
    assert "已撤销" in world.last(world.dm(e.volunteer))
    assert "已撤销" in await card_text(world, e.group, 1)


async def test_publicity_off_and_a_volunteer_who_opted_out_of_being_named(world: World) -> None:
    e = await estate(world)
    await world.say(e.volunteer, world.dm(e.volunteer), "/profile 署名 关")
    await file_leak(world, e)
    await claim_and_finish(world, e)
    await world.say(e.resident, world.dm(e.resident), "/confirm 1")
    text = world.last(e.group)
    assert "晒单 #1" in text and "一位志愿者" in text and "老王" not in text
    await world.say(world.admin, e.staff_group, "/publicity off")
    await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    await claim_and_finish(world, e)
    await world.say(e.resident, world.dm(e.resident), "/confirm 2")
    assert "晒单 #2" not in all_text(world, e.group)


# -- automatic confirmation, stored due time ---------------------------------------------------------
async def test_done_request_is_confirmed_automatically_after_the_stored_due_time_across_a_restart(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await estate(world)
    await file_leak(world, e)
    await claim_and_finish(world, e)
    settings = world.bot.settings
    await world.bot.stop()  # nothing is kept in memory: the due time is in the database
    clock.advance(47 * 3600)
    world.bot = OfflineBot(world.fake, settings, clock=clock)
    await world.bot.start()
    deps = world.bot.deps
    assert await finish.confirm_due(deps.uow, deps.env) == 0  # not yet
    clock.advance(3600)
    assert await finish.confirm_due(deps.uow, deps.env) == 1
    assert await finish.confirm_due(deps.uow, deps.env) == 0  # once
    await world.bot.settle()
    request = await request_no(world, 1)
    assert request.status == "confirmed" and request.auto_confirmed
    assert await balance(world, e.volunteer) == (10, 10, 1)
    assert "自动确认" in await card_text(world, e.group, 1)
    assert await events(world, 1) == ["filed", "claimed", "done", "auto_confirmed"]


# -- lists ----------------------------------------------------------------------------------------
async def test_history_mine_open_and_overdue(clocked: World, clock: Clock) -> None:
    world = clocked
    e = await estate(world)
    for n in range(12):
        await world.say(e.resident, e.group, f"#求助 {n + 1}号楼 楼道灯坏了")
    await world.press(e.volunteer, e.group, "接单")
    await world.say(world.admin, e.staff_group, "/open")
    assert "共 12 条" in world.last(e.staff_group)
    await world.press(world.admin, e.staff_group, "下一页")
    assert "第 2/2 页" in world.last(e.staff_group)
    await world.say(e.volunteer, world.dm(e.volunteer), "/mine")
    assert "我接的" in world.last(world.dm(e.volunteer))
    await world.say(world.admin, e.staff_group, "/overdue")
    assert (await world.templates(e.staff_group))[-1] == "requests/overdue_list"
    assert "#" not in world.last(e.staff_group)  # no request is late yet
    clock.advance(2 * 3600)
    await world.say(world.admin, e.staff_group, "/overdue")
    assert (await world.templates(e.staff_group))[-1] == "requests/overdue_list"
    assert "#12" in world.last(e.staff_group)
    await world.say(world.admin, e.staff_group, "/history 12")
    assert "登记" in world.last(e.staff_group) and "接单" in world.last(e.staff_group)


async def test_staff_correct_category_and_building(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 有点事想请人帮忙")
    await world.say(world.admin, e.staff_group, "/category 1 维修")
    await world.say(world.admin, e.staff_group, "/building 1 七号楼")
    request = await request_no(world, 1)
    assert (request.category, request.building, request.points) == ("repair", "7号楼", 10)
    assert await events(world, 1) == ["filed", "category", "building"]
    assert "#1 维修 · 7号楼" in await card_text(world, e.group, 1)


async def test_matching_volunteer_who_opted_in_gets_a_nudge_rate_limited(world: World) -> None:
    e = await estate(world)
    await world.say(e.volunteer, world.dm(e.volunteer), "/profile 提醒 开")
    await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    assert "新的求助 #1" in world.last(world.dm(e.volunteer))
    await world.say(e.resident, e.group, "#求助 3号楼 水管漏水")
    assert "新的求助 #2" not in all_text(world, world.dm(e.volunteer))  # at most one per 30 minutes


async def test_a_number_in_several_communities_is_asked_about_with_buttons(world: World) -> None:
    e = await estate(world)
    other = await world.community_group("和平里群", "和平社区")
    await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    neighbour = world.person("刘大爷")
    await world.say(neighbour, other, "#求助 1号楼 垃圾没人收")
    await world.start(world.admin)
    dm = world.dm(world.admin)
    await world.say(world.admin, dm, "/cancel 1 重复登记")
    assert (await world.templates(dm))[-1] == "requests/which_community"
    await world.press(world.admin, dm, "和平社区")
    assert (await request_no(world, 1, "和平社区")).status == "cancelled"
    assert (await request_no(world, 1)).status == "open"
    assert "已撤销求助 #1" in world.last(dm)


async def test_a_community_override_changes_points_and_service_hours(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    override = tmp_path / "categories.yaml"
    override.write_text(
        f"communities:\n  {HOME}:\n    service_hours: '09:00-17:00'\n"
        "    categories:\n      repair:\n        points: 25\n",
        encoding="utf-8",
    )
    settings = make_settings(database_url, categories_file=override, group_messages_per_minute=6000)
    fake = FakeTelegram()
    world = World(fake, OfflineBot(fake, settings), admin_id=ADMIN_ID)
    await world.bot.start()
    try:
        e = await estate(world)
        await file_leak(world, e)
        request = await request_no(world, 1)
        assert request.points == 25
        await claim_and_finish(world, e)
        await world.say(e.resident, world.dm(e.resident), "/confirm 1")
        assert (await balance(world, e.volunteer))[0] == 25
        assert str(world.bot.deps.env.catalogs.for_community(HOME).service_hours) == "09:00-17:00"
        assert world.bot.deps.env.catalogs.for_community("和平社区").get("repair").points == 10  # type: ignore[union-attr]
    finally:
        await world.bot.stop()


async def test_a_long_history_shows_the_newest_steps_that_fit_in_one_message(world: World) -> None:
    e = await estate(world)
    await file_leak(world, e)
    await world.press(e.volunteer, e.group, "接单")
    for n in range(25):
        await world.say(e.volunteer, world.dm(e.volunteer), f"/progress 1 第{n}次进展 " + "很长的说明" * 55)
    await world.say(world.admin, e.staff_group, "/history 1")
    shown = world.last(e.staff_group)
    assert "第24次进展" in shown and "未显示" in shown  # the newest, and a note of what was left out


async def test_editing_a_request_message_is_answered_with_how_to_add_details(world: World) -> None:
    e = await estate(world)
    said = await world.say(e.resident, e.group, "#求助 3号楼 楼道灯坏了")
    world.fake.edit_text(e.resident, e.group, said["message"]["message_id"], "#求助 5号楼 楼道灯坏了")
    await world.pump()
    assert "/add" in world.last(e.group)
    assert (await request_no(world, 1)).building == "3号楼"


async def test_the_sweep_for_due_confirmations_runs_on_the_job_queue(world: World) -> None:
    job_queue = world.bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name("sweep")
    assert job.job.trigger.interval.total_seconds() == world.bot.settings.sweep_seconds


async def test_a_request_in_an_unbound_group_is_told_the_group_is_not_set_up(world: World) -> None:
    chat = await world.group("还没绑定的群")
    resident = world.person("张阿姨")
    await world.say(resident, chat, "#求助 楼道灯坏了")
    assert "绑定" in world.last(chat)
    async with world.bot.deps.uow() as uow:
        assert await uow.communities.all() == []
