"""Time phrases as people write them, read at fixed moments (never the real clock)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import Renderer
from bot.when import Rule, WhenError, parse_moment, parse_rule

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
    (WED, "Sept 3 10am", at(2027, 9, 3, 10)),
    (WED, "thurs 10:30am", at(2026, 12, 3, 10, 30)),
    (WED, "2026-12-20T15:00", at(2026, 12, 20, 15)),
]


@pytest.mark.parametrize(("now", "text", "expected"), MOMENTS, ids=[m[1] for m in MOMENTS])
def test_a_phrase_means_the_moment_people_mean(now: datetime, text: str, expected: datetime) -> None:
    got = parse_moment(text, now=now, tz=SH)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()  # given in the community's timezone


REFUSED = [
    (WED, "", "when/unreadable"),
    (WED, "开会", "when/unreadable"),
    (WED, "下午3点 开会", "when/unreadable"),
    (WED, "month 3pm", "when/unreadable"),  # not Monday
    (WED, "sunny 3pm", "when/unreadable"),  # not Sunday  # a one-off phrase is all time
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


# -- rules -----------------------------------------------------------------------------------------
def local_times(rule: Rule, now: datetime, n: int = 3, tz: ZoneInfo = SH) -> list[str]:
    return [t.astimezone(tz).strftime("%Y-%m-%d %a %H:%M") for t in rule.next_times(now, tz, n)]


RULES = [
    # (now, phrase, the next three fire times in Shanghai)
    (WED, "每天 8:00", ["2026-12-03 Thu 08:00", "2026-12-04 Fri 08:00", "2026-12-05 Sat 08:00"]),
    (WED, "每日 20:00", ["2026-12-02 Wed 20:00", "2026-12-03 Thu 20:00", "2026-12-04 Fri 20:00"]),
    (WED, "每天早上8点", ["2026-12-03 Thu 08:00", "2026-12-04 Fri 08:00", "2026-12-05 Sat 08:00"]),
    (WED, "天天 下午3点", ["2026-12-02 Wed 15:00", "2026-12-03 Thu 15:00", "2026-12-04 Fri 15:00"]),
    (WED, "every day 8:00", ["2026-12-03 Thu 08:00", "2026-12-04 Fri 08:00", "2026-12-05 Sat 08:00"]),
    (WED, "工作日 8:30", ["2026-12-03 Thu 08:30", "2026-12-04 Fri 08:30", "2026-12-07 Mon 08:30"]),
    (WED, "每个工作日 早上8点半", ["2026-12-03 Thu 08:30", "2026-12-04 Fri 08:30", "2026-12-07 Mon 08:30"]),
    (WED, "每周三 15:00", ["2026-12-02 Wed 15:00", "2026-12-09 Wed 15:00", "2026-12-16 Wed 15:00"]),
    (WED, "每星期三下午3点", ["2026-12-02 Wed 15:00", "2026-12-09 Wed 15:00", "2026-12-16 Wed 15:00"]),
    (WED, "每周一三五 9点", ["2026-12-04 Fri 09:00", "2026-12-07 Mon 09:00", "2026-12-09 Wed 09:00"]),
    (WED, "每周一、三、五 9:00", ["2026-12-04 Fri 09:00", "2026-12-07 Mon 09:00", "2026-12-09 Wed 09:00"]),
    (WED, "每周一至周五 8:00", ["2026-12-03 Thu 08:00", "2026-12-04 Fri 08:00", "2026-12-07 Mon 08:00"]),
    (WED, "每周末 10:00", ["2026-12-05 Sat 10:00", "2026-12-06 Sun 10:00", "2026-12-12 Sat 10:00"]),
    (WED, "every monday 9am", ["2026-12-07 Mon 09:00", "2026-12-14 Mon 09:00", "2026-12-21 Mon 09:00"]),
    (WED, "every monday at 9 am", ["2026-12-07 Mon 09:00", "2026-12-14 Mon 09:00", "2026-12-21 Mon 09:00"]),
    (
        WED,
        "every tues and thurs 6pm",
        ["2026-12-03 Thu 18:00", "2026-12-08 Tue 18:00", "2026-12-10 Thu 18:00"],
    ),
    (WED, "每两周周五 19:00", ["2026-12-04 Fri 19:00", "2026-12-18 Fri 19:00", "2027-01-01 Fri 19:00"]),
    (WED, "隔周周六上午10点", ["2026-12-05 Sat 10:00", "2026-12-19 Sat 10:00", "2027-01-02 Sat 10:00"]),
    (WED, "every other friday 7pm", ["2026-12-04 Fri 19:00", "2026-12-18 Fri 19:00", "2027-01-01 Fri 19:00"]),
    (WED, "每月1日 9:00", ["2027-01-01 Fri 09:00", "2027-02-01 Mon 09:00", "2027-03-01 Mon 09:00"]),
    (WED, "每月15号", ["2026-12-15 Tue 09:00", "2027-01-15 Fri 09:00", "2027-02-15 Mon 09:00"]),
    (WED, "每月1号、15号 10点", ["2026-12-15 Tue 10:00", "2027-01-01 Fri 10:00", "2027-01-15 Fri 10:00"]),
    (WED, "每月最后一个周五", ["2026-12-25 Fri 09:00", "2027-01-29 Fri 09:00", "2027-02-26 Fri 09:00"]),
    (
        WED,
        "每月最后一个周五 下午3点",
        ["2026-12-25 Fri 15:00", "2027-01-29 Fri 15:00", "2027-02-26 Fri 15:00"],
    ),
    (WED, "每月第一个周一 10点", ["2026-12-07 Mon 10:00", "2027-01-04 Mon 10:00", "2027-02-01 Mon 10:00"]),
    (WED, "每月最后一天 17:00", ["2026-12-31 Thu 17:00", "2027-01-31 Sun 17:00", "2027-02-28 Sun 17:00"]),
    (WED, "每季度第一天 9:00", ["2027-01-01 Fri 09:00", "2027-04-01 Thu 09:00", "2027-07-01 Thu 09:00"]),
    (WED, "每季度最后一天 9:00", ["2026-12-31 Thu 09:00", "2027-03-31 Wed 09:00", "2027-06-30 Wed 09:00"]),
    (WED, "每年12月1日", ["2027-12-01 Wed 09:00", "2028-12-01 Fri 09:00", "2029-12-01 Sat 09:00"]),
    (WED, "每年2月29日 10:00", ["2028-02-29 Tue 10:00", "2032-02-29 Sun 10:00", "2036-02-29 Fri 10:00"]),
    (WED, "每30分钟", ["2026-12-02 Wed 10:30", "2026-12-02 Wed 11:00", "2026-12-02 Wed 11:30"]),
    (WED, "每小时", ["2026-12-02 Wed 11:00", "2026-12-02 Wed 12:00", "2026-12-02 Wed 13:00"]),
    # crontab lines count the day of week as cron does: 0 is Sunday, 1-5 Monday to Friday
    (SAT, "0 9 * * 1-5", ["2026-12-07 Mon 09:00", "2026-12-08 Tue 09:00", "2026-12-09 Wed 09:00"]),
    (WED, "0 9 * * 0", ["2026-12-06 Sun 09:00", "2026-12-13 Sun 09:00", "2026-12-20 Sun 09:00"]),
    (WED, "30 18 * * 7", ["2026-12-06 Sun 18:30", "2026-12-13 Sun 18:30", "2026-12-20 Sun 18:30"]),
    (WED, "0 8 1 * *", ["2027-01-01 Fri 08:00", "2027-02-01 Mon 08:00", "2027-03-01 Mon 08:00"]),
    (WED, "0 9 * * mon,thu", ["2026-12-03 Thu 09:00", "2026-12-07 Mon 09:00", "2026-12-10 Thu 09:00"]),
    # one-off phrases are rules too
    (WED, "明天 9:00", ["2026-12-03 Thu 09:00"]),
    (WED, "12月30日下午3点", ["2026-12-30 Wed 15:00"]),
]


@pytest.mark.parametrize(("now", "text", "expected"), RULES, ids=[r[1] for r in RULES])
def test_a_rule_fires_when_people_mean(now: datetime, text: str, expected: list[str]) -> None:
    rule = parse_rule(text, now=now, tz=SH)
    assert local_times(rule, now) == expected
    assert rule.recurring == (len(expected) > 1)


def test_a_rule_is_stored_and_read_back_unchanged() -> None:
    rule = parse_rule("每两周周五 19:00", now=WED, tz=SH)
    assert rule.spec == {"cron": {"day_of_week": "fri", "hour": 19, "minute": 0}, "every_weeks": 2,
                         "anchor": "2026-12-04"}  # fmt: skip
    again = Rule.from_spec(rule.spec)
    assert local_times(again, datetime(2026, 12, 10, tzinfo=SH)) == local_times(
        rule, datetime(2026, 12, 10, tzinfo=SH)
    )


def test_workday_rules_skip_the_national_day_holiday_and_keep_the_make_up_saturday() -> None:
    rule = parse_rule("工作日 8:30", now=datetime(2026, 9, 29, 12, tzinfo=SH), tz=SH)
    assert rule.spec == {"cron": {"hour": 8, "minute": 30}, "workdays": True}
    times = local_times(rule, datetime(2026, 9, 29, 12, tzinfo=SH), 4)
    # 30 September works; 1-7 October are off; Thursday 8 and Friday 9 work, Saturday 10 is a 调休 day
    assert times == [
        "2026-09-30 Wed 08:30",
        "2026-10-08 Thu 08:30",
        "2026-10-09 Fri 08:30",
        "2026-10-10 Sat 08:30",
    ]


def test_workday_rules_skip_the_whole_spring_festival() -> None:
    rule = parse_rule("工作日 9:00", now=datetime(2026, 2, 13, 12, tzinfo=SH), tz=SH)
    # Saturday 14 February is a make-up day, then nine days off until Tuesday 24
    assert local_times(rule, datetime(2026, 2, 13, 12, tzinfo=SH), 2) == [
        "2026-02-14 Sat 09:00",
        "2026-02-24 Tue 09:00",
    ]


RULE_REFUSALS = [
    (WED, "每秒", "when/too_often"),
    (WED, "每10秒", "when/too_often"),
    (WED, "每天晚上", "when/no_time"),
    (WED, "每天 明天 9点", "when/ambiguous"),
    (WED, "每周三 晚上12点", "when/ambiguous"),
    (WED, "每小时 9点", "when/ambiguous"),
    (WED, "每年2月30日", "when/unreadable"),
    (WED, "每周三 开会", "when/unreadable"),
    (WED, "0 9 30 2 *", "when/never"),
    (WED, "0 25 * * *", "when/unreadable"),
    (WED, "0 9 * * 5-1", "when/unreadable"),
    (WED, "2026-12-01 09:00", "when/past"),
    (WED, "开会", "when/unreadable"),
]


@pytest.mark.parametrize(("now", "text", "reason"), RULE_REFUSALS, ids=[r[1] for r in RULE_REFUSALS])
def test_a_rule_we_cannot_trust_is_refused_with_a_reason(now: datetime, text: str, reason: str) -> None:
    with pytest.raises(WhenError) as refused:
        parse_rule(text, now=now, tz=SH)
    assert refused.value.reason == reason


def test_a_rule_firing_every_minute_is_allowed_but_not_faster() -> None:
    assert local_times(parse_rule("* * * * *", now=WED, tz=SH), WED, 2) == [
        "2026-12-02 Wed 10:01",
        "2026-12-02 Wed 10:02",
    ]
    with pytest.raises(WhenError, match="when/too_often"):
        parse_rule("每30秒", now=WED, tz=SH)


# -- daylight saving (Europe/Berlin) ---------------------------------------------------------------
def utc_times(rule: Rule, now: datetime, n: int) -> list[datetime]:
    return [t.astimezone(UTC) for t in rule.next_times(now, BERLIN, n)]


def u(mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, mo, d, h, mi, tzinfo=UTC)


def test_a_daily_0230_rule_fires_once_on_the_night_the_clock_skips_it() -> None:
    rule = parse_rule("每天 02:30", now=datetime(2026, 3, 27, 12, tzinfo=BERLIN), tz=BERLIN)
    times = utc_times(rule, datetime(2026, 3, 27, 12, tzinfo=BERLIN), 4)
    # 28 March 02:30 CET; 29 March there is no 02:30 (03:30 CEST, as a clock not set forward); then CEST
    assert times == [u(3, 28, 1, 30), u(3, 29, 1, 30), u(3, 30, 0, 30), u(3, 31, 0, 30)]


def test_a_daily_0230_rule_fires_once_on_the_night_the_clock_repeats_it() -> None:
    rule = parse_rule("每天 02:30", now=datetime(2026, 10, 23, 12, tzinfo=BERLIN), tz=BERLIN)
    times = utc_times(rule, datetime(2026, 10, 23, 12, tzinfo=BERLIN), 4)
    # 25 October shows 02:30 twice (CEST, then CET): it fires at the first only
    assert times == [u(10, 24, 0, 30), u(10, 25, 0, 30), u(10, 26, 1, 30), u(10, 27, 1, 30)]


def test_the_next_fire_after_a_moment_inside_the_repeated_hour_is_the_next_day() -> None:
    rule = Rule.cron(hour=2, minute=30)
    inside = u(10, 25, 1, 15).astimezone(BERLIN)  # 02:15 CET, the second time the clock shows 02:15
    assert rule.next_after(inside, BERLIN) == u(10, 26, 1, 30)
    assert rule.next_after(u(10, 25, 0, 30), BERLIN) == u(10, 26, 1, 30)  # never the same fire again


def test_fire_times_are_strictly_increasing_across_both_changes() -> None:
    rule = Rule.cron(minute="*/30")
    for start in (datetime(2026, 3, 29, 0, tzinfo=BERLIN), datetime(2026, 10, 25, 0, tzinfo=BERLIN)):
        times = utc_times(rule, start, 12)
        assert all(b > a for a, b in itertools.pairwise(times))
        assert len(set(times)) == 12


# -- any moment, any text --------------------------------------------------------------------------
REASONS = {"when/unreadable", "when/past", "when/ambiguous", "when/no_time", "when/too_often", "when/never"}
ANY_NOW = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.sampled_from([SH, BERLIN])
)


@given(now=ANY_NOW, text=st.sampled_from([m[1] for m in MOMENTS] + [r[1] for r in REFUSED]))
@settings(max_examples=300, deadline=None)
def test_at_any_moment_a_phrase_is_a_later_moment_or_a_refusal_with_a_reason(
    now: datetime, text: str
) -> None:
    tz = now.tzinfo
    assert isinstance(tz, ZoneInfo)
    try:
        got = parse_moment(text, now=now, tz=tz)
    except WhenError as refused:
        assert refused.reason in REASONS
        return
    assert got.astimezone(UTC) > now.astimezone(UTC)
    assert got.tzinfo == tz


@given(now=ANY_NOW, text=st.sampled_from([r[1] for r in RULES]))
@settings(max_examples=200, deadline=None)
def test_at_any_moment_a_rule_fires_later_and_never_twice_within_a_minute(now: datetime, text: str) -> None:
    tz = now.tzinfo
    assert isinstance(tz, ZoneInfo)
    try:
        rule = parse_rule(text, now=now, tz=tz)
    except WhenError as refused:
        assert refused.reason == "when/past" and not text.startswith("每")  # only a one-off can be past
        return
    times = [t.astimezone(UTC) for t in rule.next_times(now, tz, 4)]
    assert times and times[0] > now.astimezone(UTC)
    assert all(b - a >= timedelta(minutes=1) for a, b in itertools.pairwise(times))


# the words phrases are made of, in any order
PIECES = [
    "每",
    "周",
    "三",
    "月",
    "日",
    "号",
    "点",
    "半",
    "分",
    "刻",
    "上午",
    "下午",
    "晚上",
    "凌晨",
    "明天",
    "下",
    "本",
    "工作日",
    "每两周",
    "最后一个",
    "季度",
    "年",
    "12",
    "0",
    "3",
    "25",
    "31",
    ":",
    ":30",
    "-",
    "/",
    "*",
    "pm",
    "am",
    "tomorrow",
    "every",
    "monday",
    "十二",
    "二十",
    "两",
    "〇",
    "１",
    "：",
    " ",
]
TEXTS = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(PIECES), max_size=8).map("".join))


@given(text=TEXTS)
@settings(max_examples=1000, deadline=None)
def test_any_text_is_read_or_refused_never_crashes(text: str) -> None:
    for read in (parse_moment, parse_rule):
        try:
            read(text, now=WED, tz=SH)
        except WhenError as refused:
            assert refused.reason in REASONS


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_past_refusal_shows_the_time_it_understood(locale: str) -> None:
    with pytest.raises(WhenError) as refused:
        parse_moment("12月1日 9:00", now=WED, tz=SH)
    renderer = Renderer("zh_CN")
    assert "2026-12-01 09:00" in renderer.render(locale, refused.value.reason, **refused.value.params)
    assert "2026-12-01" not in renderer.render(locale, "when/past")  # and reads well without it


def test_a_stored_every_other_week_rule_needs_its_anchor() -> None:
    with pytest.raises(ValueError, match="anchor"):
        Rule.from_spec({"cron": {"day_of_week": "fri", "hour": 19, "minute": 0}, "every_weeks": 2})
    with pytest.raises(ValueError):
        Rule.from_spec({"cron": {"hour": 9}, "every_weeks": 0, "anchor": "2026-12-04"})
