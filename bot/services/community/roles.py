"""Staff powers over people: /grant and /revoke roles, /invite join links."""

from __future__ import annotations

import secrets

from bot import words
from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import ROLES, identify, join, resolve_target, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Invite
from storage.uow import UnitOfWork


def parse_role(word: str | None) -> str:
    role = words.lookup("roles", word or "")
    if role is None:
        raise Refused("community/roles_usage", roles=list(ROLES))
    return role


async def grant(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/grant <role> <person> [buildings]: staff give staff, grid worker (with buildings) or merchant."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    role = parse_role(inc.args[0] if inc.args else None)
    target = await resolve_target(uow, inc)
    membership = await join(uow, target, community.id, "staff")
    buildings = [a.strip("，,、")[:32] for a in inc.args[1:] if a.strip("，,、")]
    if role == "grid_worker":
        if not buildings and not membership.grid_buildings:
            raise Refused("community/roles_grid_needs_buildings")
        if buildings:
            membership.grid_buildings = list(dict.fromkeys([*membership.grid_buildings, *buildings]))
    if role not in membership.roles:
        membership.roles = [*membership.roles, role]
    role_name = env.renderer.label(community.locale, f"role_{role}")
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "community/roles_granted",
        who=target.full_name,
        role=role_name,
        community=community.name,
        buildings=list(membership.grid_buildings),
    )
    await messages.tell(
        uow,
        env,
        f"u{inc.update_id}:granted",
        target,
        "community/roles_granted_you",
        role_key=role,
        community=community.name,
        buildings=list(membership.grid_buildings),
    )


async def revoke(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/revoke <role> <person>. Super-admins (ADMIN_IDS) keep their powers whatever is revoked."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    role = parse_role(inc.args[0] if inc.args else None)
    target = await resolve_target(uow, inc)
    if env.is_super(target.telegram_id):
        raise Refused("community/roles_cannot_revoke_super")
    membership = await uow.memberships.find(target.id, community.id)
    if membership is None or role not in membership.roles:
        raise Refused(
            "community/roles_not_held",
            who=target.full_name,
            role=env.renderer.label(actor.locale, f"role_{role}"),
        )
    membership.roles = [r for r in membership.roles if r != role]
    if role == "grid_worker":
        membership.grid_buildings = []
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "community/roles_revoked",
        who=target.full_name,
        role=env.renderer.label(actor.locale, f"role_{role}"),
        community=community.name,
    )


async def invite(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/invite: a t.me deep link that makes whoever opens it a resident of this community."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    code = secrets.token_urlsafe(9)
    await uow.invites.add(Invite(code=code, community_id=community.id, created_by=actor.user.id))
    link = f"https://t.me/{env.bot_username}?start=join-{code}"
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "community/invite_link",
        community=community.name,
        link=messages.ours(link),
    )
