"""What to do when an e-mail address turns out invalid: company settings, overridden per customer
(Customer.preferences). Pure: no Django import, so the rules are tested with plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class OnInvalidAddress(StrEnum):
    PRINT = "print"  # print and post the invoice with a cover letter, and ask for the address
    WORK_ITEM_ONLY = "work_item_only"  # only ask a person for the corrected address


class PostTiming(StrEnum):
    IMMEDIATE = "immediate"  # print the letter at once (its own small batch)
    CUTOFF = "cutoff"  # add it to today's batch, printed at the cut-off time


@dataclass(frozen=True)
class InvalidAddressPolicy:
    on_invalid_address: OnInvalidAddress = OnInvalidAddress.PRINT
    post_timing: PostTiming = PostTiming.CUTOFF
    resend_on_correction: bool = True


class PolicyError(ValueError):
    """A policy value we do not know (a typo in settings or in a customer's preferences)."""


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise PolicyError(f"{key}={value!r}: expected true/false")


def _choice(enum: type[StrEnum], value: Any, key: str) -> Any:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise PolicyError(f"{key}={value!r}: expected one of {allowed}") from None


def resolve_policy(*, company: Mapping[str, Any], preferences: Mapping[str, Any]) -> InvalidAddressPolicy:
    """The effective policy: a customer's preference wins over the company setting for each key.

    Both mappings use the keys on_invalid_address, post_timing, resend_on_correction; missing or
    None values fall through to the next level, then to the defaults above.
    """

    def pick(key: str, default: Any) -> Any:
        for source in (preferences, company):
            if source.get(key) not in (None, ""):
                return source[key]
        return default

    defaults = InvalidAddressPolicy()
    return InvalidAddressPolicy(
        on_invalid_address=_choice(
            OnInvalidAddress, pick("on_invalid_address", defaults.on_invalid_address), "on_invalid_address"
        ),
        post_timing=_choice(PostTiming, pick("post_timing", defaults.post_timing), "post_timing"),
        resend_on_correction=_bool(pick("resend_on_correction", defaults.resend_on_correction), "resend_on_correction"),
    )
