"""Values and limits that the components and their callers share: pure Python (no pulumi import), so the
program's config validation, the components' own argument checks and the operator tools apply the very same rules.
Each limit is written here once; a component validates with it, and config names its key when it is broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")

# S3 storage classes a replica may be written in (S3 API Reference, Destination.StorageClass, less the
# ones replication refuses: OUTPOSTS, and REDUCED_REDUNDANCY is deprecated).
STORAGE_CLASSES = (
    "STANDARD",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
)


class Range(NamedTuple):
    """An inclusive whole-number range, with the reason where AWS sets it."""

    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


# Each limit once. Components check their args against these; config checks the key that feeds the arg against the
# same constant, so a config error names the key (``previewMemoryMb``) and a component error names the arg.
RETENTION_DAYS = Range(1, 36500)  # object lock, snapshot copies: S3 and AWS Backup accept up to 100 years
ABORT_UPLOAD_DAYS = Range(1, 365)
LAMBDA_MEMORY_MB = Range(128, 10240)  # Lambda's memory range
LAMBDA_TIMEOUT_SECONDS = Range(1, 900)  # Lambda's 15-minute maximum
# A preview's cost ceiling; 0 = no reservation. Lambda keeps 10 unreserved executions per account, so on an account
# whose concurrency quota is still the new-account 10, any reservation is refused (Lambda Developer Guide,
# "Configuring reserved concurrency"): reservation is opt-in.
PREVIEW_CONCURRENCY = Range(0, 100)
PR_NUMBER = Range(1, 10**9)
MFA_MAX_AGE_SECONDS = Range(900, 43200)
ROLE_SESSION_SECONDS = Range(3600, 43200)  # IAM's MaxSessionDuration range
HEALTH_CHECK_PORT = Range(1, 65535)
HEALTH_CHECK_THRESHOLD = Range(1, 10)  # Route 53 FailureThreshold
FAILOVER_TTL_SECONDS = Range(0, 60)  # failover answers must be short-lived for clients to follow
# S3 general purpose bucket names (S3 User Guide, "General purpose bucket naming rules"; not in botocore's model).
S3_BUCKET_NAME_LENGTH = Range(3, 63)
S3_BUCKET_NAME_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_BUCKET_NAME_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


@dataclass(frozen=True)
class DnsTarget:
    """Where a failover record points: an alias (zone ID + DNS name), a CNAME, or A records."""

    kind: str  # "alias" | "cname" | "ip"
    value: str  # DNS name, host name, or comma-joined addresses
    zone_id: str | None = None

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(self.value.split(",")) if self.kind == "ip" else ()


# --- AWS Backup in prod (failsafe_components.prod_backup) -----------------------------------------------------------
# Resource types a tag-based selection may cover, as ARN patterns (AWS Backup Developer Guide, "Assigning resources
# to a backup plan": Resources and Conditions are ANDed). S3 is opt-in: it needs versioning and costs per object.
BACKUP_RESOURCE_PATTERNS = {
    "RDS": ("arn:aws:rds:*:*:db:*", "arn:aws:rds:*:*:cluster:*"),
    "DynamoDB": ("arn:aws:dynamodb:*:*:table/*",),
    "EBS": ("arn:aws:ec2:*:*:volume/*",),
    "EFS": ("arn:aws:elasticfilesystem:*:*:file-system/*",),
    "S3": ("arn:aws:s3:::*",),
}
BACKUP_INTERVAL_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)  # divisors of a day: the cron runs at fixed hours
BACKUP_START_WINDOW_MINUTES = 60  # AWS Backup's minimum start window
BACKUP_COMPLETION_MINUTES = Range(120, 10080)  # at least start window + 60 (AWS Backup), at most a week here
BACKUP_TAG_KEY = "failsafe:backup"
BACKUP_TAG_VALUE = "true"


def backup_worst_case_minutes(
    interval_hours: int, completion_minutes: int, start_window_minutes: int = BACKUP_START_WINDOW_MINUTES
) -> int:
    """Oldest a Backup recovery point can be before the next one exists: a full interval, the start window the next
    job may wait before it starts, and the completion window it may then use (AWS Backup API Reference, BackupRule:
    StartWindowMinutes counts from the scheduled time, CompletionWindowMinutes from the job's start). The recovery
    model derives the same sum from the plan (failsafe/tooling/recovery/stores/backups.py)."""
    return interval_hours * 60 + start_window_minutes + completion_minutes


# AWS Backup restore testing (issue 17): the protected resource types it restores (AWS Backup Developer Guide,
# "Restore testing") and the EventBridge schedule forms its plans take.
RESTORE_TEST_RESOURCE_TYPES = ("Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3")
SCHEDULE_EXPRESSION = re.compile(r"(cron|rate)\(.+\)")

# --- the logically air-gapped vault (failsafe_components.air_gapped_vault; issue 25) ----------------------------------
# AWS Backup Developer Guide, "Logically air-gapped vault" -> "Create a logically air-gapped vault": "The minimum value
# allowed is 7 days"; backups whose retention is shorter than the vault's minimum or longer than its maximum "cannot be
# copied to this vault". No documented ceiling: the 100-year ceiling of every other retention here.
AIR_GAPPED_RETENTION_DAYS = Range(7, 36500)
# AWS Backup Developer Guide, "AWS Backup quotas" -> Policy quotas: "Copy actions per backup rule | 5 | No".
BACKUP_COPY_ACTIONS_PER_RULE = 5
# A backup plan whose resources must survive the backup account as well carries this tag; `check` warns when such a
# plan has no copy into an air-gapped vault (failsafe/tooling/air_gap_check.py).
CRITICAL_TAG_KEY = "failsafe:critical"
CRITICAL_TAG_VALUE = "true"


def air_gapped_vault_name(name_prefix: str) -> str:
    """The air-gapped vault's name: deterministic, so prod, an organization backup policy and the operator tools address
    it without reading dr's state (backup vault names: 2-50 letters, digits, hyphens and underscores)."""
    return f"{name_prefix}-air-gapped"


def air_gapped_vault_arn(name_prefix: str, account_id: str, region: str) -> str:
    """A logically air-gapped vault's ARN has every backup vault's form, ``arn:aws:backup:<region>:<account>:
    backup-vault:<name>`` (AWS Backup Developer Guide, "Logically air-gapped vault", DescribeBackupVault example)."""
    return f"arn:aws:backup:{region}:{account_id}:backup-vault:{air_gapped_vault_name(name_prefix)}"


def recovery_operator_role_name(name_prefix: str) -> str:
    """The recovery account's role for people who restore from the shared air-gapped vault."""
    return f"{name_prefix}-recovery-operator"


def recovery_restore_role_name(name_prefix: str) -> str:
    """The recovery account's role AWS Backup restores as (StartRestoreJob's IamRoleArn)."""
    return f"{name_prefix}-recovery-restore"
