"""Unit tests of the failsafe-guardrails rules on the SDK's own argument types, props wrapped in the SDK's
unknown-checking proxy: one compliant resource per rule, one property broken per case."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.policy import StackValidationArgs
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
from failsafe_guardrails import rules

PROD, BACKUP = "111111111111", "222222222222"
UNKNOWN = rpc.UNKNOWN


def opts(protect: bool = True) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def run_resource(
    policy_name: str, type_: str, props: dict[str, Any], config: dict[str, Any] | None = None
) -> list[str]:
    policy = next(p for p in rules.POLICIES if p.name == policy_name)
    args = ResourceValidationArgs(
        type_, unknown_checking_proxy(props), f"urn:pulumi:s::p::{type_}::r", "r", opts(), None, config or {}
    )
    found: list[str] = []
    try:
        policy.validate(args, lambda message, urn=None: found.append(message))
    except UnknownValueError:
        found.append("<unknown>")
    return found


def res(
    type_: str,
    name: str,
    props: dict[str, Any],
    protect: bool = True,
    prop_deps: dict[str, list[PolicyResource]] | None = None,
) -> PolicyResource:
    return PolicyResource(
        type_,
        unknown_checking_proxy(props),
        f"urn:pulumi:s::p::{type_}::{name}",
        name,
        opts(protect),
        None,
        None,
        [],
        prop_deps or {},
    )


def run_stack(policy_name: str, resources: list[PolicyResource], config: dict[str, Any] | None = None) -> list[str]:
    policy = next(p for p in rules.POLICIES if p.name == policy_name)
    found: list[str] = []
    policy.validate(StackValidationArgs(resources, config or {}), lambda message, urn=None: found.append(message))
    return found


# --- iam-role-trust-requires-mfa ----------------------------------------------------------------------

MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def trust(**statement: Any) -> dict[str, Any]:
    base = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"},
        "Action": "sts:AssumeRole",
        "Condition": MFA,
    }
    base.update(statement)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in base.items() if v is not None}]}


def trust_findings(document: Any) -> list[str]:
    return run_resource("iam-role-trust-requires-mfa", "aws:iam/role:Role", {"assumeRolePolicy": document})


@pytest.mark.parametrize("as_string", [True, False])
def test_trust_with_mfa_passes_as_string_or_object(as_string: bool) -> None:
    doc = trust()
    assert trust_findings(json.dumps(doc) if as_string else doc) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:MultiFactorAuthPresent": True}},
        {"bool": {"AWS:multifactorauthpresent": ["true"]}},
        {"BOOL": {"aws:MultiFactorAuthPresent": "TRUE"}},
    ],
)
def test_trust_accepts_every_spelling_of_mfa_true(condition: dict[str, Any]) -> None:
    assert trust_findings(trust(Condition=condition)) == []


@pytest.mark.parametrize(
    "condition",
    [None, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {"Bool": {"aws:MultiFactorAuthPresent": "false"}}],
)
@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws:iam::{PROD}:root"},
        {"AWS": PROD},
        {"AWS": [f"arn:aws:iam::{PROD}:user/alice"]},
        "*",
        {"AWS": "*"},
    ],
)
def test_trust_without_mfa_for_human_principal_is_a_violation(condition: Any, principal: Any) -> None:
    findings = trust_findings(json.dumps(trust(Condition=condition, Principal=principal)))
    assert len(findings) == 1, f"{principal} with condition {condition}: {findings}"


@pytest.mark.parametrize("action", ["sts:AssumeRole", "STS:assumerole", "sts:*", "*", ["s3:Get*", "sts:AssumeRole"]])
def test_trust_checks_every_assume_action_spelling(action: Any) -> None:
    assert trust_findings(trust(Action=action, Condition=None)), action


@pytest.mark.parametrize(
    "statement",
    [
        {"Principal": {"Service": "lambda.amazonaws.com"}},
        {
            "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        },
        {"Principal": {"AWS": f"arn:aws:iam::{PROD}:role/replication"}},
        {"Effect": "Deny"},
        {"Action": "sts:TagSession"},
    ],
)
def test_trust_ignores_machine_service_federated_deny_and_other_actions(statement: dict[str, Any]) -> None:
    assert trust_findings(trust(Condition=None, **statement)) == []


def test_trust_unknown_at_preview_is_reported_by_the_proxy() -> None:
    assert trust_findings(UNKNOWN) == [] or trust_findings(UNKNOWN) == ["<unknown>"]


# --- no-hardcoded-account-ids -------------------------------------------------------------------------

ALLOWED = {"allowedAccountIds": [PROD, BACKUP]}


def account_findings(props: dict[str, Any], config: dict[str, Any] | None = ALLOWED) -> list[str]:
    return run_resource("no-hardcoded-account-ids", "aws:s3/bucketPolicy:BucketPolicy", props, config)


def test_allowed_accounts_pass_everywhere() -> None:
    props = {
        "bucket": f"failsafe-{PROD}",
        "policy": json.dumps(trust(Principal={"AWS": BACKUP})),
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


def test_aws_service_accounts_are_allowed() -> None:
    assert account_findings({"p": "arn:aws:iam::156460612806:root"}) == []


def test_without_allowed_accounts_every_account_is_a_violation_naming_the_fix() -> None:
    findings = account_findings({"arn": f"arn:aws:iam::{PROD}:role/x"}, config={})
    assert findings and "policy-config" in findings[0]


# --- s3-bucket-versioning-enabled ---------------------------------------------------------------------

BUCKET = "aws:s3/bucket:Bucket"


def versioned(
    bucket_type: str = BUCKET,
    versioning_type: str = rules.VERSIONING_TYPES[0],
    status: str = "Enabled",
    target: Any = "data",
    by_dependency: bool = False,
) -> list[PolicyResource]:
    bucket = res(bucket_type, "data", {"bucket": "data"})
    deps = {"bucket": [bucket]} if by_dependency else {}
    v = res(
        versioning_type,
        "data-versioning",
        {"bucket": target, "versioningConfiguration": {"status": status}},
        prop_deps=deps,
    )
    return [bucket, v]


@pytest.mark.parametrize("bucket_type", rules.BUCKET_TYPES)
@pytest.mark.parametrize("versioning_type", rules.VERSIONING_TYPES)
def test_bucket_with_enabled_versioning_passes_for_all_types(bucket_type: str, versioning_type: str) -> None:
    assert run_stack("s3-bucket-versioning-enabled", versioned(bucket_type, versioning_type)) == []


def test_versioning_linked_by_property_dependency_when_unknown() -> None:
    assert run_stack("s3-bucket-versioning-enabled", versioned(target=UNKNOWN, by_dependency=True)) == []


def test_inline_deprecated_versioning_counts() -> None:
    assert run_stack("s3-bucket-versioning-enabled", [res(BUCKET, "data", {"versioning": {"enabled": True}})]) == []


@pytest.mark.parametrize("case", ["suspended", "missing", "other-bucket", "inline-false"])
def test_unversioned_bucket_is_a_violation_naming_it(case: str) -> None:
    resources = {
        "suspended": versioned(status="Suspended"),
        "missing": versioned()[:1],
        "other-bucket": versioned(target="elsewhere"),
        "inline-false": [res(BUCKET, "data", {"versioning": {"enabled": False}})],
    }[case]
    findings = run_stack("s3-bucket-versioning-enabled", resources)
    assert len(findings) == 1 and "data" in findings[0], (case, findings)


def test_bucket_exempt_only_by_config() -> None:
    assert run_stack("s3-bucket-versioning-enabled", versioned()[:1], {"exemptions": ["data"]}) == []


# --- further guardrails -------------------------------------------------------------------------------

PAB = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}


@pytest.mark.parametrize("broken", [None, *PAB])
def test_public_access_block_needs_all_four_settings(broken: str | None) -> None:
    props = dict(PAB, bucket="data")
    if broken:
        props[broken] = False
    resources = [res(BUCKET, "data", {"bucket": "data"}), res(rules.PAB_TYPE, "data-pab", props)]
    assert bool(run_stack("s3-bucket-public-access-blocked", resources)) == bool(broken)


@pytest.mark.parametrize(
    ("auth", "role", "violates"),
    [("AWS_IAM", "prod", False), ("NONE", "prod", True), ("none", "dr", True), ("NONE", "preview", False)],
)
def test_function_url_auth(auth: str, role: str, violates: bool) -> None:
    findings = run_resource(
        "lambda-function-url-requires-auth",
        "aws:lambda/functionUrl:FunctionUrl",
        {"authorizationType": auth},
        {"stackRole": role},
    )
    assert bool(findings) == violates


@pytest.mark.parametrize(
    ("statement", "violates"),
    [
        ({"Principal": "*", "Condition": None}, True),
        ({"Principal": {"AWS": ["*"]}, "Condition": None}, True),
        ({"Principal": "*"}, False),
        ({}, False),
    ],
)
def test_star_principal_in_resource_policy(statement: dict[str, Any], violates: bool) -> None:
    doc = trust(**statement)
    findings = run_resource(
        "resource-policy-no-star-principal", "aws:s3/bucketPolicy:BucketPolicy", {"policy": json.dumps(doc)}
    )
    assert bool(findings) == violates


@pytest.mark.parametrize(("props", "violates"), [({"allowedAccountIds": [PROD]}, False), ({"region": "x"}, True)])
def test_provider_needs_allowed_account_ids(props: dict[str, Any], violates: bool) -> None:
    assert bool(run_resource("aws-provider-allowed-account-ids", "pulumi:providers:aws", props)) == violates


@pytest.mark.parametrize(
    ("role", "protect", "violates"),
    [("prod", True, False), ("prod", False, True), ("dr", False, True), ("preview", False, False)],
)
def test_stateful_resources_protected_on_prod_and_dr(role: str, protect: bool, violates: bool) -> None:
    resources = [res("aws:kms/key:Key", "key", {}, protect=protect)]
    assert bool(run_stack("stateful-resources-protected", resources, {"stackRole": role})) == violates


def test_every_policy_has_description_remediation_and_severity() -> None:
    for p in rules.POLICIES:
        assert p.description.endswith(".") and p.remediation_steps and p.severity, p.name
    core = {"iam-role-trust-requires-mfa", "s3-bucket-versioning-enabled", "no-hardcoded-account-ids"}
    assert core <= set(rules.NAMES)


def test_config_helpers_do_not_mutate_inputs() -> None:
    doc = trust()
    before = copy.deepcopy(doc)
    trust_findings(doc)
    assert doc == before


# --- further spellings (added by the second engineer on this issue) -----------------------------------


def test_account_scan_skips_unknown_values_instead_of_failing_the_whole_resource() -> None:
    props = {"arn": UNKNOWN, "nested": [UNKNOWN, {"x": "arn:aws:iam::333333333333:role/x"}]}
    findings = account_findings(props)
    assert len(findings) == 1 and "333333333333" in findings[0] and "<unknown>" not in findings[0], findings


def test_account_id_given_as_an_integer_is_found() -> None:
    assert account_findings({"owner": 333333333333}), "a 12-digit integer input is an account ID"


@pytest.mark.parametrize(
    "principal", [{"aws": PROD}, {"AWS": [f"arn:aws:iam::{PROD}:role/ci", f"arn:aws:iam::{PROD}:user/alice"]}]
)
def test_trust_principal_key_case_and_mixed_role_user_lists(principal: Any) -> None:
    assert trust_findings(trust(Condition=None, Principal=principal)), principal


def test_trust_single_statement_object_instead_of_a_list_is_checked() -> None:
    doc = trust(Condition=None)
    doc["Statement"] = doc["Statement"][0]
    assert trust_findings(json.dumps(doc))


def test_versioning_aimed_at_another_bucket_by_property_dependency_is_a_violation() -> None:
    data, other = res(BUCKET, "data", {"bucket": UNKNOWN}), res(BUCKET, "other", {"versioning": {"enabled": True}})
    v = res(
        rules.VERSIONING_TYPES[1],
        "v",
        {"bucket": UNKNOWN, "versioningConfiguration": {"status": "Enabled"}},
        prop_deps={"bucket": [other]},
    )
    findings = run_stack("s3-bucket-versioning-enabled", [data, other, v])
    assert len(findings) == 1 and "Bucket data" in findings[0], findings


# --- replication, SSE-KMS, noncurrent lifecycle, failover health checks --------------------------------

REPL = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
SSE = rules.SSE_TYPES[0]


def replication(
    delete_markers: str = "Disabled", dest_versioned: bool = True, dest_kms: bool = True, source_kms: bool = True
) -> list[PolicyResource]:
    src, dst = res(BUCKET, "src", {"bucket": "src"}), res(BUCKET, "dst", {"bucket": "dst"})
    out = [
        src,
        dst,
        res(rules.VERSIONING_TYPES[0], "src-v", {"bucket": "src", "versioningConfiguration": {"status": "Enabled"}}),
        res(
            REPL,
            "src-repl",
            {
                "bucket": "src",
                "rules": [
                    {
                        "status": "Enabled",
                        "filter": {},
                        "deleteMarkerReplication": {"status": delete_markers},
                        "destination": {"bucket": "arn:aws:s3:::dst"},
                    }
                ],
            },
        ),
    ]
    if dest_versioned:
        out.append(
            res(rules.VERSIONING_TYPES[0], "dst-v", {"bucket": "dst", "versioningConfiguration": {"status": "Enabled"}})
        )
    for name, on in (("src", source_kms), ("dst", dest_kms)):
        algorithm = "aws:kms" if on else "AES256"
        out.append(
            res(
                SSE,
                f"{name}-sse",
                {"bucket": name, "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": algorithm}}]},
            )
        )
    return out


def test_safe_replication_passes() -> None:
    assert run_stack("s3-replication-safe", replication()) == []
    assert run_stack("s3-replicated-bucket-sse-kms", replication()) == []


@pytest.mark.parametrize("status", ["Enabled", "enabled"])
def test_replicating_delete_markers_is_a_violation(status: str) -> None:
    assert any("delete markers" in m for m in run_stack("s3-replication-safe", replication(delete_markers=status)))


def test_replication_to_an_unversioned_bucket_is_a_violation() -> None:
    found = run_stack("s3-replication-safe", replication(dest_versioned=False))
    assert len(found) == 1 and "dst" in found[0]


@pytest.mark.parametrize(("kwargs", "bucket"), [({"dest_kms": False}, "dst"), ({"source_kms": False}, "src")])
def test_replicated_buckets_without_sse_kms_are_violations(kwargs: dict[str, bool], bucket: str) -> None:
    found = run_stack("s3-replicated-bucket-sse-kms", replication(**kwargs))
    assert len(found) == 1 and f"Bucket {bucket}" in found[0], found


@pytest.mark.parametrize(
    ("rule", "violates"),
    [
        ({"status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 90}}, False),
        (
            {"status": "Enabled", "noncurrentVersionTransitions": [{"noncurrentDays": 30, "storageClass": "GLACIER"}]},
            False,
        ),
        ({"status": "Disabled", "noncurrentVersionExpiration": {"noncurrentDays": 90}}, True),
        ({"status": "Enabled", "expiration": {"days": 30}}, True),
    ],
)
def test_versioned_bucket_needs_noncurrent_lifecycle(rule: dict[str, Any], violates: bool) -> None:
    resources = [*versioned(), res(rules.LIFECYCLE_TYPES[0], "data-lc", {"bucket": "data", "rules": [rule]})]
    assert bool(run_stack("s3-noncurrent-version-lifecycle", resources)) == violates


@pytest.mark.parametrize(
    ("props", "violates"),
    [
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": "hc-1"}, False),
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}]}, True),
        ({"failoverRoutingPolicies": [{"type": "primary"}], "healthCheckId": ""}, True),
        ({"failoverRoutingPolicies": [{"type": "SECONDARY"}]}, False),
        ({"type": "A"}, False),
    ],
)
def test_primary_failover_record_needs_a_health_check(props: dict[str, Any], violates: bool) -> None:
    assert bool(run_resource("route53-primary-failover-health-check", rules.RECORD_TYPE, props)) == violates


def test_health_check_id_unknown_at_preview_counts_as_present() -> None:
    props = {"failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": UNKNOWN}
    assert run_resource("route53-primary-failover-health-check", rules.RECORD_TYPE, props) == []
