"""One error shape for every 4xx: {"detail": [{"field": "...", "message": "..."}]}.

An ERP integration parses one shape whatever went wrong, and always learns which field was at fault
("" when the request as a whole was refused, "Authorization" for a missing or bad token).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pydantic
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from facturier.crm.inputs import InputError, field_errors

# Where ninja says the value came from, and the names our endpoints give their body parameter:
# neither means anything to the caller.
_LOCATIONS = {"body", "query", "path", "form", "file", "header", "cookie"}
_PARAM_NAMES = {"payload", "filters"}


def error_body(errors: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {"detail": [{"field": f, "message": m} for f, m in errors]}


def _field_of(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] in _PARAM_NAMES:
        parts = parts[1:]
    return ".".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, errors: Iterable[tuple[str, str]], status: int) -> HttpResponse:
        return api.create_response(request, error_body(errors), status=status)

    @api.exception_handler(ValidationError)
    def ninja_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            (_field_of(e.get("loc", ())), str(e.get("msg", "invalid")).removeprefix("Value error, "))
            for e in exc.errors
        ]
        return respond(request, errors, 422)

    @api.exception_handler(pydantic.ValidationError)
    def pydantic_validation(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
        return respond(request, field_errors(exc), 422)

    @api.exception_handler(InputError)
    def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
        return respond(request, [(exc.field, exc.message)], exc.status)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, [("Authorization", "a valid bearer token is required")], 401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, [("", str(exc))], exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, [("", "not found")], 404)
