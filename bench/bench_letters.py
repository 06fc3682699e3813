"""Letters benchmark: cover letters per second, and building a 1,000-letter print batch.

1. Letters per second for a 2-page invoice: render the cover letter (WeasyPrint) and merge it with
   the invoice's pages (pypdf), each letter with its own address and number. Baselines measured in
   the same run: a bare WeasyPrint render of a one-line page (the floor of any HTML->PDF letter),
   and the merge alone.
2. A real 1,000-letter batch: 1,000 letters queued through the production path (letter_queue:
   render, merge, postal dispatch, letter row, timeline event), then the batch built (one merged
   PDF + manifest) and closed (hand-over to a hot folder, 1,000 dispatches moved to "accepted",
   1,000 CRM activities).
3. Memory while building: peak RSS of a fresh process building a 100-letter batch and a
   1,000-letter batch. The build is streamed, so the peak must not grow with the batch.

Each measurement runs in its own process (Django is set up once per process; peak RSS is per
process) against one SQLite database in a temporary folder.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RATE_COUNT = 40
# BENCH_LETTERS_SIZES=10,50 for a quick smoke run; the figures in the README use 100 and 1,000.
_SMALL, _BIG = (int(x) for x in os.environ.get("BENCH_LETTERS_SIZES", "100,1000").split(","))
BATCH_SIZES = (_SMALL, _BIG)


def _setup(tmp: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        FACTURIER_MEDIA_DIR=str(tmp / "media"),
        FACTURIER_VAR_DIR=str(tmp / "var"),
        FACTURIER_PRINT_HOT_FOLDER=str(tmp / "hot"),
        FACTURIER_PORTAL_URL="https://portal.example.com",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def _invoice_pdf() -> bytes:
    from weasyprint import HTML

    pages = "".join(
        f"<section style='page-break-after: always'><h1>INVOICE PAGE {n}</h1>"
        + "<table>"
        + "".join(f"<tr><td>Line {i}</td><td>{i * 3}.00 EUR</td></tr>" for i in range(30))
        + "</table></section>"
        for n in (1, 2)
    )
    return bytes(HTML(string=f"<html><body>{pages}</body></html>").write_pdf())


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# --- Part 1: letters per second (in-process, no database) ---------------------------------------


def part_rate(tmp: str) -> dict[str, Any]:
    import datetime as dt
    import io

    _setup(Path(tmp))
    from pypdf import PdfReader
    from weasyprint import HTML

    from facturier.letters.envelope import address_field
    from facturier.letters.rendering import CoverLetter, invoice_reader, letter_compose, render_cover_letter

    invoice = _invoice_pdf()
    HTML(string="<p>warm up</p>").write_pdf()

    def letter(n: int) -> CoverLetter:
        return CoverLetter(
            language=("fr", "en", "de")[n % 3],
            recipient_lines=[f"Client {n} SARL", f"{n} rue des Tests", f"{75000 + n % 20:05d} Paris"],
            invoice_number=f"F-2026-{n:06d}",
            letter_date=dt.date(2026, 11, 23),
            company_name="Exemple SAS",
            company_address_lines=["1 rue de l'Exemple", "75001 Paris"],
            company_contact="factures@example.com",
            window=address_field("right"),
            failed_address=f"client{n}@example.com",
            failed_on=dt.date(2026, 11, 20),
            portal_url=f"https://portal.example.com/address/{n}",
        )

    started = time.perf_counter()
    for n in range(RATE_COUNT):
        letter_compose(cover_pdf=render_cover_letter(letter(n)), invoice=invoice_reader(invoice))
    full = time.perf_counter() - started

    started = time.perf_counter()
    for n in range(RATE_COUNT):
        HTML(string=f"<p>Letter {n}</p>").write_pdf()
    bare = time.perf_counter() - started

    cover = render_cover_letter(letter(0))
    started = time.perf_counter()
    for _ in range(RATE_COUNT):
        letter_compose(cover_pdf=cover, invoice=PdfReader(io.BytesIO(invoice)))
    merge = time.perf_counter() - started
    return {
        "letters_per_s": RATE_COUNT / full,
        "bare_render_per_s": RATE_COUNT / bare,
        "merge_per_s": RATE_COUNT / merge,
    }


# --- Part 2: queue 1,000 letters through the production path -------------------------------------


def part_queue(tmp: str) -> dict[str, Any]:
    _setup(Path(tmp))
    from django.core.management import call_command

    from facturier.invoices.models import Invoice
    from facturier.letters.models import PrintBatch
    from facturier.letters.services import letter_queue
    from facturier.testing.factories import make_customer, make_invoice

    call_command("migrate", verbosity=0)
    pdf = _invoice_pdf()
    count = max(BATCH_SIZES)
    for n in range(count):
        customer = make_customer(language=("fr", "en", "de")[n % 3], postal_line1=f"{n} avenue du Banc d'Essai")
        make_invoice(customer=customer, pdf=pdf)
    started = time.perf_counter()
    for invoice in Invoice.objects.select_related("customer").order_by("id"):
        outcome = letter_queue(invoice=invoice, reason="print_now")
        assert outcome.letter is not None, outcome.problem
    took = time.perf_counter() - started
    big = PrintBatch.objects.get()
    small = PrintBatch.objects.create(due_at=big.due_at, state="closing")  # never claimed by the open-batch query
    return {"queue_s": took, "queue_per_s": count / took, "big": big.pk, "small": small.pk}


def part_build(tmp: str, batch_id: str, size: str) -> dict[str, Any]:
    _setup(Path(tmp))
    import psutil

    from facturier.letters.batches import batch_build
    from facturier.letters.models import Letter, PrintBatch

    batch = PrintBatch.objects.get(pk=int(batch_id))
    if Letter.objects.filter(batch=batch).count() != int(size):
        raise SystemExit(f"batch {batch_id} does not hold {size} letters")
    rss_before = psutil.Process().memory_info().rss / 2**20
    peak_before = _peak_mb()
    started = time.perf_counter()
    pdf, _ = batch_build(batch=batch)
    took = time.perf_counter() - started
    batch.refresh_from_db()
    return {
        "build_s": took,
        "pages": batch.page_count,
        "mb": pdf.stat().st_size / 2**20,
        "rss_before_mb": rss_before,
        "peak_before_mb": peak_before,
        "peak_mb": _peak_mb(),
    }


def part_build_in_memory(tmp: str, batch_id: str) -> dict[str, Any]:
    """Baseline: the same batch merged with pypdf's PdfWriter, which holds every page until write()."""
    _setup(Path(tmp))
    from pypdf import PdfWriter

    from facturier.letters.models import Letter

    peak_before = _peak_mb()
    started = time.perf_counter()
    writer = PdfWriter()
    for letter in Letter.objects.filter(batch_id=int(batch_id)).order_by("id").iterator(chunk_size=200):
        writer.append(letter.pdf.path)
    with (Path(tmp) / "in-memory.pdf").open("wb") as out:
        writer.write(out)
    return {"build_s": time.perf_counter() - started, "peak_before_mb": peak_before, "peak_mb": _peak_mb()}


