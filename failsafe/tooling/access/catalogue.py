"""The catalogue of access paths the estate must allow or must refuse: reviewed data, one entry per path.

Each entry names WHO (a subject: a principal taken from the plan, with the identity policies the proof uses for it),
the ACTIONS, ON what (a target: resources taken from the plan, with their resource policies), whether the path is
``required`` (AWS must allow every action) or ``forbidden`` (AWS must refuse every action), the request context that
matters (MFA, TLS, the service the call comes through), which stack's ``check`` proves it, and the AWS documentation
the expectation rests on. Subjects and targets are named here and resolved against the plans in
:mod:`failsafe.tooling.access.proofs`; an entry whose subject and target are both per protected bucket pairs them
bucket by bucket.

Changing an entry changes what the estate promises: review it like code, with the documentation reference open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Expect = Literal["required", "forbidden"]

EVAL = "IAM User Guide, Policy evaluation logic (explicit Deny wins; KMS key policies are required)"
CROSS = "IAM User Guide, Cross-account policy evaluation logic (both the identity and the resource side must allow)"
MFA_KEY = (
    "IAM User Guide, AWS global condition context keys: aws:MultiFactorAuthPresent (absent from sessions of "
    "AssumeRole without MFA and from access keys)"
)
KMS_DEFAULT = "AWS KMS Developer Guide, Default key policy (the account root statement enables IAM policies)"
KMS_DELETE = "AWS KMS Developer Guide, Deleting AWS KMS keys / Controlling access to key deletion"
SSE_KMS_REPLICATION = (
    "S3 User Guide, Replicating objects created with server-side encryption (SSE-KMS): with S3 Bucket Keys the "
    "destination key must allow kms:Decrypt as well as kms:Encrypt and kms:GenerateDataKey"
)
REPLICATION_PERMS = "S3 User Guide, Setting up permissions for live replication (source and destination permissions)"
LOCK_REPLICATION = (
    "S3 User Guide, Using S3 Object Lock with S3 Replication: the role needs s3:GetObjectRetention and "
    "s3:GetObjectLegalHold on the source"
)
S3_LOCK = "S3 User Guide, Locking objects with Object Lock (governance mode: s3:BypassGovernanceRetention)"
VAULT_POLICY = "AWS Backup Developer Guide, Access policies (backup vault access policy: Deny DeleteRecoveryPoint)"
LAMBDA_CONFUSED_DEPUTY = (
    "Lambda Developer Guide, Working with resource-based IAM policies (a service principal with SourceArn); IAM "
    "User Guide, The confused deputy problem"
)
BACKUP_RESTORE = (
    "AWS Backup Developer Guide, Restoring a backup / StartRestoreJob (IamRoleArn: a role trusted by "
    "backup.amazonaws.com; the caller needs iam:PassRole on it)"
)
PASS_ROLE = (
    "IAM User Guide, Granting a user permissions to pass a role to an AWS service (condition key iam:PassedToService)"
)
TRUST_MFA = "IAM User Guide, Configuring MFA-protected API access (trust policy Condition aws:MultiFactorAuthPresent)"
LAG_COPY = (
    "AWS Backup Developer Guide, Logically air-gapped vault, Considerations for security auto-remediation (a copy is "
    "authorized by backup:CopyIntoBackupVault in the destination vault's access policy); Creating backup copies across "
    "AWS accounts"
)
LAG_SHARE = (
    "AWS Backup Developer Guide, Logically air-gapped vault, Share a logically air-gapped vault (the actions a RAM "
    "share grants) and Restore a backup from a logically air-gapped vault"
)
LAG_LOCK = (
    "AWS Backup Developer Guide, Logically air-gapped vault: always locked in compliance mode (no principal deletes a "
    "retained recovery point; the vault policy's Deny says so to the proofs)"
)

ORG_PATHS = (
    "IAM User Guide, AWS global condition context keys: aws:PrincipalOrgPaths (multivalued, ForAnyValue:StringLike) "
    "and aws:PrincipalArn (a role session's is its role's ARN)"
)
RCP_EFFECTS = (
    "AWS Organizations User Guide, Resource control policies: RCP effects on permissions (a cap on every principal, "
    "whatever the resource policy says, except service-linked roles); aws-samples/data-perimeter-policy-examples, "
    "identity_perimeter_rcp.json"
)
BACKUP_CROSS_ACCOUNT = (
    "AWS Backup Developer Guide, Creating backup copies across AWS accounts (the destination vault access policy must "
    "allow backup:CopyIntoBackupVault; an organization or OU condition admits the accounts)"
)
EVENTS_CROSS_ACCOUNT = (
    "EventBridge User Guide, Sending and receiving events between AWS accounts; botocore events PutPermission (an "
    "organization condition admits every account of it; senders use a role)"
)
GITHUB_OIDC = (
    "IAM User Guide, Create a role for OpenID Connect federation (token.actions.githubusercontent.com:sub and :aud); "
    "aws-samples/data-perimeter-policy-examples README: federated callers carry no aws:PrincipalOrgID"
)

TLS = {"aws:SecureTransport": "true"}
WITH_MFA = {**TLS, "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "300"}
VIA_S3 = {"kms:ViaService": "s3.{region}.amazonaws.com"}  # {region}: the key's region

BUCKET_SETTINGS = (
    "s3:PutBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutEncryptionConfiguration",
)
# What else `pulumi up` and `pulumi refresh` call on a bucket it manages (the provider's default tags included): no
# bucket policy statement may deny these to the deploy role either.
BUCKET_UPKEEP = (
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketTagging",
    "s3:GetBucketPolicy",
    "s3:GetBucketVersioning",
    "s3:GetLifecycleConfiguration",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetEncryptionConfiguration",
)
REPLICATE = ("s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner")
REPLICA_KEY_USE = ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt")
KEY_DESTRUCTION = ("kms:ScheduleKeyDeletion", "kms:DisableKey")
VERSION_DESTRUCTION = ("s3:DeleteObjectVersion", "s3:BypassGovernanceRetention")
RECOVERY_POINT_DESTRUCTION = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")


@dataclass(frozen=True)
class Entry:
    id: str
    who: str  # a subject of proofs.SUBJECTS
    actions: tuple[str, ...]
    on: str  # a target of proofs.TARGETS
    expect: Expect
    stack: Literal["dr", "prod"]  # the stack whose `check` proves it (prod: needs the dr plan as well)
    doc: str
    why: str
    context: Mapping[str, str] = field(default_factory=dict)


CATALOGUE: tuple[Entry, ...] = (
    # --- required: what deploying and replicating need --------------------------------------------------------------
    Entry(
        "dr-deploy-manages-locked-buckets",
        "dr-deploy-session",
        BUCKET_SETTINGS,
        "dr-locked-buckets",
        "required",
        "dr",
        f"{EVAL}; {MFA_KEY}",
        "`pulumi up -s dr` writes these settings as the deploy role's session, which carries no MFA",
        TLS,
    ),
    Entry(
        "dr-deploy-keeps-up-locked-buckets",
        "dr-deploy-session",
        BUCKET_UPKEEP,
        "dr-locked-buckets",
        "required",
        "dr",
        EVAL,
        "the rest of what the provider reads and writes on these buckets: a Deny drawn too wide would break refresh",
        TLS,
    ),
    Entry(
        "dr-deploy-manages-backup-key",
        "dr-deploy-session",
        (
            "kms:PutKeyPolicy",
            "kms:GetKeyPolicy",
            "kms:EnableKeyRotation",
            "kms:GetKeyRotationStatus",
            "kms:DescribeKey",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:ListResourceTags",
            "kms:CreateAlias",
        ),
        "dr-backup-key",
        "required",
        "dr",
        f"{KMS_DEFAULT}; {EVAL}",
        "Pulumi manages the key's policy, rotation, tags and alias as the deploy role; it must never lose them",
    ),
    Entry(
        "replica-admits-prod-replication",
        "prod-replication-role-by-name",
        REPLICATE,
        "dr-replica-objects",
        "required",
        "dr",
        f"{REPLICATION_PERMS}; {CROSS}",
        "dr's half of replication: the replica bucket policy admits prod's role for its bucket",
        TLS,
    ),
    Entry(
        "replica-key-admits-prod-replication",
        "prod-replication-role-by-name",
        REPLICA_KEY_USE,
        "dr-backup-key",
        "required",
        "dr",
        f"{SSE_KMS_REPLICATION}; {CROSS}",
        "dr's half of replication: the replica key policy lets prod's roles encrypt replicas",
        VIA_S3,
    ),
    Entry(
        "replication-writes-replica",
        "prod-replication-role",
        REPLICATE,
        "dr-replica-objects",
        "required",
        "prod",
        f"{REPLICATION_PERMS}; {CROSS}",
        "both halves: the role's own policy (prod plan) and the replica bucket policy (dr plan)",
        TLS,
    ),
    Entry(
        "replication-uses-replica-key",
        "prod-replication-role",
        REPLICA_KEY_USE,
        "dr-backup-key",
        "required",
        "prod",
        f"{SSE_KMS_REPLICATION}; {CROSS}",
        "both halves: without kms:Decrypt replication reports FAILED per object, PutBucketReplication still succeeds",
        VIA_S3,
    ),
    Entry(
        "replication-reads-source",
        "prod-replication-role",
        (
            "s3:GetObjectVersionForReplication",
            "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionTagging",
            "s3:GetObjectRetention",
            "s3:GetObjectLegalHold",
        ),
        "prod-source-objects",
        "required",
        "prod",
        f"{REPLICATION_PERMS}; {LOCK_REPLICATION}",
        "S3 reads each new version, and its retention and legal hold, as the replication role",
        TLS,
    ),
    Entry(
        "replication-reads-source-configuration",
        "prod-replication-role",
        ("s3:GetReplicationConfiguration", "s3:ListBucket"),
        "prod-source-buckets",
        "required",
        "prod",
        REPLICATION_PERMS,
        "S3 reads the replication configuration of the source as the role",
        TLS,
    ),
    Entry(
        "replication-decrypts-source",
        "prod-replication-role",
        ("kms:Decrypt",),
        "prod-source-keys",
        "required",
        "prod",
        f"{SSE_KMS_REPLICATION}; {KMS_DEFAULT}",
        "source objects are SSE-KMS: S3 decrypts them as the role before re-encrypting under the replica key",
        VIA_S3,
    ),
    Entry(
        "break-glass-with-mfa-can-retire-backup-key",
        "dr-break-glass",
        KEY_DESTRUCTION,
        "dr-backup-key",
        "required",
        "dr",
        f"{KMS_DELETE}; {EVAL}",
        "someone must be able to retire the key: break-glass, with MFA, and nobody else",
        WITH_MFA,
    ),
    Entry(
        "people-with-mfa-assume-human-roles",
        "identity-account-person",
        ("sts:AssumeRole",),
        "dr-human-roles",
        "required",
        "dr",
        f"{TRUST_MFA}; {CROSS}",
        "restore-operator, auditor and break-glass are usable by people of the identity account who signed in with MFA",
        WITH_MFA,
    ),
    Entry(
        "restore-operator-reads-backups",
        "dr-restore-operator",
        ("s3:GetObject", "s3:GetObjectVersion"),
        "dr-locked-objects",
        "required",
        "dr",
        f"{EVAL}; {TRUST_MFA}",
        "the point of the backups: a person with MFA, as restore-operator, can read every replica and state export",
        WITH_MFA,
    ),
    Entry(
        "restore-operator-decrypts-backups",
        "dr-restore-operator",
        ("kms:Decrypt",),
        "dr-backup-key",
        "required",
        "dr",
        f"{EVAL}; {KMS_DEFAULT}",
        "the replicas are SSE-KMS under the backup key: reading them needs kms:Decrypt through S3",
        {**WITH_MFA, **VIA_S3},
    ),
    Entry(
        "restore-operator-reads-replica-versions",
        "dr-restore-operator",
        ("s3:GetObjectVersion", "s3:GetObjectVersionTagging"),
        "dr-replica-objects",
        "required",
        "dr",
        f"{EVAL}; {TRUST_MFA}",
        "`failsafe-dr restore s3 --as-of` copies the version current at that time, with its tags",
        WITH_MFA,
    ),
    Entry(
        "prod-restore-role-reads-replica-versions",
        "prod-restore-role",
        ("s3:GetObjectVersion", "s3:GetObjectVersionTagging"),
        "dr-replica-objects",
        "required",
        "dr",
        f"{CROSS}; {EVAL}",
        "`restore s3` copies into prod's (rebuilt) buckets as prod's deploy role: CopyObject reads the replica version",
        TLS,
    ),
    Entry(
        "prod-restore-role-decrypts-replicas",
        "prod-restore-role",
        ("kms:Decrypt",),
        "dr-backup-key",
        "required",
        "dr",
        f"{CROSS}; {KMS_DEFAULT}",
        "the replica versions it copies are SSE-KMS under the backup key, read through S3",
        VIA_S3,
    ),
    Entry(
        "restore-operator-reencrypts-for-restored-resources",
        "dr-restore-operator",
        ("kms:ReEncryptFrom", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"),
        "dr-backup-key",
        "required",
        "dr",
        f"{EVAL}; {KMS_DEFAULT}",
        "`restore snapshot` of RDS and EBS copies under the backup key: the service re-encrypts and takes a grant",
        {**WITH_MFA, "kms:ViaService": "rds.{region}.amazonaws.com", "kms:GrantIsForAWSResource": "true"},
    ),
    Entry(
        "restore-operator-passes-restore-role-to-backup",
        "dr-restore-operator",
        ("iam:PassRole",),
        "dr-backup-restore-role",
        "required",
        "dr",
        f"{BACKUP_RESTORE}; {PASS_ROLE}",
        "`restore recovery-point` starts the job with the Backup restore role as IamRoleArn",
        {**WITH_MFA, "iam:PassedToService": "backup.amazonaws.com"},
    ),
    Entry(
        "restore-operator-starts-restore-jobs",
        "dr-restore-operator",
        ("backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata"),
        "dr-vault-recovery-points",
        "required",
        "dr",
        f"{BACKUP_RESTORE}; {VAULT_POLICY}",
        "the vault policy denies deletes only: the restore operator reads restore metadata and starts restores",
        WITH_MFA,
    ),
    Entry(
        "archive-job-adds-state-exports",
        "dr-archive-role",
        ("s3:PutObject", "s3:GetObject"),
        "dr-archive-objects",
        "required",
        "dr",
        EVAL,
        "the archive workflow writes each Pulumi state export into the locked archive bucket and reads it back",
        TLS,
    ),
    Entry(
        "archive-job-encrypts-state-exports",
        "dr-archive-role",
        ("kms:GenerateDataKey", "kms:Decrypt"),
        "dr-backup-key",
        "required",
        "dr",
        f"{EVAL}; {KMS_DEFAULT}",
        "the archive bucket is SSE-KMS under the backup key (multipart uploads need kms:Decrypt too)",
        VIA_S3,
    ),
    Entry(
        "dr-deploy-manages-vault",
        "dr-deploy-session",
        (
            "backup:PutBackupVaultAccessPolicy",
            "backup:PutBackupVaultLockConfiguration",
            "backup:PutBackupVaultNotifications",
            "backup:DescribeBackupVault",
        ),
        "dr-vault",
        "required",
        "dr",
        f"{VAULT_POLICY}; {EVAL}",
        "the vault policy denies deletes only: Pulumi can still manage the vault, its lock and notifications",
    ),
    Entry(
        "triggers-invoke-their-functions",
        "dr-function-triggers",
        ("lambda:InvokeFunction",),
        "dr-functions",
        "required",
        "dr",
        LAMBDA_CONFUSED_DEPUTY,
        "every schedule and notice subscription the plan wires to a recovery function is permitted to invoke it",
    ),
    # --- forbidden: what must stay impossible -------------------------------------------------------------------------
    Entry(
        "dr-deploy-cannot-retire-backup-key",
        "dr-deploy-session",
        KEY_DESTRUCTION,
        "dr-backup-key",
        "forbidden",
        "dr",
        f"{KMS_DELETE}; {KMS_DEFAULT}; {EVAL}",
        "a leaked CI deploy session (an admin of the backup account) must not be able to destroy every backup at once",
    ),
    Entry(
        "other-human-roles-cannot-retire-backup-key",
        "dr-other-human-roles",
        KEY_DESTRUCTION,
        "dr-backup-key",
        "forbidden",
        "dr",
        f"{KMS_DELETE}; {EVAL}",
        "restore-operator and auditor, even with MFA, cannot retire the key",
        WITH_MFA,
    ),
    Entry(
        "dr-deploy-cannot-delete-recovery-points",
        "dr-deploy-session",
        ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"),
        "dr-vault-recovery-points",
        "forbidden",
        "dr",
        f"{VAULT_POLICY}; {EVAL}",
        "the vault policy refuses recovery point deletes to everyone but break-glass, deploy role included",
    ),
    Entry(
        "prod-cannot-delete-recovery-points",
        "prod-principals-compromised",
        ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"),
        "dr-vault-recovery-points",
        "forbidden",
        "dr",
        f"{VAULT_POLICY}; {CROSS}",
        "a compromised prod account cannot delete the copies it sent",
    ),
    Entry(
        "lookalike-sources-cannot-invoke-functions",
        "lookalike-function-triggers",
        ("lambda:InvokeFunction",),
        "dr-functions",
        "forbidden",
        "dr",
        LAMBDA_CONFUSED_DEPUTY,
        "the same service acting for a same-named rule or topic in another account cannot invoke them",
    ),
    Entry(
        "dr-deploy-cannot-destroy-locked-versions",
        "dr-deploy-session",
        VERSION_DESTRUCTION,
        "dr-locked-objects",
        "forbidden",
        "dr",
        f"{S3_LOCK}; {EVAL}",
        "the deploy role's exemption covers bucket settings only, never deleting versions or bypassing retention",
        TLS,
    ),
    Entry(
        "restore-operator-cannot-destroy-backups",
        "dr-restore-operator",
        VERSION_DESTRUCTION,
        "dr-locked-objects",
        "forbidden",
        "dr",
        f"{S3_LOCK}; {EVAL}",
        "restoring deletes nothing in the backup account: the restore operator, even with MFA, destroys no version",
        WITH_MFA,
    ),
    Entry(
        "restore-operator-cannot-delete-recovery-points",
        "dr-restore-operator",
        ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"),
        "dr-vault-recovery-points",
        "forbidden",
        "dr",
        f"{VAULT_POLICY}; {EVAL}",
        "the restore operator, even with MFA, cannot delete or shorten the recovery points it restores from",
        WITH_MFA,
    ),
    Entry(
        "restore-operator-cannot-pass-restore-role-elsewhere",
        "dr-restore-operator",
        ("iam:PassRole",),
        "dr-backup-restore-role",
        "forbidden",
        "dr",
        PASS_ROLE,
        "the restore role's permissions go to AWS Backup only, never to an instance or function the operator starts",
        {**WITH_MFA, "iam:PassedToService": "ec2.amazonaws.com"},
    ),
    Entry(
        "archive-job-cannot-destroy-state-exports",
        "dr-archive-role",
        (*VERSION_DESTRUCTION, "s3:PutObjectRetention"),
        "dr-archive-objects",
        "forbidden",
        "dr",
        f"{S3_LOCK}; {EVAL}",
        "a leaked archive workflow token can add exports, never remove or unlock the ones there",
        TLS,
    ),
    Entry(
        "break-glass-without-mfa-cannot-retire-backup-key",
        "dr-break-glass",
        KEY_DESTRUCTION,
        "dr-backup-key",
        "forbidden",
        "dr",
        f"{KMS_DELETE}; {MFA_KEY}",
        "defence in depth should break-glass's trust policy ever be loosened",
    ),
    Entry(
        "prod-cannot-destroy-replica-versions",
        "prod-principals-compromised",
        VERSION_DESTRUCTION,
        "dr-replica-objects",
        "forbidden",
        "dr",
        f"{CROSS}; {EVAL}",
        "a compromised prod account (identity side: anything) cannot delete what it replicated",
        TLS,
    ),
    Entry(
        "prod-cannot-change-replica-settings",
        "prod-principals-compromised",
        ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning"),
        "dr-replica-buckets",
        "forbidden",
        "dr",
        f"{CROSS}; {EVAL}",
        "a compromised prod account cannot loosen the replica buckets",
        TLS,
    ),
    Entry(
        "prod-cannot-retire-backup-key",
        "prod-principals-compromised",
        (*KEY_DESTRUCTION, "kms:PutKeyPolicy"),
        "dr-backup-key",
        "forbidden",
        "dr",
        f"{CROSS}; {KMS_DELETE}",
        "a compromised prod account cannot make the backups unreadable",
    ),
    Entry(
        "people-without-mfa-cannot-assume-human-roles",
        "identity-account-person",
        ("sts:AssumeRole",),
        "dr-human-roles",
        "forbidden",
        "dr",
        f"{TRUST_MFA}; {MFA_KEY}",
        "access keys and console sessions without MFA carry no aws:MultiFactorAuthPresent",
        TLS,
    ),
    Entry(
        "people-with-mfa-false-cannot-assume-human-roles",
        "identity-account-person",
        ("sts:AssumeRole",),
        "dr-human-roles",
        "forbidden",
        "dr",
        TRUST_MFA,
        "a session that says it has no MFA is refused too",
        {**TLS, "aws:MultiFactorAuthPresent": "false"},
    ),
    Entry(
        "prod-cannot-assume-human-roles",
        "prod-root",
        ("sts:AssumeRole",),
        "dr-human-roles",
        "forbidden",
        "dr",
        f"{CROSS}; {TRUST_MFA}",
        "only the identity account's people may assume the backup account's human roles, even with MFA",
        WITH_MFA,
    ),
)


# The fleet (issue 24) and the perimeter (issue 25): proven by `check dr` with the org plan's SCPs and RCPs in force.
# Subjects and targets of these expand to nothing in an estate without an organization.
FLEET_CATALOGUE: tuple[Entry, ...] = (
    Entry(
        "member-replication-writes-its-replica",
        "member-replication-role-by-name",
        REPLICATE,
        "dr-member-replica-objects",
        "required",
        "dr",
        f"{REPLICATION_PERMS}; {CROSS}; {ORG_PATHS}",
        "a member's replication role (by its deterministic name, in a protected OU) writes its own replicas",
        TLS,
    ),
    Entry(
        "member-replication-uses-replica-key",
        "member-replication-role-by-name",
        REPLICA_KEY_USE,
        "dr-backup-key",
        "required",
        "dr",
        f"{SSE_KMS_REPLICATION}; {ORG_PATHS}",
        "the key policy admits every member's replication roles by one organization statement",
        VIA_S3,
    ),
    Entry(
        "member-backups-copy-into-the-vault",
        "member-backup-role",
        ("backup:CopyIntoBackupVault",),
        "dr-vault",
        "required",
        "dr",
        f"{BACKUP_CROSS_ACCOUNT}; {ORG_PATHS}",
        "the organization backup policy's copy action: a member's recovery points reach the central vault",
    ),
    Entry(
        "member-forwards-snapshot-events",
        "member-event-forwarder",
        ("events:PutEvents",),
        "dr-snapshot-bus",
        "required",
        "dr",
        f"{EVENTS_CROSS_ACCOUNT}; {ORG_PATHS}",
        "a member's forwarding role puts its snapshot events on the backup account's bus",
        {"events:source": "aws.rds"},
    ),
    Entry(
        "member-restore-role-reads-its-replica-versions",
        "member-restore-role",
        ("s3:GetObjectVersion", "s3:GetObjectVersionTagging"),
        "dr-member-replica-objects",
        "required",
        "dr",
        f"{CROSS}; {ORG_PATHS}",
        "`restore s3` into a member's rebuilt buckets copies as that member's deploy role",
        TLS,
    ),
    Entry(
        "member-restore-role-decrypts-replicas",
        "member-restore-role",
        ("kms:Decrypt",),
        "dr-backup-key",
        "required",
        "dr",
        f"{CROSS}; {ORG_PATHS}",
        "the replica versions it copies are SSE-KMS under the backup key, read through S3",
        VIA_S3,
    ),
    Entry(
        "github-workflow-reaches-dr-ci-entry-role",
        "github-workflow-dr",
        ("sts:AssumeRoleWithWebIdentity",),
        "dr-ci-entry-role",
        "required",
        "dr",
        f"{GITHUB_OIDC}; {RCP_EFFECTS}",
        "the perimeter RCP must not lock CI out: this repository's deploy workflow still gets its entry role",
    ),
    Entry(
        "outside-org-roles-of-the-same-names-cannot-write-replicas",
        "outside-org-same-role-names",
        REPLICATE,
        "dr-member-replica-objects",
        "forbidden",
        "dr",
        f"{CROSS}; {RCP_EFFECTS}",
        "an account outside the organization whose admin creates roles with failsafe's names gets nothing",
        TLS,
    ),
    Entry(
        "outside-org-roles-of-the-same-names-cannot-use-replica-key",
        "outside-org-same-role-names",
        REPLICA_KEY_USE,
        "dr-backup-key",
        "forbidden",
        "dr",
        f"{ORG_PATHS}; {RCP_EFFECTS}",
        "the name pattern alone admits nobody: the organization condition must hold too",
        VIA_S3,
    ),
    Entry(
        "outside-org-cannot-copy-into-the-vault",
        "outside-org-same-role-names",
        ("backup:CopyIntoBackupVault",),
        "dr-vault",
        "forbidden",
        "dr",
        f"{BACKUP_CROSS_ACCOUNT}; {ORG_PATHS}",
        "only accounts of the protected OUs copy into the central vault",
    ),
    Entry(
        "outside-org-cannot-put-snapshot-events",
        "outside-org-same-role-names",
        ("events:PutEvents",),
        "dr-snapshot-bus",
        "forbidden",
        "dr",
        f"{EVENTS_CROSS_ACCOUNT}; {ORG_PATHS}",
        "a stranger cannot make the copier run on its events",
        {"events:source": "aws.rds"},
    ),
    Entry(
        "other-ou-roles-of-the-same-names-cannot-use-replica-key",
        "other-ou-same-role-names",
        REPLICA_KEY_USE,
        "dr-backup-key",
        "forbidden",
        "dr",
        ORG_PATHS,
        "an account of the organization outside the protected OUs (or moved out of one: offboarding) is not admitted",
        VIA_S3,
    ),
    Entry(
        "other-ou-cannot-copy-into-the-vault",
        "other-ou-same-role-names",
        ("backup:CopyIntoBackupVault",),
        "dr-vault",
        "forbidden",
        "dr",
        f"{BACKUP_CROSS_ACCOUNT}; {ORG_PATHS}",
        "the OU condition, not the organization alone, admits copies",
    ),
    Entry(
        "other-ou-cannot-put-snapshot-events",
        "other-ou-same-role-names",
        ("events:PutEvents",),
        "dr-snapshot-bus",
        "forbidden",
        "dr",
        f"{EVENTS_CROSS_ACCOUNT}; {ORG_PATHS}",
        "the OU condition, not the organization alone, admits events",
        {"events:source": "aws.rds"},
    ),
    Entry(
        "other-ou-roles-of-the-same-names-cannot-write-replicas",
        "other-ou-same-role-names",
        REPLICATE,
        "dr-member-replica-objects",
        "forbidden",
        "dr",
        f"{CROSS}; {ORG_PATHS}",
        "a member moved out of its protected OU stops writing its replicas (what it wrote stays, locked)",
        TLS,
    ),
    Entry(
        "outsider-cannot-read-through-a-planted-open-bucket-policy",
        "outside-org-anyone",
        ("s3:GetObject", "s3:GetObjectVersion"),
        "dr-replica-objects-with-planted-open-policy",
        "forbidden",
        "dr",
        RCP_EFFECTS,
        "a bucket policy widened to everyone by mistake still keeps the replicas in the organization: the RCP stops it",
        TLS,
    ),
    Entry(
        "other-repository-workflow-cannot-reach-dr-ci-entry-role",
        "github-workflow-other-repository",
        ("sts:AssumeRoleWithWebIdentity",),
        "dr-ci-entry-role",
        "forbidden",
        "dr",
        GITHUB_OIDC,
        "GitHub's issuer is shared by every repository: another repository's token is refused",
    ),
)
CATALOGUE = CATALOGUE + FLEET_CATALOGUE

# The logically air-gapped vault (issue 25): entries whose subjects and targets exist only with airGappedVault (they
# resolve to nothing without it, as the archive role's do without ciAccess).
AIR_GAP: tuple[Entry, ...] = (
    Entry(
        "prod-backup-copies-into-air-gapped-vault",
        "prod-backup-role-by-name",
        ("backup:CopyIntoBackupVault",),
        "dr-air-gapped-vault",
        "required",
        "dr",
        f"{LAG_COPY}; {CROSS}",
        "prod's backup plan copies every recovery point into the air-gapped vault as its Backup service role",
    ),
    Entry(
        "recovery-operator-reads-air-gapped-vault",
        "recovery-operator",
        ("backup:DescribeBackupVault", "backup:ListRecoveryPointsByBackupVault"),
        "dr-air-gapped-vault",
        "required",
        "dr",
        f"{LAG_SHARE}; {CROSS}",
        "the recovery account finds the shared vault's recovery points (the RAM share is the resource side)",
        WITH_MFA,
    ),
    Entry(
        "recovery-operator-starts-restores-from-air-gapped-vault",
        "recovery-operator",
        ("backup:GetRecoveryPointRestoreMetadata", "backup:DescribeRecoveryPoint", "backup:StartRestoreJob"),
        "dr-air-gapped-recovery-points",
        "required",
        "dr",
        f"{LAG_SHARE}; {BACKUP_RESTORE}; {CROSS}",
        "the point of the share: a person of the recovery account, with MFA, restores without the backup account",
        WITH_MFA,
    ),
    Entry(
        "recovery-operator-passes-recovery-restore-role-to-backup",
        "recovery-operator",
        ("iam:PassRole",),
        "recovery-restore-role",
        "required",
        "dr",
        f"{BACKUP_RESTORE}; {PASS_ROLE}",
        "StartRestoreJob from the recovery account names the recovery account's own Backup restore role",
        {**WITH_MFA, "iam:PassedToService": "backup.amazonaws.com"},
    ),
    Entry(
        "recovery-people-with-mfa-assume-recovery-operator",
        "recovery-account-person",
        ("sts:AssumeRole",),
        "recovery-operator-role",
        "required",
        "dr",
        TRUST_MFA,
        "people of the recovery account itself (not the identity or backup account, which may be lost) restore",
        WITH_MFA,
    ),
    Entry(
        "prod-cannot-delete-air-gapped-recovery-points",
        "prod-principals-compromised",
        RECOVERY_POINT_DESTRUCTION,
        "dr-air-gapped-recovery-points",
        "forbidden",
        "dr",
        f"{LAG_LOCK}; {CROSS}",
        "nobody in prod can delete or shorten the copies it sent to the air-gapped vault",
    ),
    Entry(
        "prod-cannot-restore-from-air-gapped-vault",
        "prod-principals-compromised",
        ("backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata"),
        "dr-air-gapped-recovery-points",
        "forbidden",
        "dr",
        f"{LAG_SHARE}; {CROSS}",
        "the vault is shared with the recovery account only: a compromised prod cannot read the copies back out",
    ),
    Entry(
        "dr-deploy-cannot-delete-air-gapped-recovery-points",
        "dr-deploy-session",
        RECOVERY_POINT_DESTRUCTION,
        "dr-air-gapped-recovery-points",
        "forbidden",
        "dr",
        f"{LAG_LOCK}; {EVAL}",
        "stolen backup-account credentials (its deploy session is an admin) cannot delete the air-gapped copies",
    ),
    Entry(
        "break-glass-cannot-delete-air-gapped-recovery-points",
        "dr-break-glass",
        RECOVERY_POINT_DESTRUCTION,
        "dr-air-gapped-recovery-points",
        "forbidden",
        "dr",
        f"{LAG_LOCK}; {EVAL}",
        "not even break-glass with MFA: the compliance lock has no exemption, and the vault policy grants none",
        WITH_MFA,
    ),
    Entry(
        "recovery-operator-cannot-delete-air-gapped-recovery-points",
        "recovery-operator",
        RECOVERY_POINT_DESTRUCTION,
        "dr-air-gapped-recovery-points",
        "forbidden",
        "dr",
        f"{LAG_LOCK}; {LAG_SHARE}",
        "the share is read-and-restore: the recovery account deletes nothing it restores from",
        WITH_MFA,
    ),
    Entry(
        "recovery-operator-cannot-pass-recovery-restore-role-elsewhere",
        "recovery-operator",
        ("iam:PassRole",),
        "recovery-restore-role",
        "forbidden",
        "dr",
        PASS_ROLE,
        "the recovery restore role's permissions go to AWS Backup only",
        {**WITH_MFA, "iam:PassedToService": "ec2.amazonaws.com"},
    ),
    Entry(
        "recovery-people-without-mfa-cannot-assume-recovery-operator",
        "recovery-account-person",
        ("sts:AssumeRole",),
        "recovery-operator-role",
        "forbidden",
        "dr",
        f"{TRUST_MFA}; {MFA_KEY}",
        "access keys and sessions without MFA in the recovery account are refused",
        TLS,
    ),
)
CATALOGUE = CATALOGUE + AIR_GAP


def markdown() -> str:
    """The catalogue as the Markdown table docs/access-proofs.md embeds (a test keeps the two in step)."""
    rows = ["| id | expect | check | who | actions | on | why |", "|---|---|---|---|---|---|---|"]
    for e in CATALOGUE:
        actions = ", ".join(f"`{a}`" for a in e.actions)
        context = ", ".join(f"{k}={v}" for k, v in e.context.items() if k != "aws:SecureTransport")
        who = f"`{e.who}`" + (f" ({context})" if context else "")
        rows.append(f"| `{e.id}` | {e.expect} | {e.stack} | {who} | {actions} | `{e.on}` | {e.why} |")
    return "\n".join(rows)
