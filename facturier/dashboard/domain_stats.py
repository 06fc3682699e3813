"""The dashboard's deliverability-by-domain table: computed by a worker step, stored, read whole.

The aggregate scans the ~40,000 e-mails of the last 30 days per million invoices (~120 ms on
PostgreSQL, the dashboard's costliest query) and moves slowly. A per-process cache made every web
process and every restart pay for it inside a request; the stored snapshot is computed once for
all of them, off the request path, by `refresh_domain_stats` (listed in core/jobs.py).

Several workers run every step on every loop. A worker reads the snapshot's age first (one
primary-key lookup, the usual outcome); when it is due, it locks the single snapshot row with
`FOR UPDATE SKIP LOCKED`, so the others pass over it instead of computing the same figures, and
checks the age again under the lock (another worker may have just committed). On SQLite the lock
is a no-op; write transactions are serialised there anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Count, IntegerField, Q, Value
from django.db.models.functions import Lower, StrIndex, Substr

from facturier.dashboard.models import DomainStatSnapshot
from facturier.dispatch.models import Dispatch
from facturier.dispatch.states import SENT, State

DELIVERABILITY_DAYS = 30
DOMAINS_SHOWN = 12
# The worker recomputes the table when it is this old: the figures cover 30 days, five minutes
# more or less do not change what they say, and the aggregate is not free.
REFRESH_INTERVAL = dt.timedelta(minutes=5)
# Older than this, nobody is refreshing the table (no worker running): the page computes it itself
# rather than show figures that are badly out of date. Well above REFRESH_INTERVAL, so that a busy
# worker loop (a long sending batch) does not push the cost back into requests.
STALE_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class DomainStat:
    domain: str
    sent: int
    hard: int
    soft: int
    complaints: int

    @property
    def bounce_rate(self) -> float:
        return (self.hard + self.soft) / self.sent if self.sent else 0.0

    @property
    def bounce_percent(self) -> float:
        return 100 * self.bounce_rate


def deliverability_by_domain(
    *, now: dt.datetime, days: int = DELIVERABILITY_DAYS, limit: int = DOMAINS_SHOWN
) -> list[DomainStat]:
    """Per recipient domain, over the e-mails that left our hands in the window: how many, how many
    bounced (hard, soft) or drew a complaint. The busiest domains first."""
    domain = Lower(Substr("recipient", StrIndex("recipient", Value("@")) + Value(1, output_field=IntegerField())))
    rows = (
        Dispatch.objects.filter(
            state__in=[s.value for s in SENT] + [State.COMPLAINED.value],
            scheduled_at__gte=now - dt.timedelta(days=days),
            scheduled_at__lt=now,
            channel="email",
        )
        .annotate(domain=domain)
        .values("domain")
        .annotate(
            sent=Count("id"),
            hard=Count("id", filter=Q(state=State.BOUNCED_HARD)),
            soft=Count("id", filter=Q(state=State.BOUNCED_SOFT)),
            complaints=Count("id", filter=Q(state=State.COMPLAINED)),
        )
        .order_by("-sent", "domain")[:limit]
    )
    return [DomainStat(r["domain"], r["sent"], r["hard"], r["soft"], r["complaints"]) for r in rows]


def _is_fresh(computed_at: dt.datetime | None, *, now: dt.datetime, max_age: dt.timedelta) -> bool:
    return computed_at is not None and now - computed_at < max_age


def _stats(snapshot: DomainStatSnapshot) -> list[DomainStat]:
    return [DomainStat(**row) for row in snapshot.rows]


def domain_stats_latest() -> DomainStatSnapshot | None:
    """The stored snapshot (one primary-key lookup), None before the first computation."""
    return DomainStatSnapshot.objects.filter(pk=DomainStatSnapshot.SINGLETON).first()


def _claim() -> DomainStatSnapshot | None:
    """The snapshot row locked for the caller's transaction, created if missing; None while another
    process holds it. A locked row and a missing one look alike to SKIP LOCKED: the INSERT ... ON
    CONFLICT DO NOTHING creates a missing one without an error, and the second read tells which."""
    locked = DomainStatSnapshot.objects.select_for_update(skip_locked=True).filter(pk=DomainStatSnapshot.SINGLETON)
    snapshot = locked.first()
    if snapshot is None:
        # On a fresh install, a second worker waits here for the first one's insert to commit
        # (once in the database's life), then finds the row fresh.
        DomainStatSnapshot.objects.bulk_create([DomainStatSnapshot(computed_at=None)], ignore_conflicts=True)
        snapshot = locked.first()
    return snapshot


@transaction.atomic
def domain_stats_refresh(*, now: dt.datetime, max_age: dt.timedelta) -> DomainStatSnapshot | None:
    """Compute and store the domain table unless the stored one is younger than max_age or another
    process is computing it right now. Returns the new snapshot, or None when it left it alone."""
    snapshot = _claim()
    if snapshot is None or _is_fresh(snapshot.computed_at, now=now, max_age=max_age):
        return None
    snapshot.rows = [asdict(stat) for stat in deliverability_by_domain(now=now)]
    snapshot.computed_at = now
    snapshot.save(update_fields=["rows", "computed_at"])
    return snapshot


def refresh_domain_stats(*, now: dt.datetime) -> int:
    """Worker step: recompute the table once it is REFRESH_INTERVAL old. 1 if it did, else 0."""
    latest = domain_stats_latest()
    if latest is not None and _is_fresh(latest.computed_at, now=now, max_age=REFRESH_INTERVAL):
        return 0
    return 0 if domain_stats_refresh(now=now, max_age=REFRESH_INTERVAL) is None else 1


def domain_table(*, now: dt.datetime) -> tuple[list[DomainStat], dt.datetime]:
    """The table and when it was computed, for the dashboard: the stored snapshot in one query.

    With no snapshot yet (fresh install) or one older than STALE_AFTER (no worker running), the
    request computes and stores it, so the page is never empty or badly stale. When another
    process is computing it at that moment, the stale figures are shown (or, with none stored at
    all, computed for this request only) rather than waiting for it.
    """
    latest = domain_stats_latest()
    if latest is None or not _is_fresh(latest.computed_at, now=now, max_age=STALE_AFTER):
        latest = domain_stats_refresh(now=now, max_age=STALE_AFTER) or latest
    if latest is None or latest.computed_at is None:
        return deliverability_by_domain(now=now), now  # another process is computing the first one
    return _stats(latest), latest.computed_at
