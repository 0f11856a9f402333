"""The points ledger (积分) for requests: earning when one is confirmed, reversing on reopen.

Every change is one entry in the append-only ledger with a unique idempotency key, so a repeated
confirm (a double press, a redelivered update, two instances) awards nothing twice.
"""

from __future__ import annotations

from storage.models import Request
from storage.uow import UnitOfWork


def earn_key(request: Request) -> str:
    return f"request:{request.id}:earn:{request.round}"


async def award_for_request(uow: UnitOfWork, request: Request, actor_id: int | None) -> bool:
    """The category's points to the volunteer of a confirmed request, once per round."""
    if request.volunteer_id is None or request.points <= 0:
        return False
    account = await uow.points.open_account(request.community_id, request.volunteer_id)
    return await uow.points.post(
        account,
        request.points,
        kind="earn",
        reason="request",
        key=earn_key(request),
        ref_id=request.id,
        actor_id=actor_id,
    )


async def reverse_for_request(uow: UnitOfWork, request: Request, actor_id: int | None) -> int:
    """Take back what a reopened request earned (a reversing entry; the earning stays on record).

    Returns the points reversed. The balance may go below zero if they were already spent.
    """
    if request.volunteer_id is None or not await uow.points.has_entry(earn_key(request)):
        return 0
    account = await uow.points.open_account(request.community_id, request.volunteer_id)
    posted = await uow.points.post(
        account,
        -request.points,
        kind="reverse",
        reason="request",
        key=f"request:{request.id}:reverse:{request.round}",
        ref_id=request.id,
        actor_id=actor_id,
        overdraw=True,
    )
    return request.points if posted else 0
