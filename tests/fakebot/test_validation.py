"""Telegram's text rules: UTF-16 lengths, HTML parse mode, callback data and keyboards."""

from __future__ import annotations

import pytest

from fakebot.errors import FakeApiError
from fakebot.validation import (
    check_callback_data,
    check_caption,
    check_message_text,
    format_text,
    parse_html,
    parse_html_entities,
    utf16_len,
    validate_reply_markup,
)


def keyboard(count: int, data: str = "v1:x:1") -> dict[str, object]:
    return {"inline_keyboard": [[{"text": f"b{i}", "callback_data": data}] for i in range(count)]}


def description(exc: pytest.ExceptionInfo[FakeApiError]) -> str:
    return exc.value.description


def test_utf16_length_counts_emoji_as_two_units_and_cjk_as_one() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("邻里") == 2
    assert utf16_len("👍") == 2
    assert utf16_len("a👍邻") == 4


def test_text_of_4096_cjk_characters_is_accepted() -> None:
    check_message_text("邻" * 4096)


def test_text_over_4096_utf16_units_is_refused() -> None:
    with pytest.raises(FakeApiError) as exc:
        check_message_text("邻" * 4097)
    assert exc.value.code == 400
    assert description(exc) == "Bad Request: message is too long"


def test_2049_emoji_are_4098_units_and_refused() -> None:
    assert len("👍" * 2049) == 2049
    with pytest.raises(FakeApiError, match="message is too long"):
        check_message_text("👍" * 2049)
    check_message_text("👍" * 2048)


def test_caption_over_1024_units_is_refused() -> None:
    check_caption("x" * 1024)
    with pytest.raises(FakeApiError, match="message caption is too long"):
        check_caption("😀" * 513)


def test_whitespace_only_text_is_empty() -> None:
    with pytest.raises(FakeApiError, match="Bad Request: message text is empty"):
        check_message_text(" \n\t ")


def test_length_is_counted_after_entity_parsing() -> None:
    text = "<b>" + "x" * 4000 + "</b><i>" + "y" * 96 + "</i>"
    plain, _ = format_text(text, "HTML")
    check_message_text(plain)
    assert utf16_len(plain) == 4096
    plain, _ = format_text("&lt;" * 4096, "HTML")
    check_message_text(plain)
    with pytest.raises(FakeApiError):
        check_message_text(format_text("&amp;" * 4097, "HTML")[0])


def test_html_tags_become_entities_with_utf16_offsets() -> None:
    plain, entities = parse_html_entities('👍 <b>粗</b> <a href="https://t.me/x?a=1&amp;b=2">link</a>')
    assert plain == "👍 粗 link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 1},
        {"type": "text_link", "offset": 5, "length": 4, "url": "https://t.me/x?a=1&b=2"},
    ]


@pytest.mark.parametrize(
    ("html", "entity_type"),
    [
        ("<strong>x</strong>", "bold"),
        ("<em>x</em>", "italic"),
        ("<ins>x</ins>", "underline"),
        ("<del>x</del>", "strikethrough"),
        ("<strike>x</strike>", "strikethrough"),
        ('<span class="tg-spoiler">x</span>', "spoiler"),
        ("<tg-spoiler>x</tg-spoiler>", "spoiler"),
        ("<code>x</code>", "code"),
        ("<blockquote>x</blockquote>", "blockquote"),
        ("<blockquote expandable>x</blockquote>", "expandable_blockquote"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "custom_emoji"),
        ("<B>x</B>", "bold"),
    ],
)
def test_every_telegram_tag_is_accepted(html: str, entity_type: str) -> None:
    _, entities = parse_html_entities(html)
    assert [e["type"] for e in entities] == [entity_type]


def test_pre_with_language_code_block_is_one_pre_entity() -> None:
    plain, entities = parse_html_entities('<pre><code class="language-python">print(1)</code></pre>')
    assert plain == "print(1)"
    assert entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_escaped_entities_are_decoded() -> None:
    assert parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#128077; &#x90bb;") == 'a <b> & "c" 👍 邻'


