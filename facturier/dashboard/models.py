from __future__ import annotations

from django.db import models


class DomainStatSnapshot(models.Model):
    """The dashboard's deliverability-by-domain table as last computed (see domain_stats.py).

    A single row (id 1), overwritten on each refresh: it is both the latest snapshot, so the table
    never grows, and the row that workers lock to decide which one computes. The figures are JSON,
    not child rows: the table is always read and replaced whole (a dozen domains) and never queried
    by domain, so reading it is one primary-key lookup and replacing it one UPDATE.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    # None only inside the transaction that inserted the row and is computing its first figures.
    computed_at = models.DateTimeField(null=True)
    rows = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"domain stats at {self.computed_at}"
