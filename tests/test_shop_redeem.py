"""/shop and redeeming: the catalogue with the reader's balance, a confirm step, one transaction
that debits and reserves, a code in private; every refusal changes nothing."""

from __future__ import annotations

from bot import callbacks
from tests.requests_world import balance
from tests.shop_world import give_points, redemptions, rewards, shop
from tests.world import World


async def _haircut(world: World, place, line: str = "理发券 | 50 | 2 | @barber | 每月1次 | 周一休息") -> int:
    await world.say(world.admin, place.staff_group, f"/reward add {line}")
    return (await rewards(world))[-1].id


async def _confirm_both(world: World, person, first: str, second: str) -> None:
    """Open two confirm steps (/redeem first, /redeem second), then press the newer one and the older."""
    dm = world.dm(person)
    await world.say(person, dm, f"/redeem {first}")
    older = world.fake.bot_messages(dm)[-1].message_id
    await world.say(person, dm, f"/redeem {second}")
    await world.press(person, dm, "确认兑换")
    await world.press(person, dm, "确认兑换", message_id=older)


async def test_shop_shows_the_catalogue_with_the_balance_and_what_the_person_can_afford(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place)
    await _haircut(world, place, "食堂餐券 | 200")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/shop")
    text = world.last(dm)
    assert "您的积分：60" in text
    assert "🎁 理发券 50 积分（剩 2 份）" in text
    assert "食堂餐券 200 积分（还差 140 分）" in text
    buttons = world.fake.bot_messages(dm)[-1].buttons
    assert all(len(data.encode()) <= 64 for row in buttons for _, data in row if data)


async def test_the_catalogue_comes_in_pages(world: World) -> None:
    place = await shop(world)
    for n in range(8):
        await world.say(world.admin, place.staff_group, f"/reward add 奖品{n} | {10 + n}")
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/shop")
    assert "第 1/2 页" in world.last(dm) and "奖品7" not in world.last(dm)
    await world.press(place.resident, dm, "下一页")
    assert "第 2/2 页" in world.last(dm) and "奖品7" in world.last(dm)


async def test_shop_is_for_the_private_chat(world: World) -> None:
    place = await shop(world)
    await world.say(place.resident, place.group, "/shop")
    assert "私聊" in world.last(place.group) or "私信" in world.last(place.group)


async def test_redeeming_asks_to_confirm_then_debits_reserves_and_sends_a_code(world: World) -> None:
    place = await shop(world)
    rid = await _haircut(world, place)
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/shop")
    await world.press(place.resident, dm, "理发券")
    assert "需要 50 积分；您现有 60 分，兑换后剩 10 分" in world.last(dm)
    assert await redemptions(world) == []  # the confirm step changes nothing
    await world.press(place.resident, dm, "确认兑换")
    (redemption,) = await redemptions(world)
    assert redemption.status == "pending" and redemption.cost == 50 and redemption.entry_id is not None
    assert not set(redemption.code) & set("0O1I") and len(redemption.code) == 8
    shown = f"{redemption.code[:4]}-{redemption.code[4:]}"
    assert any(shown in t and "兑换成功" in t for t in world.texts(dm))
    assert await balance(world, place.resident) == (10, 10, 2)
    (haircut,) = await rewards(world)
    assert (haircut.stock, haircut.reserved) == (2, 1)
    assert haircut.id == rid


