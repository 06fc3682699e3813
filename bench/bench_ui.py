"""Screens at scale: the dashboard, the invoice list and the worklist over 1 M invoices / 3 M events.

A throwaway PostgreSQL cluster is filled inside the database (bench/ui_data.py), vacuumed and
analysed as autovacuum would have left it, then each page is requested repeatedly through Django's
test client with a logged-in viewer. Server time = the request handled in-process (middleware,
session, queries, template), no network. Baseline in the same run: /healthz, the cheapest view.
Target: p95 under 200 ms for every screen.

    python -m bench ui                 # or: make bench
    BENCH_UI_INVOICES=200000 python -m bench ui   # a smaller, quicker run
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import traceback
from typing import Any

INVOICES = int(os.environ.get("BENCH_UI_INVOICES", "1000000"))
CUSTOMERS = max(100, INVOICES // 50)
REPEAT = int(os.environ.get("BENCH_UI_REPEAT", "30"))
WARMUP = 3
TARGET_MS = 200.0


def say(line: str) -> None:
    print(line, flush=True)


def _create_database(url: str) -> None:
    """The throwaway cluster has only the maintenance database: create the one the URL names."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup_django(url: str, tmp: str) -> None:
    _create_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        FACTURIER_VAR_DIR=os.path.join(tmp, "var"),
        FACTURIER_MEDIA_DIR=os.path.join(tmp, "media"),
        SECRET_KEY="bench-only",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def _fill() -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench.ui_data import generate

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    say(f"migrate: {time.monotonic() - started:.1f} s")
    say(f"generating {INVOICES:,} invoices, {CUSTOMERS:,} customers ...")
    started = time.monotonic()
    with connection.cursor() as cursor:
        generate(cursor, invoices=INVOICES, customers=CUSTOMERS, say=say)
    generated = time.monotonic() - started
    started = time.monotonic()
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map, so index-only scans work as on a database autovacuum keeps.
        cursor.execute("VACUUM (ANALYZE)")
    say(f"data: {generated:.1f} s, vacuum + analyze: {time.monotonic() - started:.1f} s")


def _deep_cursor(page: int, size: int) -> str | None:
    """The keyset cursor a clerk holds after paging `page` times (the list has no page numbers)."""
    from facturier.invoices.models import Invoice

    offset = (page - 1) * size - 1  # the last row of the previous page
    found = list(Invoice.objects.order_by("-issue_date", "-id").values_list("issue_date", "id")[offset : offset + 1])
    return f"{found[0][0].isoformat()}~{found[0][1]}" if found else None


def _measure(client: Any, path: str, *, cold: bool = False) -> tuple[list[float], int, str]:
    """Times in ms of REPEAT requests (after WARMUP), the query count, or an error text. `cold`
    deletes the dashboard's stored domain table before each request, so the request computes it
    (what a fresh install, or one whose worker stopped for 30 minutes, pays once)."""
    from facturier.dashboard.models import DomainStatSnapshot

    def cache_clear() -> None:
        DomainStatSnapshot.objects.all().delete()

    from django.db import connection
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return [], 0, f"no view at {path.split('?', 1)[0]}"
    try:
        for _ in range(WARMUP):
            response = client.get(path)
            if response.status_code != 200:
                return [], 0, f"HTTP {response.status_code}"
        # Counted with an execute wrapper: Django empties connection.queries at each request start.
        queries: list[str] = []
        if cold:
            cache_clear()
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            client.get(path)
        times = []
        for _ in range(REPEAT):
            if cold:
                cache_clear()
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
    except Exception as exc:  # a screen written by someone else may not be ready: report, go on
        return [], 0, f"{type(exc).__name__}: {str(exc)[:80]}"
    return times, len(queries), ""


def _samples() -> tuple[str, str, int]:
    """A bounced invoice, its customer and the newest work item: the detail pages to time."""
    from facturier.invoices.models import Invoice
    from facturier.worklist.models import WorkItem

    invoice = Invoice.objects.select_related("customer").filter(status="bounced_hard").order_by("-id").first()
    item = WorkItem.objects.order_by("-id").values_list("pk", flat=True).first()
    if invoice is None or item is None:
        raise RuntimeError("the generated data has no bounced invoice or no work item")
    return invoice.number, invoice.customer.external_ref, item


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]


