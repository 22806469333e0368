"""The vocabulary of the access-proof catalogue (:mod:`failsafe.tooling.access.catalogue`): an entry's shape, the
AWS documentation each expectation rests on, and the action sets and request contexts entries share; apart so the
estate's entries and the fleet's (:mod:`failsafe.tooling.access.fleet_catalogue`) read the same terms."""

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
