"""Human replies: what is left once bounces, reports and robots are ruled out."""

from __future__ import annotations

from facturier.returns.classify.parsed import Parsed


def is_human_reply(p: Parsed) -> bool:
    """A message from someone, with something written in it.

    An In-Reply-To or References to our Message-ID makes it likely; without them a message with a
    sender and a text is still most likely a person writing to the billing address. Mailing-list
    and bulk mail (RFC 2369 List-* headers, Precedence: bulk/list) is not a person answering.
    """
    if not p.from_addr:
        return False
    answers = bool(p.header("In-Reply-To") or p.header("References"))
    bulk = p.header("Precedence").lower() in ("bulk", "list", "junk") or bool(
        p.header("List-Id") or p.header("List-Unsubscribe")
    )
    if bulk and not answers:
        return False
    return answers or bool(p.body_text.strip() or p.subject.strip())
