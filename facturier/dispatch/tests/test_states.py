from __future__ import annotations

import itertools

import pytest

from facturier.dispatch.states import (
    TRANSITIONS,
    IllegalTransition,
    State,
    can_transition,
    check_transition,
    rollup,
)

LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
ILLEGAL = [(a, b) for a, b in itertools.product(State, State) if b not in TRANSITIONS[a]]


def test_every_state_has_an_entry_in_the_table() -> None:
    assert set(TRANSITIONS) == set(State)


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_legal_transition_is_allowed(current: State, target: State) -> None:
    assert check_transition(current.value, target.value) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_transition_is_rejected(current: State, target: State) -> None:
    assert not can_transition(current, target)
    with pytest.raises(IllegalTransition) as err:
        check_transition(current.value, target.value)
    assert err.value.current == current and err.value.target == target


def test_sent_dispatch_is_never_sent_again_by_the_machine() -> None:
    # Once the relay has accepted a message, nothing leads back to scheduled or sending: a resend is
    # always a new dispatch. This is what makes "never a silent second e-mail" hold.
    for state in State:
        if state not in (State.SCHEDULED, State.SENDING):
            assert State.SENDING not in TRANSITIONS[state]
            assert State.SCHEDULED not in TRANSITIONS[state]


def test_uncertain_waits_for_a_person_and_is_never_retried() -> None:
    assert TRANSITIONS[State.UNCERTAIN] == {State.ACCEPTED, State.FAILED}


def test_cancelled_and_failed_are_terminal() -> None:
    assert not TRANSITIONS[State.CANCELLED]
    assert not TRANSITIONS[State.FAILED]


def test_rollup_of_one_state_is_that_state() -> None:
    assert rollup(["delivered", "delivered"]) == ("delivered", "")


def test_rollup_of_no_dispatch_is_new() -> None:
    assert rollup([]) == ("new", "")


def test_rollup_says_when_one_address_bounced_and_one_was_delivered() -> None:
    status, detail = rollup(["delivered", "bounced_hard"])
    assert status == "partial"
    assert detail == "bounced_hard 1, delivered 1"


def test_rollup_ignores_cancelled_dispatches_next_to_live_ones() -> None:
    assert rollup(["cancelled", "scheduled"]) == ("scheduled", "")
    assert rollup(["cancelled"]) == ("cancelled", "")
