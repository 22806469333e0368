"""The stack-wide rules on the SDK's argument types: no-hardcoded-account-ids (one compliant resource, one input
broken per case) and stateful-resources-protected (one protected resource, its protection or the stack role
changed per case)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.pack import UNKNOWN, resource, run_resource, run_stack

# isort: split
from failsafe_guardrails.stack import AWS_SERVICE_ACCOUNTS, STATEFUL_TYPES

PROD, BACKUP = "111111111111", "222222222222"
ALLOWED = {"allowedAccountIds": [PROD, BACKUP]}

# --- no-hardcoded-account-ids -------------------------------------------------------------------------


def account_findings(props: dict[str, Any], config: dict[str, Any] | None = ALLOWED) -> list[str]:
    return run_resource("no-hardcoded-account-ids", "aws:s3/bucketPolicy:BucketPolicy", props, config)


def test_allowed_accounts_pass_everywhere() -> None:
    props = {
        "bucket": f"failsafe-{PROD}",
        "policy": json.dumps({"Statement": [{"Principal": {"AWS": BACKUP}}]}),
        "nested": [{"arn": f"arn:aws:iam::{BACKUP}:role/x"}],
        "image": f"{PROD}.dkr.ecr.eu-west-1.amazonaws.com/a",
    }
    assert account_findings(props) == []


@pytest.mark.parametrize(
    "props",
    [
        {"arn": "arn:aws:iam::333333333333:role/x"},
        {"policy": json.dumps({"Statement": [{"Principal": {"AWS": "333333333333"}}]})},
        {"image": "333333333333.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:" + "a" * 64},
        {"bucket": "logs-333333333333"},
        {"deep": {"list": [{"x": ["arn:aws:sns:eu-west-1:333333333333:topic"]}]}},
        {"allowedAccountIds": ["333333333333"]},
    ],
)
def test_unlisted_account_anywhere_is_a_violation(props: dict[str, Any]) -> None:
    findings = account_findings(props)
    assert findings and "333333333333" in findings[0], props


def test_the_violation_names_the_account_and_where_it_is() -> None:
    assert account_findings({"deep": {"list": ["arn:aws:iam::333333333333:root"]}}) == [
        f"r: account ID 333333333333 at deep.list[0] is not in allowedAccountIds {[PROD, BACKUP]}."
    ]


@pytest.mark.parametrize(
    "value",
    [
        "1234567890123",  # 13 digits
        "sha256:" + "0123456789ab" * 5 + "cdef",  # hex digest
        "123e4567-e89b-12d3-a456-426614174000",  # UUID
        "a1b2c3d4e5f6123456789012beef",  # hex with a 12-digit run
        "1732323232123.5",
        "build-1700000000000",  # 13-digit millisecond timestamp
    ],
)
def test_numbers_that_merely_contain_twelve_digits_are_not_accounts(value: str) -> None:
    assert account_findings({"v": value}) == [], value


@pytest.mark.parametrize("account", sorted(AWS_SERVICE_ACCOUNTS))
def test_aws_service_accounts_are_allowed(account: str) -> None:
    assert account_findings({"p": f"arn:aws:iam::{account}:root"}) == []


def test_without_allowed_accounts_every_account_is_a_violation_naming_the_fix() -> None:
    findings = account_findings({"arn": f"arn:aws:iam::{PROD}:role/x"}, config={})
    assert findings and "policy-config" in findings[0]


def test_account_scan_skips_unknown_values_instead_of_failing_the_whole_resource() -> None:
    props = {"arn": UNKNOWN, "nested": [UNKNOWN, {"x": "arn:aws:iam::333333333333:role/x"}]}
    findings = account_findings(props)
    assert len(findings) == 1 and "333333333333" in findings[0] and "<unknown>" not in findings[0], findings


@pytest.mark.parametrize("number", [333333333333, 333333333333.0], ids=["int", "double-as-over-the-protocol"])
def test_account_id_given_as_a_number_is_found(number: float) -> None:
    assert account_findings({"owner": number}), "a 12-digit number input is an account ID"


def test_resource_exempt_only_by_config() -> None:
    props = {"arn": "arn:aws:iam::333333333333:role/x"}
    assert account_findings(props, {**ALLOWED, "exemptions": ["r"]}) == []


# --- stateful-resources-protected ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "protect", "violates"),
    [("prod", True, False), ("prod", False, True), ("dr", False, True), ("preview", False, False)],
)
def test_stateful_resources_protected_on_prod_and_dr(role: str, protect: bool, violates: bool) -> None:
    resources = [resource("aws:kms/key:Key", "key", {}, protect=protect)]
    assert bool(run_stack("stateful-resources-protected", resources, {"stackRole": role})) == violates


@pytest.mark.parametrize("type_", STATEFUL_TYPES)
def test_every_stateful_type_unprotected_on_prod_is_named(type_: str) -> None:
    found = run_stack(
        "stateful-resources-protected", [resource(type_, "data", {}, protect=False)], {"stackRole": "prod"}
    )
    kind = type_.rsplit(":", 1)[-1]
    assert found == [f"{kind} data: stateful resource without protect on a prod stack."], found


def test_stateless_resources_need_no_protect() -> None:
    resources = [resource("aws:sns/topic:Topic", "notices", {}, protect=False)]
    assert run_stack("stateful-resources-protected", resources, {"stackRole": "prod"}) == []


def test_without_a_stack_role_nothing_is_required() -> None:
    assert run_stack("stateful-resources-protected", [resource("aws:kms/key:Key", "key", {}, protect=False)]) == []


def test_stateful_resource_exempt_only_by_config() -> None:
    resources = [resource("aws:kms/key:Key", "key", {}, protect=False)]
    config = {"stackRole": "dr", "exemptions": ["key"]}
    assert run_stack("stateful-resources-protected", resources, config) == []
