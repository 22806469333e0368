"""Stack configuration: read once, validated once, handed to components as frozen typed objects.

Components never call ``pulumi.Config()``. ``__main__.py`` reads raw values through
``failsafe.program.wiring.load_from_pulumi``; the credential-free plan and the tests call :func:`load` with the same raw
strings the Pulumi engine would deliver, so the program, the plan and the tests share one validator.

Every rejected value raises :class:`ConfigError` naming the key, the value and what is expected; the
program turns it into ``pulumi.RunError`` (a clean message, no traceback) before any resource exists.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from failsafe_components import spec
from failsafe_components.spec import HOSTED_ZONE_ID, STORAGE_CLASSES, DnsTarget

NAMESPACE = "failsafe"

ACCOUNT_ID = re.compile(r"^\d{12}$")
NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,20}[a-z0-9]$")
BUCKET_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
PREVIEW_STACK = re.compile(r"^pr-(\d+)$")
GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

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


# Keys every stack must agree on: dr trusts prod's roles and builds prod's replica buckets from them, without reading
# prod. They are set once, in Pulumi.yaml; a stack file that sets one is refused (failsafe.settings.stackfiles), so
# dr and prod cannot drift apart. (A preview stack may set deployRoleName: it deploys with the scoped preview role.)
SHARED_KEYS = frozenset(
    {
        "prodAccountId",
        "backupAccountId",
        "identityAccountId",
        "previewAccountId",
        "dnsAccountId",
        "primaryRegion",
        "drRegion",
        "metricsRegion",
        "protectedBuckets",
        "replicationRoleName",
        "namePrefix",
        "bucketNamePrefix",
        "deployRoleName",
        "githubRepository",
        "sourceBucketNames",
        "adoptBuckets",
        "prodInDrRegion",
    }
)


def file_to_edit(key: str, stack: str | None = None) -> str:
    """Where a person fixes ``key``: shared keys in Pulumi.yaml, per-stack keys in the stack's own file (previews in
    the template they are generated from). Never `pulumi config set`, which writes a stack file."""
    if key in SHARED_KEYS:
        return "Pulumi.yaml (shared by every stack; no stack file may set it)"
    if stack is not None and PREVIEW_STACK.match(stack):
        return "Pulumi.pr.template.yaml, then regenerate with `python -m failsafe preview-config`"
    target = f"Pulumi.{stack}.yaml" if stack else "the stack's Pulumi.<stack>.yaml"
    return f"{target} (or the default in Pulumi.yaml)"


class ConfigError(ValueError):
    """A configuration value that failsafe refuses; ``str()`` is the whole message for a person, on one line: where
    (``file:line`` when known), the key, the value, what is expected, and which file to edit."""

    def __init__(
        self, key: str, value: object, expected: str, *, where: str | None = None, stack: str | None = None
    ) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        self.where = where
        self.stack = stack
        super().__init__(self.message)

    @property
    def message(self) -> str:
        shown = "(not set)" if self.value is None else repr(self.value)
        prefix = f"{self.where}: " if self.where else ""
        text = (
            f"{prefix}invalid config {NAMESPACE}:{self.key} = {shown}: expected {self.expected}. "
            f"Fix it in {file_to_edit(self.key, self.stack)}."
        )
        return " ".join(text.split())

    def __str__(self) -> str:
        return self.message

    def in_stack(self, stack: str) -> ConfigError:
        """The same error, advising the stack's own file."""
        self.stack = self.stack or stack
        self.args = (self.message,)
        return self


class Role(StrEnum):
    PROD = "prod"
    DR = "dr"
    PREVIEW = "preview"


@dataclass(frozen=True)
class Accounts:
    prod: str
    backup: str
    identity: str
    preview: str
    dns: str

    def all(self) -> tuple[str, ...]:
        """Every account this estate uses; the allow-list of the no-hardcoded-account-ids policy."""
        return tuple(dict.fromkeys((self.prod, self.backup, self.identity, self.preview, self.dns)))


@dataclass(frozen=True)
class Replication:
    role_name: str
    storage_class: str
    time_control: bool
    metrics: bool

    @property
    def rpo_minutes(self) -> int | None:
        """15 with Replication Time Control (the SLA-backed figure); None: asynchronous, no SLA."""
        return 15 if self.time_control else None


@dataclass(frozen=True)
class Lifecycle:
    noncurrent_transition_days: int
    noncurrent_expiration_days: int
    abort_incomplete_upload_days: int


@dataclass(frozen=True)
class ObjectLock:
    mode: str
    retention_days: int


@dataclass(frozen=True)
class VaultLock:
    min_retention_days: int
    max_retention_days: int
    changeable_for_days: int | None  # None: governance mode; set: compliance after the grace period


@dataclass(frozen=True)
class HumanAccess:
    mfa_max_age_seconds: int
    session_seconds: int
    # humanAccessFederation: "" (IAM users with MFA only), "saml:<provider ARN>" or "identity-center". Federated
    # sessions are trusted in addition to IAM users with MFA; MFA for them is enforced by the IdP (docs/runbook.md).
    federation: str = ""

    @property
    def saml_provider_arn(self) -> str | None:
        return self.federation.removeprefix("saml:") if self.federation.startswith("saml:") else None


