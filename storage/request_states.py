"""A request's states and the steps between them: the one table storage and services both read.

    open ─claim─▶ claimed ─┐
      │  ◀─release─┘       ├─done─▶ done ─confirm─▶ confirmed ─rate─▶ rated ⟲ rerate
      └─assign─▶ assigned ─┘          └────────── reopen ──────────▶ open
    open / claimed / assigned ─cancel─▶ cancelled

`RequestRepository.transition(request, step)` turns a row from one of the step's `sources` to its
`target` with a conditional UPDATE, so two people taking the same step at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class RequestStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"  # a volunteer took it
    ASSIGNED = "assigned"  # staff or a grid worker handed it to a volunteer
    DONE = "done"  # the volunteer says it is done; waiting for the requester
    CONFIRMED = "confirmed"  # points awarded
    RATED = "rated"
    CANCELLED = "cancelled"


ACTIVE = frozenset({RequestStatus.OPEN, RequestStatus.CLAIMED, RequestStatus.ASSIGNED})  # someone must act
IN_HAND = frozenset({RequestStatus.CLAIMED, RequestStatus.ASSIGNED})  # a volunteer has it
FINISHED = frozenset({RequestStatus.CONFIRMED, RequestStatus.RATED})  # confirmed, points awarded
CLOSED = FINISHED | {RequestStatus.CANCELLED}  # nothing more will happen to it
DETAILS_CLOSED = frozenset({RequestStatus.RATED, RequestStatus.CANCELLED})  # no details can be added


class Step(StrEnum):
    CLAIM = "claim"
    ASSIGN = "assign"
    DECLINE = "decline"  # a volunteer declines an assignment
    RELEASE = "release"  # a volunteer gives back what they hold
    DONE = "done"
    CONFIRM = "confirm"
    REOPEN = "reopen"  # by the requester: not solved
    REOPEN_BY_STAFF = "reopen_by_staff"  # staff may also reopen a rated request
    CANCEL = "cancel"
    RATE = "rate"
    RERATE = "rerate"  # the requester changes a rating shortly after giving it


class Event(StrEnum):
    """What a request's history records (request_events.kind), one per step or detail."""

    FILED = "filed"
    FILED_FOR = "filed_for"  # by staff, for someone who phoned or walked in
    ADDED = "added"  # a detail or photos added later
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    DECLINED = "declined"
    RELEASED = "released"
    PROGRESS = "progress"
    DONE = "done"
    PROOF = "proof"  # a photo sent after done
    CONFIRMED = "confirmed"
    AUTO_CONFIRMED = "auto_confirmed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    RATED = "rated"
    RERATED = "rerated"  # the rating was changed
    CATEGORY = "category"  # corrected by staff
    BUILDING = "building"  # corrected by staff
    DANGER = "danger"  # a person in danger: emergency numbers given, staff alerted (note: the numbers)
    # Late by the 5341 promise (storage: Escalation): the staff groups got the card to dispatch; the
    # volunteer and the staff groups were told it is not done in time; the super-admins were told.
    ESCALATED_UNCLAIMED = "escalated_unclaimed"
    ESCALATED_LATE = "escalated_late"
    ESCALATED_SUPER = "escalated_super"


class Escalation(IntEnum):
    """How far a late request has been escalated in its round (requests.escalation_level)."""

    NONE = 0
    UNCLAIMED = 1  # nobody took it by respond_by: the staff group gets its card to dispatch
    LATE = 2  # not done by resolve_by: the volunteer holding it and the staff group are told
    SUPER = 3  # still not done `escalate_super_after` later: the super-admins are told


@dataclass(frozen=True)
class Transition:
    sources: frozenset[RequestStatus]
    target: RequestStatus


TRANSITIONS: dict[Step, Transition] = {
    Step.CLAIM: Transition(frozenset({RequestStatus.OPEN}), RequestStatus.CLAIMED),
    Step.ASSIGN: Transition(ACTIVE, RequestStatus.ASSIGNED),
    Step.DECLINE: Transition(frozenset({RequestStatus.ASSIGNED}), RequestStatus.OPEN),
    Step.RELEASE: Transition(IN_HAND, RequestStatus.OPEN),
    Step.DONE: Transition(IN_HAND, RequestStatus.DONE),
    Step.CONFIRM: Transition(frozenset({RequestStatus.DONE}), RequestStatus.CONFIRMED),
    Step.REOPEN: Transition(frozenset({RequestStatus.DONE, RequestStatus.CONFIRMED}), RequestStatus.OPEN),
    Step.REOPEN_BY_STAFF: Transition(frozenset({RequestStatus.DONE}) | FINISHED, RequestStatus.OPEN),
    Step.CANCEL: Transition(ACTIVE, RequestStatus.CANCELLED),
    Step.RATE: Transition(frozenset({RequestStatus.CONFIRMED}), RequestStatus.RATED),
    Step.RERATE: Transition(frozenset({RequestStatus.RATED}), RequestStatus.RATED),
}


def allows(step: Step, status: str) -> bool:
    """Whether a request in `status` may take `step` (before trying the conditional UPDATE)."""
    return status in TRANSITIONS[step].sources
