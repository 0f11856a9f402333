"""/award and /deduct: staff change a person's points by hand, with a reason.

Each is a `PointAward` row (who, how much, why, who did it) and one ledger entry pointing at it, in
the community of the group or the one the staff member runs. A deduction never takes a balance
below zero. An award over `award_confirm_over` waits for a second staff member: a card with
confirm / reject buttons goes to the staff group (`/award 确认 12` works too); nobody confirms
their own, a double press confirms once, and an award nobody decides expires after
`award_pending_hours`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot import callbacks, words
from bot.incoming import Incoming
from bot.numbers import number_value
from bot.opening import fold
from bot.outbox.cards import RenderedCard
from bot.services.shared import messages
from bot.services.shared.actors import (
    Actor,
    identify,
    reader_locale,
    resolve_target,
    staff_community_here,
    user_locale,
)
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome
from storage.models import Community, PointAward, User
from storage.uow import UnitOfWork

CARD = "point_award"
AMOUNT_MAX = 10_000  # more than anyone earns in years of requests: a slip of the keyboard
REASON_LIMIT = 200
PRIVATE_CARDS = 10  # with no staff group bound, at most this many staff get the card privately
# How a ledger entry made by hand is marked (PointEntry.kind; reason "award", ref_id the award).
AWARD, DEDUCT = "award", "deduct"


def parse_amount(text: str) -> tuple[int | None, str]:
    """The amount a command's arguments begin with (20, ２０, 二十, 20分) and the reason after it.

    None when they do not begin with a whole number; a negative number reads as -1 (refused as
    not positive, never taken as the other command)."""
    parts = text.split(maxsplit=1)
    if not parts:
        return None, ""
    word, rest = parts[0], parts[1] if len(parts) > 1 else ""
    folded = fold(word)
    for unit in sorted(words.words_of("points_units"), key=len, reverse=True):
        if folded.lower().endswith(unit.lower()) and len(folded) > len(unit):
            folded = folded[: -len(unit)]
            break
    negative = folded.startswith(("-", "−"))
    value = number_value(folded.lstrip("+-−"))
    if value is None:
        return None, text.strip()
    unit, _, after = rest.partition(" ")  # 20 分 清理楼道
    if unit and words.is_word("points_units", fold(unit)):
        rest = after
    return (-1 if negative else value), rest.strip()


def _name(user: User, display_name: str | None = None) -> str:
    return display_name or user.full_name or "?"


async def change(uow: UnitOfWork, env: Env, inc: Incoming, sign: int) -> None:
    """/award <person> <amount> <reason> (sign +1) and /deduct … (sign -1); also by replying to
    the person's message, or `/award 确认|驳回 <number>` for a waiting award."""
    actor = await identify(uow, env, inc)
    if sign > 0 and inc.args and words.lookup("award_decisions", inc.args[0]) is not None:
        await _decide_by_command(uow, env, inc, actor)
        return
    command = AWARD if sign > 0 else DEDUCT
    community = await staff_community_here(uow, actor)
    target = await resolve_target(uow, inc)
    amount, reason = parse_amount(inc.text)
    if amount is None:
        raise Refused("points/award_usage", command=command)
    if amount <= 0 or amount > AMOUNT_MAX:
        raise Refused("points/award_amount", command=command, most=AMOUNT_MAX)
    if not reason:
        raise Refused("points/award_no_reason", command=command)
    if len(reason) > REASON_LIMIT:
        raise Refused("points/award_reason_too_long", most=REASON_LIMIT)
    membership = await uow.memberships.find(target.id, community.id)
    if membership is None:
        raise Refused("points/award_not_member", who=target.full_name, community=community.name)
    if target.id == actor.user.id:
        raise Refused("points/award_self")
    who = _name(target, membership.display_name)
    pending = sign > 0 and amount > env.settings.award_confirm_over
    award = await uow.points.add_award(
        PointAward(
            key=f"u{inc.update_id}",
            community_id=community.id,
            user_id=target.id,
            amount=sign * amount,
            reason=reason,
            actor_id=actor.user.id,
            status="pending" if pending else "posted",
            chat_id=inc.chat.chat_id if inc.chat.is_group else None,
        )
    )
    if pending:
        if not await _post_cards(uow, env, community, award, actor):
            raise Refused("points/award_no_second", most=env.settings.award_confirm_over)
        await messages.reply(
            uow, env, inc, actor.locale, "points/award_waiting", n=award.id, who=who, amount=amount
        )
        return
    balance = await post_award(uow, award, actor.user.id)
    if balance is None:
        account = await uow.points.find_account(community.id, target.id)
        raise Refused(
            "points/deduct_too_much", who=who, amount=amount, balance=account.balance if account else 0
        )
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "points/award_done",
        command=command,
        who=who,
        amount=amount,
        reason=reason,
        balance=balance,
    )
    await _tell(uow, env, f"u{inc.update_id}:award", award, target, community, balance)


