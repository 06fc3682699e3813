"""Scoring against the labelled Sisimai corpus (shared by the corpus test and the benchmark).

Label kinds are Sisimai's view; ours is finer. The mapping, one way (ours -> label):
- `delayed` counts as `soft_bounce`: Sisimai reports a delay DSN as a soft bounce (reason expired).
- label `other` (not a bounce, not automated) is matched by our `reply` or `unknown`.
- every other kind has the same name on both sides.

Recipient accuracy: the first recipient we report is in the label's `rcpt_accept` list (the failed
addresses plus the address originally written before an alias expansion), or both are empty.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_EQUIVALENT = {"delayed": "soft_bounce", "reply": "other", "unknown": "other"}


# Sisimai's reasons in our vocabulary, to compare reasons (information only: the label reasons
# are Sisimai's own boundaries, e.g. "filtered" against "userunknown").
SISIMAI_REASONS = {
    "userunknown": "user_unknown",
    "hostunknown": "host_unknown",
    "hasmoved": "has_moved",
    "notaccept": "not_accepted",
    "mailboxfull": "mailbox_full",
    "mesgtoobig": "message_too_large",
    "exceedlimit": "exceed_limit",
    "spamdetected": "rejected_as_spam",
    "virusdetected": "virus",
    "contenterror": "content_rejected",
    "notcompliantrfc": "content_rejected",
    "policyviolation": "policy",
    "blocked": "blocked",
    "badreputation": "blocked",
    "requireptr": "blocked",
    "authfailure": "auth_failure",
    "securityerror": "security",
    "failedstarttls": "security",
    "rejected": "sender_rejected",
    "filtered": "filtered",
    "suspend": "suspended",
    "norelaying": "relay_denied",
    "toomanyconn": "rate_limited",
    "speeding": "rate_limited",
    "expired": "expired",
    "networkerror": "network",
    "mailererror": "mailer_error",
    "systemerror": "system_error",
    "systemfull": "system_error",
    "onhold": "on_hold",
    "syntaxerror": "syntax_error",
    "undefined": "undefined",
    "vacation": "vacation",
    "feedback": "feedback",
    "delivered": "delivered",
}


def reason_ok(label: dict[str, object], ours: str) -> bool:
    """Our reason is Sisimai's in our vocabulary (a delay counts as Sisimai's "expired")."""
    want = SISIMAI_REASONS.get(str(label.get("reason", "")), "")
    return ours == want or (ours == "delayed" and want == "expired") or (not want and ours in ("", "reply"))


def label_kind(ours: str) -> str:
    """Our kind in the label vocabulary."""
    return _EQUIVALENT.get(ours, ours)


def load_labels(corpus: Path, groups: Iterable[str] = ("bsd", "not")) -> list[dict[str, object]]:
    wanted = set(groups)
    with open(corpus / "labels.jsonl", encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh if line.strip()]
    return [label for label in labels if label["group"] in wanted]


def kind_ok(label: dict[str, object], ours: str) -> bool:
    return label_kind(ours) == label["kind"]


def rcpt_ok(label: dict[str, object], ours: str) -> bool:
    accept = [str(a).lower() for a in label.get("rcpt_accept") or []]  # type: ignore[attr-defined]
    if not accept:
        return not ours
    return ours.lower() in accept


@dataclass
class Score:
    name: str
    total: int = 0
    kind_right: int = 0
    rcpt_right: int = 0
    seconds: float = 0.0  # the time `per_second` is computed from (CPU time in the bench)
    wall_seconds: float = 0.0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, label: dict[str, object], kind: str, rcpt: str) -> None:
        self.total += 1
        ok_kind = kind_ok(label, kind)
        ok_rcpt = rcpt_ok(label, rcpt)
        self.kind_right += ok_kind
        self.rcpt_right += ok_rcpt
        self.confusion[(str(label["kind"]), label_kind(kind))] += 1
        if not (ok_kind and ok_rcpt):
            self.misses.append(f"{label['file']}: want {label['kind']}/{label['rcpt']}, got {kind}/{rcpt}")

    @property
    def kind_accuracy(self) -> float:
        return self.kind_right / self.total if self.total else 0.0

    @property
    def rcpt_accuracy(self) -> float:
        return self.rcpt_right / self.total if self.total else 0.0

    @property
    def per_second(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0

    def confusion_table(self) -> str:
        kinds = sorted({k for pair in self.confusion for k in pair})
        width = max(len(k) for k in kinds) + 2 if kinds else 8
        lines = ["label \\ got".ljust(width) + "".join(k[:11].rjust(12) for k in kinds)]
        for want in kinds:
            row = "".join(str(self.confusion[(want, got)] or ".").rjust(12) for got in kinds)
            lines.append(want.ljust(width) + row)
        return "\n".join(lines)
