from __future__ import annotations

from django.conf import settings
from django.db import models

from facturier.dispatch.states import State


class Channel(models.TextChoices):
    EMAIL = "email", "e-mail"
    POST = "post", "post"


class Purpose(models.TextChoices):
    # What the dispatch carries. Only invoices today; reminders (dunning) and progress
    # notifications of the billing cycle become new purposes on the same machinery.
    INVOICE = "invoice", "invoice"


class Dispatch(models.Model):
    """One delivery of one document to one recipient through one channel (see dispatch.states)."""

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="dispatches")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.INVOICE)
    recipient = models.CharField(max_length=254, help_text="e-mail address, or the postal address's first line")
    state = models.CharField(max_length=16, choices=[(s.value, s.value) for s in State], default=State.SCHEDULED)
    scheduled_at = models.DateTimeField(help_text="the send time asked for")
    # When a worker may take it next: scheduled_at at first, later the retry time after a 4xx.
    due_at = models.DateTimeField()
    # VERP token: goes into the envelope sender (bounces+TOKEN@domain) and ENVID. Unguessable, so a
    # forged bounce cannot be tied to a dispatch by guessing.
    token = models.CharField(max_length=32, unique=True)
    message_id = models.CharField(max_length=250, unique=True, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True, help_text="start of the lease")
    accepted_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    last_reply = models.CharField(max_length=1000, blank=True, help_text="last SMTP reply or DSN diagnostic")
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, default="system")

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The worker's claim query: due scheduled dispatches, oldest first.
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["invoice", "-id"]),
            models.Index(fields=["recipient"]),
            models.Index(fields=["state", "-scheduled_at"]),
        ]
        verbose_name_plural = "dispatches"

    def __str__(self) -> str:
        return f"{self.invoice_id} -> {self.recipient} [{self.state}]"


class DispatchAttempt(models.Model):
    """One try at handing a dispatch to the relay, with what the relay answered."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="send_attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, help_text="accepted, temp_fail, perm_fail, error")
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    smtp_reply = models.CharField(max_length=1000, blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["dispatch_id", "number"]
        constraints = [models.UniqueConstraint(fields=["dispatch", "number"], name="uniq_attempt_number")]


class DeliveryEvent(models.Model):
    """Append-only timeline of an invoice, with the evidence for each step (proof of sending)."""

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="events")
    dispatch = models.ForeignKey(Dispatch, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    # created, scheduled, rescheduled, sending, smtp_accepted, smtp_temp_fail, smtp_rejected,
    # uncertain, dsn, bounce, auto_reply, complaint, read_receipt, reply, address_invalid,
    # resend, cancelled, letter_*, ...
    kind = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    summary = models.CharField(max_length=500)
    # The evidence as received: SMTP code and reply text, DSN fields, classifier verdict, ...
    evidence = models.JSONField(default=dict, blank=True)
    inbound_message = models.ForeignKey(
        "returns.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    actor = models.CharField(max_length=150, default="system")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["invoice", "at"]), models.Index(fields=["kind", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}: {self.summary}"
