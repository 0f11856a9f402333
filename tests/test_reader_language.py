"""What one person reads is in their language; what a group reads is in the community's.

A person's language: the one chosen with /lang, else their Telegram app's, else the default.
A button's pop-up is seen only by the person who pressed, even under a group's card, so it is in
their language; so are private replies, private cards, /history, /mine and /open lines, skills
and categories. Group posts and cards stay in the community's language (zh_CN here).
"""

from __future__ import annotations

from tests.requests_world import estate, volunteer
from tests.test_request_refusals import LEAK
from tests.world import World


async def test_an_english_volunteer_reads_pop_ups_cards_lists_and_history_in_english(world: World) -> None:
    e = await estate(world)
    mike = world.person("Mike", language_code="en")
    await world.say(mike, e.group, "hello")
    await world.start(mike)
    mike_dm = world.dm(mike)
    await world.say(mike, mike_dm, "/volunteer Mike | 3号楼 | repairs, legal advice | no")
    assert "Skills: Repairs, Legal advice" in world.last(mike_dm)
    staff_card = world.texts(e.staff_group)[-1]
    assert "维修、法律咨询" in staff_card  # the staff group reads the community's language
    await world.say(e.resident, e.group, LEAK)

    await world.press(mike, e.group, "接单")  # the group card speaks Chinese; the pop-up English
    assert world.answers()[-1] == "You took request #1; the details are in your private chat."
    card = world.last(mike_dm)
    assert card.startswith("#1 Repairs") and "Status: taken (Mike)" in card
    await world.press(mike, mike_dm, "On my way")
    assert (world.answers()[-1] or "").startswith("Progress on #1 saved")
    assert "马上到" in world.last(world.dm(e.resident))  # she reads it in hers
    await world.press(mike, mike_dm, "On my way")
    assert world.answers()[-1] == "The resident already has this update on #1."

    await world.say(mike, mike_dm, "/history 1")
    history = world.last(mike_dm)
    assert history.startswith("#1 Repairs") and "taken · Mike" in history
    assert "progress · Mike: The volunteer is on the way" in history
    await world.say(mike, mike_dm, "/mine")
    assert "#1 Repairs · 3号楼 2单元 501 · taken · helping" in world.last(mike_dm)
    await world.say(mike, mike_dm, "/open")
    assert "Waiting in 幸福里社区" in world.last(mike_dm) and "#1 Repairs" in world.last(mike_dm)

    await world.press(mike, mike_dm, "Done")
    await world.press(mike, e.group, "已解决")  # not his to confirm: the refusal in English too
    answer = world.fake.callback_answers[-1]
    assert answer.show_alert and answer.text == "Request #1 is not yours, so you cannot do that."


async def test_a_chosen_language_wins_over_the_telegram_app_for_pop_ups(world: World) -> None:
    e = await estate(world)
    await world.say(e.volunteer, world.dm(e.volunteer), "/lang en")
    await world.say(e.resident, e.group, LEAK)
    await world.press(e.volunteer, e.group, "接单")
    assert world.answers()[-1] == "You took request #1; the details are in your private chat."
    await world.say(e.resident, e.group, "/history 1")  # typed in the group: the group's language
    assert "登记" in world.last(e.group)


async def test_a_button_note_is_read_in_each_readers_language(world: World) -> None:
    e = await estate(world)
    alice = world.person("Alice", language_code="en")
    await world.say(alice, e.group, "hi")
    await world.start(alice)
    await world.say(alice, e.group, "#help Building 3 the corridor light is broken")
    await world.press(e.volunteer, e.group, "接单")
    await world.press(e.volunteer, world.dm(e.volunteer), "在路上")
    assert "The volunteer is on the way" in world.last(world.dm(alice))
    await world.say(e.volunteer, world.dm(e.volunteer), "/history 1")
    assert "进展 · 老王：志愿者已出发，马上到" in world.last(world.dm(e.volunteer))
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")
    await world.press(alice, world.dm(alice), "Not solved")
    staff_note = world.texts(e.staff_group)[-1]
    assert "居民反馈没解决" in staff_note  # the staff group reads the community's language


async def test_skills_are_understood_and_shown_in_either_language(world: World) -> None:
    e = await estate(world)
    sam = await volunteer(world, e.group, "Sam", "Sam | 5号楼 | 跑腿 维修 | 否")
    sam_dm = world.dm(sam)
    await world.say(sam, sam_dm, "/lang en")
    await world.say(sam, sam_dm, "/profile")
    assert "Skills: Repairs, Errands" in world.last(sam_dm)
    await world.say(sam, sam_dm, "/profile skills haircuts, Medical care")
    await world.say(sam, sam_dm, "/profile")
    assert "Skills: Haircuts, Medical care" in world.last(sam_dm)
    await world.say(sam, sam_dm, "/profile skills juggling")
    assert "juggling" in world.last(sam_dm) and "Repairs" in world.last(sam_dm)
    await world.say(world.admin, e.staff_group, "/volunteers haircuts")
    assert "Sam" in world.last(e.staff_group) and "（理发）" in world.last(e.staff_group)
