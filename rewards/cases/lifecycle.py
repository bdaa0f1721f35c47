"""The life of a case as an explicit machine: which step may follow which, and who takes
it. The six steps of the seeds' closed loop (采集上报、核实立案、指挥派遣、处理反馈、核查结案、
考核评价) are report, verify, dispatch, resolve, close and rate; a case can also be
rejected (invalid, a duplicate, or later found false), escalated up the ladder, reopened
when its reporter disputes the fix, or withdrawn by its reporter before anyone acted.

The service asks `step(status, action)` before it changes anything; a step that is not in
the table is refused, whoever asks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from rewards.cases.errors import StepNotAllowed
from rewards.staff.permissions import Action


class Status(enum.StrEnum):
    DRAFT = "draft"  # the resident is still telling it
    REPORTED = "reported"
    VERIFIED = "verified"  # acknowledged: a real problem, and someone's job now
    DISPATCHED = "dispatched"  # with a handler, or escalated up the ladder
    HANDLED = "handled"  # fixed, with a proof photo, waiting for the check
    CLOSED = "closed"
    RATED = "rated"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Step(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    VERIFY = "verify"
    REJECT = "reject"
    DISPATCH = "dispatch"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    RATE = "rate"
    FOUND_FALSE = "found_false"


# The ladder a case climbs: 小事不出网格、大事不出社区、难事不出街道, and then a department.
LADDER = ("grid", "community", "street", "department")

S = Status
OPEN = (S.VERIFIED, S.DISPATCHED)
_TABLE: dict[Step, tuple[tuple[Status, ...], Status]] = {
    Step.SUBMIT: ((S.DRAFT,), S.REPORTED),
    Step.WITHDRAW: ((S.DRAFT, S.REPORTED), S.WITHDRAWN),
    Step.VERIFY: ((S.REPORTED,), S.VERIFIED),
    Step.REJECT: ((S.REPORTED, S.VERIFIED), S.REJECTED),
    Step.DISPATCH: (OPEN, S.DISPATCHED),
    Step.ESCALATE: ((S.REPORTED, *OPEN), S.DISPATCHED),
    Step.RESOLVE: (OPEN, S.HANDLED),
    Step.CLOSE: ((S.HANDLED,), S.CLOSED),
    # Also after rating: the week-later "still fixed?" may find it broken again.
    Step.REOPEN: ((S.HANDLED, S.CLOSED, S.RATED), S.DISPATCHED),
    Step.RATE: ((S.CLOSED,), S.RATED),
    Step.FOUND_FALSE: ((*OPEN, S.HANDLED, S.CLOSED, S.RATED), S.REJECTED),
}

# What staff need for each step, checked at the unit the case is at. The reporter's own
# steps (submit, withdraw, reopen, rate) need no staff right: the service checks that
# the person is the reporter.
STAFF_NEEDS: dict[Step, Action] = {
    Step.VERIFY: Action.HANDLE_CASES,
    Step.REJECT: Action.HANDLE_CASES,
    Step.DISPATCH: Action.HANDLE_CASES,
    Step.ESCALATE: Action.ESCALATE_CASES,
    Step.RESOLVE: Action.HANDLE_CASES,
    Step.CLOSE: Action.TRIAGE_REPORTS,
    Step.FOUND_FALSE: Action.TRIAGE_REPORTS,
}
REPORTERS_STEPS = frozenset({Step.SUBMIT, Step.WITHDRAW, Step.REOPEN, Step.RATE})


@dataclass(frozen=True)
class Move:
    step: Step
    before: Status
    after: Status


def step(status: str, action: Step) -> Move:
    """The move `action` makes from `status`. Raises case_step_not_allowed."""
    sources, target = _TABLE[action]
    current = Status(status)
    if current not in sources:
        raise StepNotAllowed(step=action.value, status=current.value)
    return Move(action, current, target)


def allowed_steps(status: str) -> list[Step]:
    """The steps a case in `status` may take next (the buttons to draw)."""
    current = Status(status)
    return [action for action, (sources, _) in _TABLE.items() if current in sources]


def next_level(level: str) -> str | None:
    """One rung up the ladder, or None at the top."""
    index = LADDER.index(level)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None