SAML_PROVIDER = re.compile(r"arn:aws:iam::(\d{12}):saml-provider/[\w+=,.@-]{1,128}")
HUMAN_ROLES_RESOURCES = ("backup-restore-operator", "backup-auditor", "backup-break-glass")  # dr's Pulumi names


@dataclass(frozen=True)
class Recovery:
    rpo_minutes: int
    rto_minutes: int
    snapshot_retention_days: int
    archive_retention_days: int
    archive_max_shrink_percent: int
    parameter_path: str
    secret_prefix: str


@dataclass(frozen=True)
class Backup:
    """AWS Backup in prod and the snapshot event path (failsafe_components.prod_backup)."""

    interval_hours: int
    completion_window_minutes: int
    retention_days: int
    copy_retention_days: int
    resource_types: tuple[str, ...]
    copy_to_backup_account: bool
    organization_id: str | None
    event_forwarding: bool
    alert_topic_arn: str | None
    alert_subscription: tuple[str, str] | None

    @property
    def worst_case_rpo_minutes(self) -> int:
        """The oldest the newest copy may be under this configuration: a Backup interval plus its completion window,
        and without event forwarding the copier's 6-hour schedule (COPIER_SCHEDULE_MINUTES)."""
        backup = spec.backup_worst_case_minutes(self.interval_hours, self.completion_window_minutes)
        return backup if self.event_forwarding else max(backup, COPIER_SCHEDULE_MINUTES)


COPIER_SCHEDULE_MINUTES = 360  # RecoveryFunctionsArgs.schedule_expression "rate(6 hours)" (a test keeps them equal)


@dataclass(frozen=True)
class Dns:
    record_name: str
    zone_id: str | None
    zone_name: str | None
    primary: DnsTarget
    secondary: DnsTarget | None  # None: the dr stack's drEndpoint output
    protocol: str
    port: int
    path: str
    search_string: str | None
    interval_seconds: int
    failure_threshold: int
    regions: tuple[str, ...]
    secondary_health_check: bool
    ttl_seconds: int
    rto_seconds: int
    alarm_topic_arn: str | None
    alarm_subscription: tuple[str, str] | None  # (protocol, endpoint) on the created topic
    alias_ipv6: bool
    switch: DnsSwitch


@dataclass(frozen=True)
class DnsSwitch:
    """The operators' data-plane switch (see docs/dns-failover.md): ``failsafe-dr dns`` writes ``metric_name``
    (1 = hold traffic on DR, 0 = release) and the DnsFailover component alarms on it. Named here, from config alone,
    so the CLI and the program agree without reading state."""

    region: str
    namespace: str
    metric_name: str
    dimension_name: str
    dimension_value: str
    alarm_name: str


DNS_SWITCH_NAMESPACE = "Failsafe/DnsSwitch"
DNS_SWITCH_METRIC = "HoldOnDr"
DNS_SUBSCRIPTION_PROTOCOLS = ("email", "email-json", "https", "sms", "sqs", "lambda", "firehose")
ROUTE53_METRICS_REGION = "us-east-1"  # Route 53 publishes health-check metrics only there


