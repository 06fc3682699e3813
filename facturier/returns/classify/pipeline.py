"""The order in which readers are tried, and how their findings become a Verdict."""

from __future__ import annotations

import email.utils
from datetime import date
from typing import Any, NamedTuple

from facturier.returns.classify import arf, autoreply, dsn, human, mdn, mime, reasons
from facturier.returns.classify.parsed import Parsed
from facturier.returns.classify.result import TEXT_LIMIT, Kind, Reason, RecipientVerdict, Verdict
from facturier.returns.classify.vendors import amazonses, generic

_DELIVERED_ACTIONS = ("delivered", "relayed", "expanded")
_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")


def run(raw: bytes, received: date | None, depth: int = 0) -> Verdict:
    p = Parsed(raw)
    if not p.msg.headers:
        return Verdict()
    common = _common(p)
    if arf.is_arf(p):
        feedback, rcpt = arf.read(p)
        recipient = RecipientVerdict(rcpt=rcpt, kind=Kind.COMPLAINT, reason=Reason.FEEDBACK)
        return _verdict(common, [recipient], format="arf", feedback_type=feedback, message_id=p.original_message_id)
    if arf.is_legacy_complaint(p):
        feedback, rcpt = arf.read_legacy(p)
        recipient = RecipientVerdict(rcpt=rcpt, kind=Kind.COMPLAINT, reason=Reason.FEEDBACK)
        return _verdict(common, [recipient], format="complaint", feedback_type=feedback, message_id=_answered_id(p))
    if amazonses.looks_like_ses(p):
        verdict = _ses(p, common)
        if verdict is not None:
            return verdict
    if mdn.is_mdn(p):
        return _read_receipt(p, common, "mdn")
    dsn_part = p.part_of_type(*_DSN_TYPES)
    report_text = dsn.delivery_status_text(dsn_part) if dsn_part is not None else ""
    if not report_text and (start := dsn.inline_report_start(p.body_text)) >= 0:
        report_text = p.body_text[start:]  # a report whose MIME structure was lost on the way
    if report_text:
        report = dsn.parse_delivery_status(report_text)
        recipients = _from_dsn(p, report)
        if recipients:
            return _verdict(
                common, recipients, format="dsn", envelope_id=report.envelope_id, message_id=p.original_message_id
            )
    if generic.looks_like_bounce(p):
        forwarded = _forwarded_report(p, received, depth)
        if forwarded is not None:
            return forwarded
        if generic.is_delay_warning(p):
            recipients = [
                RecipientVerdict(t.rcpt, Kind.DELAYED, Reason.DELAYED, t.status, "delayed", t.diagnostic)
                for t in generic.read(p)
            ]
        else:
            named = generic.read(p)
            # One recipient: the whole notice is about it, including reasons written before the
            # address ("Error: Invalid user address ... RCPT TO: <a@b>").
            context = p.bounce_text if len(named) == 1 else ""
            recipients = [_failure(t.rcpt, t.status, t.diagnostic, context) for t in named]
        return _verdict(common, recipients, format="text-bounce", message_id=p.original_message_id)
    if mdn.is_old_receipt(p):
        return _read_receipt(p, common, "read-subject")
    if autoreply.is_auto_reply(p):
        return _auto_reply(p, common, received)
    if human.is_human_reply(p):
        return _verdict(
            common,
            [],
            kind=Kind.REPLY,
            reason=Reason.REPLY,
            format="human",
            message_id=_answered_id(p),
            text=p.body_text[:TEXT_LIMIT],
        )
    return Verdict(**common._asdict())


def _forwarded_report(p: Parsed, received: date | None, depth: int) -> Verdict | None:
    """A notice that carries another MTA's report as its attached message (gateways such as
    Trend Micro IMSVA forward the DSN they received): the inner report is the real one."""
    if depth > 0:
        return None
    for part in p.parts:
        if part.ctype in ("message/rfc822", "message/global") and part.children:
            inner = part.children[0]
            if inner.ctype == "multipart/report" or "delivery-status" in inner.param("report-type"):
                raw = "\n".join(f"{k}: {v}" for k, v in inner.headers).encode("utf-8", "surrogateescape")
                verdict = run(raw + b"\n\n" + inner.body, received, depth + 1)
                if verdict.kind not in (Kind.UNKNOWN, Kind.REPLY):
                    return verdict
    return None


def _ses(p: Parsed, common: Header) -> Verdict | None:
    note = amazonses.read(p)
    if note is None or not note.recipients:
        return None
    recipients: list[RecipientVerdict] = []
    for r in note.recipients:
        status = generic.status_in(r.get("status", "")) or generic.status_in(r.get("diagnostic", ""))
        if note.kind == "complaint":
            recipients.append(RecipientVerdict(rcpt=r["rcpt"], kind=Kind.COMPLAINT, reason=Reason.FEEDBACK))
        elif note.kind == "delivery":
            recipients.append(
                RecipientVerdict(r["rcpt"], Kind.DELIVERED, Reason.DELIVERED, status, "delivered", r["diagnostic"])
            )
        else:
            if not status:
                # bounceType Transient is SES's "soft": without a code, say so with a 4.x.x class.
                status = "4.0.0" if note.bounce_type == "Transient" else "5.0.0"
            context = note.bounce_subtype if note.bounce_subtype not in ("General", "Undetermined") else ""
            recipients.append(_failure(r["rcpt"], status, r["diagnostic"], context, r.get("action", "")))
    return _verdict(
        common, recipients, format="amazonses", feedback_type=note.feedback_type, message_id=note.message_id
    )


