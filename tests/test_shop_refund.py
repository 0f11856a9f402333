"""Giving a redemption back (/unredeem, the button under the code) and expiry through the sweep:
the points come back as a reversing entry and the stock is released, once; never after fulfilment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.shop import refund
from tests.conftest import Clock
from tests.requests_world import balance
from tests.shop_world import give_points, redemptions, rewards, shop
from tests.world import World


async def _redeemed(world: World, place) -> str:
    await world.say(world.admin, place.staff_group, "/reward add 理发券 | 50 | 3 | @barber")
    await give_points(world, place.resident, 60)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/redeem 1")
    await world.press(place.resident, dm, "确认兑换")
    code = (await redemptions(world))[-1].code
    return f"{code[:4]}-{code[4:]}"


async def test_the_button_under_the_code_asks_then_gives_it_back_with_a_refund_once(world: World) -> None:
    place = await shop(world)
    await _redeemed(world, place)
    dm = world.dm(place.resident)
    await world.press(place.resident, dm, "退回兑换")
    assert "确定要退回" in world.last(dm)
    assert (await redemptions(world))[0].status == "pending"
    await world.press(place.resident, dm, "确定退回")
    assert "已退回" in world.last(dm) and "现在有 60 分" in world.last(dm)
    await world.press(place.resident, dm, "确定退回")
    assert "已经退回过了" in (world.answers()[-1] or "")
    (redemption,) = await redemptions(world)
    assert redemption.status == "cancelled"
    assert await balance(world, place.resident) == (60, 60, 3)
    assert (await rewards(world))[0].reserved == 0 and (await rewards(world))[0].stock == 3


async def test_unredeem_by_code_refunds_and_the_code_can_no_longer_be_fulfilled(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, f"/unredeem {code.lower()}")
    assert "已退回" in world.last(dm)
    await world.say(place.merchant, world.dm(place.merchant), f"/fulfil {code}")
    assert "退回" in world.last(world.dm(place.merchant))
    assert await balance(world, place.resident) == (60, 60, 3)
    await world.say(place.resident, dm, "/points")
    assert "退回兑换" in world.last(dm) and "兑换奖品" in world.last(dm)


async def test_a_fulfilled_or_someone_elses_code_cannot_be_given_back(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    dm = world.dm(place.resident)
    await world.say(place.estate.volunteer, world.dm(place.estate.volunteer), f"/unredeem {code}")
    assert "没有这个兑换码" in world.last(world.dm(place.estate.volunteer))
    await world.say(place.resident, dm, "/unredeem")
    assert "/unredeem 兑换码" in world.last(dm)
    await world.say(place.merchant, world.dm(place.merchant), f"/fulfil {code}")
    await world.say(place.resident, dm, f"/unredeem {code}")
    assert "已经核销，不能退回" in world.last(dm)
    assert (await redemptions(world))[0].status == "fulfilled"
    assert await balance(world, place.resident) == (10, 10, 2)


async def test_a_pending_redemption_expires_with_a_refund_through_the_sweep(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    place = await shop(world)
    code = await _redeemed(world, place)
    deps = world.bot.deps
    clock.advance(timedelta(days=29).total_seconds())
    assert await refund.expire_due(deps.uow, deps.env) == 0
    clock.advance(timedelta(days=1, seconds=1).total_seconds())
    assert await refund.expire_due(deps.uow, deps.env) == 1
    assert await refund.expire_due(deps.uow, deps.env) == 0
    await world.pump()
    assert "过期未领取" in world.last(world.dm(place.resident))
    (redemption,) = await redemptions(world)
    assert redemption.status == "expired"
    assert await balance(world, place.resident) == (60, 60, 3)
    assert (await rewards(world))[0].reserved == 0
    await world.say(place.merchant, world.dm(place.merchant), f"/fulfil {code}")
    assert "过期" in world.last(world.dm(place.merchant))


async def test_a_fulfilled_redemption_never_expires(clocked: World, clock: Clock) -> None:
    world = clocked
    place = await shop(world)
    code = await _redeemed(world, place)
    await world.say(place.merchant, world.dm(place.merchant), f"/fulfil {code}")
    clock.advance(timedelta(days=60).total_seconds())
    assert await refund.expire_due(world.bot.deps.uow, world.bot.deps.env) == 0
    assert (await redemptions(world))[0].status == "fulfilled"
    assert await balance(world, place.resident) == (10, 10, 2)


async def test_points_lists_the_redemptions_waiting_to_be_collected(world: World) -> None:
    place = await shop(world)
    code = await _redeemed(world, place)
    dm = world.dm(place.resident)
    await world.say(place.resident, dm, "/points")
    assert "待领取的兑换" in world.last(dm) and code in world.last(dm)
    await world.say(place.resident, dm, f"/unredeem {code}")
    await world.say(place.resident, dm, "/points")
    assert "待领取的兑换" not in world.last(dm)


@pytest.mark.settings(redemption_days=7)
async def test_the_days_before_expiry_are_a_setting(clocked: World, clock: Clock) -> None:
    world = clocked
    place = await shop(world)
    await _redeemed(world, place)
    clock.advance(timedelta(days=7, seconds=1).total_seconds())
    assert await refund.expire_due(world.bot.deps.uow, world.bot.deps.env) == 1
    assert (await redemptions(world))[0].status == "expired"
