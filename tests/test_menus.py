"""The command menu beside the text field: set per audience (private chats, groups, each staff
group's administrators) and per language, at start-up and when a staff group is bound; Telegram
refusing or throttling never stops the bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import commands, menus
from bot.config import LOCALES
from bot.render import Renderer
from fakebot import FakeChat, FakeTelegram
from offline import OfflineBot
from storage.models import OutboxMessage
from tests.conftest import ADMIN_ID, Clock, Sleeps, make_settings
from tests.world import World

PRIVATE = {"type": "all_private_chats"}
GROUPS = {"type": "all_group_chats"}


def admins(chat: FakeChat) -> dict[str, Any]:
    return {"type": "chat_administrators", "chat_id": chat.id}


async def menu_of(fake: FakeTelegram, scope: dict[str, Any], language: str = "") -> list[str]:
    """The commands Telegram would show this audience, read back with getMyCommands."""
    params: dict[str, Any] = {"scope": scope}
    if language:
        params["language_code"] = language
    answer = await fake.handle("getMyCommands", params)
    assert answer["ok"], answer
    return [c["command"] for c in answer["result"]]


async def descriptions(fake: FakeTelegram, scope: dict[str, Any], language: str = "") -> dict[str, str]:
    params: dict[str, Any] = {"scope": scope, **({"language_code": language} if language else {})}
    answer = await fake.handle("getMyCommands", params)
    return {c["command"]: c["description"] for c in answer["result"]}


async def menu_rows(world: World, chat: FakeChat) -> int:
    async with world.bot.deps.uow() as uow:
        query = select(OutboxMessage).where(OutboxMessage.kind == "menu", OutboxMessage.chat_id == chat.id)
        return len((await uow.session.execute(query)).scalars().all())


# -- what each audience sees --------------------------------------------------------------------
async def test_private_chats_get_what_residents_and_volunteers_use_everyday_first(world: World) -> None:
    shown = await menu_of(world.fake, PRIVATE)
    assert shown[:4] == ["request", "mine", "points", "open"]
    assert {"start", "help", "volunteer", "take", "done", "profile"} <= set(shown)
    assert not {"assign", "grant", "bind", "overdue", "onbehalf"} & set(shown)  # staff only
    assert (await descriptions(world.fake, PRIVATE))["mine"] == "我的求助和我接的单"


async def test_groups_get_no_private_or_staff_commands(world: World) -> None:
    shown = await menu_of(world.fake, GROUPS)
    assert {"request", "mine", "open", "take", "done", "help"} <= set(shown)
    assert not {"start", "volunteer", "profile", "assign", "grant", "bind"} & set(shown)


async def test_english_speakers_get_the_menu_in_english(world: World) -> None:
    zh, en = await descriptions(world.fake, PRIVATE), await descriptions(world.fake, PRIVATE, "en")
    assert list(zh) == list(en)
    assert en["points"] == "my points" and zh["points"] == "我的积分"
    assert (await descriptions(world.fake, GROUPS, "en"))["open"] == "requests waiting for help"


async def test_binding_a_staff_group_gives_its_administrators_the_staff_commands(world: World) -> None:
    group = await world.community_group("幸福里群", "幸福里社区")
    staff = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    for language in ("", "en"):
        shown = await menu_of(world.fake, admins(staff), language)
        assert {"open", "overdue", "assign", "onbehalf", "category", "grant", "unbind"} <= set(shown)
        assert "start" not in shown and "volunteer" not in shown
    assert (await descriptions(world.fake, admins(staff), "en"))["overdue"] == "requests that are late"
    assert await menu_of(world.fake, admins(group)) == []  # a neighbourhood group has no admin menu


async def test_unbinding_a_staff_group_takes_the_staff_commands_away(world: World) -> None:
    staff = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    await world.say(world.admin, staff, "/unbind")
    assert "解除" in world.last(staff)
    assert await menu_of(world.fake, admins(staff)) == []
    assert await menu_of(world.fake, admins(staff), "en") == []


async def test_a_refused_bind_sets_no_menu(world: World) -> None:
    await world.community_group("幸福里群", "幸福里社区")
    chat = await world.group("别的群")
    stranger = world.person("路人")
    await world.say(stranger, chat, "/bind staff 幸福里社区")
    assert "只有社区工作人员" in world.last(chat)
    assert await menu_of(world.fake, admins(chat)) == []


async def test_a_redelivered_bind_sets_the_menu_once(world: World) -> None:
    chat = await world.group("幸福里工作群")
    update = await world.say(world.admin, chat, "/bind staff 幸福里社区")
    await world.redeliver(update)
    assert await menu_rows(world, chat) == 1
    assert "assign" in await menu_of(world.fake, admins(chat))


async def test_a_staff_group_upgraded_to_a_supergroup_keeps_the_admin_menu(world: World) -> None:
    staff = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    supergroup = world.fake.migrate_to_supergroup(staff)
    await world.pump()
    assert "assign" in await menu_of(world.fake, admins(supergroup))


async def answers_help(fake: FakeTelegram, bot: OfflineBot) -> None:
    """The bot, just started, answers someone who writes to it."""
    world = World(fake, bot, admin_id=ADMIN_ID)
    alice = world.person("Alice")
    await world.say(alice, world.dm(alice), "/help")
    assert world.texts(world.dm(alice))


# -- at start-up ---------------------------------------------------------------------------------
async def test_a_restart_sets_every_menu_again_including_the_staff_groups(
    database_url: str, engine: object, sleeps: Sleeps, clock: Clock
) -> None:
    fake = FakeTelegram()
    settings = make_settings(database_url)
    first = OfflineBot(fake, settings, sleep=sleeps, clock=clock)
    await first.start()
    world = World(fake, first, admin_id=ADMIN_ID)
    staff = await world.community_group("幸福里工作群", "幸福里社区", staff=True)
    await first.stop()

    fake.state.commands.clear()  # as if someone had changed them in @BotFather meanwhile
    clock.advance(60)
    second = OfflineBot(fake, settings, sleep=sleeps, clock=clock)
    await second.start()
    try:
        assert "request" in await menu_of(fake, PRIVATE)
        assert "request" in await menu_of(fake, GROUPS, "en")
        assert "assign" in await menu_of(fake, admins(staff), "en")
    finally:
        await second.stop()
    assert fake.unexpected_errors() == []


async def test_telegram_throttling_the_menus_at_start_up_does_not_stop_the_bot(
    database_url: str, engine: object, sleeps: Sleeps
) -> None:
    fake = FakeTelegram()
    fake.fail_next("setMyCommands", retry_after=3)
    bot = OfflineBot(fake, make_settings(database_url), sleep=sleeps)
    await bot.start()
    try:
        await answers_help(fake, bot)
        assert 3 in sleeps.calls  # the sender waited out Telegram's retry_after
        assert "request" in await menu_of(fake, PRIVATE)  # and set the menus after it
    finally:
        await bot.stop()


async def test_a_network_failure_on_the_menus_is_retried_later_and_the_bot_answers_meanwhile(
    database_url: str, engine: object, sleeps: Sleeps, clock: Clock
) -> None:
    fake = FakeTelegram()
    fake.fail_next("setMyCommands", network_error=True)
    bot = OfflineBot(fake, make_settings(database_url), sleep=sleeps, clock=clock)
    await bot.start()
    try:
        await answers_help(fake, bot)
        assert await menu_of(fake, PRIVATE) == []  # not yet: the retry is due later
        clock.advance(600)
        await bot.pump()
        assert "request" in await menu_of(fake, PRIVATE)
    finally:
        await bot.stop()


async def test_a_database_that_fails_at_start_up_only_skips_the_menus(
    tmp_path: Path, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(uow: object, key: str) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(menus, "queue_all", broken)
    url = f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}"
    fake = FakeTelegram()
    bot = OfflineBot(fake, make_settings(url), sleep=sleeps)
    await bot.migrate()
    await bot.start()
    try:
        await answers_help(fake, bot)
        assert await menu_of(fake, PRIVATE) == []
    finally:
        await bot.stop()


# -- within Telegram's limits ------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("audience", menus.AUDIENCES)
def test_every_menu_is_within_telegrams_limits(locale: str, audience: str) -> None:
    entries = menus.menu(Renderer("zh_CN"), locale, audience)
    assert 1 <= len(entries) <= 100
    assert len({name for name, _ in entries}) == len(entries)
    for name, description in entries:
        assert menus.COMMAND_NAME.match(name), name
        assert 1 <= len(description) <= 256 and description == description.strip(), name
        assert "<" not in description.replace("<community>", "").replace("<role>", ""), description
        assert "&lt;" not in description and "&amp;" not in description  # plain text, not HTML


@pytest.mark.parametrize("locale", LOCALES)
def test_every_command_of_the_catalogue_has_a_description(locale: str) -> None:
    renderer = Renderer("zh_CN")
    for command in commands.COMMANDS:
        assert menus.describe(renderer, locale, command.name), command.name
    for name in menus.EVERYDAY:
        assert name in {c.name for c in commands.COMMANDS}


def test_the_default_menu_is_in_the_default_locale_and_english_has_its_own() -> None:
    assert menus.language_codes("zh_CN") == [("zh_CN", ""), ("en", "en")]
    assert menus.language_codes("en") == [("en", ""), ("zh_CN", "zh")]
