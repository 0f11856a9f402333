"""Triage at the service level: an unsure category on the staff card, one-tap picks and /category
corrections (deadlines and dispatch follow, repeats and forgeries change nothing), what they teach
the community's triage, and the emergency rules that the classifier never overrides."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.categories import load_catalogs
from bot.deadlines import deadlines
from bot.services.requests import corrections
from bot.services.volunteers import profile
from tests.services.bench import HOME, Bench, Estate, callback_data, file_request

ELDERLY_ASK = "#求助 我妈腿脚不好，想找人帮忙买点菜"  # the classifier is sure: elderly
LEAK = "#求助 3号楼2单元501 厨房水管漏水了"  # sure: repair


def use_categories(bench: Bench, tmp_path: Path, text: str) -> None:
    """The bench's community gets this categories override (e.g. its own triage_threshold)."""
    path = tmp_path / "categories.yaml"
    path.write_text(text, encoding="utf-8")
    bench.deps = replace(bench.deps, env=replace(bench.deps.env, catalogs=load_catalogs(path)))


def always_unsure(bench: Bench, tmp_path: Path) -> None:
    use_categories(bench, tmp_path, f"communities:\n  {HOME}:\n    triage_threshold: 1.0\n")


def pick_buttons(buttons: list[list[dict[str, str]]] | None, request_id: int) -> list[str]:
    return [d for d in callback_data(buttons) if d.startswith(f"v1:rg:{request_id}:")]


def index_of(bench: Bench, key: str) -> int:
    catalog = bench.deps.env.catalogs.for_community(HOME)
    return [c.key for c in catalog.categories].index(key)


async def test_a_sure_category_shows_no_category_buttons(bench: Bench, home: Estate) -> None:
    request = await file_request(bench, home, LEAK)

    staff = await bench.card(1, home.staff_group)

    assert request.category == "repair" and request.triage_confidence is not None
    assert request.triage_confidence >= bench.deps.env.settings.triage_threshold
    assert pick_buttons(staff.buttons, request.id) == []
    assert "🤔" not in staff.text


