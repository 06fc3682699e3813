"""The periodic steps the worker runs, besides sending. One place, so the set is visible at a glance.

Each entry is the dotted path of a function `step(*, now: datetime) -> int` that does one bounded
batch of work and returns how many things it handled (0 = nothing to do). The worker calls each
in turn on every loop; a step must be safe to run on several workers at once (claim its rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import import_module

JOBS: list[str] = [
    "facturier.dispatch.worker.expire_leases",
    "facturier.letters.batches.cut_off_due",
    "facturier.webhooks.delivery.deliver_due",
    "facturier.returns.services.retry_failed",
    "facturier.bulk.runner.run_due",
    "facturier.dashboard.domain_stats.refresh_domain_stats",
]


def load_jobs() -> list[tuple[str, Callable[..., int]]]:
    loaded = []
    for path in JOBS:
        module, _, name = path.rpartition(".")
        loaded.append((path, getattr(import_module(module), name)))
    return loaded


def run_jobs_once(*, now: dt.datetime) -> dict[str, int]:
    return {path: step(now=now) for path, step in load_jobs()}
