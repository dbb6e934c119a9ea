"""The batch state machine: every pair of states, legal or not (pure, no app)."""

import itertools

import pytest

from treem_app.domain.batch_states import (
    OPEN_STATES,
    BatchState,
    InvalidTransition,
    can_transition,
    transition,
)

LEGAL = {
    ("draft", "issued"),
    ("draft", "cancelled"),
    ("issued", "returned"),
    ("issued", "partly_returned"),
    ("issued", "cancelled"),
    ("partly_returned", "returned"),
    ("partly_returned", "closed"),  # the open rows go back to the work queue
    ("returned", "partly_returned"),  # a later sheet raised a conflict to decide
    ("returned", "closed"),
}
ALL = [s.value for s in BatchState]


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transitions(current, target):
    assert transition(current, target) == BatchState(target)
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    sorted(set(itertools.product(ALL, ALL)) - LEGAL)
    + [("draft", "sent"), ("lost", "draft"), ("", "issued")],
)
def test_illegal_transitions_are_refused(current, target):
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as exc:
        transition(current, target)
    assert "Không thể chuyển danh sách" in str(exc.value)


def test_messages_name_the_states_in_vietnamese():
    with pytest.raises(InvalidTransition, match="“Đã hủy” sang “Đã chuyển công an”"):
        transition("cancelled", "issued")


def test_open_states():
    assert OPEN_STATES == {"draft", "issued", "partly_returned", "returned"}
    assert "closed" not in OPEN_STATES and "cancelled" not in OPEN_STATES
