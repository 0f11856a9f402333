"""Updates produced by simulated users and served by getUpdates with Telegram's confirmation rules."""

from __future__ import annotations

import asyncio
import time

import pytest

from fakebot import FakeChat, FakeTelegram, FakeUser

from .helpers import conforms, ok, refused


async def test_user_text_carries_command_mention_and_hashtag_entities(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    update = fake.send_text(alice, group, "👍 /claim@linli_bot 7 @bob_li #求助")
    message = update["message"]
    assert message["entities"] == [
        {"type": "bot_command", "offset": 3, "length": 16},
        {"type": "mention", "offset": 22, "length": 7},
        {"type": "hashtag", "offset": 30, "length": 3},
    ]
    assert message["from"]["id"] == alice.id and isinstance(message["date"], int)
    assert conforms("Update", update) == []


async def test_text_mention_carries_the_mentioned_user(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    update = fake.send_text_mention(alice, group, "thanks Bob", bob, offset=7, length=3)
    assert update["message"]["entities"] == [
        {"type": "text_mention", "offset": 7, "length": 3, "user": bob.to_dict()}
    ]


async def test_reply_includes_the_replied_message(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    first = fake.send_text(alice, group, "who can help?")["message"]["message_id"]
    update = fake.send_text(bob, group, "me", reply_to=first)
    replied = update["message"]["reply_to_message"]
    assert replied["message_id"] == first and replied["from"]["id"] == alice.id


async def test_edit_and_anonymous_admin_updates(fake: FakeTelegram, alice: FakeUser, group: FakeChat) -> None:
    message_id = fake.send_text(alice, group, "tap broken")["message"]["message_id"]
    edited = fake.edit_text(alice, group, message_id, "tap broken in 3-201")["edited_message"]
    assert edited["text"] == "tap broken in 3-201" and "edit_date" in edited
    anonymous = fake.send_text(alice, group, "/notice", anonymous=True)["message"]
    assert anonymous["sender_chat"]["id"] == group.id and anonymous["from"]["username"] == "GroupAnonymousBot"


async def test_update_ids_increase_from_one(fake: FakeTelegram, alice: FakeUser, private: FakeChat) -> None:
    fake.send_text(alice, private, "two")
    updates = await ok(fake, "getUpdates")
    assert [u["update_id"] for u in updates] == [1, 2]


async def test_offset_confirms_earlier_updates(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    fake.send_text(alice, private, "2")
    fake.send_text(alice, private, "3")
    assert [u["update_id"] for u in await ok(fake, "getUpdates")] == [1, 2, 3]
    assert [u["update_id"] for u in await ok(fake, "getUpdates")] == [1, 2, 3]  # not confirmed yet
    assert [u["update_id"] for u in await ok(fake, "getUpdates", offset=3)] == [3]
    assert fake.pending_updates_count() == 1
    assert await ok(fake, "getUpdates", offset=4) == []
    assert fake.pending_updates_count() == 0


async def test_limit_caps_the_batch(fake: FakeTelegram, alice: FakeUser, private: FakeChat) -> None:
    for index in range(4):
        fake.send_text(alice, private, str(index))
    assert [u["update_id"] for u in await ok(fake, "getUpdates", limit=2)] == [1, 2]
    assert [u["update_id"] for u in await ok(fake, "getUpdates", offset=3, limit="2")] == [3, 4]


async def test_negative_offset_keeps_only_the_last_updates(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    for index in range(4):
        fake.send_text(alice, private, str(index))
    assert [u["update_id"] for u in await ok(fake, "getUpdates", offset=-2)] == [4, 5]
    assert fake.pending_updates_count() == 2


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    await ok(fake, "getUpdates", offset=2)
    started = time.monotonic()
    poll = asyncio.create_task(fake.handle("getUpdates", {"offset": 2, "timeout": 30}))
    await asyncio.sleep(0.01)
    assert not poll.done()
    fake.send_text(alice, private, "now")
    answer = await asyncio.wait_for(poll, 1)
    assert [u["message"]["text"] for u in answer["result"]] == ["now"]
    assert time.monotonic() - started < 1


async def test_long_poll_ends_empty_when_the_timeout_passes(fake: FakeTelegram) -> None:
    started = time.monotonic()
    assert await fake.updates.fetch(offset=None, limit=100, wait_seconds=0.05, allowed_updates=None) == []
    assert 0.04 < time.monotonic() - started < 0.5


async def test_second_poll_terminates_the_waiting_one_with_conflict(fake: FakeTelegram) -> None:
    first = asyncio.create_task(fake.handle("getUpdates", {"timeout": 30}))
    await asyncio.sleep(0.01)
    fake.expect_errors(1)
    second = asyncio.create_task(fake.handle("getUpdates", {"timeout": 0}))
    assert (await asyncio.wait_for(second, 1))["result"] == []
    answer = await asyncio.wait_for(first, 1)
    assert answer["error_code"] == 409 and answer["description"].startswith("Conflict: terminated by other")


async def test_redelivered_update_comes_back_with_the_same_id(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    start_update = (await ok(fake, "getUpdates"))[0]
    assert await ok(fake, "getUpdates", offset=2) == []
    again = fake.redeliver(1)
    assert again == start_update
    assert await ok(fake, "getUpdates", offset=2) == [start_update]
    assert await ok(fake, "getUpdates", offset=2) == []


async def test_allowed_updates_filters_update_types(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    fake.send_text(alice, group, "hello")
    updates = await ok(fake, "getUpdates", allowed_updates='["message"]')
    assert [list(u)[1] for u in updates] == ["message"]


async def test_drop_pending_updates_empties_the_queue(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    await ok(fake, "deleteWebhook", drop_pending_updates=True)
    assert fake.pending_updates_count() == 0
    fake.send_text(alice, private, "after")
    assert [u["message"]["text"] for u in await ok(fake, "getUpdates")] == ["after"]


async def test_bot_outside_a_group_sees_nothing_of_it(fake: FakeTelegram, alice: FakeUser) -> None:
    lonely = fake.add_group("Quiet")
    fake.send_text(alice, lonely, "/start")
    assert fake.pending_updates_count() == 0
    assert fake.transcript[-1].text == "/start"


async def test_privacy_mode_hides_plain_group_text(
    alice_and_private_bot: tuple[FakeTelegram, FakeUser],
) -> None:
    fake, alice = alice_and_private_bot
    group = fake.add_group("Private mode")
    fake.add_bot_to_group(alice, group)
    fake.send_text(alice, group, "just chatting")
    fake.send_text(alice, group, "/help@other_bot")
    fake.send_text(alice, group, "/help")
    fake.send_text(alice, group, "hey @linli_bot")
    texts = [u["message"]["text"] for u in await ok(fake, "getUpdates") if "message" in u]
    assert texts == ["/help", "hey @linli_bot"]
    fake.set_bot_admin(alice, group)
    fake.send_text(alice, group, "as admin it sees all")
    assert (await ok(fake, "getUpdates"))[-1]["message"]["text"] == "as admin it sees all"


@pytest.fixture
def alice_and_private_bot() -> tuple[FakeTelegram, FakeUser]:
    fake = FakeTelegram(privacy_mode=True)
    return fake, fake.add_user("Alice")


async def test_every_produced_update_conforms_to_the_spec(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat, private: FakeChat
) -> None:
    fake.send_photo(alice, group, caption="/report")
    fake.send_voice(bob, group)
    fake.send_document(alice, private)
    fake.send_sticker(alice, private, emoji="🙏")
    fake.set_bot_admin(alice, group)
    fake.block_bot(alice)
    fake.migrate_to_supergroup(group)
    updates = await ok(fake, "getUpdates")
    assert len(updates) == 10
    assert [u["message"]["sticker"]["emoji"] for u in updates if "sticker" in u.get("message", {})] == ["🙏"]
    for update in updates:
        assert conforms("Update", update) == [], update


async def test_user_actions_with_impossible_arguments_fail_loudly(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    with pytest.raises(ValueError):
        fake.send_text(alice, fake.private_chat(bob), "not my chat")
    with pytest.raises(ValueError):
        fake.send_text(alice, group, "re", reply_to=999)
    with pytest.raises(ValueError):
        fake.press(alice, group, 999, "v1:x")
    with pytest.raises(KeyError):
        fake.redeliver(999)


async def test_fault_with_retry_after_answers_429_and_sends_nothing(
    fake: FakeTelegram, private: FakeChat
) -> None:
    fake.fail_next("sendMessage", retry_after=1)
    answer = await fake.handle("sendMessage", {"chat_id": private.id, "text": "x"})
    assert answer == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert fake.bot_messages(private) == []
    await ok(fake, "sendMessage", chat_id=private.id, text="x")
    assert fake.unexpected_errors() == []


async def test_fault_counts_down_per_call(fake: FakeTelegram, private: FakeChat) -> None:
    fake.fail_next("SENDMESSAGE", times=2, error_code=502, description="Bad Gateway")
    for _ in range(2):
        assert (await fake.handle("sendMessage", {"chat_id": private.id, "text": "x"}))["error_code"] == 502
    await ok(fake, "sendMessage", chat_id=private.id, text="x")
    assert len(fake.bot_messages(private)) == 1


async def test_network_fault_happens_before_telegram_sees_the_call(
    fake: FakeTelegram, private: FakeChat
) -> None:
    from fakebot.errors import FakeNetworkError

    fake.fail_next("sendMessage", network_error=True)
    with pytest.raises(FakeNetworkError):
        await fake.handle("sendMessage", {"chat_id": private.id, "text": "x"})
    assert fake.bot_messages(private) == [] and fake.errors == []


async def test_timeout_after_accept_still_delivers_the_message(fake: FakeTelegram, private: FakeChat) -> None:
    from fakebot.errors import FakeTimeoutError

    fake.fail_next("sendMessage", timeout_after_accept=True)
    with pytest.raises(FakeTimeoutError) as exc:
        await fake.handle("sendMessage", {"chat_id": private.id, "text": "delivered anyway"})
    assert exc.value.response["ok"] is True
    assert [m.text for m in fake.bot_messages(private)] == ["delivered anyway"]


async def test_fault_arguments_are_checked(fake: FakeTelegram) -> None:
    with pytest.raises(ValueError):
        fake.fail_next("sendTelepathy")
    with pytest.raises(ValueError):
        fake.fail_next("sendMessage", retry_after=0)


async def test_refused_helper_counts_as_expected(fake: FakeTelegram) -> None:
    await refused(fake, "sendMessage", chat_id=1, text="x")
    assert fake.unexpected_errors() == []
