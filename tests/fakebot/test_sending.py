"""Bot API calls that send, edit and delete messages, answered the way Telegram answers them."""

from __future__ import annotations

import json

import pytest

from fakebot import FakeChat, FakeTelegram, FakeUser
from fakebot.models import UploadedFile

from .helpers import call, conforms, ok, refused

KEYBOARD = {"inline_keyboard": [[{"text": "Claim", "callback_data": "v1:claim:7"}]]}


async def test_sent_message_is_a_full_message_with_plain_text_and_entities(
    fake: FakeTelegram, private: FakeChat
) -> None:
    result = await ok(
        fake, "sendMessage", chat_id=private.id, text="<b>Hi</b> 👍 <i>there</i>", parse_mode="HTML"
    )
    assert result["text"] == "Hi 👍 there"
    assert result["entities"] == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 6, "length": 5},
    ]
    assert result["from"]["id"] == fake.bot_id and result["from"]["is_bot"] is True
    assert result["chat"]["id"] == private.id
    assert conforms("Message", result) == []


async def test_message_ids_are_per_chat_and_shared_with_user_messages(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat, group: FakeChat
) -> None:
    first = await ok(fake, "sendMessage", chat_id=private.id, text="one")
    assert first["message_id"] == 2  # Alice's /start was message 1
    fake.send_text(alice, private, "hello")
    second = await ok(fake, "sendMessage", chat_id=private.id, text="two")
    assert second["message_id"] == 4
    in_group = await ok(fake, "sendMessage", chat_id=group.id, text="hi all")
    assert in_group["message_id"] == 1


