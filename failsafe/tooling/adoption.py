"""What adopting an existing bucket (config ``adoptBuckets``) changes on it, read off the plan before anything runs.

An adopted bucket is imported, not replaced: the engine takes it over as it is. Its guards are separate resources
(failsafe_components.buckets.hardened_bucket), and those the next ``pulumi up`` writes over whatever the bucket has:
a bucket policy or lifecycle configuration is replaced whole, not merged. ``python -m failsafe plan prod`` prints one
block per adopted bucket so a person sees every write before applying it.
"""

from __future__ import annotations

import json
from typing import Any

from failsafe.tooling import harness

BUCKET = "aws:s3/bucket:Bucket"


def _doc(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value


def _versioning(inputs: dict[str, Any]) -> str:
    return f"versioning {(inputs.get('versioningConfiguration') or {}).get('status', '?')}"


def _encryption(inputs: dict[str, Any]) -> str:
    rule = (inputs.get("rules") or [{}])[0]
    default = rule.get("applyServerSideEncryptionByDefault") or {}
    key = default.get("kmsMasterKeyId") or "?"
    bucket_key = ", bucket key on" if rule.get("bucketKeyEnabled") else ""
    return f"default encryption SSE-KMS with {key}{bucket_key}"


def _public_access(inputs: dict[str, Any]) -> str:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    on = [f for f in flags if inputs.get(f)]
    return "public access block: all four on" if len(on) == 4 else f"public access block: {', '.join(on) or 'none'}"


def _ownership(inputs: dict[str, Any]) -> str:
    return f"object ownership {(inputs.get('rule') or {}).get('objectOwnership', '?')} (ACLs off)"


def _policy(inputs: dict[str, Any]) -> str:
    statements = [s.get("Sid", "?") for s in (_doc(inputs.get("policy")) or {}).get("Statement", [])]
    return f"bucket policy REPLACES any existing policy (statements: {', '.join(statements)})"


def _lifecycle(inputs: dict[str, Any]) -> str:
    rules = [r.get("id", "?") for r in inputs.get("rules") or []]
    return f"lifecycle REPLACES existing rules (rules: {', '.join(rules)})"


def _replication(inputs: dict[str, Any]) -> str:
    rule = (inputs.get("rules") or [{}])[0]
    target = (rule.get("destination") or {}).get("bucket", "?")
    return f"replication REPLACES any existing configuration: to {target}, delete markers not replicated"


def _object_lock(inputs: dict[str, Any]) -> str:
    retention = (inputs.get("rule") or {}).get("defaultRetention") or {}
    return f"Object Lock default retention {retention.get('mode', '?')} {retention.get('days', '?')} days"


# The bucket's side resources, in the order S3 needs them written, and the one setting of each a person must see.
SIDE_SETTINGS = {
    "aws:s3/bucketVersioning:BucketVersioning": _versioning,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _encryption,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _ownership,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _object_lock,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _lifecycle,
    "aws:s3/bucketPolicy:BucketPolicy": _policy,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _replication,
}


def adoptions(plan: harness.Plan) -> list[dict[str, Any]]:
    """One entry per imported bucket of ``plan``: its name, import ID, and each side resource the plan writes on it
    (``{"resource", "type", "sets"}``), in :data:`SIDE_SETTINGS` order."""
    found = []
    for bucket in plan.by_type(BUCKET):
        if not bucket.import_id:
            continue
        name = str(bucket.inputs.get("bucket") or bucket.import_id)
        sides = [r for r in plan.resources if r.type in SIDE_SETTINGS and r.inputs.get("bucket") == name]
        sides.sort(key=lambda r: list(SIDE_SETTINGS).index(r.type))
        found.append(
            {
                "bucket": name,
                "urn": bucket.urn,
                "importId": bucket.import_id,
                "retainOnDelete": bucket.retain_on_delete,
                "changes": [
                    {"resource": r.name, "type": r.type, "sets": SIDE_SETTINGS[r.type](r.inputs)} for r in sides
                ],
            }
        )
    return found


def render(found: list[dict[str, Any]]) -> str:
    """The blocks ``plan`` prints: what the next ``up`` writes on each adopted bucket."""
    blocks = []
    for adoption in found:
        lines = [f"adopting s3://{adoption['bucket']} (import, no replacement): will set"]
        lines += [f"  - {change['sets']}  [{change['resource']}]" for change in adoption["changes"]]
        if adoption["retainOnDelete"]:
            lines.append("  (retained on delete: removing it from adoptBuckets never deletes the bucket)")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
