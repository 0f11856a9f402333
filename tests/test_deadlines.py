"""The 5341 response promise: deadlines counted in service hours, calendar days, urgent wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.deadlines import (
    Deadlines,
    Duration,
    ServiceHours,
    add_service_time,
    deadlines,
    next_service_moment,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
DAYTIME = ServiceHours.parse("08:00-20:00")
MINUTE = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0, *, month: int = 5, tz: ZoneInfo = SHANGHAI, fold: int = 0):
    """A local moment in 2024 (May by default: no DST anywhere we look)."""
    return datetime(2024, month, day, hour, minute, tzinfo=tz, fold=fold)


def due(filed: datetime, duration: str, *, tz: ZoneInfo = SHANGHAI, hours: str | None = "08:00-20:00"):
    """The deadline for `duration` from `filed`, in local time (the UTC result converted back)."""
    result = add_service_time(
        filed, Duration.parse(duration), tz, ServiceHours.parse(hours) if hours else None
    )
    assert result.tzinfo is UTC
    return result.astimezone(tz)


def elapsed(since: datetime, until: datetime) -> timedelta:
    """Real time between two moments (subtracting in one ZoneInfo would give wall-clock time)."""
    return until.astimezone(UTC) - since.astimezone(UTC)


def due_both(filed: datetime, *, response: str, resolution: str, urgent: bool, factor: float = 0.5):
    return deadlines(
        filed,
        response=Duration.parse(response),
        resolution=Duration.parse(resolution),
        urgent=urgent,
        urgent_factor=factor,
        tz=SHANGHAI,
        hours=DAYTIME,
    )


# --- minutes within service hours -------------------------------------------------------------


def test_request_within_hours_is_due_the_plain_number_of_minutes_later():
    assert due(at(6, 10, 0), "30m") == at(6, 10, 30)
    assert due(at(6, 8, 0), "4h") == at(6, 12, 0)


def test_request_at_two_am_is_due_five_minutes_after_opening():
    assert due(at(6, 2, 0), "5m") == at(6, 8, 5)


def test_request_one_minute_before_opening_still_waits_for_opening():
    assert due(at(6, 7, 59), "30m") == at(6, 8, 30)


def test_request_after_closing_is_due_the_next_morning():
    assert due(at(6, 21, 0), "30m") == at(7, 8, 30)
    assert due(at(6, 23, 59), "5m") == at(7, 8, 5)


def test_request_filed_exactly_at_closing_time_counts_from_next_opening():
    assert due(at(6, 20, 0), "5m") == at(7, 8, 5)


def test_minutes_spanning_the_evening_close_continue_next_morning():
    assert due(at(6, 19, 50), "30m") == at(7, 8, 20)


def test_minutes_that_end_exactly_at_closing_are_due_at_closing_not_next_morning():
    assert due(at(6, 19, 50), "10m") == at(6, 20, 0)


def test_four_hours_filed_late_in_the_day_spill_into_the_next_service_day():
    assert due(at(6, 18, 0), "4h") == at(7, 10, 0)


def test_four_hours_with_one_hour_of_service_a_day_take_four_days():
    assert due(at(6, 9, 30), "4h", hours="09:00-10:00") == at(10, 9, 30)


def test_seconds_of_the_filing_moment_are_kept():
    filed = at(6, 10, 0).replace(second=42)
    assert due(filed, "30m") == at(6, 10, 30).replace(second=42)


# --- calendar days ------------------------------------------------------------------------------


def test_one_day_is_the_same_local_time_the_next_day():
    assert due(at(6, 10, 15), "1d") == at(7, 10, 15)
    assert due(at(6, 19, 59), "1d") == at(7, 19, 59)
    assert due(at(6, 10, 15), "3d") == at(9, 10, 15)


def test_one_day_filed_before_opening_is_due_at_opening_the_next_day():
    assert due(at(6, 2, 0), "1d") == at(7, 8, 0)


def test_one_day_filed_after_closing_is_due_at_opening_two_days_later():
    # Tuesday 21:00 is outside hours, so the deadline moves to the next opening: Wednesday 08:00.
    # Due on Tuesday morning instead would be earlier than a request filed at 19:59 on Monday.
    assert due(at(6, 21, 0), "1d") == at(8, 8, 0)
    assert due(at(6, 20, 0), "1d") == at(8, 8, 0)


def test_a_later_filing_is_never_due_earlier_for_days():
    moments = [at(6, 0, 0) + k * timedelta(minutes=37) for k in range(60)]
    results = [due(m, "1d") for m in moments]
    assert results == sorted(results)


# --- urgent requests ----------------------------------------------------------------------------


def test_urgent_request_at_two_am_counts_on_the_wall_clock_with_halved_durations():
    result = due_both(at(6, 2, 0), response="30m", resolution="4h", urgent=True)
    assert result == Deadlines(at(6, 2, 15).astimezone(UTC), at(6, 4, 0).astimezone(UTC))


def test_the_same_request_not_urgent_waits_for_service_hours_at_full_length():
    result = due_both(at(6, 2, 0), response="30m", resolution="4h", urgent=False)
    assert result == Deadlines(at(6, 8, 30).astimezone(UTC), at(6, 12, 0).astimezone(UTC))


def test_urgent_days_become_wall_clock_hours():
    result = due_both(at(6, 21, 0), response="5m", resolution="1d", urgent=True)
    assert result.resolve_by == at(7, 9, 0).astimezone(UTC)


def test_urgent_durations_never_shrink_below_one_minute():
    assert Duration.parse("1m").scaled(0.1) == Duration(minutes=1)
    result = due_both(at(6, 2, 0), response="1m", resolution="1m", urgent=True, factor=0.01)
    assert result.respond_by == at(6, 2, 1).astimezone(UTC)


# --- service hours ending at midnight -----------------------------------------------------------


def test_service_hours_ending_at_midnight_run_to_the_end_of_the_day():
    assert str(ServiceHours.parse("18:00-24:00")) == "18:00-24:00"
    assert due(at(6, 23, 50), "30m", hours="18:00-24:00") == at(7, 18, 20)
    assert due(at(6, 23, 30), "30m", hours="18:00-24:00") == at(7, 0, 0)
    assert due(at(6, 12, 0), "1d", hours="18:00-24:00") == at(7, 18, 0)


def test_round_the_clock_service_is_the_wall_clock():
    assert due(at(6, 2, 0), "5m", hours="00:00-24:00") == at(6, 2, 5)
    assert due(at(6, 23, 30), "4h", hours="00:00-24:00") == at(7, 3, 30)
    assert due(at(6, 23, 30), "30m", hours="00:00-24:00") == at(7, 0, 0)


# --- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", Duration(minutes=30)),
        ("4h", Duration(minutes=240)),
        ("1d", Duration(days=1)),
        (" 2 h ", Duration(minutes=120)),
    ],
)
def test_durations_parse_minutes_hours_and_days(text, expected):
    assert Duration.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "30", "m", "0m", "0h", "0d", "-5m", "1.5h", "30s", "1w", "4 hours", "h4", "1d2h"]
)
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        Duration.parse(text)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("08:00-20:00", time(8), time(20)),
        ("8:00-20:00", time(8), time(20)),
        (" 09:30 - 17:45 ", time(9, 30), time(17, 45)),
        ("00:00-24:00", time(0), time.max),
    ],
)
def test_service_hours_parse(text, start, end):
    assert ServiceHours.parse(text) == ServiceHours(start, end)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "08:00",
        "8-20",
        "08:00-20",
        "20:00-08:00",  # ends before it starts (overnight windows are not supported)
        "08:00-08:00",  # empty
        "24:00-24:00",
        "08:60-20:00",
        "08:00-20:60",
        "25:00-26:00",
        "08:00-24:30",
        "08:00-25:00",
        "008:00-20:00",
    ],
)
def test_bad_service_hours_are_refused(text):
    with pytest.raises(ValueError):
        ServiceHours.parse(text)


def test_service_hours_built_directly_must_not_be_empty():
    with pytest.raises(ValueError):
        ServiceHours(time(20), time(8))
    with pytest.raises(ValueError):
        ServiceHours(time(8), time(8))


# --- time zones and awareness -------------------------------------------------------------------


def test_deadlines_are_utc_whatever_zone_the_filing_moment_is_in():
    local = at(6, 2, 0)
    for filed in (local, local.astimezone(UTC), local.astimezone(BERLIN)):
        for urgent in (False, True):
            result = due_both(filed, response="30m", resolution="1d", urgent=urgent)
            for moment in (result.respond_by, result.resolve_by):
                assert moment.tzinfo is UTC
            assert result == due_both(local, response="30m", resolution="1d", urgent=urgent)


def test_naive_filing_moment_is_refused():
    with pytest.raises(ValueError):
        due_both(datetime(2024, 5, 6, 10, 0), response="30m", resolution="4h", urgent=False)
    with pytest.raises(ValueError):
        due_both(datetime(2024, 5, 6, 10, 0), response="30m", resolution="4h", urgent=True)


def test_next_service_moment_keeps_moments_in_hours_and_moves_others_to_opening():
    assert next_service_moment(at(6, 10, 0).astimezone(UTC), SHANGHAI, DAYTIME) == at(6, 10, 0)
    assert next_service_moment(at(6, 2, 0), SHANGHAI, DAYTIME) == at(6, 8, 0)
    assert next_service_moment(at(6, 20, 0), SHANGHAI, DAYTIME) == at(7, 8, 0)
    assert next_service_moment(at(6, 2, 0), SHANGHAI, DAYTIME).tzinfo is UTC


def test_service_hours_are_local_to_the_community_zone():
    # 02:00 in Shanghai is 20:00 the evening before in Berlin (summer time): Berlin has closed.
    filed = at(6, 2, 0)
    assert due(filed, "5m", tz=BERLIN) == at(6, 8, 5, tz=BERLIN)
    assert due(at(6, 19, 50, tz=BERLIN), "30m", tz=BERLIN) == at(7, 8, 20, tz=BERLIN)


def test_berlin_spring_forward_night_does_not_disturb_daytime_hours():
    # DST starts on 31 March 2024 at 02:00 local (clocks jump to 03:00).
    assert due(at(30, 19, 30, month=3, tz=BERLIN), "1h", tz=BERLIN) == at(31, 8, 30, month=3, tz=BERLIN)
    assert due(at(30, 10, 0, month=3, tz=BERLIN), "1d", tz=BERLIN) == at(31, 10, 0, month=3, tz=BERLIN)
    assert due(at(31, 2, 30, month=3, tz=BERLIN), "5m", tz=BERLIN) == at(31, 8, 5, month=3, tz=BERLIN)


def test_berlin_dst_change_counts_real_minutes_in_round_the_clock_service():
    always = "00:00-24:00"
    spring = at(30, 23, 0, month=3, tz=BERLIN)
    result = due(spring, "4h", tz=BERLIN, hours=always)
    assert elapsed(spring, result) == timedelta(hours=4)
    assert result == at(31, 4, 0, month=3, tz=BERLIN)  # the hour 02:00-03:00 never happened
    autumn = at(26, 23, 0, month=10, tz=BERLIN)
    result = due(autumn, "4h", tz=BERLIN, hours=always)
    assert elapsed(autumn, result) == timedelta(hours=4)
    assert result.replace(tzinfo=None) == datetime(2024, 10, 27, 2, 0)  # 02:00-03:00 happened twice
    assert result.fold == 1


def test_berlin_opening_time_inside_the_spring_gap_opens_when_the_clocks_jump():
    # Service from 02:30: on 31 March the clock never reads 02:30; it goes from 02:00 to 03:00.
    result = due(at(31, 1, 0, month=3, tz=BERLIN), "10m", tz=BERLIN, hours="02:30-20:00")
    assert result == at(31, 3, 10, month=3, tz=BERLIN)


def test_berlin_repeated_autumn_hour_is_served_twice_when_inside_hours():
    filed = at(27, 2, 30, month=10, tz=BERLIN, fold=1)  # the second 02:30, winter time
    assert due(filed, "30m", tz=BERLIN, hours="01:00-23:00") == at(27, 3, 0, month=10, tz=BERLIN)
    first = at(27, 2, 30, month=10, tz=BERLIN)  # the first 02:30, summer time
    assert elapsed(first, due(first, "1h", tz=BERLIN, hours="01:00-23:00")) == timedelta(hours=1)


def test_berlin_urgent_requests_count_real_minutes_across_the_dst_jump():
    filed = at(31, 1, 30, month=3, tz=BERLIN)
    result = deadlines(
        filed,
        response=Duration.parse("1h"),
        resolution=Duration.parse("4h"),
        urgent=True,
        urgent_factor=0.5,
        tz=BERLIN,
        hours=DAYTIME,
    )
    assert elapsed(filed, result.respond_by) == timedelta(minutes=30)
    assert result.resolve_by.astimezone(BERLIN) == at(31, 4, 30, month=3, tz=BERLIN)


def test_wall_clock_days_are_calendar_days_in_the_community_zone():
    # Used for auto-confirmation: "2d" later is the same local time, 47 real hours over the jump.
    filed = at(30, 10, 0, month=3, tz=BERLIN).astimezone(UTC)
    result = add_service_time(filed, Duration.parse("2d"), BERLIN, None)
    assert result.astimezone(BERLIN) == at(1, 10, 0, month=4, tz=BERLIN)
    assert result - filed == timedelta(hours=47)
    assert add_service_time(filed, Duration.parse("48h"), BERLIN, None) - filed == timedelta(hours=48)


# --- property: service minutes add up -----------------------------------------------------------

ZONES = [SHANGHAI, BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]
# The moments of DST changes: Berlin, New York, Lord Howe (half-hour shift), and an ordinary day.
ANCHORS = [
    datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
    datetime(2024, 10, 27, 1, 0, tzinfo=UTC),
    datetime(2024, 3, 10, 7, 0, tzinfo=UTC),
    datetime(2024, 11, 3, 6, 0, tzinfo=UTC),
    datetime(2024, 4, 6, 15, 0, tzinfo=UTC),
    datetime(2024, 10, 5, 15, 30, tzinfo=UTC),
    datetime(2024, 5, 6, 0, 0, tzinfo=UTC),
]


def clock_minutes(moment: datetime, tz: ZoneInfo) -> tuple[object, int]:
    local = moment.astimezone(tz)
    return local.date(), local.hour * 60 + local.minute


def service_flags(tz: ZoneInfo, opens: int, closes: int, since: datetime, until: datetime) -> list[bool]:
    """Brute force, minute by minute: is [m, m+1) a service minute, for m in [since, until)?

    A minute is in service when, on its local calendar day, the clock has already shown the opening
    time and has not yet shown the closing time (so a DST jump over the opening time opens service
    at the jump, and a repeated hour after closing stays closed). Scanning starts over a day early
    so the first local day is seen from its start.
    """
    flags: list[bool] = []
    day, highest = None, -1
    moment = since - timedelta(hours=27)
    while moment < until:
        date, minutes = clock_minutes(moment, tz)
        if date != day:
            day, highest = date, minutes
        highest = max(highest, minutes)
        if moment >= since:
            flags.append(opens <= highest < closes)
        moment += MINUTE
    return flags


@st.composite
def cases(draw):
    tz = draw(st.sampled_from(ZONES))
    # Often just before a DST change, with hours around the change (02:00-03:00 local), to hit it.
    offset = draw(st.one_of(st.integers(-240, 60), st.integers(-3 * 1440, 3 * 1440)))
    filed = draw(st.sampled_from(ANCHORS)) + offset * MINUTE
    opens = draw(st.one_of(st.sampled_from([0, 60, 120, 150, 180]), st.integers(0, 24 * 60 - 1)))
    closes = draw(st.one_of(st.sampled_from([opens + 1, 150, 180, 24 * 60]), st.integers(opens + 1, 24 * 60)))
    closes = max(closes, opens + 1)
    minutes = draw(st.integers(1, 2 * (closes - opens)))
    return tz, filed, opens, closes, minutes


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@settings(max_examples=200, deadline=None)
@given(cases())
def test_non_urgent_deadline_counts_exactly_the_promised_service_minutes(case):
    tz, filed, opens, closes, minutes = case
    hours = ServiceHours.parse(f"{hhmm(opens)}-{hhmm(closes)}")
    result = add_service_time(filed.astimezone(tz), Duration(minutes=minutes), tz, hours)

    assert result.tzinfo is UTC
    assert result >= filed
    flags = service_flags(tz, opens, closes, filed, result)
    assert sum(flags) == minutes
    assert flags[-1], "the deadline is the end of a service minute, not idle time after it"
    _, local = clock_minutes(result, tz)
    if local == 0 and closes == 24 * 60:
        local = closes  # midnight closes the previous day
    # Around a DST change the clock may read outside the hours although service is open: it jumped
    # over the closing time, or it is repeating an hour after the opening time had already passed.
    jumped = clock_minutes(result - MINUTE, tz)[1] + 1 != local
    clock = result.astimezone(tz)
    repeated = clock.replace(fold=0).utcoffset() != clock.replace(fold=1).utcoffset()
    assert opens <= local <= closes or jumped or repeated, "due within service hours"


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(1, 3))
def test_day_deadlines_land_in_service_hours_on_or_after_the_same_local_day(case, days):
    tz, filed, opens, closes, _ = case
    hours = ServiceHours.parse(f"{hhmm(opens)}-{hhmm(closes)}")
    result = add_service_time(filed, Duration(days=days), tz, hours)
    assert result.tzinfo is UTC
    assert result > filed
    assert result.astimezone(tz).date() >= filed.astimezone(tz).date() + timedelta(days=days)
    assert next_service_moment(result, tz, hours) == result
    assert service_flags(tz, opens, closes, result, result + MINUTE) == [True]


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from([0.25, 0.5, 1.0]))
def test_urgent_deadlines_are_the_scaled_wall_clock_minutes(case, factor):
    tz, filed, _, _, minutes = case
    result = deadlines(
        filed,
        response=Duration(minutes=minutes),
        resolution=Duration(minutes=minutes),
        urgent=True,
        urgent_factor=factor,
        tz=tz,
        hours=DAYTIME,
    )
    expected = filed + max(1, round(minutes * factor)) * MINUTE
    assert result == Deadlines(expected, expected)
    assert result.respond_by.tzinfo is UTC


# -- service days: China's working days ------------------------------------------------------------
WORKDAYS = ServiceHours.parse("08:00-20:00", days="workdays")


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def due_on(filed: datetime, duration: str, hours: ServiceHours) -> datetime:
    return add_service_time(filed, Duration.parse(duration), SHANGHAI, hours).astimezone(SHANGHAI)


def test_minutes_filed_on_the_eve_of_national_day_continue_after_the_holiday():
    filed = local(9, 30, 19)  # Wednesday 30 September, an hour before closing
    assert due_on(filed, "4h", WORKDAYS) == local(10, 8, 11)  # 1 h today, 3 h from 08:00 on 8 October
    assert due_on(filed, "4h", DAYTIME) == local(10, 1, 11)  # every day: 国庆 is served


def test_a_make_up_sunday_and_saturday_are_service_days():
    assert due_on(local(9, 19, 10), "30m", WORKDAYS) == local(9, 20, 8, 30)  # Sunday 20 September works
    assert due_on(local(10, 9, 19, 50), "30m", WORKDAYS) == local(10, 10, 8, 20)  # Saturday 10 October works


def test_an_ordinary_weekend_is_not_a_service_day():
    assert due_on(local(12, 4, 19, 50), "30m", WORKDAYS) == local(12, 7, 8, 20)  # Friday evening → Monday


def test_day_deadlines_count_working_days():
    assert due_on(local(9, 30, 10), "1d", WORKDAYS) == local(10, 8, 10)
    assert due_on(local(12, 4, 10), "2d", WORKDAYS) == local(12, 8, 10)  # Friday + 2 working days: Tuesday
    assert due_on(local(9, 30, 10), "1d", DAYTIME) == local(10, 1, 10)


def test_next_service_moment_skips_a_holiday():
    assert next_service_moment(local(10, 1, 9), SHANGHAI, WORKDAYS) == local(10, 8, 8).astimezone(UTC)


def test_unknown_service_days_are_refused():
    with pytest.raises(ValueError, match="service days"):
        ServiceHours(time(8), time(20), days="weekends")
    with pytest.raises(ValueError, match="service days"):
        ServiceHours.parse("08:00-20:00", days="weekends")
