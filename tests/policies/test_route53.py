"""route53-primary-failover-health-check on the SDK's argument types: one PRIMARY failover record with a health
check, one property changed per case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.pack import UNKNOWN, run_resource

# isort: split
from failsafe_guardrails.route53 import RECORD_TYPE

POLICY = "route53-primary-failover-health-check"


@pytest.mark.parametrize(
    ("props", "violates"),
    [
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": "hc-1"}, False),
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": UNKNOWN}, False),
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}]}, True),
        ({"failoverRoutingPolicies": [{"type": "primary"}], "healthCheckId": ""}, True),
        ({"failoverRoutingPolicies": [{"type": "SECONDARY"}]}, False),
        ({"failoverRoutingPolicies": [{"type": UNKNOWN}]}, False),
        ({"failoverRoutingPolicies": UNKNOWN}, False),
        ({"type": "A"}, False),
        ({"type": "A", "records": ["192.0.2.1"]}, False),
    ],
    ids=[
        "with-id",
        "id-unknown-at-preview",
        "missing",
        "lowercase-empty",
        "secondary",
        "type-unknown-at-preview",
        "policies-unknown-at-preview",
        "plain-record",
        "plain-record-with-records",
    ],
)
def test_primary_failover_record_needs_a_health_check(props: dict[str, Any], violates: bool) -> None:
    found = run_resource(POLICY, RECORD_TYPE, props)
    assert bool(found) is violates, found


def test_the_violation_names_the_record() -> None:
    props = {"failoverRoutingPolicies": [{"type": "PRIMARY"}]}
    assert run_resource(POLICY, RECORD_TYPE, props, name="www-primary") == [
        "Record www-primary: PRIMARY failover record without a health check never fails over."
    ]


def test_record_exempt_only_by_config() -> None:
    props = {"failoverRoutingPolicies": [{"type": "PRIMARY"}]}
    assert run_resource(POLICY, RECORD_TYPE, props, {"exemptions": ["r"]}) == []