def part_close(tmp: str, batch_id: str) -> dict[str, Any]:
    _setup(Path(tmp))
    from django.utils import timezone

    from facturier.letters.batches import batch_close

    started = time.perf_counter()
    batch = batch_close(batch_id=int(batch_id), now=timezone.now())
    took = time.perf_counter() - started
    assert batch is not None and batch.state == "handed_over", batch and batch.error
    return {"close_s": took, "letters": batch.letter_count, "peak_mb": _peak_mb()}


# --- Driver ---------------------------------------------------------------------------------------


def _run(part: str, *args: str) -> dict[str, Any]:
    code = f"import json, bench.bench_letters as b; print('RESULT' + json.dumps(b.part_{part}(*{list(args)!r})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    if done.returncode or line is None:
        raise SystemExit(f"part {part} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return dict(json.loads(line.removeprefix("RESULT")))


def _move_letters(tmp: str, *, to_batch: int, count: int, from_batch: int) -> None:
    code = (
        f"import bench.bench_letters as b, pathlib; b._setup(pathlib.Path({tmp!r}));"
        "from facturier.letters.models import Letter;"
        f"rows = Letter.objects.filter(batch_id={from_batch}).order_by('id');"
        f"ids = list(rows.values_list('id', flat=True)[:{count}]);"
        f"Letter.objects.filter(id__in=ids).update(batch_id={to_batch})"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="facturier-bench-letters.")
    try:
        rate = _run("rate", tmp)
        print(f"letters (render + merge, 2-page invoice): {rate['letters_per_s']:.1f}/s")
        print(
            f"  baselines: bare WeasyPrint one-liner {rate['bare_render_per_s']:.1f}/s,",
            f"merge alone {rate['merge_per_s']:.0f}/s",
        )
        started = time.perf_counter()
        queued = _run("queue", tmp)
        print(
            f"queue {max(BATCH_SIZES)} letters through letter_queue: {queued['queue_s']:.1f} s",
            f"({queued['queue_per_s']:.1f}/s)  [setup with invoices: {time.perf_counter() - started:.0f} s]",
        )
        small, big = BATCH_SIZES
        _move_letters(tmp, to_batch=queued["small"], count=small, from_batch=queued["big"])
        built_small = _run("build", tmp, str(queued["small"]), str(small))
        _move_letters(tmp, to_batch=queued["big"], count=small, from_batch=queued["small"])
        built_big = _run("build", tmp, str(queued["big"]), str(big))
        for size, built in ((small, built_small), (big, built_big)):
            print(
                f"build a {size:>4}-letter batch: {built['build_s']:5.1f} s, {built['pages']} pages,",
                f"{built['mb']:.1f} MB PDF; RSS {built['rss_before_mb']:.0f} MB before, peak {built['peak_mb']:.0f} MB "
                f"(+{built['peak_mb'] - built['peak_before_mb']:.0f} MB while building)",
            )
        growth = built_big["peak_mb"] - built_small["peak_mb"]
        print(f"  peak RSS growth from {small} to {big} letters: {growth:+.0f} MB (streamed: should stay near 0)")
        baseline = _run("build_in_memory", tmp, str(queued["big"]))
        print(
            f"  baseline, pypdf PdfWriter (whole batch in memory), {big} letters: {baseline['build_s']:.1f} s,",
            f"peak {baseline['peak_mb']:.0f} MB",
            f"(+{baseline['peak_mb'] - baseline['peak_before_mb']:.0f} MB while building)",
        )
        closed = _run("close", tmp, str(queued["big"]))
        print(
            f"close the {big}-letter batch (build + hot folder + {big} dispatches accepted + {big} CRM activities): "
            f"{closed['close_s']:.1f} s, peak RSS {closed['peak_mb']:.0f} MB"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
