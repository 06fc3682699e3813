"""`__any`: a list of ids as one parameter (an array on PostgreSQL, an IN list elsewhere)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facturier.crm.models import Customer
from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer, make_invoice

pytestmark = pytest.mark.django_db


def test_any_matches_like_in_and_sends_one_parameter_on_postgresql() -> None:
    a, b, c = (make_customer() for _ in range(3))
    for customer in (a, b, c, c):
        make_invoice(customer=customer)
    ids = [a.pk, c.pk]
    with CaptureQueriesContext(connection) as queries:
        found = sorted(Invoice.objects.filter(customer__any=ids).values_list("customer_id", flat=True))
    assert found == sorted([a.pk, c.pk, c.pk])
    assert found == sorted(Invoice.objects.filter(customer__in=ids).values_list("customer_id", flat=True))
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]
    assert list(Customer.objects.filter(pk__any=[b.pk]).values_list("pk", flat=True)) == [b.pk]


def test_any_of_nothing_matches_nothing_and_refuses_a_string() -> None:
    make_invoice()
    assert not Invoice.objects.filter(customer__any=[]).exists()
    with pytest.raises(TypeError):
        list(Invoice.objects.filter(customer__any="12"))
