"""Adding a reward step by step: `/reward add` alone, in private, asks for each field in turn
(name, points, stock, merchant, monthly limit, description), then shows a summary to confirm.
Each answer is checked as the one-line form checks it; a wrong one is explained and asked again.
A bare /cancel (or the cancel button) leaves it, as any guided flow."""

from __future__ import annotations

from typing import Any

from bot import words
from bot.incoming import Incoming
from bot.services.shared import guided, messages
from bot.services.shared.actors import Actor, identify, staff_community_by_id
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.runner import Outcome
from bot.services.shop import fields
from bot.services.shop.views import staff_view
from storage.models import Community, Conversation, Reward
from storage.uow import UnitOfWork

FLOW = "reward"
STEPS = ("name", "cost", "stock", "merchant", "limit", "description")
CONFIRM_ACTION = "rwy"  # v1:rwy: add the reward the summary shows
CANCEL_ACTION = guided.CANCEL_ACTION


async def start(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community) -> None:
    await guided.start_flow(uow, env, inc, actor, community, FLOW, STEPS[0], "shop/flow_ask")


async def _community(uow: UnitOfWork, actor: Actor, data: dict[str, Any]) -> Community:
    """The community the flow adds to, if this person still runs it."""
    return await staff_community_by_id(uow, actor, int(data["community_id"]))


async def answer(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, conversation: Conversation) -> None:
    """The next answer of the flow (a private message)."""
    data = dict(conversation.data)
    community = await _community(uow, actor, data)
    step, text = conversation.step, inc.text.strip()
    if step == "name":
        data["name"] = fields.read_name(text)
    elif step == "cost":
        data["cost"] = fields.read_cost(text)
    elif step == "stock":
        data["stock"] = fields.read_stock(text)
    elif step == "merchant":
        merchant = await fields.read_merchant(uow, inc, community, text)
        data["merchant_id"] = merchant.id if merchant is not None else None
        data["merchant"] = merchant.full_name if merchant is not None else None
    elif step == "limit":
        data["limit"] = fields.read_limit(text)
    elif step == "description":
        data["description"] = "" if words.is_word("unlimited", text) else fields.read_description(text)
    following = await guided.advance(uow, actor, FLOW, STEPS, step, data)
    if following != guided.CONFIRM_STEP:
        await messages.reply(
            uow, env, inc, actor.locale, "shop/flow_ask", step=following, community=community.name
        )
        return
    buttons = guided.confirm_buttons(env, actor.locale, "shop_add", CONFIRM_ACTION)
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "shop/flow_summary",
        reward=data,
        community=community.name,
        buttons=buttons,
    )


async def confirm_button(uow: UnitOfWork, env: Env, inc: Incoming) -> Outcome:
    """✅ under the summary: the reward is added, once (the flow ends with it)."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    if conversation is None or conversation.flow != FLOW or conversation.step != guided.CONFIRM_STEP:
        raise Refused("common/button_expired")
    data = dict(conversation.data)
    community = await _community(uow, actor, data)
    item = await uow.rewards.add(
        Reward(
            community_id=community.id,
            name=data["name"],
            description=data["description"],
            cost=int(data["cost"]),
            stock=data["stock"],
            reserved=0,
            merchant_id=data["merchant_id"],
            monthly_limit=data["limit"],
            active=True,
        )
    )
    await uow.conversations.end(actor.user.id)
    shown = await staff_view(uow, env, actor.locale, item)
    await messages.reply(
        uow, env, inc, actor.locale, "shop/reward_saved", action="add", reward=shown, line=shown["line"]
    )
    return Outcome()
