"""The organization as the access proofs see it, and whether the backup account is inside a data perimeter.

:func:`organization_for` builds the evaluator's :class:`~failsafe.tooling.access.iam.organizations.Organization` from
config (the organization's ID and management account, every account the estate names, the protected OUs and each
member's path) and from the org plan (the SCPs and RCPs it attaches, by target). The proofs then run with those
policies in force. Every account the config names is taken to be in the organization (README "Many accounts": an
identity or prod account outside it would be locked out of the backup account by the RCP); an account whose OU config
does not state is placed at the organization's root (a path matching no protected OU). Two synthetic accounts stand
for "an account outside the organization" and "an account of the organization in an unprotected OU": the proofs ask
about the estate's role names in both.

:func:`perimeter_problems` is issue 25 item 4: with an organization configured, the org plan must attach to the backup
account an RCP that denies an outside principal the backup account's S3, KMS and STS even when the resource's own
policy allows everyone, and an SCP that denies its own administrators the key's retirement; judged by evaluating
those requests, not by reading Sids. The RCP, SCP and FullAWSAccess semantics are the evaluator's
(failsafe/tooling/access/iam/organizations.py, with its sources).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failsafe.settings.config import StackConfig
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate
from failsafe.tooling.access.iam.organizations import Organization
from failsafe.tooling.harness import Plan, PlannedResource

POLICY = "aws:organizations/policy:Policy"
ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
VERSION = "2012-10-17"
FULL_ACCESS = Policy(
    {"Version": VERSION, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "SCP FullAWSAccess (attached by default at every level)",
)
ALLOW_ALL = Policy(
    {"Version": VERSION, "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
    "a planted resource policy that allows everyone everything",
)


@dataclass(frozen=True)
class OrgPolicy:
    name: str
    type: str
    document: Any  # the parsed content (a dict), or the text when it is no JSON
    targets: tuple[str, ...]


def org_policies(plan: Plan) -> list[OrgPolicy]:
    """The Organizations policies a plan declares, each with the targets its attachments name."""
    policies = {r.urn: r for r in plan.resources if r.type == POLICY}
    targets: dict[str, list[str]] = {urn: [] for urn in policies}
    for attachment in plan.by_type(ATTACHMENT):
        urn = _attached(attachment, policies)
        target = attachment.inputs.get("targetId")
        if urn is not None and isinstance(target, str):
            targets[urn].append(target)
    found = []
    for urn, r in policies.items():
        content = r.inputs.get("content")
        try:
            document = json.loads(content) if isinstance(content, str) else content
        except ValueError:
            document = content
        found.append(
            OrgPolicy(r.name, str(r.inputs.get("type") or "SERVICE_CONTROL_POLICY"), document, tuple(targets[urn]))
        )
    return found


def _attached(attachment: PlannedResource, policies: Mapping[str, PlannedResource]) -> str | None:
    for urn in attachment.property_dependencies.get("policyId", []):
        if urn in policies:
            return urn
    wanted = attachment.inputs.get("policyId")
    return next((u for u, p in policies.items() if wanted and wanted in (p.id, p.outputs.get("id"))), None)


def synthetic_accounts(taken: set[str]) -> tuple[str, str]:
    """Two account IDs no config names: (outside the organization, in the organization but an unprotected OU)."""
    free = (f"{n:012d}" for n in range(100000000000, 100000001000) if f"{n:012d}" not in taken)
    return next(free), next(free)


def organization_for(cfg: StackConfig, org_plan: Plan | None) -> tuple[Organization, str, str] | None:
    """The organization with the org plan's SCPs and RCPs in force, and the two synthetic accounts (outsider, other
    OU); None when config states no organization. ``cfg``: dr's config (it holds the registry)."""
    org = cfg.fleet.organization if cfg.fleet else None
    if cfg.fleet is None or org is None:
        return None
    named = set(cfg.named_accounts())
    outsider, other_ou = synthetic_accounts(named)
    root = org.ou_paths[0].split("/")[1] if org.ou_paths else "r-root"
    paths = {a: f"{org.id}/{root}/" for a in named}
    paths.update({m.account: m.ou_path for m in cfg.fleet.members})
    paths[other_ou] = f"{org.id}/{root}/ou-{root.removeprefix('r-')}-unprotected/"
    scps: dict[str, list[list[Policy]]] = {}
    rcps: dict[str, list[list[Policy]]] = {}
    for found in org_policies(org_plan) if org_plan is not None else []:
        policy = Policy(found.document, f"{found.type} {found.name} (org plan)")
        for target in found.targets:
            if found.type == "SERVICE_CONTROL_POLICY":
                scps.setdefault(target, [[FULL_ACCESS], [FULL_ACCESS]])[1].append(policy)
            elif found.type == "RESOURCE_CONTROL_POLICY":
                rcps.setdefault(target, [[]])[0].append(policy)
    organization = Organization(
        id=org.id,
        management_account=org.management_account,
        accounts=frozenset(named | {other_ou}),
        scps=scps,
        rcps=rcps,
        paths=paths,
    )
    return organization, outsider, other_ou


def perimeter_problems(cfg: StackConfig, org_plan: Plan | None, org_stack: str | None) -> list[str]:
    """Issue 25 item 4: what the backup account lacks of its perimeter (empty: nothing, or no organization)."""
    built = organization_for(cfg, org_plan)
    if built is None:
        return []
    if org_plan is None:
        return [
            "the estate names an organization (orgManagementAccountId) but has no org stack: the backup account has no "
            "RCP or SCP perimeter (add Pulumi.org.yaml with role org: README 'Many accounts')"
        ]
    organization, outsider, _ = built
    backup, region, np = cfg.accounts.backup, cfg.dr_region, cfg.name_prefix
    where = f"the org plan ({org_stack})"
    problems = []
    stranger = Principal(f"arn:aws:iam::{outsider}:role/{cfg.replication_role_name_for('x')}", outsider)
    asks = (
        ("s3:GetObject", f"arn:aws:s3:::{cfg.archive_bucket_name}/any", "S3"),
        ("kms:Decrypt", f"arn:aws:kms:{region}:{backup}:key/00000000-0000-4000-8000-000000000000", "KMS"),
        ("sts:AssumeRole", cfg.role_arn(backup, f"{np}-restore-operator"), "STS"),
    )
    for action, resource, service in asks:
        request = Request(stranger, action, resource, backup, {"aws:SecureTransport": "true"})
        result = evaluate(request, identity=(FULL_ACCESS,), resource=(ALLOW_ALL,), organization=organization)
        if result.decision is not Decision.DENY:
            problems.append(
                f"no RCP in {where} keeps principals outside organization {organization.id} out of the backup "
                f"account's {service} ({action} by {stranger.arn} on a resource whose own policy allows everyone: "
                f"{result.decision.value}, {result.reason})"
            )
    admin = Principal(cfg.role_arn(backup, "SomeAdministrator"), backup)
    request = Request(admin, "kms:ScheduleKeyDeletion", asks[1][1], backup, {"aws:MultiFactorAuthPresent": "true"})
    key_policy = Policy(
        {
            "Version": VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{backup}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        },
        "default key policy",
    )
    result = evaluate(request, identity=(FULL_ACCESS,), resource=(key_policy,), organization=organization)
    if result.decision is not Decision.DENY:
        problems.append(
            f"no SCP in {where} keeps the backup account's own administrators from retiring its keys "
            f"(kms:ScheduleKeyDeletion by {admin.arn}: {result.decision.value}, {result.reason}): attach the guard "
            "SCP (python -m failsafe scp)"
        )
    return problems
