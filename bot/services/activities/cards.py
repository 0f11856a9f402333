"""The activity's group card (places left, 报名 and 退出 buttons) and the staff's check-in list,
both drawn from the current state when sent. Changes to the group card are merged (see
`messages.refresh_card_merged`): fifty sign-ups in a minute edit it a few times, not fifty."""

from __future__ import annotations

from typing import Any

from bot import callbacks
from bot.outbox.cards import RenderedCard
from bot.services.activities.access import facts, local_time
from bot.services.shared import messages
from bot.services.shared.actors import user_locale
from bot.services.shared.env import Env
from bot.services.shared.messages import Button, Keyboard
from storage.models import Activity, Community
from storage.uow import UnitOfWork

CARD = "activity"
CHECKIN = "activity_checkin"  # the staff's list of who came, with a button per person
JOIN_ACTION = "aj"  # v1:aj:<activity id>
LEAVE_ACTION = "al"  # v1:al:<activity id>
MARK_ACTION = "ack"  # v1:ack:<activity id>:<sign-up id>
CHECKIN_SHOWN = 40  # people with a button on the check-in list (who came drop off it)


def open_for_signup(activity: Activity, now: Any) -> bool:
    if activity.status != "open" or now >= activity.starts_at:
        return False
    return activity.signup_deadline is None or now < activity.signup_deadline


def places_left(activity: Activity) -> int | None:
    return None if activity.capacity is None else max(0, activity.capacity - activity.joined)


def signup_buttons(env: Env, locale: str, activity: Activity) -> Keyboard:
    return [
        [
            Button(env.renderer.label(locale, "act_join"), callbacks.encode(JOIN_ACTION, activity.id)),
            Button(env.renderer.label(locale, "act_leave"), callbacks.encode(LEAVE_ACTION, activity.id)),
        ]
    ]


async def changed(uow: UnitOfWork, env: Env, activity: Activity) -> None:
    """The activity's group cards are to show its state now (merged with other changes)."""
    await messages.refresh_card_merged(uow, CARD, activity.id, env.settings.activity_card_edit_seconds)


async def _locale(uow: UnitOfWork, env: Env, community: Community, chat_id: int) -> str:
    reader = await uow.users.find_by_telegram_id(chat_id) if chat_id > 0 else None
    return user_locale(env, reader) if reader is not None else community.locale


def card_functions(env: Env) -> dict[str, Any]:
    async def activity_card(uow: UnitOfWork, activity_id: int, chat_id: int) -> RenderedCard | None:
        activity = await uow.activities.get(activity_id)
        if activity is None:
            return None
        await uow.activities.refresh(activity)
        community = await uow.communities.get(activity.community_id)
        assert community is not None
        locale = await _locale(uow, env, community, chat_id)
        counts = await uow.activities.counts(activity.id)
        now = uow.clock()
        joinable = open_for_signup(activity, now)
        text = await messages.render_for(
            uow,
            env,
            chat_id,
            locale,
            "activities/card",
            **facts(activity, community),
            description=activity.description,
            capacity=activity.capacity,
            left=places_left(activity),
            joined=activity.joined,
            waitlisted=counts.get("waitlisted", 0),
            attended=counts.get("attended", 0),
            status=activity.status,
            started=now >= activity.starts_at,
            joinable=joinable,
            volunteers_only=activity.audience == "volunteers",
            deadline=local_time(activity.signup_deadline, community) if activity.signup_deadline else None,
        )
        buttons = messages.keyboard_json(signup_buttons(env, locale, activity)) if joinable else None
        return RenderedCard(text, buttons)

    async def checkin_card(uow: UnitOfWork, activity_id: int, chat_id: int) -> RenderedCard | None:
        activity = await uow.activities.get(activity_id)
        if activity is None:
            return None
        community = await uow.communities.get(activity.community_id)
        assert community is not None
        locale = await _locale(uow, env, community, chat_id)
        waiting = await uow.activities.signups(activity.id, ("joined", "no_show"))
        came = await uow.activities.signups(activity.id, ("attended",))
        buttons = [
            [Button(f"⬜ {user.full_name}"[:60], callbacks.encode(MARK_ACTION, activity.id, signup.id))]
            for signup, user in waiting[:CHECKIN_SHOWN]
        ]
        text = await messages.render_for(
            uow,
            env,
            chat_id,
            locale,
            "activities/checkin_list",
            **facts(activity, community),
            came=[user.full_name for _, user in came],
            waiting=len(waiting),
            more=max(0, len(waiting) - CHECKIN_SHOWN),
        )
        return RenderedCard(text, messages.keyboard_json(buttons))

    return {CARD: activity_card, CHECKIN: checkin_card}
