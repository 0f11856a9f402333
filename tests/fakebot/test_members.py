"""People joining and leaving groups, and getChatMember answering like Telegram."""

from __future__ import annotations

import pytest

from fakebot import FakeChat, FakeTelegram, FakeUser

from .helpers import conforms, ok, refused

WITH_MEMBERS = '["message", "chat_member", "my_chat_member"]'


def kinds(updates: list[dict]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_joining_sends_a_new_chat_members_notice_even_in_privacy_mode() -> None:
    fake = FakeTelegram(privacy_mode=True)
    bob = fake.add_user("Bob", username="bob_li")
    group = fake.add_group("Building 3")
    fake.add_bot_to_group(fake.add_user("Owner"), group)
    await ok(fake, "getUpdates")

    update = fake.join_group(bob, group)

    [got] = await ok(fake, "getUpdates", offset=update["update_id"])
    assert got["message"]["new_chat_members"] == [bob.to_dict()]
    assert got["message"]["from"]["id"] == bob.id
    assert conforms("Update", got) == []
    member = await ok(fake, "getChatMember", chat_id=group.id, user_id=bob.id)
    assert member["status"] == "member"


async def test_adding_several_people_lists_them_in_one_notice(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    carol = fake.add_user("Carol")
    update = fake.add_members(alice, group, [bob, carol])
    message = update["message"]
    assert [u["id"] for u in message["new_chat_members"]] == [bob.id, carol.id]
    assert message["from"]["id"] == alice.id


async def test_leaving_sends_a_left_chat_member_notice_and_getchatmember_says_left(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    fake.join_group(bob, group)
    update = fake.leave_group(bob, group)
    assert update["message"]["left_chat_member"]["id"] == bob.id
    assert conforms("Update", update) == []
    member = await ok(fake, "getChatMember", chat_id=group.id, user_id=bob.id)
    assert member["status"] == "left" and conforms("ChatMember", member) == []

    fake.join_group(bob, group)
    fake.leave_group(bob, group, removed_by=alice, ban=True)
    member = await ok(fake, "getChatMember", chat_id=group.id, user_id=bob.id)
    assert member["status"] == "kicked" and conforms("ChatMember", member) == []


async def test_chat_member_updates_come_only_where_the_bot_is_admin_and_only_when_asked_for(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    await ok(fake, "getUpdates", allowed_updates=WITH_MEMBERS)
    last = (await ok(fake, "getUpdates"))[-1]["update_id"]
    fake.join_group(bob, group)  # the bot is a plain member here: the notice only
    got = await ok(fake, "getUpdates", offset=last + 1)
    assert kinds(got) == ["message"]

    fake.set_bot_admin(alice, group)
    fake.leave_group(bob, group)
    got = await ok(fake, "getUpdates", offset=got[-1]["update_id"] + 1)
    assert kinds(got) == ["my_chat_member", "message", "chat_member"]
    changed = got[-1]["chat_member"]
    assert changed["old_chat_member"]["status"] == "member"
    assert changed["new_chat_member"]["status"] == "left"
    assert changed["new_chat_member"]["user"]["id"] == bob.id
    assert conforms("Update", got[-1]) == []


async def test_chat_member_updates_are_dropped_for_a_bot_that_did_not_ask(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser
) -> None:
    group = fake.add_group("Admins here")
    fake.add_bot_to_group(alice, group, admin=True)
    fake.join_group(bob, group)
    assert kinds(await ok(fake, "getUpdates")) == ["my_chat_member", "message"]


async def test_getchatmember_refuses_someone_the_bot_never_met_as_telegram_does(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    stranger = fake.add_user("Stranger")
    answer = await refused(fake, "getChatMember", chat_id=group.id, user_id=stranger.id)
    assert answer["description"] == "Bad Request: user not found"
    supergroup = fake.add_group("Big estate", supergroup=True)
    fake.add_bot_to_group(alice, supergroup)
    answer = await refused(fake, "getChatMember", chat_id=supergroup.id, user_id=stranger.id)
    assert answer["description"] == "Bad Request: PARTICIPANT_ID_INVALID"

    fake.send_text(stranger, fake.private_chat(stranger), "/start")  # now the bot knows them
    member = await ok(fake, "getChatMember", chat_id=supergroup.id, user_id=stranger.id)
    assert member["status"] == "left"
    assert [c["chat_id"] for c in fake.calls_of("getchatmember")] == [group.id, supergroup.id, supergroup.id]


async def test_getchatmember_answers_403_in_a_group_the_bot_was_removed_from(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    fake.join_group(bob, group)
    fake.remove_bot_from_group(alice, group)
    answer = await refused(fake, "getChatMember", chat_id=group.id, user_id=bob.id)
    assert answer["error_code"] == 403


async def test_impossible_joins_and_departures_fail_loudly(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat, private: FakeChat
) -> None:
    with pytest.raises(ValueError, match="already in"):
        fake.join_group(alice, group)
    with pytest.raises(ValueError, match="not in"):
        fake.leave_group(bob, group)
    with pytest.raises(ValueError, match="not private chats"):
        fake.join_group(bob, private)
    with pytest.raises(ValueError, match="cannot add"):
        fake.add_members(bob, group, [fake.add_user("Carol")])
    with pytest.raises(ValueError, match="creator"):
        fake.leave_group(alice, group, removed_by=bob)