async def test_text_over_4096_utf16_units_is_refused_by_send_message(
    fake: FakeTelegram, private: FakeChat
) -> None:
    answer = await refused(fake, "sendMessage", chat_id=private.id, text="👍" * 2049)
    assert answer == {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
    await ok(fake, "sendMessage", chat_id=private.id, text="邻" * 4096)


async def test_4096_visible_characters_inside_tags_pass(fake: FakeTelegram, private: FakeChat) -> None:
    text = "<b>" + "邻" * 2048 + "</b><i>" + "里" * 2048 + "</i>"
    result = await ok(fake, "sendMessage", chat_id=private.id, text=text, parse_mode="HTML")
    assert len(result["text"]) == 4096


async def test_broken_html_is_refused_with_cant_parse_entities(fake: FakeTelegram, private: FakeChat) -> None:
    answer = await refused(fake, "sendMessage", chat_id=private.id, text="<b>x</i>", parse_mode="HTML")
    assert answer["description"].startswith("Bad Request: can't parse entities:")
    assert fake.bot_messages(private) == []


async def test_html_characters_are_literal_without_parse_mode(fake: FakeTelegram, private: FakeChat) -> None:
    result = await ok(fake, "sendMessage", chat_id=private.id, text="a < b & <div>")
    assert result["text"] == "a < b & <div>"


async def test_missing_text_is_empty_message_text(fake: FakeTelegram, private: FakeChat) -> None:
    answer = await refused(fake, "sendMessage", chat_id=private.id)
    assert answer["description"] == "Bad Request: message text is empty"
    answer = await refused(fake, "sendMessage", chat_id=private.id, text="<b> </b>", parse_mode="HTML")
    assert answer["description"] == "Bad Request: message text is empty"


async def test_missing_required_parameter_is_named(fake: FakeTelegram, private: FakeChat) -> None:
    assert (await refused(fake, "sendMessage", text="x"))["description"] == "Bad Request: chat_id is empty"
    answer = await refused(fake, "deleteMessage", chat_id=private.id)
    assert answer["description"] == "Bad Request: message_id is required"
    answer = await refused(fake, "sendPhoto", chat_id=private.id)
    assert answer["description"] == "Bad Request: there is no photo in the request"


async def test_unknown_chat_is_refused(fake: FakeTelegram) -> None:
    answer = await refused(fake, "sendMessage", chat_id=424242, text="hi")
    assert answer == {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}


async def test_user_who_never_started_the_bot_cannot_be_messaged(fake: FakeTelegram, bob: FakeUser) -> None:
    answer = await refused(fake, "sendMessage", chat_id=bob.id, text="hi")
    assert answer["error_code"] == 403
    assert answer["description"] == "Forbidden: bot can't initiate conversation with a user"


async def test_user_who_wrote_in_a_group_still_has_not_started_the_bot(
    fake: FakeTelegram, bob: FakeUser, group: FakeChat
) -> None:
    fake.send_text(bob, group, "hello")
    assert (await refused(fake, "sendMessage", chat_id=bob.id, text="hi"))["error_code"] == 403
    fake.send_text(bob, fake.private_chat(bob), "hi bot")
    await ok(fake, "sendMessage", chat_id=bob.id, text="hi")


async def test_blocked_user_is_forbidden_and_the_block_is_an_update(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    update = fake.block_bot(alice)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert update["my_chat_member"]["chat"]["id"] == alice.id
    assert conforms("Update", update) == []
    answer = await refused(fake, "sendMessage", chat_id=alice.id, text="hi")
    assert answer == {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


async def test_writing_again_unblocks_the_bot(fake: FakeTelegram, alice: FakeUser, private: FakeChat) -> None:
    fake.block_bot(alice)
    fake.send_text(alice, private, "/start")
    await ok(fake, "sendMessage", chat_id=alice.id, text="welcome back")


async def test_group_without_the_bot_is_forbidden(fake: FakeTelegram) -> None:
    lonely = fake.add_group("No bot here")
    answer = await refused(fake, "sendMessage", chat_id=lonely.id, text="hi")
    assert answer["description"] == "Forbidden: bot is not a member of the group chat"


async def test_removed_bot_is_forbidden_in_that_group(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    update = fake.remove_bot_from_group(alice, group)
    assert update["my_chat_member"]["old_chat_member"]["status"] == "member"
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert conforms("Update", update) == []
    answer = await refused(fake, "sendMessage", chat_id=group.id, text="hi")
    assert answer["description"] == "Forbidden: bot was kicked from the group chat"


async def test_migrated_group_answers_with_the_new_chat_id(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    supergroup = fake.migrate_to_supergroup(group)
    assert supergroup.type == "supergroup" and str(supergroup.id).startswith("-100")
    answer = await refused(fake, "sendMessage", chat_id=group.id, text="hi")
    assert answer == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": supergroup.id},
    }
    await ok(fake, "sendMessage", chat_id=supergroup.id, text="hi")
    updates = await ok(fake, "getUpdates")
    service = [u["message"] for u in updates if "message" in u]
    assert service[-2]["migrate_to_chat_id"] == supergroup.id and service[-2]["chat"]["id"] == group.id
    assert service[-1]["migrate_from_chat_id"] == group.id and service[-1]["chat"]["id"] == supergroup.id


async def test_reply_to_a_missing_message_is_refused_unless_allowed(
    fake: FakeTelegram, private: FakeChat
) -> None:
    answer = await refused(
        fake, "sendMessage", chat_id=private.id, text="re", reply_parameters={"message_id": 99}
    )
    assert answer["description"] == "Bad Request: message to be replied not found"
    await ok(
        fake,
        "sendMessage",
        chat_id=private.id,
        text="re",
        reply_parameters={"message_id": 99, "allow_sending_without_reply": True},
    )
    result = await ok(fake, "sendMessage", chat_id=private.id, text="re", reply_parameters={"message_id": 1})
    assert result["reply_to_message"]["text"] == "/start"


async def test_form_data_strings_are_decoded(fake: FakeTelegram, private: FakeChat) -> None:
    result = await ok(
        fake,
        "sendmessage",
        chat_id=str(private.id),
        text="pick",
        reply_markup=json.dumps(KEYBOARD),
        disable_notification="true",
    )
    assert result["reply_markup"] == KEYBOARD
    answer = await refused(fake, "sendMessage", chat_id=private.id, text="x", reply_markup="{not json")
    assert answer["description"] == "Bad Request: can't parse reply_markup JSON object"


async def test_unknown_method_is_not_found_and_unimplemented_method_is_noticed(fake: FakeTelegram) -> None:
    assert await refused(fake, "sendTelepathy") == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }
    answer = await refused(fake, "sendPoll", chat_id=1, question="q", options=[])
    assert answer["description"] == "Bad Request: method not supported by the offline fake"


async def test_callback_data_over_64_bytes_is_refused_in_a_keyboard(
    fake: FakeTelegram, private: FakeChat
) -> None:
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "邻" * 22}]]}
    answer = await refused(fake, "sendMessage", chat_id=private.id, text="x", reply_markup=markup)
    assert answer["description"] == "Bad Request: BUTTON_DATA_INVALID"


