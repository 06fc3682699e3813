from __future__ import annotations

from django.conf import settings
from django.db import models


class BulkAction(models.TextChoices):
    RESEND_NOW = "resend_now", "resend now"
    RESEND_AT = "resend_at", "resend at a given time"
    RESCHEDULE = "reschedule", "reschedule"
    CANCEL = "cancel", "cancel"
    PRINT_NOW = "print_now", "print now"


class BulkJobState(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class BulkJob(models.Model):
    """One action applied to many invoices, in chunks, by the worker (or inline when small).

    The selection is either explicit invoice ids or a saved filter (the invoice list's query
    string). A filter is counted at start and walked in ascending id order up to `last_id_at_start`,
    so invoices created after the start are never swept in; `cursor` is the last id handled.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=BulkAction.choices)
    params = models.JSONField(default=dict, blank=True, help_text='e.g. {"send_at": "2026-11-24T08:00:00+01:00"}')
    invoice_ids = models.JSONField(null=True, blank=True, help_text="explicit selection, sorted ascending")
    filter_query = models.CharField(max_length=2000, blank=True, help_text="the invoice list's query string")
    last_id_at_start = models.BigIntegerField(null=True, blank=True)
    cursor = models.BigIntegerField(default=0, help_text="highest invoice id handled so far")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True, help_text="{reason: count}")
    skipped_examples = models.JSONField(default=list, blank=True, help_text="a few (number, reason, detail)")
    state = models.CharField(max_length=8, choices=BulkJobState.choices, default=BulkJobState.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        # The runner's claim query: unfinished jobs, oldest first.
        indexes = [models.Index(fields=["state", "id"])]

    def __str__(self) -> str:
        return f"bulk #{self.pk} {self.action} [{self.state}] {self.handled}/{self.total}"

    @property
    def handled(self) -> int:
        return self.done + self.skipped

    @property
    def finished(self) -> bool:
        return self.state in (BulkJobState.DONE, BulkJobState.FAILED)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.handled / self.total))
