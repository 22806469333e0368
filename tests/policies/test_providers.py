"""aws-provider-allowed-account-ids on the SDK's argument types: one provider pinned to its account, the pin
removed per case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.pack import UNKNOWN, run_resource

# isort: split
from failsafe_guardrails.providers import AWS_PROVIDER_TYPE

PROD = "111111111111"
POLICY = "aws-provider-allowed-account-ids"


@pytest.mark.parametrize(
    ("props", "violates"),
    [
        ({"allowedAccountIds": [PROD]}, False),
        ({"allowedAccountIds": f'["{PROD}"]'}, False),  # provider inputs may arrive JSON-encoded
        ({"region": "x"}, True),
        ({"allowedAccountIds": []}, True),
    ],
    ids=["list", "json-text", "missing", "empty"],
)
@pytest.mark.parametrize("provider", [AWS_PROVIDER_TYPE, "pulumi:providers:aws-native"])
def test_provider_needs_allowed_account_ids(props: dict[str, Any], violates: bool, provider: str) -> None:
    assert bool(run_resource(POLICY, provider, props)) == violates


def test_the_violation_names_the_provider() -> None:
    assert run_resource(POLICY, AWS_PROVIDER_TYPE, {"region": "eu-west-1"}, name="backup") == [
        "Provider backup: no allowedAccountIds, so it would deploy into whatever account the credentials reach."
    ]


def test_provider_exempt_only_by_config() -> None:
    assert run_resource(POLICY, AWS_PROVIDER_TYPE, {}, {"exemptions": ["r"]}) == []


def test_allowed_account_ids_unknown_at_preview_is_not_a_violation() -> None:
    assert run_resource(POLICY, AWS_PROVIDER_TYPE, {"allowedAccountIds": UNKNOWN}) == []


def test_providers_of_other_clouds_and_tools_are_not_checked() -> None:
    assert run_resource(POLICY, "pulumi:providers:docker-build", {}) == []
