"""`python -m bot demo`: a scripted tour of Linli, played offline and printed as a transcript.

Everything runs for real except Telegram: the fake Bot API (fakebot) simulates the people and the
groups, the real Application handles every update, and a throw-away SQLite database holds the state.
The printed transcript is what the people would see, in order, one scene at a time.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import func, select

from bot import callbacks
from bot.config import Settings
from bot.services.activities import thanks
from bot.services.broadcasts import report as broadcast_report
from bot.services.requests import escalation
from bot.services.schedule import tick
from bot.services.shared.env import Env
from fakebot import FakeChat, FakeTelegram, FakeUser, TranscriptEntry
from offline.transcript import Narration, TranscriptPrinter, chat_label, quiet_logging
from storage.clock import system_clock
from storage.models import Activity, Request, Schedule
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from offline.runner import OfflineBot

# Fixed Telegram ids, so that every run prints the same story.
SECRETARY_ID = 7_000_001  # 李书记: community staff and the super-admin of this demo
COMMUNITY = "幸福里社区"
NEIGHBOURHOOD_GROUP = "幸福里3号楼邻里群"
STAFF_GROUP = "幸福里社区工作群"

JsonDict = dict[str, Any]
Job = Callable[[Callable[[], UnitOfWork], Env], Awaitable[Any]]  # a sweep's service: bot/jobs.py


def _action(data: str) -> str | None:
    try:
        return callbacks.decode(data).action
    except callbacks.BadCallback:
        return None


class DemoClock:
    """The demo's one clock: the real time when the story starts, moved on by scenes that show what
    happens later (a weekly reminder, a request nobody took in time)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return system_clock() + self.offset

    def move_to(self, moment: datetime) -> None:
        if moment > self():
            self.offset += moment - self()


