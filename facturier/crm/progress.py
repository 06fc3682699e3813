"""Progress bars and error reports shared by the import commands."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import CommandError
from tqdm import tqdm

T = TypeVar("T")
MAX_ERRORS_SHOWN = 50  # beyond that, the first ones are what a person fixes first anyway


def progress_for(verbosity: int) -> Any:
    """A wrapper that shows a tqdm bar on stderr (stdout stays parseable); none at verbosity 0."""

    def wrap(items: Iterable[T], label: str) -> Iterable[T]:
        total = len(items) if isinstance(items, Sequence) else None
        return tqdm(items, desc=label, total=total, unit=" rows", file=sys.stderr, disable=verbosity == 0, leave=False)

    return wrap


def fail_with(stderr: Any, source: Path, errors: Sequence[object]) -> None:
    """Report the errors line by line, then exit 1 (CommandError) saying nothing was written."""
    for error in errors[:MAX_ERRORS_SHOWN]:
        stderr.write(f"{source}: {error}")
    if len(errors) > MAX_ERRORS_SHOWN:
        stderr.write(f"... and {len(errors) - MAX_ERRORS_SHOWN} more")
    first = errors[0]
    raise CommandError(f"{len(errors)} error(s), first: {first}. Nothing was written.")
