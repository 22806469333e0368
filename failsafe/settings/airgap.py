"""The logically air-gapped vault's config (issue 25): read and checked once, for dr (the vault, its share with the
recovery account, that account's restore roles) and prod (the second copy action of its backup plan), plus the pure
helpers the operator tools use to restore from the vault and judge its newest recovery points.

Keys (declared in Pulumi.yaml, set in the stack files; the vault's are shared keys, alike in Pulumi.dr.yaml and
Pulumi.prod.yaml, so dr and prod cannot disagree about them):
``airGappedVault``, ``airGappedVaultMinRetentionDays``, ``airGappedVaultMaxRetentionDays``, ``airGappedVaultKmsKeyArn``,
``recoveryAccountId``, ``recoveryAccountOutsideOrganization``; prod's own: ``backupAirGappedCopyRetentionDays``,
``backupCritical``. Each rule and its source:

- retention: at least 7 days, and a copy's retention within the vault's min/max, or AWS Backup refuses the copy (AWS
  Backup Developer Guide, "Logically air-gapped vault" -> "Create a logically air-gapped vault");
- key: empty is the AWS-owned key AWS recommends; "AWS does not recommend using keys from the same account, except for
  testing. For production workloads, use a customer managed key from another account in a secondary organization
  dedicated to recovery" (same page, "Understanding encryption key types", Note). A key of the backup account is
  refused (it is disabled or deleted by whoever holds that account, and the vault's backups with it), and so is one of
  prod (the account the backups protect against);
- the recovery account: named, 12 digits, and none of the accounts whose loss it must survive (backup, prod) or that
  runs pull-request code (preview). The vault is shared with accounts only, never a whole organization (same page,
  "Share a logically air-gapped vault");
- prod copies into another account: AWS Backup needs AWS Organizations for it, so ``backupOrganizationId`` is required.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from failsafe.settings.errors import ConfigError
from failsafe.settings.values import Raw, account
from failsafe_components import spec

KMS_KEY_ARN = re.compile(r"arn:aws:kms:([a-z0-9-]+):(\d{12}):(key|alias)/\S+")
RECOVERY_POINT_DONE = "COMPLETED"  # botocore backup RecoveryPointStatus: COMPLETED | PARTIAL | DELETING | EXPIRED ...


@dataclass(frozen=True)
class AirGap:
    """The air-gapped vault as this stack sees it; ``enabled`` False leaves every other field at its default."""

    enabled: bool = False
    min_retention_days: int = 7
    max_retention_days: int = 365
    kms_key_arn: str | None = None  # None: the AWS-owned key
    recovery_account: str = ""
    recovery_outside_organization: bool = False
    copy_retention_days: int = 35  # prod: days each copy is kept in the air-gapped vault
    critical: bool = False  # prod: its backup plan is tagged failsafe:critical=true (check warns without a copy)


def read(raw: Raw, role: str, *, backup: str, prod: str, preview: str, dr_region: str) -> AirGap:
    """Called by :func:`failsafe.settings.config.load` once the accounts and ``backupOrganizationId`` are checked
    (``preview``: '' when the estate has no preview account)."""
    accounts = {"backupAccountId": backup, "prodAccountId": prod, "previewAccountId": preview}
    organization_id = raw.opt_str("backupOrganizationId")
    if role not in ("prod", "dr", "org"):
        return AirGap()
    enabled = raw.bool("airGappedVault")
    critical = raw.bool("backupCritical") if role == "prod" else False
    # the numbers and switches are checked even while the vault is off: a bad value is refused the day it is written,
    # not the day airGappedVault is turned on
    low = raw.int("airGappedVaultMinRetentionDays", *spec.AIR_GAPPED_RETENTION_DAYS, " (AWS's minimum is 7)")
    high = raw.int("airGappedVaultMaxRetentionDays", *spec.AIR_GAPPED_RETENTION_DAYS)
    if high < low:
        raise ConfigError("airGappedVaultMaxRetentionDays", high, f"at least airGappedVaultMinRetentionDays ({low})")
    copy_days = AirGap.copy_retention_days
    if role in ("prod", "org"):  # org: the organization backup policy's copy action for the members (issue 24)
        copy_days = raw.int("backupAirGappedCopyRetentionDays", *spec.AIR_GAPPED_RETENTION_DAYS)
    outside = raw.bool("recoveryAccountOutsideOrganization")
    if not enabled:  # the account and key are judged against the others only when used; their form always
        if raw.opt_str("recoveryAccountId"):
            account(raw, "recoveryAccountId")
        key = raw.opt_str("airGappedVaultKmsKeyArn")
        if key is not None and KMS_KEY_ARN.fullmatch(key) is None:
            raise ConfigError("airGappedVaultKmsKeyArn", key, "empty (the AWS-owned key), or a KMS key ARN")
        return AirGap(critical=critical)
    recovery = _recovery_account(raw, accounts)
    key = _key(raw, accounts, dr_region)
    if role in ("prod", "org"):
        if organization_id is None:
            raise ConfigError(
                "backupOrganizationId",
                None,
                "the organization (o-...) with cross-account backup turned on, because airGappedVault is true: the "
                "air-gapped vault is in the backup account, and AWS Backup refuses cross-account copies outside AWS "
                "Organizations (docs/data-protection.md)",
            )
        if not low <= copy_days <= high:
            raise ConfigError(
                "backupAirGappedCopyRetentionDays",
                copy_days,
                f"{low}-{high} days, the air-gapped vault's airGappedVaultMinRetentionDays-"
                "airGappedVaultMaxRetentionDays: AWS Backup refuses a copy whose retention is outside them",
            )
    return AirGap(
        enabled=True,
        min_retention_days=low,
        max_retention_days=high,
        kms_key_arn=key,
        recovery_account=recovery,
        recovery_outside_organization=outside,
        copy_retention_days=copy_days,
        critical=critical,
    )


def _recovery_account(raw: Raw, accounts: Mapping[str, str]) -> str:
    if not raw.opt_str("recoveryAccountId"):
        raise ConfigError(
            "recoveryAccountId",
            raw.text("recoveryAccountId"),
            "the 12-digit account the air-gapped vault is shared with in advance (airGappedVault is true): the "
            "account that restores when the backup account is lost",
        )
    recovery = account(raw, "recoveryAccountId")
    for key, why in (
        ("backupAccountId", "the share exists for the day the backup account is lost"),
        ("prodAccountId", "the account the backups protect against must not hold their restores"),
        ("previewAccountId", "pull-request code runs in the preview account"),
    ):
        if accounts.get(key) and accounts[key] == recovery:
            raise ConfigError("recoveryAccountId", recovery, f"an account other than {key}: {why}")
    return recovery


def _key(raw: Raw, accounts: Mapping[str, str], dr_region: str) -> str | None:
    key = raw.opt_str("airGappedVaultKmsKeyArn")
    if key is None:
        return None
    match = KMS_KEY_ARN.fullmatch(key)
    if match is None:
        raise ConfigError("airGappedVaultKmsKeyArn", key, "empty (the AWS-owned key), or a KMS key ARN")
    region, owner = match.group(1), match.group(2)
    if owner in (accounts.get("backupAccountId"), accounts.get("prodAccountId")):
        raise ConfigError(
            "airGappedVaultKmsKeyArn",
            key,
            "empty (the AWS-owned key AWS recommends) or a key of another account, preferably in a separate recovery "
            f"organization: a key of {'the backup' if owner == accounts.get('backupAccountId') else 'the prod'} "
            "account is disabled or deleted by whoever holds that account, and every backup in the vault with it",
        )
    if region != dr_region:
        raise ConfigError("airGappedVaultKmsKeyArn", key, f"a key in drRegion {dr_region}, the vault's region")
    return key


# --- what the operator tools need (pure: failsafe/ops calls them with boto3's answers) -----------------------------


@dataclass(frozen=True)
class SharedVault:
    """Where the recovery account finds the air-gapped vault and how it restores from it."""

    name: str
    arn: str
    owner_account: str  # the backup account: BackupVaultAccountId on every read of the shared vault
    region: str
    recovery_account: str
    operator_role_arn: str  # the recovery account's people assume it (with MFA) to restore
    restore_role_arn: str  # StartRestoreJob's IamRoleArn, in the recovery account

    def list_request(self) -> dict[str, str]:
        """ListRecoveryPointsByBackupVault's parameters from the recovery account. On a vault shared by RAM the call
        needs ``BackupVaultAccountId`` or AWS answers AccessDeniedException (AWS Backup Developer Guide, "Logically
        air-gapped vault" -> Troubleshoot: the same for DescribeBackupVault, DescribeRecoveryPoint and
        GetRecoveryPointRestoreMetadata)."""
        return {"BackupVaultName": self.name, "BackupVaultAccountId": self.owner_account}


def shared_vault(name_prefix: str, backup_account: str, dr_region: str, air_gap: AirGap) -> SharedVault | None:
    """The shared vault of an estate whose config turns it on; None otherwise."""
    if not air_gap.enabled:
        return None
    recovery = air_gap.recovery_account
    return SharedVault(
        name=spec.air_gapped_vault_name(name_prefix),
        arn=spec.air_gapped_vault_arn(name_prefix, backup_account, dr_region),
        owner_account=backup_account,
        region=dr_region,
        recovery_account=recovery,
        operator_role_arn=f"arn:aws:iam::{recovery}:role/{spec.recovery_operator_role_name(name_prefix)}",
        restore_role_arn=f"arn:aws:iam::{recovery}:role/{spec.recovery_restore_role_name(name_prefix)}",
    )


@dataclass(frozen=True)
class NewestPoint:
    resource_arn: str
    recovery_point_arn: str
    created: datetime
    age_minutes: float
    within_rpo: bool


def newest_recovery_points(
    pages: Iterable[Mapping[str, Any]], rpo_minutes: int, now: datetime
) -> dict[str, NewestPoint]:
    """The newest COMPLETED recovery point per protected resource, from the pages of ListRecoveryPointsByBackupVault
    (botocore's shape: ``RecoveryPoints[]`` with ``ResourceArn``, ``RecoveryPointArn``, ``CreationDate``, ``Status``),
    each judged against the RPO. A copy's ``CreationDate`` is its source's creation date ("Copies retain their source
    configuration, including creation dates": AWS Backup Developer Guide, "Backup and tag copy"), so the age is the age
    of the data, which is what the RPO bounds. Points that are not COMPLETED (PARTIAL, EXPIRED...) are never the newest
    good copy."""
    newest: dict[str, tuple[datetime, str]] = {}
    for page in pages:
        for point in page.get("RecoveryPoints", []):
            created, resource = point.get("CreationDate"), point.get("ResourceArn")
            if point.get("Status") != RECOVERY_POINT_DONE or not isinstance(created, datetime) or not resource:
                continue
            if resource not in newest or created > newest[resource][0]:
                newest[resource] = (created, str(point.get("RecoveryPointArn", "")))
    found = {}
    for resource, (created, arn) in sorted(newest.items()):
        age = (now - created).total_seconds() / 60
        found[resource] = NewestPoint(resource, arn, created, age, age <= rpo_minutes)
    return found
