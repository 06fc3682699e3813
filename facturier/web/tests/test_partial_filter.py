from __future__ import annotations

import pytest
from django.http import QueryDict

from facturier.testing.factories import make_invoice
from facturier.web.forms import parse_invoice_query
from facturier.web.selectors import invoice_filtered

pytestmark = pytest.mark.django_db


def _filtered_by_states(*states: str) -> set[int]:
    query = QueryDict(mutable=True)
    query.setlist("state", list(states))
    _, filters, _ = parse_invoice_query(query)
    return set(invoice_filtered(filters).values_list("pk", flat=True))


def test_state_filter_finds_partial_invoices_that_include_that_state() -> None:
    bounced_somewhere = make_invoice(status="partial", status_detail="delivered 1, bounced_hard 1")
    bounced_first = make_invoice(status="partial", status_detail="bounced_hard 1, delivered 1")
    bounced_everywhere = make_invoice(status="bounced_hard")
    make_invoice(status="partial", status_detail="bounced_soft 1, delivered 1")
    make_invoice(status="delivered")
    assert _filtered_by_states("bounced_hard") == {bounced_somewhere.pk, bounced_first.pk, bounced_everywhere.pk}
