"""The sections of a stack's config other than DNS (failsafe.settings.dns) and the policy exemptions
(failsafe.settings.exemptions): accounts, buckets, replication and lifecycle, locks, human access, AWS Backup,
previews, restore testing. Each function reads its keys through :class:`~failsafe.settings.values.Raw` and returns
a piece of the model, or refuses one key with a :class:`~failsafe.settings.errors.ConfigError`.
"""

from __future__ import annotations

import re

from failsafe.settings.errors import PREVIEW_STACK, ConfigError
from failsafe.settings.model import (
    COPIER_SCHEDULE_MINUTES,
    HUMAN_ROLES_RESOURCES,
    Accounts,
    AdoptedBucket,
    Backup,
    Lifecycle,
    Preview,
    Replication,
    RestoreTest,
    Role,
    VaultLock,
)
from failsafe.settings.values import ROLE_NAME, Raw, account, sns_subscription
from failsafe_components import spec
from failsafe_components.spec import STORAGE_CLASSES

LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
SAML_PROVIDER = re.compile(r"arn:aws:iam::(\d{12}):saml-provider/[\w+=,.@-]{1,128}")
S3_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def accounts(raw: Raw) -> Accounts:
    prod = account(raw, "prodAccountId")
    backup = account(raw, "backupAccountId")
    # Optional parts (issue "any team's estate"): no identity account when people come only through SAML (checked
    # with humanAccessFederation), no preview account when the estate runs no pull-request previews.
    identity = account(raw, "identityAccountId") if raw.opt_str("identityAccountId") else ""
    preview = account(raw, "previewAccountId") if raw.opt_str("previewAccountId") else ""
    dns = account(raw, "dnsAccountId") if raw.opt_str("dnsAccountId") else prod
    found = Accounts(prod=prod, backup=backup, identity=identity, preview=preview, dns=dns)
    by_key = {
        "prodAccountId": prod,
        "backupAccountId": backup,
        "identityAccountId": identity,
        "previewAccountId": preview,
        "dnsAccountId": dns,
    }
    for key, other, reason in ACCOUNTS_THAT_DIFFER:
        if not raw.opt_str(key) or (other != "prodAccountId" and not raw.opt_str(other)):
            continue  # a part the estate lacks (dnsAccountId empty: prod holds the zone)
        if by_key[key] == by_key[other]:
            raise ConfigError(key, by_key[key], f"an account other than {other}: {reason}")
    return found


# Pairs of accounts that must differ (the first key is the one an error names), each with the reason.
ACCOUNTS_THAT_DIFFER: tuple[tuple[str, str, str], ...] = (
    ("backupAccountId", "prodAccountId", "a backup in the account it protects is lost with it"),
    ("backupAccountId", "previewAccountId", "pull-request code runs in the preview account"),
    ("backupAccountId", "identityAccountId", "the backup account's human roles must be assumed from outside it"),
    ("backupAccountId", "dnsAccountId", "prod's deploy role reaches the DNS account"),
    ("identityAccountId", "prodAccountId", "whoever controls prod must not also hold the keys to the backup account"),
    ("identityAccountId", "previewAccountId", "pull-request code runs in the preview account"),
    ("dnsAccountId", "previewAccountId", "pull-request code runs in the preview account and must not reach the zone"),
)


def replication(raw: Raw) -> Replication:
    role_name = raw.str("replicationRoleName")
    if not ROLE_NAME.match(role_name):
        raise ConfigError("replicationRoleName", role_name, "an IAM role name (1-64 of letters, digits, +=,.@_-)")
    time_control = raw.bool("replicationTimeControl")
    metrics = raw.bool("replicationMetrics")
    if time_control and not metrics:
        raise ConfigError(
            "replicationMetrics", False, "true when replicationTimeControl is true (S3 requires metrics with RTC)"
        )
    return Replication(
        role_name=role_name,
        storage_class=raw.choice("replicationStorageClass", STORAGE_CLASSES),
        time_control=time_control,
        metrics=metrics,
    )


def lifecycle(raw: Raw) -> Lifecycle:
    transition = raw.int("noncurrentTransitionDays", 30, 36500, " (S3 moves noncurrent versions to IA after 30+ days)")
    expiration = raw.int("noncurrentExpirationDays", 1, 36500)
    if expiration <= transition:
        raise ConfigError(
            "noncurrentExpirationDays",
            expiration,
            f"more days than noncurrentTransitionDays ({transition}), or versions expire before they transition",
        )
    return Lifecycle(transition, expiration, raw.int("abortIncompleteUploadDays", *spec.ABORT_UPLOAD_DAYS))


