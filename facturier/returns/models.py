from __future__ import annotations

import zlib

from django.db import models


class InboundState(models.TextChoices):
    STORED = "stored", "stored, not processed yet"
    PROCESSED = "processed", "processed"
    UNMATCHED = "unmatched", "processed, tied to no dispatch"
    FAILED = "failed", "processing failed (retryable)"


class InboundMessage(models.Model):
    """A returned e-mail exactly as received, stored before anything else happens to it.

    The raw bytes are zlib-compressed; sha256 of the raw bytes makes the same message, delivered
    twice (IMAP re-fetch, MTA retry), one row.
    """

    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=16, help_text="imap, lmtp, smtp, pipe, sandbox, upload")
    sha256 = models.CharField(max_length=64, unique=True)
    raw_compressed = models.BinaryField()
    size = models.PositiveIntegerField()
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.CharField(max_length=320, blank=True, help_text="the VERP address it came to")
    from_header = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    message_id_header = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=12, choices=InboundState.choices, default=InboundState.STORED)
    kind = models.CharField(max_length=20, blank=True, help_text="the classifier's kind, once processed")
    error = models.TextField(blank=True)
    process_attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "received_at"]), models.Index(fields=["kind", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.subject[:60]}"

    @property
    def raw(self) -> bytes:
        return zlib.decompress(bytes(self.raw_compressed))


class ReturnVerdict(models.Model):
    """The classifier's result for one recipient of a returned message, and what it was tied to."""

    inbound = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="verdicts")
    dispatch = models.ForeignKey(
        "dispatch.Dispatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="verdicts"
    )
    kind = models.CharField(max_length=20)
    reason = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=16, blank=True, help_text="enhanced status code, e.g. 5.1.1")
    rcpt = models.CharField(max_length=320, blank=True)
    diagnostic = models.TextField(blank=True)
    original_message_id = models.CharField(max_length=500, blank=True)
    envelope_id = models.CharField(max_length=100, blank=True)
    return_date = models.DateField(null=True, blank=True, help_text="auto-replies: back on this day")
    matched_by = models.CharField(max_length=16, blank=True, help_text="verp, message_id, rcpt_window, or empty")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inbound_id", "id"]
        indexes = [models.Index(fields=["kind", "-created_at"])]
