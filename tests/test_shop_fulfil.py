"""Fulfilment (核销): by the reward's merchant or staff, once; every wrong code gets a clear reply."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Clock
from tests.shop_world import give_points, redemptions, rewards, shop
from tests.world import World


async def _redeemed(world: World, place, line: str = "理发券 | 50 | 3 | @barber") -> str:
    """The resident redeems the newest reward; its code as shown (ABCD-EFGH)."""
    await world.say(world.admin, place.staff_group, f"/reward add {line}")
    reward_id = (await rewards(world))[-1].id
    await give_points(world, place.resident, 60, key=f"seed:{reward_id}")
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, f"/redeem {reward_id}")
    await world.press(place.resident, dm, "确认兑换")
    code = (await redemptions(world))[-1].code
    return f"{code[:4]}-{code[4:]}"


async def test_the_merchant_fulfils_a_code_once_and_the_person_is_told(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    merchant_dm = world.dm(place.merchant)
    await world.say(place.merchant, merchant_dm, f"/fulfil {code}")
    assert "已核销" in world.last(merchant_dm) and "张阿姨" in world.last(merchant_dm)
    assert "已核销" in world.last(world.dm(place.resident))
    (redemption,) = await redemptions(world)
    assert redemption.status == "fulfilled" and redemption.fulfilled_by_id is not None
    (haircut,) = await rewards(world)
    assert (haircut.stock, haircut.reserved) == (2, 0)
    await world.say(place.merchant, merchant_dm, f"/fulfil {code}")
    assert "已经在" in world.last(merchant_dm) and "核销过了" in world.last(merchant_dm)
    assert ((await rewards(world))[0].stock, (await rewards(world))[0].reserved) == (2, 0)


async def test_a_code_typed_in_lower_case_or_with_spaces_is_accepted(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    typed = " ".join(code.replace("-", "").lower())
    await world.say(place.merchant, world.dm(place.merchant), f"/fulfil {typed}")
    assert (await redemptions(world))[0].status == "fulfilled"


async def test_staff_fulfil_a_reward_without_a_merchant(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place, "食堂餐券 | 30")
    await world.say(world.admin, place.staff_group, f"/fulfil {code}")
    assert "已核销" in world.last(place.staff_group)
    assert (await redemptions(world))[0].status == "fulfilled"


async def test_wrong_codes_and_wrong_people_get_a_clear_reply_and_change_nothing(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    other = world.person("李老板", username="lilaoban")
    await world.say(other, place.group, "大家好")
    await world.start(other)
    await world.say(world.admin, place.staff_group, "/grant 商家 @lilaoban")
    merchant_dm, other_dm, resident_dm = world.dm(place.merchant), world.dm(other), world.dm(place.resident)
    await world.say(place.merchant, merchant_dm, "/fulfil ZZZZ-ZZZZ")
    assert "没有这个兑换码" in world.last(merchant_dm)
    await world.say(place.merchant, merchant_dm, "/fulfil")
    assert "/fulfil 兑换码" in world.last(merchant_dm)
    await world.say(other, other_dm, f"/fulfil {code}")
    assert "不是您店里的奖品" in world.last(other_dm)
    await world.say(place.resident, resident_dm, f"/fulfil {code}")
    assert "只有奖品的商家或社区工作人员" in world.last(resident_dm)
    assert (await redemptions(world))[0].status == "pending"
    assert (await rewards(world))[0].reserved == 1


async def test_an_expired_code_cannot_be_fulfilled(clocked: World, clock: Clock) -> None:
    world = clocked
    place = await shop(world)
    code = await _redeemed(world, place)
    clock.advance(timedelta(days=31).total_seconds())
    await world.say(place.merchant, world.dm(place.merchant), f"/fulfil {code}")
    assert "过期" in world.last(world.dm(place.merchant))
    assert (await redemptions(world))[0].status == "pending"


async def test_scanning_the_qr_opens_a_confirm_step_for_the_merchant(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    raw = code.replace("-", "")
    await world.start(place.merchant, f"fulfil-{raw}")
    merchant_dm = world.dm(place.merchant)
    assert "确认已经交给对方了吗" in world.last(merchant_dm)
    assert (await redemptions(world))[0].status == "pending"
    await world.press(place.merchant, merchant_dm, "确认核销")
    assert (await redemptions(world))[0].status == "fulfilled"
    await world.press(place.merchant, merchant_dm, "确认核销")
    assert "核销过了" in (world.answers()[-1] or "")
    assert (await rewards(world))[0].stock == 2


async def test_anyone_else_opening_the_qr_link_is_politely_refused(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    await world.start(place.resident, f"fulfil-{code.replace('-', '')}")
    assert "只有商家或社区工作人员扫码才能核销" in world.last(world.dm(place.resident))
    assert (await redemptions(world))[0].status == "pending"


async def test_a_merchant_lists_this_months_fulfilments_for_settlement(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    merchant_dm = world.dm(place.merchant)
    await world.say(place.merchant, merchant_dm, "/fulfilled")
    assert "本月还没有核销" in world.last(merchant_dm)
    await world.say(place.merchant, merchant_dm, f"/fulfil {code}")
    await world.say(place.merchant, merchant_dm, "/fulfilled")
    assert "理发券" in world.last(merchant_dm) and "合计 1 笔，50 积分" in world.last(merchant_dm)
    await world.say(place.resident, world.dm(place.resident), "/fulfilled")
    assert "工作人员" in world.last(world.dm(place.resident))


async def test_a_merchant_whose_role_was_revoked_can_no_longer_fulfil(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    await world.say(world.admin, place.staff_group, "/revoke 商家 @barber")
    await world.say(place.merchant, world.dm(place.merchant), f"/fulfil {code}")
    assert "只有奖品的商家或社区工作人员" in world.last(world.dm(place.merchant))
    assert (await redemptions(world))[0].status == "pending"
