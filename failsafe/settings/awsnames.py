"""Every physical name failsafe derives from config, checked against the limit and pattern AWS enforces, before any
resource exists.

Limits come from botocore's service models (the same JSON the AWS SDKs are generated from), not hand-copied: IAM
``roleNameType`` and ``policyNameType``, KMS ``AliasNameType``, Backup ``BackupVaultName``, CloudWatch ``AlarmName``,
EventBridge ``RuleName``, CloudWatch Logs ``LogGroupName``, ECR ``RepositoryName``. Where a model states the rule only
in its documentation (SNS ``CreateTopic.Name``, SQS ``CreateQueue.QueueName``, Lambda ``CreateFunction.FunctionName``:
64 characters for a plain name) the rule is written here with that source; S3 bucket names are not in the model at
all and follow the S3 User Guide, "General purpose bucket naming rules".

A name that breaks a rule is a :class:`~failsafe.settings.errors.ConfigError` on the config key that feeds it (the
first of :attr:`DerivedName.keys`), naming the derived name and the other keys it is built from. The list must match
what the components create: tests/settings/test_aws_names.py compares it with the real stacks' plans.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache

from failsafe.settings.errors import ConfigError, Shown
from failsafe.settings.model import Role, StackConfig
from failsafe_components import spec


@dataclass(frozen=True)
class NameRule:
    kind: str
    low: int
    high: int
    pattern: str | None
    source: str

    def problem(self, name: str) -> str | None:
        if not self.low <= len(name) <= self.high:
            return f"{len(name)} characters, AWS allows {self.low}-{self.high} ({self.source})"
        if self.pattern is not None and not re.fullmatch(self.pattern, name):
            return f"characters outside {self.pattern} ({self.source})"
        return None


def _model_rule(kind: str, service: str, shape: str, low: int = 1, high: int | None = None) -> NameRule:
    import botocore.session

    metadata = botocore.session.get_session().get_service_model(service).shape_for(shape).metadata
    pattern = metadata.get("pattern")
    if pattern is not None:
        pattern = pattern.removeprefix("^").removesuffix("$")
        bounds = re.search(r"\{(\d+),(\d+)\}$", pattern)
        if bounds and "min" not in metadata:  # BackupVaultName states its length in the pattern
            low, high = int(bounds.group(1)), int(bounds.group(2))
    return NameRule(
        kind,
        int(metadata.get("min", low)),
        int(high if high is not None else metadata.get("max", 10**6)),
        pattern,
        f"botocore {service} {shape}",
    )


@cache
def rules() -> dict[str, NameRule]:
    return {
        "iam-role": _model_rule("IAM role name", "iam", "roleNameType"),
        "iam-policy": _model_rule("IAM policy name", "iam", "policyNameType"),
        "kms-alias": _model_rule("KMS alias name", "kms", "AliasNameType"),
        "backup-vault": _model_rule("Backup vault name", "backup", "BackupVaultName"),
        "alarm": _model_rule("CloudWatch alarm name", "cloudwatch", "AlarmName"),
        "events-rule": _model_rule("EventBridge rule name", "events", "RuleName"),
        "log-group": _model_rule("log group name", "logs", "LogGroupName"),
        "ecr-repository": _model_rule("ECR repository name", "ecr", "RepositoryName"),
        # documented in the models' docs, not their shapes
        "lambda-function": NameRule(
            "Lambda function name",
            1,
            64,
            r"[a-zA-Z0-9_-]+",
            "botocore lambda CreateFunction.FunctionName docs: a plain name is limited to 64 characters",
        ),
        "sns-topic": NameRule(
            "SNS topic name", 1, 256, r"[A-Za-z0-9_-]+", "botocore sns CreateTopic.Name docs: 1-256 of A-Za-z0-9_-"
        ),
        "sqs-queue": NameRule(
            "SQS queue name",
            1,
            80,
            r"[A-Za-z0-9_-]+",
            "botocore sqs CreateQueue.QueueName docs: up to 80 of A-Za-z0-9_-",
        ),
    }


S3_RULES = "S3 User Guide, 'General purpose bucket naming rules'"


def s3_bucket_problem(name: str) -> str | None:
    """S3's documented rules for general purpose bucket names (not in botocore's model)."""
    low, high = spec.S3_BUCKET_NAME_LENGTH
    if len(name) not in spec.S3_BUCKET_NAME_LENGTH:
        return f"{len(name)} characters, S3 allows {low}-{high} ({S3_RULES})"
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name):
        return f"only lowercase letters, digits, '.' and '-', starting and ending with a letter or digit ({S3_RULES})"
    if ".." in name:
        return f"two adjacent periods ({S3_RULES})"
    try:
        ipaddress.IPv4Address(name)
        return f"formatted as an IP address ({S3_RULES})"
    except ValueError:
        pass
    for prefix in spec.S3_BUCKET_NAME_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"the reserved prefix '{prefix}' ({S3_RULES})"
    for suffix in spec.S3_BUCKET_NAME_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"the reserved suffix '{suffix}' ({S3_RULES})"
    return None


@dataclass(frozen=True)
class DerivedName:
    kind: str  # "s3-bucket" or a key of rules()
    name: str
    keys: tuple[str, ...]  # the config keys it is built from; the first is the one an error names

    def problem(self) -> str | None:
        if self.kind == "s3-bucket":
            return s3_bucket_problem(self.name)
        return rules()[self.kind].problem(self.name)

    @property
    def kind_text(self) -> str:
        return "S3 bucket name" if self.kind == "s3-bucket" else rules()[self.kind].kind


def _source_keys(cfg: StackConfig, bucket: str) -> tuple[str, ...]:
    """The keys prod's bucket name comes from: an adopted bucket's name is written in adoptBuckets, a rebuild's in
    sourceBucketNames; only a derived name is built from bucketNamePrefix."""
    if cfg.adoption(bucket) is not None:
        return ("adoptBuckets",)
    if bucket in dict(cfg.source_bucket_names):
        return ("sourceBucketNames",)
    return ("bucketNamePrefix", "protectedBuckets", "primaryRegion")


CAPTURE_READ_POLICIES_MAX = 9  # IAM's default 10 managed policies per role, one taken by ViewOnlyAccess


def derived_names(cfg: StackConfig) -> list[DerivedName]:
    """The physical names of the estate this config describes: what prod, dr and this stack's preview create, and the
    names one stack addresses in another (dr trusts prod's replication roles by name)."""
    np = cfg.name_prefix
    P, B = ("namePrefix",), ("bucketNamePrefix",)
    names: list[DerivedName] = []

    def add(kind: str, name: str, keys: tuple[str, ...]) -> None:
        names.append(DerivedName(kind, name, keys))

    for bucket in cfg.protected_buckets:
        add("s3-bucket", cfg.source_bucket_name(bucket), _source_keys(cfg, bucket))
        add("s3-bucket", cfg.replica_bucket_name(bucket), (*B, "protectedBuckets", "drRegion"))
        add("iam-role", cfg.replication_role_name_for(bucket), ("replicationRoleName", "protectedBuckets"))
        add(
            "iam-role", f"{cfg.replication_role_name_for(bucket)}-backfill", ("replicationRoleName", "protectedBuckets")
        )
    add("s3-bucket", cfg.archive_bucket_name, (*B, "drRegion"))
    if cfg.fleet is not None:  # dr: the replica of each member's bucket (failsafe.settings.fleet)
        for replica in cfg.fleet.replica_buckets(cfg.bucket_name_prefix, cfg.dr_region).values():
            add("s3-bucket", replica, ("members", *B, "drRegion"))
    add("iam-role", cfg.deploy_role_name, ("deployRoleName",))
    # dr: the backup account
    for role in (
        "restore-operator",
        "auditor",
        "break-glass",
        "backup-restore",  # the role AWS Backup restores as (StartRestoreJob, restore testing)
        "snapshot-copier",
        "params-copier",
    ):
        add("iam-role", f"{np}-{role}", P)
    # CI (dr, prod, and prod's roles in the preview account): entry, pull-request preview and read-only roles
    for role in (
        "ci-dr",
        "ci-archive",
        "ci-capture",
        "ci-read",
        "ci-dr-preview",
        "ci-prod-preview",
        "ci-preview-preview",
    ):
        add("iam-role", f"{np}-{role}", P)
    add("kms-alias", f"alias/{np}-backup", P)
    add("sns-topic", f"{np}-backup-notices", P)
    add("backup-vault", f"{np}-vault", P)
    add("sqs-queue", f"{np}-recovery-dlq", P)
    add("events-rule", f"{np}-recovery-schedule", P)
    for function in ("copier", "params"):
        add("lambda-function", f"{np}-{function}", P)
        add("log-group", f"/aws/lambda/{np}-{function}", P)
    # prod: its reader role, CI roles (also in the preview account), DNS failover
    for role in ("dr-reader", "prod-auditor", "ci-prod", "ci-preview", "preview-deploy"):
        add("iam-role", f"{np}-{role}", P)
    # the configuration capture's read policies on prod's read role (as many as the generated data file holds)
    for number in range(1, CAPTURE_READ_POLICIES_MAX + 1):
        add("iam-policy", f"{np}-ci-read-capture-{number}", P)
    add("iam-policy", f"{np}-preview-boundary", P)
    if cfg.dns is not None:
        add("iam-policy", f"{np}-dns-switch-operator", P)
        add("sns-topic", f"{np}-dns-failover-alarms", P)
        add("alarm", f"{np}-dns-primary-unhealthy", P)
        add("alarm", cfg.dns.switch.alarm_name, (*P, "dnsRecordName"))
    # prod: AWS Backup, snapshot event forwarding, data-protection alarms (ProdBackup, ReplicatedBucket); dr: the bus
    add("iam-role", f"{np}-backup-service", P)
    add("iam-role", f"{np}-snapshot-events-forward", P)
    add("backup-vault", f"{np}-prod", P)
    add("events-rule", f"{np}-snapshot-events", P)
    add("events-rule", f"{np}-snapshot-copier", P)
    add("sns-topic", f"{np}-data-protection-alarms", P)
    for bucket in cfg.protected_buckets:
        for alarm in ("replication-failed", "replication-latency"):
            add("alarm", f"{cfg.source_bucket_name(bucket)}-{alarm}", _source_keys(cfg, bucket))
    # preview: one pull request
    if cfg.role is Role.PREVIEW and cfg.preview is not None:
        base = f"{np}-pr-{cfg.preview.pr_number}"
        pr_keys = (*P, "prNumber")
        add("lambda-function", base, pr_keys)
        add("log-group", f"/aws/lambda/{base}", pr_keys)
        add("ecr-repository", base, pr_keys)
        add("iam-role", f"{base}-exec", pr_keys)
    return names


def check_derived_names(cfg: StackConfig) -> None:
    """Refuse the first derived name AWS would refuse, naming the config key that feeds it."""
    for derived in derived_names(cfg):
        problem = derived.problem()
        if problem is None:
            continue
        key, others = derived.keys[0], derived.keys[1:]
        built = f" (built from {', '.join(derived.keys)})" if others else ""
        raise ConfigError(
            key,
            _value_of(cfg, key),
            f"a value that makes the {derived.kind_text} '{derived.name}'{built} valid: {problem}",
        )


def _value_of(cfg: StackConfig, key: str) -> Shown:
    """The key's value as the person wrote it (what the loader read), else as the model holds it."""
    if key in cfg.written:
        return cfg.written[key]
    return {
        "namePrefix": cfg.name_prefix,
        "bucketNamePrefix": cfg.bucket_name_prefix,
        "deployRoleName": cfg.deploy_role_name,
        "replicationRoleName": cfg.replication.role_name,
        "protectedBuckets": list(cfg.protected_buckets),
        "dnsRecordName": cfg.dns.record_name if cfg.dns else None,
    }.get(key)


# --- for the DNS section of config (called from failsafe.settings.dns) --------------------------------------------


@cache
def route53_health_check_regions() -> tuple[str, ...]:
    """Regions Route 53 runs health checkers in (botocore route53 ``HealthCheckRegion`` enum): the only values
    ``HealthCheckConfig.Regions`` accepts."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("route53")
    return tuple(model.shape_for("HealthCheckRegion").enum)


def health_check_regions_problem(regions: tuple[str, ...]) -> str | None:
    """Why Route 53 would refuse ``regions`` as health-checker regions, or None."""
    offered = route53_health_check_regions()
    unknown = [r for r in regions if r not in offered]
    if unknown:
        return f"Route 53 health-checker regions ({', '.join(offered)}); {', '.join(unknown)} is not one"
    return None


def public_address_problem(address: str) -> str | None:
    """Why Route 53 health checkers (on the internet) cannot reach ``address``, or None: private, loopback,
    link-local, reserved, multicast or documentation-only addresses are refused."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"'{address}' is not an IP address"
    if not parsed.is_global:
        return f"{address} is not a public address (health checkers and clients on the internet cannot reach it)"
    return None
