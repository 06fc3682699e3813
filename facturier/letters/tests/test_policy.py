from __future__ import annotations

import pytest

from facturier.letters.policy import InvalidAddressPolicy, OnInvalidAddress, PolicyError, PostTiming, resolve_policy


def test_the_company_policy_applies_when_the_customer_has_no_preference() -> None:
    company = {"on_invalid_address": "work_item_only", "post_timing": "immediate", "resend_on_correction": False}
    assert resolve_policy(company=company, preferences={}) == InvalidAddressPolicy(
        OnInvalidAddress.WORK_ITEM_ONLY, PostTiming.IMMEDIATE, False
    )


def test_each_customer_preference_overrides_its_key_only() -> None:
    company = {"on_invalid_address": "work_item_only", "post_timing": "cutoff", "resend_on_correction": True}
    policy = resolve_policy(company=company, preferences={"on_invalid_address": "print", "resend_on_correction": "no"})
    assert policy == InvalidAddressPolicy(OnInvalidAddress.PRINT, PostTiming.CUTOFF, False)


def test_empty_values_fall_through_to_the_defaults() -> None:
    assert (
        resolve_policy(company={"post_timing": ""}, preferences={"on_invalid_address": None}) == InvalidAddressPolicy()
    )


@pytest.mark.parametrize(
    "preferences", [{"on_invalid_address": "fax"}, {"post_timing": "tomorrow"}, {"resend_on_correction": "maybe"}]
)
def test_an_unknown_value_is_an_error_not_a_guess(preferences: dict[str, str]) -> None:
    with pytest.raises(PolicyError):
        resolve_policy(company={}, preferences=preferences)
