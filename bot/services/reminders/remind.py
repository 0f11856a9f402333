"""/remind [全部|楼栋…] <when> <text>: staff schedule a reminder for this group, every neighbourhood
group of the community, or the groups of some buildings; a photo captioned /remind goes with it.

Nothing is scheduled until confirmed: the command stores a draft schedule (it never fires) and
replies with the next three times in the community's timezone and 确认 / 取消 buttons. A fire
queues one message per target group, keyed by schedule, fire time and group.
"""

from __future__ import annotations

import logging
from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.opening import fold
from bot.render import utf16_len
from bot.services.schedule.plans import Fire, FireHandler
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, reader_locale, staff_community_here
from bot.services.shared.buildings import in_buildings, named_buildings
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from bot.when import Rule, WhenError, parse_rule, zone
from storage.models import Chat, Community, Schedule
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

KIND = "reminder"
CONFIRM_ACTION, CANCEL_ACTION = "rmy", "rmn"
TEXT_LIMIT = 900  # UTF-16 units: the reminder goes as a photo caption too (1024), with its heading
MAX_REMINDERS = 100  # per community, paused ones included
MAX_WHEN_WORDS = 8  # the longest time phrase tried (每两周周五 19:00, a cron line of five fields)
ALL_WORDS = {"全部", "所有", "所有群", "全部群", "all"}


def _targets_word(word: str) -> bool:
    return fold(word).lower() in ALL_WORDS


async def _read_buildings(uow: UnitOfWork, community: Community, word: str) -> list[str] | None:
    """The buildings a first word names (3号楼,5号楼); None when it is not a list of buildings
    (then it begins the time)."""
    return await named_buildings(uow, community.id, word)


def split_when(text: str, *, now: Any, tz: str) -> tuple[Rule, str]:
    """The longest run of first words that is a time phrase, and the rest (the reminder's text).
    A phrase no run of words reads raises the most telling refusal: one that was read but is wrong
    (past, too often) over one that could not be read."""
    words = text.split()
    telling: WhenError | None = None
    unreadable: WhenError | None = None
    for count in range(min(len(words), MAX_WHEN_WORDS), 0, -1):
        phrase = " ".join(words[:count])
        try:
            return parse_rule(phrase, now=now, tz=tz), " ".join(words[count:])
        except WhenError as error:
            if error.reason == "when/unreadable":
                unreadable = unreadable or error
            elif telling is None:
                telling = error
    raise telling or unreadable or WhenError("when/unreadable")


async def _target_chats(uow: UnitOfWork, community_id: int, target: dict[str, Any]) -> list[Chat]:
    """The groups a reminder goes to now (a group that moved to a supergroup is followed; one the
    bot left is not written to)."""
    if target["scope"] == "here":
        chat = await uow.chats.get(int(target["chat"]))
        return [chat] if chat is not None and chat.active and chat.community_id == community_id else []
    groups = await uow.chats.of_community(community_id, "neighbourhood")
    if target["scope"] == "all":
        return groups
    return in_buildings(groups, list(target["buildings"]))


def describe(target: dict[str, Any], count: int) -> dict[str, Any]:
    """What the templates show of a target: scope, the buildings, how many groups."""
    return {"scope": target["scope"], "buildings": list(target.get("buildings", [])), "groups": count}


def times_shown(times: list[Any], tz: str) -> list[dict[str, Any]]:
    """Fire times as the community's clock shows them (the application's own text: never masked)."""
    local = zone(tz)
    return [
        {
            "at": messages.ours(t.astimezone(local).strftime("%Y-%m-%d %H:%M")),
            "weekday": t.astimezone(local).weekday(),
        }
        for t in times
    ]


