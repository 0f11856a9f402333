"""`python -m bot demo`: a scripted tour of Linli, played offline and printed as a transcript.

Everything runs for real except Telegram: the fake Bot API (fakebot) simulates the people and the
groups, the real Application handles every update, and a throw-away SQLite database holds the state.
The printed transcript is what the people would see, in order, one scene at a time.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import callbacks
from bot.config import Settings
from fakebot import FakeChat, FakeTelegram, FakeUser, TranscriptEntry

if TYPE_CHECKING:
    from offline.runner import OfflineBot

# Fixed Telegram ids, so that every run prints the same story.
SECRETARY_ID = 7_000_001  # 李书记: community staff and the super-admin of this demo
COMMUNITY = "幸福里社区"
NEIGHBOURHOOD_GROUP = "幸福里3号楼邻里群"
STAFF_GROUP = "幸福里社区工作群"
BOT_NAME = "Linli"

JsonDict = dict[str, Any]

LEGEND = (
    "Each line is [chat] who: text. 🤖 marks what Linli sends, [n label] its buttons, 👆 a button press,\n"
    "✎ an edit of an earlier message. Notes in (brackets) explain the scene; they are not chat messages."
)


# -- reading the transcript ---------------------------------------------------------------------------
def chat_label(chat: FakeChat | None) -> str:
    """A group's title, or "私聊·<name>" for a person's private chat with the bot."""
    if chat is None:
        return "Telegram"
    if chat.type == "private":
        return f"私聊·{chat.first_name or chat.id}"
    return chat.title or str(chat.id)


def button_lines(rows: list[list[tuple[str, str]]], indent: str = "    ") -> list[str]:
    """Inline keyboard rows as `[1 label] [2 label]`, numbered in reading order across rows."""
    lines = []
    number = 1
    for row in rows:
        cells = []
        for label, _data in row:
            cells.append(f"[{number} {label}]")
            number += 1
        lines.append(indent + " ".join(cells))
    return lines


def _body(head: str, text: str, buttons: list[list[tuple[str, str]]]) -> list[str]:
    """A bot message: one line when it is short, else the text indented below its header."""
    text_lines = text.splitlines() or [""]
    if len(text_lines) == 1:
        lines = [f"{head} {text_lines[0]}".rstrip()]
    else:
        lines = [head] + [f"    {line}".rstrip() for line in text_lines]
    return lines + button_lines(buttons)


def format_entry(entry: TranscriptEntry) -> list[str]:
    """One transcript entry as readable lines (empty when users would see nothing)."""
    where = f"[{chat_label(entry.chat)}]"
    who = entry.user.full_name if entry.user is not None else "?"
    if entry.direction == "in":
        if entry.kind in ("message", "edited_message"):
            body = entry.text or ""
            if entry.media:
                body = f"[{entry.media}] {body}".rstrip()
            verb = " ✎ (edits)" if entry.kind == "edited_message" else ""
            return [f"{where} {who}{verb}: {body}"]
        if entry.kind == "callback_query":
            return [f"{where} {who} 👆 presses [{entry.text or entry.data}]"]
        if entry.kind == "my_chat_member":
            change = (entry.text or "").removeprefix("bot: ")
            if change.endswith(("member", "administrator")):
                return [f"{where} {who} ➕ adds {BOT_NAME} to the group"]
            return [f"{where} {who} ➖ removes {BOT_NAME} ({change})"]
        if entry.kind == "redelivery":
            return [f"↻ Telegram delivers update #{entry.update_id} a second time (redelivery)"]
        return [f"{where} {who}: {entry.text or entry.kind}"]
    # What the bot did, as users see it.
    bot = f"{where} 🤖 {BOT_NAME}"
    if entry.kind == "message":
        return _body(f"{bot}:", entry.text or "", entry.buttons)
    if entry.kind == "edit":
        return _body(f"{bot} ✎ edits an earlier message:", entry.text or "", entry.buttons)
    if entry.kind == "callback_answer":
        return [f"{bot} ↳ pop-up: {entry.text}"] if entry.text else []
    if entry.kind == "delete":
        return [f"{bot} 🗑 deletes message #{entry.message_id}"]
    if entry.kind == "pin":
        return [f"{bot} 📌 pins message #{entry.message_id}"]
    if entry.kind == "leave":
        return [f"{bot} leaves the group"]
    return [f"{bot}: {entry.text or entry.kind}"]


def _action(data: str) -> str | None:
    try:
        return callbacks.decode(data).action
    except callbacks.BadCallback:
        return None


class TranscriptPrinter:
    """Prints each new transcript entry of a fake Telegram once, in order."""

    def __init__(self, fake: FakeTelegram, out: TextIO) -> None:
        self.fake = fake
        self.out = out
        self.printed = 0

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def new_entries(self) -> list[TranscriptEntry]:
        entries = self.fake.transcript[self.printed :]
        self.printed = len(self.fake.transcript)
        return entries

    def flush(self) -> list[TranscriptEntry]:
        entries = self.new_entries()
        for entry in entries:
            for text in format_entry(entry):
                self.line(text)
        return entries


@contextmanager
def quiet_logging(level: int = logging.WARNING) -> Iterator[list[logging.LogRecord]]:
    """Only warnings and errors while the story plays; yields the error records logged meanwhile."""
    errors: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record)

    root = logging.getLogger()
    previous = root.level
    collector = Collect(logging.ERROR)
    root.setLevel(level)
    root.addHandler(collector)
    try:
        yield errors
    finally:
        root.removeHandler(collector)
        root.setLevel(previous)


# -- the stage: people act, the bot answers, the printer shows it -------------------------------------
class Stage:
    """People act through the fake Telegram, the bot handles it, the printer shows the result."""

    def __init__(self, fake: FakeTelegram, bot: OfflineBot, out: TextIO) -> None:
        self.fake = fake
        self.bot = bot
        self.printer = TranscriptPrinter(fake, out)
        self.scenes = 0
        self.problems: list[str] = []

    def scene(self, title: str) -> None:
        self.scenes += 1
        self.printer.line()
        self.printer.line(f"── {self.scenes}. {title} ──")

    def note(self, text: str) -> None:
        self.printer.line(f"   ({text})")

    async def pump(self) -> list[TranscriptEntry]:
        await self.bot.pump()
        return self.printer.flush()

    async def say(self, user: FakeUser, chat: FakeChat, text: str, **kwargs: Any) -> JsonDict:
        update = self.fake.send_text(user, chat, text, **kwargs)
        await self.pump()
        return update

    async def add_bot(self, by: FakeUser, chat: FakeChat) -> None:
        self.fake.add_bot_to_group(by, chat)
        await self.pump()

    async def press(
        self,
        user: FakeUser,
        chat: FakeChat,
        *,
        label: str | None = None,
        data: str | None = None,
        action: str | None = None,
        on: str = "",
    ) -> JsonDict:
        """Press a button on the newest bot message that has it and whose text contains `on`: the
        button labelled `label`, or carrying callback_data `data`, or the first one for `action`."""
        for message in reversed(self.fake.bot_messages(chat)):
            if on not in (message.plain_text or ""):
                continue
            for row in message.buttons:
                for text, value in row:
                    if text == label or value == data or (action is not None and _action(value) == action):
                        update = self.fake.press(user, chat, message.message_id, value)
                        await self.pump()
                        return update
        raise LookupError(f"no button {label or data or action!r} in {chat_label(chat)}")

    async def redeliver(self, update: JsonDict) -> None:
        """Telegram sends an update again (it was not confirmed in time): nothing must happen twice."""
        self.fake.redeliver(update["update_id"])
        entries = await self.pump()
        if any(entry.direction == "out" for entry in entries):
            self.problems.append(f"update {update['update_id']} had a second effect when redelivered")
            self.note("redelivered: SECOND EFFECT, this is a bug")
        else:
            self.note("redelivered: no second effect")

    def last_text(self, chat: FakeChat) -> str:
        message = self.fake.last_bot_message(chat)
        return (message.plain_text or "") if message is not None else ""


# -- the story ----------------------------------------------------------------------------------------
async def play(stage: Stage, *, locale: str) -> None:
    fake = stage.fake
    language = "en" if locale == "en" else "zh-hans"

    def person(name: str, user_id: int, username: str | None = None) -> FakeUser:
        return fake.add_user(name, username=username, language_code=language, user_id=user_id)

    secretary = person("李书记", SECRETARY_ID, "li_shuji")
    grid = person("小赵", 7_000_002, "xiaozhao")
    granny = person("王阿姨", 7_000_003)
    zhang = person("老张", 7_000_004, "laozhang")
    liu = person("小刘", 7_000_005, "xiaoliu")
    newcomer = person("小陈", 7_000_006)
    stranger = person("路人甲", 7_000_007, "passerby")
    group = fake.add_group(NEIGHBOURHOOD_GROUP, creator=secretary)
    staff = fake.add_group(STAFF_GROUP, creator=secretary)

    stage.scene("机器人入群 (Linli joins the groups)")
    await stage.add_bot(secretary, group)
    await stage.add_bot(secretary, staff)

    stage.scene("绑定社区 (binding the groups to the community)")
    await stage.say(secretary, group, f"/bind {COMMUNITY}")
    await stage.say(secretary, staff, "/bind staff")

    stage.scene("居民在群里说话 (residents write in the group)")
    await stage.say(granny, group, "大家好，我是3号楼的王阿姨，一个人住，有事还请大家多帮忙。")
    await stage.say(zhang, group, "王阿姨好！我是老张，住3号楼2单元，水电都会修。")
    await stage.say(liu, group, "我是小刘，下班后可以帮大家跑腿。")
    await stage.say(grid, group, "我是网格员小赵。")
    stage.note(f"Linli stays quiet; everyone who writes here is now a resident of {COMMUNITY}")
    await stage.say(granny, group, "/help")

    stage.scene("邀请链接 (a join link for a newcomer)")
    await stage.say(secretary, staff, "/invite")
    link = next((w for w in stage.last_text(staff).split() if "start=join-" in w), "")
    payload = link.split("start=", 1)[1] if link else "join-missing"
    stage.note("李书记 sends the link to 小陈, who opens it: Telegram sends /start with the code")
    await stage.say(newcomer, fake.private_chat(newcomer), f"/start {payload}")

    stage.scene("任命网格员 (appointing a grid worker)")
    await stage.say(grid, fake.private_chat(grid), "/start")
    await stage.say(secretary, staff, "/grant 网格员 @xiaozhao 3号楼 5号楼")

    stage.scene("开启志愿者审核 (new volunteers need approval)")
    await stage.say(secretary, staff, "/approval on")

    stage.scene("老张登记志愿者：按按钮一步步来 (老张 registers step by step with buttons)")
    zhang_dm = fake.private_chat(zhang)
    await stage.say(zhang, zhang_dm, "/volunteer")
    await stage.press(zhang, zhang_dm, label="老张")
    await stage.say(zhang, zhang_dm, "3号楼2单元")
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vs", 1))  # 电工, named in the reader's language
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vs", 0))  # 维修
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vsd"))
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vp", 1))

    stage.scene("小刘一句话登记 (小刘 registers in one line)")
    liu_dm = fake.private_chat(liu)
    one_line = await stage.say(liu, liu_dm, "/volunteer 小刘 | 5号楼1单元 | 跑腿,陪护 | 否")

    stage.scene("工作群审核 (staff approve in the staff group)")
    await stage.press(secretary, staff, action="va", on="老张")
    stage.note("every button has a command too: 李书记 approves 小刘 by typing")
    await stage.say(secretary, staff, "/approve @xiaoliu")

    stage.scene("志愿者名单 (the volunteer list)")
    await stage.say(secretary, staff, "/volunteers")
    await stage.say(secretary, staff, "/volunteers 电工")

    stage.scene("我是谁 (who am I)")
    await stage.say(zhang, zhang_dm, "/whoami")
    await stage.say(grid, group, "/whoami")

    stage.scene("切换语言 (switching language)")
    if locale == "en":
        await stage.say(liu, liu_dm, "/lang 中文")
    else:
        await stage.say(liu, liu_dm, "/lang en")
    await stage.say(liu, liu_dm, "/help")

    stage.scene("陌生人 (a stranger tries staff commands)")
    await stage.say(stranger, group, "/bind 和平社区")
    await stage.say(stranger, group, "/grant 工作人员 @passerby")

    stage.scene("重复投递 (Telegram delivers an update twice)")
    stage.note("小刘's one-line registration arrives again")
    await stage.redeliver(one_line)

    stage.scene("王阿姨求助 (a resident asks for help with a photo)")
    fake.send_photo(granny, group, caption="#求助 3号楼2单元501 厨房水管漏水了，地上都是水，电话13812345678")
    await stage.pump()
    stage.note("the group card shows the building, never the room or the phone; the staff card has both")

    stage.scene("老张接单 (a volunteer takes it with one tap)")
    await stage.press(zhang, group, action="rt", on="#1")
    stage.note(
        "the details went to 老张 in private; 王阿姨 has not started the bot, so she is told"
        " by a mention in the group"
    )

    stage.scene("上门、办结、晒照片 (on the way, done, with a photo)")
    await stage.press(zhang, zhang_dm, action="rp", on="#1")
    fake.send_photo(zhang, zhang_dm, caption="/done 1 换了新的阀门，已经不漏了")
    await stage.pump()

    stage.scene("确认和评价 (the resident confirms and rates on the group card)")
    await stage.press(granny, group, action="rc", on="#1")
    stage.note("confirmed: 10 points to 老张, once, and a 晒单 card for the group")
    await stage.press(granny, group, label="⭐⭐⭐⭐⭐", on="#1")
    stage.note("the 晒单 card was edited to show the rating")

    stage.scene("积分和记录 (points and the record of every step)")
    await stage.say(zhang, zhang_dm, "/points")
    await stage.say(secretary, staff, "/history 1")

    stage.scene("两人同时接单 (two volunteers press claim at the same moment)")
    await stage.say(newcomer, group, "#求助 5号楼 家里老人独居，想请人帮忙买点菜送上楼")
    card = next(m for m in reversed(fake.bot_messages(group)) if "#2" in (m.plain_text or "") and m.buttons)
    claim = next(value for row in card.buttons for _, value in row if _action(value) == "rt")
    fake.press(liu, group, card.message_id, claim)
    fake.press(zhang, group, card.message_id, claim)
    await stage.pump()
    stage.note("exactly one wins; the other gets a polite pop-up")

    stage.scene("工作人员派单 (staff dispatch from the staff group)")
    await stage.say(granny, group, "#求助 3号楼 楼道的灯不亮了，晚上看不见")
    await stage.press(secretary, staff, action="ra", on="#3")
    await stage.say(secretary, staff, "/open")


def _summary(stage: Stage, seconds: float) -> str:
    transcript = stage.fake.transcript
    updates = sum(1 for e in transcript if e.direction == "in")
    sent = sum(1 for e in transcript if e.direction == "out" and e.kind == "message")
    edits = sum(1 for e in transcript if e.direction == "out" and e.kind == "edit")
    return (
        f"{updates} updates from people, {sent} messages and {edits} edits from {BOT_NAME}, "
        f"in {seconds:.1f} s (offline: fake Telegram, temporary SQLite database)"
    )


async def demo(settings: Settings, *, locale: str | None = None, out: TextIO | None = None) -> int:
    """Play the story and print it. 0 on success; 1 when Telegram (the fake) refused a call or the
    bot logged an error."""
    out = out if out is not None else sys.stdout
    locale = locale or settings.default_locale
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="linli-demo-") as folder, quiet_logging() as errors:
        from offline.runner import OfflineBot  # imported here: loading Alembic logs at INFO

        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        story_settings = settings.model_copy(
            update={
                "database_url": database_url,
                "admin_ids": frozenset({*settings.admin_ids, SECRETARY_ID}),
                "default_locale": locale,
                # The tour shows what people see, not Telegram's pacing of a busy group (20 a
                # minute, measured by scripts/bench_outbox.py): without this it would wait minutes.
                "group_messages_per_minute": 6000,
            }
        )
        fake = FakeTelegram()
        bot = OfflineBot(fake, story_settings)
        stage = Stage(fake, bot, out)
        stage.printer.line(f"邻里 Linli: a guided tour, played offline ({COMMUNITY}, locale {locale})")
        stage.printer.line(LEGEND)
        await bot.migrate()
        await bot.start()
        try:
            await play(stage, locale=locale)
        finally:
            await bot.stop()
        stage.printer.flush()
    print(file=out)
    print(f"── 演示结束 (end of the tour) ── {_summary(stage, time.monotonic() - started)}", file=out)
    print("Try it yourself: python -m bot sandbox   (or: make sandbox)", file=out)

    failures = 0
    for method, params, response in fake.unexpected_errors():
        print(f"!! Telegram refused {method} {params}: {response.get('description')}", file=out)
        failures += 1
    for record in errors:
        cause = f" ({record.exc_info[1]!r})" if record.exc_info and record.exc_info[1] else ""
        print(f"!! the bot logged an error: {record.getMessage()}{cause}", file=out)
        failures += 1
    for problem in stage.problems:
        print(f"!! {problem}", file=out)
        failures += 1
    return 1 if failures else 0
