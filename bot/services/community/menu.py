"""What the bot can do, as buttons: under /start in private, and as the answer to a greeting or an
emoji there. Each button runs the service its command runs, which checks everything again, so a
copy pressed days later does what it says for the person as they are now."""

from __future__ import annotations

from bot import callbacks
from bot.incoming import Incoming
from bot.services.activities import views as activity_views
from bot.services.points import balance
from bot.services.requests import intake, views
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, member_communities, require_private, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button, Keyboard
from bot.services.shared.runner import Outcome
from bot.services.volunteers import profile, registration
from storage.models import User
from storage.uow import UnitOfWork

ACTION = "m"  # callback_data v1:m:<choice>
CHOICES = ("ask", "mine", "points", "vol", "act")


async def volunteering(uow: UnitOfWork, user: User) -> bool:
    return any(m.volunteer_status != "none" for m in await uow.memberships.of_user(user.id))


async def buttons(uow: UnitOfWork, env: Env, user: User) -> Keyboard:
    """Ask for help; my requests, my points; become a volunteer (or my volunteer profile), what is on."""
    locale = user_locale(env, user)
    label = env.renderer.label
    volunteer = "menu_profile" if await volunteering(uow, user) else "menu_volunteer"
    return [
        [Button(label(locale, "menu_ask"), callbacks.encode(ACTION, "ask"))],
        [
            Button(label(locale, "menu_mine"), callbacks.encode(ACTION, "mine")),
            Button(label(locale, "menu_points"), callbacks.encode(ACTION, "points")),
        ],
        [
            Button(label(locale, volunteer), callbacks.encode(ACTION, "vol")),
            Button(label(locale, "menu_activities"), callbacks.encode(ACTION, "act")),
        ],
    ]


async def show(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor) -> None:
    """The answer to small talk in private: what the bot can do, as buttons."""
    locale = user_locale(env, actor.user)
    communities = await member_communities(uow, actor)
    if not communities:
        await messages.reply(uow, env, inc, locale, "common/private_hint")
        return
    await messages.reply(
        uow,
        env,
        inc,
        locale,
        "community/menu",
        name=actor.user.first_name,
        buttons=await buttons(uow, env, actor.user),
    )


async def pressed(uow: UnitOfWork, env: Env, inc: Incoming, choice: str) -> Outcome:
    """A menu button: the same service as the command, for the person as they are now."""
    require_private(inc)
    if choice not in CHOICES:
        raise Refused("common/button_expired")
    actor = await identify(uow, env, inc)
    if choice == "ask":  # the guided request: the next message is the problem
        await intake.file_in_private(uow, env, inc, actor, "", ())
    elif choice == "mine":
        await views.mine(uow, env, inc)
    elif choice == "points":
        await balance.show(uow, env, inc)
    elif choice == "act":
        await activity_views.upcoming(uow, env, inc)
    elif await volunteering(uow, actor.user):
        await profile.profile(uow, env, inc)
    else:
        await registration.register(uow, env, inc)
    return Outcome()
