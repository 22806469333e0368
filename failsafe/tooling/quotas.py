"""AWS's quotas measured on the plans: every document and count of one plan (what the pack's quota policies judge one
stack at a time, :mod:`failsafe_guardrails.quotas`), and the quotas that span stacks, which only ``check --all``
sees: buckets per account summed over every stack deploying into it, and Organizations policies per target.

The limits, their sources and how each service counts are :mod:`failsafe_guardrails.limits` (one table for the pack
and for here). ``python bench/fleet_sizes.py`` prints :func:`largest` at N = 1 ... 1,000 members.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from failsafe.tooling.harness import PROVIDER_PREFIX, Plan, PlannedResource
from failsafe_guardrails import limits
from failsafe_guardrails.limits import Limit

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
SELECTION = "aws:backup/selection:Selection"


@dataclass(frozen=True)
class Measured:
    """One document or count of a plan against its quota."""

    stack: str
    kind: str  # the limit's ``what``
    resource: str  # the Pulumi name of the resource measured (for a role's inline total: the role)
    value: int
    limit: Limit

    @property
    def fraction(self) -> float:
        return self.value / self.limit.limit

    def problem(self) -> str | None:
        found = self.limit.problem(self.value)
        return f"{self.stack}: {self.resource}: {found}" if found else None


def _rules(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return list(value) if isinstance(value, list) else []


def measure(plan: Plan) -> Iterator[Measured]:
    """Every quota-bound document and count of ``plan`` (values unknown at preview are left out)."""
    inline: dict[str, list[int | None]] = defaultdict(list)
    roles = {r.urn: r for r in plan.by_type(ROLE)}
    by_name = {str(r.inputs.get("name") or r.name): r for r in roles.values()}

    def add(resource: PlannedResource, value: int | None, limit: Limit) -> Iterator[Measured]:
        if value is not None:
            yield Measured(plan.stack, limit.what, resource.name, value, limit)

    for r in plan.resources:
        if r.type == BUCKET_POLICY:
            yield from add(r, limits.bytes_as_sent(r.inputs.get("policy")), limits.S3_BUCKET_POLICY)
        elif r.type == KEY and r.inputs.get("policy") is not None:
            yield from add(r, limits.bytes_as_sent(r.inputs.get("policy")), limits.KMS_KEY_POLICY)
        elif r.type == ROLE:
            yield from add(r, limits.without_whitespace(r.inputs.get("assumeRolePolicy")), limits.IAM_TRUST_POLICY)
            for entry in _rules(r.inputs.get("inlinePolicies")):
                if isinstance(entry, Mapping):
                    inline[r.urn].append(limits.without_whitespace(entry.get("policy")))
        elif r.type == MANAGED_POLICY:
            yield from add(r, limits.without_whitespace(r.inputs.get("policy")), limits.IAM_MANAGED_POLICY)
        elif r.type == ROLE_POLICY:
            urns = [u for u in r.property_dependencies.get("role", []) if u in roles]
            role = roles.get(urns[0]) if urns else by_name.get(str(r.inputs.get("role")))
            if role is not None:
                inline[role.urn].append(limits.without_whitespace(r.inputs.get("policy")))
        elif r.type == ORG_POLICY:
            limit = limits.ORGANIZATIONS_POLICY_SIZES.get(str(r.inputs.get("type") or "SERVICE_CONTROL_POLICY"))
            if limit is not None:
                yield from add(r, limits.as_sent(r.inputs.get("content")), limit)
        elif r.type == BUS_POLICY:
            yield from add(r, limits.bytes_as_sent(r.inputs.get("policy")), limits.EVENT_BUS_POLICY)
        elif r.type == REPLICATION:
            yield from add(r, len(_rules(r.inputs.get("rules"))), limits.REPLICATION_RULES)
    for urn, sizes in inline.items():
        yield from add(roles[urn], limits.total(sizes), limits.IAM_ROLE_INLINE)
    per_plan: Counter[str] = Counter()
    for selection in plan.by_type(SELECTION):
        per_plan[str(selection.property_dependencies.get("planId", [selection.inputs.get("planId")])[0])] += 1
        resources = [str(a) for a in _rules(selection.inputs.get("resources"))]
        wild = any("*" in a for a in resources)
        limit = limits.BACKUP_SELECTION_ARNS
        if wild:
            limit = Limit(
                limit.what, limits.BACKUP_SELECTION_WILDCARD_ARNS, "ARNs with wildcards", limit.counting, limit.source
            )
        yield from add(selection, len(resources), limit)
    for backup_plan, count in per_plan.items():
        yield Measured(
            plan.stack,
            limits.BACKUP_ASSIGNMENTS_PER_PLAN.what,
            backup_plan.rsplit("::", 1)[-1],
            count,
            limits.BACKUP_ASSIGNMENTS_PER_PLAN,
        )


def largest(plans: Mapping[str, Plan]) -> dict[str, Measured]:
    """The largest measurement of each kind over ``plans``: what the fleet-size bench prints."""
    found: dict[str, Measured] = {}
    for plan in plans.values():
        for m in measure(plan):
            if m.kind not in found or m.fraction > found[m.kind].fraction:
                found[m.kind] = m
    return found


def _provider_accounts(plan: Plan) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in plan.resources:
        if r.type == PROVIDER_PREFIX + "aws":
            accounts = r.inputs.get("allowedAccountIds")
            accounts = json.loads(accounts) if isinstance(accounts, str) else accounts
            if accounts:
                out[r.urn] = str(accounts[0])
    return out


def cross_stack(plans: Mapping[str, Plan]) -> tuple[list[str], list[str]]:
    """(problems, figures) of the quotas no single stack sees: general purpose buckets per account over every plan
    deploying into it, and Organizations policies attached per target (the default FullAWSAccess and
    RCPFullAWSAccess take one slot each; policies attached outside failsafe are not in the plans, so the figure is
    "failsafe uses n of m")."""
    problems: list[str] = []
    figures: list[str] = []
    buckets: Counter[str] = Counter()
    for plan in plans.values():
        accounts = _provider_accounts(plan)
        for bucket in plan.by_type(BUCKET):
            account = accounts.get(bucket.provider_urn)
            if account:
                buckets[account] += 1
    quota = limits.S3_BUCKETS_PER_ACCOUNT
    for account, count in sorted(buckets.items()):
        figures.append(f"account {account}: {count:,} S3 buckets of {quota.limit:,} ({count / quota.limit:.2%})")
        if count > quota.limit:
            problems.append(f"account {account}: {quota.problem(count)}")
    for stack, plan in plans.items():
        types = {r.urn: str(r.inputs.get("type") or "SERVICE_CONTROL_POLICY") for r in plan.by_type(ORG_POLICY)}
        per_target: Counter[tuple[str, str]] = Counter()
        for attachment in plan.by_type(ORG_ATTACHMENT):
            urns = [u for u in attachment.property_dependencies.get("policyId", []) if u in types]
            target = attachment.inputs.get("targetId")
            if urns and isinstance(target, str):
                per_target[types[urns[0]], target] += 1
        for (kind, target), count in sorted(per_target.items()):
            limit, default = limits.ORGANIZATIONS_PER_TARGET[kind]
            used = count + default
            figures.append(f"{stack}: {target}: {used} of {limit.limit} {kind} slots ({default} by default)")
            if used > limit.limit:
                problems.append(f"{stack}: {target}: {limit.problem(used)}")
    return problems, figures
