"""Staff and volunteers: /volunteers, approving, suspending and dismissing (by command or on the
application card), and /approval on|off."""

from __future__ import annotations

from bot import words
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    identify,
    reader_locale,
    resolve_target,
    staff_community_here,
)
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome
from bot.services.shared.switches import community_switch
from bot.services.volunteers.fields import (
    CARD,
    ECHO_LIMIT,
    profile_of,
)
from storage.models import Membership
from storage.uow import UnitOfWork

LIST_LIMIT = 50


async def list_volunteers(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/volunteers [skill] for staff."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    typed = inc.args[0] if inc.args else None
    skill = words.skill_named(typed, env.settings.volunteer_skills) if typed is not None else None
    if typed is not None and skill is None:
        raise Refused(
            "volunteers/skills_invalid",
            unknown=[typed[:ECHO_LIMIT]],
            skills=list(env.settings.volunteer_skills),
        )
    rows = [
        dict(profile_of(m), who=u.full_name)
        for m, u in await uow.memberships.volunteers(community.id)
        if skill is None or skill in m.skills
    ]
    shown = messages.rows_that_fit(
        env,
        actor.locale,
        "volunteers/list",
        "volunteers",
        rows[:LIST_LIMIT],
        community=community.name,
        skill=skill,
    )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "volunteers/list",
        community=community.name,
        skill=skill,
        volunteers=rows[:shown],
        more=len(rows) - shown,
    )


STATUS_CHANGES = {
    "approve": ({"pending", "suspended"}, "active"),
    "reject": ({"pending"}, "none"),
    "suspend": ({"active", "pending"}, "suspended"),
    "dismiss": ({"active", "pending", "suspended"}, "none"),
}


async def _change_status(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, m: Membership, action: str
) -> None:
    allowed_from, to = STATUS_CHANGES[action]
    community = await uow.communities.get(m.community_id)
    user = await uow.users.get(m.user_id)
    assert community is not None and user is not None
    if not actor.is_staff_of(community.id, await uow.memberships.find(actor.user.id, community.id)):
        raise Refused("common/staff_only")
    # Conditional: two staff pressing approve and reject at once cannot both succeed.
    if not await uow.memberships.set_volunteer_status(m.id, allowed_from, to):
        await uow.session.refresh(m)
        raise Refused(
            "volunteers/status_wrong", who=m.display_name or user.full_name, status=m.volunteer_status
        )
    await messages.refresh_card(uow, f"u{inc.update_id}:vcard", CARD, m.id)
    await messages.tell(
        uow,
        env,
        f"u{inc.update_id}:vstatus",
        user,
        "volunteers/status_changed",
        action=action,
        community=community.name,
    )


async def change_status(uow: UnitOfWork, env: Env, inc: Incoming, action: str) -> None:
    """/approve, /suspend, /dismiss <person>."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    target = await resolve_target(uow, inc)
    m = await uow.memberships.find(target.id, community.id)
    if m is None or m.volunteer_status == "none":
        raise Refused("volunteers/not_a_volunteer", who=target.full_name)
    await _change_status(uow, env, inc, actor, m, action)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "volunteers/status_done",
        action=action,
        who=m.display_name or target.full_name,
    )


async def card_decision(uow: UnitOfWork, env: Env, inc: Incoming, action: str, membership_id: int) -> Outcome:
    """Approve / reject buttons on the application card."""
    actor = await identify(uow, env, inc)
    m = await uow.memberships.get(membership_id)
    if m is None:
        raise Refused("common/button_expired")
    await _change_status(uow, env, inc, actor, m, action)
    return Outcome(toast=env.renderer.label(reader_locale(env, actor), f"{action}_toast"))


async def approval_setting(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/approval on|off: whether new volunteers wait for staff approval."""
    await community_switch(uow, env, inc, "volunteer_approval", "volunteers/approval")
