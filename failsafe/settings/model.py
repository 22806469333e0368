"""The typed model of a stack's configuration: frozen dataclasses that the program, the tooling and the operator
tools read, built only by :func:`failsafe.settings.config.load` (which validates every value first).

No parsing here and no imports of the parser: the derived-name checks (:mod:`failsafe.settings.awsnames`), the dr/prod
agreement and the operator tools type against this module without pulling in the loader. Names that one stack must
derive for another without reading state (prod's replication roles, which dr trusts; the archive bucket) are methods
of :class:`StackConfig`, so there is one spelling of each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from failsafe.settings.airgap import AirGap
from failsafe.settings.fleet import Fleet, Member, member_replica_bucket_name, member_source_bucket_name
from failsafe.settings.recovery_targets import Objectives
from failsafe_components import spec
from failsafe_components.spec import DnsTarget

__all__ = [
    "COPIER_SCHEDULE_MINUTES",
    "DNS_SWITCH_METRIC",
    "DNS_SWITCH_NAMESPACE",
    "HUMAN_ROLES_RESOURCES",
    "Accounts",
    "AdoptedBucket",
    "Backup",
    "Ci",
    "Dns",
    "DnsSwitch",
    "DnsTarget",
    "HumanAccess",
    "Lifecycle",
    "ObjectLock",
    "Preview",
    "Recovery",
    "Replication",
    "RestoreTest",
    "Role",
    "StackConfig",
    "VaultLock",
]

# the account field of an ARN (arn:partition:service:region:account:resource); IAM and S3 ARNs have empty regions
_ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")
HUMAN_ROLES_RESOURCES = ("backup-restore-operator", "backup-auditor", "backup-break-glass")  # dr's Pulumi names


class Role(StrEnum):
    PROD = "prod"
    DR = "dr"
    PREVIEW = "preview"
    ORG = "org"  # the organization's policies (backup policies, SCP, RCP), in the management or delegated admin account


@dataclass(frozen=True)
class Accounts:
    prod: str
    backup: str
    identity: str  # "" when people come only through SAML (no identity account)
    preview: str  # "" when the estate runs no pull-request previews
    dns: str

    def all(self) -> tuple[str, ...]:
        """Every account this estate uses; the allow-list of the no-hardcoded-account-ids policy."""
        found = (self.prod, self.backup, self.identity, self.preview, self.dns)
        return tuple(dict.fromkeys(a for a in found if a))

    @property
    def previews(self) -> bool:
        return bool(self.preview)


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
    fleet: Fleet | None = None  # the organization and the workload accounts (failsafe.settings.fleet); None: neither
    air_gap: AirGap = field(default_factory=AirGap)  # the air-gapped vault, its recovery account (settings.airgap)
    objectives: Objectives = field(default_factory=Objectives)  # recovery targets, estimates, tiers (recovery model)
    # every key the loader read -> the text it had (None: not set), so a later message (a derived name AWS refuses, a
    # component's refusal, dr disagreeing) shows the value as the person wrote it; not part of equality
    written: Mapping[str, str | None] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)

    def omissions(self) -> tuple[str, ...]:
        """The optional parts this estate does not have, each with what its absence turns off (``check`` prints
        them, so an omission is a decision someone can read, not a silence)."""
        found: list[str] = []
        if self.role is Role.DR and not self.accounts.identity:
            found.append(
                "identityAccountId is empty: no IAM user can assume the backup account's human roles; people sign in "
                "through SAML (humanAccessFederation), and the proofs of IAM-user access do not apply"
            )
        if self.role is Role.PROD and not self.accounts.previews:
            found.append(
                "previewAccountId is empty: previews are off; prod makes no CI roles in a preview account and "
                "pr-<n> stacks are refused"
            )
        if self.role is Role.PROD and self.dns is None:
            found.append("dnsRecordName is empty: no DNS failover (the RTO has no DNS term)")
        if self.role in (Role.PROD, Role.DR) and not self.ci.enabled:
            found.append("ciAccess is false: this stack makes no GitHub OIDC roles (deploy it by hand)")
        return tuple(found)

    def named_accounts(self) -> frozenset[str]:
        """Every account the config names: the estate's accounts, and the account of every ARN a key holds (an
        ``alertTopicArn`` in a central operations account, a SAML provider, an ``sqs:``/``lambda:`` subscription).
        An account that reaches a plan through such a key came from config, not from a literal in code, so the pack's
        ``no-hardcoded-account-ids`` admits it (:mod:`failsafe.tooling.policyconfig`)."""
        found = set(self.accounts.all()) | (self.fleet.accounts() if self.fleet else set())
        found |= {self.air_gap.recovery_account} if self.air_gap.enabled else set()
        for text in self.written.values():
            found.update(_ARN_ACCOUNT.findall(text or ""))
        return frozenset(a for a in found if a)

    @property
    def protect(self) -> bool:
        """Stateful resources of prod and dr are protected; previews are disposable by design."""
        return self.role in (Role.PROD, Role.DR, Role.ORG)

    @property
    def member(self) -> Member | None:
        """This stack's own workload account when it is a member ``prod-<name>`` of a fleet."""
        return self.fleet.member if self.fleet else None

    def source_bucket_name(self, bucket: str) -> str:
        """prod's bucket: the existing bucket ``adoptBuckets`` names, else ``sourceBucketNames`` when it names one (a
        rebuild), else derived from the primary region."""
        adopted = self.adoption(bucket)
        if adopted is not None:
            return adopted.bucket_name
        if self.member is not None and bucket not in dict(self.source_bucket_names):
            return member_source_bucket_name(self.bucket_name_prefix, self.member.name, bucket, self.primary_region)
        return dict(self.source_bucket_names).get(bucket) or f"{self.bucket_name_prefix}-{bucket}-{self.primary_region}"

    def adoption(self, bucket: str) -> AdoptedBucket | None:
        """The existing bucket and key prod adopts for protected bucket ``bucket``, if ``adoptBuckets`` names one."""
        return next((a for a in self.adopted_buckets if a.logical == bucket), None)

    def replica_bucket_name(self, bucket: str) -> str:
        if self.member is not None:
            return member_replica_bucket_name(self.bucket_name_prefix, self.member.name, bucket, self.dr_region)
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
