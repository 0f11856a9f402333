"""End to end through the fake Telegram: an unsure category on the staff card, picked with one tap."""

from __future__ import annotations

import pytest

from tests.requests_world import card_text, estate, request_no
from tests.world import World


@pytest.mark.settings(triage_threshold=1.0)  # every category counts as a guess
async def test_staff_pick_the_category_on_an_unsure_card_with_one_tap(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 我妈腿脚不好，想找人帮忙买点菜")
    assert "分类是系统猜的" in await card_text(world, e.staff_group, 1)
    assert "分类是系统猜的" not in await card_text(world, e.group, 1)

    await world.press(world.admin, e.staff_group, "邻里纠纷")

    request = await request_no(world, 1)
    assert (request.category, request.complexity, request.category_checked) == ("dispute", "complex", True)
    staff_card = await card_text(world, e.staff_group, 1)
    assert "#1 邻里纠纷" in staff_card and "分类是系统猜的" not in staff_card
    assert "#1 邻里纠纷" in await card_text(world, e.group, 1)  # every copy of the card follows

    await world.say(world.admin, e.staff_group, "/category 1 为老服务")  # the pick corrected later
    request = await request_no(world, 1)
    async with world.bot.deps.uow() as uow:
        lessons = await uow.triage_lessons.of_community(request.community_id, 10)
    assert [(lesson.category, lesson.source) for lesson in lessons] == [("elderly", "command")]


async def test_a_sure_category_asks_staff_nothing(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 3号楼2单元501 厨房水管漏水了")
    assert "分类是系统猜的" not in await card_text(world, e.staff_group, 1)
