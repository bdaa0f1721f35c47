"""The case machine on its own: every step from every state, against the table the
product describes (six steps of the closed loop, plus reject, escalate, reopen, withdraw
and found-false), written out here independently of the code's own table."""

from __future__ import annotations

import pytest

from rewards.cases.errors import StepNotAllowed
from rewards.cases.lifecycle import LADDER, Status, Step, allowed_steps, next_level, step

pytestmark = pytest.mark.no_database

S = Status
EXPECTED = {
    (S.DRAFT, Step.SUBMIT): S.REPORTED,
    (S.DRAFT, Step.WITHDRAW): S.WITHDRAWN,
    (S.REPORTED, Step.WITHDRAW): S.WITHDRAWN,
    (S.REPORTED, Step.VERIFY): S.VERIFIED,
    (S.REPORTED, Step.REJECT): S.REJECTED,
    (S.REPORTED, Step.ESCALATE): S.DISPATCHED,
    (S.VERIFIED, Step.REJECT): S.REJECTED,
    (S.VERIFIED, Step.DISPATCH): S.DISPATCHED,
    (S.VERIFIED, Step.ESCALATE): S.DISPATCHED,
    (S.VERIFIED, Step.RESOLVE): S.HANDLED,
    (S.VERIFIED, Step.FOUND_FALSE): S.REJECTED,
    (S.DISPATCHED, Step.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, Step.ESCALATE): S.DISPATCHED,
    (S.DISPATCHED, Step.RESOLVE): S.HANDLED,
    (S.DISPATCHED, Step.FOUND_FALSE): S.REJECTED,
    (S.HANDLED, Step.CLOSE): S.CLOSED,
    (S.HANDLED, Step.REOPEN): S.DISPATCHED,
    (S.HANDLED, Step.FOUND_FALSE): S.REJECTED,
    (S.CLOSED, Step.REOPEN): S.DISPATCHED,
    (S.RATED, Step.REOPEN): S.DISPATCHED,
    (S.CLOSED, Step.RATE): S.RATED,
    (S.CLOSED, Step.FOUND_FALSE): S.REJECTED,
    (S.RATED, Step.FOUND_FALSE): S.REJECTED,
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Step))
def test_every_step_from_every_state_is_allowed_or_refused_as_described(
    status: Status, action: Step
) -> None:
    target = EXPECTED.get((status, action))
    if target is None:
        with pytest.raises(StepNotAllowed) as refused:
            step(status.value, action)
        assert refused.value.params == {"step": action.value, "status": status.value}
    else:
        move = step(status.value, action)
        assert (move.step, move.before, move.after) == (action, status, target)


@pytest.mark.parametrize("status", list(Status))
def test_the_buttons_of_a_state_are_its_allowed_steps(status: Status) -> None:
    expected = {action for (source, action) in EXPECTED if source is status}
    assert set(allowed_steps(status.value)) == expected


def test_the_ends_allow_nothing_and_a_rated_case_only_reopening_or_found_false() -> None:
    assert allowed_steps("rejected") == []
    assert allowed_steps("withdrawn") == []
    assert allowed_steps("rated") == [Step.REOPEN, Step.FOUND_FALSE]


def test_the_ladder_goes_grid_community_street_department_and_stops() -> None:
    assert LADDER == ("grid", "community", "street", "department")
    assert [next_level(level) for level in LADDER] == ["community", "street", "department", None]
