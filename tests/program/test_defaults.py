"""One source of truth for defaults: every ``Pulumi.yaml`` default equals the default of the component argument it
feeds (through failsafe.program.wiring), so a component used alone behaves as the stacks do, and every defaulted
argument is either fed by a key here or named, with the reason, as not coming from config."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from failsafe.settings import stackfiles
from failsafe_components.air_gapped_vault import AirGappedVaultArgs
from failsafe_components.backup_account import BackupAccountArgs
from failsafe_components.dns_failover import DnsFailoverArgs
from failsafe_components.preview_function import PreviewFunctionArgs
from failsafe_components.prod_backup import ProdBackupArgs
from failsafe_components.recovery_functions import RecoveryFunctionsArgs
from failsafe_components.replicated_bucket import ReplicatedBucketArgs

# config key -> (args class, field) it feeds (read off failsafe/program/wiring.py)
FEEDS: dict[str, list[tuple[type, str]]] = {
    "objectLockMode": [(BackupAccountArgs, "object_lock_mode")],
    "objectLockRetentionDays": [(BackupAccountArgs, "object_lock_days")],
    "vaultMinRetentionDays": [(BackupAccountArgs, "vault_min_retention_days")],
    "vaultMaxRetentionDays": [(BackupAccountArgs, "vault_max_retention_days")],
    "noncurrentTransitionDays": [
        (BackupAccountArgs, "noncurrent_transition_days"),
        (ReplicatedBucketArgs, "noncurrent_transition_days"),
    ],
    "noncurrentExpirationDays": [
        (BackupAccountArgs, "noncurrent_expiration_days"),
        (ReplicatedBucketArgs, "noncurrent_expiration_days"),
    ],
    "abortIncompleteUploadDays": [
        (BackupAccountArgs, "abort_incomplete_upload_days"),
        (ReplicatedBucketArgs, "abort_incomplete_upload_days"),
    ],
    "archiveRetentionDays": [(BackupAccountArgs, "archive_retention_days")],
    "humanAccessFederation": [(BackupAccountArgs, "human_federation")],
    "replicationStorageClass": [(ReplicatedBucketArgs, "storage_class")],
    "replicationTimeControl": [(ReplicatedBucketArgs, "time_control")],
    "replicationMetrics": [(ReplicatedBucketArgs, "metrics")],
    "dnsHealthCheckProtocol": [(DnsFailoverArgs, "protocol")],
    "dnsHealthCheckPort": [(DnsFailoverArgs, "port")],
    "dnsHealthCheckPath": [(DnsFailoverArgs, "path")],
    "dnsHealthCheckInterval": [(DnsFailoverArgs, "interval_seconds")],
    "dnsHealthCheckThreshold": [(DnsFailoverArgs, "failure_threshold")],
    "dnsSecondaryHealthCheck": [(DnsFailoverArgs, "secondary_health_check")],
    "dnsTtl": [(DnsFailoverArgs, "ttl_seconds")],
    "dnsAliasIpv6": [(DnsFailoverArgs, "alias_ipv6")],
    "backupIntervalHours": [(ProdBackupArgs, "interval_hours")],
    "backupCompletionWindowMinutes": [(ProdBackupArgs, "completion_window_minutes")],
    "backupRetentionDays": [(ProdBackupArgs, "retention_days")],
    "backupCopyRetentionDays": [(ProdBackupArgs, "copy_retention_days")],
    "backupAirGappedCopyRetentionDays": [(ProdBackupArgs, "air_gapped_retention_days")],
    "backupCritical": [(ProdBackupArgs, "critical")],
    "airGappedVaultMinRetentionDays": [(AirGappedVaultArgs, "min_retention_days")],
    "airGappedVaultMaxRetentionDays": [(AirGappedVaultArgs, "max_retention_days")],
    "recoveryAccountOutsideOrganization": [(AirGappedVaultArgs, "recovery_outside_organization")],
    "mfaMaxAgeSeconds": [(BackupAccountArgs, "mfa_max_age_seconds"), (AirGappedVaultArgs, "mfa_max_age_seconds")],
    "humanSessionSeconds": [(BackupAccountArgs, "session_seconds"), (AirGappedVaultArgs, "session_seconds")],
    "previewArchitecture": [(PreviewFunctionArgs, "architecture")],
    "previewMemoryMb": [(PreviewFunctionArgs, "memory_mb")],
    "previewTimeoutSeconds": [(PreviewFunctionArgs, "timeout_seconds")],
    "previewReservedConcurrency": [(PreviewFunctionArgs, "reserved_concurrency")],
    "previewPublicUrl": [(PreviewFunctionArgs, "public_url")],
    "previewInvokeMode": [(PreviewFunctionArgs, "invoke_mode")],
    "previewLogRetentionDays": [(PreviewFunctionArgs, "log_retention_days")],
}
# Defaulted args that no config key feeds, and why.
NOT_FROM_CONFIG = {
    (BackupAccountArgs, "vault_changeable_for_days"): "vaultLockChangeableForDays 0 maps to None (governance mode)",
    (BackupAccountArgs, "restore_target_role_arns"): "prod's deployRoleName: the --to-profile of restore s3",
    (DnsFailoverArgs, "zone_id"): "dnsZoneId '' maps to None (look the zone up by name)",
    (DnsFailoverArgs, "zone_name"): "dnsZoneName '' maps to None (a zone ID is given)",
    (ReplicatedBucketArgs, "kms_key_arn"): "None: the component creates the source bucket's key",
    (ReplicatedBucketArgs, "adopt"): "adoptBuckets [] maps to False; an entry sets it with its key",
    (DnsFailoverArgs, "search_string"): "dnsHealthCheckSearchString '' maps to None",
    (DnsFailoverArgs, "regions"): "dnsHealthCheckRegions [] maps to () (Route 53's default checkers)",
    (DnsFailoverArgs, "alarm_topic_arn"): "dnsAlarmTopicArn '' maps to None (create a topic)",
    (DnsFailoverArgs, "alarm_subscriptions"): "dnsAlarmSubscription '' maps to () (config requires one or a topic)",
    (DnsFailoverArgs, "hold_switch"): "built from dnsSwitchRegion and the record name",
    (DnsFailoverArgs, "alarm_provider"): "a provider, built from metricsRegion",
    (DnsFailoverArgs, "name_prefix"): "namePrefix is required by every other component; the default serves reuse",
    (DnsFailoverArgs, "tags"): "not configurable",
    (PreviewFunctionArgs, "image_uri"): "previewImageUri '' maps to None (build the app)",
    (PreviewFunctionArgs, "app_dir"): "the program's app/ folder",
    (PreviewFunctionArgs, "force_delete_images"): "not protect: disposable stacks only",
    (PreviewFunctionArgs, "permissions_boundary_arn"): "derived from the preview account",
    (PreviewFunctionArgs, "extra_statements"): "not configurable",
    (RecoveryFunctionsArgs, "schedule_expression"): "not configurable yet",
    (RecoveryFunctionsArgs, "reserved_concurrency"): "opt-in for accounts whose concurrency quota allows it",
    (RecoveryFunctionsArgs, "source_region"): "primaryRegion, required",
    (ReplicatedBucketArgs, "alarm_topic_arn"): "the alert topic (alertTopicArn, or ProdBackup's) when metrics are on",
    (ReplicatedBucketArgs, "alarm_latency_minutes"): "the RPO: 15 with RTC, else rpoMinutes",
    (ProdBackupArgs, "resource_types"): "backupResourceTypes, a YAML list (tests/components/test_prod_backup.py)",
    (ProdBackupArgs, "organization_id"): "backupOrganizationId '' maps to None (config refuses it with a copy action)",
    (ProdBackupArgs, "event_bus_arn"): "derived from the backup account and drRegion when snapshotEventForwarding",
    (ProdBackupArgs, "alert_topic_arn"): "alertTopicArn '' maps to None (create a topic)",
    (ProdBackupArgs, "air_gapped_vault_arn"): "dr's airGappedVaultArn output when airGappedVault, else None",
    (AirGappedVaultArgs, "recovery_provider"): "a provider, built from recoveryAccountId and drRegion",
    (AirGappedVaultArgs, "encryption_key_arn"): "airGappedVaultKmsKeyArn '' maps to None (the AWS-owned key)",
    (AirGappedVaultArgs, "copy_in_condition"): "an organization backup policy's members: not configurable yet",
    (ProdBackupArgs, "alert_subscriptions"): "alertSubscription '' maps to () (config requires one or a topic)",
    (
        ProdBackupArgs,
        "backup_plan",
    ): "False on a fleet member (stack prod-<name>): the org's backup policy makes its plan",
    (BackupAccountArgs, "fleet"): "members and organizationalUnits (dr); None without protected OUs",
}


def field_default(cls: type, name: str) -> Any:
    field = {f.name: f for f in dataclasses.fields(cls)}[name]
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    raise AssertionError(f"{cls.__name__}.{name} has no default, but {name} is listed as defaulted")


@pytest.mark.parametrize("key", sorted(FEEDS))
def test_pulumi_yaml_default_equals_the_component_default_it_feeds(key: str) -> None:
    declaration = stackfiles.declarations()[key]
    assert declaration.has_default, f"{key} has no default in Pulumi.yaml"
    for cls, name in FEEDS[key]:
        assert declaration.default == field_default(cls, name), (
            f"Pulumi.yaml {key}: {declaration.default!r} but {cls.__name__}.{name} defaults to "
            f"{field_default(cls, name)!r}"
        )


@pytest.mark.parametrize(
    "cls",
    [
        AirGappedVaultArgs,
        BackupAccountArgs,
        DnsFailoverArgs,
        PreviewFunctionArgs,
        ProdBackupArgs,
        RecoveryFunctionsArgs,
        ReplicatedBucketArgs,
    ],
    ids=lambda c: c.__name__,
)
def test_every_defaulted_argument_is_fed_by_a_key_or_named_as_not_from_config(cls: type) -> None:
    fed = {name for feeds in FEEDS.values() for c, name in feeds if c is cls}
    unaccounted = [
        f.name
        for f in dataclasses.fields(cls)
        if (f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING)
        and f.name not in fed
        and (cls, f.name) not in NOT_FROM_CONFIG
    ]
    assert unaccounted == [], f"{cls.__name__}: defaulted args neither fed by config nor explained: {unaccounted}"
