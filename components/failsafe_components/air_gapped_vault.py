"""AirGappedVault: a logically air-gapped AWS Backup vault in the backup account, shared in advance with a recovery
account that can restore from it even when the backup account is no longer trusted.

Protects against: losing the backup account or control of it. The standard vault's copies live and die with the
backup account and its key; a logically air-gapped vault's recovery points are held in an AWS Backup service-owned
account, always under a compliance-mode vault lock, encrypted by default with an AWS-owned key, and restorable from
another account the vault is shared with (AWS Backup Developer Guide, "Logically air-gapped vault": Overview, "Use case
for logically air-gapped vaults", "Compare and contrast with a standard backup vault").

What it builds, and why each part is there:

- the vault, ``protect``ed, with ``min_retention_days`` >= 7 (AWS's minimum) and a maximum: copies whose retention
  falls outside them are refused by AWS Backup, so ProdBackup's copy lifecycle is checked against them in config;
- no customer-managed key by default: AWS recommends the AWS-owned key and, where a customer key is required, one of
  another account, preferably in a secondary organization dedicated to recovery ("Understanding encryption key types
  for logically air-gapped vaults", Note). A key of the backup account itself is refused here: whoever controls that
  account can disable the key or schedule its deletion, and every backup in the vault becomes unreadable, which is the
  loss this vault exists to survive;
- a vault access policy that admits copies from the source accounts (``backup:CopyIntoBackupVault``: "the copy is
  authorized by your vault access policies (backup:CopyFromBackupVault on the source vault and
  backup:CopyIntoBackupVault on the destination vault)", same page, "Considerations for security auto-remediation")
  and denies deleting or shortening recovery points to every principal. The compliance lock refuses both anyway while
  a point is retained; the Deny says so where the access proofs can read it, and has no break-glass exemption because
  AWS gives none;
- the RAM share, created with the vault so it exists before the backup account is lost: one resource share
  (``allow_external_principals`` only when the recovery account is outside the organization), the vault associated,
  and one principal association to the named recovery account ("A vault can be shared with an account in its
  organization or with an account in another organization. The vault cannot be shared with an entire organization,
  only with accounts within the organization", "Share a logically air-gapped vault"). Outside the organization RAM
  sends an invitation the recovery account must accept within 12 hours (same section): with a provider for the
  recovery account, the accepter is built here too;
- in the recovery account (``recovery_provider``): the role AWS Backup restores as (StartRestoreJob's ``IamRoleArn``,
  trusted by ``backup.amazonaws.com`` for the recovery account only) and an operator role for people of the recovery
  account with MFA that can list the shared vault, read restore metadata, start and follow restore jobs, and pass that
  role to AWS Backup and nothing else; it deletes nothing and copies nothing (a shared vault's accounts "have the
  ability to view or a restore a backup, but not to create a copy", "Creating backups in a logically air-gapped
  vault").

What RAM sharing does not do: "The account which owns the logically air-gapped vault can end RAM based sharing at any
time" (AWS Backup Developer Guide, "Multi-party approval for logically air-gapped vaults", comparison table). An
attacker holding the backup account can cut the share but cannot delete a recovery point; AWS Backup's multi-party
approval, whose access "can only be removed by a request to the Multi-party approval team" and which reaches the vault
"even if the vault-owning account is inaccessible", is the path for that case (docs/data-protection.md). pulumi-aws
7.51.1 has no resource for approval teams or restore access vaults, so it is documented, not built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, spec
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.options import protects_state

ACCOUNT = re.compile(r"\d{12}")
KMS_KEY_ARN = re.compile(r"arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)/\S+")
# The restore managed policies AWS Backup's restore role uses (AWS Backup Developer Guide, "Managed policies").
RESTORE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
)
# What the recovery account calls on the shared vault: the actions AWS Backup lists for RAM sharing of a logically
# air-gapped vault (AWS Backup Developer Guide, "Share a logically air-gapped vault", prerequisites), less ListTags.
SHARED_VAULT_READS = (
    "backup:DescribeBackupVault",
    "backup:ListRecoveryPointsByBackupVault",
    "backup:ListProtectedResourcesByBackupVault",
)
SHARED_RECOVERY_POINT_USE = (
    "backup:DescribeRecoveryPoint",
    "backup:GetRecoveryPointRestoreMetadata",
    "backup:StartRestoreJob",
)
RECOVERY_POINT_DESTRUCTION = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")


# One spelling of each name, shared with config and the operator tools (failsafe_components.spec).
vault_name = spec.air_gapped_vault_name
vault_arn = spec.air_gapped_vault_arn
operator_role_name = spec.recovery_operator_role_name
restore_role_name = spec.recovery_restore_role_name


@dataclass(frozen=True)
class AirGappedVaultArgs:
    name_prefix: str
    backup_account_id: str
    region: str  # the vault's region (the backup account's dr region): the share and the recovery points live there
    source_account_ids: tuple[str, ...]  # accounts whose backup plans copy into the vault (prod)
    recovery_account_id: str  # the account the vault is shared with, named in advance
    # The recovery account's provider: its restore and operator roles (and, outside the organization, the share's
    # accepter) are built through it. None: only the backup account's side is built (the caller makes the rest).
    recovery_provider: pulumi.ProviderResource | None = None
    min_retention_days: int = 7
    max_retention_days: int = 365
    encryption_key_arn: str | None = None  # None: the AWS-owned key AWS recommends
    recovery_outside_organization: bool = False
    mfa_max_age_seconds: int = 3600
    session_seconds: int = 3600
    # Further copies admitted by condition (an organization's members: {"ForAnyValue:StringLike":
    # {"aws:PrincipalOrgPaths": [...]}}), for an organization backup policy whose copy action targets this vault.
    copy_in_condition: dict[str, Any] | None = None

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("AirGappedVaultArgs", arg, value, expected)

        for arg in ("backup_account_id", "recovery_account_id"):
            if not ACCOUNT.fullmatch(getattr(self, arg)):
                raise bad(arg, getattr(self, arg), "a 12-digit account ID")
        if self.recovery_account_id == self.backup_account_id:
            raise bad(
                "recovery_account_id",
                self.recovery_account_id,
                "an account other than the backup account: the share exists for the day the backup account is lost",
            )
        if not self.source_account_ids and self.copy_in_condition is None:
            raise bad("source_account_ids", self.source_account_ids, "the accounts whose backup plans copy in")
        if any(not ACCOUNT.fullmatch(a) for a in self.source_account_ids):
            raise bad("source_account_ids", list(self.source_account_ids), "12-digit account IDs")
        if self.recovery_account_id in self.source_account_ids:
            raise bad(
                "recovery_account_id",
                self.recovery_account_id,
                "an account whose backups are not the ones it restores (a compromised source would hold its restores)",
            )
        if self.min_retention_days not in spec.AIR_GAPPED_RETENTION_DAYS:
            raise bad("min_retention_days", self.min_retention_days, "7-36500 days (AWS's minimum is 7)")
        if not self.min_retention_days <= self.max_retention_days <= spec.AIR_GAPPED_RETENTION_DAYS.high:
            raise bad("max_retention_days", self.max_retention_days, f"{self.min_retention_days}-36500 days")
        if self.encryption_key_arn is not None:
            match = KMS_KEY_ARN.fullmatch(self.encryption_key_arn)
            if match is None:
                raise bad("encryption_key_arn", self.encryption_key_arn, "None (AWS-owned key) or a KMS key ARN")
            if match.group(2) == self.backup_account_id:
                raise bad(
                    "encryption_key_arn",
                    self.encryption_key_arn,
                    "None (the AWS-owned key) or a key of another account: a key of the backup account can be "
                    "disabled or deleted by whoever holds that account, and the vault's backups with it",
                )
            if match.group(1) != self.region:
                raise bad("encryption_key_arn", self.encryption_key_arn, f"a key in the vault's region {self.region}")
        if self.mfa_max_age_seconds not in spec.MFA_MAX_AGE_SECONDS:
            raise bad("mfa_max_age_seconds", self.mfa_max_age_seconds, "900-43200 seconds")
        if self.session_seconds not in spec.ROLE_SESSION_SECONDS:
            raise bad("session_seconds", self.session_seconds, "3600-43200 seconds (IAM's max session range)")

    @property
    def operator_role_arn(self) -> str:
        return f"arn:aws:iam::{self.recovery_account_id}:role/{operator_role_name(self.name_prefix)}"

    @property
    def restore_role_arn(self) -> str:
        return f"arn:aws:iam::{self.recovery_account_id}:role/{restore_role_name(self.name_prefix)}"


class AirGappedVault(pulumi.ComponentResource):
    """A logically air-gapped vault, the share with the recovery account, and the recovery account's restore roles."""

    def __init__(self, name: str, args: AirGappedVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:AirGappedVault", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=protects_state(opts))

        vault = aws.backup.LogicallyAirGappedVault(
            f"{name}-vault",
            name=vault_name(args.name_prefix),
            min_retention_days=args.min_retention_days,
            max_retention_days=args.max_retention_days,
            encryption_key_arn=args.encryption_key_arn,
            opts=stateful,
        )
        statements = []
        if args.source_account_ids:
            statements.append(
                iam.statement(
                    "SourcesCopyIn",
                    "backup:CopyIntoBackupVault",
                    "*",
                    principal={"AWS": [f"arn:aws:iam::{a}:root" for a in sorted(args.source_account_ids)]},
                )
            )
        if args.copy_in_condition is not None:
            statements.append(
                iam.statement(
                    "MembersCopyIn",
                    "backup:CopyIntoBackupVault",
                    "*",
                    principal={"AWS": "*"},
                    condition=args.copy_in_condition,
                )
            )
        # Compliance mode already refuses these while a point is retained, to everyone: no exemption to write.
        statements.append(
            iam.statement("NoRecoveryPointDeletes", list(RECOVERY_POINT_DESTRUCTION), "*", effect="Deny", principal="*")
        )
        aws.backup.VaultPolicy(
            f"{name}-vault-policy",
            backup_vault_name=vault.name,
            policy=iam.to_json(iam.document(*statements)),
            opts=child,
        )

        # protected like the vault: without the share (or either association) the recovery account cannot restore,
        # and a refactor or a destroy must not drop it unnoticed
        share = aws.ram.ResourceShare(
            f"{name}-share",
            name=vault_name(args.name_prefix),
            allow_external_principals=args.recovery_outside_organization,
            # the recovery account keeps the share if it moves out of the organization (into a recovery organization,
            # AWS's recommended layout: "Multi-party approval for logically air-gapped vaults")
            resource_share_configuration={"retain_sharing_on_account_leave_organization": True},
            opts=stateful,
        )
        aws.ram.ResourceAssociation(
            f"{name}-share-vault", resource_share_arn=share.arn, resource_arn=vault.arn, opts=stateful
        )
        principal = aws.ram.PrincipalAssociation(
            f"{name}-share-recovery-account",
            resource_share_arn=share.arn,
            principal=args.recovery_account_id,
            opts=stateful,
        )

        self.operator_role_arn: pulumi.Output[str] | None = None
        self.restore_role_arn: pulumi.Output[str] | None = None
        if args.recovery_provider is not None:
            self._recovery_account(name, args, vault, share, principal)

        self.vault_name = vault.name
        self.vault_arn = vault.arn
        self.share_arn = share.arn
        self.register_outputs(
            {
                "vaultName": self.vault_name,
                "vaultArn": self.vault_arn,
                "shareArn": self.share_arn,
                "operatorRoleArn": self.operator_role_arn,
                "restoreRoleArn": self.restore_role_arn,
            }
        )

    def _recovery_account(
        self,
        name: str,
        args: AirGappedVaultArgs,
        vault: aws.backup.LogicallyAirGappedVault,
        share: aws.ram.ResourceShare,
        principal: aws.ram.PrincipalAssociation,
    ) -> None:
        """The recovery account's side, through its own provider: the role AWS Backup restores as, the operators'
        role, and (outside the organization) the accepted invitation."""
        there = pulumi.ResourceOptions(parent=self, provider=args.recovery_provider)
        recovery = args.recovery_account_id
        if args.recovery_outside_organization:
            # RAM invites an account outside the organization; the share is usable once it accepts (within 12 hours)
            aws.ram.ResourceShareAccepter(
                f"{name}-share-accepted",
                share_arn=share.arn,
                opts=pulumi.ResourceOptions(parent=self, provider=args.recovery_provider, depends_on=[principal]),
            )
        restore = aws.iam.Role(
            f"{name}-recovery-restore",
            name=restore_role_name(args.name_prefix),
            description="AWS Backup restores the air-gapped vault's recovery points into the recovery account",
            # aws:SourceAccount: AWS Backup acting for another account (a confused deputy) cannot assume it
            assume_role_policy=iam.to_json(
                iam.service_trust("backup.amazonaws.com", condition={"StringEquals": {"aws:SourceAccount": recovery}})
            ),
            opts=there,
        )
        for arn in RESTORE_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-recovery-restore-{arn.rsplit('/', 1)[-1].lower()}",
                role=restore.name,
                policy_arn=arn,
                opts=there,
            )
        # People of the recovery account itself, with MFA: neither the identity account nor the backup account, which
        # the day this role is needed may be the accounts that were lost.
        operator = aws.iam.Role(
            f"{name}-recovery-operator",
            name=operator_role_name(args.name_prefix),
            description="People of the recovery account restore from the shared air-gapped vault (MFA)",
            assume_role_policy=iam.to_json(iam.human_trust(recovery, args.mfa_max_age_seconds)),
            max_session_duration=args.session_seconds,
            opts=there,
        )
        points = f"arn:aws:backup:{args.region}:{args.backup_account_id}:recovery-point:*"
        aws.iam.RolePolicy(
            f"{name}-recovery-operator-policy",
            role=operator.id,
            policy=iam.to_json(
                iam.document(
                    iam.statement("ReadSharedVault", list(SHARED_VAULT_READS), vault.arn),
                    iam.statement("RestoreSharedRecoveryPoints", list(SHARED_RECOVERY_POINT_USE), [vault.arn, points]),
                    iam.statement(
                        "PassRestoreRoleToBackup",
                        "iam:PassRole",
                        restore.arn,
                        condition={"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
                    ),
                    # ListBackupVaults (--by-shared), DescribeRestoreJob and ListRestoreJobs take no resource: "*" only
                    iam.statement(
                        "FollowRestores",
                        ["backup:ListBackupVaults", "backup:DescribeRestoreJob", "backup:ListRestoreJobs"],
                        "*",
                    ),
                )
            ),
            opts=there,
        )
        self.operator_role_arn = operator.arn
        self.restore_role_arn = restore.arn
