"""Fetch returned mail from an IMAP mailbox: store each message (committed), process it, and only
then move it to the processed folder. Killed at any point, a run loses nothing: an unmoved message
is fetched again, deduplicated by its sha256, and not processed twice (its state says so)."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from imapclient import IMAPClient

from facturier.returns.ingest import envelope_to_from_headers, inbound_store
from facturier.returns.services import inbound_process

log = logging.getLogger(__name__)

# Messages moved per MOVE command: small enough that a kill leaves few stored-but-unmoved ones.
MOVE_BATCH = 20
# RFC 2177: servers may drop an IDLE after 30 min; re-issue it well before.
IDLE_SECONDS = 300


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str
    processed_folder: str


def parse_imap_url(url: str, *, processed_folder: str = "Processed") -> ImapConfig:
    """imap://user:pass@host:port/INBOX or imaps://... (user and password URL-encoded)."""
    parts = urlsplit(url)
    if parts.scheme not in {"imap", "imaps"} or not parts.hostname:
        raise ValueError(f"IMAP_URL must be imap://user:pass@host[:port]/FOLDER or imaps://..., not {url!r}")
    secure = parts.scheme == "imaps"
    return ImapConfig(
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        ssl=secure,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        processed_folder=processed_folder,
    )


def connect(config: ImapConfig, *, timeout: float = 30) -> IMAPClient:
    context = ssl.create_default_context() if config.ssl else None
    client = IMAPClient(config.host, port=config.port, ssl=config.ssl, ssl_context=context, timeout=timeout)
    client.login(config.username, config.password)
    if not client.folder_exists(config.processed_folder):
        client.create_folder(config.processed_folder)
    client.select_folder(config.folder)
    return client


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    # No MOVE (RFC 6851): copy, flag, and expunge only these UIDs when UIDPLUS allows it.
    client.copy(uids, folder)
    client.add_flags(uids, [b"\\Deleted"])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def fetch_pass(client: IMAPClient, config: ImapConfig, *, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Store, process and move every message in the folder now; returns how many were handled."""
    uids = sorted(client.search(["NOT", "DELETED"]))
    done: list[int] = []
    for uid in uids:
        if should_stop():
            break
        # One message per FETCH: a 30 MB message must not sit in memory next to fifty others.
        data = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
        if not data:
            continue  # expunged by someone else meanwhile
        raw = data[b"BODY[]"]
        inbound, _created = inbound_store(raw=raw, source="imap", envelope_to=envelope_to_from_headers(raw))
        inbound_process(inbound_id=inbound.pk)  # a no-op when an earlier run processed it already
        done.append(uid)
        if len(done) >= MOVE_BATCH:
            _move(client, done, config.processed_folder)
            done = []
    if done:
        _move(client, done, config.processed_folder)
    return len(uids)


def run(
    config: ImapConfig,
    *,
    once: bool = False,
    idle: bool = False,
    interval: float = 60,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Poll (or IDLE) until should_stop(); with once, a single pass. Returns messages handled."""
    total = 0
    client = connect(config)
    try:
        while True:
            total += fetch_pass(client, config, should_stop=should_stop)
            if once or should_stop():
                return total
            if idle and client.has_capability("IDLE"):
                _wait_idle(client, should_stop)
            else:
                _sleep(interval, should_stop)
                client.noop()
    finally:
        try:
            client.logout()
        except Exception:
            log.debug("IMAP logout failed", exc_info=True)


def _wait_idle(client: IMAPClient, should_stop: Callable[[], bool]) -> None:
    client.idle()
    try:
        deadline = time.monotonic() + IDLE_SECONDS
        # Short checks so that SIGTERM is honoured within a second.
        while time.monotonic() < deadline and not should_stop():
            if any(resp[1] in (b"EXISTS", b"RECENT") for resp in client.idle_check(timeout=1) if len(resp) > 1):
                break
    finally:
        client.idle_done()


def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not should_stop():
        time.sleep(min(0.5, end - time.monotonic()))


def config_from_settings() -> ImapConfig:
    if not settings.IMAP_URL:
        raise ValueError("IMAP_URL is not set (imap://user:pass@host:port/INBOX)")
    return parse_imap_url(settings.IMAP_URL, processed_folder=settings.FACTURIER_IMAP_PROCESSED_FOLDER)