async def post_award(uow: UnitOfWork, award: PointAward, actor_id: int) -> int | None:
    """The award's ledger entry; the balance after it, or None if a deduction is not covered."""
    account = await uow.points.open_account(award.community_id, award.user_id)
    posted = await uow.points.post(
        account,
        award.amount,
        kind=AWARD if award.amount > 0 else DEDUCT,
        reason="award",
        key=f"award:{award.id}",
        ref_id=award.id,
        actor_id=actor_id,
    )
    return account.balance if posted else None


async def _tell(
    uow: UnitOfWork,
    env: Env,
    key: str,
    award: PointAward,
    target: User,
    community: Community,
    balance: int,
) -> None:
    """The person hears of it privately, or by a mention in the group it was done in."""
    await messages.tell(
        uow,
        env,
        key,
        target,
        "points/told_award",
        fallback_chat_id=award.chat_id,
        fallback_locale=community.locale,
        command=AWARD if award.amount > 0 else DEDUCT,
        amount=abs(award.amount),
        reason=award.reason,
        community=community.name,
        balance=balance,
    )


async def _post_cards(
    uow: UnitOfWork, env: Env, community: Community, award: PointAward, actor: Actor
) -> bool:
    """The confirmation card to the staff groups; with none bound, privately to the other staff
    who can be written to. False when nobody else could confirm it."""
    staff_chats = await uow.chats.of_community(community.id, "staff")
    for chat in staff_chats:
        await messages.post_card(
            uow, f"award:{award.id}:card:{chat.telegram_id}", chat.telegram_id, CARD, award.id
        )
    if staff_chats:
        return True
    people = [user for _, user in await uow.memberships.with_role(community.id, "staff")]
    for telegram_id in sorted(env.settings.admin_ids):  # super-admins run every community
        admin = await uow.users.find_by_telegram_id(telegram_id)
        if admin is not None and admin not in people:
            people.append(admin)
    others = [user for user in people if user.id != actor.user.id and user.reachable]
    for user in others[:PRIVATE_CARDS]:
        await messages.post_card(
            uow, f"award:{award.id}:card:u{user.id}", user.telegram_id, CARD, award.id, recipient=user
        )
    return bool(others)


async def _decide_by_command(uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor) -> None:
    decision = words.lookup("award_decisions", inc.args[0])
    number = number_value(inc.args[1].lstrip("#＃")) if len(inc.args) > 1 else None
    if decision is None or number is None:
        raise Refused("points/award_decide_usage")
    award = await uow.points.get_award(number)
    if award is None or not actor.is_staff_of(
        award.community_id, await uow.memberships.find(actor.user.id, award.community_id)
    ):
        raise Refused("points/award_unknown", n=number)
    await _decide(uow, env, inc, actor, award, decision)
    await messages.reply(
        uow, env, inc, actor.locale, "points/award_decided_now", decision=decision, n=award.id
    )


async def decide_button(uow: UnitOfWork, env: Env, inc: Incoming, decision: str, award_id: int) -> Outcome:
    """✅ / ❌ on the confirmation card; every press is checked again here."""
    actor = await identify(uow, env, inc)
    award = await uow.points.get_award(award_id)
    if award is None:
        raise Refused("common/button_expired")
    await _decide(uow, env, inc, actor, award, decision)
    return Outcome(toast=env.renderer.label(reader_locale(env, actor), f"award_{decision}_toast"))


