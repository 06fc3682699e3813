from __future__ import annotations

import pytest

from facturier.crm.inputs import CustomerIn, InputError
from facturier.crm.models import Customer, CustomerEmail
from facturier.crm.services import customer_upsert

pytestmark = pytest.mark.django_db


def data(**fields: object) -> CustomerIn:
    return CustomerIn.model_validate(
        {"external_ref": "C-1", "name": "Alpha", "emails": ["a@alpha.example"], "language": "fr", **fields}
    )


def test_upsert_creates_then_updates() -> None:
    customer, created = customer_upsert(data=data(city="Lyon"))
    assert created and customer.postal_city == "Lyon"
    again, created = customer_upsert(data=data(name="Alpha SA"))
    assert not created and again.pk == customer.pk and again.postal_city == "Lyon" and again.name == "Alpha SA"


def test_an_empty_string_clears_a_text_field() -> None:
    customer_upsert(data=data(phone="0102"))
    customer, _ = customer_upsert(data=data(phone=""))
    assert customer.phone == ""


def test_a_customer_may_have_no_address_for_the_postal_channel() -> None:
    customer, _ = customer_upsert(data=data(emails=[]))
    assert not customer.emails.exists()


def test_a_refused_update_writes_nothing() -> None:
    customer_upsert(data=data(send_from="08:00", send_until="10:00", emails=["a@alpha.example"]))
    with pytest.raises(InputError):
        customer_upsert(data=data(name="Changed", send_from="11:00", emails=["b@alpha.example"]))
    assert Customer.objects.get().name == "Alpha"
    assert list(CustomerEmail.objects.filter(active=True).values_list("address", flat=True)) == ["a@alpha.example"]
