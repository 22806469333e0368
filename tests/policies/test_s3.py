"""The S3 stack policies on the SDK's argument types with the unknown-checking proxy: one compliant stack per
policy (a versioned bucket; a source bucket replicating into a versioned, SSE-KMS replica), one property broken per
case, linked by bucket name or, as at preview, by property dependency."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyResource

from tests.support.pack import UNKNOWN, resource, run_stack, run_stack_with_urns

# isort: split
from failsafe_guardrails.buckets import BUCKET_TYPES
from failsafe_guardrails.s3 import LIFECYCLE_TYPES, PAB_TYPE, REPLICATION_TYPE, SSE_TYPES, VERSIONING_TYPES

BUCKET, BUCKET_V2 = BUCKET_TYPES
VERSIONING, REPLICATION, SSE, LIFECYCLE = (
    "s3-bucket-versioning-enabled",
    "s3-replication-safe",
    "s3-replicated-bucket-sse-kms",
    "s3-noncurrent-version-lifecycle",
)

# --- s3-bucket-versioning-enabled ---------------------------------------------------------------------


def versioned(
    bucket_type: str = BUCKET,
    versioning_type: str = VERSIONING_TYPES[0],
    status: Any = "Enabled",
    target: Any = "data",
    by_dependency: bool = False,
) -> list[PolicyResource]:
    """A bucket and the BucketVersioning that enables it."""
    bucket = resource(bucket_type, "data", {"bucket": "data"})
    deps = {"bucket": [bucket]} if by_dependency else {}
    v = resource(
        versioning_type, "data-versioning", {"bucket": target, "versioningConfiguration": {"status": status}}, deps=deps
    )
    return [bucket, v]


@pytest.mark.parametrize("bucket_type", BUCKET_TYPES)
@pytest.mark.parametrize("versioning_type", VERSIONING_TYPES)
def test_bucket_with_enabled_versioning_passes_for_all_types(bucket_type: str, versioning_type: str) -> None:
    assert run_stack(VERSIONING, versioned(bucket_type, versioning_type)) == []


def test_versioning_linked_by_property_dependency_when_unknown() -> None:
    assert run_stack(VERSIONING, versioned(target=UNKNOWN, by_dependency=True)) == []


def test_inline_deprecated_versioning_counts() -> None:
    assert run_stack(VERSIONING, [resource(BUCKET, "data", {"versioning": {"enabled": True}})]) == []


@pytest.mark.parametrize("case", ["suspended", "missing", "other-bucket", "inline-false"])
def test_unversioned_bucket_is_a_violation_naming_it(case: str) -> None:
    resources = {
        "suspended": versioned(status="Suspended"),
        "missing": versioned()[:1],
        "other-bucket": versioned(target="elsewhere"),
        "inline-false": [resource(BUCKET, "data", {"versioning": {"enabled": False}})],
    }[case]
    findings = run_stack(VERSIONING, resources)
    assert len(findings) == 1 and "data" in findings[0], (case, findings)


def test_the_violation_is_reported_on_the_bucket_with_the_reason() -> None:
    bucket, v = versioned(status="Suspended")
    assert run_stack_with_urns(VERSIONING, [bucket, v]) == [
        ("Bucket data: versioning is not Enabled (versioning status 'Suspended' set by data-versioning).", bucket.urn)
    ]


def test_bucket_exempt_only_by_config() -> None:
    assert run_stack(VERSIONING, versioned()[:1], {"exemptions": ["data"]}) == []


def test_versioning_aimed_at_another_bucket_by_property_dependency_is_a_violation() -> None:
    data = resource(BUCKET, "data", {"bucket": UNKNOWN})
    other = resource(BUCKET, "other", {"versioning": {"enabled": True}})
    v = resource(
        VERSIONING_TYPES[1],
        "v",
        {"bucket": UNKNOWN, "versioningConfiguration": {"status": "Enabled"}},
        deps={"bucket": [other]},
    )
    findings = run_stack(VERSIONING, [data, other, v])
    assert len(findings) == 1 and "Bucket data" in findings[0], findings


@pytest.mark.parametrize(
    "resources",
    [versioned(status=UNKNOWN), [resource(BUCKET, "data", {"versioning": {"enabled": UNKNOWN}})]],
    ids=["versioning-status", "inline-enabled"],
)
def test_versioning_unknown_at_preview_is_not_a_violation(resources: list[PolicyResource]) -> None:
    assert run_stack(VERSIONING, resources) == []


# --- s3-bucket-public-access-blocked ------------------------------------------------------------------

PAB = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}


def blocked(by_dependency: bool = False, **settings: Any) -> list[PolicyResource]:
    """A bucket and the public access block for it, with ``settings`` changed."""
    bucket = resource(BUCKET, "data", {"bucket": "data"})
    props = {**PAB, "bucket": UNKNOWN if by_dependency else "data", **settings}
    return [bucket, resource(PAB_TYPE, "data-pab", props, deps={"bucket": [bucket]} if by_dependency else {})]


@pytest.mark.parametrize("by_dependency", [False, True], ids=["by-value", "by-property-dependency"])
def test_public_access_block_with_all_four_settings_passes(by_dependency: bool) -> None:
    assert run_stack("s3-bucket-public-access-blocked", blocked(by_dependency)) == []


@pytest.mark.parametrize("broken", [*PAB])
def test_public_access_block_needs_all_four_settings(broken: str) -> None:
    stack = blocked(**{broken: False})
    assert run_stack_with_urns("s3-bucket-public-access-blocked", stack) == [
        ("Bucket data: no BucketPublicAccessBlock with all four settings true targets it.", stack[0].urn)
    ]


def test_bucket_without_public_access_block_is_a_violation_unless_exempt() -> None:
    stack = blocked()[:1]
    assert run_stack("s3-bucket-public-access-blocked", stack)
    assert run_stack("s3-bucket-public-access-blocked", stack, {"exemptions": ["data"]}) == []


def test_public_access_setting_unknown_at_preview_is_not_a_violation() -> None:
    assert run_stack("s3-bucket-public-access-blocked", blocked(blockPublicPolicy=UNKNOWN)) == []


# --- s3-replication-safe and s3-replicated-bucket-sse-kms ----------------------------------------------


def estate(
    delete_markers: Any = "Disabled",
    target_versioned: bool = True,
    source_sse: Any = "aws:kms",
    target_sse: Any = "aws:kms",
    by_dependency: bool = False,
    replica_type: str = BUCKET_V2,
) -> list[PolicyResource]:
    """A source bucket replicating into a replica bucket of the same stack, both versioned and SSE-KMS."""
    source = resource(BUCKET, "source", {"bucket": "src"})
    replica = resource(replica_type, "replica", {"bucket": "rep"})

    def link(bucket: PolicyResource, props: dict[str, Any]) -> dict[str, Any]:
        return {"bucket": UNKNOWN if by_dependency else bucket.props["bucket"], **props}

    def deps(bucket: PolicyResource) -> dict[str, list[PolicyResource]]:
        return {"bucket": [bucket]} if by_dependency else {}

    out = [source, replica]
    for bucket, sse in ((source, source_sse), (replica, target_sse)):
        if bucket is source or target_versioned:
            status = {"versioningConfiguration": {"status": "Enabled"}}
            out.append(resource(VERSIONING_TYPES[0], f"{bucket.name}-v", link(bucket, status), deps=deps(bucket)))
        encryption = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse, "kmsMasterKeyId": "key"}}]}
        out.append(resource(SSE_TYPES[0], f"{bucket.name}-sse", link(bucket, encryption), deps=deps(bucket)))
    rule = {
        "id": "all",
        "status": "Enabled",
        "filter": {},
        "deleteMarkerReplication": {"status": delete_markers},
        "destination": {"bucket": "arn:aws:s3:::rep", "storageClass": "STANDARD_IA"},
    }
    out.append(
        resource(REPLICATION_TYPE, "replication", link(source, {"role": "role", "rules": [rule]}), deps=deps(source))
    )
    return out


@pytest.mark.parametrize("replica_type", BUCKET_TYPES)
@pytest.mark.parametrize("by_dependency", [False, True], ids=["by-value", "by-property-dependency"])
def test_compliant_replicated_estate_passes_replication_and_sse_rules(by_dependency: bool, replica_type: str) -> None:
    stack = estate(by_dependency=by_dependency, replica_type=replica_type)
    assert run_stack(REPLICATION, stack) == []
    assert run_stack(SSE, stack) == []


@pytest.mark.parametrize("status", ["Enabled", "enabled"])
def test_replicating_delete_markers_is_a_violation(status: str) -> None:
    found = run_stack(REPLICATION, estate(delete_markers=status))
    assert len(found) == 1 and "delete markers" in found[0], found


def test_replicating_into_an_unversioned_bucket_of_the_stack_is_a_violation() -> None:
    found = run_stack(REPLICATION, estate(target_versioned=False))
    assert len(found) == 1 and "replica" in found[0] and "not versioned" in found[0], found


def test_replication_violations_are_reported_on_the_replication_resource() -> None:
    stack = estate(delete_markers="Enabled", target_versioned=False)
    assert run_stack_with_urns(REPLICATION, stack) == [
        ("replication: rule 0 replicates delete markers, so a delete in production reaches the backup.", stack[-1].urn),
        ("replication: rule 0 targets bucket replica, which is not versioned.", stack[-1].urn),
    ]


def test_replication_exempt_only_by_config() -> None:
    stack = estate(delete_markers="Enabled")
    assert run_stack(REPLICATION, stack, {"exemptions": ["replication"]}) == []


def test_delete_marker_status_unknown_at_preview_is_not_a_violation() -> None:
    assert run_stack(REPLICATION, estate(delete_markers=UNKNOWN)) == []


def test_replication_rules_unknown_at_preview_are_not_a_violation() -> None:
    stack = [*estate()[:-1], resource(REPLICATION_TYPE, "replication", {"bucket": "src", "rules": UNKNOWN})]
    assert run_stack(REPLICATION, stack) == []


def test_replication_into_a_bucket_whose_versioning_is_unknown_at_preview_is_not_a_violation() -> None:
    undecided = resource(
        VERSIONING_TYPES[0], "replica-v", {"bucket": "rep", "versioningConfiguration": {"status": UNKNOWN}}
    )
    stack = [undecided if r.name == "replica-v" else r for r in estate()]
    assert run_stack(REPLICATION, stack) == []


@pytest.mark.parametrize("broken", ["source", "replica"])
@pytest.mark.parametrize("algorithm", ["AES256", "aws:fsx"])
def test_replicated_bucket_without_sse_kms_is_named(broken: str, algorithm: str) -> None:
    stack = estate(**{"source_sse" if broken == "source" else "target_sse": algorithm})
    found = run_stack(SSE, stack)
    assert len(found) == 1 and f"Bucket {broken}" in found[0], found


def test_dsse_kms_counts_as_sse_kms() -> None:
    assert run_stack(SSE, estate(source_sse="aws:kms:dsse", target_sse="aws:kms:dsse")) == []


def test_sse_algorithm_unknown_at_preview_is_not_a_violation() -> None:
    assert run_stack(SSE, estate(source_sse=UNKNOWN, target_sse=UNKNOWN)) == []


def test_every_bucket_of_the_dr_stack_is_a_backup_bucket_and_needs_sse_kms() -> None:
    backup = [resource(BUCKET, "vault-copy", {"bucket": "copy"})]
    assert run_stack(SSE, backup, {"stackRole": "prod"}) == []
    found = run_stack(SSE, backup, {"stackRole": "dr"})
    assert len(found) == 1 and "vault-copy" in found[0], found


def test_deprecated_inline_sse_kms_on_a_bucket_counts() -> None:
    inline = {
        "bucket": "copy",
        "serverSideEncryptionConfiguration": {
            "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}
        },
    }
    assert run_stack(SSE, [resource(BUCKET_V2, "legacy", inline)], {"stackRole": "dr"}) == []


def test_sse_exemption_only_by_config() -> None:
    backup = [resource(BUCKET, "vault-copy", {"bucket": "copy"})]
    assert run_stack(SSE, backup, {"stackRole": "dr", "exemptions": ["vault-copy"]}) == []


# --- s3-noncurrent-version-lifecycle ------------------------------------------------------------------

COMPLIANT_RULE = {
    "id": "noncurrent",
    "status": "Enabled",
    "filter": {},
    "noncurrentVersionTransitions": [{"noncurrentDays": 30, "storageClass": "GLACIER"}],
}
EXPIRATION_RULE = {
    **{k: v for k, v in COMPLIANT_RULE.items() if k != "noncurrentVersionTransitions"},
    "noncurrentVersionExpiration": {"noncurrentDays": 365},
}


def lifecycle_stack(rule: dict[str, Any] | None, by_dependency: bool = True) -> list[PolicyResource]:
    """A versioned bucket and, unless ``rule`` is None, a lifecycle configuration with that one rule."""
    bucket = resource(BUCKET, "data", {"bucket": "data"})
    out = [
        bucket,
        resource(VERSIONING_TYPES[1], "data-v", {"bucket": "data", "versioningConfiguration": {"status": "Enabled"}}),
    ]
    if rule is not None:
        props = {"bucket": UNKNOWN if by_dependency else "data", "rules": [rule]}
        out.append(resource(LIFECYCLE_TYPES[0], "data-lc", props, deps={"bucket": [bucket]} if by_dependency else {}))
    return out


@pytest.mark.parametrize("by_dependency", [False, True], ids=["by-value", "by-property-dependency"])
@pytest.mark.parametrize("rule", [COMPLIANT_RULE, EXPIRATION_RULE], ids=["transitions", "expiration"])
def test_versioned_bucket_with_noncurrent_lifecycle_passes(rule: dict[str, Any], by_dependency: bool) -> None:
    assert run_stack(LIFECYCLE, lifecycle_stack(rule, by_dependency)) == []


@pytest.mark.parametrize("by_dependency", [False, True], ids=["by-value", "by-property-dependency"])
@pytest.mark.parametrize(
    "rule",
    [
        None,
        {**COMPLIANT_RULE, "status": "Disabled"},
        {**EXPIRATION_RULE, "status": "Disabled"},
        {"id": "x", "status": "Enabled", "expiration": {"days": 30}},
    ],
    ids=["no-lifecycle", "rule-disabled", "expiration-rule-disabled", "current-versions-only"],
)
def test_versioned_bucket_without_noncurrent_lifecycle_is_named(
    rule: dict[str, Any] | None, by_dependency: bool
) -> None:
    stack = lifecycle_stack(rule, by_dependency)
    assert run_stack_with_urns(LIFECYCLE, stack) == [
        (
            "Bucket data: versioned without a noncurrent-version lifecycle rule, so old versions accumulate cost "
            "forever.",
            stack[0].urn,
        )
    ]


def test_unversioned_bucket_needs_no_noncurrent_lifecycle() -> None:
    assert run_stack(LIFECYCLE, lifecycle_stack(None)[:1]) == []


def test_lifecycle_exempt_only_by_config() -> None:
    assert run_stack(LIFECYCLE, lifecycle_stack(None), {"exemptions": ["data"]}) == []


@pytest.mark.parametrize(
    "stack",
    [lifecycle_stack({**COMPLIANT_RULE, "status": UNKNOWN}), versioned(status=UNKNOWN)],
    ids=["rule-status", "versioning-status"],
)
def test_lifecycle_values_unknown_at_preview_are_not_a_violation(stack: list[PolicyResource]) -> None:
    assert run_stack(LIFECYCLE, stack) == []