async def test_edit_changes_the_stored_message(fake: FakeTelegram, private: FakeChat) -> None:
    sent = await ok(fake, "sendMessage", chat_id=private.id, text="Open", reply_markup=KEYBOARD)
    edited = await ok(
        fake,
        "editMessageText",
        chat_id=private.id,
        message_id=sent["message_id"],
        text="<b>Claimed</b>",
        parse_mode="HTML",
    )
    assert edited["text"] == "Claimed" and "edit_date" in edited
    assert "reply_markup" not in edited  # an edit without reply_markup removes the keyboard
    stored = fake.message(private, sent["message_id"])
    assert stored is not None and stored.text == "Claimed" and stored.html == "<b>Claimed</b>"


async def test_edit_with_identical_content_is_not_modified(fake: FakeTelegram, private: FakeChat) -> None:
    sent = await ok(fake, "sendMessage", chat_id=private.id, text="Open", reply_markup=KEYBOARD)
    answer = await refused(
        fake,
        "editMessageText",
        chat_id=private.id,
        message_id=sent["message_id"],
        text="Open",
        reply_markup=KEYBOARD,
    )
    assert answer["description"] == (
        "Bad Request: message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    answer = await refused(
        fake,
        "editMessageReplyMarkup",
        chat_id=private.id,
        message_id=sent["message_id"],
        reply_markup=KEYBOARD,
    )
    assert answer["description"].startswith("Bad Request: message is not modified")
    await ok(fake, "editMessageText", chat_id=private.id, message_id=sent["message_id"], text="Open")


async def test_edit_of_unknown_or_foreign_message_is_refused(fake: FakeTelegram, private: FakeChat) -> None:
    answer = await refused(fake, "editMessageText", chat_id=private.id, message_id=77, text="x")
    assert answer["description"] == "Bad Request: message to edit not found"
    answer = await refused(fake, "editMessageText", chat_id=private.id, message_id=1, text="x")
    assert answer["description"] == "Bad Request: message can't be edited"


async def test_delete_removes_the_message(fake: FakeTelegram, private: FakeChat) -> None:
    sent = await ok(fake, "sendMessage", chat_id=private.id, text="bye")
    assert await ok(fake, "deleteMessage", chat_id=private.id, message_id=sent["message_id"]) is True
    assert fake.message(private, sent["message_id"]) is None
    answer = await refused(fake, "deleteMessage", chat_id=private.id, message_id=sent["message_id"])
    assert answer["description"] == "Bad Request: message to delete not found"


