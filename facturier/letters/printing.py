"""Hand a built batch to the printer: a CUPS queue (`lp -d QUEUE`) or a hot folder watched by a
print/mail provider. Chosen by settings; the CUPS server is lp's own (CUPS_SERVER or client.conf)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings


class PrintError(RuntimeError):
    """The printer queue or hot folder did not take the batch."""


def hand_over(*, pdf: Path, manifest: Path, title: str) -> str:
    """Send the batch on; returns what to keep as proof (lp's request id, or the copied path)."""
    if settings.FACTURIER_PRINT_QUEUE:
        return _lp(pdf=pdf, queue=settings.FACTURIER_PRINT_QUEUE, title=title)
    if settings.FACTURIER_PRINT_HOT_FOLDER:
        return _hot_folder(pdf=pdf, manifest=manifest, folder=Path(settings.FACTURIER_PRINT_HOT_FOLDER))
    raise PrintError("no printer configured: set FACTURIER_PRINT_QUEUE or FACTURIER_PRINT_HOT_FOLDER")


def _lp(*, pdf: Path, queue: str, title: str) -> str:
    command = ["lp", "-d", queue, "-t", title]
    if settings.FACTURIER_PRINT_DUPLEX:
        command += ["-o", "sides=two-sided-long-edge"]
    try:
        done = subprocess.run([*command, "--", str(pdf)], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintError(f"lp could not run: {exc}") from exc
    if done.returncode != 0:
        raise PrintError(f"lp -d {queue} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[:500]}")
    return done.stdout.strip()[:500]


def _hot_folder(*, pdf: Path, manifest: Path, folder: Path) -> str:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Manifest first, PDF last; each copied under a dot-name then renamed, so a watcher never
        # picks up a half-written file and finds the manifest when the PDF appears.
        for source in (manifest, pdf):
            partial = folder / f".{source.name}.part"
            shutil.copyfile(source, partial)
            os.replace(partial, folder / source.name)
    except OSError as exc:
        raise PrintError(f"hot folder {folder}: {exc}") from exc
    return str(folder / pdf.name)
