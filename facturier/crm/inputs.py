"""What the ERP may send about a customer, checked in one place for the API and the CSV import.

Pydantic models (the API shows them in its OpenAPI docs); every check that needs no database lives
here, so that a bad CSV line and a bad API call get the same message naming the same field.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from facturier.crm.models import Language


class InputError(Exception):
    """Bad input that names the field at fault. status is the HTTP answer the API gives it."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(InputError):
    status = 404


class ConflictError(InputError):
    status = 409


class TooLargeError(InputError):
    status = 413


def field_errors(exc: PydanticValidationError) -> list[tuple[str, str]]:
    """(field, message) pairs from a pydantic error, with pydantic's "Value error, " prefix removed."""
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        message = str(err.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        out.append((".".join(loc) or "body", message))
    return out


def _split(value: Any, seps: str = ";,") -> Any:
    # CSV cells and form fields carry lists as "a;b" strings; the API sends JSON arrays.
    if isinstance(value, str):
        return [part.strip() for part in re.split(f"[{re.escape(seps)}]", value) if part.strip()]
    return value


def clean_emails(values: Iterable[Any]) -> list[str]:
    """Validated, stripped, de-duplicated (case-insensitively) addresses, in the order given."""
    seen: set[str] = set()
    out: list[str] = []
    for position, raw in enumerate(values, start=1):
        address = str(raw).strip() if raw is not None else ""
        try:
            validate_email(address)
        except DjangoValidationError:
            raise ValueError(f"item {position} ({address!r}) is not an e-mail address") from None
        if address.casefold() not in seen:
            seen.add(address.casefold())
            out.append(address)
    return out


class CustomerIn(BaseModel):
    """A customer as the ERP knows it. Optional fields left out (None) keep their stored value on
    update; an empty string clears a text field."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    external_ref: str = Field(min_length=1, max_length=64, description="the ERP's customer reference (upsert key)")
    name: str = Field(min_length=1, max_length=200)
    emails: list[str] = Field(description="billing addresses; addresses no longer listed are retired")
    language: str = Field(description="fr, en or de")
    postal_name: str | None = Field(None, max_length=200)
    line1: str | None = Field(None, max_length=200)
    line2: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    country: str | None = Field(None, description="ISO 3166 alpha-2, e.g. FR")
    time_zone: str | None = Field(None, description="IANA name, e.g. Europe/Paris; empty = company time zone")
    send_days: list[int] | None = Field(None, description="ISO weekdays, 1 = Monday, e.g. [1, 2, 3, 4, 5]")
    send_from: dt.time | None = Field(None, description="local time, e.g. 08:00")
    send_until: dt.time | None = Field(None, description="local time, e.g. 18:00")
    phone: str | None = Field(None, max_length=40)

    @field_validator("emails", mode="before")
    @classmethod
    def _emails(cls, value: Any) -> list[str]:
        value = _split(value)
        if not isinstance(value, list):
            raise ValueError("must be a list of e-mail addresses")
        return clean_emails(value)

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> str:
        code = str(value or "").strip().lower()
        if code not in Language.values:
            raise ValueError(f"unknown language {value!r}; expected one of {', '.join(Language.values)}")
        return code

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        code = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError("must be an ISO 3166 alpha-2 code such as FR")
        return code

    @field_validator("time_zone", mode="before")
    @classmethod
    def _time_zone(cls, value: Any) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        name = str(value).strip()
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}; expected an IANA name such as Europe/Paris") from None
        return name

    @field_validator("send_days", mode="before")
    @classmethod
    def _send_days(cls, value: Any) -> list[int] | None:
        if value is None:
            return None
        if isinstance(value, str) and re.fullmatch(r"\s*[1-7]+\s*", value):
            value = list(value.strip())  # "12345", the way it is stored
        value = _split(value, ";, ")
        if not isinstance(value, list) or not value:
            raise ValueError("must be a non-empty list of ISO weekdays (1 = Monday ... 7 = Sunday)")
        days: set[int] = set()
        for item in value:
            try:
                day = int(item)
            except (TypeError, ValueError):
                raise ValueError(f"{item!r} is not a weekday number (1 = Monday ... 7 = Sunday)") from None
            if isinstance(item, bool) or not 1 <= day <= 7:
                raise ValueError(f"{item!r} is not a weekday number (1 = Monday ... 7 = Sunday)")
            days.add(day)
        return sorted(days)

    @field_validator("send_until")
    @classmethod
    def _window(cls, value: dt.time | None, info: Any) -> dt.time | None:
        start = info.data.get("send_from")
        if value is not None and start is not None and value <= start:
            raise ValueError("must be later than send_from")
        return value


# API field name -> Customer model field, for the fields stored as they come.
CUSTOMER_FIELDS = {
    "name": "name",
    "language": "language",
    "postal_name": "postal_name",
    "line1": "postal_line1",
    "line2": "postal_line2",
    "postal_code": "postal_code",
    "city": "postal_city",
    "country": "postal_country",
    "time_zone": "time_zone",
    "send_from": "send_from",
    "send_until": "send_until",
    "phone": "phone",
}