# -- the stage: people act, the bot answers, the printer shows it -------------------------------------
class Stage:
    """People act through the fake Telegram, the bot handles it, the printer shows the result."""

    def __init__(self, fake: FakeTelegram, bot: OfflineBot, out: TextIO, words: Narration) -> None:
        self.fake = fake
        self.bot = bot
        self.words = words
        self.printer = TranscriptPrinter(fake, out, words)
        self.scenes = 0
        self.problems: list[str] = []

    def scene(self, title: str) -> None:
        """A new scene, titled by the narration text `title`."""
        self.scenes += 1
        self.printer.line()
        self.printer.line(f"── {self.scenes}. {self.words.say(title)} ──")

    def note(self, name: str, **fields: Any) -> None:
        """A line of narration (the narration text `name`), not a chat message."""
        self.printer.line("   " + self.words.say("note", text=self.words.say(name, **fields)))

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
        raise LookupError(f"no button {label or data or action!r} in {chat_label(chat, self.words)}")

    async def redeliver(self, update: JsonDict) -> None:
        """Telegram sends an update again (it was not confirmed in time): nothing must happen twice."""
        self.fake.redeliver(update["update_id"])
        entries = await self.pump()
        if any(entry.direction == "out" for entry in entries):
            self.problems.append(f"update {update['update_id']} had a second effect when redelivered")
            self.note("redelivered_bug")
        else:
            self.note("redelivered_ok")

    async def later(self, moment: datetime, *jobs: Job) -> None:
        """Time passes until `moment` (the demo's clock moves; nobody waits): the schedules due on the
        way fire as the bot's timer would fire them, then the sweep's `jobs` that the scene is about
        run, and their messages are delivered."""
        clock = self.bot.clock
        assert isinstance(clock, DemoClock)
        deps = self.bot.deps
        target = moment + timedelta(seconds=1)
        while clock() < target:  # the timer ticks on the way, so nothing due meanwhile is missed
            clock.move_to(min(target, clock() + timedelta(minutes=30)))
            await tick.tick(deps, self.bot.application.bot_data.fire_handlers)
        for job in jobs:
            await job(deps.uow, deps.env)
        await self.pump()

    async def next_fire(self) -> datetime:
        async with self.bot.deps.uow() as uow:
            due = await uow.session.scalar(
                select(func.min(Schedule.due_at)).where(
                    Schedule.kind == "reminder", Schedule.paused.is_(False)
                )
            )
        assert due is not None, "no reminder is scheduled"
        return due

    async def activity(self, number: int) -> Activity:
        async with self.bot.deps.uow() as uow:
            found = await uow.session.scalar(select(Activity).where(Activity.number == number))
        assert found is not None, f"no activity #{number}"
        return found

    async def respond_by(self, number: int) -> datetime:
        async with self.bot.deps.uow() as uow:
            due = await uow.session.scalar(select(Request.respond_by).where(Request.number == number))
        assert due is not None, f"no request #{number}"
        return due

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
    quiet = person("孙大爷", 7_000_008, "sun_daye")
    barber = person("老周", 7_000_009, "laozhou")  # runs the barber's shop downstairs
    group = fake.add_group(NEIGHBOURHOOD_GROUP, creator=secretary)
    staff = fake.add_group(STAFF_GROUP, creator=secretary)
    fake.set_member_status(group, quiet, "member")  # in the group long before Linli, never writes there

    stage.scene("scene_join")
    await stage.add_bot(secretary, group)
    await stage.add_bot(secretary, staff)

    stage.scene("scene_bind")
    await stage.say(secretary, group, f"/bind {COMMUNITY}")
    await stage.say(secretary, staff, "/bind staff")

    stage.scene("scene_residents")
    await stage.say(granny, group, "大家好，我是3号楼的王阿姨，一个人住，有事还请大家多帮忙。")
    await stage.say(zhang, group, "王阿姨好！我是老张，住3号楼2单元，水电都会修。")
    await stage.say(liu, group, "我是小刘，下班后可以帮大家跑腿。")
    await stage.say(grid, group, "我是网格员小赵。")
    stage.note("note_residents", community=COMMUNITY)
    await stage.say(granny, group, "/help")

    stage.scene("scene_invite")
    await stage.say(secretary, staff, "/invite")
    link = next((w for w in stage.last_text(staff).split() if "start=join-" in w), "")
    payload = link.split("start=", 1)[1] if link else "join-missing"
    stage.note("note_invite")
    await stage.say(newcomer, fake.private_chat(newcomer), f"/start {payload}")

    stage.note("note_greeting")
    await stage.say(newcomer, fake.private_chat(newcomer), "你好🙏")

    stage.scene("scene_grant")
    await stage.say(grid, fake.private_chat(grid), "/start")
    await stage.say(secretary, staff, "/grant 网格员 @xiaozhao 3号楼 5号楼")

    stage.scene("scene_approval")
    await stage.say(secretary, staff, "/approval on")

    stage.scene("scene_register_steps")
    zhang_dm = fake.private_chat(zhang)
    await stage.say(zhang, zhang_dm, "/volunteer")
    await stage.press(zhang, zhang_dm, label="老张")
    await stage.say(zhang, zhang_dm, "3号楼2单元")
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vs", 1))  # 电工, named in the reader's language
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vs", 0))  # 维修
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vsd"))
    await stage.press(zhang, zhang_dm, data=callbacks.encode("vp", 1))

    stage.scene("scene_register_line")
    liu_dm = fake.private_chat(liu)
    one_line = await stage.say(liu, liu_dm, "/volunteer 小刘 | 5号楼1单元 | 跑腿,陪护 | 否")

    stage.scene("scene_register_quiet")
    stage.note("note_register_quiet")
    await stage.say(quiet, fake.private_chat(quiet), "/volunteer 孙大爷 | 三号楼一单元 | 理发 | 是")
    stage.note("note_building_form")

    stage.scene("scene_review")
    await stage.press(secretary, staff, action="va", on="老张")
    stage.note("note_review")
    await stage.say(secretary, staff, "/approve @xiaoliu")

    stage.scene("scene_list")
    await stage.say(secretary, staff, "/volunteers")
    await stage.say(secretary, staff, "/volunteers 电工")

    stage.scene("scene_whoami")
    await stage.say(zhang, zhang_dm, "/whoami")
    await stage.say(grid, group, "/whoami")

    stage.scene("scene_language")
    if locale == "en":
        await stage.say(liu, liu_dm, "/lang 中文")
    else:
        await stage.say(liu, liu_dm, "/lang en")
    await stage.say(liu, liu_dm, "/help")

    stage.scene("scene_stranger")
    await stage.say(stranger, group, "/bind 和平社区")
    await stage.say(stranger, group, "/grant 工作人员 @passerby")

    stage.scene("scene_redelivery")
    stage.note("note_redelivery")
    await stage.redeliver(one_line)

    stage.scene("scene_photo_request")
    fake.send_photo(granny, group, caption="#求助 3号楼2单元501 厨房水管漏水了，地上都是水，电话13812345678")
    await stage.pump()
    stage.note("note_photo_request")

    stage.scene("scene_take")
    await stage.press(zhang, group, action="rt", on="#1")
    stage.note("note_take")

    stage.scene("scene_done")
    await stage.press(zhang, zhang_dm, action="rp", on="#1")
    fake.send_photo(zhang, zhang_dm, caption="/done 1 换了新的阀门，已经不漏了")
    await stage.pump()

    stage.scene("scene_confirm")
    await stage.press(granny, group, action="rc", on="#1")
    stage.note("note_confirmed")
    await stage.press(granny, group, label="⭐⭐⭐⭐⭐", on="#1")
    stage.note("note_rated")

    stage.scene("scene_points")
    await stage.say(zhang, zhang_dm, "/points")
    await stage.say(secretary, staff, "/history 1")

    stage.scene("scene_race")
    await stage.say(newcomer, group, "#求助 5号楼 家里老人独居，想请人帮忙买点菜送上楼")
    card = next(m for m in reversed(fake.bot_messages(group)) if "#2" in (m.plain_text or "") and m.buttons)
    claim = next(value for row in card.buttons for _, value in row if _action(value) == "rt")
    fake.press(liu, group, card.message_id, claim)
    fake.press(zhang, group, card.message_id, claim)
    await stage.pump()
    stage.note("note_race")

    stage.scene("scene_phone_keyboard")
    stage.note("note_phone_keyboard")
    await stage.say(granny, group, "＃求助 3号楼 楼道的灯不亮了，晚上看不见")
    await stage.say(liu, fake.private_chat(liu), "/tkae 3")

    stage.scene("scene_dispatch")
    await stage.press(secretary, staff, action="ra", on="#3")
    await stage.say(secretary, staff, "/open")

    stage.scene("scene_shop")
    await stage.say(barber, fake.private_chat(barber), "/start")
    await stage.say(secretary, staff, "/grant 商家 @laozhou")
    await stage.say(
        secretary, staff, "/reward add 理发券 | 10 | 5 | @laozhou | 每月1次 | 楼下老周理发店，理发一次"
    )
    await stage.say(zhang, zhang_dm, "/shop")
    await stage.press(zhang, zhang_dm, action="sv")
    await stage.press(zhang, zhang_dm, action="sy")
    stage.note("note_shop_code")
    shown = re.search(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b", stage.last_text(zhang_dm))
    code = shown.group(0) if shown else "missing"
    await stage.say(liu, liu_dm, "/redeem 1")
    stage.note("note_shop_refused")
    await stage.say(barber, fake.private_chat(barber), f"/fulfil {code.lower()}")
    await stage.say(zhang, zhang_dm, "/points")

    stage.scene("scene_escalation")
    await stage.say(quiet, group, "#求助 3号楼 单元门的门禁坏了，刷卡没反应，我进不去家门")
    stage.note("note_escalation_wait")
    await stage.later(await stage.respond_by(4), escalation.escalate_due)
    stage.note("note_escalation")

    stage.scene("scene_reminder")
    await stage.say(
        secretary, group, "/remind 每周三 15:00 书记下午茶：社区活动室，欢迎大家来聊聊家常、提提建议"
    )
    await stage.press(secretary, group, action="rmy")
    await stage.say(secretary, staff, "/reminders")
    await stage.later(await stage.next_fire())
    stage.note("note_reminder_fired")

    stage.scene("scene_activity")
    await stage.say(
        secretary,
        staff,
        "/newactivity 楼道大扫除 | 后天下午3点 | 17:00 | 3号楼门口 | 2 | 10 | 说明 自带手套，社区备好扫帚",
    )
    stage.note("note_activity_card")
    await stage.press(granny, group, action="aj")
    await stage.press(zhang, group, action="aj")
    await stage.press(liu, group, action="aj")
    stage.note("note_activity_waitlist")
    await stage.say(zhang, zhang_dm, "/leave 1")
    stage.note("note_activity_promoted")
    await stage.say(secretary, fake.private_chat(secretary), "/activity 1 qr")

    stage.scene("scene_activity_day")
    activity = await stage.activity(1)
    await stage.later(activity.starts_at - timedelta(minutes=10))
    stage.note("note_activity_reminders")
    await stage.say(granny, fake.private_chat(granny), f"/start act_{activity.checkin_token}")
    await stage.say(secretary, staff, "/checkin 1")
    await stage.press(secretary, staff, label="⬜ 小刘")
    await stage.later(activity.ends_at, thanks.wrap_up_due)
    stage.note("note_activity_thanks")

    stage.scene("scene_broadcast")
    fake.change_bot_status(fake.state.state_of(group), "administrator", by=secretary)
    stage.note("note_bot_admin")
    await stage.say(secretary, staff, "/broadcast 明天上午9点到11点小区停水检修，请大家提前储水。")
    await stage.press(secretary, staff, action="bcs")
    await stage.later(stage.bot.clock() + timedelta(minutes=1), broadcast_report.report_finished)
    await stage.press(secretary, fake.private_chat(secretary), action="bcp")
    await stage.later(stage.bot.clock() + timedelta(minutes=1), broadcast_report.report_finished)
    stage.note("note_broadcast")


def _summary(stage: Stage, seconds: float) -> str:
    transcript = stage.fake.transcript
    return stage.words.say(
        "end",
        updates=sum(1 for e in transcript if e.direction == "in"),
        sent=sum(1 for e in transcript if e.direction == "out" and e.kind == "message"),
        edits=sum(1 for e in transcript if e.direction == "out" and e.kind == "edit"),
        seconds=f"{seconds:.1f}",
    )


async def demo(settings: Settings, *, locale: str | None = None, out: TextIO | None = None) -> int:
    """Play the story and print it, narrated in `locale` (the default locale unless given). 0 on
    success; 1 when Telegram (the fake) refused a call or the bot logged an error."""
    out = out if out is not None else sys.stdout
    locale = locale or settings.default_locale
    words = Narration(locale)
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
                "private_message_seconds": 0,  # and not a private chat's one a second
                "activity_card_edit_seconds": 0,  # and each sign-up shown at once, not merged
            }
        )
        fake = FakeTelegram()
        bot = OfflineBot(fake, story_settings, clock=DemoClock())
        stage = Stage(fake, bot, out, words)
        stage.printer.line(words.say("title", community=COMMUNITY))
        stage.printer.line(words.say("legend"))
        await bot.migrate()
        await bot.start()
        try:
            await play(stage, locale=locale)
        finally:
            await bot.stop()
        stage.printer.flush()
    print(file=out)
    print(_summary(stage, time.monotonic() - started), file=out)
    print(words.say("try_it"), file=out)

    failures = 0
    for method, params, response in fake.unexpected_errors():
        print(words.say("refused", method=method, description=response.get("description")), file=out)
        print(f"   {params}", file=out)
        failures += 1
    for record in errors:
        cause = f" ({record.exc_info[1]!r})" if record.exc_info and record.exc_info[1] else ""
        print(words.say("logged_error", message=f"{record.getMessage()}{cause}"), file=out)
        failures += 1
    for problem in stage.problems:
        print(f"!! {problem}", file=out)
        failures += 1
    return 1 if failures else 0
