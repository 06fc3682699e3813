"""IMAP against a real Dovecot: fetched, stored, processed, moved to Processed; a fetcher killed with
SIGKILL in the middle loses nothing and processes nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from facturier.dispatch.states import State
from facturier.returns import imap
from facturier.returns.models import InboundMessage, InboundState, ReturnVerdict
from facturier.returns.tests.helpers import Completions, dsn, personal, sent_dispatch, verp
from facturier.testing import dovecot

pytestmark = pytest.mark.dovecot

REPO = Path(__file__).resolve().parents[3]
FACTURIER = str(Path(sys.executable).with_name("facturier"))


@pytest.fixture(scope="module")
def server() -> Iterator[dovecot.DovecotInstance]:
    reason = dovecot.available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Dovecot tests: {reason}")
        pytest.skip(reason)
    with dovecot.dovecot_instance() as instance:
        yield instance


@pytest.fixture
def mailbox(server: dovecot.DovecotInstance) -> Iterator[dovecot.DovecotInstance]:
    yield server
    # Each test starts from an empty INBOX and Processed folder.
    with _client(server) as c:
        for folder in ("INBOX", server.processed_folder):
            if c.folder_exists(folder):
                c.select_folder(folder)
                uids = c.search(["ALL"])
                if uids:
                    c.add_flags(uids, [b"\\Deleted"])
                    c.expunge()


def _client(server: dovecot.DovecotInstance) -> IMAPClient:
    c = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
    c.login(server.user, server.password)
    return c


def _counts(server: dovecot.DovecotInstance) -> tuple[int, int]:
    with _client(server) as c:
        inbox = c.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"]
        done = (
            c.folder_status(server.processed_folder, [b"MESSAGES"])[b"MESSAGES"]
            if c.folder_exists(server.processed_folder)
            else 0
        )
    return inbox, done


def _config(server: dovecot.DovecotInstance) -> imap.ImapConfig:
    return imap.parse_imap_url(server.url, processed_folder=server.processed_folder)


def test_imap_url_parsing() -> None:
    c = imap.parse_imap_url("imaps://bounce%40x:p%3Ass@mail.example:1993/Returns")
    assert (c.host, c.port, c.ssl, c.username, c.password, c.folder) == (
        "mail.example",
        1993,
        True,
        "bounce@x",
        "p:ss",
        "Returns",
    )
    assert imap.parse_imap_url("imap://u:p@h").port == 143
    with pytest.raises(ValueError, match="IMAP_URL"):
        imap.parse_imap_url("http://h/")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_messages_are_fetched_processed_and_moved(mailbox: dovecot.DovecotInstance) -> None:
    d = sent_dispatch()
    mailbox.deliver(b"Delivered-To: " + verp(d.token).encode() + b"\r\n" + dsn(d, to="x@y.example", envid=""))
    mailbox.deliver(personal(sender="stranger@nowhere.example", subject="Hello?"))
    assert imap.run(_config(mailbox), once=True) == 2
    assert _counts(mailbox) == (0, 2)
    d.refresh_from_db()
    assert d.state == State.BOUNCED_HARD
    bounce = InboundMessage.objects.get(kind="hard_bounce")
    assert (bounce.source, bounce.envelope_to) == ("imap", verp(d.token))
    assert bounce.verdicts.get().matched_by == "verp"
    assert InboundMessage.objects.get(kind="reply").state == InboundState.UNMATCHED
    # A second pass finds nothing and changes nothing.
    assert imap.run(_config(mailbox), once=True) == 0
    assert InboundMessage.objects.count() == 2 and ReturnVerdict.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_move_the_fetcher_copies_flags_and_expunges_only_what_it_stored(
    mailbox: dovecot.DovecotInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability", lambda self, cap: cap != "MOVE" and original(self, cap))
    for i in range(3):
        mailbox.deliver(personal(sender=f"p{i}@x.example", subject=f"n{i}"))
    assert imap.run(_config(mailbox), once=True) == 3
    assert _counts(mailbox) == (0, 3)
    assert InboundMessage.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idle_mode_picks_up_a_message_as_it_arrives(
    mailbox: dovecot.DovecotInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    processed = Completions()
    monkeypatch.setattr(imap, "inbound_process", processed.wrap(imap.inbound_process))
    stop = threading.Event()
    runner = threading.Thread(
        target=imap.run, args=(_config(mailbox),), kwargs={"idle": True, "should_stop": stop.is_set}
    )
    runner.start()
    try:
        time.sleep(0.5)  # connected and idling on an empty INBOX
        mailbox.deliver(personal(sender="late@customer.example", subject="arrived while idling"))
        processed.wait(1, timeout=20)
    finally:
        stop.set()
        runner.join(20)
    assert not runner.is_alive()
    assert InboundMessage.objects.get().subject == "arrived while idling"
    assert _counts(mailbox) == (0, 1)


def _sqlite_counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db, timeout=10) as conn:
        stored = conn.execute("select count(*), count(distinct sha256) from returns_inboundmessage").fetchone()
        verdicts = conn.execute("select count(*) from returns_returnverdict").fetchone()[0]
    return int(stored[0]), int(stored[1]), int(verdicts)


def _fetch_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [FACTURIER, "fetch-returns", "--once"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.slow
def test_a_fetcher_killed_in_the_middle_loses_nothing_and_processes_nothing_twice(
    mailbox: dovecot.DovecotInstance, tmp_path: Path
) -> None:
    # The fetcher runs as its own process, so it gets its own SQLite file (the test database is
    # in memory or inside the test's transaction).
    db = tmp_path / "fetch.sqlite3"
    env: dict[str, Any] = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "FACTURIER_VAR_DIR": str(tmp_path),
        "IMAP_URL": mailbox.url,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([FACTURIER, "migrate", "--noinput"], env=env, cwd=REPO, check=True, capture_output=True)
    total = 150
    for i in range(total):
        mailbox.deliver(personal(sender=f"person{i}@customer.example", subject=f"Question {i}", body="x" * 2000))
    proc = _fetch_process(env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and _sqlite_counts(db)[0] < 15:
        time.sleep(0.02)
    assert proc.poll() is None, "the fetcher finished before it could be killed: make the test bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    stored_at_kill = _sqlite_counts(db)[0]
    assert 0 < stored_at_kill < total
    inbox, _ = _counts(mailbox)
    assert inbox > 0  # the kill left work behind

    again = _fetch_process(env)
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()[-2000:]
    stored, distinct, verdicts = _sqlite_counts(db)
    assert (stored, distinct) == (total, total)  # every message once
    assert verdicts == total  # each processed once: a second processing would add a verdict row
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("select state, count(*) from returns_inboundmessage group by state").fetchall())
    assert states == {"unmatched": total}
    assert _counts(mailbox) == (0, total)  # all moved eventually, nothing deleted
