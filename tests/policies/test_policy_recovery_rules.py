"""Unit tests of the recovery guardrails (replication, SSE-KMS on replicated/backup buckets, noncurrent-version
lifecycle, PRIMARY failover health checks) on the SDK's own argument types with the unknown-checking proxy:
one compliant stack per rule, one property broken per case; plus IAM action wildcards in trust policies."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
from failsafe_guardrails import rules

UNKNOWN = rpc.UNKNOWN
BUCKET, BUCKET_V2 = rules.BUCKET_TYPES
POLICIES = {p.name: p for p in rules.POLICIES}
OPTS = PolicyResourceOptions(True, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def res(
    type_: str,
    name: str,
    props: dict[str, Any],
    deps: dict[str, list[PolicyResource]] | None = None,
) -> PolicyResource:
    return PolicyResource(
        type_,
        unknown_checking_proxy(copy.deepcopy(props)),
        f"urn:pulumi:s::p::{type_}::{name}",
        name,
        OPTS,
        None,
        None,
        [],
        deps or {},
    )


def run_stack(policy: str, resources: list[PolicyResource], config: dict[str, Any] | None = None) -> list[str]:
    found: list[str] = []
    POLICIES[policy].validate(StackValidationArgs(resources, config or {}), lambda m, urn=None: found.append(m))
    return found


def run_resource(policy: str, type_: str, props: dict[str, Any]) -> list[str]:
    found: list[str] = []
    args = ResourceValidationArgs(
        type_, unknown_checking_proxy(copy.deepcopy(props)), "urn:x", "record", OPTS, None, {}
    )
    POLICIES[policy].validate(args, lambda m, urn=None: found.append(m))
    return found


def estate(
    delete_markers: str = "Disabled",
    target_versioned: bool = True,
    source_sse: str = "aws:kms",
    target_sse: str = "aws:kms",
    by_dependency: bool = False,
) -> list[PolicyResource]:
    """A source bucket replicating into a replica bucket of the same stack, both versioned and SSE-KMS."""
    source = res(BUCKET, "source", {"bucket": "src"})
    replica = res(BUCKET_V2, "replica", {"bucket": "rep"})

    def link(name: str, bucket: PolicyResource, props: dict[str, Any]) -> dict[str, Any]:
        return {"bucket": UNKNOWN if by_dependency else bucket.props["bucket"], **props}

    deps = (lambda b: {"bucket": [b]}) if by_dependency else (lambda b: {})
    out = [source, replica]
    for bucket, sse in ((source, source_sse), (replica, target_sse)):
        if bucket is source or target_versioned:
            out.append(
                res(
                    rules.VERSIONING_TYPES[0],
                    f"{bucket.name}-v",
                    link("v", bucket, {"versioningConfiguration": {"status": "Enabled"}}),
                    deps(bucket),
                )
            )
        out.append(
            res(
                rules.SSE_TYPES[0],
                f"{bucket.name}-sse",
                link(
                    "sse",
                    bucket,
                    {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse, "kmsMasterKeyId": "key"}}]},
                ),
                deps(bucket),
            )
        )
    out.append(
        res(
            rules.REPLICATION_TYPE,
            "replication",
            link(
                "r",
                source,
                {
                    "role": "role",
                    "rules": [
                        {
                            "id": "all",
                            "status": "Enabled",
                            "filter": {},
                            "deleteMarkerReplication": {"status": delete_markers},
                            "destination": {"bucket": "arn:aws:s3:::rep", "storageClass": "STANDARD_IA"},
                        }
                    ],
                },
            ),
            deps(source),
        )
    )
    return out


@pytest.mark.parametrize("by_dependency", [False, True], ids=["by-value", "by-property-dependency"])
def test_compliant_replicated_estate_passes_replication_and_sse_rules(by_dependency: bool) -> None:
    stack = estate(by_dependency=by_dependency)
    assert run_stack("s3-replication-safe", stack) == []
    assert run_stack("s3-replicated-bucket-sse-kms", stack) == []


@pytest.mark.parametrize("status", ["Enabled", "enabled"])
def test_replicating_delete_markers_is_a_violation(status: str) -> None:
    found = run_stack("s3-replication-safe", estate(delete_markers=status))
    assert len(found) == 1 and "delete markers" in found[0], found


def test_replicating_into_an_unversioned_bucket_of_the_stack_is_a_violation() -> None:
    found = run_stack("s3-replication-safe", estate(target_versioned=False))
    assert len(found) == 1 and "replica" in found[0] and "not versioned" in found[0], found


@pytest.mark.parametrize("broken", ["source", "replica"])
@pytest.mark.parametrize("algorithm", ["AES256", "aws:fsx"])
def test_replicated_bucket_without_sse_kms_is_named(broken: str, algorithm: str) -> None:
    stack = estate(**{"source_sse" if broken == "source" else "target_sse": algorithm})
    found = run_stack("s3-replicated-bucket-sse-kms", stack)
    assert len(found) == 1 and f"Bucket {broken}" in found[0], found


def test_dsse_kms_counts_as_sse_kms() -> None:
    assert run_stack("s3-replicated-bucket-sse-kms", estate(source_sse="aws:kms:dsse", target_sse="aws:kms:dsse")) == []


def test_every_bucket_of_the_dr_stack_is_a_backup_bucket_and_needs_sse_kms() -> None:
    backup = [res(BUCKET, "vault-copy", {"bucket": "copy"})]
    assert run_stack("s3-replicated-bucket-sse-kms", backup, {"stackRole": "prod"}) == []
    found = run_stack("s3-replicated-bucket-sse-kms", backup, {"stackRole": "dr"})
    assert len(found) == 1 and "vault-copy" in found[0], found


def test_deprecated_inline_sse_kms_on_a_bucket_counts() -> None:
    inline = {
        "bucket": "copy",
        "serverSideEncryptionConfiguration": {
            "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}
        },
    }
    assert run_stack("s3-replicated-bucket-sse-kms", [res(BUCKET_V2, "legacy", inline)], {"stackRole": "dr"}) == []


def test_sse_exemption_only_by_config() -> None:
    backup = [res(BUCKET, "vault-copy", {"bucket": "copy"})]
    assert run_stack("s3-replicated-bucket-sse-kms", backup, {"stackRole": "dr", "exemptions": ["vault-copy"]}) == []


# --- noncurrent-version lifecycle ---------------------------------------------------------------------


def lifecycle_stack(rule: dict[str, Any] | None) -> list[PolicyResource]:
    bucket = res(BUCKET, "data", {"bucket": "data"})
    out = [
        bucket,
        res(rules.VERSIONING_TYPES[1], "data-v", {"bucket": "data", "versioningConfiguration": {"status": "Enabled"}}),
    ]
    if rule is not None:
        out.append(res(rules.LIFECYCLE_TYPES[0], "data-lc", {"bucket": UNKNOWN, "rules": [rule]}, {"bucket": [bucket]}))
    return out


COMPLIANT_RULE = {
    "id": "noncurrent",
    "status": "Enabled",
    "filter": {},
    "noncurrentVersionTransitions": [{"noncurrentDays": 30, "storageClass": "GLACIER"}],
}


@pytest.mark.parametrize(
    "rule",
    [
        COMPLIANT_RULE,
        {
            **{k: v for k, v in COMPLIANT_RULE.items() if k != "noncurrentVersionTransitions"},
            "noncurrentVersionExpiration": {"noncurrentDays": 365},
        },
    ],
    ids=["transitions", "expiration"],
)
def test_versioned_bucket_with_noncurrent_lifecycle_passes(rule: dict[str, Any]) -> None:
    assert run_stack("s3-noncurrent-version-lifecycle", lifecycle_stack(rule)) == []


@pytest.mark.parametrize(
    "rule",
    [None, {**COMPLIANT_RULE, "status": "Disabled"}, {"id": "x", "status": "Enabled", "expiration": {"days": 30}}],
    ids=["no-lifecycle", "rule-disabled", "current-versions-only"],
)
def test_versioned_bucket_without_noncurrent_lifecycle_is_named(rule: dict[str, Any] | None) -> None:
    found = run_stack("s3-noncurrent-version-lifecycle", lifecycle_stack(rule))
    assert len(found) == 1 and "Bucket data" in found[0], found


# --- route53-primary-failover-health-check ------------------------------------------------------------

RECORD = "aws:route53/record:Record"


@pytest.mark.parametrize(
    "props,violates",
    [
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": "hc-1"}, False),
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": UNKNOWN}, False),
        ({"failoverRoutingPolicies": [{"type": "PRIMARY"}]}, True),
        ({"failoverRoutingPolicies": [{"type": "primary"}], "healthCheckId": ""}, True),
        ({"failoverRoutingPolicies": [{"type": "SECONDARY"}]}, False),
        ({"type": "A", "records": ["192.0.2.1"]}, False),
    ],
    ids=["with-id", "id-unknown-at-preview", "missing", "lowercase-empty", "secondary", "plain-record"],
)
def test_primary_failover_record_needs_a_health_check(props: dict[str, Any], violates: bool) -> None:
    found = run_resource("route53-primary-failover-health-check", RECORD, props)
    assert bool(found) is violates, found


# --- iam-role-trust-requires-mfa: action wildcards ----------------------------------------------------


@pytest.mark.parametrize(
    "action,violates",
    [
        ("sts:Assume*", True),
        ("STS:*Role", True),
        ("sts:AssumeRole?", False),
        ("sts:Tag*", False),
        ("sts:AssumeRoleWith*", False),
    ],
)
def test_trust_action_wildcards_that_grant_assume_role_are_checked(action: str, violates: bool) -> None:
    trust = {
        "Statement": [{"Effect": "Allow", "Action": action, "Principal": {"AWS": "arn:aws:iam::111111111111:root"}}]
    }
    found = run_resource("iam-role-trust-requires-mfa", "aws:iam/role:Role", {"assumeRolePolicy": trust})
    assert bool(found) is violates, (action, found)


# --- resource-policy-no-star-principal: lambda permissions ---------------------------------------------


@pytest.mark.parametrize(
    "props,role,violates",
    [
        ({"principal": "*", "action": "lambda:InvokeFunction"}, "prod", True),
        ({"principal": "*", "sourceArn": "arn:aws:execute-api:eu-west-1:111111111111:api/*"}, "prod", False),
        ({"principal": "*", "sourceAccount": UNKNOWN}, "prod", False),
        ({"principal": "*", "principalOrgId": "o-abc"}, "dr", False),
        ({"principal": "*", "functionUrlAuthType": "NONE"}, "preview", False),
        ({"principal": "*", "functionUrlAuthType": "NONE"}, "prod", True),
        ({"principal": "s3.amazonaws.com"}, "prod", False),
    ],
    ids=[
        "bare-star",
        "source-arn",
        "source-account-unknown",
        "org",
        "preview-public-url",
        "prod-public-url",
        "service",
    ],
)
def test_lambda_permission_for_star_needs_a_narrowing_condition(
    props: dict[str, Any], role: str, violates: bool
) -> None:
    found: list[str] = []
    args = ResourceValidationArgs(
        "aws:lambda/permission:Permission",
        unknown_checking_proxy(copy.deepcopy(props)),
        "urn:x",
        "invoke",
        OPTS,
        None,
        {"stackRole": role},
    )
    POLICIES["resource-policy-no-star-principal"].validate(args, lambda m, urn=None: found.append(m))
    assert bool(found) is violates, found
