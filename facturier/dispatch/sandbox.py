"""The bundled sandbox relay: an aiosmtpd server on 127.0.0.1 that accepts every message and keeps it.

It advertises DSN and accepts the DSN parameters (stock aiosmtpd answers 555 to NOTIFY=...), so the
worker talks to it exactly as it would to Postfix. What it receives goes to FACTURIER_SANDBOX_DIR:

    <UTC timestamp>-<seq>.eml    the raw bytes as received
    <UTC timestamp>-<seq>.json   {"mail_from", "rcpt_tos", "mail_options", "rcpt_options",
                                  "received_at", "message_id", "subject", "to", "size"}

The .json is written last (tmp file, then rename), so a reader that lists .json files never sees a
half-written message. The Outbox page reads through sandbox_messages() and sandbox_message_raw().
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never anything else: the sandbox is for this machine only
DEFAULT_PORT = 2525
NAME_RE = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-\d{6}$")

# Post-receive hooks: each gets the sidecar dict and the raw bytes once both files are written.
# The returns side adds one here to generate bounces for test domains. A failing hook is logged;
# the message stays accepted.
SANDBOX_HOOKS: list[Callable[[dict[str, Any], bytes], None]] = []

_seq = itertools.count(1)


class DsnSMTP(SMTP):
    """aiosmtpd's SMTP that also understands the RFC 3461 parameters on MAIL and RCPT."""

    DSN_PARAMS = frozenset({"RET", "ENVID", "NOTIFY", "ORCPT"})

    def _getparams(self, params: Sequence[str]) -> dict[str, str | bool] | None:
        # aiosmtpd parses MAIL/RCPT parameters here and refuses any it does not know after
        # popping its own (SIZE, BODY, SMTPUTF8). We check the DSN ones and take them out of the
        # dict so that check passes; they stay in envelope.mail_options / rcpt_options as sent
        # (upper-cased by aiosmtpd).
        result = super()._getparams(params)
        if result is None:
            return None
        dsn = {k: result.pop(k) for k in list(result) if k in self.DSN_PARAMS}
        return result if _dsn_params_valid(dsn) else None


def _dsn_params_valid(dsn: dict[str, str | bool]) -> bool:
    for key, value in dsn.items():
        if not isinstance(value, str):
            return False
        if key == "RET" and value not in {"FULL", "HDRS"}:
            return False
        if key == "NOTIFY":
            words = set(value.split(","))
            if not (words == {"NEVER"} or words <= {"SUCCESS", "FAILURE", "DELAY"}):
                return False
        if key == "ORCPT" and ";" not in value:
            return False
    return True


class SandboxHandler:
    """Accept everything, advertise DSN, keep each message in the sandbox folder."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.FACTURIER_SANDBOX_DIR)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # the 5-argument hook takes over this duty from aiosmtpd
        return [*responses[:-1], "250-DSN", responses[-1]]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        store_message(self.directory, envelope)
        return "250 2.0.0 Message accepted for delivery"


def store_message(directory: Path, envelope: Envelope) -> str:
    """Write <name>.eml then <name>.json (each via tmp + rename), run the hooks; return the name."""
    raw: bytes = envelope.original_content or b""
    now = dt.datetime.now(dt.UTC)
    name = f"{now:%Y%m%dT%H%M%S.%f}Z-{next(_seq) % 1_000_000:06d}"
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    meta: dict[str, Any] = {
        "mail_from": envelope.mail_from,
        "rcpt_tos": list(envelope.rcpt_tos),
        "mail_options": list(envelope.mail_options),
        "rcpt_options": list(envelope.rcpt_options),
        "received_at": now.isoformat(),
        "message_id": _header(headers, "Message-ID"),
        "subject": _header(headers, "Subject"),
        "to": _header(headers, "To"),
        "size": len(raw),
    }
    _write_atomic(directory / f"{name}.eml", raw)
    _write_atomic(directory / f"{name}.json", json.dumps(meta, ensure_ascii=False).encode())
    for hook in SANDBOX_HOOKS:
        try:
            hook(meta, raw)
        except Exception:
            log.exception("sandbox hook %r failed for %s", hook, name)
    return name


def _header(headers: Message, name: str) -> str:
    # The sandbox accepts anything, including headers the parser chokes on: keep the raw text then.
    try:
        return str(headers.get(name, ""))
    except Exception:
        raw = headers.get_all(name) or [""]
        return str(raw[0]).encode("ascii", "replace").decode()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class SandboxRelay(Controller):
    """The relay as a thread: start() returns once it accepts connections; stop() ends it."""

    def __init__(self, *, port: int = DEFAULT_PORT, directory: Path | None = None, handler: Any = None) -> None:
        # aiosmtpd logs every SMTP command line at INFO: far too chatty next to the web and worker logs.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        super().__init__(handler or SandboxHandler(directory), hostname=HOST, port=port)

    def factory(self) -> SMTP:
        return DsnSMTP(self.handler, **self.SMTP_kwargs)


def sandbox_messages(limit: int = 100, *, directory: Path | None = None) -> list[dict[str, Any]]:
    """What the sandbox received, newest first: each sidecar dict plus its "name"."""
    folder = Path(directory or settings.FACTURIER_SANDBOX_DIR)
    if not folder.is_dir():
        return []
    names = sorted((p.stem for p in folder.glob("*.json") if NAME_RE.match(p.stem)), reverse=True)[:limit]
    out = []
    for name in names:
        try:
            meta = json.loads((folder / f"{name}.json").read_text())
        except (OSError, ValueError):
            continue  # removed or broken meanwhile: skip rather than break the page
        out.append({"name": name, **meta})
    return out


def sandbox_message_raw(name: str, *, directory: Path | None = None) -> bytes:
    """The raw bytes of one received message; the name is checked, so no path escapes the folder."""
    if not NAME_RE.match(name):
        raise FileNotFoundError(f"no sandbox message named {name!r}")
    return (Path(directory or settings.FACTURIER_SANDBOX_DIR) / f"{name}.eml").read_bytes()
