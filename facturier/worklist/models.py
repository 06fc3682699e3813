from __future__ import annotations

from django.conf import settings
from django.db import models


class WorkItemKind(models.TextChoices):
    INVALID_ADDRESS = "invalid_address", "invalid address"
    SOFT_BOUNCE_EXHAUSTED = "soft_bounce_exhausted", "soft bounce, retries exhausted"
    COMPLAINT = "complaint", "complaint"
    HUMAN_REPLY = "human_reply", "human reply"
    CHALLENGE = "challenge", "challenge-response to answer"
    UNMATCHED_RETURN = "unmatched_return", "unmatched return"
    UNCERTAIN_DISPATCH = "uncertain_dispatch", "uncertain dispatch"
    SEND_FAILED = "send_failed", "sending failed"
    BAD_PDF = "bad_pdf", "unusable invoice PDF"
    NO_POSTAL_ADDRESS = "no_postal_address", "no postal address"
    AUTO_REPLY = "auto_reply", "auto-reply"  # created closed, so the auto-closed tab shows them


class WorkItemState(models.TextChoices):
    OPEN = "open", "open"
    CLOSED = "closed", "closed"


class WorkItem(models.Model):
    """Something that needs a person, created by a rule; closed by a person or by a rule, with why."""

    kind = models.CharField(max_length=24, choices=WorkItemKind.choices)
    state = models.CharField(max_length=8, choices=WorkItemState.choices, default=WorkItemState.OPEN)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="work_items"
    )
    customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="work_items"
    )
    dispatch = models.ForeignKey(
        "dispatch.Dispatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="work_items"
    )
    inbound = models.ForeignKey(
        "returns.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="work_items"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_closed = models.BooleanField(default=False)
    resolution = models.CharField(max_length=300, blank=True, help_text="how it was closed, and why")

    class Meta:
        ordering = ["created_at", "id"]  # oldest first: the worklist is a queue
        # The worklist pages are keyset-paginated on (created_at, id) within one tab: each tab and
        # filter has an index whose leading equality columns are followed by (created_at, id), so a
        # page is an index range scan that stops after a page of rows, whatever the table's size.
        indexes = [
            models.Index(fields=["state", "kind", "created_at", "id"], name="worklist_state_kind_created"),
            models.Index(fields=["state", "created_at", "id"], name="worklist_state_created"),
            models.Index(fields=["state", "auto_closed", "created_at", "id"], name="worklist_closed_created"),
            models.Index(fields=["assignee", "state", "created_at", "id"], name="worklist_assignee_created"),
            models.Index(fields=["state", "auto_closed", "-closed_at"]),
        ]

    def __str__(self) -> str:
        return f"[{self.kind}] {self.title}"


class WorkItemComment(models.Model):
    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]