async def remind(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    words = inc.text.split(maxsplit=1)
    if not words:
        raise Refused("reminders/usage")
    target: dict[str, Any] | None = None
    rest = inc.text.strip()
    if _targets_word(words[0]):
        target, rest = {"scope": "all"}, words[1] if len(words) > 1 else ""
    else:
        buildings = await _read_buildings(uow, community, words[0])
        if buildings is not None:
            target, rest = {"scope": "buildings", "buildings": buildings}, words[1] if len(words) > 1 else ""
    if target is None:
        if actor.chat is None or actor.chat.kind != "neighbourhood":
            raise Refused("reminders/which_groups")
        target = {"scope": "here", "chat": actor.chat.id}
    if not rest.strip():
        raise Refused("reminders/usage")
    now, tz = env.clock(), community.timezone
    try:
        rule, text = split_when(rest, now=now, tz=tz)
    except WhenError as error:
        raise Refused(error.reason, **error.params) from None
    text = text.strip()
    photo = next((m.file_id for m in inc.media if m.kind == "photo"), None)
    if not text:
        raise Refused("reminders/no_text")
    if utf16_len(text) > TEXT_LIMIT:
        raise Refused("reminders/too_long", most=TEXT_LIMIT)
    times = rule.next_times(now, tz, 3)
    if not times:
        raise Refused("when/past")
    chats = await _target_chats(uow, community.id, target)
    if not chats:
        raise Refused("reminders/no_groups")
    if len(await uow.schedules.of_community(community.id, KIND)) >= MAX_REMINDERS:
        raise Refused("reminders/too_many", most=MAX_REMINDERS)
    payload = {"text": text, "target": target, "photo": photo}
    schedule_id = await uow.schedules.put(
        kind=KIND,
        key=f"u{inc.update_id}",
        tz=tz,
        rule=rule.spec,
        due_at=None,
        community_id=community.id,
        payload=payload,
        created_by=actor.user.id,
        draft=True,
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "reminders/preview",
        buttons=[
            [
                Button(
                    env.renderer.label(actor.locale, "reminder_confirm"),
                    callbacks.encode(CONFIRM_ACTION, schedule_id),
                ),
                Button(
                    env.renderer.label(actor.locale, "cancel"), callbacks.encode(CANCEL_ACTION, schedule_id)
                ),
            ]
        ],
        text=text,
        photo=photo is not None,
        times=times_shown(times, tz),
        recurring=rule.recurring,
        tz=tz,
        **describe(target, len(chats)),
    )


async def _own_draft(uow: UnitOfWork, actor: Actor, schedule_id: int) -> Schedule:
    schedule = await uow.schedules.get(schedule_id)
    if schedule is None or schedule.kind != KIND or schedule.community_id is None:
        raise Refused("reminders/gone")
    if not actor.is_staff_of(
        schedule.community_id, await uow.memberships.find(actor.user.id, schedule.community_id)
    ):
        raise Refused("common/staff_only")
    if not schedule.draft:
        raise Refused("reminders/already_confirmed")
    return schedule


async def _close_preview(uow: UnitOfWork, inc: Incoming) -> None:
    """The preview loses its 确认 / 取消 buttons once one of them did its work."""
    if inc.message_id is not None:
        await uow.outbox.add(
            dedupe_key=f"u{inc.update_id}:drop",
            chat_id=inc.chat.chat_id,
            kind="drop_buttons",
            target_message_id=inc.message_id,
        )


async def confirm_button(uow: UnitOfWork, env: Env, inc: Incoming, schedule_id: int) -> Outcome:
    """确认: the draft becomes a schedule, due at its next fire time from now."""
    actor = await identify(uow, env, inc)
    schedule = await _own_draft(uow, actor, schedule_id)
    due_at = Rule.from_spec(schedule.rule).next_after(env.clock(), schedule.tz)
    if due_at is None:
        raise Refused("when/past")
    if not await uow.schedules.confirm_draft(schedule.id, due_at):
        raise Refused("reminders/already_confirmed")
    await _close_preview(uow, inc)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "reminders/confirmed",
        n=schedule.id,
        times=times_shown([due_at], schedule.tz),
    )
    return Outcome(toast=env.renderer.label(reader_locale(env, actor), "reminder_confirmed_toast"))


async def cancel_button(uow: UnitOfWork, env: Env, inc: Incoming, schedule_id: int) -> Outcome:
    """取消: the draft goes; nothing was ever scheduled."""
    actor = await identify(uow, env, inc)
    schedule = await _own_draft(uow, actor, schedule_id)
    await uow.schedules.delete(schedule.id)
    await _close_preview(uow, inc)
    return Outcome(toast=env.renderer.label(reader_locale(env, actor), "cancelled_toast"))


async def fire(uow: UnitOfWork, env: Env, fire: Fire) -> None:
    """One message per target group, once per (schedule, fire time, group)."""
    payload = fire.payload
    if fire.community_id is None:
        return
    chats = await _target_chats(uow, fire.community_id, payload["target"])
    if not chats:
        log.warning("reminder %s fired with no group to go to", fire.schedule_id)
    community = await uow.communities.get(fire.community_id)
    locale = community.locale if community is not None else env.settings.default_locale
    for chat in chats:
        key = f"reminder:{fire.schedule_id}:{fire.at.isoformat()}:{chat.id}"
        text = await messages.render_for(
            uow, env, chat.telegram_id, locale, "reminders/fire", text=payload["text"]
        )
        if payload.get("photo"):
            await messages.send_media(uow, key, chat.telegram_id, "photo", payload["photo"], text)
        else:
            await uow.outbox.add(
                dedupe_key=key, chat_id=chat.telegram_id, text=text, template="reminders/fire"
            )


def fire_handlers(env: Env) -> dict[str, FireHandler]:
    return {KIND: fire}
