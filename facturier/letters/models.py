from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class BatchState(models.TextChoices):
    # Labels are shown on the print batches page. The msgids are the former English labels, so the
    # migration state does not change (makemigrations resolves them untranslated).

    # letters are being added; printed at due_at (the cut-off)
    OPEN = "open", pgettext_lazy("print batch", "open")
    # claimed by a worker: building the PDF, handing it over
    CLOSING = "closing", pgettext_lazy("print batch", "closing")
    # sent to the printer queue or the hot folder
    HANDED_OVER = "handed_over", pgettext_lazy("print batch", "handed over")
    # a person confirmed the envelopes left
    POSTED = "posted", pgettext_lazy("print batch", "posted")
    # the printer or hot folder refused it; see error, send again
    FAILED = "failed", pgettext_lazy("print batch", "failed")


class PrintBatch(models.Model):
    """The letters printed together: one per cut-off (or one per "print now"), as one merged PDF
    plus a manifest CSV that the person at the printer checks the envelopes against."""

    state = models.CharField(max_length=12, choices=BatchState.choices, default=BatchState.OPEN)
    immediate = models.BooleanField(default=False, help_text="printed at once, not at the cut-off")
    due_at = models.DateTimeField(help_text="the cut-off at which it is printed")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    letter_count = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    pdf = models.FileField(upload_to="letters/batches/", blank=True)
    manifest = models.FileField(upload_to="letters/batches/", blank=True)
    output = models.CharField(max_length=500, blank=True, help_text="lp's answer, or the hot-folder path")
    error = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"batch {self.pk} [{self.state}] due {self.due_at:%Y-%m-%d %H:%M}"


class LetterState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("letter", "queued")
    HANDED_OVER = "handed_over", pgettext_lazy("letter", "handed over")
    POSTED = "posted", pgettext_lazy("letter", "posted")


class Letter(models.Model):
    """One invoice by post: the cover letter with the invoice's pages behind it, print-ready.

    Its postal Dispatch carries the state on the invoice timeline: scheduled (queued in a batch)
    -> sending -> accepted (handed over to the printer) -> delivered (posted).
    """

    dispatch = models.OneToOneField("dispatch.Dispatch", on_delete=models.CASCADE, related_name="letter")
    # The e-mail dispatch that bounced, when the letter is the fallback for one.
    source_dispatch = models.ForeignKey(
        "dispatch.Dispatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallback_letters"
    )
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="letters")
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="letters")
    batch = models.ForeignKey(PrintBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters")
    state = models.CharField(max_length=12, choices=LetterState.choices, default=LetterState.QUEUED)
    reason = models.CharField(max_length=20, help_text="address_invalid or print_now")
    language = models.CharField(max_length=2)
    address = models.TextField(help_text="the address block as printed, one line per line")
    pdf = models.FileField(upload_to="letters/%Y/%m/")
    pages = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "id"])]

    def __str__(self) -> str:
        return f"letter {self.pk} for {self.invoice_id} [{self.state}]"