@cache
def alarm_health_check_regions() -> tuple[str, ...]:
    """Regions Route 53 accepts for the alarm of a CLOUDWATCH_METRIC health check (botocore's CloudWatchRegion)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("route53")
    return tuple(model.shape_for("CloudWatchRegion").enum)


@dataclass(frozen=True)
class Preview:
    pr_number: int
    branch: str
    commit: str
    image_uri: str | None
    architecture: str
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int
    public_url: bool
    invoke_mode: str
    ttl_hours: int
    log_retention_days: int


@dataclass(frozen=True)
class RestoreTest:
    schedule: str  # restoreTestSchedule: EventBridge cron(...) or rate(...)
    resource_type: str  # restoreTestResourceType: the protected resource type AWS Backup restores


@dataclass(frozen=True)
class Ci:
    github_repository: str
    enabled: bool


@dataclass(frozen=True)
class AdoptedBucket:
    """An ``adoptBuckets`` entry: prod imports the existing ``bucket_name`` (never creates or deletes it) and keeps
    encrypting with its existing key ``kms_key_arn``."""

    logical: str  # the protected bucket (protectedBuckets) it stands for
    bucket_name: str
    kms_key_arn: str


@dataclass(frozen=True)
class StackConfig:
    stack: str
    role: Role
    accounts: Accounts
    primary_region: str
    dr_region: str
    metrics_region: str
    deploy_role_name: str
    name_prefix: str
    bucket_name_prefix: str
    dr_stack_name: str | None
    protected_buckets: tuple[str, ...]
    replication: Replication
    lifecycle: Lifecycle
    object_lock: ObjectLock
    vault_lock: VaultLock
    human_access: HumanAccess
    recovery: Recovery
    backup: Backup
    dns: Dns | None
    dr_endpoint: DnsTarget | None
    preview: Preview | None
    ci: Ci
    policy_exemptions: tuple[tuple[str, str], ...] = ()  # (policy name, resource name or URN)
    # the role the aws providers assume when it is not the deploy role: CI's read-only role for the previews of a
    # pull request (`pulumi preview --config failsafe:providerRoleName=...`, never set in a stack file)
    provider_role_name: str = ""
    restore_test: RestoreTest | None = None  # dr only: AWS Backup restore testing of the vault (RestoreTesting)
    source_bucket_names: tuple[tuple[str, str], ...] = ()  # sourceBucketNames: (protected bucket, physical name)
    adopted_buckets: tuple[AdoptedBucket, ...] = ()  # adoptBuckets: existing buckets prod imports instead of creating

    @property
    def protect(self) -> bool:
        """Stateful resources of prod and dr are protected; previews are disposable by design."""
        return self.role in (Role.PROD, Role.DR)

    def source_bucket_name(self, bucket: str) -> str:
        """prod's bucket: the existing bucket ``adoptBuckets`` names, else ``sourceBucketNames`` when it names one (a
        rebuild), else derived from the primary region."""
        adopted = self.adoption(bucket)
        if adopted is not None:
            return adopted.bucket_name
        return dict(self.source_bucket_names).get(bucket) or f"{self.bucket_name_prefix}-{bucket}-{self.primary_region}"

    def adoption(self, bucket: str) -> AdoptedBucket | None:
        """The existing bucket and key prod adopts for protected bucket ``bucket``, if ``adoptBuckets`` names one."""
        return next((a for a in self.adopted_buckets if a.logical == bucket), None)

    def replica_bucket_name(self, bucket: str) -> str:
        return f"{self.bucket_name_prefix}-{bucket}-replica-{self.dr_region}"

    @property
    def archive_bucket_name(self) -> str:
        """The backup account's bucket of exported Pulumi state (one name for dr, the archive job and verify)."""
        return f"{self.bucket_name_prefix}-state-archive-{self.dr_region}"

    def role_arn(self, account_id: str, role_name: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{role_name}"

    @property
    def replication_role_arn(self) -> str:
        """Prefix of the prod replication roles' ARNs (see :meth:`replication_role_arn_for`)."""
        return self.role_arn(self.accounts.prod, self.replication.role_name)

    def replication_role_name_for(self, bucket: str) -> str:
        """One replication role per protected bucket, so each replica bucket trusts exactly one role."""
        return f"{self.replication.role_name}-{bucket}"

    def replication_role_arn_for(self, bucket: str) -> str:
        """The prod replication role of ``bucket``, addressed by name so dr never has to read prod's state."""
        return self.role_arn(self.accounts.prod, self.replication_role_name_for(bucket))


# --- raw value parsing ------------------------------------------------------------------------------

Getter = Callable[[str], "str | None"]


class _Raw:
    """Typed access to raw config strings, each failure a ConfigError naming the key."""

    def __init__(self, get: Getter) -> None:
        self._get = get

    def opt_str(self, key: str) -> str | None:
        value = self._get(key)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    def str(self, key: str, expected: str = "a non-empty string") -> str:
        value = self.opt_str(key)
        if value is None:
            raise ConfigError(key, self._get(key), expected)
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.str(key, f"one of {', '.join(choices)}")
        if value not in choices:
            raise ConfigError(key, value, f"one of {', '.join(choices)}")
        return value

    def int(self, key: str, low: int, high: int, extra: str = "") -> int:
        expected = f"a whole number from {low} to {high}{extra}"
        raw = self._get(key)
        if raw is None or str(raw).strip() == "":
            raise ConfigError(key, None, expected)
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ConfigError(key, raw, expected) from None
        if not low <= value <= high:
            raise ConfigError(key, value, expected)
        return value

    def bool(self, key: str) -> bool:
        raw = self._get(key)
        if raw is None:
            raise ConfigError(key, None, "true or false")
        text = str(raw).strip().lower()
        if text not in ("true", "false"):
            raise ConfigError(key, raw, "true or false")
        return text == "true"

    def str_list(self, key: str) -> tuple[str, ...]:
        raw = self._get(key)
        if raw is None:
            raise ConfigError(key, None, "a list of strings")
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            raise ConfigError(key, raw, "a list of strings (a YAML list in the stack file)") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(key, raw, "a list of strings")
        return tuple(v.strip() for v in value)


@cache
def known_regions() -> frozenset[str]:
    """Regions from botocore's endpoint data, so no region list is hand-kept in code."""
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        for service in ("ec2", "s3", "iam"):
            regions.update(session.get_available_regions(service, partition_name=partition))
    return frozenset(regions)


def _account(raw: _Raw, key: str) -> str:
    value = raw.str(key, "a 12-digit AWS account ID, e.g. 111111111111")
    if not ACCOUNT_ID.match(value):
        raise ConfigError(key, value, "a 12-digit AWS account ID, e.g. 111111111111")
    return value


def _region(raw: _Raw, key: str) -> str:
    value = raw.str(key, "an AWS region name such as eu-west-1")
    if value not in known_regions():
        raise ConfigError(key, value, "an AWS region name known to botocore, such as eu-west-1")
    return value


def parse_dns_target(key: str, text: str) -> DnsTarget:
    """Parse ``alias:<zoneId>:<dnsName>``, ``cname:<host>`` or ``ip:<addr>[,<addr>]``."""
    expected = "'alias:<hostedZoneId>:<dnsName>', 'cname:<host>' or 'ip:<address>[,<address>...]'"
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind == "alias":
        zone_id, _, dns_name = rest.partition(":")
        if not HOSTED_ZONE_ID.match(zone_id) or not _is_hostname(dns_name):
            raise ConfigError(key, text, expected)
        return DnsTarget("alias", dns_name.rstrip(".").lower(), zone_id)
    if kind == "cname":
        if not _is_hostname(rest):
            raise ConfigError(key, text, expected)
        return DnsTarget("cname", rest.rstrip(".").lower())
    if kind == "ip":
        import ipaddress

        addresses = [a.strip() for a in rest.split(",") if a.strip()]
        try:
            parsed = [ipaddress.ip_address(a) for a in addresses]
        except ValueError:
            raise ConfigError(key, text, expected) from None
        if not parsed or any(a.version != 4 for a in parsed):
            raise ConfigError(key, text, "IPv4 addresses for an ip: target (" + expected + ")")
        unreachable = [str(a) for a in parsed if any(a in net for net in _UNREACHABLE_FROM_THE_INTERNET)]
        if unreachable:
            raise ConfigError(
                key,
                text,
                f"public addresses: Route 53's health checkers and clients on the internet cannot reach "
                f"{', '.join(unreachable)} (private, shared, loopback, link-local or multicast)",
            )
        return DnsTarget("ip", ",".join(str(a) for a in parsed))
    raise ConfigError(key, text, expected)


# Ranges the internet cannot route to (RFC 1918 private, RFC 6598 shared, loopback, link-local, multicast,
# "this network" and reserved). The documentation ranges (192.0.2.0/24 and friends, RFC 5737) stay allowed: they are
# what examples and tests use, and no one deploys them by mistake for a real endpoint.
_UNREACHABLE_FROM_THE_INTERNET = tuple(
    ipaddress.ip_network(net)
    for net in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "0.0.0.0/8",
        "240.0.0.0/4",
    )
)


