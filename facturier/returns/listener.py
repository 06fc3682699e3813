"""An LMTP (or SMTP) server an MTA delivers the return path's mail to.

250 goes back only once the raw message is committed; a temporary problem (database down) answers
451 so the MTA keeps the message and retries. Processing runs after the reply, in a worker thread:
if the process dies first, the message stays `stored` and `retry_failed` processes it later.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections

from facturier.returns.ingest import TemporaryStoreError, inbound_store, verp_pattern
from facturier.returns.services import inbound_process

log = logging.getLogger(__name__)

# Bigger than any return we expect (DSNs with RET=FULL carry the invoice PDF back).
DATA_SIZE_LIMIT = 64 * 1024 * 1024


def _envelope_to(rcpts: list[str]) -> str:
    for rcpt in rcpts:
        if verp_pattern().match(rcpt):
            return rcpt
    return rcpts[0] if rcpts else ""


def _store(raw: bytes, mail_from: str, rcpts: list[str], source: str) -> int:
    close_old_connections()  # this thread may hold a connection the database has dropped
    try:
        inbound, _ = inbound_store(raw=raw, source=source, envelope_from=mail_from, envelope_to=_envelope_to(rcpts))
        return inbound.pk
    finally:
        close_old_connections()


def _process(inbound_id: int) -> None:
    close_old_connections()
    try:
        inbound_process(inbound_id=inbound_id)
    finally:
        close_old_connections()


class ReturnsHandler:
    """aiosmtpd handler: store on DATA, answer per recipient for LMTP."""

    def __init__(self, *, lmtp: bool, process: bool = True) -> None:
        self.lmtp = lmtp
        self.process = process
        self.source = "lmtp" if lmtp else "smtp"
        # One thread stores, one processes: SQLite writes are serialised anyway, few threads keep
        # Django's per-thread connections few, and a slow processing never delays the next 250.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="returns-store")
        self.processor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="returns-process")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        rcpts = list(envelope.rcpt_tos)
        try:
            inbound_id = await loop.run_in_executor(
                self.executor, _store, raw, envelope.mail_from or "", rcpts, self.source
            )
        except TemporaryStoreError as exc:
            log.warning("returns listener: 451 (%s)", exc)
            return self._reply("451 4.3.0 Cannot store the message now, try again later", rcpts)
        except Exception:
            log.exception("returns listener: unexpected error while storing")
            return self._reply("451 4.3.0 Temporary local problem, try again later", rcpts)
        if self.process:
            # Not awaited: the MTA gets its answer now; close() waits for what is queued.
            loop.run_in_executor(self.processor, _process, inbound_id)
        return self._reply(f"250 2.0.0 Stored as {inbound_id}", rcpts)

    def _reply(self, line: str, rcpts: list[str]) -> str:
        # LMTP (RFC 2033): one reply per accepted recipient after DATA.
        return "\r\n".join([line] * max(1, len(rcpts))) if self.lmtp else line

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.processor.shutdown(wait=True)


class ReturnsController(Controller):
    def __init__(self, handler: ReturnsHandler, *, hostname: str, port: int) -> None:
        super().__init__(handler, hostname=hostname, port=port, data_size_limit=DATA_SIZE_LIMIT)
        self.returns_handler = handler

    def factory(self) -> SMTP:
        cls = LMTP if self.returns_handler.lmtp else SMTP
        return cls(self.handler, data_size_limit=DATA_SIZE_LIMIT, enable_SMTPUTF8=True, decode_data=False)

    def stop(self, *args: Any, **kwargs: Any) -> None:
        super().stop(*args, **kwargs)
        self.returns_handler.close()


def start_listener(*, host: str, port: int, lmtp: bool, process: bool = True) -> ReturnsController:
    """Start the server in a background thread; returns its controller (call .stop())."""
    if host not in {"127.0.0.1", "::1", "localhost"}:
        log.warning("returns listener on %s: make sure only your MTA can reach it", host)
    controller = ReturnsController(ReturnsHandler(lmtp=lmtp, process=process), hostname=host, port=port)
    controller.start()
    return controller
