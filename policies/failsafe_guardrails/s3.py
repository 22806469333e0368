"""S3: the buckets that hold the estate's data and its backups must keep every version, never be public, replicate
without carrying deletions into the backup, encrypt replicas with a customer key, and bound the cost of old
versions. All are stack policies: each correlates a bucket with the separate resources that configure it
(:class:`failsafe_guardrails.buckets.Buckets`).

AWS references: S3 User Guide, "Retaining multiple versions of objects with S3 Versioning", "Blocking public access
to your Amazon S3 storage", "Replicating delete markers between buckets", "Using server-side encryption with AWS
KMS keys (SSE-KMS)" and "Lifecycle configuration elements" (NoncurrentVersionExpiration/Transition).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import EnforcementLevel, Severity, StackValidationPolicy

from failsafe_guardrails.buckets import Buckets
from failsafe_guardrails.config import exempt, schema, stack_role
from failsafe_guardrails.props import UNKNOWN, as_list, prop

VERSIONING_TYPES = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
PAB_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
PAB_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
REPLICATION_TYPE = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
SSE_TYPES = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
LIFECYCLE_TYPES = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)


@dataclass
class Versioning:
    """The stack's buckets by versioning state, from their BucketVersioning resources and the deprecated inline
    ``versioning`` input."""

    enabled: set[str] = field(default_factory=set)  # URNs of buckets with versioning known to be Enabled
    undecided: set[str] = field(default_factory=set)  # URNs whose versioning status is unknown at preview
    problems: dict[str, str] = field(default_factory=dict)  # URN: why versioning is not Enabled

    def may_be_enabled(self, urn: str) -> bool:
        return urn in self.enabled or urn in self.undecided


def versioning(buckets: Buckets) -> Versioning:
    state = Versioning()
    for r, b in buckets.targets(VERSIONING_TYPES):
        status = prop(r.props, "versioningConfiguration", "status")
        if status == "Enabled":
            state.enabled.add(b.urn)
        elif status is UNKNOWN:
            state.undecided.add(b.urn)
        else:
            state.problems.setdefault(b.urn, f"versioning status {status!r} set by {r.name}")
    for b in buckets.all:
        inline = prop(b.props, "versioning", "enabled")
        if inline is True:
            state.enabled.add(b.urn)
        elif inline is UNKNOWN:
            state.undecided.add(b.urn)
    return state


def _validate_versioning(args: Any, report: Any) -> None:
    buckets = Buckets(args.resources)
    state = versioning(buckets)
    for b in buckets.all:
        if not state.may_be_enabled(b.urn) and not exempt(args, b.name, b.urn):
            reason = state.problems.get(b.urn, "no BucketVersioning targets it")
            report(f"Bucket {b.name}: versioning is not Enabled ({reason}).", b.urn)


def _validate_public_access(args: Any, report: Any) -> None:
    buckets = Buckets(args.resources)
    blocked = set()
    for r in buckets.resources:
        if r.resource_type == PAB_TYPE and all(_true_or_unknown(prop(r.props, k)) for k in PAB_SETTINGS):
            blocked.update(b.urn for b in buckets.targeted_by(r))
    for b in buckets.all:
        if b.urn not in blocked and not exempt(args, b.name, b.urn):
            report(f"Bucket {b.name}: no BucketPublicAccessBlock with all four settings true targets it.", b.urn)


def _true_or_unknown(value: Any) -> bool:
    return value is True or value is UNKNOWN


def _rules(resource: Any) -> list[Any]:
    """The ``rules`` of a replication, encryption or lifecycle resource, read with :func:`prop` (which makes a rule,
    or a list, unknown at preview unknown throughout and anything that is not a mapping read as empty)."""
    return as_list(prop(resource.props, "rules"))


def _validate_replication(args: Any, report: Any) -> None:
    buckets = Buckets(args.resources)
    state = versioning(buckets)
    for r in buckets.resources:
        if r.resource_type != REPLICATION_TYPE or exempt(args, r.name, r.urn):
            continue
        for i, rule in enumerate(_rules(r)):
            if str(prop(rule, "deleteMarkerReplication", "status") or "").lower() == "enabled":
                report(
                    f"{r.name}: rule {i} replicates delete markers, so a delete in production reaches the backup.",
                    r.urn,
                )
            for target in buckets.in_arn(prop(rule, "destination", "bucket")):
                if not state.may_be_enabled(target.urn):
                    report(f"{r.name}: rule {i} targets bucket {target.name}, which is not versioned.", r.urn)


def _is_sse_kms(algorithm: Any) -> bool:
    """aws:kms or aws:kms:dsse; an algorithm unknown at preview is given the benefit of the doubt."""
    return algorithm is UNKNOWN or str(algorithm or "").startswith("aws:kms")


def _inline_sse_kms(bucket: Any) -> bool:
    """The deprecated inline ``serverSideEncryptionConfiguration.rule`` of a Bucket/BucketV2 names aws:kms*."""
    for config in as_list(prop(bucket.props, "serverSideEncryptionConfiguration")):
        for rule in as_list(prop(config, "rule")):
            if _is_sse_kms(prop(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")):
                return True
    return False


def _validate_sse_kms(args: Any, report: Any) -> None:
    buckets = Buckets(args.resources)
    replicated: dict[str, Any] = {b.urn: b for _, b in buckets.targets((REPLICATION_TYPE,))}
    for r in buckets.resources:
        if r.resource_type == REPLICATION_TYPE:
            for rule in _rules(r):
                replicated.update((b.urn, b) for b in buckets.in_arn(prop(rule, "destination", "bucket")))
    if stack_role(args) == "dr":  # the dr stack's buckets are the backup (their replication rules are prod's)
        replicated.update((b.urn, b) for b in buckets.all)
    kms = {
        b.urn
        for r, b in buckets.targets(SSE_TYPES)
        for rule in _rules(r)
        if _is_sse_kms(prop(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
    }
    for urn, b in replicated.items():
        if urn not in kms and not _inline_sse_kms(b) and not exempt(args, b.name, urn):
            report(f"Bucket {b.name}: replicated or backup bucket without default SSE-KMS encryption.", urn)


def _covers_noncurrent_versions(rule: Any) -> bool:
    """An Enabled rule that expires or transitions noncurrent versions; unknown parts count as doing so."""
    status = prop(rule, "status")
    return status is UNKNOWN or (
        str(status) == "Enabled"
        and bool(prop(rule, "noncurrentVersionExpiration") or prop(rule, "noncurrentVersionTransitions"))
    )


def _validate_noncurrent_lifecycle(args: Any, report: Any) -> None:
    buckets = Buckets(args.resources)
    covered = {
        b.urn for r, b in buckets.targets(LIFECYCLE_TYPES) for rule in _rules(r) if _covers_noncurrent_versions(rule)
    }
    by_urn = {b.urn: b for b in buckets.all}
    for urn in sorted(versioning(buckets).enabled - covered):
        b = by_urn[urn]
        if not exempt(args, b.name, urn):
            report(
                f"Bucket {b.name}: versioned without a noncurrent-version lifecycle rule, so old versions "
                "accumulate cost forever.",
                urn,
            )


versioning_enabled = StackValidationPolicy(
    name="s3-bucket-versioning-enabled",
    description="Every S3 bucket must have versioning Enabled, so that overwritten and deleted objects can "
    "be recovered.",
    validate=_validate_versioning,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Add an aws.s3.BucketVersioning for the bucket with versioningConfiguration.status "
    "Enabled. Exempt a bucket only by naming it in the policy's exemptions.",
)

public_access_blocked = StackValidationPolicy(
    name="s3-bucket-public-access-blocked",
    description="Every S3 bucket must have a public access block with all four settings true.",
    validate=_validate_public_access,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, "
    "blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
)

replication_safe = StackValidationPolicy(
    name="s3-replication-safe",
    description="Replication rules must not replicate delete markers and must target a versioned bucket, so "
    "that a deletion in production cannot erase the backup.",
    validate=_validate_replication,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Set deleteMarkerReplication.status Disabled, with a filter, on every rule of the "
    "aws.s3.BucketReplicationConfig, and enable versioning on the destination bucket.",
)

replicated_bucket_sse_kms = StackValidationPolicy(
    name="s3-replicated-bucket-sse-kms",
    description="Buckets that replicate or receive replicas must default to SSE-KMS with a customer key.",
    validate=_validate_sse_kms,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket whose rule sets "
    "applyServerSideEncryptionByDefault.sseAlgorithm aws:kms with a customer-managed KMS key.",
)

noncurrent_version_lifecycle = StackValidationPolicy(
    name="s3-noncurrent-version-lifecycle",
    description="Versioned buckets should expire or transition noncurrent versions so that cost stays bounded.",
    validate=_validate_noncurrent_lifecycle,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    config_schema=schema(),
    remediation_steps="Add an aws.s3.BucketLifecycleConfiguration rule for the bucket with status Enabled and "
    "noncurrentVersionExpiration or noncurrentVersionTransitions.",
)

POLICIES = [
    versioning_enabled,
    public_access_blocked,
    replication_safe,
    replicated_bucket_sse_kms,
    noncurrent_version_lifecycle,
]
