"""The daily digest at the service level: the numbers of a known day, once per community and day,
at `digest_time` in each community's own time zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.services.digest import daily
from bot.services.requests import claim, finish, rating
from bot.services.shared.runner import Deps
from storage.engine import make_engine, make_sessions
from storage.models import Community, Digest, Request
from tests.services.bench import Bench, Estate, bind, file_request

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 11, 21, tzinfo=UTC).date()  # the day reported on
SINCE = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 2026-11-21 00:00 in Shanghai
UNTIL = SINCE + timedelta(days=1)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def made(
    filed: datetime,
    *,
    responded: float | None = None,
    done: float | None = None,
    respond_in: float = 5,
    resolve_in: float = 30,
    status: str = "confirmed",
    volunteer: int | None = None,
    rating: int | None = None,
    rated: float | None = None,
) -> Request:
    """A request filed at `filed`, answered and done so many minutes later."""
    return Request(
        created_at=filed,
        respond_by=filed + minutes(respond_in),
        resolve_by=filed + minutes(resolve_in),
        responded_at=filed + minutes(responded) if responded is not None else None,
        done_at=filed + minutes(done) if done is not None else None,
        status=status,
        volunteer_id=volunteer,
        rating=rating,
        rated_at=filed + minutes(rated) if rated is not None else None,
    )


def test_the_numbers_of_a_known_day() -> None:
    nine = SINCE + timedelta(hours=9)
    day = [
        made(nine, responded=2, done=20, volunteer=7, rating=5, rated=30),  # on time
        made(nine, responded=4, done=40, volunteer=7, rating=3, rated=60),  # done late (30 min)
        made(nine, responded=10, done=25, volunteer=8),  # answered late (5 min)
        made(nine, responded=3, done=None, status="claimed", volunteer=8),  # still in hand
        made(nine, status="open"),  # nobody yet
        # filed the day before, done this day: counted as done, not as filed
        made(SINCE - timedelta(hours=2), responded=1, done=(2 * 60 + 10), resolve_in=24 * 60, volunteer=8),
        # done this day but reopened since: not counted as done
        made(nine, responded=1, done=15, status="open", volunteer=9),
    ]

    numbers = daily.figures(day, SINCE, UNTIL, still_open=3, overdue=1)

    assert numbers.filed == 6
    assert numbers.done == 4
    assert (numbers.still_open, numbers.overdue) == (3, 1)
    # first responses given that day: 2, 4, 10, 3, 1 (the reopened one) minutes; the one filed the
    # day before was answered the day before
    assert numbers.response_median == 3
    # done that day: 20, 40, 25 and 130 minutes after filing
    assert numbers.done_median == 32  # (25 + 40) / 2, rounded to the even minute
    assert (numbers.on_time, numbers.hit_rate) == (2, 50)  # the first and the one filed the day before
    assert (numbers.ratings, numbers.rating_average) == (2, 4.0)
    assert numbers.helpers == ((7, 2), (8, 2))  # most done first; a tie by who came first


def test_a_quiet_day_has_no_medians_and_no_rate() -> None:
    numbers = daily.figures([], SINCE, UNTIL, still_open=0, overdue=0)

    assert (numbers.response_median, numbers.done_median, numbers.hit_rate) == (None, None, None)
    assert numbers.rating_average is None and numbers.helpers == ()


def test_a_day_in_a_time_zone_starts_at_its_local_midnight() -> None:
    assert daily.day_bounds(DAY, SHANGHAI) == (SINCE, UNTIL)
    start, end = daily.day_bounds(datetime(2026, 3, 29).date(), BERLIN)  # the spring change: 23 hours
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC) and end - start == timedelta(hours=23)


def test_the_digest_names_are_escaped_and_it_stays_within_telegrams_limit(bench: Bench) -> None:
    renderer = bench.deps.env.renderer
    for locale in ("zh_CN", "en"):
        text = renderer.render(
            locale,
            "digest/daily",
            community="<b>幸福里</b>" * 8,
            day="11-21",
            filed=9999,
            still_open=9999,
            overdue=9999,
            done=9999,
            response_median=100000,
            done_median=5,
            on_time=1,
            hit_rate=0,
            ratings=3,
            rating_average=4.3,
            helpers=[{"name": "<i>老王</i>" + "长" * 60, "done": 99}] * daily.HELPERS_SHOWN,
        )
        assert "<i>" not in text and "&lt;i&gt;老王" in text and "&lt;b&gt;幸福里" in text


# -- once a day, at the local time --------------------------------------------------------------
async def send(bench: Bench) -> int:
    return await daily.send_due(bench.deps.uow, bench.deps.env)


async def digests_in(bench: Bench, home: Estate, mark: int) -> list[str]:
    return [
        r.text or "" for r in await bench.rows_since(mark, home.staff_group) if r.template == "digest/daily"
    ]


async def test_the_staff_group_gets_yesterdays_digest_once_at_eight_local_time(
    bench: Bench, home: Estate
) -> None:
    await file_request(bench, home)  # 2026-11-22 16:00 in Shanghai
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    bench.clock.advance(600)
    await bench.say(home.volunteer, bench.dm(home.volunteer), finish.done, "1")
    await bench.say(home.resident, bench.dm(home.resident), finish.confirm, "1")
    await bench.say(home.resident, bench.dm(home.resident), rating.rate, "1 5")
    bench.clock.now = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)  # 07:59 the next day in Shanghai
    mark = await bench.mark()
    assert await send(bench) == 0
    bench.clock.advance(60)  # 08:00

    assert await send(bench) == 1

    [text] = await digests_in(bench, home, mark)
    assert "幸福里社区 · 11-22 日报" in text
    assert "新求助 1 件 · 办结 1 件" in text
    assert "首次响应用时（中位数）：0 分钟" in text and "办结用时（中位数）：10 分钟" in text
    assert "5341 达标率：100%" in text and "满意度：5.0 分（1 条评价）" in text
    assert "1. 老王 · 1 件" in text
    mark = await bench.mark()
    bench.clock.advance(3600)
    assert await send(bench) == 0  # later that day: nothing again
    bench.clock.advance(timedelta(days=1).total_seconds())
    assert await send(bench) == 1  # the next morning: the next day's
    [text] = await digests_in(bench, home, mark)
    assert "11-23 日报" in text and "新求助 0 件" in text


async def test_no_digest_when_the_setting_is_empty(bench: Bench, home: Estate) -> None:
    settings = bench.deps.env.settings.model_copy(update={"digest_time": None})
    bench.deps.env = replace(bench.deps.env, settings=settings)
    bench.clock.now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    assert await send(bench) == 0


async def test_the_digest_time_is_a_setting(bench: Bench, home: Estate) -> None:
    settings = bench.deps.env.settings.model_copy(update={"digest_time": time(18, 30)})
    bench.deps.env = replace(bench.deps.env, settings=settings)
    bench.clock.now = datetime(2026, 11, 22, 10, 29, tzinfo=UTC)  # 18:29 in Shanghai
    assert await send(bench) == 0
    bench.clock.advance(60)

    assert await send(bench) == 1


async def test_each_community_gets_its_digest_at_eight_in_its_own_time_zone(
    bench: Bench, home: Estate
) -> None:
    berlin_group = bench.group("Kiez Gruppe")
    berlin_staff = bench.group("Kiez Büro")
    await bind(bench, berlin_group, name="Kiez")
    await bind(bench, berlin_staff, staff=True, name="Kiez")
    async with bench.uow() as uow:
        await uow.session.execute(
            update(Community).where(Community.name == "Kiez").values(timezone="Europe/Berlin")
        )
        await uow.commit()
    bench.clock.now = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai, 01:00 in Berlin
    mark = await bench.mark()

    assert await send(bench) == 1

    assert await digests_in(bench, home, mark) != []
    assert await bench.rows_since(mark, berlin_staff) == []
    bench.clock.now = datetime(2026, 11, 23, 6, 59, tzinfo=UTC)  # 07:59 in Berlin (UTC+1 in winter)
    assert await send(bench) == 0
    bench.clock.advance(60)
    assert await send(bench) == 1
    [berlin] = await bench.rows_since(mark, berlin_staff)
    assert berlin.template == "digest/daily" and "Kiez · 11-22 日报" in (berlin.text or "")


async def test_a_restarted_bot_does_not_send_the_days_digest_again(bench: Bench, home: Estate) -> None:
    bench.clock.now = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    assert await send(bench) == 1
    mark = await bench.mark()
    engine = make_engine(bench.deps.env.settings.database_url)  # a new process on the same database
    try:
        restarted = Deps(sessions=make_sessions(engine), env=bench.deps.env)

        assert await daily.send_due(restarted.uow, restarted.env) == 0
    finally:
        await engine.dispose()
    assert await bench.rows_since(mark) == []
    async with bench.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Digest))).scalar_one() == 1


async def test_a_community_without_a_staff_group_gets_no_digest_and_gets_it_once_bound(bench: Bench) -> None:
    group = bench.group()
    await bind(bench, group)
    bench.clock.now = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    assert await send(bench) == 0
    staff = bench.group("工作群")
    await bind(bench, staff, staff=True)

    assert await send(bench) == 1


async def test_the_digest_counts_what_waits_now_and_what_of_it_is_late_as_the_cards_say(
    bench: Bench, home: Estate
) -> None:
    settings = bench.deps.env.settings.model_copy(update={"digest_time": time(16, 10)})
    bench.deps.env = replace(bench.deps.env, settings=settings)
    await file_request(bench, home, "#求助 3号楼 楼道灯坏了")  # 16:00 local
    await file_request(bench, home, "#求助 3号楼 楼道灯又坏了")
    await bench.say(home.volunteer, home.group, claim.claim, "1")
    bench.clock.advance(6 * 60)  # #2 is unanswered past its 5 minutes; #1 was answered in time
    await bench.say(home.volunteer, bench.dm(home.volunteer), claim.release, "1")
    bench.clock.advance(4 * 60)  # 16:10, before either is due to be resolved
    mark = await bench.mark()

    assert await send(bench) == 1

    [text] = await digests_in(bench, home, mark)
    assert "仍待处理 2 件，其中已超时 1 件" in text
