"""Several real worker processes against one PostgreSQL database and one real SMTP server.

The workers are `facturier worker --once` subprocesses connected to the test database (committed
data: transactional tests), so the claim query's locking is what is tested, not a simulation.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from facturier.dispatch.models import Dispatch, DispatchAttempt
from facturier.dispatch.services import new_token
from facturier.dispatch.states import State
from facturier.dispatch.tests.smtp_servers import RecordingHandler, smtp_server
from facturier.dispatch.worker import expire_leases
from facturier.testing.factories import make_customer, make_invoice
from facturier.worklist.models import WorkItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FACTURIER = str(Path(sys.executable).with_name("facturier"))


def _worker_env(settings: Any, tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}/{quote(db['NAME'])}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,  # the test database, not the one pytest-django derived it from
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "FACTURIER_MEDIA_DIR": settings.STORAGES["default"]["OPTIONS"]["location"],
        "FACTURIER_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test-only-not-secret",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([FACTURIER, "worker", "--once", "--skip-checks", *args], env=env)


def _make_due(count: int, *, invoices: int = 50) -> None:
    customer = make_customer()
    invs = [make_invoice(customer=customer) for _ in range(invoices)]
    past = timezone.now() - dt.timedelta(minutes=1)
    Dispatch.objects.bulk_create(
        (
            Dispatch(
                invoice=invs[i % invoices],
                recipient=f"r{i}@example.test",
                scheduled_at=past,
                due_at=past,
                token=new_token(),
            )
            for i in range(count)
        ),
        batch_size=500,
    )


def test_four_workers_send_every_dispatch_exactly_once(settings: Any, tmp_path: Path) -> None:
    _make_due(2000)
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        env = _worker_env(settings, tmp_path, port)
        workers = [_worker(env, "--batch", "50") for _ in range(4)]
        assert [w.wait(timeout=600) for w in workers] == [0, 0, 0, 0]
    states = Counter(Dispatch.objects.values_list("state", flat=True))
    assert states == {State.ACCEPTED: 2000}
    counts = handler.message_id_counts()
    assert len(handler.received) == 2000
    assert set(counts.values()) == {1}
    assert set(counts) == set(Dispatch.objects.values_list("message_id", flat=True))
    # They really worked side by side (all four started well before the queue ran dry).
    assert DispatchAttempt.objects.values("worker").distinct().count() >= 2


def test_killed_worker_loses_nothing_and_sends_nothing_twice(settings: Any, tmp_path: Path) -> None:
    settings.FACTURIER_SEND_LEASE_SECONDS = 10
    _make_due(150, invoices=10)
    handler = RecordingHandler(delay=0.02)  # slow relay: the kill lands in the middle of a batch
    with smtp_server(handler) as port:
        env = _worker_env(settings, tmp_path, port, FACTURIER_SEND_LEASE_SECONDS="10")
        first = _worker(env, "--batch", "25")
        deadline = time.monotonic() + 60
        while len(handler.received) < 30 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        sent_before_kill = len(handler.received)
        second = _worker(env, "--batch", "25")
        assert second.wait(timeout=300) == 0
    # The killed worker's claims stay "sending" until the lease runs out, then become uncertain.
    assert Dispatch.objects.filter(state=State.SENDING).exists()
    expired = expire_leases(now=timezone.now() + dt.timedelta(seconds=11))

    states = Counter(Dispatch.objects.values_list("state", flat=True))
    assert set(states) == {State.ACCEPTED, State.UNCERTAIN}, states
    assert states[State.UNCERTAIN] == expired >= 1
    counts = handler.message_id_counts()
    assert set(counts.values()) == {1}, "a message reached the relay twice"
    for d in Dispatch.objects.filter(state=State.ACCEPTED):
        assert counts[d.message_id] == 1
    uncertain = list(Dispatch.objects.filter(state=State.UNCERTAIN))
    assert WorkItem.objects.filter(kind="uncertain_dispatch", dispatch__in=uncertain).count() == len(uncertain)
    # Every message the relay got is accounted for: accepted, or uncertain (sent, answer lost).
    assert sum(counts.values()) == len(handler.received) >= sent_before_kill
    assert states[State.ACCEPTED] + sum(1 for d in uncertain if counts.get(d.message_id)) == len(handler.received)