def _is_hostname(text: str) -> bool:
    labels = text.rstrip(".").split(".")
    return len(labels) >= 2 and all(re.fullmatch(r"[A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", x) for x in labels)


# --- sections ---------------------------------------------------------------------------------------


def _accounts(raw: _Raw) -> Accounts:
    prod = _account(raw, "prodAccountId")
    backup = _account(raw, "backupAccountId")
    identity = _account(raw, "identityAccountId")
    preview = _account(raw, "previewAccountId")
    dns = _account(raw, "dnsAccountId") if raw.opt_str("dnsAccountId") else prod
    accounts = Accounts(prod=prod, backup=backup, identity=identity, preview=preview, dns=dns)
    by_key = {
        "prodAccountId": prod,
        "backupAccountId": backup,
        "identityAccountId": identity,
        "previewAccountId": preview,
        "dnsAccountId": dns,
    }
    for key, other, reason in ACCOUNTS_THAT_DIFFER:
        if key == "dnsAccountId" and not raw.opt_str("dnsAccountId"):
            continue  # empty: the production account holds the zone
        if by_key[key] == by_key[other]:
            raise ConfigError(key, by_key[key], f"an account other than {other}: {reason}")
    return accounts


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


def _replication(raw: _Raw) -> Replication:
    role_name = raw.str("replicationRoleName")
    if not ROLE_NAME.match(role_name):
        raise ConfigError("replicationRoleName", role_name, "an IAM role name (1-64 of letters, digits, +=,.@_-)")
    time_control = raw.bool("replicationTimeControl")
    metrics = raw.bool("replicationMetrics")
    if time_control and not metrics:
        raise ConfigError(
            "replicationMetrics", "false", "true when replicationTimeControl is true (S3 requires metrics with RTC)"
        )
    return Replication(
        role_name=role_name,
        storage_class=raw.choice("replicationStorageClass", STORAGE_CLASSES),
        time_control=time_control,
        metrics=metrics,
    )


def _lifecycle(raw: _Raw) -> Lifecycle:
    transition = raw.int("noncurrentTransitionDays", 30, 36500, " (S3 moves noncurrent versions to IA after 30+ days)")
    expiration = raw.int("noncurrentExpirationDays", 1, 36500)
    if expiration <= transition:
        raise ConfigError(
            "noncurrentExpirationDays",
            expiration,
            f"more days than noncurrentTransitionDays ({transition}), or versions expire before they transition",
        )
    return Lifecycle(transition, expiration, raw.int("abortIncompleteUploadDays", *spec.ABORT_UPLOAD_DAYS))


def _vault_lock(raw: _Raw) -> VaultLock:
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


def _parameter_path(raw: _Raw) -> str:
    path = raw.str("copyParameterPath")
    if not re.fullmatch(r"/([\w.-]+/)+", path):
        raise ConfigError("copyParameterPath", path, "an SSM path that starts and ends with '/', e.g. /app/")
    return path


def _secret_prefix(raw: _Raw) -> str:
    prefix = raw.str("copySecretPrefix")
    if not re.fullmatch(r"[\w/+=.@-]+", prefix) or prefix.startswith("/"):
        raise ConfigError("copySecretPrefix", prefix, "a Secrets Manager name prefix such as app/")
    return prefix