async def test_bot_cannot_delete_others_messages_in_a_group_unless_admin(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    message_id = fake.send_text(bob, group, "spam")["message"]["message_id"]
    answer = await refused(fake, "deleteMessage", chat_id=group.id, message_id=message_id)
    assert answer["description"] == "Bad Request: message can't be deleted"
    fake.set_bot_admin(alice, group)
    await ok(fake, "deleteMessage", chat_id=group.id, message_id=message_id)


async def test_callback_query_is_answered_once(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    sent = await ok(fake, "sendMessage", chat_id=private.id, text="Open", reply_markup=KEYBOARD)
    update = fake.press_button(alice, private, sent["message_id"], 0)
    query = update["callback_query"]
    assert query["data"] == "v1:claim:7"
    assert query["message"]["reply_markup"] == KEYBOARD
    assert conforms("Update", update) == []
    answer = await refused(fake, "answerCallbackQuery", callback_query_id=query["id"], text="x" * 201)
    assert answer["description"] == "Bad Request: MESSAGE_TOO_LONG"
    await ok(fake, "answerCallbackQuery", callback_query_id=query["id"], text="Claimed")
    answer = await refused(fake, "answerCallbackQuery", callback_query_id=query["id"])
    assert answer["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert [(a.text, a.data, a.user.id) for a in fake.callback_answers] == [
        ("Claimed", "v1:claim:7", private.id)
    ]


async def test_unknown_callback_query_is_too_old(fake: FakeTelegram) -> None:
    answer = await refused(fake, "answerCallbackQuery", callback_query_id="123")
    assert "query is too old" in answer["description"]


async def test_press_button_counts_callback_buttons_in_reading_order(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    markup = {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a"}, {"text": "Site", "url": "https://example.org"}],
            [{"text": "B", "callback_data": "b"}],
        ]
    }
    sent = await ok(fake, "sendMessage", chat_id=private.id, text="x", reply_markup=markup)
    assert fake.press_button(alice, private, sent["message_id"], 1)["callback_query"]["data"] == "b"
    assert fake.press_label(alice, private, sent["message_id"], "A")["callback_query"]["data"] == "a"
    try:
        fake.press_button(alice, private, sent["message_id"], 2)
    except IndexError:
        pass
    else:
        raise AssertionError("pressing a missing button must fail")


async def test_photos_can_be_sent_fetched_and_resent(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    update = fake.send_photo(alice, group, caption="#报修 leaking pipe")
    photo = update["message"]["photo"]
    assert [size["width"] for size in photo] == [90, 320, 800, 1280]
    assert update["message"]["caption_entities"] == [{"type": "hashtag", "offset": 0, "length": 3}]
    assert conforms("Update", update) == []
    file = await ok(fake, "getFile", file_id=photo[-1]["file_id"])
    assert file["file_path"].startswith("photos/")
    assert conforms("File", file) == []
    resent = await ok(
        fake,
        "sendPhoto",
        chat_id=group.id,
        photo=photo[-1]["file_id"],
        caption="<b>ok</b>",
        parse_mode="HTML",
    )
    assert resent["photo"] == photo and resent["caption"] == "ok"
    answer = await refused(fake, "sendVoice", chat_id=group.id, voice=photo[-1]["file_id"])
    assert answer["description"] == "Bad Request: can't use file of type Photo as Voice"
    answer = await refused(fake, "getFile", file_id="nope")
    assert answer["description"] == "Bad Request: wrong file_id or the file is temporarily unavailable"


async def test_uploaded_photo_is_served_back(fake: FakeTelegram, group: FakeChat) -> None:
    answer = await fake.handle(
        "sendPhoto", {"chat_id": group.id, "caption": "x" * 1025}, {"photo": UploadedFile("p.jpg", b"JPEG")}
    )
    assert answer["description"] == "Bad Request: message caption is too long"
    answer = await fake.handle("sendPhoto", {"chat_id": group.id}, {"photo": UploadedFile("p.jpg", b"JPEG")})
    assert fake.file_content(answer["result"]["photo"][-1]["file_id"]) == b"JPEG"


async def test_media_group_is_sent_as_messages_sharing_a_group_id(
    fake: FakeTelegram, group: FakeChat
) -> None:
    media = [
        {"type": "photo", "media": "attach://one", "caption": "<i>first</i>", "parse_mode": "HTML"},
        {"type": "photo", "media": "attach://two"},
    ]
    answer = await fake.handle(
        "sendMediaGroup",
        {"chat_id": group.id, "media": json.dumps(media)},
        {"one": UploadedFile("1.jpg", b"1"), "two": UploadedFile("2.jpg", b"2")},
    )
    messages = answer["result"]
    assert len(messages) == 2 and messages[0]["media_group_id"] == messages[1]["media_group_id"]
    assert messages[0]["caption"] == "first"
    answer = await refused(fake, "sendMediaGroup", chat_id=group.id, media=media[:1])
    assert "2-10" in answer["description"]


async def test_user_album_arrives_as_updates_sharing_a_media_group_id(
    fake: FakeTelegram, alice: FakeUser, group: FakeChat
) -> None:
    updates = fake.send_album(alice, group, 3, caption="three photos")
    group_ids = {u["message"]["media_group_id"] for u in updates}
    assert len(updates) == 3 and len(group_ids) == 1
    assert updates[0]["message"]["caption"] == "three photos" and "caption" not in updates[1]["message"]


async def test_documents_and_voice_are_sent(fake: FakeTelegram, alice: FakeUser, private: FakeChat) -> None:
    answer = await fake.handle(
        "sendDocument",
        {"chat_id": private.id, "caption": "report"},
        {"document": UploadedFile("r.csv", b"a,b")},
    )
    assert answer["result"]["document"]["file_name"] == "r.csv"
    voice = fake.send_voice(alice, private)["message"]["voice"]
    sent = await ok(fake, "sendVoice", chat_id=private.id, voice=voice["file_id"])
    assert sent["voice"]["file_id"] == voice["file_id"]


async def test_copy_and_forward_need_an_existing_message(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat, group: FakeChat
) -> None:
    source = fake.send_text(alice, group, "water is off")["message"]["message_id"]
    copied = await ok(fake, "copyMessage", chat_id=private.id, from_chat_id=group.id, message_id=source)
    assert fake.message(private, copied["message_id"]).text == "water is off"  # type: ignore[union-attr]
    forwarded = await ok(fake, "forwardMessage", chat_id=private.id, from_chat_id=group.id, message_id=source)
    assert forwarded["forward_origin"]["sender_user"]["id"] == alice.id
    assert conforms("Message", forwarded) == []
    answer = await refused(fake, "copyMessage", chat_id=private.id, from_chat_id=group.id, message_id=999)
    assert answer["description"] == "Bad Request: message to copy not found"


async def test_commands_are_stored_per_scope(fake: FakeTelegram) -> None:
    commands = [{"command": "start", "description": "Start"}, {"command": "help", "description": "Help"}]
    await ok(fake, "setMyCommands", commands=json.dumps(commands))
    await ok(
        fake, "setMyCommands", commands=commands[:1], scope={"type": "all_group_chats"}, language_code="en"
    )
    assert await ok(fake, "getMyCommands") == commands
    assert (
        await ok(fake, "getMyCommands", scope={"type": "all_group_chats"}, language_code="en") == commands[:1]
    )
    await ok(fake, "deleteMyCommands")
    assert await ok(fake, "getMyCommands") == []
    answer = await refused(fake, "setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])
    assert answer["description"] == "Bad Request: BOT_COMMAND_INVALID"


async def test_command_scopes_and_languages_are_checked_like_telegram(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat, group: FakeChat
) -> None:
    commands = [{"command": "open", "description": "待处理的求助"}]
    admins = {"type": "chat_administrators", "chat_id": group.id}
    await ok(fake, "setMyCommands", commands=commands, scope=admins, language_code="en")
    assert await ok(fake, "getMyCommands", scope=admins, language_code="en") == commands
    assert await ok(fake, "getMyCommands", scope=admins) == []  # another language, another list
    assert (
        await ok(fake, "getMyCommands", scope={"type": "all_chat_administrators"}, language_code="en") == []
    )

    def problem(answer: dict[str, object]) -> str:
        return str(answer["description"])

    assert (
        problem(await refused(fake, "setMyCommands", commands=commands, scope={"type": "everyone"}))
        == "Bad Request: unsupported bot command scope type"
    )
    assert (
        problem(
            await refused(fake, "setMyCommands", commands=commands, scope={"type": "chat_administrators"})
        )
        == "Bad Request: chat_id is empty"
    )
    assert (
        problem(await refused(fake, "setMyCommands", commands=commands, scope={**admins, "chat_id": -999}))
        == "Bad Request: chat not found"
    )
    assert problem(
        await refused(
            fake,
            "setMyCommands",
            commands=commands,
            scope={"type": "chat_administrators", "chat_id": alice.id},
        )
    ).startswith("Bad Request: can't use chat_administrators scope")
    assert (
        problem(await refused(fake, "setMyCommands", commands=commands, language_code="zh_CN"))
        == "Bad Request: invalid language code specified"
    )
    assert (
        problem(await refused(fake, "setMyCommands", commands=[{"command": "open", "description": " "}]))
        == "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    )
    too_many = [{"command": f"c{i}", "description": "x"} for i in range(101)]
    assert problem(await refused(fake, "setMyCommands", commands=too_many)).startswith(
        "Bad Request: too many"
    )
    fake.remove_bot_from_group(alice, group)
    answer = await refused(fake, "setMyCommands", commands=commands, scope=admins)
    assert answer["error_code"] == 403


async def test_chat_and_member_lookups(
    fake: FakeTelegram, alice: FakeUser, bob: FakeUser, group: FakeChat
) -> None:
    chat = await ok(fake, "getChat", chat_id=group.id)
    assert chat["title"] == "Building 3" and conforms("ChatFullInfo", chat) == []
    fake.set_member_status(group, bob, "administrator")
    member = await ok(fake, "getChatMember", chat_id=group.id, user_id=alice.id)
    assert member["status"] == "creator" and conforms("ChatMember", member) == []
    admins = await ok(fake, "getChatAdministrators", chat_id=group.id)
    assert {a["user"]["id"] for a in admins} == {alice.id, bob.id}
    assert all(conforms("ChatMember", a) == [] for a in admins)
    me = await ok(fake, "getChatMember", chat_id=group.id, user_id=fake.bot_id)
    assert me["status"] == "member"
    assert await ok(fake, "leaveChat", chat_id=group.id) is True
    assert fake.bot_status(group) == "left"
    answer = await refused(fake, "sendMessage", chat_id=group.id, text="x")
    assert answer["error_code"] == 403


async def test_service_methods_answer_like_telegram(fake: FakeTelegram, private: FakeChat) -> None:
    me = await ok(fake, "getMe")
    assert me["username"] == "linli_bot" and conforms("User", me) == []
    info = await ok(fake, "getWebhookInfo")
    assert conforms("WebhookInfo", info) == []
    assert await ok(fake, "deleteWebhook", drop_pending_updates=True) is True
    assert await ok(fake, "setChatMenuButton", menu_button={"type": "commands"}) is True
    assert await ok(fake, "sendChatAction", chat_id=private.id, action="typing") is True
    assert await ok(fake, "close") is True and await ok(fake, "logOut") is True


async def test_flood_limits_answer_429_per_group(fake_clock_fake: tuple[FakeTelegram, list[float]]) -> None:
    fake, now = fake_clock_fake
    alice = fake.add_user("Alice")
    group = fake.add_group("Busy")
    fake.add_bot_to_group(alice, group)
    for _ in range(20):
        now[0] += 0.5
        await ok(fake, "sendMessage", chat_id=group.id, text="x")
    answer = await refused(fake, "sendMessage", chat_id=group.id, text="x")
    assert answer["error_code"] == 429 and answer["parameters"]["retry_after"] >= 1
    now[0] += 60
    await ok(fake, "sendMessage", chat_id=group.id, text="x")


async def test_flood_limits_allow_one_message_a_second_in_a_private_chat(
    fake_clock_fake: tuple[FakeTelegram, list[float]],
) -> None:
    fake, now = fake_clock_fake
    alice, bob = fake.add_user("Alice"), fake.add_user("Bob")
    for user in (alice, bob):
        fake.send_text(user, fake.private_chat(user), "/start")
    await ok(fake, "sendMessage", chat_id=alice.id, text="welcome")
    answer = await refused(fake, "sendMessage", chat_id=alice.id, text="and one more thing")
    assert answer["error_code"] == 429 and answer["parameters"]["retry_after"] == 1
    await ok(fake, "sendMessage", chat_id=bob.id, text="welcome")  # another person is not held up
    now[0] += 0.6
    await refused(fake, "sendMessage", chat_id=alice.id, text="still too soon")
    now[0] += 0.4
    await ok(fake, "sendMessage", chat_id=alice.id, text="and one more thing")
    await ok(fake, "editMessageText", chat_id=alice.id, message_id=2, text="edited")  # edits are not sends
    now[0] += 1.0
    media = [{"type": "photo", "media": "attach://one"}, {"type": "photo", "media": "attach://two"}]
    album = await fake.handle(
        "sendMediaGroup",
        {"chat_id": alice.id, "media": json.dumps(media)},
        {"one": UploadedFile("1.jpg", b"1"), "two": UploadedFile("2.jpg", b"2")},
    )
    assert album["ok"], album  # an album is one send


async def test_without_flood_limits_a_private_chat_takes_any_pace(
    fake: FakeTelegram, private: FakeChat
) -> None:
    for i in range(5):
        await ok(fake, "sendMessage", chat_id=private.id, text=f"message {i}")


async def test_transcript_records_both_directions(
    fake: FakeTelegram, alice: FakeUser, private: FakeChat
) -> None:
    await ok(
        fake,
        "sendMessage",
        chat_id=private.id,
        text="<b>Order #7</b> open",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "Claim", "callback_data": "v1:claim:7"}]]},
    )
    entries = fake.transcript
    assert [(e.direction, e.kind) for e in entries] == [("in", "message"), ("out", "message")]
    assert entries[0].user == alice and entries[0].text == "/start"
    out = entries[1]
    assert out.text == "Order #7 open" and out.html == "<b>Order #7</b> open"
    assert out.buttons == [[("Claim", "v1:claim:7")]] and out.method == "sendMessage"
    assert "Order #7 open [Claim]" in fake.transcript_text()


async def test_unexpected_errors_exclude_expected_and_injected_ones(
    fake: FakeTelegram, private: FakeChat
) -> None:
    await call(fake, "sendMessage", chat_id=1, text="x")
    fake.expect_errors(1)
    await call(fake, "sendMessage", chat_id=2, text="x")
    fake.fail_next("sendMessage", error_code=500)
    await call(fake, "sendMessage", chat_id=private.id, text="x")
    assert len(fake.errors) == 3
    assert [params["chat_id"] for _, params, _ in fake.unexpected_errors()] == [1]


async def test_link_to_a_known_user_becomes_a_text_mention(
    fake: FakeTelegram, bob: FakeUser, private: FakeChat
) -> None:
    result = await ok(
        fake,
        "sendMessage",
        chat_id=private.id,
        text=f'Assigned to <a href="tg://user?id={bob.id}">Bob</a>',
        parse_mode="HTML",
    )
    assert result["entities"] == [{"type": "text_mention", "offset": 12, "length": 3, "user": bob.to_dict()}]
    assert conforms("Message", result) == []


def test_member_objects_of_every_status_conform(fake: FakeTelegram, alice: FakeUser) -> None:
    for status in ("creator", "administrator", "member", "restricted", "left", "kicked"):
        assert conforms("ChatMember", fake.state.member_dict(alice, status)) == [], status


async def test_a_bug_in_the_fake_is_a_500_answer_and_an_unexpected_error(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(params: object, files: object) -> object:
        raise KeyError("boom")

    monkeypatch.setitem(fake._api.table, "getme", broken)
    answer = await call(fake, "getMe")
    assert answer["error_code"] == 500 and "KeyError" in answer["description"]
    assert len(fake.unexpected_errors()) == 1
