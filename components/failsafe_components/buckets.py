"""Hardening shared by every bucket failsafe owns: the defaults a production or backup bucket must never lack.

One function so the source buckets (prod) and the replica and archive buckets (dr) cannot drift apart:
versioning Enabled (replication and recovery both depend on old versions), SSE-KMS with a customer-managed
key and bucket key, all four public access blocks, ``BucketOwnerEnforced`` (ACLs off), a lifecycle for
noncurrent versions and abandoned multipart uploads, and a policy that refuses non-TLS access plus
whatever extra statements the caller adds.

The policy is applied last (``depends_on`` the versioning, lifecycle and Object Lock settings): callers add
statements that lock those settings, so on a first deploy they must be in place before the lock closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam


@dataclass(frozen=True)
class BucketParts:
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning


def hardened_bucket(
    name: str,
    bucket_name: str,
    *,
    kms_key_arn: pulumi.Input[str],
    noncurrent_transition_days: int,
    noncurrent_expiration_days: int,
    abort_incomplete_upload_days: int,
    parent: pulumi.Resource,
    protect: bool,
    object_lock: bool = False,
    lock_retention: tuple[str, int] | None = None,
    extra_statements: list[dict[str, Any]] | None = None,
    transition_storage_class: str = "STANDARD_IA",
    adopt: bool = False,
) -> BucketParts:
    """Create ``bucket_name`` with every guard on; children are named ``{name}-<role>`` under ``parent``.

    ``lock_retention``: (mode, days) of the default Object Lock retention (needs ``object_lock``).

    ``adopt``: the bucket exists already; it is imported (``import_``) rather than created, and retained when it
    leaves the program, so failsafe never deletes a bucket it did not create. The engine refuses an import whose
    declared inputs differ from the bucket, so the Bucket itself declares only its name (and ``force_destroy``, a
    provider-side flag whose imported value is its default, False); every guard is a separate resource below, which
    the next ``up`` writes over whatever the bucket had."""
    if lock_retention is not None and not object_lock:
        raise ValueError(f"{name}: lock_retention needs object_lock=True (S3 enables Object Lock at bucket creation)")
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        name,
        bucket=bucket_name,
        object_lock_enabled=object_lock or None,
        force_destroy=False,  # a bucket holding versions is never emptied by `pulumi destroy`
        opts=pulumi.ResourceOptions(
            parent=parent,
            protect=protect,
            import_=bucket_name if adopt else None,
            retain_on_delete=True if adopt else None,
        ),
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": kms_key_arn,
                },
                "bucket_key_enabled": True,
            }
        ],
        opts=child,
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child
    )
    # Lifecycle rules need versioning first (noncurrent rules on an unversioned bucket are meaningless).
    lifecycle = aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle",
        bucket=versioning.bucket,
        rules=[
            {
                "id": "noncurrent-versions",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "noncurrent_version_transitions": [
                    {"noncurrent_days": noncurrent_transition_days, "storage_class": transition_storage_class}
                ],
                "noncurrent_version_expiration": {"noncurrent_days": noncurrent_expiration_days},
                "abort_incomplete_multipart_upload": {"days_after_initiation": abort_incomplete_upload_days},
            }
        ],
        opts=child,
    )
    settings: list[pulumi.Resource] = [versioning, lifecycle]
    if lock_retention is not None:
        mode, days = lock_retention
        settings.append(
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-lock",
                bucket=versioning.bucket,
                rule={"default_retention": {"mode": mode, "days": days}},
                opts=child,
            )
        )
    statements = [
        iam.statement(
            "DenyInsecureTransport",
            "s3:*",
            [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
            effect="Deny",
            principal="*",
            condition={"Bool": {"aws:SecureTransport": "false"}},
        ),
        *(extra_statements or []),
    ]
    aws.s3.BucketPolicy(
        f"{name}-policy",
        bucket=bucket.id,
        policy=iam.to_json(iam.document(*statements)),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=settings),  # no data dependency orders these
    )
    return BucketParts(bucket=bucket, versioning=versioning)


def bucket_arn(bucket_name: str) -> str:
    """ARN of a bucket by name (S3 ARNs carry no account or region)."""
    return f"arn:aws:s3:::{bucket_name}"
