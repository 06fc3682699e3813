"""The dispatch state machine, in one place. Pure Python: no Django import.

A dispatch is one delivery of one document to one recipient through one channel. Its state is the
furthest thing we have evidence for. A re-send is a *new* dispatch (its own Message-ID and VERP
token), so that every piece of evidence stays tied to the message it is about.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum


class State(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its send time (or for a retry after a 4xx)
    SENDING = "sending"  # claimed by a worker, SMTP transaction under way
    ACCEPTED = "accepted"  # the relay said 250 to the message
    DELIVERED = "delivered"  # a success DSN came back
    DELAYED = "delayed"  # a delay DSN came back; the relay still tries
    BOUNCED_SOFT = "bounced_soft"  # failed for a reason that may pass (mailbox full, policy, ...)
    BOUNCED_HARD = "bounced_hard"  # the address itself is invalid
    AUTO_REPLIED = "auto_replied"  # an out-of-office came back: the mailbox exists
    COMPLAINED = "complained"  # the recipient reported it as spam
    READ = "read"  # a read receipt came back
    REPLIED = "replied"  # a person answered
    FAILED = "failed"  # we gave up sending (retries exhausted, or a person decided)
    CANCELLED = "cancelled"  # withdrawn before it was sent
    UNCERTAIN = "uncertain"  # cut off mid-send: a person must decide (never re-sent blindly)


S = State

# States reachable once the relay has the message: evidence may arrive in any order (an
# out-of-office before the success DSN, a late bounce after a relay's "delivered"), so these
# move freely among themselves except back to "accepted".
_AFTER_ACCEPT = {
    S.DELIVERED,
    S.DELAYED,
    S.BOUNCED_SOFT,
    S.BOUNCED_HARD,
    S.AUTO_REPLIED,
    S.COMPLAINED,
    S.READ,
    S.REPLIED,
}

TRANSITIONS: dict[State, frozenset[State]] = {
    S.SCHEDULED: frozenset({S.SCHEDULED, S.SENDING, S.CANCELLED}),
    # From sending: 250 -> accepted; 4xx/connection error -> scheduled again (retry) or failed when
    # retries are exhausted; 5xx at RCPT/DATA -> bounced_hard; lease expired -> uncertain.
    S.SENDING: frozenset({S.ACCEPTED, S.SCHEDULED, S.FAILED, S.BOUNCED_HARD, S.UNCERTAIN}),
    S.ACCEPTED: frozenset(_AFTER_ACCEPT),
    S.DELAYED: frozenset(_AFTER_ACCEPT),
    S.DELIVERED: frozenset(_AFTER_ACCEPT - {S.DELIVERED, S.DELAYED}),
    S.AUTO_REPLIED: frozenset({S.DELIVERED, S.READ, S.REPLIED, S.COMPLAINED, S.AUTO_REPLIED}),
    S.READ: frozenset({S.REPLIED, S.COMPLAINED}),
    S.REPLIED: frozenset({S.READ, S.COMPLAINED, S.REPLIED}),
    S.COMPLAINED: frozenset(),
    # A soft bounce may be followed by a late success (the relay retried): accept the evidence.
    S.BOUNCED_SOFT: frozenset({S.DELIVERED, S.BOUNCED_HARD}),
    # An invalid address can still answer (a person replies from it after all).
    S.BOUNCED_HARD: frozenset({S.REPLIED}),
    # A person decides: it went out ("mark sent" -> accepted) or it did not (failed; a new
    # dispatch is then created for the resend).
    S.UNCERTAIN: frozenset({S.ACCEPTED, S.FAILED}),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# States in which nothing more is expected from the worker.
TERMINAL = frozenset({S.FAILED, S.CANCELLED, S.COMPLAINED})
# States a person can still cancel or reschedule.
PENDING = frozenset({S.SCHEDULED})
# States in which the message left our hands.
SENT = frozenset(_AFTER_ACCEPT | {S.ACCEPTED})


class IllegalTransition(ValueError):
    """A state change the machine does not allow (a bug, or evidence that contradicts the record)."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"illegal dispatch transition {current} -> {target}")
        self.current = current
        self.target = target


def can_transition(current: str, target: str) -> bool:
    return State(target) in TRANSITIONS[State(current)]


def check_transition(current: str, target: str) -> State:
    """Return the target state, or raise IllegalTransition."""
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
    return State(target)


# --- Invoice roll-up ---------------------------------------------------------------------------

# When dispatches of one invoice disagree, the invoice shows the state that most needs attention
# first; the detail string says the rest.
_ATTENTION_ORDER = [
    S.UNCERTAIN,
    S.BOUNCED_HARD,
    S.COMPLAINED,
    S.FAILED,
    S.BOUNCED_SOFT,
    S.DELAYED,
    S.SENDING,
    S.SCHEDULED,
    S.ACCEPTED,
    S.AUTO_REPLIED,
    S.DELIVERED,
    S.READ,
    S.REPLIED,
    S.CANCELLED,
]


def rollup(states: Iterable[str]) -> tuple[str, str]:
    """Roll the states of an invoice's current dispatches into (status, detail).

    One state shared by all: that state, no detail. Several: "partial" with a detail such as
    "delivered 1, bounced_hard 1". No dispatch: "new". Cancelled dispatches count only when
    nothing else is there.
    """
    counts = Counter(State(s) for s in states)
    if not counts:
        return "new", ""
    live = {s: n for s, n in counts.items() if s is not S.CANCELLED} or dict(counts)
    if len(live) == 1:
        return next(iter(live)).value, ""
    ordered = sorted(live, key=_ATTENTION_ORDER.index)
    detail = ", ".join(f"{s.value} {live[s]}" for s in ordered)
    return "partial", detail
