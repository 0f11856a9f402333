"""Publishing an activity step by step: `/newactivity` alone, in private, asks for each field in
turn (title, start, end, place, places, points, who may join, a sign-up deadline, the buildings whose
groups announce it, a description; a button for each closed choice),
then shows a summary to confirm. Each answer is checked as the one-line form checks it; a wrong
one is explained and asked again. A bare /cancel (or the cancel button) leaves it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import callbacks, words
from bot.incoming import Incoming
from bot.services.activities import fields
from bot.services.activities.access import local_time
from bot.services.activities.create import announce_groups, publish
from bot.services.shared import guided, messages
from bot.services.shared.actors import Actor, identify, staff_community_by_id
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from storage.models import Community, Conversation
from storage.uow import UnitOfWork

FLOW = "activity"
STEPS = (
    "title",
    "start",
    "end",
    "place",
    "capacity",
    "points",
    "audience",
    "deadline",
    "groups",
    "description",
)
AUDIENCE_ACTION = "afa"  # v1:afa:<0 everyone | 1 volunteers>
NO_DEADLINE_ACTION = "afd"  # v1:afd: sign-up stays open until the start
ALL_GROUPS_ACTION = "afg"  # v1:afg: announce in all of the community's groups
CONFIRM_ACTION = "afy"  # v1:afy: publish what the summary shows
CANCEL_ACTION = guided.CANCEL_ACTION


async def start(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community) -> None:
    await guided.start_flow(uow, env, inc, actor, community, FLOW, STEPS[0], "activities/flow_ask")


async def _community(uow: UnitOfWork, actor: Actor, data: dict[str, Any]) -> Community:
    """The community the flow adds to, if this person still runs it."""
    return await staff_community_by_id(uow, actor, int(data["community_id"]))


def _draft(data: dict[str, Any]) -> fields.Draft:
    return fields.Draft(
        title=data["title"],
        starts_at=datetime.fromisoformat(data["start"]),
        ends_at=datetime.fromisoformat(data["end"]),
        place=data["place"],
        capacity=data["capacity"],
        points=int(data["points"]),
        description=data.get("description", ""),
        audience=data.get("audience", "everyone"),
        signup_deadline=datetime.fromisoformat(data["deadline"]) if data.get("deadline") else None,
        buildings=list(data.get("buildings") or []),
    )


async def _ask(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community, step: str
) -> None:
    buttons = None
    if step == "audience":
        buttons = [
            [
                Button(
                    env.renderer.label(actor.locale, "act_everyone"), callbacks.encode(AUDIENCE_ACTION, 0)
                ),
                Button(
                    env.renderer.label(actor.locale, "act_volunteers"), callbacks.encode(AUDIENCE_ACTION, 1)
                ),
            ]
        ]
    elif step == "deadline":
        label = env.renderer.label(actor.locale, "act_no_deadline")
        buttons = [[Button(label, callbacks.encode(NO_DEADLINE_ACTION))]]
    elif step == "groups":
        label = env.renderer.label(actor.locale, "act_all_groups")
        buttons = [[Button(label, callbacks.encode(ALL_GROUPS_ACTION))]]
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "activities/flow_ask",
        step=step,
        community=community.name,
        buttons=buttons,
    )


async def _next(
    uow: UnitOfWork,
    env: Env,
    inc: Incoming,
    actor: Actor,
    community: Community,
    step: str,
    data: dict[str, Any],
) -> None:
    following = await guided.advance(uow, actor, FLOW, STEPS, step, data)
    if following != guided.CONFIRM_STEP:
        await _ask(uow, env, inc, actor, community, following)
        return
    draft = _draft(data)
    groups = await announce_groups(uow, community, draft.buildings)
    buttons = guided.confirm_buttons(env, actor.locale, "act_publish", CONFIRM_ACTION)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "activities/flow_summary",
        title=draft.title,
        starts=local_time(draft.starts_at, community),
        ends=local_time(draft.ends_at, community),
        place=draft.place,
        capacity=draft.capacity,
        points=draft.points,
        volunteers_only=draft.audience == "volunteers",
        deadline=local_time(draft.signup_deadline, community) if draft.signup_deadline else None,
        description=draft.description,
        groups=[g.title for g in groups],
        community=community.name,
        buttons=buttons,
    )


async def answer(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, conversation: Conversation) -> None:
    """The next typed answer of the flow (a private message)."""
    data = dict(conversation.data)
    community = await _community(uow, actor, data)
    step, text, now, tz = conversation.step, inc.text.strip(), uow.clock(), community.timezone
    if step == "title":
        data["title"] = fields.read_title(text)
    elif step == "start":
        starts_at = fields.read_moment(text, now=now, tz=tz)
        if starts_at <= now:
            raise Refused("activities/time_past")
        data["start"] = starts_at.isoformat()
    elif step == "end":
        starts_at = datetime.fromisoformat(data["start"])
        ends_at = fields.read_end(text, starts_at, now=now, tz=tz)
        fields.check_times(starts_at, ends_at, None, now)
        data["end"] = ends_at.isoformat()
    elif step == "place":
        data["place"] = fields.read_place(text)
    elif step == "capacity":
        data["capacity"] = fields.read_capacity(text)
    elif step == "points":
        data["points"] = fields.read_points(text)
    elif step == "audience":
        data["audience"] = fields.read_audience(text)
    elif step == "deadline":
        if not words.is_word("unlimited", text):
            deadline = fields.read_moment(text, now=now, tz=tz)
            start, end = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
            fields.check_times(start, end, deadline, now)
            data["deadline"] = deadline.isoformat()
    elif step == "groups":
        buildings = [] if words.is_word("unlimited", text) else fields.read_buildings(text)
        await announce_groups(uow, community, buildings)  # refused when no group has them
        data["buildings"] = buildings
    elif step == "description":
        data["description"] = fields.read_description(text)
    else:  # the summary waits for its button
        raise Refused("activities/flow_press_button")
    await _next(uow, env, inc, actor, community, step, data)


async def _choice(uow: UnitOfWork, env: Env, inc: Incoming, step: str, values: dict[str, Any]) -> Outcome:
    """A button of a closed choice: it answers the step it was offered for, if the flow is still there."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != step:
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    community = await _community(uow, actor, data)
    data.update(values)
    await _next(uow, env, inc, actor, community, step, data)
    return Outcome()


async def audience_button(uow: UnitOfWork, env: Env, inc: Incoming, volunteers: int) -> Outcome:
    return await _choice(uow, env, inc, "audience", {"audience": "volunteers" if volunteers else "everyone"})


async def no_deadline_button(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    return await _choice(uow, env, inc, "deadline", {"deadline": None})


async def all_groups_button(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    return await _choice(uow, env, inc, "groups", {"buildings": []})


async def confirm_button(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """发布 under the summary: the activity is published, once (the flow ends with it)."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != guided.CONFIRM_STEP:
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    community = await _community(uow, actor, data)
    await publish(uow, env, inc, actor, community, _draft(data))
    await uow.conversations.end(actor.user.id)
    return Outcome()
