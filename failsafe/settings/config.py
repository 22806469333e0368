"""Stack configuration: read once, validated once, handed to components as frozen typed objects.

Components never call ``pulumi.Config()``. ``__main__.py`` reads raw values through
``failsafe.program.wiring.load_from_pulumi``; the credential-free plan and the tests call :func:`load` with the same raw
strings the Pulumi engine would deliver, so the program, the plan and the tests share one validator.

Every rejected value raises :class:`ConfigError` naming the key, the value as written and what is expected; the
program turns it into ``pulumi.RunError`` (a clean message, no traceback) before any resource exists.

The package is split by job, and this module is its front door (every name other packages import from
``failsafe.settings.config`` stays importable here):

- :mod:`failsafe.settings.errors`: ConfigError, where to fix a key, values shown as written;
- :mod:`failsafe.settings.model`: the frozen dataclasses (StackConfig, Accounts, Dns, ...);
- :mod:`failsafe.settings.values`: typed reads of raw values (regions, accounts, subscriptions);
- :mod:`failsafe.settings.sections`, :mod:`failsafe.settings.dns`, :mod:`failsafe.settings.exemptions`: the sections;
- this module: :func:`load`, which assembles them and checks every derived name (:mod:`failsafe.settings.awsnames`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from failsafe.settings import airgap, awsnames, exemptions, fleet, recovery_targets, sections
from failsafe.settings.dns import (
    ROUTE53_METRICS_REGION,
    alarm_health_check_regions,
    dns,
    parse_dns_target,
    target_text,
)
from failsafe.settings.errors import NAMESPACE, PREVIEW_STACK, SHARED_KEYS, ConfigError, as_written, file_to_edit
from failsafe.settings.model import (
    COPIER_SCHEDULE_MINUTES,
    DNS_SWITCH_METRIC,
    DNS_SWITCH_NAMESPACE,
    HUMAN_ROLES_RESOURCES,
    Accounts,
    AdoptedBucket,
    Backup,
    Ci,
    Dns,
    DnsSwitch,
    DnsTarget,
    HumanAccess,
    Lifecycle,
    ObjectLock,
    Preview,
    Recovery,
    Replication,
    RestoreTest,
    Role,
    StackConfig,
    VaultLock,
)
from failsafe.settings.sections import KMS_KEY_ARN, LOG_RETENTION_DAYS, ORGANIZATION_ID, SAML_PROVIDER
from failsafe.settings.values import (
    ACCOUNT_ID,
    BUCKET_LABEL,
    GITHUB_REPO,
    NAME_PREFIX,
    ROLE_NAME,
    SUBSCRIPTION_PROTOCOLS,
    Getter,
    Raw,
    is_hostname,
    known_regions,
    region,
)
from failsafe_components import spec

DNS_SUBSCRIPTION_PROTOCOLS = SUBSCRIPTION_PROTOCOLS  # its name before the split

__all__ = [
    "ACCOUNT_ID",
    "BUCKET_LABEL",
    "COPIER_SCHEDULE_MINUTES",
    "DNS_SUBSCRIPTION_PROTOCOLS",
    "DNS_SWITCH_METRIC",
    "DNS_SWITCH_NAMESPACE",
    "GITHUB_REPO",
    "HUMAN_ROLES_RESOURCES",
    "KMS_KEY_ARN",
    "LOG_RETENTION_DAYS",
    "NAMESPACE",
    "NAME_PREFIX",
    "ORGANIZATION_ID",
    "PREVIEW_STACK",
    "ROLE_NAME",
    "ROUTE53_METRICS_REGION",
    "SAML_PROVIDER",
    "SHARED_KEYS",
    "Accounts",
    "AdoptedBucket",
    "Backup",
    "Ci",
    "ConfigError",
    "Dns",
    "DnsSwitch",
    "DnsTarget",
    "Getter",
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
    "alarm_health_check_regions",
    "as_written",
    "file_to_edit",
    "is_hostname",
    "known_regions",
    "load",
    "load_mapping",
    "parse_dns_target",
    "target_text",
]


def load(stack: str, get: Getter) -> StackConfig:
    """Validate a stack's raw config (``get(key)`` returns the engine's string or None). Every refusal is a
    :class:`ConfigError` that names the key and the file to edit; every derived physical name is checked against
    AWS's limits (:mod:`failsafe.settings.awsnames`)."""
    try:
        cfg = _load(stack, get)
        awsnames.check_derived_names(cfg)
    except ConfigError as error:
        raise error.in_stack(stack) from None
    return cfg


def load_mapping(stack: str, values: Mapping[str, Any]) -> StackConfig:
    """:func:`load` over a mapping of un-namespaced keys (what the plan and tests build)."""
    return load(stack, lambda key: values.get(key))


