"""Time phrases as people write them, read at fixed moments (never the real clock)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.when import WhenError, parse_moment

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
WED = datetime(2026, 12, 2, 10, 0, tzinfo=SH)  # a Wednesday morning
SAT = datetime(2026, 12, 5, 15, 30, tzinfo=SH)  # a Saturday afternoon
YEAR_END = datetime(2026, 12, 30, 20, 0, tzinfo=SH)
AFTER_LEAP = datetime(2027, 3, 1, 9, 0, tzinfo=SH)


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


MOMENTS = [
    # dates with a year
    (WED, "2026-12-20 15:00", at(2026, 12, 20, 15)),
    (WED, "2026/12/20 15:00", at(2026, 12, 20, 15)),
    (WED, "2026.12.20 9:05", at(2026, 12, 20, 9, 5)),
    (WED, "2026年12月20日 15:00", at(2026, 12, 20, 15)),
    (WED, "二〇二七年一月三日 上午十点", at(2027, 1, 3, 10)),
    # dates without a year
    (WED, "12-20 15:00", at(2026, 12, 20, 15)),
    (WED, "12/20 15:00", at(2026, 12, 20, 15)),
    (WED, "12月20日 15:00", at(2026, 12, 20, 15)),
    (WED, "12月20日下午3点", at(2026, 12, 20, 15)),
    (WED, "12月20号 晚上7点半", at(2026, 12, 20, 19, 30)),
    (WED, "十二月二十日 下午三点", at(2026, 12, 20, 15)),
    (WED, "１２月２０日　１５：３０", at(2026, 12, 20, 15, 30)),
    (YEAR_END, "1月5日 9:00", at(2027, 1, 5, 9)),
    (YEAR_END, "1-5 9:00", at(2027, 1, 5, 9)),
    (AFTER_LEAP, "2月29日 10:00", at(2028, 2, 29, 10)),
    (WED, "20号 9点", at(2026, 12, 20, 9)),
    (WED, "1号 9点", at(2027, 1, 1, 9)),
    # relative days
    (WED, "今天下午3点", at(2026, 12, 2, 15)),
    (WED, "明天 9:00", at(2026, 12, 3, 9)),
    (WED, "明天下午3点", at(2026, 12, 3, 15)),
    (WED, "明日上午10点", at(2026, 12, 3, 10)),
    (WED, "后天 8:30", at(2026, 12, 4, 8, 30)),
    (WED, "大后天上午10点", at(2026, 12, 5, 10)),
    (WED, "今晚8点", at(2026, 12, 2, 20)),
    (WED, "明晚7点", at(2026, 12, 3, 19)),
    (WED, "明早8点", at(2026, 12, 3, 8)),
    (YEAR_END, "明天 9:00", at(2026, 12, 31, 9)),
    (YEAR_END, "后天 9:00", at(2027, 1, 1, 9)),
    # weekdays: the next one, this week's, next week's
    (WED, "周六上午9点", at(2026, 12, 5, 9)),
    (WED, "星期六 9:00", at(2026, 12, 5, 9)),
    (WED, "礼拜六上午9点", at(2026, 12, 5, 9)),
    (WED, "本周六上午9点", at(2026, 12, 5, 9)),
    (WED, "这周日下午2点", at(2026, 12, 6, 14)),
    (WED, "下周六上午9点", at(2026, 12, 12, 9)),
    (WED, "下个星期一 9:00", at(2026, 12, 7, 9)),
    (WED, "下下周三 15:00", at(2026, 12, 16, 15)),
    (WED, "周三下午3点", at(2026, 12, 2, 15)),  # today, later
    (WED, "周三上午9点", at(2026, 12, 9, 9)),  # today's has passed: next week's
    (SAT, "周六上午9点", at(2026, 12, 12, 9)),  # a Saturday afternoon: next Saturday
    (SAT, "周六下午4点", at(2026, 12, 5, 16)),
    (SAT, "星期天 10:00", at(2026, 12, 6, 10)),
    (SAT, "12月12日周六 9:00", at(2026, 12, 12, 9)),
    # times of day
    (WED, "3点半", at(2026, 12, 2, 15, 30)),  # no period: 1-6 is the afternoon
    (WED, "三点", at(2026, 12, 2, 15)),
    (WED, "15:30", at(2026, 12, 2, 15, 30)),
    (WED, "15点30分", at(2026, 12, 2, 15, 30)),
    (WED, "15时", at(2026, 12, 2, 15)),
    (WED, "下午3点一刻", at(2026, 12, 2, 15, 15)),
    (WED, "下午三点三刻", at(2026, 12, 2, 15, 45)),
    (WED, "下午两点", at(2026, 12, 2, 14)),
    (WED, "三点十五", at(2026, 12, 2, 15, 15)),
    (WED, "9点", at(2026, 12, 3, 9)),  # 09:00 has passed today
    (WED, "11点", at(2026, 12, 2, 11)),
    (WED, "中午12点", at(2026, 12, 2, 12)),
    (WED, "中午1点", at(2026, 12, 2, 13)),
    (WED, "傍晚6点", at(2026, 12, 2, 18)),
    (WED, "晚上8点", at(2026, 12, 2, 20)),
    (WED, "晚上12点", at(2026, 12, 3, 0)),
    (WED, "凌晨3点", at(2026, 12, 3, 3)),
    (WED, "03:00", at(2026, 12, 3, 3)),  # a leading zero is a 24-hour clock
    (WED, "早上7点", at(2026, 12, 3, 7)),
    (WED, "上午12点", at(2026, 12, 2, 12)),
    (WED, "24:00", at(2026, 12, 3, 0)),
    # English
    (WED, "tomorrow 3pm", at(2026, 12, 3, 15)),
    (WED, "tomorrow at 3:30 pm", at(2026, 12, 3, 15, 30)),
    (WED, "today 9pm", at(2026, 12, 2, 21)),
    (WED, "tonight 8pm", at(2026, 12, 2, 20)),
    (WED, "tomorrow 9am", at(2026, 12, 3, 9)),
    (WED, "saturday 10am", at(2026, 12, 5, 10)),
    (WED, "next saturday 10am", at(2026, 12, 12, 10)),
    (WED, "Dec 20 3pm", at(2026, 12, 20, 15)),
    (WED, "20 December 15:00", at(2026, 12, 20, 15)),
    (WED, "12am", at(2026, 12, 3, 0)),
]


@pytest.mark.parametrize(("now", "text", "expected"), MOMENTS, ids=[m[1] for m in MOMENTS])
def test_a_phrase_means_the_moment_people_mean(now: datetime, text: str, expected: datetime) -> None:
    got = parse_moment(text, now=now, tz=SH)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()  # given in the community's timezone


REFUSED = [
    (WED, "", "when/unreadable"),
    (WED, "开会", "when/unreadable"),
    (WED, "下午3点 开会", "when/unreadable"),  # a one-off phrase is all time
    (WED, "2月30日 9:00", "when/unreadable"),
    (WED, "13月1日 9:00", "when/unreadable"),
    (WED, "25:00", "when/unreadable"),
    (WED, "9:75", "when/unreadable"),
    (WED, "2026-12-01 09:00", "when/past"),
    (WED, "2025-12-20 15:00", "when/past"),
    (WED, "今天上午9点", "when/past"),
    (WED, "12月1日 9:00", "when/past"),  # yesterday, not next year
    (WED, "本周一 9:00", "when/past"),
    (datetime(2026, 12, 5, 21, tzinfo=SH), "今晚7点", "when/past"),
    (WED, "上午15点", "when/ambiguous"),
    (WED, "凌晨8点", "when/ambiguous"),
    (WED, "晚上3点", "when/ambiguous"),
    (WED, "上午9点晚上", "when/ambiguous"),
    (WED, "明天 后天 9:00", "when/ambiguous"),
    (WED, "9:00 10:00", "when/ambiguous"),
    (WED, "tomorrow morning 3pm", "when/ambiguous"),
    (WED, "12月20日周六 9:00", "when/ambiguous"),  # 20 December 2026 is a Sunday
    (WED, "明天周六 9:00", "when/ambiguous"),  # tomorrow is a Thursday
    (WED, "明天", "when/no_time"),
    (WED, "12月20号", "when/no_time"),
    (WED, "周六", "when/no_time"),
    (WED, "明天上午", "when/no_time"),
]


@pytest.mark.parametrize(("now", "text", "reason"), REFUSED, ids=[r[1] or "empty" for r in REFUSED])
def test_a_phrase_we_cannot_trust_is_refused_with_a_reason(now: datetime, text: str, reason: str) -> None:
    with pytest.raises(WhenError) as refused:
        parse_moment(text, now=now, tz=SH)
    assert refused.value.reason == reason


def test_a_day_without_a_time_takes_the_default_time_when_one_is_given() -> None:
    assert parse_moment("明天", now=WED, tz=SH, default_time=time(9)) == at(2026, 12, 3, 9)
    assert parse_moment("12月20号", now=WED, tz=SH, default_time=time(9)) == at(2026, 12, 20, 9)
    with pytest.raises(WhenError, match="when/no_time"):
        parse_moment("上午", now=WED, tz=SH, default_time=time(9))  # a period alone names no day


def test_now_in_another_timezone_is_read_in_the_community_timezone() -> None:
    # 23:30 UTC on 1 December is already 07:30 on 2 December in Shanghai: 今天 is the 2nd.
    now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert parse_moment("今天上午9点", now=now, tz="Asia/Shanghai") == at(2026, 12, 2, 9)


def test_a_time_the_spring_change_skips_is_read_as_an_unchanged_clock_would() -> None:
    now = datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    got = parse_moment("明天 02:30", now=now, tz=BERLIN)  # 29 March: 02:00 → 03:00
    assert got.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_time_the_autumn_change_repeats_is_its_first_reading() -> None:
    now = datetime(2026, 10, 24, 12, tzinfo=BERLIN)
    got = parse_moment("明天 02:30", now=now, tz=BERLIN)  # 25 October: 03:00 → 02:00
    assert got.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_moment("明天 9:00", now=datetime(2026, 12, 2, 10), tz=SH)
