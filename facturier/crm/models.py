from __future__ import annotations

import datetime as dt

from django.db import models

from facturier.core.models import TimeStamped


class Language(models.TextChoices):
    FR = "fr", "Français"
    EN = "en", "English"
    DE = "de", "Deutsch"


class Customer(TimeStamped):
    """A customer as the ERP knows it, plus what sending needs: addresses, language, send window."""

    external_ref = models.CharField(max_length=64, unique=True, help_text="the ERP's customer reference")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.FR)
    time_zone = models.CharField(max_length=64, blank=True, help_text="IANA name; empty = company time zone")
    # Send window: ISO weekdays (1 = Monday) as a string of digits, and a local time range.
    send_days = models.CharField(max_length=7, default="12345")
    send_from = models.TimeField(default=dt.time(8, 0))
    send_until = models.TimeField(default=dt.time(18, 0))
    # Postal address, for the print fallback. Lines as they go on an envelope.
    postal_name = models.CharField(max_length=200, blank=True)
    postal_line1 = models.CharField(max_length=200, blank=True)
    postal_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    postal_city = models.CharField(max_length=100, blank=True)
    postal_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2")
    phone = models.CharField(max_length=40, blank=True)
    complaint_flag = models.BooleanField(default=False, help_text="a recipient reported our mail as spam")
    # Per-customer overrides of company policy (print on invalid address, formats, ...): later issues
    # add keys here rather than columns until a preference needs to be queried.
    preferences = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_ref})"

    @property
    def has_postal_address(self) -> bool:
        return bool(self.postal_line1 and self.postal_code and self.postal_city)


class EmailStatus(models.TextChoices):
    UNVERIFIED = "unverified", "unverified"
    VERIFIED = "verified", "verified"
    INVALID = "invalid", "invalid"


class CustomerEmail(TimeStamped):
    """One billing address of a customer. Corrections retire a row (active=False) and add a new one."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(max_length=254)
    status = models.CharField(max_length=12, choices=EmailStatus.choices, default=EmailStatus.UNVERIFIED)
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["customer_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "address"], condition=models.Q(active=True), name="uniq_active_email"
            )
        ]
        indexes = [models.Index(fields=["address"])]

    def __str__(self) -> str:
        return self.address


class CustomerActivity(models.Model):
    """The CRM timeline inside facturier: one row per step worth telling (address invalid, letter
    printed, address corrected, resent, ...). Webhooks to external CRMs are sent from these rows."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities")
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"
