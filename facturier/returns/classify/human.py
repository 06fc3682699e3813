"""Human replies: what is left once bounces, reports and robots are ruled out."""

from __future__ import annotations

from facturier.returns.classify.parsed import Parsed


def is_human_reply(p: Parsed) -> bool:
    """A message from someone, with something written in it.

    An In-Reply-To or References to our Message-ID makes it certain; without them a message with a
    sender and a text is still most likely a person writing to the billing address.
    """
    if not p.from_addr:
        return False
    if p.header("In-Reply-To") or p.header("References"):
        return True
    return bool(p.body_text.strip() or p.subject.strip())