def test_bare_greater_than_is_accepted_like_telegram() -> None:
    assert parse_html("1 > 0") == "1 > 0"


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("line<br>", 'Unsupported start tag "br"'),
        ("<p>x</p>", 'Unsupported start tag "p"'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<tg-emoji>x</tg-emoji>", "emoji-id"),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
        ("a < b", 'unexpected character "<"'),
        ("<3 you", 'unexpected character "<"'),
        ("Tom & Jerry", 'character "&"'),
        ("&nbsp;", 'character "&"'),
        ("<b", "unclosed start tag"),
        ('<a href="x&y">z</a>', 'bare "&"'),
    ],
)
def test_malformed_or_unsupported_html_is_refused(html: str, fragment: str) -> None:
    with pytest.raises(FakeApiError) as exc:
        parse_html(html)
    assert exc.value.code == 400
    assert description(exc).startswith("Bad Request: can't parse entities: ")
    assert fragment in description(exc)


def test_error_reports_utf8_byte_offset() -> None:
    with pytest.raises(FakeApiError, match="at byte offset 6"):
        parse_html("邻里<div>")


def test_plain_text_without_parse_mode_is_not_html_checked() -> None:
    assert format_text("a < b & <div>", None) == ("a < b & <div>", [])


def test_markdown_parse_mode_is_refused_by_the_offline_fake() -> None:
    with pytest.raises(FakeApiError, match="MarkdownV2 is not supported"):
        format_text("*x*", "MarkdownV2")


def test_callback_data_of_64_ascii_bytes_is_accepted() -> None:
    check_callback_data("x" * 64)
    validate_reply_markup(keyboard(1, "x" * 64))


def test_callback_data_of_65_bytes_is_refused() -> None:
    with pytest.raises(FakeApiError, match="Bad Request: BUTTON_DATA_INVALID"):
        validate_reply_markup(keyboard(1, "x" * 65))


def test_callback_data_of_22_cjk_characters_is_66_bytes_and_refused() -> None:
    with pytest.raises(FakeApiError, match="BUTTON_DATA_INVALID"):
        check_callback_data("邻" * 22)
    check_callback_data("邻" * 21)


def test_empty_callback_data_is_refused() -> None:
    with pytest.raises(FakeApiError, match="BUTTON_DATA_INVALID"):
        check_callback_data("")


def test_100_buttons_are_accepted_and_101_refused() -> None:
    validate_reply_markup(keyboard(100))
    with pytest.raises(FakeApiError, match="BUTTONS_TOO_MUCH"):
        validate_reply_markup(keyboard(101))


def test_button_needs_exactly_one_action() -> None:
    with pytest.raises(FakeApiError, match="text buttons are unallowed"):
        validate_reply_markup({"inline_keyboard": [[{"text": "no action"}]]})
    with pytest.raises(FakeApiError, match="exactly one"):
        validate_reply_markup(
            {"inline_keyboard": [[{"text": "two", "callback_data": "a", "url": "https://example.org"}]]}
        )


def test_button_url_must_be_a_link() -> None:
    validate_reply_markup({"inline_keyboard": [[{"text": "go", "url": "tg://user?id=1"}]]})
    with pytest.raises(FakeApiError, match="Wrong HTTP URL"):
        validate_reply_markup({"inline_keyboard": [[{"text": "go", "url": "not a url"}]]})


def test_reply_keyboard_and_removal_are_accepted() -> None:
    validate_reply_markup({"keyboard": [["a", {"text": "b"}]], "resize_keyboard": True})
    validate_reply_markup({"remove_keyboard": True})
    validate_reply_markup({"force_reply": True})
    with pytest.raises(FakeApiError):
        validate_reply_markup({"something": 1})
