"""The organization's documents built from config: the backup account's guard SCP (shipped as a template,
``policies/scp/backup-account-guard.json``, with ``${placeholders}`` filled from the stack config, so it never
carries an account ID) and the args of the org stack's OrganizationPolicies.

Here, not in the tooling, because the org stack's program attaches the SCP (``python -m failsafe scp`` prints the
same document: failsafe/tooling/scp.py re-exports :func:`guard_scp`)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from failsafe.settings.config import StackConfig
from failsafe.settings.stackfiles import ROOT
from failsafe_components import spec
from failsafe_components.organization_policies import BackupPolicySettings, OrganizationPoliciesArgs
from failsafe_components.prod_backup import backup_role_name, backup_vault_name

TEMPLATE = ROOT / "policies" / "scp" / "backup-account-guard.json"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def scp_values(cfg: StackConfig) -> dict[str, str]:
    """What the placeholders stand for, from the stack config (the names BackupAccount gives its roles)."""
    backup = cfg.accounts.backup
    return {
        "breakGlassRoleArn": cfg.role_arn(backup, f"{cfg.name_prefix}-break-glass"),
        "deployRoleArn": cfg.role_arn(backup, cfg.deploy_role_name),
    }


def guard_scp(cfg: StackConfig, template: Path = TEMPLATE) -> dict[str, Any]:
    """The SCP for this estate's backup account; a placeholder without a value is an error, never left in."""
    known = scp_values(cfg)
    text = template.read_text(encoding="utf-8")
    missing = sorted(set(_PLACEHOLDER.findall(text)) - set(known))
    if missing:
        raise ValueError(f"{template.name}: placeholders without a value: {', '.join(missing)}")
    document: dict[str, Any] = json.loads(_PLACEHOLDER.sub(lambda m: known[m.group(1)], text))
    return document  # its size is the pack's to judge (organizations-policy-size) and `python -m failsafe scp`'s


def central_vault_arn(cfg: StackConfig) -> str:
    """The backup account's vault (BackupAccount names it <namePrefix>-vault), addressed without reading dr."""
    return f"arn:aws:backup:{cfg.dr_region}:{cfg.accounts.backup}:backup-vault:{cfg.name_prefix}-vault"


def organization_policies(cfg: StackConfig) -> OrganizationPoliciesArgs:
    org = cfg.fleet.organization if cfg.fleet else None
    assert org is not None, "config.load refuses an org stack without an organization"
    b = cfg.backup
    return OrganizationPoliciesArgs(
        name_prefix=cfg.name_prefix,
        organization_id=org.id,
        backup_account_id=cfg.accounts.backup,
        backup_ou_ids=org.ou_ids,
        backup=BackupPolicySettings(
            regions=org.backup_regions,
            member_vault_name=backup_vault_name(cfg.name_prefix),
            member_role_name=backup_role_name(cfg.name_prefix),
            central_vault_arn=central_vault_arn(cfg),
            interval_hours=b.interval_hours,
            completion_window_minutes=b.completion_window_minutes,
            retention_days=b.retention_days,
            copy_retention_days=b.copy_retention_days,
            plan_name=cfg.name_prefix,
            air_gapped_vault_arn=spec.air_gapped_vault_arn(cfg.name_prefix, cfg.accounts.backup, cfg.dr_region)
            if cfg.air_gap.enabled
            else None,
            air_gapped_copy_retention_days=cfg.air_gap.copy_retention_days,
        ),
        guard_scp=guard_scp(cfg),
        github_repository=cfg.ci.github_repository,
    )
