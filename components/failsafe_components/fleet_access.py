"""How the backup account admits a fleet's members (issue 24), apart from BackupAccount so that component stays one
job: the organization conditions of the shared key and vault policies, and the bucket policy of each member's replica.

Every shared statement admits the protected OUs by ``aws:PrincipalOrgPaths`` and the members' roles by a name
pattern on ``aws:PrincipalArn``, so no document dr shares between members grows with their number (IAM User Guide,
"AWS global condition context keys": aws:PrincipalOrgPaths is multivalued, matched with ForAnyValue:StringLike; for a
role session aws:PrincipalArn is the role's ARN). Each member replica's own policy names that member's roles by ARN,
AND requires the member to be in a protected OU: moving its account out of the OU (offboarding) stops its writes,
while what it wrote stays, versioned and locked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from failsafe_components import iam


@dataclass(frozen=True)
class MemberReplica:
    """A replica bucket dr keeps for one protected bucket of a fleet member (issue 24): its own bucket policy names the
    member's replication role and restore role by ARN, so adding a member never changes another member's policy."""

    bucket_name: str
    account_id: str
    replication_role_arn: str
    restore_role_arn: str  # the member's deploy role: the --to-profile of `failsafe-dr restore s3`


@dataclass(frozen=True)
class FleetAccess:
    """How dr's shared policies admit a fleet's members: by organization condition, never by listing accounts, so the
    key, vault and bus policies are the same size for 1 or 1,000 members (IAM User Guide, AWS global condition context
    keys: aws:PrincipalOrgPaths, a multivalued key matched with ForAnyValue:StringLike; aws:PrincipalArn, the role's
    ARN for a role session)."""

    org_paths: tuple[str, ...]  # aws:PrincipalOrgPaths patterns of the protected OUs (o-.../r-.../ou-.../*)
    replication_role_pattern: str  # arn:aws:iam::*:role/<replicationRoleName>-*: every member's replication roles
    restore_role_pattern: str  # arn:aws:iam::*:role/<deployRoleName>: every member's deploy role (restore s3)
    replica_arn_pattern: str  # arn:aws:s3:::<bucketNamePrefix>-*-replica-<drRegion>: the restore operator reads them
    replicas: dict[str, MemberReplica] = field(default_factory=dict)  # "<member>/<bucket>" -> its replica

    def org_condition(self) -> dict[str, dict[str, list[str]]]:
        return {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": list(self.org_paths)}}


def restore_operator_reads(arn: str, backup_root: str, operator_arn: str) -> dict[str, object]:
    """The restore operator's reads of one replica bucket (restore s3 lists versions and copies them as of a time),
    the same grant on prod's replicas and on every member's: the bucket policies' denies never name these actions,
    since a restore deletes nothing here."""
    return iam.statement(
        "RestoreOperatorReadsVersions",
        ["s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:ListBucketVersions"],
        [arn, f"{arn}/*"],
        principal={"AWS": backup_root},
        condition={"ArnEquals": {"aws:PrincipalArn": operator_arn}},
    )


def member_replica_statements(
    replica: MemberReplica, arn: str, operator_arn: str, fleet: FleetAccess | None
) -> list[dict[str, object]]:
    """The grants of one member replica's bucket policy (the locks are BackupAccount's, as for every replica)."""
    member_root = f"arn:aws:iam::{replica.account_id}:root"
    backup_root = operator_arn.split(":role/", 1)[0] + ":root"
    org = fleet.org_condition() if fleet else {}
    return [
        iam.statement(
            "MemberReplicationRoleWritesReplicas",
            ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
            f"{arn}/*",
            principal={"AWS": member_root},
            condition={"ArnEquals": {"aws:PrincipalArn": replica.replication_role_arn}, **org},
        ),
        restore_operator_reads(arn, backup_root, operator_arn),
        iam.statement(
            "MemberRestoreRoleReadsVersions",
            ["s3:GetObjectVersion", "s3:GetObjectVersionTagging"],
            f"{arn}/*",
            principal={"AWS": member_root},
            condition={"ArnEquals": {"aws:PrincipalArn": replica.restore_role_arn}, **org},
        ),
        iam.statement(
            "MemberReplicationRoleReadsVersioning",
            ["s3:GetBucketVersioning", "s3:ListBucket"],
            arn,
            principal={"AWS": member_root},
            condition={"ArnEquals": {"aws:PrincipalArn": replica.replication_role_arn}, **org},
        ),
    ]


def fleet_key_statements(fleet: FleetAccess | None) -> list[dict[str, object]]:
    """The backup key's grants to a fleet's members, by organization condition and role-name pattern (one statement
    each, whatever the number of members): their replication roles encrypt replicas through S3 (with S3 Bucket Keys
    kms:Decrypt too: S3 User Guide, replicating objects encrypted with SSE-KMS), their deploy roles decrypt replica
    versions through S3 to restore."""
    if fleet is None:
        return []
    via_s3 = {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}
    return [
        iam.statement(
            "MemberReplicationRolesUseReplicaKey",
            ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
            "*",
            principal={"AWS": "*"},
            condition={
                **fleet.org_condition(),
                "ArnLike": {"aws:PrincipalArn": fleet.replication_role_pattern},
                **via_s3,
            },
        ),
        iam.statement(
            "MemberRestoreRolesDecryptReplicas",
            "kms:Decrypt",
            "*",
            principal={"AWS": "*"},
            condition={**fleet.org_condition(), "ArnLike": {"aws:PrincipalArn": fleet.restore_role_pattern}, **via_s3},
        ),
    ]