async def _decide(
    uow: UnitOfWork, env: Env, inc: Incoming, actor: Actor, award: PointAward, decision: str
) -> None:
    if not actor.is_staff_of(
        award.community_id, await uow.memberships.find(actor.user.id, award.community_id)
    ):
        raise Refused("common/staff_only")
    if award.status != "pending":
        raise Refused("points/award_already", n=award.id, status=award.status)
    if decision == "confirm" and award.actor_id == actor.user.id:
        raise Refused("points/award_own")
    to = "confirmed" if decision == "confirm" else "rejected"
    if not await uow.points.decide_award(award.id, to, actor.user.id):  # decided meanwhile
        await uow.session.refresh(award)
        raise Refused("points/award_already", n=award.id, status=award.status)
    await uow.session.refresh(award)
    community = await uow.communities.get(award.community_id)
    target = await uow.users.get(award.user_id)
    awarder = await uow.users.get(award.actor_id)
    assert community is not None and target is not None and awarder is not None
    await messages.refresh_card(uow, f"u{inc.update_id}:awardcard", CARD, award.id)
    if to == "confirmed":
        balance = await post_award(uow, award, award.actor_id)
        assert balance is not None  # an award is never a debit
        await _tell(uow, env, f"award:{award.id}:told", award, target, community, balance)
    if awarder.id != actor.user.id:
        await _tell_awarder(uow, env, award, awarder, target, actor.user.full_name)


async def _tell_awarder(
    uow: UnitOfWork, env: Env, award: PointAward, awarder: User, target: User, by: str
) -> None:
    """Whoever made a large award hears how it was decided (or that it expired)."""
    await messages.tell(
        uow,
        env,
        f"award:{award.id}:decided",
        awarder,
        "points/award_decided",
        n=award.id,
        status=award.status,
        who=target.full_name,
        amount=award.amount,
        by=by,
    )


async def expire_due(uow_factory: Callable[[], UnitOfWork], env: Env) -> int:
    """Awards nobody decided within `award_pending_hours` expire (the awarder is told); each in a
    transaction of its own. Returns how many expired."""
    hours = env.settings.award_pending_hours
    if hours <= 0:
        return 0
    async with uow_factory() as uow:
        due = [a.id for a in await uow.points.pending_awards_before(env.clock() - timedelta(hours=hours))]
    expired = 0
    for award_id in due:
        async with uow_factory() as uow:
            if not await uow.points.decide_award(award_id, "expired", None):
                continue
            award = await uow.points.get_award(award_id)
            assert award is not None
            await uow.session.refresh(award)
            awarder = await uow.users.get(award.actor_id)
            target = await uow.users.get(award.user_id)
            assert awarder is not None and target is not None
            await messages.refresh_card(uow, f"award:{award.id}:expired", CARD, award.id)
            await _tell_awarder(uow, env, award, awarder, target, "")
            await uow.commit()
            expired += 1
    return expired


def card_functions(env: Env) -> dict[str, Any]:
    async def award_card(uow: UnitOfWork, award_id: int, chat_id: int) -> RenderedCard | None:
        award = await uow.points.get_award(award_id)
        if award is None:
            return None
        community = await uow.communities.get(award.community_id)
        target = await uow.users.get(award.user_id)
        awarder = await uow.users.get(award.actor_id)
        assert community is not None and target is not None and awarder is not None
        decider = await uow.users.get(award.decided_by_id) if award.decided_by_id else None
        reader = await uow.users.find_by_telegram_id(chat_id) if chat_id > 0 else None
        locale = user_locale(env, reader) if reader is not None else community.locale
        buttons = None
        if award.status == "pending":
            buttons = [
                [
                    Button(env.renderer.label(locale, "award_confirm"), callbacks.encode("pac", award.id)),
                    Button(env.renderer.label(locale, "award_reject"), callbacks.encode("par", award.id)),
                ]
            ]
        text = await messages.render_for(
            uow,
            env,
            chat_id,
            locale,
            "points/award_card",
            n=award.id,
            who=target.full_name,
            amount=award.amount,
            reason=award.reason,
            by=awarder.full_name,
            status=award.status,
            decided_by=decider.full_name if decider is not None else "",
            community=community.name,
        )
        return RenderedCard(text, messages.keyboard_json(buttons))

    return {CARD: award_card}