def vault_lock(raw: Raw) -> VaultLock:
    low = raw.int("vaultMinRetentionDays", 1, 36500)
    high = raw.int("vaultMaxRetentionDays", 1, 36500)
    if high < low:
        raise ConfigError("vaultMaxRetentionDays", high, f"at least vaultMinRetentionDays ({low})")
    changeable = raw.int(
        "vaultLockChangeableForDays", 0, 36500, " (0 = governance mode; 3 or more = compliance after that many days)"
    )
    if changeable in (1, 2):
        raise ConfigError("vaultLockChangeableForDays", changeable, "0 (governance) or at least 3 (AWS's minimum)")
    return VaultLock(low, high, changeable or None)


def parameter_path(raw: Raw) -> str:
    path = raw.str("copyParameterPath")
    if not re.fullmatch(r"/([\w.-]+/)+", path):
        raise ConfigError("copyParameterPath", path, "an SSM path that starts and ends with '/', e.g. /app/")
    return path


def secret_prefix(raw: Raw) -> str:
    prefix = raw.str("copySecretPrefix")
    if not re.fullmatch(r"[\w/+=.@-]+", prefix) or prefix.startswith("/"):
        raise ConfigError("copySecretPrefix", prefix, "a Secrets Manager name prefix such as app/")
    return prefix


ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")


def backup(raw: Raw, role: Role, rpo_minutes: int) -> Backup:
    types = raw.str_list("backupResourceTypes")
    known = tuple(spec.BACKUP_RESOURCE_PATTERNS)
    if not types or any(t not in known for t in types) or len(set(types)) != len(types):
        raise raw.refuse("backupResourceTypes", f"a list of distinct types from {', '.join(known)}")
    interval = raw.int("backupIntervalHours", 1, 24)
    if interval not in spec.BACKUP_INTERVAL_HOURS:
        raise ConfigError("backupIntervalHours", interval, f"one of {', '.join(map(str, spec.BACKUP_INTERVAL_HOURS))}")
    copy = raw.bool("backupCopyToBackupAccount")
    organization = raw.opt_str("backupOrganizationId")
    if organization is not None and not ORGANIZATION_ID.match(organization):
        raise ConfigError("backupOrganizationId", organization, "an AWS Organizations ID such as o-a1b2c3d4e5")
    if role is Role.PROD and copy and organization is None:
        raise ConfigError(
            "backupOrganizationId",
            None,
            "the organization (o-...) with cross-account backup turned on, because backupCopyToBackupAccount is "
            "true: AWS Backup refuses cross-account copies outside AWS Organizations (one-time setup: "
            "docs/data-protection.md)",
        )
    topic = raw.opt_str("alertTopicArn")
    if topic is not None and not re.fullmatch(r"arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w.-]+", topic):
        raise ConfigError("alertTopicArn", topic, "empty, or an SNS topic ARN")
    subscription = sns_subscription("alertSubscription", raw.opt_str("alertSubscription"))
    if role is Role.PROD and topic is None and subscription is None:
        raise ConfigError(
            "alertSubscription",
            None,
            "a subscription such as 'email:oncall@example.com', or alertTopicArn: "
            "replication alarms nobody receives protect nothing",
        )
    found = Backup(
        interval_hours=interval,
        completion_window_minutes=raw.int("backupCompletionWindowMinutes", *spec.BACKUP_COMPLETION_MINUTES),
        retention_days=raw.int("backupRetentionDays", *spec.RETENTION_DAYS),
        copy_retention_days=raw.int("backupCopyRetentionDays", *spec.RETENTION_DAYS),
        resource_types=types,
        copy_to_backup_account=copy,
        organization_id=organization,
        event_forwarding=raw.bool("snapshotEventForwarding"),
        alert_topic_arn=topic,
        alert_subscription=subscription,
    )
    if role is Role.PROD and rpo_minutes < found.worst_case_rpo_minutes:
        raise ConfigError(
            "rpoMinutes",
            rpo_minutes,
            f"at least {found.worst_case_rpo_minutes}, the worst case this configuration allows (backupIntervalHours "
            f"{interval} x 60 + the {spec.BACKUP_START_WINDOW_MINUTES}-minute start window + "
            f"backupCompletionWindowMinutes {found.completion_window_minutes}"
            + ("" if found.event_forwarding else f", or the copier's {COPIER_SCHEDULE_MINUTES}-minute schedule")
            + "); raise rpoMinutes or back up more often",
        )
    return found


