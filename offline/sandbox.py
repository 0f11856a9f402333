"""`python -m bot sandbox`: chat with Linli offline, in this terminal.

The real Application runs against the fake Bot API (fakebot) and a SQLite file that persists
between runs (data/sandbox.db, or DATABASE_URL when it is set to something else). You play three
people in a community with a neighbourhood group, a staff group and private chats with the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings
from fakebot import FakeChat, FakeTelegram, FakeUser
from offline.transcript import Narration, TranscriptPrinter, chat_label, quiet_logging
from storage.engine import make_engine
from storage.models import Chat, ProcessedUpdate, User

if TYPE_CHECKING:
    from offline.runner import OfflineBot

SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///data/sandbox.db"
COMMUNITY = "幸福里社区"
GROUP_ID = -4_100_000_001
STAFF_GROUP_ID = -4_100_000_002
CHATS = {"group": "幸福里3号楼邻里群", "staff": "幸福里社区工作群"}


@dataclass(frozen=True)
class Persona:
    key: str
    name: str
    user_id: int
    username: str
    role: str


PERSONAS = (
    Persona("resident", "王阿姨", 8_000_001, "wang_ayi", "resident"),
    Persona("volunteer", "老张", 8_000_002, "laozhang", "resident who can register as a volunteer"),
    Persona("staff", "李书记", 8_000_003, "li_shuji", "community staff, super-admin"),
)

HELP = f"""\
Type a message to send it as the current person in the current chat. Sandbox commands:
  :as resident|volunteer|staff   be 王阿姨 (resident), 老张 (volunteer) or 李书记 (staff, super-admin)
  :in group|staff|private        write in {CHATS["group"]}, {CHATS["staff"]} or your private chat with Linli
  :press N                       press button N of the newest message with buttons in this chat
  :who                           who and where you are
  :help                          this help
  :quit                          leave (Ctrl-D works too)
Try: /help   then   :as volunteer   :in private   /volunteer   :press 1
A request: :as resident   :in group   #求助 3号楼 楼道灯坏了   then   :as volunteer   :press 1"""


def sandbox_database_url(settings: Settings) -> str:
    """data/sandbox.db, unless DATABASE_URL was set to something other than the default."""
    default = Settings.model_fields["database_url"].default
    return settings.database_url if settings.database_url != default else SANDBOX_DATABASE_URL


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


@dataclass
class Saved:
    """What the database remembers from earlier runs, for a fresh fake Telegram to agree with it."""

    last_update_id: int
    started: set[int]
    bound: set[int]


async def _saved_state(url: str) -> Saved:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            last = (await connection.execute(select(func.max(ProcessedUpdate.update_id)))).scalar_one()
            ids = [p.user_id for p in PERSONAS]
            started = (
                await connection.execute(
                    select(User.telegram_id).where(User.telegram_id.in_(ids), User.started, ~User.blocked)
                )
            ).scalars()
            bound = (
                await connection.execute(
                    select(Chat.telegram_id).where(
                        Chat.telegram_id.in_([GROUP_ID, STAFF_GROUP_ID]), Chat.community_id.is_not(None)
                    )
                )
            ).scalars()
            return Saved(int(last or 0), set(started), set(bound))
    finally:
        await engine.dispose()


