"""BackupAccount: the locked-down backup account that survives losing (or losing control of) production.

Protects against: a compromised prod account deleting its own backups (the copies live in another account
whose policies refuse deletes), ransomware overwriting objects (versioning + Object Lock), a careless human
(MFA-only roles, a break-glass role for the few destructive actions), and losing the means to rebuild (the
archive bucket holds exported Pulumi state).

dr deploys before prod, so prod's replication roles do not exist yet when these policies are written, and
AWS rejects a policy whose principal is a role that does not exist. Every grant to prod is therefore made
to the prod *account* with an ``ArnEquals aws:PrincipalArn`` condition naming the exact role ARNs, built from
their deterministic names and the prod account ID in config (dr never reads prod's state).

Who may change what (proven over the plan by ``python -m failsafe check dr``; docs/access-proofs.md):

- Replica and archive bucket *settings* (policy, versioning, lifecycle, Object Lock) are denied to everyone but the
  stack's deploy role and break-glass; anyone else also needs MFA. The deploy role is exempt by ARN because
  ``pulumi up`` runs as its assumed-role session, which never carries ``aws:MultiFactorAuthPresent``: without the
  exemption the stack could not deploy its own buckets.
- Deleting object versions and bypassing governance retention: break-glass with MFA only, never the deploy role.
- The backup key keeps the account-root statement (AWS KMS Developer Guide, "Default key policy": it is what lets
  IAM policies, and so the deploy role, manage the key; without it the key can become unmanageable), but an explicit
  Deny takes ``kms:ScheduleKeyDeletion`` and ``kms:DisableKey`` from every principal except break-glass with MFA:
  one leaked admin session of the backup account must not be able to make every backup unreadable.
- Restoring (issue 17, docs/restore.md): the restore operator (MFA) reads replica versions, uses the backup key for
  decrypt/re-encrypt/grants through the services it restores with, starts Backup restore jobs and passes the Backup
  restore role (``<prefix>-backup-restore``, trusted by Backup for this account only) to Backup and nothing else; it
  deletes nothing. prod's deploy role (``restore_target_role_arns``, the ``--to-profile`` of ``restore s3``) may read
  replica versions and decrypt them through S3, as CopyObject in the target account does.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, spec
from failsafe_components.buckets import BucketParts, bucket_arn, hardened_bucket
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.fleet_access import (
    FleetAccess,
    fleet_key_statements,
    member_replica_statements,
    restore_operator_reads,
)
from failsafe_components.options import protects_state

LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
# What AWS Backup needs to restore each resource type, and S3 (which the general policy does not cover).
RESTORE_MANAGED_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Restore",
)
# The key operations a restore makes through S3, RDS, EC2 and Backup: decrypting the copy, re-encrypting it for the
# restored resource (RDS and EBS re-encrypt and create grants for the volume or instance they build).
RESTORE_KEY_USE = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:CreateGrant",
]
RESTORE_VIA = ["s3.*.amazonaws.com", "rds.*.amazonaws.com", "ec2.*.amazonaws.com", "backup.*.amazonaws.com"]


@dataclass(frozen=True)
class BackupAccountArgs:
    name_prefix: str
    backup_account_id: str
    prod_account_id: str
    identity_account_id: str  # '' when people come through SAML only (human_federation 'saml:...')
    replica_buckets: dict[str, str]  # protected bucket key -> replica bucket name
    replication_role_arns: dict[str, str]  # protected bucket key -> prod replication role ARN (deterministic)
    archive_bucket_name: str
    # Roles whose sessions deploy this stack (the providers' assumed role): exempt from the bucket-settings denies,
    # which they must pass to create and update the buckets (their sessions carry no MFA).
    deploy_role_arns: tuple[str, ...]
    object_lock_mode: str = "GOVERNANCE"
    object_lock_days: int = 30
    vault_min_retention_days: int = 7
    vault_max_retention_days: int = 365
    vault_changeable_for_days: int | None = None  # None: governance vault lock; set: compliance after grace
    noncurrent_transition_days: int = 30
    noncurrent_expiration_days: int = 365
    abort_incomplete_upload_days: int = 7
    archive_retention_days: int = 365
    mfa_max_age_seconds: int = 3600
    session_seconds: int = 3600
    # "" | "saml:<provider ARN of the backup account>" | "identity-center": federated people trusted besides IAM users
    # with MFA (MFA enforced by the identity provider; their sessions carry no aws:MultiFactorAuthPresent).
    human_federation: str = ""
    # Roles of the prod account that `failsafe-dr restore s3` copies with (its --to-profile): CopyObject runs in the
    # target account and reads the replica version cross-account, so the replica policies and the key must admit them.
    restore_target_role_arns: tuple[str, ...] = ()
    # A fleet's members (None: the single-account estate, unchanged): their replicas, and the organization conditions
    # the shared key and vault policies admit them by.
    fleet: FleetAccess | None = None

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("BackupAccountArgs", arg, value, expected)

        if not self.replica_buckets:
            raise bad("replica_buckets", self.replica_buckets, "at least one protected bucket")
        if set(self.replica_buckets) != set(self.replication_role_arns):
            raise bad(
                "replication_role_arns",
                sorted(self.replication_role_arns),
                f"one role per replica bucket: {sorted(self.replica_buckets)}",
            )
        if self.backup_account_id == self.prod_account_id:
            raise bad("backup_account_id", self.backup_account_id, "an account other than prod_account_id")
        if self.object_lock_mode not in LOCK_MODES:
            raise bad("object_lock_mode", self.object_lock_mode, "GOVERNANCE or COMPLIANCE")
        if self.object_lock_days not in spec.RETENTION_DAYS:
            raise bad("object_lock_days", self.object_lock_days, "1-36500 days")
        if self.vault_min_retention_days < 1:
            raise bad("vault_min_retention_days", self.vault_min_retention_days, "at least 1 day")
        if self.vault_max_retention_days < self.vault_min_retention_days:
            raise bad(
                "vault_max_retention_days",
                self.vault_max_retention_days,
                f"at least vault_min_retention_days ({self.vault_min_retention_days})",
            )
        if self.vault_changeable_for_days is not None and self.vault_changeable_for_days < 3:
            raise bad(
                "vault_changeable_for_days",
                self.vault_changeable_for_days,
                "None (governance) or at least 3 days (AWS's minimum grace before compliance)",
            )
        if self.mfa_max_age_seconds not in spec.MFA_MAX_AGE_SECONDS:
            raise bad("mfa_max_age_seconds", self.mfa_max_age_seconds, "900-43200 seconds")
        if self.session_seconds not in spec.ROLE_SESSION_SECONDS:
            raise bad("session_seconds", self.session_seconds, "3600-43200 seconds (IAM's max session range)")
        saml = f"saml:arn:aws:iam::{self.backup_account_id}:saml-provider/"
        if self.human_federation not in ("", iam.IDENTITY_CENTER) and not (
            self.human_federation.startswith(saml) and len(self.human_federation) > len(saml)
        ):
            raise bad("human_federation", self.human_federation, f"'', '{saml}<name>' or '{iam.IDENTITY_CENTER}'")
        if not self.identity_account_id and not self.human_federation.startswith("saml:"):
            raise bad(
                "identity_account_id",
                self.identity_account_id,
                "the account whose IAM users (with MFA) assume the human roles, or '' with a SAML human_federation",
            )
        prod_role = f"arn:aws:iam::{self.prod_account_id}:role/"
        targets = [a for a in self.restore_target_role_arns if not a.startswith(prod_role) or "*" in a or "?" in a]
        if targets:
            raise bad("restore_target_role_arns", list(targets), f"role ARNs of the prod account ({prod_role}<role>)")
        if self.fleet is not None:
            paths = [p for p in self.fleet.org_paths if not p.startswith("o-") or not p.endswith("/*")]
            if paths or not self.fleet.org_paths:
                raise bad("fleet", list(self.fleet.org_paths), "aws:PrincipalOrgPaths patterns o-.../r-.../ou-.../*")
            clash = sorted(set(self.replica_buckets.values()) & {r.bucket_name for r in self.fleet.replicas.values()})
            if clash:
                raise bad("fleet", clash, "member replica buckets distinct from the estate's own replicas")
        own_role = f"arn:aws:iam::{self.backup_account_id}:role/"
        strays = [arn for arn in self.deploy_role_arns if not arn.startswith(own_role) or "*" in arn or "?" in arn]
        if strays or not self.deploy_role_arns:
            raise bad(
                "deploy_role_arns",
                list(self.deploy_role_arns),
                f"at least one role ARN of the backup account, without wildcards ({own_role}<deploy role>): "
                "the role the stack's providers assume",
            )

    def role_arn(self, role: str) -> str:
        return f"arn:aws:iam::{self.backup_account_id}:role/{self.name_prefix}-{role}"


class BackupAccount(pulumi.ComponentResource):
    """Keys, replica and archive buckets, a locked Backup vault, notices and MFA-only human roles."""

    def __init__(self, name: str, args: BackupAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:BackupAccount", name, None, opts)
        protect = protects_state(opts)  # stateful children: protected unless the caller set protect=False
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=protect)
        prod_root = f"arn:aws:iam::{args.prod_account_id}:root"
        backup_root = f"arn:aws:iam::{args.backup_account_id}:root"
        break_glass_arn = args.role_arn("break-glass")
        operator_arn = args.role_arn("restore-operator")
        restore_role_arn = args.role_arn("backup-restore")
        replication_arns = sorted(args.replication_role_arns.values())
        deployers = sorted(args.deploy_role_arns)
        retire_key = ["kms:ScheduleKeyDeletion", "kms:DisableKey"]

        # --- human access: MFA-only, trusted by the identity account alone ---------------------------------
        # IAM users of the identity account with MFA always; federated people (SAML or Identity Center) as configured.
        # No identity account (identity_account_id ""): people come through SAML only, and no IAM user anywhere may.
        statements = []
        if args.identity_account_id:
            statements += iam.human_trust(args.identity_account_id, args.mfa_max_age_seconds)["Statement"]
        federated = iam.federated_statement(args.human_federation, args.identity_account_id)
        if federated is not None:
            statements.append(federated)
        trust = iam.document(*statements)
        roles: dict[str, aws.iam.Role] = {}
        # break-glass holds AdministratorAccess: it is the one principal the deny statements below exempt, used
        # (with MFA, for an hour) to fix what nothing else may touch; every use is visible in CloudTrail.
        for role, managed in (
            ("restore-operator", None),
            ("auditor", "ReadOnlyAccess"),
            ("break-glass", "AdministratorAccess"),
        ):
            roles[role] = aws.iam.Role(
                f"{name}-{role}",
                name=f"{args.name_prefix}-{role}",
                assume_role_policy=iam.to_json(trust),
                max_session_duration=args.session_seconds,
                opts=child,
            )
            if managed:
                aws.iam.RolePolicyAttachment(
                    f"{name}-{role}-{managed.lower()}",
                    role=roles[role].name,
                    policy_arn=f"arn:aws:iam::aws:policy/{managed}",
                    opts=child,
                )

        # --- the role AWS Backup restores as: StartRestoreJob needs one trusted by backup.amazonaws.com --------
        # aws:SourceAccount: Backup acting for another account (a confused deputy) cannot assume it.
        restore_role = aws.iam.Role(
            f"{name}-backup-restore",
            name=f"{args.name_prefix}-backup-restore",
            assume_role_policy=iam.to_json(
                iam.service_trust(
                    "backup.amazonaws.com",
                    condition={"StringEquals": {"aws:SourceAccount": args.backup_account_id}},
                )
            ),
            opts=child,
        )
        for managed in RESTORE_MANAGED_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-backup-restore-{managed.rsplit('/', 1)[-1].lower()}",
                role=restore_role.name,
                policy_arn=f"arn:aws:iam::aws:policy/{managed}",
                opts=child,
            )

        # --- key: rotation, 30-day deletion window, narrow grants to prod ----------------------------------
        key = aws.kms.Key(
            f"{name}-key",
            description="failsafe backup account: replicas, vault, archive and notices",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=iam.to_json(
                iam.document(
                    # Kept: the root statement is what lets IAM policies (the deploy role's) manage the key.
                    iam.statement("BackupAccountAdministers", "kms:*", "*", principal={"AWS": backup_root}),
                    # ...but retiring the key, which makes every backup unreadable, is break-glass with MFA only.
                    # Two statements because conditions within one are ANDed.
                    iam.statement(
                        "DenyKeyRetirementExceptBreakGlass",
                        retire_key,
                        "*",
                        effect="Deny",
                        principal="*",
                        condition={"ArnNotEquals": {"aws:PrincipalArn": break_glass_arn}},
                    ),
                    iam.statement(
                        "DenyKeyRetirementWithoutMfa",
                        retire_key,
                        "*",
                        effect="Deny",
                        principal="*",
                        condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                    ),
                    # S3 Bucket Keys: S3 decrypts the bucket-level data key as the replication role, so kms:Decrypt
                    # is needed as well (S3 User Guide, replicating objects encrypted with SSE-KMS).
                    iam.statement(
                        "ProdReplicationRolesUseReplicaKey",
                        ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                        "*",
                        principal={"AWS": prod_root},
                        condition={
                            "ArnEquals": {"aws:PrincipalArn": replication_arns},
                            "StringLike": {"kms:ViaService": "s3.*.amazonaws.com"},
                        },
                    ),
                    *(
                        [
                            iam.statement(
                                "ProdRestoreRolesDecryptReplicas",
                                "kms:Decrypt",
                                "*",
                                principal={"AWS": prod_root},
                                condition={
                                    "ArnEquals": {"aws:PrincipalArn": sorted(args.restore_target_role_arns)},
                                    "StringLike": {"kms:ViaService": "s3.*.amazonaws.com"},
                                },
                            )
                        ]
                        if args.restore_target_role_arns
                        else []
                    ),
                    iam.statement(
                        "ProdPublishesEncryptedNotices",
                        ["kms:GenerateDataKey", "kms:Decrypt"],
                        "*",
                        principal={"AWS": prod_root},
                        condition={"StringLike": {"kms:ViaService": "sns.*.amazonaws.com"}},
                    ),
                    # Restores (docs/restore.md): the restore-operator reads and re-encrypts through the services
                    # it restores with; the Backup restore role decrypts recovery points. Within the account the
                    # root statement would do; named here so the key policy says who restores.
                    iam.statement(
                        "RestoreRolesUseKey",
                        RESTORE_KEY_USE,
                        "*",
                        principal={"AWS": backup_root},
                        condition={"ArnEquals": {"aws:PrincipalArn": [operator_arn, restore_role_arn]}},
                    ),
                    iam.statement(
                        "ServicesUseKey",
                        ["kms:GenerateDataKey", "kms:Decrypt"],
                        "*",
                        principal={"Service": ["sns.amazonaws.com", "backup.amazonaws.com"]},
                        condition={"StringEquals": {"aws:SourceAccount": args.backup_account_id}},
                    ),
                    *fleet_key_statements(args.fleet),
                )
            ),
            opts=stateful,
        )
        aws.kms.Alias(
            f"{name}-key-alias", name=f"alias/{args.name_prefix}-backup", target_key_id=key.key_id, opts=child
        )

        # The restore role decrypts recovery points and grants restored resources the key (the managed policies do not
        # name customer-managed keys).
        aws.iam.RolePolicy(
            f"{name}-backup-restore-key",
            role=restore_role.id,
            policy=iam.to_json(iam.document(iam.statement("UseBackupKey", RESTORE_KEY_USE, [key.arn]))),
            opts=child,
        )

        # --- replica buckets: versioned, locked, only prod's replication role may write ---------------------
        settings = [
            "s3:PutBucketPolicy",
            "s3:DeleteBucketPolicy",
            "s3:PutBucketVersioning",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutLifecycleConfiguration",
        ]
        destructive = ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]
        settings_exempt = [break_glass_arn, *deployers]

        def guard(arn: str) -> list[dict[str, object]]:
            # Conditions within one statement are ANDed, hence one statement per rule. Settings: deploy role or
            # break-glass, and MFA for anyone but the deploy role (whose session never has it). Destroying versions:
            # break-glass only, and even break-glass without MFA is refused (should its trust ever be loosened).
            resources = [arn, f"{arn}/*"]
            return [
                iam.statement(
                    "DenyVersionDeletesExceptBreakGlass",
                    destructive,
                    resources,
                    effect="Deny",
                    principal="*",
                    condition={"ArnNotEquals": {"aws:PrincipalArn": break_glass_arn}},
                ),
                iam.statement(
                    "DenyVersionDeletesWithoutMfa",
                    destructive,
                    resources,
                    effect="Deny",
                    principal="*",
                    condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                ),
                iam.statement(
                    "DenyBucketSettingsExceptDeployAndBreakGlass",
                    settings,
                    resources,
                    effect="Deny",
                    principal="*",
                    condition={"ArnNotEquals": {"aws:PrincipalArn": settings_exempt}},
                ),
                iam.statement(
                    "DenyBucketSettingsWithoutMfa",
                    settings,
                    resources,
                    effect="Deny",
                    principal="*",
                    condition={
                        "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
                        "ArnNotEquals": {"aws:PrincipalArn": deployers},
                    },
                ),
            ]

        def replica_bucket(resource_name: str, bucket_name: str, statements: list[dict[str, object]]) -> BucketParts:
            """Prod's replicas and every member's are hardened alike (key, lifecycle, Object Lock): one place."""
            return hardened_bucket(
                resource_name,
                bucket_name,
                kms_key_arn=key.arn,
                noncurrent_transition_days=args.noncurrent_transition_days,
                noncurrent_expiration_days=args.noncurrent_expiration_days,
                abort_incomplete_upload_days=args.abort_incomplete_upload_days,
                parent=self,
                protect=protect,
                object_lock=True,
                lock_retention=(args.object_lock_mode, args.object_lock_days),
                extra_statements=statements,
            )

        replicas: dict[str, aws.s3.Bucket] = {}
        for key_name, bucket_name in sorted(args.replica_buckets.items()):
            arn = bucket_arn(bucket_name)
            role_arn = args.replication_role_arns[key_name]
            parts = replica_bucket(
                f"{name}-replica-{key_name}",
                bucket_name,
                [
                    iam.statement(
                        "ProdReplicationRoleWritesReplicas",
                        ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
                        f"{arn}/*",
                        principal={"AWS": prod_root},
                        condition={"ArnEquals": {"aws:PrincipalArn": role_arn}},
                    ),
                    restore_operator_reads(arn, backup_root, operator_arn),
                    *(
                        [
                            iam.statement(
                                "ProdRestoreRolesReadVersions",
                                ["s3:GetObjectVersion", "s3:GetObjectVersionTagging"],
                                f"{arn}/*",
                                principal={"AWS": prod_root},
                                condition={"ArnEquals": {"aws:PrincipalArn": sorted(args.restore_target_role_arns)}},
                            )
                        ]
                        if args.restore_target_role_arns
                        else []
                    ),
                    iam.statement(
                        "ProdReplicationRoleReadsVersioning",
                        ["s3:GetBucketVersioning", "s3:ListBucket"],
                        arn,
                        principal={"AWS": prod_root},
                        condition={"ArnEquals": {"aws:PrincipalArn": role_arn}},
                    ),
                    *guard(arn),
                ],
            )
            replicas[key_name] = parts.bucket

        # --- the fleet's members: one replica bucket per (member, protected bucket), its policy its own ------------
        member_replicas: dict[str, aws.s3.Bucket] = {}
        for key_name, replica in sorted((args.fleet.replicas if args.fleet else {}).items()):
            arn = bucket_arn(replica.bucket_name)
            parts = replica_bucket(
                f"{name}-member-{key_name.replace('/', '-')}",
                replica.bucket_name,
                [*member_replica_statements(replica, arn, operator_arn, args.fleet), *guard(arn)],
            )
            member_replicas[key_name] = parts.bucket

        # --- archive bucket: exported Pulumi state, locked like the replicas --------------------------------
        archive_arn = bucket_arn(args.archive_bucket_name)
        archive = hardened_bucket(
            f"{name}-archive",
            args.archive_bucket_name,
            kms_key_arn=key.arn,
            noncurrent_transition_days=args.noncurrent_transition_days,
            noncurrent_expiration_days=max(args.archive_retention_days, args.noncurrent_transition_days + 1),
            abort_incomplete_upload_days=args.abort_incomplete_upload_days,
            parent=self,
            protect=protect,
            object_lock=True,
            lock_retention=(args.object_lock_mode, args.object_lock_days),
            extra_statements=guard(archive_arn),
        )

        # --- notices: KMS-encrypted topic prod may publish new-snapshot notices to --------------------------
        topic = aws.sns.Topic(
            f"{name}-notices", name=f"{args.name_prefix}-backup-notices", kms_master_key_id=key.arn, opts=stateful
        )
        aws.sns.TopicPolicy(
            f"{name}-notices-policy",
            arn=topic.arn,
            policy=iam.to_json(
                iam.document(
                    iam.statement("ProdPublishesNotices", "sns:Publish", topic.arn, principal={"AWS": prod_root}),
                    iam.statement(
                        "BackupServicePublishes",
                        "sns:Publish",
                        topic.arn,
                        principal={"Service": "backup.amazonaws.com"},
                        condition={"StringEquals": {"aws:SourceAccount": args.backup_account_id}},
                    ),
                )
            ),
            opts=child,
        )

        # --- vault: customer-managed key, lock, copies in from prod, no deletes ------------------------------
        vault = aws.backup.Vault(f"{name}-vault", name=f"{args.name_prefix}-vault", kms_key_arn=key.arn, opts=stateful)
        # changeable_for_days omitted (None) is governance mode; set, it is compliance mode (FACTS: Backup).
        aws.backup.VaultLockConfiguration(
            f"{name}-vault-lock",
            backup_vault_name=vault.name,
            min_retention_days=args.vault_min_retention_days,
            max_retention_days=args.vault_max_retention_days,
            changeable_for_days=args.vault_changeable_for_days,
            opts=stateful,
        )
        aws.backup.VaultPolicy(
            f"{name}-vault-policy",
            backup_vault_name=vault.name,
            policy=iam.to_json(
                iam.document(
                    iam.statement("ProdCopiesIn", "backup:CopyIntoBackupVault", "*", principal={"AWS": prod_root}),
                    *(
                        # the members' copies (their backup policy's copy action): any account of a protected OU
                        [
                            iam.statement(
                                "MembersCopyIn",
                                "backup:CopyIntoBackupVault",
                                "*",
                                principal={"AWS": "*"},
                                condition=args.fleet.org_condition(),
                            )
                        ]
                        if args.fleet is not None
                        else []
                    ),
                    iam.statement(
                        "NoRecoveryPointDeletes",
                        ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                        "*",
                        effect="Deny",
                        principal="*",
                        condition={"ArnNotEquals": {"aws:PrincipalArn": break_glass_arn}},
                    ),
                )
            ),
            opts=child,
        )
        aws.backup.VaultNotifications(
            f"{name}-vault-notices",
            backup_vault_name=vault.name,
            sns_topic_arn=topic.arn,
            backup_vault_events=[
                "COPY_JOB_SUCCESSFUL",
                "COPY_JOB_FAILED",
                "BACKUP_JOB_COMPLETED",
                "RESTORE_JOB_COMPLETED",
                "RECOVERY_POINT_MODIFIED",
            ],
            opts=child,
        )

        # --- the restore operator: exactly what `failsafe-dr restore` needs (docs/restore.md), nothing destructive ---
        account = args.backup_account_id
        replica_arns = [a for n in sorted(args.replica_buckets.values()) for a in (bucket_arn(n), f"{bucket_arn(n)}/*")]
        aws.iam.RolePolicy(
            f"{name}-restore-operator-policy",
            role=roles["restore-operator"].id,
            policy=iam.to_json(
                iam.document(
                    # restore s3 (--profile side): list versions, HEAD/GET the version as of --as-of, its tags.
                    iam.statement(
                        "ReadReplicasAndArchive",
                        [
                            "s3:GetObject",
                            "s3:GetObjectVersion",
                            "s3:GetObjectVersionTagging",
                            "s3:ListBucket",
                            "s3:ListBucketVersions",
                        ],
                        [*replica_arns, archive_arn, f"{archive_arn}/*"],
                    ),
                    *(
                        # the members' replicas, by the one pattern their names share (the same for any N)
                        [
                            iam.statement(
                                "ReadMemberReplicas",
                                [
                                    "s3:GetObject",
                                    "s3:GetObjectVersion",
                                    "s3:GetObjectVersionTagging",
                                    "s3:ListBucket",
                                    "s3:ListBucketVersions",
                                ],
                                [args.fleet.replica_arn_pattern, f"{args.fleet.replica_arn_pattern}/*"],
                            )
                        ]
                        if args.fleet is not None and args.fleet.replicas
                        else []
                    ),
                    # Decrypt anywhere the copies are read (S3, SSM, Secrets Manager, RDS, EC2).
                    iam.statement("DecryptBackups", ["kms:Decrypt", "kms:DescribeKey"], [key.arn]),
                    # restore snapshot: RDS and EBS re-encrypt the copy and grant the new resource the key, through
                    # their own service only; grants only for AWS resources.
                    iam.statement(
                        "ReEncryptForRestores",
                        [a for a in RESTORE_KEY_USE if a not in ("kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant")],
                        [key.arn],
                        condition={"StringLike": {"kms:ViaService": RESTORE_VIA}},
                    ),
                    iam.statement(
                        "GrantKeyToRestoredResources",
                        "kms:CreateGrant",
                        [key.arn],
                        condition={
                            "StringLike": {"kms:ViaService": RESTORE_VIA},
                            "Bool": {"kms:GrantIsForAWSResource": "true"},
                        },
                    ),
                    # restore recovery-point: start and follow Backup restore jobs from this account's vault...
                    iam.statement(
                        "StartRestores",
                        [
                            "backup:StartRestoreJob",
                            "backup:GetRecoveryPointRestoreMetadata",
                            "backup:DescribeRecoveryPoint",
                            "backup:ListRecoveryPointsByBackupVault",
                        ],
                        [vault.arn, f"arn:aws:backup:*:{account}:recovery-point:*"],
                    ),
                    # ...which needs the restore role passed to Backup, and to nothing else.
                    iam.statement(
                        "PassRestoreRoleToBackup",
                        "iam:PassRole",
                        restore_role_arn,
                        condition={"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
                    ),
                    # DescribeRestoreJob and ListRestoreJobs have no resource type: "*" is the only form IAM accepts.
                    iam.statement("FollowRestores", ["backup:DescribeRestoreJob", "backup:ListRestoreJobs"], "*"),
                    # restore params: the params copier's copies in this account.
                    iam.statement(
                        "ListParamsAndSecrets", ["ssm:DescribeParameters", "secretsmanager:ListSecrets"], "*"
                    ),
                    iam.statement(
                        "ReadParamsAndSecrets",
                        ["ssm:GetParameters", "secretsmanager:GetSecretValue"],
                        [f"arn:aws:ssm:*:{account}:parameter/*", f"arn:aws:secretsmanager:*:{account}:secret:*"],
                    ),
                    # restore snapshot: find the copy (Describe* take no resource), restore it (RDS instance or
                    # cluster, EBS volume) or share a re-encrypted copy, within this account.
                    iam.statement(
                        "FindSnapshots",
                        [
                            "rds:DescribeDBSnapshots",
                            "rds:DescribeDBClusterSnapshots",
                            "ec2:DescribeSnapshots",
                            "ec2:DescribeAvailabilityZones",
                            "ec2:DescribeVolumes",
                        ],
                        "*",
                    ),
                    iam.statement(
                        "RestoreRdsSnapshots",
                        [
                            "rds:DescribeDBInstances",
                            "rds:DescribeDBClusters",
                            "rds:RestoreDBInstanceFromDBSnapshot",
                            "rds:RestoreDBClusterFromSnapshot",
                            "rds:CreateDBInstance",
                            "rds:AddTagsToResource",
                            "rds:CopyDBSnapshot",
                            "rds:CopyDBClusterSnapshot",
                            "rds:ModifyDBSnapshotAttribute",
                            "rds:ModifyDBClusterSnapshotAttribute",
                        ],
                        f"arn:aws:rds:*:{account}:*",
                    ),
                    iam.statement(
                        "RestoreEbsSnapshots",
                        ["ec2:CreateVolume", "ec2:CreateTags", "ec2:CopySnapshot", "ec2:ModifySnapshotAttribute"],
                        [f"arn:aws:ec2:*:{account}:volume/*", "arn:aws:ec2:*::snapshot/*"],  # snapshot ARNs: no account
                    ),
                )
            ),
            opts=child,
        )

        self.kms_key_arn = key.arn
        self.replica_buckets = pulumi.Output.all(
            **{k: pulumi.Output.all(name=b.bucket, arn=b.arn) for k, b in replicas.items()}
        )
        self.member_replica_buckets = pulumi.Output.all(
            **{k: pulumi.Output.all(name=b.bucket, arn=b.arn) for k, b in member_replicas.items()}
        )
        self.archive_bucket_name = archive.bucket.bucket
        self.vault_name = vault.name
        self.vault_arn = vault.arn
        self.topic_arn = topic.arn
        self.restore_role_arn = roles["restore-operator"].arn
        self.backup_restore_role_arn = restore_role.arn
        self.auditor_role_arn = roles["auditor"].arn
        self.break_glass_role_arn = roles["break-glass"].arn
        self.register_outputs(
            {
                "kmsKeyArn": self.kms_key_arn,
                "replicaBuckets": self.replica_buckets,
                "archiveBucketName": self.archive_bucket_name,
                "vaultArn": self.vault_arn,
                "topicArn": self.topic_arn,
            }
        )
