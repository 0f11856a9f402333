"""Only the current copy of a card in a chat keeps its buttons.

When a card is posted again in a chat where an older copy of it is (a volunteer who takes a
request again, a requester asked to confirm at the bottom of the chat), the older copy is edited
to drop its buttons, through the outbox like every message: a restart or a network error loses
nothing. An edit of a message that is gone is dropped quietly.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.services.shared import messages
from bot.services.volunteers.fields import CARD as VOLUNTEER_CARD
from fakebot import FakeChat
from offline import OfflineBot
from storage.models import Membership, OutboxMessage
from tests.conftest import Clock
from tests.requests_world import Estate, card_text, events, request_no
from tests.test_request_refusals import claimed, filed
from tests.world import World


def cards_in(world: World, chat: FakeChat, number: int = 1) -> list[tuple[int, list[str]]]:
    """(message id, button labels) of every copy of request #number's card in a chat."""
    return [
        (m.message_id, [text for row in m.buttons for text, _ in row])
        for m in world.fake.bot_messages(chat)
        if (m.plain_text or "").startswith(f"#{number} ")
    ]


async def take_again(world: World, volunteer_chat: FakeChat, e: Estate) -> None:
    """The volunteer gives the request back, then takes it again from the group card."""
    await world.press(e.volunteer, volunteer_chat, "退回")
    await world.press(e.volunteer, e.group, "接单")


async def test_a_newer_copy_of_a_card_takes_the_buttons_from_the_older_one(world: World) -> None:
    e = await claimed(world)
    vol_dm = world.dm(e.volunteer)
    [(first, buttons)] = cards_in(world, vol_dm)
    assert any("已办结" in b for b in buttons)

    await take_again(world, vol_dm, e)

    (old, old_buttons), (new, new_buttons) = cards_in(world, vol_dm)
    assert old == first and old_buttons == []
    assert any("已办结" in b for b in new_buttons)
    async with world.bot.deps.uow() as uow:
        posted = await uow.outbox.find_card("request", (await request_no(world, 1)).id, vol_dm.id)
    assert posted is not None and posted.message_id == new
    await world.press(e.volunteer, vol_dm, "已办结")  # the new copy's buttons work
    assert (await request_no(world, 1)).status == "done"


async def test_the_requester_asked_to_confirm_keeps_buttons_only_on_the_newest_card(world: World) -> None:
    e = await claimed(world)
    res_dm = world.dm(e.resident)
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")
    await world.press(e.resident, res_dm, "没解决")
    await world.press(e.volunteer, e.group, "接单")
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")
    copies = cards_in(world, res_dm)
    assert len(copies) == 2
    assert copies[0][1] == [] and any("已解决" in b for b in copies[1][1])


async def test_replying_to_an_older_copy_still_reaches_its_request(world: World) -> None:
    e = await claimed(world)
    vol_dm = world.dm(e.volunteer)
    await take_again(world, vol_dm, e)
    (old, _), _ = cards_in(world, vol_dm)
    await world.say(e.volunteer, vol_dm, "十分钟后到", reply_to=old)
    assert (await events(world, 1))[-1] == "progress"
    assert "十分钟后到" in world.last(world.dm(e.resident))


async def test_a_volunteer_card_posted_again_in_the_staff_group_leaves_one_with_buttons(world: World) -> None:
    e = await filed(world)
    await world.say(world.admin, e.staff_group, "/approval on")
    li = world.person("小李")
    await world.say(li, e.group, "大家好")
    await world.start(li)
    await world.say(li, world.dm(li), "/volunteer 小李 | 5号楼 | 跑腿 | 否")
    async with world.bot.deps.uow() as uow:
        result = await uow.session.execute(select(Membership).where(Membership.display_name == "小李"))
        membership = result.scalar_one()
        await messages.post_card(uow, "again", e.staff_group.id, VOLUNTEER_CARD, membership.id)
        await uow.commit()
    await world.bot.settle()
    cards = [m for m in world.fake.bot_messages(e.staff_group) if "小李" in (m.plain_text or "")]
    assert len(cards) == 2
    assert cards[0].buttons == [] and len(cards[1].buttons[0]) == 2  # approve, reject
    world.assert_no_unexpected_errors()


async def test_an_edit_of_a_card_whose_message_was_deleted_is_dropped_quietly(world: World) -> None:
    e = await filed(world)
    [(card, _)] = cards_in(world, e.group)
    del world.fake.state.state_of(e.group).messages[card]  # an admin deleted it
    world.fake.expect_errors(1)  # Telegram: "message to edit not found"

    await world.say(e.volunteer, world.dm(e.volunteer), "/take 1")

    assert (await request_no(world, 1)).status == "claimed"
    assert "已接单（老王）" in await card_text(world, e.staff_group, 1)
    async with world.bot.deps.uow() as uow:
        rows = await uow.session.execute(
            select(OutboxMessage.status).where(
                OutboxMessage.chat_id == e.group.id, OutboxMessage.kind == "edit_card"
            )
        )
        assert list(rows.scalars()) == ["skipped"]
        assert await uow.outbox.find_card("request", (await request_no(world, 1)).id, e.group.id) is None
    await world.press(e.volunteer, world.dm(e.volunteer), "已办结")  # no more edits of the gone card
    world.assert_no_unexpected_errors()


async def test_dropping_the_old_buttons_waits_out_a_network_error_and_a_restart(
    clocked: World, clock: Clock
) -> None:
    world = clocked
    e = await claimed(world)
    vol_dm = world.dm(e.volunteer)
    world.fake.fail_next("editMessageReplyMarkup", network_error=True)
    await take_again(world, vol_dm, e)
    (_, old_buttons), _ = cards_in(world, vol_dm)
    assert old_buttons  # not yet: the edit waits for its retry
    settings = world.bot.settings
    await world.bot.stop()
    clock.advance(60)
    world.bot = OfflineBot(world.fake, settings, clock=clock)
    await world.bot.start()
    await world.bot.settle()
    (_, old_buttons), (_, new_buttons) = cards_in(world, vol_dm)
    assert old_buttons == [] and new_buttons
