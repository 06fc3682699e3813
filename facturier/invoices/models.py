from __future__ import annotations

from django.db import models

from facturier.core.models import TimeStamped


class Invoice(TimeStamped):
    """An invoice as the ERP delivered it. The PDF is kept unchanged; delivery lives in Dispatch rows."""

    number = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey("crm.Customer", on_delete=models.PROTECT, related_name="invoices")
    issue_date = models.DateField()
    due_date = models.DateField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    pdf = models.FileField(upload_to="invoices/%Y/%m/")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=16, default="api", help_text="api, csv, folder, demo")
    # Rolled up from the dispatches (see dispatch.states.rollup) and stored, so that lists and
    # filters over a million invoices stay an index scan. Refreshed by dispatch services.
    status = models.CharField(max_length=20, default="new", db_index=True)
    status_detail = models.CharField(max_length=200, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    # Room for the billing cycle (stages, dunning, payment) without a rewrite: later issues add
    # models pointing here; these two are what they will need first.
    paid_at = models.DateTimeField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="free ERP metadata")

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "-issue_date"]),
            models.Index(fields=["status", "-issue_date"]),
            models.Index(fields=["-issue_date", "-id"]),
            # The amount filter (a range) and the amount sort (keyset on total, id).
            models.Index(fields=["total", "id"]),
        ]

    def __str__(self) -> str:
        return self.number
