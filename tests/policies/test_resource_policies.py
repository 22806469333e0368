"""resource-policy-no-star-principal on the SDK's argument types: one resource policy (and one Lambda permission)
narrowed to a principal or a source, one property changed per case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.pack import UNKNOWN, run_resource

# isort: split
from failsafe_guardrails.resource_policies import LAMBDA_PERMISSION_TYPE, POLICY_INPUTS

POLICY = "resource-policy-no-star-principal"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def document(**statement: Any) -> dict[str, Any]:
    """A policy that lets one account's root read, with ``statement``'s fields replaced (None removes one)."""
    base = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "s3:GetObject",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    base.update(statement)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in base.items() if v is not None}]}


@pytest.mark.parametrize(
    ("statement", "violates"),
    [
        ({"Principal": "*", "Condition": None}, True),
        ({"Principal": {"AWS": ["*"]}, "Condition": None}, True),
        ({"Principal": "*"}, False),
        ({}, False),
        ({"Principal": "*", "Condition": None, "Effect": "Deny"}, False),
        ({"Principal": "*", "Condition": UNKNOWN}, False),
        ({"Principal": UNKNOWN, "Condition": None}, False),
    ],
    ids=["star", "aws-star-list", "star-with-condition", "named", "deny", "condition-unknown", "principal-unknown"],
)
def test_star_principal_in_resource_policy(statement: dict[str, Any], violates: bool) -> None:
    found = run_resource(POLICY, BUCKET_POLICY, {"policy": document(**statement)})
    assert bool(found) == violates, found


@pytest.mark.parametrize("key", POLICY_INPUTS)
def test_every_policy_input_is_read_as_json_text_and_named(key: str) -> None:
    found = run_resource(POLICY, BUCKET_POLICY, {key: json.dumps(document(Principal="*", Condition=None))})
    assert found == [f"r: statement 0 of {key} allows Principal '*' without a condition."]


def test_policy_unknown_at_preview_is_not_a_violation() -> None:
    assert run_resource(POLICY, BUCKET_POLICY, {"policy": UNKNOWN}) == []


def test_trust_policies_of_roles_are_left_to_the_mfa_rule() -> None:
    props = {"policy": document(Principal="*", Condition=None)}
    assert run_resource(POLICY, "aws:iam/role:Role", props) == []


def test_resource_exempt_only_by_config() -> None:
    props = {"policy": document(Principal="*", Condition=None)}
    assert run_resource(POLICY, BUCKET_POLICY, props, {"exemptions": ["r"]}) == []


@pytest.mark.parametrize(
    ("props", "role", "violates"),
    [
        ({"principal": "*", "action": "lambda:InvokeFunction"}, "prod", True),
        ({"principal": "*", "sourceArn": "arn:aws:execute-api:eu-west-1:111111111111:api/*"}, "prod", False),
        ({"principal": "*", "sourceAccount": UNKNOWN}, "prod", False),
        ({"principal": "*", "principalOrgId": "o-abc"}, "dr", False),
        ({"principal": "*", "sourceArn": ""}, "prod", True),
        ({"principal": "*", "functionUrlAuthType": "NONE"}, "preview", False),
        ({"principal": "*", "functionUrlAuthType": "NONE"}, "prod", True),
        ({"principal": "s3.amazonaws.com"}, "prod", False),
        ({"principal": UNKNOWN}, "prod", False),
    ],
    ids=[
        "bare-star",
        "source-arn",
        "source-account-unknown",
        "org",
        "source-arn-empty",
        "preview-public-url",
        "prod-public-url",
        "service",
        "principal-unknown",
    ],
)
def test_lambda_permission_for_star_needs_a_narrowing_condition(
    props: dict[str, Any], role: str, violates: bool
) -> None:
    found = run_resource(POLICY, LAMBDA_PERMISSION_TYPE, props, {"stackRole": role}, name="invoke")
    assert bool(found) is violates, found