def _bulk_chunk() -> str:
    """One chunk of a bulk resend over a saved filter at this scale (the worker's step)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from facturier.bulk.runner import run_due
    from facturier.bulk.services import CHUNK_SIZE, bulk_job_start

    user = User.objects.get(username="bench-operator")
    started = time.perf_counter()
    job = bulk_job_start(user=user, action="resend_now", params={}, filter_query="state=bounced_hard")
    start_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    run_due(now=timezone.now())
    chunk_ms = (time.perf_counter() - started) * 1000
    job.refresh_from_db()
    return (
        f"bulk resend over state=bounced_hard ({job.total:,} invoices): start {start_ms:.0f} ms, "
        f"one chunk of {CHUNK_SIZE} {chunk_ms:.0f} ms (done {job.done}, skipped {job.skipped})"
    )


def _run() -> None:
    from django.test import Client

    from facturier.testing.factories import make_user

    _fill()
    viewer = make_user("bench-viewer", "viewer")
    make_user("bench-operator", "operator")
    client = Client(SERVER_NAME="localhost")
    client.force_login(viewer)
    deep = _deep_cursor(2000, 50)
    invoice, customer, item = _samples()
    pages: list[tuple[str, str, bool]] = [
        ("baseline: /healthz", "/healthz", False),
        ("dashboard", "/dashboard/", False),
        ("dashboard, domain table computed", "/dashboard/", True),
        ("invoice list, first page", "/invoices/", False),
        ("invoice list, bounced_hard + text", "/invoices/?state=bounced_hard&q=Martin", False),
        ("invoice list, text (1,000 customers)", "/invoices/?q=Martin", False),
        ("invoice list, domain orange.fr", "/invoices/?domain=orange.fr", False),
        ("invoice list, amount 1000-1200", "/invoices/?total_min=1000&total_max=1200", False),
        ("invoice list, sorted by amount", "/invoices/?sort=-total", False),
        ("invoice list, sorted by state", "/invoices/?sort=status", False),
        ("invoice list, page 2000 (keyset)", f"/invoices/?after={deep}" if deep else "/invoices/?after=none", False),
        ("invoice list, 200 rows", "/invoices/?size=200", False),
        ("invoice detail", f"/invoices/{invoice}/", False),
        ("customer list", "/customers/", False),
        ("customer page", f"/customers/{customer}/", False),
        ("worklist", "/worklist/", False),
        ("worklist, auto-closed tab", "/worklist/?tab=auto_closed", False),
        ("work item", f"/worklist/{item}/", False),
    ]
    rows = []
    for label, path, cold in pages:
        times, queries, error = _measure(client, path, cold=cold)
        rows.append((label, path, times, queries, error))
    say("")
    say(f"{INVOICES:,} invoices; {REPEAT} requests per page after {WARMUP} warm-up; server time in ms")
    say(f"{'page':<40} {'p50':>8} {'p95':>8} {'max':>8} {'queries':>8}  verdict")
    say("-" * 88)
    for label, path, times, queries, error in rows:
        if error:
            say(f"{label:<40} {'n/a (' + error + ')'}")
            continue
        p95 = _p95(times)
        verdict = "baseline" if path == "/healthz" else ("ok" if p95 < TARGET_MS else f"SLOW (target {TARGET_MS:.0f})")
        say(f"{label:<40} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f} {queries:8d}  {verdict}")
    say("")
    try:
        say(_bulk_chunk())
    except Exception as exc:
        say(f"bulk chunk: n/a ({type(exc).__name__}: {str(exc)[:100]})")


def main() -> None:
    from facturier.testing.pgserver import throwaway_cluster

    started = time.monotonic()
    with throwaway_cluster() as url, tempfile.TemporaryDirectory(prefix="facturier-bench-ui.") as tmp:
        _setup_django(url, tmp)
        try:
            _run()
        except Exception:
            traceback.print_exc()
            sys.exit(1)
    say(f"total: {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
