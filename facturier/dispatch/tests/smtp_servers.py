"""Real SMTP servers for the dispatch tests: aiosmtpd on 127.0.0.1, on a free port, stopped after."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from facturier.dispatch.sandbox import SandboxRelay
from facturier.testing.ports import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    rcpt_options: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        return str(BytesHeaderParser(policy=default_policy).parsebytes(self.data)["Message-ID"])


@dataclass
class RecordingHandler:
    """Keeps every message in memory. Optional scripted refusals and a delay per message."""

    advertise_dsn: bool = True
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> reply, e.g. "550 5.1.1 ..."
    data_replies: list[str] = field(default_factory=list)  # answers to the next DATA commands, then 250
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-DSN", responses[-1]] if self.advertise_dsn else responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_commands += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                mail_options=list(envelope.mail_options),
                rcpt_options=list(envelope.rcpt_options),
                data=envelope.original_content or b"",
            )
        )
        return "250 2.0.0 Ok: queued as TEST"

    def message_id_counts(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)


@contextlib.contextmanager
def smtp_server(handler: Any, *, dsn_protocol: bool = True) -> Iterator[int]:
    """Run handler on 127.0.0.1:<free port>; yield the port. dsn_protocol=False is stock aiosmtpd,
    which refuses DSN parameters with 555, so a test against it fails if we send them anyway."""
    port = free_port()
    ctl: Controller = (
        SandboxRelay(port=port, handler=handler)
        if dsn_protocol
        else Controller(handler, hostname="127.0.0.1", port=port)
    )
    ctl.start()
    try:
        yield port
    finally:
        ctl.stop()