async def test_an_unsure_category_is_said_on_the_staff_card_with_a_button_per_category(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    always_unsure(bench, tmp_path)
    request = await file_request(bench, home, LEAK)
    catalog = bench.deps.env.catalogs.for_community(HOME)

    staff = await bench.card(1, home.staff_group)
    public = await bench.card(1, home.group)

    assert request.triage_confidence is not None
    assert "分类是系统猜的" in staff.text and f"{round(request.triage_confidence * 100)}%" in staff.text
    assert pick_buttons(staff.buttons, request.id) == [
        f"v1:rg:{request.id}:{i}" for i in range(len(catalog.categories))
    ]
    assert all(len(d.encode()) <= 64 for d in callback_data(staff.buttons))
    assert "分类是系统猜的" not in public.text and pick_buttons(public.buttons, request.id) == []


async def test_a_pick_sets_the_category_and_its_deadlines_and_points_follow(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    always_unsure(bench, tmp_path)
    request = await file_request(bench, home, ELDERLY_ASK)
    assert request.category == "elderly"
    bench.clock.advance(180)

    pressed = await bench.press(
        bench.admin, home.staff_group, corrections.pick_button, request.id, index_of(bench, "dispute")
    )

    picked = await bench.request(1)
    catalog = bench.deps.env.catalogs.for_community(HOME)
    dispute = catalog.get("dispute")
    assert dispute is not None
    due = deadlines(
        request.created_at,
        response=dispute.response,
        resolution=dispute.resolution,
        urgent=False,
        urgent_factor=catalog.urgent_factor,
        tz=ZoneInfo("Asia/Shanghai"),
        hours=catalog.service_hours,
    )
    assert pressed.outcome.toast and not pressed.outcome.alert
    assert (picked.category, picked.complexity, picked.points) == ("dispute", "complex", dispute.points)
    assert (picked.respond_by, picked.resolve_by) == (due.respond_by, due.resolve_by)
    assert picked.resolve_by != request.resolve_by  # complex (4 h), not the elderly's simple (30 min)
    assert picked.category_checked
    assert await bench.events(1) == ["filed", "category"]
    staff = await bench.card(1, home.staff_group)
    assert pick_buttons(staff.buttons, request.id) == [] and "分类是系统猜的" not in staff.text


async def test_a_pick_nudges_the_volunteers_who_fit_the_picked_category(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    always_unsure(bench, tmp_path)
    await bench.say(home.volunteer, bench.dm(home.volunteer), profile.profile, "提醒 开")
    request = await file_request(bench, home, ELDERLY_ASK)  # elderly: the repair volunteer does not fit
    volunteer = bench.dm(home.volunteer)
    assert [r.template for r in await bench.outbox(volunteer) if r.template == "requests/nudge"] == []

    await bench.press(
        bench.admin, home.staff_group, corrections.pick_button, request.id, index_of(bench, "repair")
    )

    assert [r.template for r in await bench.outbox(volunteer) if r.template == "requests/nudge"] == [
        "requests/nudge"
    ]


async def test_a_second_press_of_the_same_pick_changes_nothing_and_tells_nobody(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    always_unsure(bench, tmp_path)
    request = await file_request(bench, home, ELDERLY_ASK)
    index = index_of(bench, "repair")
    await bench.press(bench.admin, home.staff_group, corrections.pick_button, request.id, index)
    before = await bench.snapshot(1)
    mark = await bench.mark()

    again = await bench.press(bench.admin, home.staff_group, corrections.pick_button, request.id, index)

    assert again.outcome.toast and "已经是这个分类" in again.outcome.toast
    assert await bench.snapshot(1) == before
    assert await bench.rows_since(mark) == []
    assert await bench.events(1) == ["filed", "category"]


async def test_a_pick_by_a_resident_or_of_an_unknown_category_is_refused_and_changes_nothing(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    always_unsure(bench, tmp_path)
    request = await file_request(bench, home, ELDERLY_ASK)
    before = await bench.snapshot(1)

    forged = await bench.press(home.resident, home.group, corrections.pick_button, request.id, 0)
    stale = await bench.press(bench.admin, home.staff_group, corrections.pick_button, request.id, 99)
    negative = await bench.press(bench.admin, home.staff_group, corrections.pick_button, request.id, -1)

    for refused in (forged, stale, negative):
        assert refused.outcome.alert and refused.outcome.toast
    assert await bench.snapshot(1) == before
    async with bench.uow() as uow:
        assert await uow.triage_lessons.of_community(request.community_id, 10) == []


async def test_corrections_teach_the_community_its_own_word(bench: Bench, home: Estate) -> None:
    # 长青驿站: this community's elderly day station, a name the shipped corpus never had.
    first = await file_request(bench, home, "#求助 长青驿站今天开门吗")
    assert first.category != "elderly"
    for number, text in enumerate(("#求助 长青驿站那边能帮忙吗", "#求助 想去长青驿站登记一下"), start=2):
        await file_request(bench, home, text)
        await bench.say(bench.admin, home.staff_group, corrections.category, f"{number} 为老服务")
    await bench.say(bench.admin, home.staff_group, corrections.category, "1 为老服务")

    learned = await file_request(bench, home, "#求助 长青驿站有人在吗")

    assert learned.category == "elderly"
    async with bench.uow() as uow:
        lessons = await uow.triage_lessons.of_community(first.community_id, 10)
    assert sorted((lesson.category, lesson.source) for lesson in lessons) == [("elderly", "command")] * 3


async def test_a_pick_corrected_later_teaches_only_the_correction(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    always_unsure(bench, tmp_path)
    request = await file_request(bench, home, ELDERLY_ASK)
    await bench.press(
        bench.admin, home.staff_group, corrections.pick_button, request.id, index_of(bench, "repair")
    )
    await bench.say(bench.admin, home.staff_group, corrections.category, "1 为老服务")

    async with bench.uow() as uow:
        lessons = await uow.triage_lessons.of_community(request.community_id, 10)
    assert [(lesson.request_id, lesson.category, lesson.source) for lesson in lessons] == [
        (request.id, "elderly", "command")
    ]
    assert await bench.events(1) == ["filed", "category", "category"]


async def test_the_classifier_never_overrides_an_emergency(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    always_unsure(bench, tmp_path)
    for number, text in enumerate(
        (
            "#求助 我老伴叫不醒了",
            "#求助 5号楼楼道里冒烟了",
            "#求助 电梯困人了 8号楼",
            "#求助 老人摔倒了起不来",
        ),
        start=1,
    ):
        mark = await bench.mark()
        request = await file_request(bench, home, text)
        rows = await bench.rows_since(mark)
        assert request.urgent, text
        assert "requests/emergency_numbers" in [r.template for r in rows], text
        assert "requests/staff_danger_alert" in [r.template for r in rows], text
        assert request.number == number


async def test_a_new_category_of_a_community_is_learned_from_its_examples(
    bench: Bench, home: Estate, tmp_path: Path
) -> None:
    use_categories(
        bench,
        tmp_path,
        f"communities:\n  {HOME}:\n    categories:\n      pets:\n"
        "        names: {zh_CN: 宠物, en: Pets}\n        complexity: simple\n"
        "        examples: [我家的猫跑丢了, 谁家的狗没拴绳, 小区里流浪猫太多了,\n"
        "                   想给狗办个证, 鹦鹉飞走了谁看到了]\n",
    )

    request = await file_request(bench, home, "#求助 我家的猫三天没回来了")

    assert request.category == "pets"
