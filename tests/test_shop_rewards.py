"""Staff keep the points shop's rewards with /reward: add, edit, restock, retire, list."""

from __future__ import annotations

from tests.shop_world import rewards, shop
from tests.world import World


async def test_staff_add_a_reward_in_one_line_with_its_merchant_and_monthly_limit(world: World) -> None:
    place = await shop(world)
    await world.say(
        world.admin,
        place.staff_group,
        "/reward add 理发券 | 50 | 10 | @barber | 每月1次 | 社区理发店，周一休息",
    )
    assert "已上架" in world.last(place.staff_group)
    assert "王师傅" in world.last(place.staff_group)
    (haircut,) = await rewards(world)
    assert (haircut.name, haircut.cost, haircut.stock, haircut.reserved) == ("理发券", 50, 10, 0)
    assert haircut.monthly_limit == 1 and haircut.merchant_id is not None and haircut.active
    assert haircut.description == "社区理发店，周一休息"


async def test_a_reward_needs_only_a_name_and_a_cost_and_then_has_unlimited_stock(world: World) -> None:
    place = await shop(world)
    await world.say(world.admin, place.staff_group, "/reward add 食堂餐券 | ３０")
    (meal,) = await rewards(world)
    assert (meal.cost, meal.stock, meal.merchant_id, meal.monthly_limit) == (30, None, None, None)
    assert "由工作人员核销" in world.last(place.staff_group)


async def test_bad_reward_lines_are_refused_politely_and_add_nothing(world: World) -> None:
    place = await shop(world)
    for line, answer in [
        ("/reward", "/reward add"),
        ("/reward add 理发券", "/reward add"),
        ("/reward add 理发券 | 0", "1 到"),
        ("/reward add 理发券 | -5", "1 到"),
        ("/reward add 理发券 | 很多", "1 到"),
        ("/reward add 理发券 | 50 | 很多", "库存"),
        ("/reward add 理发券 | 50 | 10 | @nobody", "nobody"),
        ("/reward add 理发券 | 50 | 10 | 王师傅", "@用户名"),
        ("/reward add 理发券 | 50 | 10 | | 每月二百次", "每月限额"),
        ("/reward add  | 50", "名称"),
        (f"/reward add {'长' * 65} | 50", "名称"),
    ]:
        await world.say(world.admin, place.staff_group, line)
        assert answer in world.last(place.staff_group), line
    assert await rewards(world) == []


async def test_only_a_person_with_the_merchant_role_can_be_a_rewards_merchant(world: World) -> None:
    place = await shop(world)
    neighbour = world.person("李叔", username="lishu")
    await world.say(neighbour, place.group, "大家好")
    await world.say(world.admin, place.staff_group, "/reward add 理发券 | 50 | 10 | @lishu")
    assert "还不是本社区的商家" in world.last(place.staff_group)
    assert await rewards(world) == []


async def test_residents_cannot_manage_rewards(world: World) -> None:
    place = await shop(world)
    await world.say(place.resident, place.group, "/reward add 理发券 | 50")
    assert "工作人员" in world.last(place.group)
    assert await rewards(world) == []


async def test_staff_edit_restock_and_retire_a_reward(world: World) -> None:
    place = await shop(world)
    await world.say(world.admin, place.staff_group, "/reward add 理发券 | 50 | 10")
    (haircut,) = await rewards(world)
    rid = haircut.id
    await world.say(world.admin, place.staff_group, f"/reward edit {rid} 积分 60")
    await world.say(world.admin, place.staff_group, f"/reward edit {rid} 商家 @barber")
    await world.say(world.admin, place.staff_group, f"/reward edit {rid} 限额 每月2次")
    await world.say(world.admin, place.staff_group, f"/reward edit {rid} 描述 周一休息")
    await world.say(world.admin, place.staff_group, f"/reward restock {rid} +5")
    assert "库存已更新" in world.last(place.staff_group)
    (haircut,) = await rewards(world)
    assert (haircut.cost, haircut.stock, haircut.monthly_limit, haircut.description) == (
        60,
        15,
        2,
        "周一休息",
    )
    assert haircut.merchant_id is not None
    await world.say(world.admin, place.staff_group, f"/reward restock {rid} 不限")
    await world.say(world.admin, place.staff_group, f"/reward retire {rid}")
    assert "已下架" in world.last(place.staff_group)
    (haircut,) = await rewards(world)
    assert haircut.stock is None and not haircut.active
    await world.say(world.admin, place.staff_group, "/reward list")
    assert "理发券" in world.last(place.staff_group) and "已下架" in world.last(place.staff_group)


