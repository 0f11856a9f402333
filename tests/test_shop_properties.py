"""A property of the points shop: whatever order earning, redeeming (with double presses),
cancelling, expiring, fulfilling, staff awards and deductions, and the reopening of a request
(which takes back what it earned) come in, the database agrees with a simple model of it.

Checked after every step: every balance equals the sum of its entries (and the model's), stock
never goes below what is reserved, reserved equals the pending redemptions, and a redemption is
refunded exactly when it was cancelled or expired (so never both refunded and fulfilled)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.incoming import Incoming, Person, Where
from bot.render import Renderer
from bot.services.points import awards, ledger
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from bot.services.shop import fulfil, redeem, refund
from bot.services.shop.access import month_start
from storage.engine import make_engine, make_sessions
from storage.models import Base, Community, Membership, PointEntry, Redemption, Request, Reward, User
from tests.conftest import Clock, make_settings

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PEOPLE = 3
MERCHANT_TID = 900
STAFF_TID = 901
# (cost, stock, monthly limit) of the two rewards
REWARDS = ((30, 3, None), (20, None, 2))
DAYS = 30

person = st.integers(0, PEOPLE - 1)
step = st.one_of(
    st.tuples(st.just("earn"), person, st.integers(1, 60)),
    st.tuples(st.just("redeem"), person, st.integers(0, len(REWARDS) - 1), st.integers(1, 4)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
    st.tuples(st.just("fulfil"), st.integers(0, 7)),
    st.tuples(st.just("wait"), st.integers(1, 20)),  # days pass, then the sweep runs
    st.tuples(st.just("award"), person, st.integers(1, 100)),  # within what one staff member may give
    st.tuples(st.just("deduct"), person, st.integers(1, 80)),
    st.tuples(st.just("reopen"), st.integers(0, 7)),  # the request of the n-th earning is reopened
)


@dataclass
class Model:
    balances: list[int] = field(default_factory=lambda: [0] * PEOPLE)
    fulfilled: list[int] = field(default_factory=lambda: [0] * len(REWARDS))
    keys: set[str] = field(default_factory=set)
    earned: list[tuple[Request, int]] = field(default_factory=list)  # (request, person) per earning
    reopened: set[int] = field(default_factory=set)
    # (db id, person, reward, created_at, status)
    redemptions: list[list] = field(default_factory=list)

    def pending(self, reward: int) -> int:
        return sum(1 for r in self.redemptions if r[2] == reward and r[4] == "pending")

    def left(self, reward: int) -> int | None:
        stock = REWARDS[reward][1]
        return None if stock is None else stock - self.fulfilled[reward] - self.pending(reward)


class Shop:
    def __init__(self, deps: Deps, clock: Clock) -> None:
        self.deps, self.clock, self.update = deps, clock, 0

    def inc(
        self, telegram_id: int, text: str = "", *, message_id: int | None = None, naming: int | None = None
    ) -> Incoming:
        self.update += 1
        button = message_id is not None
        return Incoming(
            update_id=self.update,
            actor=Person(telegram_id, f"p{telegram_id}"),
            chat=Where(telegram_id, "private"),
            message_id=message_id,
            text=text,
            text_mentions=(Person(naming, f"居民{naming - 100}"),) if naming is not None else (),
            callback_id="cb" if button else None,
            kind="callback_query" if button else "message",
        )


async def _seed(deps: Deps) -> None:
    async with deps.uow() as uow:
        community = await uow.communities.add(
            Community(name="幸福里社区", timezone="Asia/Shanghai", locale="zh_CN")
        )
        merchant = await uow.users.add(User(telegram_id=MERCHANT_TID, first_name="商家", started=True))
        await uow.memberships.add(
            Membership(user_id=merchant.id, community_id=community.id, roles=["merchant"])
        )
        for n in range(PEOPLE):
            user = await uow.users.add(User(telegram_id=100 + n, first_name=f"居民{n}", started=True))
            await uow.memberships.add(Membership(user_id=user.id, community_id=community.id))
        staff = await uow.users.add(User(telegram_id=STAFF_TID, first_name="社工", started=True))
        await uow.memberships.add(Membership(user_id=staff.id, community_id=community.id, roles=["staff"]))
        for cost, stock, limit in REWARDS:
            await uow.rewards.add(
                Reward(community_id=community.id, name=f"奖品{cost}", cost=cost, stock=stock, reserved=0,
                       merchant_id=merchant.id, monthly_limit=limit)
            )  # fmt: skip
        await uow.commit()


async def _check(deps: Deps, model: Model) -> None:
    async with deps.uow() as uow:
        for n in range(PEOPLE):
            account = await uow.points.find_account(1, n + 2)  # users 2.. are the residents
            balance = account.balance if account is not None else 0
            total = await uow.points.sum_of_entries(account.id) if account is not None else 0
            assert balance == total == model.balances[n]  # below zero only after a reopen took back
        for index, (_, stock, _) in enumerate(REWARDS):
            reward = await uow.rewards.get(index + 1)
            assert reward is not None
            assert reward.reserved == model.pending(index) >= 0
            if stock is not None:
                assert reward.stock is not None and reward.stock == stock - model.fulfilled[index]
                left = model.left(index)
                assert left is not None and reward.stock - reward.reserved == left >= 0
        refunded = set(
            (
                await uow.session.execute(
                    select(PointEntry.ref_id).where(
                        PointEntry.reason == "redemption", PointEntry.kind == "reverse"
                    )
                )
            ).scalars()
        )
        for db_id, _, _, _, status in model.redemptions:
            found = await uow.session.get(Redemption, db_id)
            assert found is not None and found.status == status
            assert (db_id in refunded) == (status in ("cancelled", "expired"))


async def _play(steps: list[tuple]) -> Model:
    clock = Clock()
    engine = make_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    env = Env(settings=make_settings("sqlite+aiosqlite://", redemption_days=DAYS),
              renderer=Renderer("zh_CN", TEMPLATES), clock=clock)  # fmt: skip
    deps = Deps(sessions=make_sessions(engine), env=env)
    shop, model = Shop(deps, clock), Model()
    try:
        await _seed(deps)
        community = Community(name="x", timezone="Asia/Shanghai", locale="zh_CN")
        for number, (kind, *args) in enumerate(steps):
            if kind == "earn":  # a request the person did is confirmed: the ledger's own posting
                n, amount = args
                request = Request(
                    id=1000 + number, community_id=1, volunteer_id=n + 2, points=amount, round=1
                )
                async with deps.uow() as uow:
                    assert await ledger.award_for_request(uow, request, None)
                    await uow.commit()
                model.balances[n] += amount
                model.earned.append((request, n))
            elif kind == "reopen":  # that request is reopened: what it earned is taken back, once
                (index,) = args
                if index >= len(model.earned):
                    continue
                request, n = model.earned[index]
                async with deps.uow() as uow:
                    taken = await ledger.reverse_for_request(uow, request, None)
                    await uow.commit()
                assert taken == (0 if index in model.reopened else request.points)
                if index not in model.reopened:
                    model.reopened.add(index)
                    model.balances[n] -= request.points
            elif kind in ("award", "deduct"):  # staff by hand; a deduction never goes below zero
                n, amount = args
                sign = 1 if kind == "award" else -1
                await deps.run(awards.change, shop.inc(STAFF_TID, f"{amount} 手动调整", naming=100 + n), sign)
                if sign > 0 or model.balances[n] >= amount:
                    model.balances[n] += sign * amount
            elif kind == "redeem":
                n, r, message_id = args
                key = f"press:{n + 2}:{100 + n}:{message_id}"
                cost, _, limit = REWARDS[r]
                now = clock()
                this_month = sum(
                    1 for x in model.redemptions
                    if x[1] == n and x[2] == r and x[4] in ("pending", "fulfilled")
                    and x[3] >= month_start(community, now)
                )  # fmt: skip
                left = model.left(r)
                expected = (
                    key not in model.keys
                    and (left is None or left > 0)
                    and model.balances[n] >= cost
                    and (limit is None or this_month < limit)
                )
                await deps.run(redeem.confirm_button, shop.inc(100 + n, message_id=message_id), r + 1, cost)
                async with deps.uow() as uow:
                    made = await uow.redemptions.find_by_key(key)
                assert (made is not None and key not in model.keys) == expected, (kind, args)
                if expected:
                    assert made is not None
                    model.keys.add(key)
                    model.balances[n] -= cost
                    model.redemptions.append([made.id, n, r, now, "pending"])
            elif kind in ("cancel", "fulfil"):
                (index,) = args
                if index >= len(model.redemptions):
                    continue
                entry = model.redemptions[index]
                db_id, n, r, created, status = entry
                async with deps.uow() as uow:
                    found = await uow.session.get(Redemption, db_id)
                    assert found is not None
                    code = found.code
                if kind == "cancel":
                    await deps.run(refund.unredeem, shop.inc(100 + n, code.lower()))
                    if status == "pending":
                        entry[4] = "cancelled"
                        model.balances[n] += REWARDS[r][0]
                else:
                    await deps.run(fulfil.fulfil, shop.inc(MERCHANT_TID, f"{code[:4]} {code[4:]}"))
                    if status == "pending" and created + timedelta(days=DAYS) > clock():
                        entry[4] = "fulfilled"
                        model.fulfilled[r] += 1
            else:
                (days,) = args
                clock.advance(timedelta(days=days).total_seconds())
                await refund.expire_due(deps.uow, env)
                for entry in model.redemptions:
                    if entry[4] == "pending" and entry[3] + timedelta(days=DAYS) <= clock():
                        entry[4] = "expired"
                        model.balances[entry[1]] += REWARDS[entry[2]][0]
            await _check(deps, model)
        return model
    finally:
        await engine.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=25))
def test_the_shop_agrees_with_a_simple_model_whatever_the_order(steps: list[tuple]) -> None:
    asyncio.run(_play(steps))


def test_the_model_is_not_vacuous() -> None:
    """One fixed story through every kind of step, so the property is seen to do something."""
    model = asyncio.run(
        _play(
            [("earn", 0, 60), ("redeem", 0, 0, 1), ("redeem", 0, 0, 1), ("redeem", 0, 1, 2), ("fulfil", 0),
             ("cancel", 1), ("earn", 1, 50), ("redeem", 1, 0, 1), ("wait", 20), ("wait", 15), ("fulfil", 2),
             ("redeem", 2, 0, 1), ("cancel", 0), ("award", 2, 40), ("deduct", 2, 50), ("deduct", 1, 20),
             ("reopen", 1), ("reopen", 1), ("redeem", 1, 1, 3)]
        )
    )  # fmt: skip
    assert [r[4] for r in model.redemptions] == ["fulfilled", "cancelled", "expired"]
    # 居民2: +40 awarded, a deduction of 50 refused; 居民1: -20 deducted, then the reopen takes back
    # the 50 the request earned, once, below zero, and a redemption is refused for it.
    assert model.balances == [30, -20, 40] and model.fulfilled == [1, 0]