class Header(NamedTuple):
    """The fields every verdict carries, read from the message's own headers."""

    subject: str
    from_addr: str
    to_addrs: tuple[str, ...]
    in_reply_to: str
    references: tuple[str, ...]


def _common(p: Parsed) -> Header:
    return Header(
        subject=p.subject,
        from_addr=p.from_addr,
        to_addrs=p.to_addrs,
        in_reply_to=(mime.message_ids(p.header("In-Reply-To")) or ("",))[0],
        references=mime.message_ids(p.header("References")),
    )


def _verdict(common: Header, recipients: list[RecipientVerdict], **fields: Any) -> Verdict:
    """`common` with the recipients, the first recipient's kind and reason, and `fields`."""
    values: dict[str, Any] = common._asdict()
    values["recipients"] = tuple(recipients)
    if recipients:
        first = recipients[0]
        values.update(
            kind=first.kind, reason=first.reason, status=first.status, rcpt=first.rcpt, diagnostic=first.diagnostic
        )
    values.update(fields)
    return Verdict(**values)


def _failure(
    rcpt: str, status: str, diagnostic: str, context: str, action: str = "", mta: str = ""
) -> RecipientVerdict:
    reason = reasons.reason_for(status, diagnostic, context)
    return RecipientVerdict(
        rcpt=rcpt.lower(),
        kind=reasons.failure_kind(reason, status),
        reason=reason,
        status=status,
        action=action,
        diagnostic=diagnostic,
        remote_mta=mta,
    )


def _from_dsn(p: Parsed, report: dsn.DsnReport) -> list[RecipientVerdict]:
    rcpts = [r.rcpt for r in report.recipients or [] if r.rcpt]
    notice = p.bounce_text[: generic.NOTICE_LIMIT]
    context = generic.stretches(notice, rcpts)
    out: list[RecipientVerdict] = []
    named: list[generic.TextRecipient] | None = None
    for r in report.recipients or []:
        if not dsn.plausible(r.rcpt):
            # "Final-Recipient: rfc822; @relay" or a delivery program: the notice text names the
            # address (Exim "generated by", Sendmail "expanded from").
            named = generic.read(p) if named is None else named
            if named and named[0].rcpt:
                r.final_recipient, r.original_recipient = named[0].rcpt, ""
        stretch = context.get(r.rcpt, notice)
        if not r.diagnostic and r.rcpt in notice.lower():
            # OpenSMTPD, DMA and others leave Diagnostic-Code out and write the reply in the text.
            r.diagnostic = " ".join(stretch.split())[:1000]
        if r.status.endswith(".0.0") or not r.status:
            r.status = generic.status_in(r.diagnostic) or r.status
        action = r.action or _action_from_status(r.status)
        if r.status.startswith("2"):
            action = action if action in _DELIVERED_ACTIONS else "delivered"
        if action in _DELIVERED_ACTIONS:
            out.append(_plain(r, Kind.DELIVERED, Reason.DELIVERED, action))
        elif action == "delayed":
            out.append(_plain(r, Kind.DELAYED, Reason.DELAYED, action))
        else:
            out.append(_failure(r.rcpt, r.status, r.diagnostic, stretch, action, r.remote_mta))
    return out


def _plain(r: dsn.DsnRecipient, kind: Kind, reason: Reason, action: str) -> RecipientVerdict:
    return RecipientVerdict(r.rcpt, kind, reason, r.status, action, r.diagnostic, r.remote_mta)


def _action_from_status(status: str) -> str:
    # Action is required (§2.3.3) but some MTAs omit it; the status class says the same thing.
    return {"2": "delivered", "4": "delayed"}.get(status[:1], "failed")


def _read_receipt(p: Parsed, common: Header, fmt: str) -> Verdict:
    disposition, rcpt, original_id = mdn.read(p)
    recipient = RecipientVerdict(rcpt=rcpt, kind=Kind.READ_RECEIPT, reason=Reason.READ)
    return _verdict(common, [recipient], format=fmt, disposition=disposition, message_id=original_id or _answered_id(p))


def _auto_reply(p: Parsed, common: Header, received: date | None) -> Verdict:
    challenge = autoreply.is_challenge(p)
    if received is None:
        received = _date_header(p)
    back = None if challenge else autoreply.return_date(p.subject + "\n" + p.body_text, received)
    reason = Reason.CHALLENGE if challenge else Reason.VACATION
    recipient = RecipientVerdict(rcpt=p.from_addr, kind=Kind.AUTO_REPLY, reason=reason)
    return _verdict(
        common,
        [recipient],
        format="rfc3834",
        challenge=challenge,
        return_date=back,
        message_id=_answered_id(p),
        text=p.body_text[:TEXT_LIMIT],
    )


def _answered_id(p: Parsed) -> str:
    """Our Message-ID as the message carries it: the attached original, else In-Reply-To (replies and
    RFC 3834 §3.1.5 responders set it), else the last References entry."""
    if p.original_message_id:
        return p.original_message_id
    for ids in (mime.message_ids(p.header("In-Reply-To")), mime.message_ids(p.header("References"))[-1:]):
        if ids:
            return ids[0]
    return ""


def _date_header(p: Parsed) -> date | None:
    try:
        parsed = email.utils.parsedate_to_datetime(p.header("Date"))
    except Exception:
        return None
    return parsed.date() if parsed else None