async def test_an_unknown_reward_or_field_gets_a_clear_reply(world: World) -> None:
    place = await shop(world)
    await world.say(world.admin, place.staff_group, "/reward retire 99")
    assert "没有编号为 99" in world.last(place.staff_group)
    await world.say(world.admin, place.staff_group, "/reward add 理发券 | 50 | 10")
    (haircut,) = await rewards(world)
    await world.say(world.admin, place.staff_group, f"/reward edit {haircut.id} 颜色 红")
    assert "/reward add" in world.last(place.staff_group)
    await world.say(world.admin, place.staff_group, f"/reward restock {haircut.id} -3")
    assert "库存" in world.last(place.staff_group)
    assert (await rewards(world))[0].stock == 10


async def test_stock_below_what_pending_redemptions_reserved_is_refused(world: World) -> None:
    from tests.shop_world import give_points, redemptions

    place = await shop(world)
    await world.say(world.admin, place.staff_group, "/reward add 理发券 | 10 | 3")
    await give_points(world, place.resident, 50)
    dm = world.dm(place.resident)
    for _ in range(2):
        await world.say(place.resident, dm, "/redeem 1")
        await world.press(place.resident, dm, "确认兑换")
    assert len(await redemptions(world)) == 2
    await world.say(world.admin, place.staff_group, "/reward restock 1 1")
    assert "库存不能少于 2" in world.last(place.staff_group)
    (haircut,) = await rewards(world)
    assert (haircut.stock, haircut.reserved) == (3, 2)
    await world.say(world.admin, place.staff_group, "/reward restock 1 2")
    (haircut,) = await rewards(world)
    assert (haircut.stock, haircut.reserved) == (2, 2)


async def test_staff_add_a_reward_step_by_step_in_private_and_confirm_the_summary(world: World) -> None:
    place = await shop(world)
    dm = world.dm(world.admin)
    await world.start(world.admin)
    await world.say(world.admin, dm, "/reward add")
    assert "第 1 步" in world.last(dm)
    await world.say(world.admin, dm, "理发券")
    await world.say(world.admin, dm, "零")
    assert "1 到" in world.last(dm)  # asked again; the flow waits at the same step
    await world.say(world.admin, dm, "50")
    assert "第 3 步" in world.last(dm)
    await world.say(world.admin, dm, "10")
    await world.say(world.admin, dm, "@barber")
    assert "第 5 步" in world.last(dm)
    await world.say(world.admin, dm, "每月1次")
    await world.say(world.admin, dm, "周一休息")
    assert "请确认要上架的奖品" in world.last(dm) and "王师傅" in world.last(dm)
    assert await rewards(world) == []
    await world.press(world.admin, dm, "上架")
    assert "已上架" in world.last(dm)
    await world.press(world.admin, dm, "上架")  # a second press adds nothing
    (haircut,) = await rewards(world)
    assert (haircut.name, haircut.cost, haircut.stock, haircut.monthly_limit) == ("理发券", 50, 10, 1)
    assert haircut.merchant_id is not None and haircut.description == "周一休息"
    assert place.group is not None


async def test_the_step_by_step_reward_can_be_cancelled_and_adds_nothing(world: World) -> None:
    await shop(world)
    dm = world.dm(world.admin)
    await world.start(world.admin)
    await world.say(world.admin, dm, "/reward add")
    await world.say(world.admin, dm, "理发券")
    await world.say(world.admin, dm, "/cancel")
    await world.say(world.admin, dm, "50")
    assert await rewards(world) == []


async def test_the_step_by_step_reward_leaves_out_what_is_answered_with_none(world: World) -> None:
    await shop(world)
    dm = world.dm(world.admin)
    await world.start(world.admin)
    await world.say(world.admin, dm, "/reward add")
    for answer in ("食堂餐券", "30", "不限", "无", "不限", "无"):
        await world.say(world.admin, dm, answer)
    assert "由工作人员核销" in world.last(dm) and "库存不限" in world.last(dm)
    await world.press(world.admin, dm, "上架")
    (meal,) = await rewards(world)
    assert (meal.stock, meal.merchant_id, meal.monthly_limit, meal.description) == (None, None, None, "")