async def test_a_double_press_of_confirm_redeems_once(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 20 | 5")
    await give_points(world, place.resident, 100)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    await world.press(place.resident, dm, "确认兑换")
    await world.press(place.resident, dm, "确认兑换")
    assert len(await redemptions(world)) == 1
    assert await balance(world, place.resident) == (80, 80, 2)
    assert "已经兑换好了" in (world.answers()[-1] or "")
    assert (await rewards(world))[0].reserved == 1


async def test_not_enough_points_is_refused_and_nothing_changes(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place)
    await give_points(world, place.resident, 30)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    assert "积分不够" in world.last(dm) and "现有 30 分" in world.last(dm)
    assert await redemptions(world) == [] and await balance(world, place.resident) == (30, 30, 1)


async def test_a_confirm_pressed_after_the_points_were_spent_elsewhere_changes_nothing(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 50 | 5")
    await _haircut(world, place, "餐券 | 50 | 5")
    await give_points(world, place.resident, 60)
    await _confirm_both(world, place.resident, "1", "2")
    assert "积分不够" in (world.answers()[-1] or "")
    assert len(await redemptions(world)) == 1
    assert await balance(world, place.resident) == (10, 10, 2)
    assert [r.reserved for r in await rewards(world)] == [0, 1]


async def test_no_stock_is_refused_and_nothing_changes(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 0")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    assert "兑完" in world.last(dm)
    assert await redemptions(world) == [] and await balance(world, place.resident) == (60, 60, 1)


async def test_the_last_unit_cannot_be_redeemed_twice(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 1")
    await give_points(world, place.resident, 60)
    await _confirm_both(world, place.resident, "1", "1")
    assert "兑完" in (world.answers()[-1] or "")
    assert len(await redemptions(world)) == 1 and await balance(world, place.resident) == (50, 50, 2)


async def test_the_monthly_limit_is_kept(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 5 | | 每月1次")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await _confirm_both(world, place.resident, "1", "1")
    assert "每月最多兑换 1 次" in (world.answers()[-1] or "")
    await world.say(place.resident, dm, "/redeem 1")
    assert "每月最多兑换 1 次" in world.last(dm)
    assert len(await redemptions(world)) == 1 and await balance(world, place.resident) == (50, 50, 2)


async def test_a_retired_reward_is_refused(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 5")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    await world.say(world.admin, place.staff_group, "/reward retire 1")
    await world.press(place.resident, dm, "确认兑换")
    assert "下架" in (world.answers()[-1] or "")
    assert await redemptions(world) == [] and await balance(world, place.resident) == (60, 60, 1)


async def test_a_forged_or_unknown_reward_button_is_refused(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 5")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/shop")
    message_id = world.fake.bot_messages(dm)[-1].message_id
    for data in (callbacks.encode("sy", 999, 10), callbacks.encode("sv", 999), "v1:sy:abc:1", "v1:sy:1"):
        world.fake.press(place.resident, dm, message_id, data)
        await world.pump()
    assert await redemptions(world) == [] and await balance(world, place.resident) == (60, 60, 1)
    assert all(a for a in world.answers())
    await world.say(place.resident, dm, "/redeem 999")
    assert "没有找到这个奖品" in world.last(dm)
    await world.say(place.resident, dm, "/redeem")
    assert "/redeem 奖品编号" in world.last(dm)


async def test_someone_of_another_community_cannot_redeem_its_rewards(world: World) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 5")
    other = await world.community_group("阳光群", "阳光社区")
    stranger = world.person("陌生人")
    await world.say(stranger, other, "大家好")
    await world.start(stranger)
    dm = world.dm(stranger)
    await world.say(stranger, dm, "/redeem 1")
    assert "没有找到这个奖品" in world.last(dm)


async def test_an_english_reader_gets_the_shop_in_english(world: World) -> None:
    from tests.requests_world import english_resident

    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 5")
    tom = await english_resident(world, place.group)
    await give_points(world, tom, 15)
    dm = world.dm(tom)
    await world.say(tom, dm, "/shop")
    assert "Your points: 15" in world.last(dm)
    await world.press(tom, dm, "理发券")
    await world.press(tom, dm, "Redeem")
    assert any("Redeemed" in t for t in world.texts(dm))


async def test_the_code_comes_with_a_qr_of_the_link_that_opens_the_bot_to_fulfil_it(world: World) -> None:
    from bot import qr

    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 5")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    await world.press(place.resident, dm, "确认兑换")
    (redemption,) = await redemptions(world)
    photo = world.fake.bot_messages(dm)[-1]
    assert photo.media.get("photo"), "the QR is sent as a photo"
    assert redemption.code[:4] in (photo.caption or "")
    link = f"https://t.me/{world.bot.deps.env.bot_username}?start=fulfil-{redemption.code}"
    assert world.fake.file_content(photo.media["photo"][-1]["file_id"]) == qr.png(link)
    assert qr.png(link).startswith(b"\x89PNG\r\n\x1a\n")


async def test_a_cost_changed_after_the_confirm_step_is_shown_again_before_anything_is_taken(
    world: World,
) -> None:
    place = await shop(world)
    await _haircut(world, place, "理发券 | 10 | 5")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    await world.say(world.admin, place.staff_group, "/reward edit 1 积分 40")
    await world.press(place.resident, dm, "确认兑换")
    assert "现在需要 40 积分" in (world.answers()[-1] or "")
    assert await redemptions(world) == [] and await balance(world, place.resident) == (60, 60, 1)


async def test_a_photo_captioned_reward_add_is_the_rewards_picture_shown_before_confirming(
    world: World,
) -> None:
    place = await shop(world)
    world.fake.send_photo(world.admin, place.staff_group, caption="/reward add 理发券 | 10 | 5")
    await world.pump()
    (haircut,) = await rewards(world)
    assert haircut.photo_file_id is not None
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    photos = [m for m in world.fake.bot_messages(dm) if m.media.get("photo")]
    assert len(photos) == 1
    assert "确定兑换吗" in world.last(dm)
