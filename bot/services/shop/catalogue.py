"""/shop: the catalogue of a community's points shop, in pages, with the reader's balance and what
they can afford; a reward's button (or /redeem <id>) shows what it costs and asks to confirm."""

from __future__ import annotations

from typing import Any

from bot import callbacks
from bot.incoming import Incoming
from bot.numbers import number_value
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    community_of_button,
    identify,
    member_communities,
    require_private,
)
from bot.services.shared.env import Env
from bot.services.shared.errors import NotMember, Refused
from bot.services.shared.messages import Button, Keyboard
from bot.services.shared.runner import Outcome
from bot.services.shop.access import balance_of, member_reward, month_start
from bot.services.shop.views import summary
from storage.models import Community, Reward
from storage.uow import UnitOfWork

PAGE = 6
LABEL_NAME = 24  # characters of a reward's name on its button

PAGE_ACTION = "sp"  # v1:sp:<community>:<page>
VIEW_ACTION = "sv"  # v1:sv:<reward>
CONFIRM_ACTION = "sy"  # v1:sy:<reward>:<the cost the person saw>


async def shop(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/shop [page]: the catalogue; for someone in several communities, a button for each."""
    actor = await identify(uow, env, inc)
    require_private(inc)
    communities = await member_communities(uow, actor)
    if not communities:
        raise NotMember("requests/join_first")
    if len(communities) > 1:
        buttons = [[Button(c.name, callbacks.encode(PAGE_ACTION, c.id, 1))] for c in communities]
        await messages.reply(uow, env, inc, actor.locale, "shop/choose_community", buttons=buttons)
        return
    page = number_value(inc.args[0]) if inc.args else None
    await _page(uow, env, inc, actor, communities[0], max(1, page or 1))


async def page_button(uow: UnitOfWork, env: Env, inc: Incoming, community_id: int, page: int) -> Outcome:
    actor = await identify(uow, env, inc)
    require_private(inc)
    community = await community_of_button(uow, actor, community_id)
    await _page(uow, env, inc, actor, community, max(1, page))
    return Outcome()


async def _page(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, community: Community, page: int
) -> None:
    found, total = await uow.rewards.page(community.id, (page - 1) * PAGE, PAGE)
    pages = max(1, -(-total // PAGE))
    balance = await balance_of(uow, community.id, actor.user.id)
    rows = []
    buttons: Keyboard = []
    for reward in found:
        row = await summary(uow, reward)
        row["affordable"] = balance >= reward.cost
        row["sold_out"] = row["left"] is not None and row["left"] <= 0
        rows.append(row)
        mark = "🎁" if row["affordable"] and not row["sold_out"] else "·"
        buttons.append(
            [
                Button(
                    f"{mark} {reward.name[:LABEL_NAME]} · {reward.cost}",
                    callbacks.encode(VIEW_ACTION, reward.id),
                )
            ]
        )
    nav = []
    if page > 1:
        nav.append(
            Button(
                env.renderer.label(actor.locale, "page_previous"),
                callbacks.encode(PAGE_ACTION, community.id, page - 1),
            )
        )
    if page < pages:
        nav.append(
            Button(
                env.renderer.label(actor.locale, "page_next"),
                callbacks.encode(PAGE_ACTION, community.id, page + 1),
            )
        )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "shop/catalogue",
        community=community.name,
        balance=balance,
        rewards=rows,
        page=min(page, pages),
        pages=pages,
        buttons=buttons + ([nav] if nav else []),
    )


async def can_redeem(uow: UnitOfWork, env: Env, actor: Actor, reward: Reward, community: Community) -> int:
    """Refuse (with the reason) what cannot be redeemed now; the person's balance otherwise. The
    redemption itself checks all of it again, conditionally, in its own transaction."""
    if not reward.active:
        raise Refused("shop/retired", name=reward.name)
    if reward.stock is not None and reward.stock - reward.reserved <= 0:
        raise Refused("shop/out_of_stock", name=reward.name)
    balance = await balance_of(uow, community.id, actor.user.id)
    if balance < reward.cost:
        raise Refused("shop/not_enough", name=reward.name, cost=reward.cost, balance=balance)
    if reward.monthly_limit is not None:
        used = await uow.redemptions.count_this_month(
            actor.user.id, reward.id, month_start(community, env.clock())
        )
        if used >= reward.monthly_limit:
            raise Refused("shop/over_limit", name=reward.name, limit=reward.monthly_limit)
    return balance


async def _ask_to_confirm(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, reward_id: int) -> None:
    reward, community = await member_reward(uow, actor, reward_id)
    balance = await can_redeem(uow, env, actor, reward, community)
    shown: dict[str, Any] = await summary(uow, reward)
    buttons = [
        [
            Button(
                env.renderer.label(actor.locale, "shop_confirm"),
                callbacks.encode(CONFIRM_ACTION, reward.id, reward.cost),
            ),
            Button(
                env.renderer.label(actor.locale, "cancel"), callbacks.encode(PAGE_ACTION, community.id, 1)
            ),
        ]
    ]
    if reward.photo_file_id:
        await messages.send_media(
            uow, f"u{inc.update_id}:photo", inc.chat.chat_id, "photo", reward.photo_file_id
        )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "shop/confirm_ask",
        reward=shown,
        balance=balance,
        after=balance - reward.cost,
        buttons=buttons,
        seq=1,
    )


async def view_button(uow: UnitOfWork, env: Env, inc: Incoming, reward_id: int) -> Outcome:
    """A reward's button under /shop: its summary and the confirm step."""
    actor = await identify(uow, env, inc)
    require_private(inc)
    await _ask_to_confirm(uow, env, inc, actor, reward_id)
    return Outcome()


async def redeem_command(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/redeem <id>: the same confirm step as a reward's button."""
    actor = await identify(uow, env, inc)
    require_private(inc)
    reward_id = number_value(inc.args[0]) if inc.args else None
    if reward_id is None:
        raise Refused("shop/redeem_usage")
    await _ask_to_confirm(uow, env, inc, actor, reward_id)
