"""When an activity ends: who did not come becomes a no-show, the waitlist is closed, the group cards
lose their buttons, and a thank-you card goes to each group it was announced in: how many came,
the points awarded, the names of those who agreed to be named, and the photo staff attached."""

from __future__ import annotations

from collections.abc import Callable

from bot.render import utf16_len
from bot.services.activities import cards
from bot.services.activities.access import facts
from bot.services.shared import messages
from bot.services.shared.env import Env
from storage.models import Activity, Community
from storage.uow import UnitOfWork

CAPTION_LIMIT = 1024  # a photo's caption, in UTF-16 code units
NAMES_SHOWN = 30


async def _named(uow: UnitOfWork, activity: Activity, community: Community) -> tuple[int, list[str]]:
    """How many came, and the names of those of them who agreed to be named: the opt-outs of the
    晒单 cards apply (a person's, and the community's /publicity off, which names nobody)."""
    came = await uow.activities.signups(activity.id, ("attended",))
    names: list[str] = []
    for _, user in came if community.publicity else ():
        membership = await uow.memberships.find(user.id, activity.community_id)
        if membership is not None and membership.named and membership.left_at is None:
            names.append(membership.display_name or user.full_name)
    return len(came), names


async def _thanks_text(
    uow: UnitOfWork, env: Env, chat_id: int, activity: Activity, community: Community, limit: int | None
) -> str:
    came, names = await _named(uow, activity, community)
    shown = min(len(names), NAMES_SHOWN)
    while True:
        text = await messages.render_for(
            uow,
            env,
            chat_id,
            community.locale,
            "activities/thanks",
            **facts(activity, community),
            came=came,
            awarded=came * activity.points,
            names=names[:shown],
            more=len(names) - shown,
        )
        if limit is None or utf16_len(text) <= limit or shown == 0:
            return text
        shown -= 1


async def post_thanks(uow: UnitOfWork, env: Env, activity: Activity, community: Community, key: str) -> None:
    """The thank-you card in each group: with the photo (as its caption) when staff attached one."""
    for chat_id in await uow.activities.group_chats(activity.id):
        if activity.photo_file_id:
            caption = await _thanks_text(uow, env, chat_id, activity, community, CAPTION_LIMIT)
            await messages.send_media(
                uow, f"{key}:{chat_id}", chat_id, "photo", activity.photo_file_id, caption
            )
        else:
            text = await _thanks_text(uow, env, chat_id, activity, community, None)
            await uow.outbox.add(
                dedupe_key=f"{key}:{chat_id}", chat_id=chat_id, text=text, template="activities/thanks"
            )


async def wrap_up(uow: UnitOfWork, env: Env, activity: Activity) -> bool:
    """Close one ended activity, once (the status change is conditional)."""
    if not await uow.activities.change_status(activity.id, "ended", ended_at=uow.clock()):
        return False
    await uow.activities.mark_no_shows(activity.id)
    await uow.activities.clear_waitlist(activity.id)
    await uow.activities.refresh(activity)
    community = await uow.communities.get(activity.community_id)
    assert community is not None
    await cards.changed(uow, env, activity)
    await post_thanks(uow, env, activity, community, f"act:{activity.id}:thanks")
    return True


async def wrap_up_due(make_uow: Callable[[], UnitOfWork], env: Env) -> int:
    """Every activity whose stored end has passed (a restart loses nothing; two instances close
    each one once)."""
    async with make_uow() as uow:
        due = [a.id for a in await uow.activities.ended_unwrapped(env.clock())]
    count = 0
    for activity_id in due:
        async with make_uow() as uow:
            activity = await uow.activities.get(activity_id)
            if activity is None or not await wrap_up(uow, env, activity):
                continue
            await uow.commit()
            count += 1
    return count
