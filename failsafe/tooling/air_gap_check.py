"""``check``'s warning for critical data that would not survive the backup account (issue 25, item 4).

A backup plan marks its resources critical with the tag ``failsafe:critical = true`` on the plan itself: a copy action
belongs to a rule of a plan, and everything the plan selects gets the same copies, so "critical" is a property of the
plan (ProdBackup sets it from ``backupCritical``; a program of one's own tags its own plan; an organization backup
policy can carry it in ``backup_plan_tags``). With an organization configured, a critical plan must copy into a
logically air-gapped vault (a copy action to one, or the rule's ``targetLogicallyAirGappedBackupVaultArn``), or its
recovery points live and die with the backup account: ``check`` says so as a warning, since it is a decision to take,
not a broken resource.

The judgement reads the plans (every plan the caller has: prod's and dr's for ``check prod``; the organization's and
every member's for a fleet), never config names, so a plan made in code is judged the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from failsafe.settings.config import Role, StackConfig
from failsafe.tooling.harness import Plan
from failsafe_components import spec

BACKUP_PLAN = "aws:backup/plan:Plan"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
DOC = "docs/data-protection.md, 'The air-gapped vault'"


def air_gapped_vault_arns(plans: Iterable[Plan]) -> set[str]:
    """The ARN of every logically air-gapped vault the plans declare."""
    return {
        str(r.outputs["arn"])
        for plan in plans
        for r in plan.by_type(AIR_GAPPED_VAULT)
        if isinstance(r.outputs.get("arn"), str)
    }


def _critical(tags: Any) -> bool:
    return isinstance(tags, Mapping) and tags.get(spec.CRITICAL_TAG_KEY) == spec.CRITICAL_TAG_VALUE


def _copies_into(rule: Mapping[str, Any], vaults: set[str]) -> bool:
    if rule.get("targetLogicallyAirGappedBackupVaultArn") in vaults:
        return True
    copies = rule.get("copyActions") or []
    return any(isinstance(copy, Mapping) and copy.get("destinationVaultArn") in vaults for copy in copies)


def warnings(plans: Iterable[Plan], organization: bool) -> list[str]:
    """One line per backup plan marked critical that copies into no air-gapped vault of the plans, when an
    organization is configured (``organization``: without one, AWS Backup copies across no account at all)."""
    plans = list(plans)
    if not organization:
        return []
    vaults = air_gapped_vault_arns(plans)
    found = []
    for plan in plans:
        for backup_plan in plan.by_type(BACKUP_PLAN):
            if not _critical(backup_plan.inputs.get("tags")):
                continue
            rules = [r for r in backup_plan.inputs.get("rules") or [] if isinstance(r, Mapping)]
            if rules and all(_copies_into(rule, vaults) for rule in rules):
                continue
            name = backup_plan.inputs.get("name") or backup_plan.name
            found.append(
                f"{plan.stack}: backup plan {name} is marked critical ({spec.CRITICAL_TAG_KEY}="
                f"{spec.CRITICAL_TAG_VALUE}) but not every rule copies into an air-gapped vault, so its recovery "
                "points do not survive losing the backup account: set airGappedVault: true (and recoveryAccountId) "
                "alike in Pulumi.dr.yaml and Pulumi.prod.yaml "
                f"(or remove the mark; {DOC})"
            )
    return found


def stack_warnings(cfg: StackConfig, plan_stack: Callable[[str], Plan]) -> list[str]:
    """The warnings of ``check <stack>``: prod judged with the dr plan it reads (the air-gapped vault is dr's); the
    organization is configured when prod names one (``backupOrganizationId``)."""
    if cfg.role is not Role.PROD or not cfg.dr_stack_name:
        return []
    plans = [plan_stack(cfg.stack), plan_stack(cfg.dr_stack_name.rsplit("/", 1)[-1])]
    return warnings(plans, organization=cfg.backup.organization_id is not None)
