"""Reading numbers as people type them (bot/numbers.py): request numbers and ratings, Chinese
numerals checked against a writer of them; the behaviour through the bot is in tests/test_typing.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.numbers import REQUEST_MAX, chinese_value, number_value, split_request_number, split_stars

DIGITS = "零一二三四五六七八九"
FORMAL = str.maketrans("零一二三四五六七八九十百千", "零壹贰叁肆伍陆柒捌玖拾佰仟")
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def chinese(n: int, *, explicit_ten: bool = False, liang: bool = False, zero: str = "零") -> str:
    """n (1..9999) the way it is written in Chinese: 十二 (or 一十二), 一百零五, 两千 (or 二千)."""
    if n < 10:
        return DIGITS[n]
    text, started, pending_zero = "", False, False
    for value, place in ((1000, "千"), (100, "百"), (10, "十")):
        digit = n // value % 10
        if digit == 0:
            pending_zero = pending_zero or started
            continue
        text += zero if pending_zero else ""
        pending_zero = False
        if value == 10 and digit == 1 and not started and not explicit_ten:
            text += place
        elif digit == 2 and value >= 100 and liang:
            text += "两" + place
        else:
            text += DIGITS[digit] + place
        started = True
    if n % 10:
        text += (zero if pending_zero else "") + DIGITS[n % 10]
    return text


# -- Chinese numerals ----------------------------------------------------------------------------
@given(st.integers(1, 9999), st.booleans(), st.booleans(), st.sampled_from(["零", "〇"]))
def test_every_chinese_numeral_below_ten_thousand_reads_as_its_value(
    n: int, explicit_ten: bool, liang: bool, zero: str
) -> None:
    written = chinese(n, explicit_ten=explicit_ten, liang=liang, zero=zero)
    assert chinese_value(written) == n, written
    assert chinese_value(chinese(n).translate(FORMAL)) == n  # 壹佰零伍


@given(st.integers(1, 999_999_999))
def test_a_number_read_digit_by_digit_in_chinese_is_its_value(n: int) -> None:
    assert chinese_value("".join(DIGITS[int(d)] for d in str(n)).replace("零", "〇")) == n


@pytest.mark.parametrize(
    ("text", "value"),
    [("十", 10), ("两", 2), ("两百", 200), ("一百一", 110), ("两千五", 2500), ("三百三", 330), ("零五", 5)],
)
def test_colloquial_chinese_numerals(text: str, value: int) -> None:
    assert chinese_value(text) == value


@pytest.mark.parametrize(
    "text", ["", "百", "十十", "十百", "十三四", "零十", "一百零", "三千万", "一万", "三点五"]
)
def test_what_is_not_a_chinese_numeral_below_ten_thousand_is_none(text: str) -> None:
    assert chinese_value(text) is None


@given(st.text(alphabet="零〇一二两三四五六七八九十百千万壹拾佰仟点负0123456789３#号 abc", max_size=12))
def test_any_text_reads_as_a_number_in_range_or_as_none_and_never_raises(text: str) -> None:
    value = number_value(text)
    assert value is None or 0 <= value <= REQUEST_MAX
    number, _ = split_request_number(text)
    assert number is None or 1 <= number <= REQUEST_MAX
    stars, _ = split_stars(text)
    assert stars is None or 1 <= stars <= 5


# -- request numbers -------------------------------------------------------------------------------
@given(
    st.integers(1, 9999),
    st.sampled_from(["{}", "#{}", "＃{}", "{}号", "No.{}", "NO. {}", "№{}", "第{}", "第{}号"]),
    st.sampled_from(["ascii", "full_width", "chinese"]),
    st.text(min_size=0, max_size=20).map(lambda t: "灯" + t),
)
def test_a_request_number_in_any_written_form_is_read_and_what_follows_is_kept_as_written(
    n: int, form: str, digits: str, rest: str
) -> None:
    number = {"ascii": str(n), "full_width": str(n).translate(FULL_WIDTH_DIGITS), "chinese": chinese(n)}[
        digits
    ]
    assert split_request_number(f"{form.format(number)} {rest}") == (n, rest.rstrip())
    assert split_request_number(f"{form.format(number)}，{rest}") == (n, rest.rstrip())


@pytest.mark.parametrize(
    "text", ["", "abc", "0", "零", "1000000000", "三千万", "3灯泡", "一楼漏水", "4.5", "#", "No."]
)
def test_text_that_does_not_begin_with_a_request_number_has_none(text: str) -> None:
    assert split_request_number(text) == (None, text.strip())


# -- ratings -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "stars", "comment"),
    [
        ("5", 5, ""),
        ("五星", 5, ""),
        ("5星", 5, ""),
        ("五颗星 很及时", 5, "很及时"),
        ("五星好评", 5, "好评"),
        ("5分", 5, ""),
        ("４", 4, ""),
        ("三", 3, ""),
        ("★★★★★", 5, ""),
        ("⭐️⭐️⭐️ 还行", 3, "还行"),
        ("★★★☆☆", 3, ""),
        ("4 stars great", 4, "great"),
        ("2，来得太晚了", 2, "来得太晚了"),
    ],
)
def test_a_rating_is_read_however_the_stars_are_written(text: str, stars: int, comment: str) -> None:
    assert split_stars(text) == (stars, comment)


@pytest.mark.parametrize("text", ["十星", "6", "0", "4.5", "很好", "☆☆☆", "十分满意", ""])
def test_a_rating_out_of_range_or_not_a_rating_is_none(text: str) -> None:
    assert split_stars(text)[0] is None
