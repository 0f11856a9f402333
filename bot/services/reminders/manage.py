"""/reminders: the community's reminders with pause / resume / delete buttons; the same by command
(/reminders 暂停 3, /reminders 恢复 3, /reminders 删除 3)."""

from __future__ import annotations

from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.numbers import number_value
from bot.opening import fold
from bot.services.reminders.remind import KIND, describe, times_shown
from bot.services.schedule import plans
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, reader_locale, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button, Keyboard
from bot.services.shared.runner import Outcome
from storage.models import Schedule
from storage.uow import UnitOfWork

PAUSE_ACTION, RESUME_ACTION, DELETE_ACTION = "rmp", "rmr", "rmd"
SHOWN = 20  # reminders listed with their buttons in one message
EXCERPT = 60
CHANGES = {
    "暂停": "pause",
    "pause": "pause",
    "恢复": "resume",
    "继续": "resume",
    "resume": "resume",
    "删除": "delete",
    "delete": "delete",
}


def _line(schedule: Schedule) -> dict[str, Any]:
    text = str(schedule.payload.get("text", ""))
    target = schedule.payload.get("target", {"scope": "here"})
    return {
        "n": schedule.id,
        "text": text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…",
        "paused": schedule.paused,
        "next": times_shown([schedule.due_at], schedule.tz)[0] if schedule.due_at is not None else None,
        "photo": bool(schedule.payload.get("photo")),
        **describe(target, 0),
    }


def _buttons(env: Env, locale: str, shown: list[Schedule]) -> Keyboard:
    rows: Keyboard = []
    for schedule in shown:
        if schedule.due_at is None and not schedule.paused:
            toggle: list[Button] = []  # a one-off already sent: only delete
        elif schedule.paused:
            label = env.renderer.label(locale, "reminder_resume").format(n=schedule.id)
            toggle = [Button(label, callbacks.encode(RESUME_ACTION, schedule.id))]
        else:
            label = env.renderer.label(locale, "reminder_pause").format(n=schedule.id)
            toggle = [Button(label, callbacks.encode(PAUSE_ACTION, schedule.id))]
        delete = env.renderer.label(locale, "reminder_delete").format(n=schedule.id)
        rows.append([*toggle, Button(delete, callbacks.encode(DELETE_ACTION, schedule.id))])
    return rows


async def list_reminders(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    if inc.args:
        change = CHANGES.get(fold(inc.args[0]).lower())
        number = number_value(inc.args[1].lstrip("#＃")) if len(inc.args) > 1 else None
        if change is None or number is None:
            raise Refused("reminders/list_usage")
        template, n = await _change(uow, env, actor, change, number)
        await messages.reply(uow, env, inc, actor.locale, template, n=n)
        return
    reminders = await uow.schedules.of_community(community.id, KIND)
    if not reminders:
        await messages.reply(uow, env, inc, actor.locale, "reminders/none", community=community.name)
        return
    rows = [_line(s) for s in reminders[:SHOWN]]
    shown = messages.rows_that_fit(
        env, actor.locale, "reminders/list", "reminders", rows, community=community.name
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "reminders/list",
        buttons=_buttons(env, actor.locale, reminders[:shown]),
        reminders=rows[:shown],
        more=len(reminders) - shown,
        community=community.name,
    )


async def _change(uow: UnitOfWork, env: Env, actor: Actor, change: str, schedule_id: int) -> tuple[str, int]:
    """Pause, resume or delete one of the community's reminders; the template that says it was done."""
    schedule = await uow.schedules.get(schedule_id)
    if schedule is None or schedule.kind != KIND or schedule.draft or schedule.community_id is None:
        raise Refused("reminders/gone")
    if not actor.is_staff_of(
        schedule.community_id, await uow.memberships.find(actor.user.id, schedule.community_id)
    ):
        raise Refused("common/staff_only")
    if change == "pause":
        if not await plans.pause(uow, schedule.id):
            raise Refused("reminders/already_paused", n=schedule.id)
        return "reminders/paused", schedule.id
    if change == "resume":
        if not schedule.paused:
            raise Refused("reminders/not_paused", n=schedule.id)
        if await plans.resume(uow, env, schedule.id) is None:
            raise Refused("reminders/nothing_left", n=schedule.id)
        return "reminders/resumed", schedule.id
    await plans.delete(uow, schedule.id)
    return "reminders/deleted", schedule.id


async def change_button(uow: UnitOfWork, env: Env, inc: Incoming, change: str, schedule_id: int) -> Outcome:
    actor = await identify(uow, env, inc)
    template, n = await _change(uow, env, actor, change, schedule_id)
    await messages.reply(uow, env, inc, actor.locale, template, n=n)
    return Outcome(toast=env.renderer.label(reader_locale(env, actor), f"reminder_{change}_toast"))