def _dns(raw: _Raw) -> Dns | None:
    record = raw.opt_str("dnsRecordName")
    if record is None:
        return None
    if not _is_hostname(record):
        raise ConfigError("dnsRecordName", record, "a fully qualified record name such as app.example.com")
    record = record.rstrip(".").lower()
    zone_id = raw.opt_str("dnsZoneId")
    zone_name = raw.opt_str("dnsZoneName")
    if zone_id is None and zone_name is None:
        raise ConfigError("dnsZoneId", None, "a hosted zone ID, or set dnsZoneName to look the zone up by name")
    if zone_id is not None and not HOSTED_ZONE_ID.match(zone_id):
        raise ConfigError("dnsZoneId", zone_id, "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
    if zone_name is None or not _is_hostname(zone_name):
        raise ConfigError(
            "dnsZoneName",
            zone_name,
            "the hosted zone's name, e.g. example.com, next to dnsZoneId (failsafe checks that dnsRecordName is in "
            "the zone and that no CNAME sits at its apex before Route 53 refuses the change)",
        )
    zone_name = zone_name.rstrip(".").lower()
    if record != zone_name and not record.endswith("." + zone_name):
        raise ConfigError(
            "dnsRecordName", record, f"a name inside dnsZoneName {zone_name} (Route 53 refuses records outside it)"
        )
    primary_text = raw.str("dnsPrimaryTarget", "the production endpoint")
    primary = parse_dns_target("dnsPrimaryTarget", primary_text)
    secondary_text = raw.opt_str("dnsSecondaryTarget")
    secondary = parse_dns_target("dnsSecondaryTarget", secondary_text) if secondary_text else None
    if secondary is not None and secondary == primary:
        raise ConfigError("dnsSecondaryTarget", secondary_text, "a target different from dnsPrimaryTarget")
    for key, text, target in (
        ("dnsPrimaryTarget", primary_text, primary),
        ("dnsSecondaryTarget", secondary_text, secondary),
    ):
        if target is not None and target.kind == "cname" and record == zone_name:
            raise ConfigError(
                key, text, f"an alias: or ip: target: {record} is the apex of its zone, where DNS allows no CNAME"
            )
    alias_ipv6 = raw.bool("dnsAliasIpv6")
    if alias_ipv6 and primary.kind == "alias" and secondary is not None and secondary.kind != "alias":
        raise ConfigError(
            "dnsSecondaryTarget",
            secondary_text,
            "an alias: target like dnsPrimaryTarget while dnsAliasIpv6 is true (the primary's AAAA record needs an "
            "AAAA secondary), or set dnsAliasIpv6 false",
        )
    protocol = raw.choice("dnsHealthCheckProtocol", ("HTTPS", "HTTP"))
    interval = raw.int("dnsHealthCheckInterval", 10, 30, " and exactly 10 or 30 (Route 53's two intervals)")
    if interval not in (10, 30):
        raise ConfigError("dnsHealthCheckInterval", interval, "10 or 30 (Route 53's only request intervals)")
    regions = raw.str_list("dnsHealthCheckRegions")
    if regions and len(regions) < 3:
        raise ConfigError("dnsHealthCheckRegions", list(regions), "empty (Route 53 defaults) or at least 3 regions")
    if regions:
        from failsafe.settings import awsnames  # (it imports this module)

        problem = awsnames.health_check_regions_problem(tuple(regions))  # the regions botocore's model offers
        if problem:
            raise ConfigError("dnsHealthCheckRegions", list(regions), problem)
    path = raw.str("dnsHealthCheckPath")
    if not path.startswith("/"):
        raise ConfigError("dnsHealthCheckPath", path, "a path starting with /")
    metrics_region = _region(raw, "metricsRegion")
    if metrics_region != ROUTE53_METRICS_REGION:
        raise ConfigError(
            "metricsRegion",
            metrics_region,
            f"{ROUTE53_METRICS_REGION} while dnsRecordName is set (Route 53 publishes health-check metrics only there)",
        )
    topic = raw.opt_str("dnsAlarmTopicArn")
    if topic is not None:
        match = re.fullmatch(r"arn:aws[\w-]*:sns:([\w-]+):\d{12}:[\w-]{1,256}", topic)
        if not match:
            raise ConfigError("dnsAlarmTopicArn", topic, "an SNS topic ARN, or empty to create a topic")
        if match.group(1) != metrics_region:
            raise ConfigError(
                "dnsAlarmTopicArn", topic, f"a topic in {metrics_region} (an alarm notifies topics in its own region)"
            )
    subscription = _dns_subscription(raw.opt_str("dnsAlarmSubscription"))
    if topic is None and subscription is None:
        raise ConfigError(
            "dnsAlarmSubscription",
            None,
            "'email:<address>', 'https://<url>', 'sms:<number>' or 'sqs:|lambda:<arn>' for the created alarm topic "
            "(a topic nobody subscribes to tells nobody), or set dnsAlarmTopicArn",
        )
    return Dns(
        record_name=record,
        zone_id=zone_id,
        zone_name=zone_name,
        primary=primary,
        secondary=secondary,
        protocol=protocol,
        port=raw.int("dnsHealthCheckPort", *spec.HEALTH_CHECK_PORT),
        path=path,
        search_string=raw.opt_str("dnsHealthCheckSearchString"),
        interval_seconds=interval,
        failure_threshold=raw.int("dnsHealthCheckThreshold", *spec.HEALTH_CHECK_THRESHOLD),
        regions=regions,
        secondary_health_check=raw.bool("dnsSecondaryHealthCheck"),
        ttl_seconds=raw.int("dnsTtl", *spec.FAILOVER_TTL_SECONDS, " (failover records must be short-lived)"),
        rto_seconds=raw.int("dnsRtoSeconds", 1, 86400),
        alarm_topic_arn=topic,
        alarm_subscription=subscription,
        alias_ipv6=alias_ipv6,
        switch=_dns_switch(raw, record),
    )


ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")


def _backup(raw: _Raw, role: Role, rpo_minutes: int) -> Backup:
    types = raw.str_list("backupResourceTypes")
    known = tuple(spec.BACKUP_RESOURCE_PATTERNS)
    if not types or any(t not in known for t in types) or len(set(types)) != len(types):
        raise ConfigError("backupResourceTypes", list(types), f"a list of distinct types from {', '.join(known)}")
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
    subscription = _subscription("alertSubscription", raw.opt_str("alertSubscription"))
    if role is Role.PROD and topic is None and subscription is None:
        raise ConfigError(
            "alertSubscription",
            None,
            "a subscription such as 'email:oncall@example.com', or alertTopicArn: "
            "replication alarms nobody receives protect nothing",
        )
    backup = Backup(
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
    if role is Role.PROD and rpo_minutes < backup.worst_case_rpo_minutes:
        raise ConfigError(
            "rpoMinutes",
            rpo_minutes,
            f"at least {backup.worst_case_rpo_minutes}, the worst case this configuration allows (backupIntervalHours "
            f"{interval} x 60 + backupCompletionWindowMinutes {backup.completion_window_minutes}"
            + ("" if backup.event_forwarding else f", or the copier's {COPIER_SCHEDULE_MINUTES}-minute schedule")
            + "); raise rpoMinutes or back up more often",
        )
    return backup


def _subscription(key: str, text: str | None) -> tuple[str, str] | None:
    try:
        return _dns_subscription(text)
    except ConfigError as error:
        raise ConfigError(key, text, error.expected) from None


def _dns_subscription(text: str | None) -> tuple[str, str] | None:
    """``dnsAlarmSubscription``: ``email:ops@example.com``, ``https://hooks.example.com/x``, ``sms:+15555550100``,
    ``sqs:<queue arn>`` or ``lambda:<function arn>`` -> (protocol, endpoint)."""
    if text is None:
        return None
    protocol, endpoint = ("https", text) if text.startswith("https://") else text.partition(":")[::2]
    valid = {
        "email": re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", endpoint),
        "email-json": re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", endpoint),
        "https": re.fullmatch(r"https://[^\s]+", endpoint),
        "sms": re.fullmatch(r"\+\d{6,15}", endpoint),
        "sqs": re.fullmatch(r"arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w.-]+", endpoint),
        "lambda": re.fullmatch(r"arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w.:-]+", endpoint),
        "firehose": re.fullmatch(r"arn:aws[\w-]*:firehose:[\w-]+:\d{12}:deliverystream/[\w.-]+", endpoint),
    }
    if protocol not in DNS_SUBSCRIPTION_PROTOCOLS or not valid.get(protocol):
        raise ConfigError(
            "dnsAlarmSubscription",
            text,
            "'email:<address>', 'https://<url>', 'sms:+<number>', 'sqs:<queue arn>' or 'lambda:<function arn>'",
        )
    return protocol, endpoint


def _dns_switch(raw: _Raw, record: str) -> DnsSwitch:
    """The switch lives in dnsSwitchRegion (default drRegion): it must work while the primary's region is down."""
    primary_region = _region(raw, "primaryRegion")
    region = _region(raw, "dnsSwitchRegion") if raw.opt_str("dnsSwitchRegion") else _region(raw, "drRegion")
    if region not in alarm_health_check_regions():
        raise ConfigError(
            "dnsSwitchRegion", region, "a region Route 53 accepts for an alarm-based health check (see botocore)"
        )
    if region == primary_region:
        raise ConfigError(
            "dnsSwitchRegion",
            region,
            f"a region other than primaryRegion ({primary_region}): the switch must work "
            "while the primary's region is down",
        )
    return DnsSwitch(
        region=region,
        namespace=DNS_SWITCH_NAMESPACE,
        metric_name=DNS_SWITCH_METRIC,
        dimension_name="Record",
        dimension_value=record,
        alarm_name=f"{raw.str('namePrefix')}-dns-hold-dr-{record}",
    )


def _preview(raw: _Raw, stack: str) -> Preview:
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
        raise ConfigError("prNumber", number, f"{match.group(1)}, the number in the stack name {stack!r}")
    if not match:
        raise ConfigError("role", "preview", f"role preview only on stacks named pr-<number>, not {stack!r}")
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
        raise ConfigError("previewLogRetentionDays", retention, f"one of CloudWatch's values {LOG_RETENTION_DAYS}")
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


def load(stack: str, get: Getter) -> StackConfig:
    """Validate a stack's raw config (``get(key)`` returns the engine's string or None). Every refusal is a
    :class:`ConfigError` that names the key and the file to edit; every derived physical name is checked against
    AWS's limits (:mod:`failsafe.settings.awsnames`)."""
    from failsafe.settings import awsnames

    try:
        cfg = _load(stack, get)
        awsnames.check_derived_names(cfg)
    except ConfigError as error:
        raise error.in_stack(stack) from None
    return cfg


def _load(stack: str, get: Getter) -> StackConfig:
    raw = _Raw(get)
    role_text = raw.choice("role", tuple(r.value for r in Role))
    role = Role(role_text)
    accounts = _accounts(raw)
    primary = _region(raw, "primaryRegion")
    dr_region = _region(raw, "drRegion")
    # prodInDrRegion: a rebuild may put prod in the backup account's region (docs/runbook.md, "Rebuild prod in a new
    # account"); a regional outage then takes both, so it is an explicit, temporary choice.
    prod_in_dr_region = raw.bool("prodInDrRegion")
    if dr_region == primary and not prod_in_dr_region:
        raise ConfigError(
            "drRegion",
            dr_region,
            f"a region other than primaryRegion ({primary}): a regional outage takes both "
            "(while rebuilding prod there, set prodInDrRegion: true in Pulumi.yaml)",
        )
    name_prefix = raw.str("namePrefix")
    if not NAME_PREFIX.match(name_prefix):
        raise ConfigError(
            "namePrefix", name_prefix, "3-22 lowercase letters, digits or hyphens, starting with a letter"
        )
    bucket_prefix = raw.str("bucketNamePrefix")
    if not BUCKET_LABEL.match(bucket_prefix):
        raise ConfigError("bucketNamePrefix", bucket_prefix, "lowercase letters, digits and hyphens (an S3 name part)")
    deploy_role = raw.str("deployRoleName")
    if not ROLE_NAME.match(deploy_role):
        raise ConfigError("deployRoleName", deploy_role, "an IAM role name (1-64 of letters, digits, +=,.@_-)")
    provider_role = raw.opt_str("providerRoleName") or ""
    if provider_role and not ROLE_NAME.match(provider_role):
        raise ConfigError("providerRoleName", provider_role, "empty, or an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])")

    buckets = raw.str_list("protectedBuckets")
    if not buckets:
        raise ConfigError("protectedBuckets", [], "at least one bucket name: failsafe exists to protect data")
    for bucket in buckets:
        if not BUCKET_LABEL.match(bucket):
            raise ConfigError("protectedBuckets", list(buckets), f"lowercase S3 name parts; {bucket!r} is not one")
    if len(set(buckets)) != len(buckets):
        raise ConfigError("protectedBuckets", list(buckets), "each bucket listed once")
    source_names = _source_bucket_names(raw, buckets)
    # the other buckets of the estate, whose names an adopted bucket may not take
    taken = {f"{bucket_prefix}-{b}-replica-{dr_region}" for b in buckets} | {
        f"{bucket_prefix}-state-archive-{dr_region}"
    }
    taken |= {dict(source_names).get(b) or f"{bucket_prefix}-{b}-{primary}" for b in buckets}
    adopted = _adopt_buckets(raw, buckets, source_names, accounts.prod, primary, taken)

    dr_stack = raw.opt_str("drStackName")
    if role is Role.PROD and (dr_stack is None or not re.fullmatch(r"[\w.-]+/[\w.-]+/[\w.-]+", dr_stack)):
        raise ConfigError(
            "drStackName", dr_stack, "the dr stack's fully qualified name <org>/<project>/<stack> (prod reads it)"
        )
    if role is Role.PROD and dr_stack is not None and dr_stack.rsplit("/", 1)[-1] == stack:
        raise ConfigError(
            "drStackName", dr_stack, f"the dr stack, not {stack!r} itself (a stack that reads itself is a cycle)"
        )
    metrics_region = _region(raw, "metricsRegion")
    dns_says_it = role is Role.PROD and raw.opt_str("dnsRecordName") is not None  # _dns refuses it in its words
    if metrics_region != ROUTE53_METRICS_REGION and not dns_says_it:
        raise ConfigError(
            "metricsRegion",
            metrics_region,
            f"{ROUTE53_METRICS_REGION}: Route 53 publishes health-check metrics only there, and the alarms that read "
            "them must live there too",
        )
    if role is Role.PREVIEW and deploy_role != f"{name_prefix}-preview-deploy":
        raise ConfigError(
            "deployRoleName",
            deploy_role,
            f"{name_prefix}-preview-deploy, the scoped role prod's CiAccess creates in the preview account for "
            "preview stacks (<namePrefix>-preview-deploy)",
        )

    endpoint_text = raw.opt_str("drEndpoint")
    dr_endpoint = parse_dns_target("drEndpoint", endpoint_text) if endpoint_text else None

    mfa_age = raw.int("mfaMaxAgeSeconds", *spec.MFA_MAX_AGE_SECONDS)
    session = raw.int("humanSessionSeconds", *spec.ROLE_SESSION_SECONDS, " (IAM's MaxSessionDuration range)")
    exemptions = _policy_exemptions(raw)
    federation = _human_federation(raw, accounts.backup, exemptions)

    repo = raw.str("githubRepository")
    if not GITHUB_REPO.match(repo):
        raise ConfigError("githubRepository", repo, "owner/repository")

    object_lock = ObjectLock(
        mode=raw.choice("objectLockMode", ("GOVERNANCE", "COMPLIANCE")),
        retention_days=raw.int("objectLockRetentionDays", *spec.RETENTION_DAYS),
    )
    return StackConfig(
        stack=stack,
        role=role,
        accounts=accounts,
        primary_region=primary,
        dr_region=dr_region,
        metrics_region=metrics_region,
        deploy_role_name=deploy_role,
        provider_role_name=provider_role,
        name_prefix=name_prefix,
        bucket_name_prefix=bucket_prefix,
        dr_stack_name=dr_stack,
        protected_buckets=buckets,
        replication=_replication(raw),
        lifecycle=_lifecycle(raw),
        object_lock=object_lock,
        vault_lock=_vault_lock(raw),
        human_access=HumanAccess(mfa_age, session, federation),
        recovery=Recovery(
            rpo_minutes=raw.int("rpoMinutes", 1, 10080),
            rto_minutes=raw.int("rtoMinutes", 1, 10080),
            snapshot_retention_days=raw.int("snapshotRetentionDays", *spec.RETENTION_DAYS),
            archive_retention_days=raw.int("archiveRetentionDays", 1, 36500),
            archive_max_shrink_percent=raw.int("archiveMaxShrinkPercent", 0, 100),
            parameter_path=_parameter_path(raw),
            secret_prefix=_secret_prefix(raw),
        ),
        backup=_backup(raw, role, raw.int("rpoMinutes", 1, 10080)),
        dns=_dns(raw) if role is Role.PROD else None,
        dr_endpoint=dr_endpoint,
        preview=_preview(raw, stack) if role is Role.PREVIEW else None,
        ci=Ci(github_repository=repo, enabled=raw.bool("ciAccess")),
        policy_exemptions=exemptions,
        restore_test=_restore_test(raw) if role is Role.DR else None,
        source_bucket_names=source_names,
        adopted_buckets=adopted,
    )


def _source_bucket_names(raw: _Raw, buckets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``sourceBucketNames``: entries ``<protected bucket>=<physical source bucket name>``, for a rebuilt prod whose
    buckets cannot take the derived names (S3 names are global, and the lost account may still hold them). Replica
    and archive names never depend on them."""
    expected = "entries '<protected bucket>=<S3 bucket name>', e.g. 'assets=example-assets-rebuilt'"
    found: dict[str, str] = {}
    for entry in raw.str_list("sourceBucketNames"):
        bucket, sep, name = (part.strip() for part in entry.partition("="))
        if not sep or not name or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name):
            raise ConfigError("sourceBucketNames", entry, expected)
        if bucket not in buckets:
            raise ConfigError("sourceBucketNames", entry, f"a bucket of protectedBuckets ({', '.join(buckets)})")
        if bucket in found:
            raise ConfigError("sourceBucketNames", entry, "each protected bucket named once")
        found[bucket] = name
    return tuple(sorted(found.items()))


KMS_KEY_ARN = re.compile(r"arn:aws:kms:([a-z0-9-]+):(\d{12}):key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})")


def _adopt_buckets(
    raw: _Raw,
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
        if not name or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name):
            raise ConfigError("adoptBuckets", entry, f"{expected}; {name!r} is not an S3 bucket name")
        match = KMS_KEY_ARN.fullmatch(key)
        if match is None:
            raise ConfigError("adoptBuckets", entry, f"{expected}; {key!r} is not a KMS key ARN")
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
                "adoptBuckets", entry, f"a bucket not also named in sourceBucketNames ({bucket!r} is): keep one"
            )
        if bucket in found:
            raise ConfigError("adoptBuckets", entry, "each protected bucket adopted once")
        if any(a.bucket_name == name for a in found.values()):
            raise ConfigError("adoptBuckets", entry, f"each existing bucket adopted once ({name!r} is named twice)")
        own = f"{raw.str('bucketNamePrefix')}-{bucket}-{region}"  # its derived name: an existing bucket may have it
        if name in taken - {own}:
            raise ConfigError(
                "adoptBuckets",
                entry,
                f"an existing bucket whose name no bucket failsafe creates takes ({name!r} is another source, "
                "replica or archive bucket of this estate)",
            )
        found[bucket] = AdoptedBucket(logical=bucket, bucket_name=name, kms_key_arn=key)
    return tuple(found[b] for b in sorted(found))


def _restore_test(raw: _Raw) -> RestoreTest:
    schedule = raw.str("restoreTestSchedule", "an EventBridge cron(...) or rate(...) expression")
    if not spec.SCHEDULE_EXPRESSION.fullmatch(schedule):
        raise ConfigError("restoreTestSchedule", schedule, "an EventBridge cron(...) or rate(...) expression")
    resource_type = raw.choice("restoreTestResourceType", spec.RESTORE_TEST_RESOURCE_TYPES)
    return RestoreTest(schedule=schedule, resource_type=resource_type)


def _human_federation(raw: _Raw, backup_account: str, exemptions: tuple[tuple[str, str], ...]) -> str:
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


def _policy_exemptions(raw: _Raw) -> tuple[tuple[str, str], ...]:
    """``policyExemptions`` entries ``<policy-name>:<resource name or URN>`` (policy names are checked against the
    pack by failsafe.tooling.policyconfig, which knows them)."""
    expected = "entries '<policy-name>:<resource name or URN>', e.g. 's3-bucket-versioning-enabled:scratch'"
    found: list[tuple[str, str]] = []
    for entry in raw.str_list("policyExemptions"):
        policy, _, resource = entry.partition(":")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", policy) or not resource.strip():
            raise ConfigError("policyExemptions", entry, expected)
        if (policy, resource) in found:
            raise ConfigError("policyExemptions", entry, "each exemption listed once")
        found.append((policy, resource))
    return tuple(found)


def load_mapping(stack: str, values: Mapping[str, Any]) -> StackConfig:
    """:func:`load` over a mapping of un-namespaced keys (what the plan and tests build)."""
    return load(stack, lambda key: values.get(key))