def preview(raw: Raw, stack: str) -> Preview:
    match = PREVIEW_STACK.match(stack)
    number_raw = raw.opt_str("prNumber")
    if number_raw is None or number_raw == "0":  # 0: Pulumi.yaml's default, "not a preview"
        raise ConfigError(
            "prNumber",
            None,
            "the pull request number of this preview stack: generate its config with "
            "`python -m failsafe preview-config <pr-number>`",
        )
    number = raw.int("prNumber", *spec.PR_NUMBER)
    if match and int(match.group(1)) != number:
        raise ConfigError("prNumber", number, f"{match.group(1)}, the number in the stack name '{stack}'")
    if not match:
        raise ConfigError("role", "preview", f"role preview only on stacks named pr-<number>, not '{stack}'")
    image_uri = raw.opt_str("previewImageUri")
    if image_uri is not None and not re.fullmatch(r"[\w.-]+(:\d+)?/[\w./-]+@sha256:[0-9a-f]{64}", image_uri):
        raise ConfigError(
            "previewImageUri",
            image_uri,
            "an image pinned by digest (<registry>/<repository>@sha256:<64 hex>), or empty to build app/",
        )
    commit = raw.opt_str("previewCommit") or ""
    if commit and not re.fullmatch(r"[0-9a-f]{7,40}", commit):
        raise ConfigError("previewCommit", commit, "a git commit SHA (7-40 lowercase hex characters)")
    retention = raw.int("previewLogRetentionDays", 1, 3653)
    if retention not in LOG_RETENTION_DAYS:
        values = ", ".join(map(str, LOG_RETENTION_DAYS))
        raise ConfigError("previewLogRetentionDays", retention, f"one of CloudWatch's values {values}")
    return Preview(
        pr_number=number,
        branch=raw.opt_str("previewBranch") or "",
        commit=commit,
        image_uri=image_uri,
        architecture=raw.choice("previewArchitecture", ("arm64", "x86_64")),
        memory_mb=raw.int("previewMemoryMb", *spec.LAMBDA_MEMORY_MB),
        timeout_seconds=raw.int("previewTimeoutSeconds", *spec.LAMBDA_TIMEOUT_SECONDS),
        reserved_concurrency=raw.int("previewReservedConcurrency", *spec.PREVIEW_CONCURRENCY),
        public_url=raw.bool("previewPublicUrl"),
        invoke_mode=raw.choice("previewInvokeMode", ("BUFFERED", "RESPONSE_STREAM")),
        ttl_hours=raw.int("previewTtlHours", 1, 720),
        log_retention_days=retention,
    )


