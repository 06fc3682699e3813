"""Classify a returned e-mail: bounce (hard/soft/delayed), delivery report, auto-reply, complaint,
read receipt or human reply. Pure: no Django, no I/O; `classify()` never raises.

The readers are tried from the most to the least explicit: a machine-readable report (ARF, MDN,
DSN) says what it is; then the plain-text bounces of MTAs that send no report; then the signs of
an automatic reply; what remains with a sender and a text is a person writing.
"""

from __future__ import annotations

from datetime import date

from facturier.returns.classify import pipeline
from facturier.returns.classify.result import HARD_REASONS, Kind, Reason, RecipientVerdict, Verdict

__all__ = ["HARD_REASONS", "Kind", "Reason", "RecipientVerdict", "Verdict", "classify"]


def classify(raw: bytes, *, received: date | None = None) -> Verdict:
    """The verdict for one raw message. `received` resolves years in "back on 12 December"."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        return Verdict()
    try:
        return pipeline.run(bytes(raw), received)
    except (Exception, RecursionError):
        # Hostile or broken input must never stop ingestion: it becomes "unknown", kept for a person.
        return Verdict()
