from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from facturier.api.tests.helpers import fields_of
from facturier.crm.models import Customer, CustomerActivity, CustomerEmail, EmailStatus

pytestmark = pytest.mark.django_db


def customer_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_ref": "C-ACME",
        "name": "ACME SARL",
        "emails": ["compta@acme.example", "boss@acme.example"],
        "language": "fr",
    }
    body.update(overrides)
    return body


def post(api: Client, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/customers", body, content_type="application/json")


def test_a_new_customer_is_created_with_201(api: Client) -> None:
    response = post(
        api,
        customer_payload(
            postal_name="ACME",
            line1="1 rue de la Paix",
            postal_code="75002",
            city="Paris",
            country="fr",
            time_zone="Europe/Brussels",
            send_days=[1, 2, 3],
            send_from="09:00",
            send_until="17:30",
            phone="+33 1 23 45 67 89",
        ),
    )
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(external_ref="C-ACME")
    assert customer.postal_line1 == "1 rue de la Paix"
    assert customer.postal_country == "FR"
    assert customer.time_zone == "Europe/Brussels"
    assert customer.send_days == "123"
    assert customer.send_from == dt.time(9, 0) and customer.send_until == dt.time(17, 30)
    assert sorted(customer.emails.values_list("address", flat=True)) == ["boss@acme.example", "compta@acme.example"]
    assert response.json()["send_days"] == [1, 2, 3]


def test_the_same_reference_again_updates_with_200_and_keeps_omitted_fields(api: Client) -> None:
    post(api, customer_payload(city="Paris", phone="0102030405"))
    response = post(api, customer_payload(name="ACME SAS"))
    assert response.status_code == 200
    customer = Customer.objects.get()
    assert customer.name == "ACME SAS"
    assert customer.postal_city == "Paris" and customer.phone == "0102030405"


def test_updating_emails_retires_old_adds_new_and_keeps_status_of_the_rest(api: Client) -> None:
    post(api, customer_payload())
    CustomerEmail.objects.filter(address="compta@acme.example").update(status=EmailStatus.VERIFIED)
    response = post(api, customer_payload(emails=["compta@acme.example", "new@acme.example"]))
    assert response.status_code == 200
    rows = {e.address: e for e in CustomerEmail.objects.all()}
    assert rows["compta@acme.example"].active and rows["compta@acme.example"].status == EmailStatus.VERIFIED
    assert rows["new@acme.example"].active
    assert not rows["boss@acme.example"].active  # kept, as history
    assert CustomerActivity.objects.filter(kind="emails_updated").count() == 1


def test_an_address_listed_again_comes_back_with_its_old_status(api: Client) -> None:
    post(api, customer_payload(emails=["a@acme.example"]))
    CustomerEmail.objects.update(status=EmailStatus.INVALID)
    post(api, customer_payload(emails=["b@acme.example"]))
    post(api, customer_payload(emails=["A@acme.example", "b@acme.example"]))
    a_rows = CustomerEmail.objects.filter(address__iexact="a@acme.example")
    assert a_rows.count() == 1
    assert a_rows.get().active and a_rows.get().status == EmailStatus.INVALID


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"emails": ["compta@acme.example", "not-an-address"]}, "emails"),
        ({"emails": 42}, "emails"),
        ({"language": "xx"}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"send_days": [0, 8]}, "send_days"),
        ({"send_from": "18:00", "send_until": "08:00"}, "send_until"),
        ({"country": "FRA"}, "country"),
        ({"external_ref": ""}, "external_ref"),
        ({"name": None}, "name"),
    ],
)
def test_bad_customer_fields_get_422_naming_the_field(api: Client, overrides: dict[str, Any], field: str) -> None:
    response = post(api, customer_payload(**overrides))
    assert response.status_code == 422
    assert fields_of(response) == [field]
    assert not Customer.objects.exists()


def test_a_missing_required_field_is_named(api: Client) -> None:
    body = customer_payload()
    del body["language"]
    response = post(api, body)
    assert response.status_code == 422
    assert fields_of(response) == ["language"]


def test_a_window_made_invalid_by_an_update_is_refused_and_nothing_changes(api: Client) -> None:
    post(api, customer_payload(send_from="08:00", send_until="12:00"))
    response = post(api, customer_payload(name="Renamed", send_from="13:00"))
    assert response.status_code == 422
    assert fields_of(response) == ["send_until"]
    assert Customer.objects.get().name == "ACME SARL"


def test_get_customer_by_reference(api: Client) -> None:
    post(api, customer_payload())
    assert api.get("/api/v1/customers/C-ACME").json()["name"] == "ACME SARL"
    response = api.get("/api/v1/customers/NOPE")
    assert response.status_code == 404
    assert fields_of(response) == ["external_ref"]
