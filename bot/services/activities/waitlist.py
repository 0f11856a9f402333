"""The waitlist: when a place frees before the start, the first in press order takes it and is told."""

from __future__ import annotations

from bot.services.activities.access import facts
from bot.services.shared import messages
from bot.services.shared.env import Env
from storage.models import Activity, Community
from storage.uow import UnitOfWork


async def fill_places(uow: UnitOfWork, env: Env, activity: Activity, community: Community) -> int:
    """Promote from the waitlist while places are free; returns how many were promoted. Both the
    place (`joined < capacity`) and the sign-up (`status = 'waitlisted'`) are taken conditionally,
    so two places freed at once never promote one person twice or one place to two people."""
    if activity.status != "open" or uow.clock() >= activity.starts_at:
        return 0
    promoted = 0
    while True:
        queue = await uow.activities.waitlist(activity.id, limit=1)
        if not queue:
            return promoted
        signup = queue[0]
        if not await uow.activities.take_place(activity.id):
            return promoted
        if not await uow.activities.move_signup(signup.id, "joined", from_=("waitlisted",)):
            await uow.activities.give_back_place(activity.id)  # they left meanwhile: next one
            continue
        promoted += 1
        user = await uow.users.get(signup.user_id)
        assert user is not None
        groups = await uow.activities.group_chats(activity.id)
        fallback = signup.chat_id or (groups[0] if groups else None)
        await messages.tell(
            uow,
            env,
            f"act:{activity.id}:promoted:{signup.id}:{signup.press}",
            user,
            "activities/promoted",
            fallback_chat_id=fallback,
            fallback_locale=community.locale,
            **facts(activity, community),
        )
