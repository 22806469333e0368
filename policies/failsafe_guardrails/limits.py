"""AWS's size and count quotas that a plan can exceed, each with its source and the way the service counts, and the
measurements: one table for the pack's quota policies (:mod:`failsafe_guardrails.quotas`, one stack at a time) and
for ``python -m failsafe check`` (every plan of the estate at once: failsafe/tooling/quotas.py). Pure Python.

How each service counts, as documented:

- **IAM** ("IAM and AWS STS quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
  "IAM and STS character limits"): "IAM doesn't count white space when calculating the size of a policy against
  these limits". Measured: the characters of the document with the white space outside strings removed.
- **Organizations** ("Quotas and service limits for AWS Organizations", "Maximum and minimum values",
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html): "If you save the policy using
  an SDK operation or the AWS CLI, then the policy is saved exactly as you provided and no automatic removal of
  characters occurs" (Pulumi calls the API); RCP page, "Maximum size of RCPs": "All characters in your RCP count
  against its maximum size". Measured: the characters of the text as sent.
- **S3 and KMS**: their pages state the limits in KB and say nothing of white space. Measured: the UTF-8 bytes of the
  text as sent (white space counted), and for S3's "20 KB" the smaller reading, 20,000 bytes (whether the page's KB
  is 1,000 or 1,024 bytes is not stated; the check refuses rather than guess the larger).
- **EventBridge**: botocore ``events.PutPermission`` documentation, "The permission policy on the event bus cannot
  exceed 10 KB in size"; measured as bytes as sent against 10,240.

Sources checked for issue 24 (the dated contradictions are in the report and docs/policies.md): SCP 10,240
characters and 10 per target since 15 May 2026 (was 5,120 and 5); RCP 5,120 characters and 5 per target, the
undetachable RCPFullAWSAccess counting as one; backup policy 10,000 characters and 10 per target, none attached by
default (same quota page, "Number of policies that you can attach to an entity"). The AWS Backup vault access policy
has no documented size limit (botocore ``PutBackupVaultAccessPolicy`` states none): it is not checked here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

IAM_QUOTAS = "IAM User Guide, 'IAM and AWS STS quotas' (IAM and STS character limits)"
ORG_QUOTAS = "AWS Organizations User Guide, 'Quotas and service limits for AWS Organizations'"
BACKUP_QUOTAS = "AWS Backup Developer Guide, 'AWS Backup quotas'"


@dataclass(frozen=True)
class Limit:
    """One quota: what, how much, in what unit, how AWS counts, where it is written."""

    what: str
    limit: int
    unit: str  # "characters", "bytes", "rules", "policies", ...
    counting: str
    source: str

    def sentence(self) -> str:
        return f"AWS accepts at most {self.limit:,} {self.unit} ({self.counting}; {self.source})"

    def problem(self, measured: int) -> str | None:
        """The message for a measured value above the limit (None within it)."""
        if measured <= self.limit:
            return None
        return f"{self.what}: {measured:,} {self.unit}; {self.sentence()}"


WITHOUT_WHITESPACE = "IAM does not count white space"
AS_SENT = "counted as sent, white space included"

S3_BUCKET_POLICY = Limit(
    "S3 bucket policy",
    20_000,
    "bytes",
    f"{AS_SENT}; '20 KB' read as 20,000 bytes",
    "S3 User Guide, 'Adding a bucket policy by using the Amazon S3 console': bucket policies are limited to 20 KB",
)
KMS_KEY_POLICY = Limit(
    "KMS key policy",
    32_768,
    "bytes",
    AS_SENT,
    "AWS KMS Developer Guide, 'Resource quotas', Key policy document size: 32 KB (32,768 bytes)",
)
IAM_TRUST_POLICY = Limit(
    "IAM role trust policy",
    2_048,
    "characters",
    WITHOUT_WHITESPACE,
    f"{IAM_QUOTAS}: role trust policy length, 2,048 by default (raised on request)",
)
IAM_MANAGED_POLICY = Limit(
    "IAM managed policy", 6_144, "characters", WITHOUT_WHITESPACE, f"{IAM_QUOTAS}: managed policy size"
)
IAM_ROLE_INLINE = Limit(
    "IAM role's inline policies together",
    10_240,
    "characters",
    WITHOUT_WHITESPACE,
    f"{IAM_QUOTAS}: role policy size can't exceed 10,240 characters",
)
SCP = Limit("service control policy", 10_240, "characters", AS_SENT, f"{ORG_QUOTAS}: maximum size of a policy document")
RCP = Limit("resource control policy", 5_120, "characters", AS_SENT, f"{ORG_QUOTAS}: maximum size of a policy document")
BACKUP_POLICY = Limit(
    "backup policy", 10_000, "characters", AS_SENT, f"{ORG_QUOTAS}: maximum size of a policy document"
)
ATTACHMENT_SOURCE = f"{ORG_QUOTAS}: number of policies that you can attach to an entity"
SCPS_PER_TARGET = Limit(
    "SCPs attached to one target",
    10,
    "policies",
    "FullAWSAccess, attached by default, counts as one",
    ATTACHMENT_SOURCE,
)
RCPS_PER_TARGET = Limit(
    "RCPs attached to one target",
    5,
    "policies",
    "RCPFullAWSAccess, which cannot be detached, counts as one",
    ATTACHMENT_SOURCE,
)
BACKUP_POLICIES_PER_TARGET = Limit(
    "backup policies attached to one target", 10, "policies", "none is attached by default", ATTACHMENT_SOURCE
)
EVENT_BUS_POLICY = Limit(
    "EventBridge event bus policy",
    10_240,
    "bytes",
    f"{AS_SENT}; '10 KB' read as 10,240 bytes, the figure of the error AWS returns",
    "botocore events PutPermission: the permission policy on the event bus cannot exceed 10 KB",
)
REPLICATION_RULES = Limit(
    "S3 replication configuration",
    1_000,
    "rules",
    "each rule counts",
    "botocore s3 ReplicationConfiguration.Rules: a replication configuration can contain a maximum of 1,000 rules",
)
BACKUP_ASSIGNMENTS_PER_PLAN = Limit(
    "resource assignments of one backup plan",
    100,
    "assignments",
    "each backup selection of the plan is one resource assignment",
    f"{BACKUP_QUOTAS}: resource assignments per backup plan, 100",
)
BACKUP_SELECTION_ARNS = Limit(
    "resource ARNs of one backup selection",
    500,
    "ARNs",
    "500 without wildcards, 30 when any has one",
    "AWS Backup API Reference, BackupSelection.Resources",
)
BACKUP_SELECTION_WILDCARD_ARNS = 30
S3_BUCKETS_PER_ACCOUNT = Limit(
    "general purpose S3 buckets of one account",
    10_000,
    "buckets",
    "the default quota (raised on request)",
    "S3 User Guide, 'General purpose bucket quotas, limitations, and restrictions'",
)

ORGANIZATIONS_POLICY_SIZES = {
    "SERVICE_CONTROL_POLICY": SCP,
    "RESOURCE_CONTROL_POLICY": RCP,
    "BACKUP_POLICY": BACKUP_POLICY,
}
ORGANIZATIONS_PER_TARGET = {
    "SERVICE_CONTROL_POLICY": (SCPS_PER_TARGET, 1),  # (limit, slots taken by the policy attached by default)
    "RESOURCE_CONTROL_POLICY": (RCPS_PER_TARGET, 1),
    "BACKUP_POLICY": (BACKUP_POLICIES_PER_TARGET, 0),
}

ALL = (
    S3_BUCKET_POLICY,
    KMS_KEY_POLICY,
    IAM_TRUST_POLICY,
    IAM_MANAGED_POLICY,
    IAM_ROLE_INLINE,
    SCP,
    RCP,
    BACKUP_POLICY,
    SCPS_PER_TARGET,
    RCPS_PER_TARGET,
    BACKUP_POLICIES_PER_TARGET,
    EVENT_BUS_POLICY,
    REPLICATION_RULES,
    BACKUP_ASSIGNMENTS_PER_PLAN,
    BACKUP_SELECTION_ARNS,
    S3_BUCKETS_PER_ACCOUNT,
)


def _text(document: Any) -> str | None:
    """A document as the text the provider sends: strings as they are, objects as JSON; None when it is not text."""
    if isinstance(document, str):
        return document
    if isinstance(document, Mapping | list):
        return json.dumps(_plain(document))
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def as_sent(document: Any) -> int | None:
    """Characters of the text as sent (Organizations)."""
    text = _text(document)
    return None if text is None else len(text)


def bytes_as_sent(document: Any) -> int | None:
    """UTF-8 bytes of the text as sent (S3, KMS, EventBridge)."""
    text = _text(document)
    return None if text is None else len(text.encode("utf-8"))


def without_whitespace(document: Any) -> int | None:
    """Characters with the white space outside strings removed (IAM); a text that is not JSON is measured as it is,
    less its white space, which is what IAM's rule reads literally."""
    text = _text(document)
    if text is None:
        return None
    try:
        return len(json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False))
    except ValueError:
        return len("".join(text.split()))


def total(sizes: Iterable[int | None]) -> int | None:
    """The sum, or None when any part cannot be measured (unknown at preview)."""
    found = list(sizes)
    return None if any(s is None for s in found) else sum(s for s in found if s is not None)
