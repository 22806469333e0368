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
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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
    "IAM managed policy",
    6_144,
    "characters",
    WITHOUT_WHITESPACE,
    f"{IAM_QUOTAS}: managed policy size; the figure as AWS states it: AWS Knowledge Center, 'How do I increase the "
    "default managed policy or character size limit for an IAM role or user?' (the maximum character limit for "
    "managed policies is 6,144)",
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
    "botocore backup model, BackupSelection.Resources: the maximum number of ARNs is 500 without wildcards, or 30 "
    "ARNs with wildcards",
)
BACKUP_SELECTION_WILDCARD_ARNS = Limit(
    BACKUP_SELECTION_ARNS.what, 30, "ARNs with wildcards", BACKUP_SELECTION_ARNS.counting, BACKUP_SELECTION_ARNS.source
)
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
        try:
            return json.dumps(_plain(document))
        except TypeError:  # a part unknown at preview
            return None
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


# --- the measurements of one stack (the pack's quota policies and `check` read the same) ----------------------------

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
ORG_POLICY = "aws:organizations/policy:Policy"
ORG_ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
BACKUP_PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"


class Resource(Protocol):
    """A resource of a stack as both sides hold it: the plan (failsafe.tooling.harness.PlannedResource) and the
    pack (adapted from the SDK's PolicyResource by failsafe_guardrails.quotas)."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def property_dependencies(self) -> Mapping[str, Sequence[str]]: ...


@dataclass(frozen=True)
class Measured:
    """One document or count of a stack against its quota."""

    resource: str  # the Pulumi name of the resource measured (a role for its inline total; an OU for attachments)
    urn: str
    value: int
    limit: Limit

    @property
    def fraction(self) -> float:
        return self.value / self.limit.limit

    def problem(self) -> str | None:
        found = self.limit.problem(self.value)
        return f"{self.resource}: {found}" if found else None


def _items(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return list(value) if isinstance(value, list | tuple) else []


def _count(value: Any) -> int | None:
    """The number of entries of a list input; None when it is not a list (unknown at preview)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return len(value) if isinstance(value, list | tuple) else None


def measure(resources: Sequence[Resource]) -> Iterator[Measured]:
    """Every quota-bound document and count of one stack; values unknown at preview are left out (AWS measures the
    value it receives; a later ``up`` or ``check`` on a known value measures it)."""
    roles = {r.urn: r for r in resources if r.type == ROLE}
    by_name = {str(r.inputs.get("name") or r.name): r for r in roles.values()}
    inline: dict[str, list[int | None]] = defaultdict(list)
    org_types: dict[str, str] = {}
    per_target: Counter[tuple[str, str]] = Counter()
    per_plan: Counter[str] = Counter()
    plans = {r.urn: r for r in resources if r.type == BACKUP_PLAN}

    def one(r: Resource, value: int | None, limit: Limit) -> Iterator[Measured]:
        if value is not None:
            yield Measured(r.name, r.urn, value, limit)

    for r in resources:
        if r.type == ORG_POLICY:
            org_types[r.urn] = str(r.inputs.get("type") or "SERVICE_CONTROL_POLICY")
    for r in resources:
        if r.type == BUCKET_POLICY:
            yield from one(r, bytes_as_sent(r.inputs.get("policy")), S3_BUCKET_POLICY)
        elif r.type == KEY and r.inputs.get("policy") is not None:
            yield from one(r, bytes_as_sent(r.inputs.get("policy")), KMS_KEY_POLICY)
        elif r.type == ROLE:
            yield from one(r, without_whitespace(r.inputs.get("assumeRolePolicy")), IAM_TRUST_POLICY)
            for entry in _items(r.inputs.get("inlinePolicies")):
                if isinstance(entry, Mapping):
                    inline[r.urn].append(without_whitespace(entry.get("policy")))
        elif r.type == MANAGED_POLICY:
            yield from one(r, without_whitespace(r.inputs.get("policy")), IAM_MANAGED_POLICY)
        elif r.type == ROLE_POLICY:
            urns = [u for u in r.property_dependencies.get("role", []) if u in roles]
            role = roles.get(urns[0]) if urns else by_name.get(str(r.inputs.get("role")))
            if role is not None:
                inline[role.urn].append(without_whitespace(r.inputs.get("policy")))
        elif r.type == ORG_POLICY:
            limit = ORGANIZATIONS_POLICY_SIZES.get(org_types[r.urn])
            if limit is not None:
                yield from one(r, as_sent(r.inputs.get("content")), limit)
        elif r.type == ORG_ATTACHMENT:
            urns = [u for u in r.property_dependencies.get("policyId", []) if u in org_types]
            target = r.inputs.get("targetId")
            if urns and isinstance(target, str):
                per_target[org_types[urns[0]], target] += 1
        elif r.type == BUS_POLICY:
            yield from one(r, bytes_as_sent(r.inputs.get("policy")), EVENT_BUS_POLICY)
        elif r.type == REPLICATION:
            yield from one(r, _count(r.inputs.get("rules")), REPLICATION_RULES)
        elif r.type == SELECTION:
            urns = [u for u in r.property_dependencies.get("planId", []) if u in plans]
            if urns:
                per_plan[urns[0]] += 1
            arns = _items(r.inputs.get("resources"))
            limit = BACKUP_SELECTION_WILDCARD_ARNS if any("*" in str(a) for a in arns) else BACKUP_SELECTION_ARNS
            yield from one(r, _count(r.inputs.get("resources")), limit)
    for urn, sizes in inline.items():
        yield from one(roles[urn], total(sizes), IAM_ROLE_INLINE)
    for plan_urn, count in per_plan.items():
        yield from one(plans[plan_urn], count, BACKUP_ASSIGNMENTS_PER_PLAN)
    for (kind, target), count in sorted(per_target.items()):
        limit, default = ORGANIZATIONS_PER_TARGET[kind]
        yield Measured(target, "", count + default, limit)


def largest(measured: Iterable[Measured]) -> dict[str, Measured]:
    """The largest measurement of each kind (by its fraction of the limit): what `check` prints and the benches
    report."""
    found: dict[str, Measured] = {}
    for m in measured:
        if m.limit.what not in found or m.fraction > found[m.limit.what].fraction:
            found[m.limit.what] = m
    return found