def source_bucket_names(raw: Raw, buckets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``sourceBucketNames``: entries ``<protected bucket>=<physical source bucket name>``, for a rebuilt prod whose
    buckets cannot take the derived names (S3 names are global, and the lost account may still hold them). Replica
    and archive names never depend on them."""
    expected = "entries '<protected bucket>=<S3 bucket name>', e.g. 'assets=example-assets-rebuilt'"
    found: dict[str, str] = {}
    for entry in raw.str_list("sourceBucketNames"):
        bucket, sep, name = (part.strip() for part in entry.partition("="))
        if not sep or not name or not S3_BUCKET_NAME.fullmatch(name):
            raise ConfigError("sourceBucketNames", entry, expected)
        if bucket not in buckets:
            raise ConfigError("sourceBucketNames", entry, f"a bucket of protectedBuckets ({', '.join(buckets)})")
        if bucket in found:
            raise ConfigError("sourceBucketNames", entry, "each protected bucket named once")
        found[bucket] = name
    return tuple(sorted(found.items()))


KMS_KEY_ARN = re.compile(r"arn:aws:kms:([a-z0-9-]+):(\d{12}):key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})")


def adopt_buckets(
    raw: Raw,
    buckets: tuple[str, ...],
    source_names: tuple[tuple[str, str], ...],
    prod: str,
    region: str,
    taken: set[str],
) -> tuple[AdoptedBucket, ...]:
    """``adoptBuckets``: entries ``<protected bucket>=<existing bucket name>@<existing KMS key ARN>``. prod imports the
    bucket rather than creating it and keeps its key, which must be in prod's account and region (a bucket's SSE-KMS
    key must be in the bucket's region, and the replication role can only be granted a key of its own account here)."""
    key_form = f"arn:aws:kms:{region}:{prod}:key/<key id>"
    expected = f"entries '<protected bucket>=<existing bucket name>@{key_form}'"
    found: dict[str, AdoptedBucket] = {}
    for entry in raw.str_list("adoptBuckets"):
        bucket, sep, rest = (part.strip() for part in entry.partition("="))
        name, at, key = (part.strip() for part in rest.partition("@"))
        if not sep or not at or not bucket:
            raise ConfigError("adoptBuckets", entry, expected)
        if not name or not S3_BUCKET_NAME.fullmatch(name):
            raise ConfigError("adoptBuckets", entry, f"{expected}; '{name}' is not an S3 bucket name")
        match = KMS_KEY_ARN.fullmatch(key)
        if match is None:
            raise ConfigError("adoptBuckets", entry, f"{expected}; '{key}' is not a KMS key ARN")
        if match.group(1) != region or match.group(2) != prod:
            raise ConfigError(
                "adoptBuckets",
                entry,
                f"a key of the prod account {prod} in primaryRegion {region} ({key_form}): the key is in account "
                f"{match.group(2)}, region {match.group(1)}",
            )
        if bucket not in buckets:
            raise ConfigError("adoptBuckets", entry, f"a bucket of protectedBuckets ({', '.join(buckets)})")
        if bucket in dict(source_names):
            raise ConfigError(
                "adoptBuckets", entry, f"a bucket not also named in sourceBucketNames ('{bucket}' is): keep one"
            )
        if bucket in found:
            raise ConfigError("adoptBuckets", entry, "each protected bucket adopted once")
        if any(a.bucket_name == name for a in found.values()):
            raise ConfigError("adoptBuckets", entry, f"each existing bucket adopted once ('{name}' is named twice)")
        own = f"{raw.str('bucketNamePrefix')}-{bucket}-{region}"  # its derived name: an existing bucket may have it
        if name in taken - {own}:
            raise ConfigError(
                "adoptBuckets",
                entry,
                f"an existing bucket whose name no bucket failsafe creates takes ('{name}' is another source, "
                "replica or archive bucket of this estate)",
            )
        found[bucket] = AdoptedBucket(logical=bucket, bucket_name=name, kms_key_arn=key)
    return tuple(found[b] for b in sorted(found))


def restore_test(raw: Raw) -> RestoreTest:
    schedule = raw.str("restoreTestSchedule", "an EventBridge cron(...) or rate(...) expression")
    if not spec.SCHEDULE_EXPRESSION.fullmatch(schedule):
        raise ConfigError("restoreTestSchedule", schedule, "an EventBridge cron(...) or rate(...) expression")
    resource_type = raw.choice("restoreTestResourceType", spec.RESTORE_TEST_RESOURCE_TYPES)
    return RestoreTest(schedule=schedule, resource_type=resource_type)


def people_come_in(identity_account: str, federation: str) -> None:
    """dr's human roles need a way in: IAM users of the identity account (with MFA), or SAML; Identity Center's roles
    live in the identity account, so it needs one too."""
    if not identity_account and not federation.startswith("saml:"):
        raise ConfigError(
            "identityAccountId",
            "",
            "an account whose IAM users (with MFA) assume the human roles"
            + (", which Identity Center federation also needs" if federation else "")
            + "; or, with no identity account, humanAccessFederation: saml:<SAML provider ARN of the backup account>",
        )


def human_federation(raw: Raw, backup_account: str, exemptions: tuple[tuple[str, str], ...]) -> str:
    """``humanAccessFederation``: "" | "saml:<provider ARN>" | "identity-center".

    SAML: the provider must be in the backup account (AssumeRoleWithSAML trusts a provider of the role's own account).
    Identity Center: the human roles trust the identity account's ``AWSReservedSSO_*`` roles, whose sessions carry no
    aws:MultiFactorAuthPresent, so the pack's ``iam-role-trust-requires-mfa`` flags them; the stack must carry the
    reviewed exemptions for the three roles (the rule itself is unchanged)."""
    value = raw.opt_str("humanAccessFederation") or ""
    expected = "'' (IAM users with MFA), 'saml:arn:aws:iam::<backup account>:saml-provider/<name>' or 'identity-center'"
    if value in ("", "identity-center"):
        needed = [f"iam-role-trust-requires-mfa:{r}" for r in HUMAN_ROLES_RESOURCES]
        missing = [n for n in needed if tuple(n.split(":", 1)) not in exemptions]
        if value and missing:
            raise ConfigError(
                "humanAccessFederation",
                value,
                f"policyExemptions listing {', '.join(missing)} (Identity Center sessions carry no "
                "aws:MultiFactorAuthPresent; MFA is enforced by Identity Center: review, then add them)",
            )
        return value
    match = SAML_PROVIDER.fullmatch(value.removeprefix("saml:")) if value.startswith("saml:") else None
    if match is None:
        raise ConfigError("humanAccessFederation", value, expected)
    if match.group(1) != backup_account:
        raise ConfigError(
            "humanAccessFederation",
            value,
            f"a SAML provider of the backup account {backup_account} (the human roles live there, and a role trusts "
            "SAML providers of its own account only)",
        )
    return value