def _load(stack: str, get: Getter) -> StackConfig:
    raw = Raw(get)
    role_text = raw.choice("role", tuple(r.value for r in Role))
    role = Role(role_text)
    accounts = sections.accounts(raw)
    primary = region(raw, "primaryRegion")
    dr_region = region(raw, "drRegion")
    # prodInDrRegion: a rebuild may put prod in the backup account's region (docs/runbook.md, "Rebuild prod in a new
    # account"); a regional outage then takes both, so it is an explicit, temporary choice.
    prod_in_dr_region = raw.bool("prodInDrRegion")
    if dr_region == primary and not prod_in_dr_region:
        raise ConfigError(
            "drRegion",
            dr_region,
            f"a region other than primaryRegion ({primary}): a regional outage takes both "
            "(while rebuilding prod there, set prodInDrRegion: true in the dr and prod stack files)",
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
        raise raw.refuse("protectedBuckets", "at least one bucket name: failsafe exists to protect data")
    for bucket in buckets:
        if not BUCKET_LABEL.match(bucket):
            raise raw.refuse("protectedBuckets", f"lowercase S3 name parts; '{bucket}' is not one")
    if len(set(buckets)) != len(buckets):
        raise raw.refuse("protectedBuckets", "each bucket listed once")
    source_names = sections.source_bucket_names(raw, buckets)
    # the other buckets of the estate, whose names an adopted bucket may not take
    taken = {f"{bucket_prefix}-{b}-replica-{dr_region}" for b in buckets} | {
        f"{bucket_prefix}-state-archive-{dr_region}"
    }
    taken |= {dict(source_names).get(b) or f"{bucket_prefix}-{b}-{primary}" for b in buckets}
    adopted = sections.adopt_buckets(raw, buckets, source_names, accounts.prod, primary, taken)

    dr_stack = raw.opt_str("drStackName")
    if role is Role.PROD and (dr_stack is None or not re.fullmatch(r"[\w.-]+/[\w.-]+/[\w.-]+", dr_stack)):
        raise ConfigError(
            "drStackName", dr_stack, "the dr stack's fully qualified name <org>/<project>/<stack> (prod reads it)"
        )
    if role is Role.PROD and dr_stack is not None and dr_stack.rsplit("/", 1)[-1] == stack:
        raise ConfigError(
            "drStackName", dr_stack, f"the dr stack, not '{stack}' itself (a stack that reads itself is a cycle)"
        )
    metrics_region = region(raw, "metricsRegion")
    dns_says_it = role is Role.PROD and raw.opt_str("dnsRecordName") is not None  # _dns refuses it in its words
    if metrics_region != ROUTE53_METRICS_REGION and not dns_says_it:
        raise ConfigError(
            "metricsRegion",
            metrics_region,
            f"{ROUTE53_METRICS_REGION}: Route 53 publishes health-check metrics only there, and the alarms that read "
            "them must live there too",
        )
    if role is Role.PREVIEW and not accounts.previews:
        raise ConfigError(
            "previewAccountId",
            "",
            f"the account preview stacks deploy into: {stack} is a preview stack (role preview), and an empty "
            "previewAccountId turns previews off",
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
    exempted = exemptions.parse(raw)
    federation = sections.human_federation(raw, accounts.backup, exempted)
    if role is Role.DR:
        sections.people_come_in(accounts.identity, federation)

    # The repository is what the GitHub OIDC roles trust: needed only by a stack that makes them (ciAccess), so a
    # team that deploys by hand or from another CI leaves it empty (check prints what ciAccess false turns off).
    repo = (raw.opt_str("githubRepository") or "") if not raw.bool("ciAccess") else raw.str("githubRepository")
    if repo and not GITHUB_REPO.match(repo):
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
        replication=sections.replication(raw),
        lifecycle=sections.lifecycle(raw),
        object_lock=object_lock,
        vault_lock=sections.vault_lock(raw),
        human_access=HumanAccess(mfa_age, session, federation),
        recovery=Recovery(
            rpo_minutes=raw.int("rpoMinutes", 1, 10080),
            rto_minutes=raw.int("rtoMinutes", 1, 10080),
            snapshot_retention_days=raw.int("snapshotRetentionDays", *spec.RETENTION_DAYS),
            archive_retention_days=raw.int("archiveRetentionDays", 1, 36500),
            archive_max_shrink_percent=raw.int("archiveMaxShrinkPercent", 0, 100),
            parameter_path=sections.parameter_path(raw),
            secret_prefix=sections.secret_prefix(raw),
        ),
        backup=sections.backup(raw, role, raw.int("rpoMinutes", 1, 10080)),
        dns=dns(raw) if role is Role.PROD else None,
        dr_endpoint=dr_endpoint,
        preview=sections.preview(raw, stack) if role is Role.PREVIEW else None,
        ci=Ci(github_repository=repo, enabled=raw.bool("ciAccess")),
        policy_exemptions=exempted,
        restore_test=sections.restore_test(raw) if role is Role.DR else None,
        source_bucket_names=source_names,
        adopted_buckets=adopted,
        fleet=fleet.read(raw, role, stack, _accounts_by_key(accounts), taken, bucket_prefix, dr_region),
        air_gap=airgap.read(
            raw, role, backup=accounts.backup, prod=accounts.prod, preview=accounts.preview, dr_region=dr_region
        ),
        objectives=recovery_targets.read(raw),  # recoveryTargets, -Estimates, -Tiers (docs/recovery.md)
        written=MappingProxyType(dict(raw.written)),
    )


def _accounts_by_key(accounts: Accounts) -> dict[str, str]:
    return {
        "backupAccountId": accounts.backup,
        "prodAccountId": accounts.prod,
        "identityAccountId": accounts.identity,
        "previewAccountId": accounts.preview,
        "dnsAccountId": accounts.dns,
    }
