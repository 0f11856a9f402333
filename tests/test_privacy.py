"""Nothing private in public: whatever people write about a request (the request itself, a
progress or done note, a reason, a rating comment) reaches a neighbourhood group with its phone
and room numbers masked, by one rule, on every path; the staff group and private chats see all."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from bot.render import Renderer, to_plain
from bot.triage import redact
from tests.requests_world import Estate, all_text, card_text, estate, request_no
from tests.world import World

FULL_WIDTH = str.maketrans("0123456789-+ ()", "０１２３４５６７８９－＋　（）")
SPELLED = "零〇一二三四五六七八九幺"


@dataclass(frozen=True)
class Piece:
    text: str
    visible: tuple[str, ...] = ()  # what must still be there after masking (buildings, units)
    secret: bool = False


def digit_runs(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text)
    return re.findall(r"[0-9]+", folded) + re.findall(f"[{SPELLED}]{{3,}}", folded)


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def mobiles(draw: st.DrawFn) -> Piece:
    number = draw(st.sampled_from("3456789")) + draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    head, mid, tail = "1" + number[:2], number[2:6], number[6:]
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    text = f"{head}{sep}{mid}{sep}{tail}"
    text = draw(st.sampled_from(["", "+86 ", "+86-", "+86", "0086 "])) + text
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return Piece(text, secret=True)


@st.composite
def landlines(draw: st.DrawFn) -> Piece:
    area = draw(st.sampled_from(["010", "021", "028", "0571", "0755", "0898"]))
    local = draw(st.sampled_from("2345678")) + draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    form = draw(st.integers(0, 4))
    text = [
        f"{area}-{local}",
        f"{area} {local[:4]} {local[4:]}",
        f"({area}){local}",
        f"{area}{local}",
        local,  # 8 digits, no area code
    ][form]
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return Piece(text, secret=True)


@st.composite
def rooms(draw: st.DrawFn) -> Piece:
    building, unit, floor = draw(st.integers(1, 30)), draw(st.integers(1, 6)), draw(st.integers(1, 30))
    room = str(floor * 100 + draw(st.integers(1, 12)))  # 101 .. 3012: never 120, 123 or 2024
    spelled = "".join("零一二三四五六七八九"[int(d)] for d in room)
    b, u = str(building), str(unit)
    forms = [
        Piece(f"{b}-{u}-{room}", (f"{b}-{u}-",)),
        Piece(f"{b}栋{u}单元{room}", (f"{b}栋{u}单元",)),
        Piece(f"{b}号楼{u}单元{room}室", (f"{b}号楼{u}单元",)),
        Piece(f"{room}室"),
        Piece(f"{floor}楼{room}", (f"{floor}楼",)),
        Piece(f"{room}房"),
        Piece(f"{room}号房"),
        Piece(f"住{room}"),
        Piece(f"{b}栋{room}", (f"{b}栋",)),
        Piece(f"{spelled}室"),
        Piece(f"{b}号楼{u}单元{spelled}", (f"{b}号楼{u}单元",)),
    ]
    piece = draw(st.sampled_from(forms))
    if draw(st.booleans()):
        piece = Piece(piece.text.translate(FULL_WIDTH), tuple(v.translate(FULL_WIDTH) for v in piece.visible))
    return Piece(piece.text, piece.visible, secret=True)


ORDINARY = [
    "下午3点来",
    "3点半",
    "换了2个灯泡",
    "#12",
    "#123 已经处理",
    "5栋1单元",
    "3号楼",
    "楼道灯坏了",
    "厨房水管漏水",
    "等了30分钟",
    "已经打了120",
    "2024年装的热水器",
    "花了80元",
    "谢谢志愿者",
    "有事找我",
    "电话",
    "我家老人腿脚不便",
]
ordinary = st.sampled_from(ORDINARY).map(lambda text: Piece(text, (text,)))
pieces = st.lists(st.one_of(mobiles(), landlines(), rooms(), ordinary, ordinary), min_size=1, max_size=8)
joiners = st.sampled_from(["，", "。", " ", "；", "！", "、", "\n", "：", "，电话"])


@st.composite
def messages_with_secrets(draw: st.DrawFn) -> tuple[str, list[Piece]]:
    parts = draw(pieces)
    text = parts[0].text
    for piece in parts[1:]:
        text += draw(joiners) + piece.text
    return text, parts


def assert_nothing_private(shown: str, parts: list[Piece], also_allowed: tuple[str, ...] = ()) -> None:
    allowed = {run for piece in parts for visible in piece.visible for run in digit_runs(visible)}
    allowed.update(run for text in also_allowed for run in digit_runs(text))
    leaked = [run for run in digit_runs(shown) if run not in allowed]
    assert not leaked, f"{leaked} survived in {shown!r}"
    for piece in parts:
        for visible in piece.visible:
            assert visible in shown, f"{visible!r} was masked in {shown!r}"


@settings(max_examples=400, deadline=None)
@given(messages_with_secrets())
def test_masking_leaves_no_phone_or_room_digits_and_keeps_ordinary_numbers(
    case: tuple[str, list[Piece]],
) -> None:
    text, parts = case
    assert_nothing_private(redact(text), parts)


@settings(max_examples=150, deadline=None)
@given(messages_with_secrets(), st.integers(1, 99))
def test_a_group_mention_never_carries_what_the_note_said(case: tuple[str, list[Piece]], number: int) -> None:
    """What the group gets when a resident cannot be written to: the mention with the message."""
    text, parts = case
    renderer = RENDERER
    body = renderer.render("zh_CN", "requests/told_progress", public=True, n=number, who="老王", note=text)
    shown = renderer.render(
        "zh_CN",
        "common/mention_fallback",
        public=True,
        who=Markup('<a href="tg://user?id=77123456789">张阿姨</a>'),
        body=Markup(body),
    )
    assert "77123456789" in shown  # the application's own HTML is not touched
    assert_nothing_private(to_plain(shown), parts, (f"#{number}",))
    private = renderer.render("zh_CN", "requests/told_progress", n=number, who="老王", note=text)
    assert to_plain(private).endswith(text.strip())  # the person it is for reads it whole


RENDERER = Renderer("zh_CN")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("电话 138 1234 5678", "电话 ***"),
        ("+86-138-1234-5678", "***"),
        ("１３８１２３４５６７８", "***"),
        ("座机010-12345678", "座机***"),
        ("0571 8888 8888", "***"),
        ("(0571)88888888", "***"),
        ("打88886666", "打***"),
        ("3-2-501", "3-2-***"),
        ("3栋2单元501", "3栋2单元***"),
        ("501室", "***室"),
        ("5楼501", "5楼***"),
        ("1楼120", "1楼***"),
        ("501房", "***房"),
        ("1501号房", "***号房"),
        ("3号楼#501", "3号楼#***"),
        ("三号楼二单元五零一", "三号楼二单元***"),
        ("5栋1单元 下午3点 换2个灯泡", "5栋1单元 下午3点 换2个灯泡"),
        ("#12 和 #123 都处理了，电话#45", "#12 和 #123 都处理了，电话#45"),
        ("已经打了120", "已经打了120"),
    ],
)
def test_what_the_group_sees_of_typical_texts(typed: str, shown: str) -> None:
    assert redact(typed) == shown


def test_masking_reaches_lists_and_objects_a_template_reads() -> None:
    @dataclass
    class Row:
        text: str

    shown = RENDERER.render(
        "zh_CN",
        "requests/open_list",
        public=True,
        community="幸福里社区",
        rows=[
            {
                "n": 7,
                "category": "维修",
                "place": "3号楼",
                "status": "open",
                "urgent": False,
                "text": "501室 漏水",
            }
        ],
        page=1,
        pages=1,
        total=1,
    )
    assert "501" not in shown and "***室 漏水" in shown and "#7" in shown
    assert RENDERER.public_env.getattr(Row("电话13812345678"), "text") == "电话***"


# -- through the handlers and the fake Bot API -------------------------------------------------
PHONE = "13812345678"
NOTE = f"5楼501门口见，有事打{PHONE}，下午3点到"


def group_text(world: World, e: Estate) -> str:
    return all_text(world, e.group)


async def file_request(world: World, e: Estate) -> None:
    await world.say(e.resident, e.group, "#求助 3号楼2单元 楼道灯坏了")
    await world.press(e.volunteer, e.group, "接单")


async def test_progress_note_in_the_group_reaches_the_group_masked_and_the_requester_whole(
    world: World,
) -> None:
    e = await estate(world)
    await file_request(world, e)
    await world.say(e.volunteer, e.group, f"/progress 1 {NOTE}")
    assert (await request_no(world, 1)).status == "claimed"
    assert PHONE not in group_text(world, e) and "501" not in group_text(world, e)
    assert NOTE in world.last(world.dm(e.resident))  # the requester reads it in private, whole


async def test_progress_note_for_a_resident_who_never_started_the_bot_is_masked_in_the_group_mention(
    world: World,
) -> None:
    e = await estate(world, resident_started=False)
    await file_request(world, e)
    await world.say(e.volunteer, world.dm(e.volunteer), f"/progress 1 {NOTE}")
    mention = (await world.said(e.group, "requests/told_progress"))[-1]
    assert "张阿姨" in mention and "下午3点到" in mention and "#1" in mention
    assert PHONE not in mention and "501" not in mention and "5楼***" in mention
    assert PHONE not in group_text(world, e) and "501" not in group_text(world, e)


async def test_progress_note_for_a_resident_who_blocked_the_bot_falls_back_to_the_group_masked(
    world: World,
) -> None:
    e = await estate(world)
    await file_request(world, e)
    world.fake.block_bot(e.resident)
    await world.pump()
    await world.say(e.volunteer, world.dm(e.volunteer), f"/progress 1 {NOTE}")
    mention = (await world.said(e.group, "requests/told_progress"))[-1]  # after Telegram's Forbidden
    assert "张阿姨" in mention and "5楼***" in mention and "下午3点到" in mention
    assert PHONE not in group_text(world, e) and "501" not in group_text(world, e)


async def test_done_note_with_a_phone_never_reaches_the_group(world: World) -> None:
    e = await estate(world, resident_started=False)
    await file_request(world, e)
    await world.say(e.volunteer, e.group, f"/done 1 灯换好了，5楼501，再坏打{PHONE}")
    assert (await request_no(world, 1)).done_note == f"灯换好了，5楼501，再坏打{PHONE}"
    assert PHONE not in group_text(world, e) and "501" not in group_text(world, e)
    assert PHONE in await card_text(world, e.staff_group, 1)  # staff see every detail


async def test_reasons_and_rating_comments_reach_the_group_masked(world: World) -> None:
    e = await estate(world, resident_started=False)
    await file_request(world, e)
    await world.say(e.volunteer, world.dm(e.volunteer), "/done 1")
    await world.say(e.resident, e.group, "/reopen 1 还是不亮，打我电话0571 8888 6666，住501")
    await world.press(e.volunteer, e.group, "接单")
    await world.say(e.volunteer, world.dm(e.volunteer), "/done 1")
    await world.say(e.resident, e.group, "/confirm 1")
    await world.say(e.resident, e.group, f"/rate 1 5 王师傅很好，他电话{PHONE}")
    assert (await request_no(world, 1)).rating_comment == f"王师傅很好，他电话{PHONE}"
    group = group_text(world, e)
    for secret in (PHONE, "8888", "6666", "0571", "501"):
        assert secret not in group, secret
    assert "王师傅很好，他电话***" in group  # the 晒单 card shows the comment, masked
    assert "0571 8888 6666" in all_text(world, e.staff_group)  # staff read the reason whole


async def test_open_list_in_the_group_masks_what_residents_typed(world: World) -> None:
    e = await estate(world)
    await world.say(e.resident, e.group, "#求助 5栋1单元 1501号房 水管漏水 座机010-12345678 #12号楼道")
    await world.say(e.resident, e.group, "/open")
    listing = world.last(e.group)
    assert "5栋1单元" in listing or "5号楼" in listing
    assert "1501" not in listing and "12345678" not in listing and "010" not in listing


async def test_staff_group_and_private_chats_see_the_full_text(world: World) -> None:
    e = await estate(world)
    await file_request(world, e)
    await world.say(e.volunteer, world.dm(e.volunteer), f"/progress 1 {NOTE}")
    await world.say(world.admin, e.staff_group, "/history 1")
    assert NOTE in world.last(e.staff_group)


async def test_links_the_bot_makes_stay_whole_in_a_group(world: World, monkeypatch) -> None:
    monkeypatch.setattr("bot.services.community.roles.secrets.token_urlsafe", lambda _: "Zx13812345678")
    e = await estate(world)
    await world.say(world.admin, e.group, "/invite")
    assert "start=join-Zx13812345678" in world.last(e.group)
