"""AWS's size and count quotas as mandatory pack policies: a plan whose bucket policy, key policy, trust policy,
managed or inline policies, Organizations policies (size and per target), event bus policy, replication rules or
backup selections exceed what AWS accepts fails before ``pulumi up`` reaches AWS, with the value measured and the
limit's source in the message. The limits, how each service counts and their sources: :mod:`failsafe_guardrails.limits`
(the same table and measurement ``python -m failsafe check`` prints); quotas that span stacks (buckets per account)
are ``check --all``'s, since the pack sees one stack."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, Severity, StackValidationPolicy

from failsafe_guardrails import limits
from failsafe_guardrails.config import exempt, schema
from failsafe_guardrails.props import plain


@dataclass(frozen=True)
class _Resource:
    """The SDK's PolicyResource as :class:`failsafe_guardrails.limits.Resource` (property dependencies as URNs)."""

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    property_dependencies: Mapping[str, Sequence[str]]


def _resources(args: Any) -> list[_Resource]:
    out = []
    for r in args.resources:
        deps = {key: [d.urn for d in found] for key, found in (r.property_dependencies or {}).items()}
        inputs = plain(r.props)
        out.append(_Resource(r.resource_type, r.name, r.urn, inputs if isinstance(inputs, dict) else {}, deps))
    return out


def _policy(name: str, checked: tuple[limits.Limit, ...], about: str) -> StackValidationPolicy:
    whats = {limit.what for limit in checked} | (
        {limits.BACKUP_SELECTION_ARNS.what} if limits.BACKUP_SELECTION_ARNS in checked else set()
    )

    def validate(args: Any, report: Callable[..., None]) -> None:
        for found in limits.measure(_resources(args)):
            if found.limit.what not in whats or exempt(args, found.resource, found.urn):
                continue
            problem = found.problem()
            if problem:
                report(problem, found.urn or None)

    sources = "; ".join(f"{limit.what}: {limit.sentence()}" for limit in checked)
    return StackValidationPolicy(
        name=name,
        description=f"{about} must fit AWS's quota, which refuses the call otherwise ({sources}).",
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        config_schema=schema(),
        remediation_steps="Split the document or the resource (fewer statements, principals by organization "
        "condition instead of lists: README 'Many accounts'), or raise the quota where AWS allows it and record the "
        "exemption in policyExemptions.",
    )


s3_bucket_policy_size = _policy("quota-s3-bucket-policy-size", (limits.S3_BUCKET_POLICY,), "An S3 bucket policy")
kms_key_policy_size = _policy("quota-kms-key-policy-size", (limits.KMS_KEY_POLICY,), "A KMS key policy")
iam_trust_policy_size = _policy("quota-iam-trust-policy-size", (limits.IAM_TRUST_POLICY,), "An IAM role trust policy")
iam_managed_policy_size = _policy(
    "quota-iam-managed-policy-size", (limits.IAM_MANAGED_POLICY,), "An IAM managed policy"
)
iam_role_inline_size = _policy(
    "quota-iam-role-inline-policies-size", (limits.IAM_ROLE_INLINE,), "An IAM role's inline policies together"
)
organizations_policy_size = _policy(
    "quota-organizations-policy-size",
    (limits.SCP, limits.RCP, limits.BACKUP_POLICY),
    "An Organizations policy (SCP, RCP, backup policy)",
)
organizations_policies_per_target = _policy(
    "quota-organizations-policies-per-target",
    (limits.SCPS_PER_TARGET, limits.RCPS_PER_TARGET, limits.BACKUP_POLICIES_PER_TARGET),
    "The Organizations policies attached to one root, OU or account",
)
event_bus_policy_size = _policy(
    "quota-event-bus-policy-size", (limits.EVENT_BUS_POLICY,), "An EventBridge event bus policy"
)
replication_rules = _policy(
    "quota-s3-replication-rules", (limits.REPLICATION_RULES,), "An S3 replication configuration"
)
backup_assignments = _policy(
    "quota-backup-plan-assignments",
    (limits.BACKUP_ASSIGNMENTS_PER_PLAN, limits.BACKUP_SELECTION_ARNS),
    "A backup plan's resource assignments and each selection's ARNs",
)

POLICIES = [
    s3_bucket_policy_size,
    kms_key_policy_size,
    iam_trust_policy_size,
    iam_managed_policy_size,
    iam_role_inline_size,
    organizations_policy_size,
    organizations_policies_per_target,
    event_bus_policy_size,
    replication_rules,
    backup_assignments,
]
