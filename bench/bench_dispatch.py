"""Send path benchmark: the worker end to end against a plain smtplib loop, workers on PostgreSQL, memory.

1. SQLite, one worker, 60 KB PDF, loopback sink without delay: dispatches/s end to end (claim,
   render, SMTP, commit), next to a plain smtplib loop pushing the same pre-built messages to the
   same sink in the same run. Target: ratio >= 0.7.
2. PostgreSQL (throwaway cluster), 1, 2 and 4 `facturier worker` processes against a sink that
   waits 50 ms per message. Target: 4 workers >= 3x one worker. The sink here is `lean_sink`
   (a relay serving connections in parallel; the aiosmtpd sink alone capped 4 clients at ~15/s),
   and each worker sends one warm-up batch before the measured queue is made due.
3. Peak RSS of one worker process at two batch sizes: memory must not grow with the batch (< 150 MB).

Each part runs in its own process (Django is set up once per process, with its own database); the
sink runs in its own process too, so its CPU does not count against the worker's.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import random
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PDF_BYTES = 60_000
E2E_COUNT = 300
PG_COUNT = 160  # per worker-count run; with 50 ms per message one worker needs ~8 s
PG_BATCH = 10  # 4 workers get 4 batches each of the 160
MEMORY_COUNT = 400
MEMORY_BATCHES = (10, 200)


# --- Helpers shared by the parts ----------------------------------------------------------------


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env)


def sink(port: int, delay: float) -> None:
    """A loopback SMTP sink that advertises DSN, accepts everything, keeps nothing."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    from facturier.dispatch.sandbox import DsnSMTP

    class Handler:
        async def handle_EHLO(
            self, server: SMTP, session: Any, envelope: Any, hostname: str, responses: list[str]
        ) -> list[str]:
            session.host_name = hostname
            return [*responses[:-1], "250-DSN", responses[-1]]

        async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
            if delay:
                await asyncio.sleep(delay)  # a remote relay's latency; other connections go on meanwhile
            return "250 2.0.0 Ok"

    class SinkController(Controller):
        def factory(self) -> SMTP:
            return DsnSMTP(self.handler, **self.SMTP_kwargs)

    ctl = SinkController(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


def lean_sink(port: int, delay: float) -> None:
    """A minimal asyncio SMTP sink: reads DATA up to the final dot in one search instead of line by
    line, so one process answers many connections for a fraction of a millisecond each.

    Used for the multi-worker part: a remote relay that takes 50 ms per message serves many
    connections in parallel, and the aiosmtpd sink (pure Python line handling, ~8 ms of CPU per
    82 KiB message, one process) capped 4 workers at ~15 messages/s on its own, whatever they did.
    """

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 bench-sink ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-bench-sink\r\n250-DSN\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    await reader.readuntil(b"\r\n.\r\n")
                    if delay:
                        await asyncio.sleep(delay)  # a remote relay's latency; other connections go on
                    writer.write(b"250 2.0.0 Ok\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                else:  # HELO, MAIL, RCPT, RSET, NOOP: accept
                    writer.write(b"250 Ok\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(session, "127.0.0.1", port, limit=2**24)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


class Sink:
    def __init__(self, delay: float = 0.0, *, lean: bool = False) -> None:
        from facturier.testing.ports import free_port, wait_for_port

        self.port = free_port()
        run = "lean_sink" if lean else "sink"
        self.proc = _python(
            f"import bench.bench_dispatch as m, sys; m.{run}(int(sys.argv[1]), float(sys.argv[2]))",
            str(self.port),
            str(delay),
        )
        wait_for_port(self.port, banner=b"220")

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait()


def _setup_django(database_url: str, tmp: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        FACTURIER_VAR_DIR=str(tmp / "var"),
        FACTURIER_MEDIA_DIR=str(tmp / "media"),
        SECRET_KEY="bench-only",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _pdf() -> bytes:
    """A valid PDF padded to PDF_BYTES with incompressible bytes (a scanned invoice is like that)."""
    from facturier.testing.factories import make_pdf

    pdf = make_pdf(1) + b"\n%"
    noise = base64.b64encode(random.Random(42).randbytes(PDF_BYTES))
    return pdf + noise[: PDF_BYTES - len(pdf)]


def _make_due(count: int, pdf: bytes, *, due_in: dt.timedelta = dt.timedelta(minutes=-1)) -> None:
    from django.utils import timezone

    from facturier.dispatch.models import Dispatch
    from facturier.dispatch.services import new_token
    from facturier.testing.factories import make_customer, make_invoice

    customer = make_customer(name="Société Bench")
    due = timezone.now() + due_in
    invoices = [make_invoice(customer=customer, pdf=pdf) for _ in range(count)]
    Dispatch.objects.bulk_create(
        Dispatch(invoice=inv, recipient=f"compta{i}@client.example", scheduled_at=due, due_at=due, token=new_token())
        for i, inv in enumerate(invoices)
    )


# --- Part 1: SQLite, end to end vs plain smtplib ------------------------------------------------


def part_sqlite() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="facturier-bench."))
    _setup_django(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp)
    from django.conf import settings
    from django.utils import timezone

    from facturier.dispatch.message import build_message
    from facturier.dispatch.models import Dispatch
    from facturier.dispatch.transport import SmtpTransport, parse_smtp_url
    from facturier.dispatch.worker import process_due

    pdf = _pdf()
    _make_due(E2E_COUNT, pdf)
    load_before = os.getloadavg()[0]
    with Sink() as s:
        url = f"smtp://127.0.0.1:{s.port}"
        started, cpu = time.perf_counter(), time.process_time()
        sent = 0
        with SmtpTransport(parse_smtp_url(url)) as transport:
            while n := process_due(now=timezone.now(), limit=settings.FACTURIER_WORKER_BATCH, transport=transport):
                sent += n
        app = sent / (time.perf_counter() - started)
        app_cpu = (time.process_time() - cpu) / sent * 1000
        assert Dispatch.objects.filter(state="accepted").count() == E2E_COUNT

        dispatches = list(Dispatch.objects.select_related("invoice__customer").order_by("id"))
        messages = [build_message(d) for d in dispatches]
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", s.port) as conn:
            for m in messages:
                conn.sendmail(m.envelope_from, [m.recipient], m.data)
        raw = len(messages) / (time.perf_counter() - started)
        del messages

        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", s.port) as conn:
            for d in dispatches:
                conn.send_message(_naive_message(d.invoice.number, d.recipient, pdf))
        naive = len(dispatches) / (time.perf_counter() - started)
    size = len(build_message(dispatches[0]).data)
    print(
        f"SQLite, 1 worker, {E2E_COUNT} dispatches, 60 KB PDF ({size / 1024:.0f} KiB on the wire), "
        "sink in its own process:"
    )
    print(f"  end to end (claim, render, SMTP, commit):    {app:7.1f} dispatches/s   ({app_cpu:.1f} ms CPU each)")
    print(f"  plain smtplib loop, pre-built messages:      {raw:7.1f} messages/s")
    print(f"  plain smtplib loop, EmailMessage built each: {naive:7.1f} messages/s")
    print(f"  ratio end to end / pre-built:                {app / raw:7.2f}   (target >= 0.7)")
    print(f"  ratio end to end / built each:               {app / naive:7.2f}")
    print(f"  (load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs)")


def _naive_message(number: str, recipient: str, pdf: bytes) -> Any:
    """What a plain script would send: EmailMessage, text body, the PDF attached."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = f"Facture {number}"
    msg["From"] = "factures@invoices.example.com"
    msg["To"] = recipient
    msg.set_content(f"Veuillez trouver ci-joint la facture {number}.")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{number}.pdf")
    return msg


# --- Part 2 and 3: PostgreSQL, several workers, memory -------------------------------------------


def _worker_env(url: str, smtp_port: int, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "FACTURIER_VAR_DIR": str(tmp / "var"),
        "FACTURIER_MEDIA_DIR": str(tmp / "media"),
        "SECRET_KEY": "bench-only",
        "LOG_LEVEL": "WARNING",
    }


def _worker_cmd(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("facturier")), "worker", "--skip-checks", *args]


def _timed_run(workers: int, env: dict[str, str], pdf: bytes) -> float:
    """Start the workers, warm them up, make the queue due, time it until the last one is accepted.

    Process start-up (a second or more under load) is left out, and so is each worker's first
    batch (templates compiled, translation catalogs and code loaded on first use, the relay's
    connection opened): both would favour one worker over several. Warm-up: one batch of
    dispatches per worker, due at once; the measured queue is made due only once they are all
    accepted.
    """
    from django.db.models import Max
    from django.utils import timezone

    from facturier.dispatch.models import Dispatch, DispatchAttempt

    measured = list(Dispatch.objects.values_list("pk", flat=True))
    cmd = _worker_cmd("--batch", str(PG_BATCH), "--idle", "0.05")
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    try:
        for p in procs:
            assert p.stdout is not None and "ready" in p.stdout.readline()
        _make_due(PG_BATCH * workers, pdf)
        while Dispatch.objects.exclude(pk__in=measured).exclude(state="accepted").exists():
            time.sleep(0.05)
        warm = DispatchAttempt.objects.values("worker").distinct().count()
        if warm < workers:
            print(f"  (warm-up reached {warm} of {workers} workers)")
        start = timezone.now()
        Dispatch.objects.filter(pk__in=measured).update(due_at=start)
        while Dispatch.objects.filter(pk__in=measured, state="accepted").count() < len(measured):
            time.sleep(0.05)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=60)
    last = Dispatch.objects.filter(pk__in=measured).aggregate(t=Max("accepted_at"))["t"]
    return len(measured) / (last - start).total_seconds()


def _reset() -> None:
    from facturier.dispatch.models import DeliveryEvent, Dispatch
    from facturier.invoices.models import Invoice

    DeliveryEvent.objects.all().delete()
    Dispatch.objects.all().delete()
    Invoice.objects.all().delete()


def _create_database(server_url: str, name: str) -> str:
    import psycopg

    base = server_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def part_postgres() -> None:
    import psutil

    from facturier.testing.pgserver import throwaway_cluster

    tmp = Path(tempfile.mkdtemp(prefix="facturier-bench."))
    with throwaway_cluster() as server_url:
        url = _create_database(server_url, "facturier_bench")
        _setup_django(url, tmp)

        pdf = _pdf()
        rates: dict[int, float] = {}
        # The lean sink: a relay answering many connections in parallel (see lean_sink).
        with Sink(delay=0.05, lean=True) as s:
            env = _worker_env(url, s.port, tmp)
            for workers in (1, 2, 4):
                _reset()
                _make_due(PG_COUNT, pdf, due_in=dt.timedelta(days=1))
                rates[workers] = _timed_run(workers, env, pdf)
        print(
            f"PostgreSQL, lean sink waiting 50 ms per message, {PG_COUNT} dispatches, batch {PG_BATCH}, "
            "after a warm-up batch per worker:"
        )
        for workers, rate in rates.items():
            print(f"  {workers} worker(s): {rate:6.1f} dispatches/s   ({rate / rates[1]:.2f}x one worker)")
        print(f"  target: 4 workers >= 3x one worker -> {rates[4] / rates[1]:.2f}x")

        peaks: dict[int, float] = {}
        with Sink() as s:
            env = _worker_env(url, s.port, tmp)
            for batch in MEMORY_BATCHES:
                _reset()
                _make_due(MEMORY_COUNT, pdf)
                proc = subprocess.Popen(
                    _worker_cmd("--once", "--batch", str(batch)), env=env, stdout=subprocess.DEVNULL
                )
                ps = psutil.Process(proc.pid)
                peak = 0
                while proc.poll() is None:
                    try:
                        peak = max(peak, ps.memory_info().rss)
                    except psutil.NoSuchProcess:
                        break
                    time.sleep(0.02)
                peaks[batch] = peak / 2**20
        print(f"Worker peak RSS over {MEMORY_COUNT} dispatches (60 KB PDF each), PostgreSQL:")
        for batch, mb in peaks.items():
            print(f"  batch {batch:4d}: {mb:6.1f} MB   (target < 150 MB, flat across batch sizes)")


def main() -> None:
    for part in ("part_sqlite", "part_postgres"):
        proc = _python(f"import bench.bench_dispatch as m; m.{part}()")
        if proc.wait() != 0:
            raise SystemExit(f"{part} failed")


if __name__ == "__main__":
    main()