async def _read_line(prompt: str) -> str:
    """input() on a daemon thread: the event loop keeps running, and Ctrl-C never waits for Enter."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def settle(line: str | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(line or "")

    def work() -> None:
        line: str | None = None
        error: BaseException | None = None
        try:
            line = input(prompt)
        except EOFError:
            error = EOFError()
        except KeyboardInterrupt:
            error = KeyboardInterrupt()
        with contextlib.suppress(RuntimeError):  # the loop closed while the line was being read
            loop.call_soon_threadsafe(settle, line, error)

    threading.Thread(target=work, name="sandbox-input", daemon=True).start()
    return await future


class Session:
    """The people, the chats and the conversation printed so far."""

    def __init__(self, fake: FakeTelegram, bot: OfflineBot, out: TextIO, words: Narration) -> None:
        self.fake = fake
        self.bot = bot
        self.out = out
        self.words = words
        self.printer = TranscriptPrinter(fake, out, words)
        self.users: dict[str, FakeUser] = {}
        self.groups: dict[str, FakeChat] = {}
        self.persona = PERSONAS[0]
        self.place = "group"
        self.errors_shown = 0

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    # -- the world ------------------------------------------------------------------------------
    def create_world(self, saved: Saved) -> None:
        """Users with fixed ids and groups with fixed chat ids, so a persisted database matches a
        fresh fake each run; the bot is (re-)added to both groups."""
        for persona in PERSONAS:
            user = self.fake.add_user(persona.name, username=persona.username, user_id=persona.user_id)
            self.users[persona.key] = user
            if persona.user_id in saved.started:  # they started the bot in an earlier run
                self.fake.state.private_chat_for(user).started = True
        staff = self.users["staff"]
        self.groups["group"] = self.fake.add_group(CHATS["group"], chat_id=GROUP_ID, creator=staff)
        self.groups["staff"] = self.fake.add_group(CHATS["staff"], chat_id=STAFF_GROUP_ID, creator=staff)
        # Telegram's update ids only grow; a fresh fake continues after those the database has seen.
        self.fake.updates._next_id = max(self.fake.updates._next_id, saved.last_update_id + 1)
        for chat in self.groups.values():
            self.fake.add_bot_to_group(staff, chat)

    async def set_up(self, saved: Saved) -> None:
        """Bind the groups on the first run; later runs only take the bot back into the groups."""
        await self.bot.pump()
        first_run = GROUP_ID not in saved.bound
        staff = self.users["staff"]
        if not first_run:
            self.printer.new_entries()  # the bot's welcome-back greetings: nothing new to read
            self.say(f"Welcome back: {COMMUNITY} is as you left it.")
            return
        self.say(f"── first run: setting up {COMMUNITY} ──")
        self.fake.send_text(staff, self.groups["group"], f"/bind {COMMUNITY}")
        if STAFF_GROUP_ID not in saved.bound:
            self.fake.send_text(staff, self.groups["staff"], f"/bind staff {COMMUNITY}")
        for key in ("resident", "volunteer"):
            self.fake.send_text(self.users[key], self.groups["group"], "大家好！")
        await self.bot.pump()
        self.printer.flush()
        self.show_errors()
        self.say()

    # -- one input ------------------------------------------------------------------------------
    @property
    def user(self) -> FakeUser:
        return self.users[self.persona.key]

    @property
    def chat(self) -> FakeChat:
        if self.place == "private":
            return self.fake.private_chat(self.user)
        return self.groups[self.place]

    def prompt(self) -> str:
        return f"{self.persona.name} @ {chat_label(self.chat, self.words)} > "

    async def handle(self, line: str) -> bool:
        """Act on one line; False when the person wants to leave."""
        text = line.strip()
        if not text:
            return True
        if not text.startswith(":"):
            self.fake.send_text(self.user, self.chat, text)
            await self.show_reaction()
            return True
        command, _, argument = text[1:].partition(" ")
        argument = argument.strip()
        if command in ("quit", "q", "exit"):
            return False
        if command == "as":
            self.become(argument)
        elif command == "in":
            self.move(argument)
        elif command == "press":
            await self.press(argument)
        elif command == "who":
            self.who()
        elif command == "help":
            self.say(HELP)
        else:
            self.say(f"unknown sandbox command :{command} (type :help)")
        return True

    def become(self, wanted: str) -> None:
        found = next((p for p in PERSONAS if wanted in (p.key, p.name)), None)
        if found is None:
            self.say(f"who? choose one of: {', '.join(f'{p.key} ({p.name})' for p in PERSONAS)}")
            return
        self.persona = found
        self.say(f"you are now {found.name} ({found.role}), in {chat_label(self.chat, self.words)}")

    def move(self, wanted: str) -> None:
        if wanted not in ("group", "staff", "private"):
            self.say("where? choose one of: group, staff, private")
            return
        self.place = wanted
        self.say(f"you are now in {chat_label(self.chat, self.words)}")

    async def press(self, argument: str) -> None:
        if not argument.isdigit() or int(argument) < 1:
            self.say("usage: :press N   (N is the number shown in [N label])")
            return
        number = int(argument)
        for message in reversed(self.fake.bot_messages(self.chat)):
            buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
            if not buttons:
                continue
            if number > len(buttons):
                self.say(f"the newest message with buttons here has {len(buttons)} buttons")
                return
            button = buttons[number - 1]
            if "callback_data" not in button:
                self.say(f"button {number} opens a link: {button.get('url', '?')}")
                return
            self.fake.press(self.user, self.chat, message.message_id, str(button["callback_data"]))
            await self.show_reaction()
            return
        self.say(f"no message with buttons in {chat_label(self.chat, self.words)}")

    def who(self) -> None:
        self.say(f"you are {self.persona.name} ({self.persona.role}), in {chat_label(self.chat, self.words)}")
        for persona in PERSONAS:
            mark = "*" if persona == self.persona else " "
            self.say(f"  {mark} :as {persona.key:<10} {persona.name}, {persona.role}")
        for key in ("group", "staff", "private"):
            mark = "*" if key == self.place else " "
            label = CHATS.get(key, "your private chat with Linli")
            self.say(f"  {mark} :in {key:<10} {label}")

    async def show_reaction(self) -> None:
        """Let the bot handle what just happened and print what people would see."""
        await self.bot.pump()
        for entry in self.printer.new_entries():
            if entry.direction == "in" and entry.kind == "message":
                continue  # the line just typed
            for text in self.printer.lines(entry):
                self.say(text)
        self.show_errors()

    def show_errors(self) -> None:
        errors = self.fake.unexpected_errors()
        for method, params, response in errors[self.errors_shown :]:
            self.say(f"!! Telegram refused {method} {params}: {response.get('description')}")
        self.errors_shown = len(errors)


async def sandbox(settings: Settings, *, out: TextIO | None = None) -> int:
    """The interactive loop. Returns 0 when the person leaves (:quit, Ctrl-D or Ctrl-C)."""
    out = out if out is not None else sys.stdout
    url = sandbox_database_url(settings)
    staff_id = next(p.user_id for p in PERSONAS if p.key == "staff")
    settings = settings.model_copy(
        update={"database_url": url, "admin_ids": frozenset({*settings.admin_ids, staff_id})}
    )
    with quiet_logging():
        from offline.runner import OfflineBot  # imported here: loading Alembic logs at INFO

        _ensure_sqlite_folder(url)
        fake = FakeTelegram()
        bot = OfflineBot(fake, settings)
        await bot.migrate()
        saved = await _saved_state(url)
        session = Session(fake, bot, out, Narration(settings.default_locale))
        session.create_world(saved)
        print(f"Linli sandbox: the real bot, offline (fake Telegram; database {_shown(url)})", file=out)
        await bot.start()
        try:
            await session.set_up(saved)
            session.say(HELP)
            while True:
                try:
                    line = await _read_line(session.prompt())
                except (EOFError, KeyboardInterrupt):
                    session.say()
                    break
                if not await session.handle(line):
                    break
        except asyncio.CancelledError:  # Ctrl-C while the bot was working
            session.say()
        finally:
            await bot.stop()
    session.say("bye")
    return 0


def _shown(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return parsed.render_as_string(hide_password=True)
