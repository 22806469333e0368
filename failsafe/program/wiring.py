"""Stack config -> component args: the one place that maps validated config onto component arguments.

Components never read config (they take plain, validated args, so they can be reused and tested alone);
``__main__.py`` never spells out argument lists (so it shows the whole estate on one screen). Names that
another stack must be able to derive without reading state (prod's replication roles, which dr trusts;
the archive bucket, which the archive job and ``failsafe-dr verify`` address) come from
:class:`~failsafe.settings.config.StackConfig`, never from string formatting here.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi

from failsafe import ops
from failsafe.program import providers
from failsafe.settings import agreement
from failsafe.settings.config import NAMESPACE, ConfigError, StackConfig, load
from failsafe.settings.stackfiles import ROOT
from failsafe_components.air_gapped_vault import AirGappedVaultArgs
from failsafe_components.backup_account import BackupAccountArgs
from failsafe_components.ci_access import (
    CiAccessArgs,
    capture_role_name,
    preview_boundary_arn,
    preview_deploy_role_name,
    read_role_name,
)
from failsafe_components.dns_failover import DnsFailoverArgs, HoldSwitch
from failsafe_components.event_intake import EventIntakeArgs
from failsafe_components.fleet_access import FleetAccess, MemberReplica
from failsafe_components.preview_function import PreviewFunctionArgs
from failsafe_components.prod_backup import ProdBackupArgs, event_bus_arn
from failsafe_components.recovery_functions import ProdReadAccessArgs, RecoveryFunctionsArgs
from failsafe_components.replicated_bucket import ReplicatedBucketArgs
from failsafe_components.restore_testing import RestoreTestingArgs

APP_DIR = ROOT / "app"  # the preview web app's build context, independent of the working directory


def check_dr_outputs(cfg: StackConfig, outputs: dict[str, Any]) -> None:
    """prod refuses dr's outputs when they disagree with its own config (failsafe.settings.agreement), as the program
    must say it: ``pulumi.RunError``, the one exception the SDK lets out of an ``apply`` without a traceback (any
    other, ConfigError included, ends the run with the SDK's stack trace)."""
    try:
        agreement.check_dr_outputs(cfg, outputs)
    except ConfigError as error:
        raise pulumi.RunError(str(error)) from None


def load_from_pulumi() -> StackConfig:
    """Read the running stack's config through the Pulumi SDK (the program's only config read)."""
    config = pulumi.Config(NAMESPACE)
    return load(pulumi.get_stack(), config.get)


def backup_account(cfg: StackConfig) -> BackupAccountArgs:
    return BackupAccountArgs(
        name_prefix=cfg.name_prefix,
        backup_account_id=cfg.accounts.backup,
        prod_account_id=cfg.accounts.prod,
        identity_account_id=cfg.accounts.identity,
        replica_buckets={b: cfg.replica_bucket_name(b) for b in cfg.protected_buckets},
        replication_role_arns={b: cfg.replication_role_arn_for(b) for b in cfg.protected_buckets},
        archive_bucket_name=cfg.archive_bucket_name,
        deploy_role_arns=(cfg.role_arn(cfg.accounts.backup, cfg.deploy_role_name),),  # the dr providers' role
        object_lock_mode=cfg.object_lock.mode,
        object_lock_days=cfg.object_lock.retention_days,
        vault_min_retention_days=cfg.vault_lock.min_retention_days,
        vault_max_retention_days=cfg.vault_lock.max_retention_days,
        vault_changeable_for_days=cfg.vault_lock.changeable_for_days,
        noncurrent_transition_days=cfg.lifecycle.noncurrent_transition_days,
        noncurrent_expiration_days=cfg.lifecycle.noncurrent_expiration_days,
        abort_incomplete_upload_days=cfg.lifecycle.abort_incomplete_upload_days,
        archive_retention_days=cfg.recovery.archive_retention_days,
        mfa_max_age_seconds=cfg.human_access.mfa_max_age_seconds,
        session_seconds=cfg.human_access.session_seconds,
        human_federation=cfg.human_access.federation,
        # restore s3 --to-profile: prod's deploy role copies the replica versions into prod's rebuilt buckets
        restore_target_role_arns=(cfg.role_arn(cfg.accounts.prod, cfg.deploy_role_name),),
        fleet=fleet_access(cfg),
    )


def fleet_access(cfg: StackConfig) -> FleetAccess | None:
    """dr's view of the fleet: the members' replicas (from dr's registry) and the conditions the shared key, vault and
    bus policies admit the protected OUs by. None without protected OUs: the single-account estate, unchanged."""
    org = cfg.fleet.organization if cfg.fleet else None
    if cfg.fleet is None or org is None or not org.ou_paths:
        return None
    names = cfg.fleet.replica_buckets(cfg.bucket_name_prefix, cfg.dr_region)
    replicas = {
        f"{m.name}/{b}": MemberReplica(
            bucket_name=names[m.name, b],
            account_id=m.account,
            replication_role_arn=cfg.role_arn(m.account, cfg.replication_role_name_for(b)),
            restore_role_arn=cfg.role_arn(m.account, cfg.deploy_role_name),
        )
        for m in cfg.fleet.members
        for b in m.buckets
    }
    return FleetAccess(
        org_paths=tuple(org.path_patterns()),
        replication_role_pattern=cfg.role_arn("*", f"{cfg.replication.role_name}-*"),
        restore_role_pattern=cfg.role_arn("*", cfg.deploy_role_name),
        replica_arn_pattern=f"arn:aws:s3:::{cfg.bucket_name_prefix}-*-replica-{cfg.dr_region}",
        replicas=replicas,
    )


def members_export(cfg: StackConfig, replicas: pulumi.Output[Any]) -> pulumi.Output[dict[str, Any]]:
    """dr's registry as its members read it: each member's account, region and replica buckets (by bucket)."""
    members = cfg.fleet.members if cfg.fleet else ()

    def shape(found: dict[str, Any]) -> dict[str, Any]:
        return {
            m.name: {
                "accountId": m.account,
                "region": m.region,
                "replicaBuckets": {b: found[f"{m.name}/{b}"] for b in m.buckets},
            }
            for m in members
        }

    return pulumi.Output.from_input(replicas).apply(shape)


def air_gapped_vault(cfg: StackConfig, recovery_provider: pulumi.ProviderResource | None) -> AirGappedVaultArgs:
    """dr with airGappedVault: the vault prod's backup plan also copies into, shared in advance with the recovery
    account, whose restore roles ``recovery_provider`` (providers.build) makes."""
    gap = cfg.air_gap
    return AirGappedVaultArgs(
        name_prefix=cfg.name_prefix,
        backup_account_id=cfg.accounts.backup,
        region=cfg.dr_region,
        source_account_ids=(cfg.accounts.prod,),
        recovery_account_id=gap.recovery_account,
        recovery_provider=recovery_provider,
        min_retention_days=gap.min_retention_days,
        max_retention_days=gap.max_retention_days,
        encryption_key_arn=gap.kms_key_arn,
        recovery_outside_organization=gap.recovery_outside_organization,
        mfa_max_age_seconds=cfg.human_access.mfa_max_age_seconds,
        session_seconds=cfg.human_access.session_seconds,
        # the fleet's members copy in through the organization backup policy (org stack): by their protected OUs
        copy_in_condition=access.org_condition() if (access := fleet_access(cfg)) else None,
    )


def restore_testing(cfg: StackConfig, vault_arn: Any, restore_role_arn: Any) -> RestoreTestingArgs:
    """dr: restore-test the vault's latest recovery points on the configured schedule, judged against rtoMinutes."""
    test = cfg.restore_test
    assert test is not None, "restore testing is dr's"
    return RestoreTestingArgs(
        name_prefix=cfg.name_prefix,
        vault_arn=vault_arn,
        restore_role_arn=restore_role_arn,
        schedule=test.schedule,
        resource_type=test.resource_type,
        rto_minutes=cfg.recovery.rto_minutes,
    )


def recovery_functions(
    cfg: StackConfig, kms_key_arn: pulumi.Input[str], topic_arn: pulumi.Input[str]
) -> RecoveryFunctionsArgs:
    return RecoveryFunctionsArgs(
        name_prefix=cfg.name_prefix,
        backup_account_id=cfg.accounts.backup,
        prod_account_id=cfg.accounts.prod,
        region=cfg.dr_region,
        backup_kms_key_arn=kms_key_arn,
        notifications_topic_arn=topic_arn,
        snapshot_retention_days=cfg.recovery.snapshot_retention_days,
        parameter_path=cfg.recovery.parameter_path,
        secret_prefix=cfg.recovery.secret_prefix,
        code=pulumi.AssetArchive({name: pulumi.FileAsset(path) for name, path in ops.lambda_files().items()}),
        copier_handler=ops.COPIER_HANDLER,
        params_handler=ops.PARAMS_HANDLER,
        source_region=cfg.primary_region,
    )


def dr_ci_access(cfg: StackConfig, archive_kms_key_arn: pulumi.Input[str]) -> CiAccessArgs:
    """CI roles of the backup account: the dr deploy entry role, the archive job's writer role, and the read-only
    pair for pull-request previews of dr (a PR role that can only assume the account's read-only role)."""
    reader = read_role_name(cfg.name_prefix)
    home = cfg.role_arn(cfg.accounts.backup, cfg.deploy_role_name)
    # with airGappedVault, dr's providers reach the recovery account too (its read role is its bootstrap's: docs/ci.md)
    accounts = dict.fromkeys(account for account, _ in providers.provider_accounts(cfg))
    return CiAccessArgs(
        cfg.name_prefix,
        cfg.ci.github_repository,
        cfg.accounts.backup,
        cfg.dr_region,
        "dr",
        cfg.deploy_role_name,
        extra_role_arns=tuple(arn for arn in providers.assumed_role_arns(cfg) if arn != home),
        archive_bucket_name=cfg.archive_bucket_name,
        archive_kms_key_arn=archive_kms_key_arn,
        pr_read_role_arns=tuple(cfg.role_arn(account, reader) for account in accounts),
        read_role_name=reader,
        # configuration capture of prod (capture.yml): the notices topic's name is BackupAccount's, deterministic
        capture_topic_arn=f"arn:aws:sns:{cfg.dr_region}:{cfg.accounts.backup}:{cfg.name_prefix}-backup-notices",
        capture_read_role_arns=(cfg.role_arn(cfg.accounts.prod, reader),),
    )


def prod_backup(cfg: StackConfig, dr: pulumi.StackReference) -> ProdBackupArgs:
    """AWS Backup in prod, copying into the vault dr exports; snapshot events forwarded to dr's event bus (whose name
    is deterministic, so prod need not wait for an output)."""
    b = cfg.backup
    member = cfg.member is not None  # a fleet member: the organization's backup policy makes its plan
    return ProdBackupArgs(
        name_prefix=cfg.name_prefix,
        prod_account_id=cfg.accounts.prod,
        backup_account_id=cfg.accounts.backup,
        destination_vault_arn=dr.get_output("backupVaultArn") if b.copy_to_backup_account and not member else None,
        organization_id=b.organization_id,
        interval_hours=b.interval_hours,
        completion_window_minutes=b.completion_window_minutes,
        retention_days=b.retention_days,
        copy_retention_days=b.copy_retention_days,
        resource_types=b.resource_types,
        event_bus_arn=event_bus_arn(cfg.name_prefix, cfg.accounts.backup, cfg.dr_region)
        if b.event_forwarding
        else None,
        alert_topic_arn=b.alert_topic_arn,
        alert_subscriptions=(b.alert_subscription,) if b.alert_subscription else (),
        backup_plan=not member,
        air_gapped_vault_arn=dr.get_output("airGappedVaultArn") if cfg.air_gap.enabled else None,
        air_gapped_retention_days=cfg.air_gap.copy_retention_days,
        critical=cfg.air_gap.critical,
    )


def event_intake(cfg: StackConfig, copier_name: pulumi.Input[str]) -> EventIntakeArgs:
    """dr's snapshot event bus, running the copier RecoveryFunctions created (its ARN built from its name)."""
    return EventIntakeArgs(
        name_prefix=cfg.name_prefix,
        prod_account_id=cfg.accounts.prod,
        backup_account_id=cfg.accounts.backup,
        copier_function_name=copier_name,
        copier_function_arn=pulumi.Output.concat(
            "arn:aws:lambda:", cfg.dr_region, ":", cfg.accounts.backup, ":function:", copier_name
        ),
        organization_paths=access.org_paths if (access := fleet_access(cfg)) else (),
    )


def replicated_bucket(
    cfg: StackConfig, bucket: str, dr: pulumi.StackReference, alarm_topic_arn: pulumi.Input[str] | None = None
) -> ReplicatedBucketArgs:
    """One protected bucket of prod, replicating into the replica bucket and key that dr exports; with a topic, its
    replication alarms fire above the RPO (15 minutes with RTC, else rpoMinutes). A bucket of ``adoptBuckets`` is
    imported and keeps its existing key."""
    adoption = cfg.adoption(bucket)
    return ReplicatedBucketArgs(
        bucket_name=cfg.source_bucket_name(bucket),
        destination_bucket_arn=replica_output(cfg, dr, bucket, "arn"),
        destination_account_id=cfg.accounts.backup,
        replica_kms_key_arn=dr.get_output("replicaKmsKeyArn"),
        replication_role_name=cfg.replication_role_name_for(bucket),
        source_account_id=cfg.accounts.prod,
        noncurrent_transition_days=cfg.lifecycle.noncurrent_transition_days,
        noncurrent_expiration_days=cfg.lifecycle.noncurrent_expiration_days,
        abort_incomplete_upload_days=cfg.lifecycle.abort_incomplete_upload_days,
        storage_class=cfg.replication.storage_class,
        time_control=cfg.replication.time_control,
        metrics=cfg.replication.metrics,
        alarm_topic_arn=alarm_topic_arn if cfg.replication.metrics else None,
        alarm_latency_minutes=cfg.replication.rpo_minutes or cfg.recovery.rpo_minutes,
        kms_key_arn=adoption.kms_key_arn if adoption else None,
        adopt=adoption is not None,
    )


def replica_output(cfg: StackConfig, dr: pulumi.StackReference, bucket: str, field: str) -> pulumi.Output[Any]:
    """A field of the replica dr exports for ``bucket``: prod's under ``replicaBuckets``, a member's under
    ``members.<name>.replicaBuckets`` (dr's outputs are checked against this stack's config first:
    failsafe.settings.agreement)."""
    member = cfg.member
    if member is None:
        return dr.get_output("replicaBuckets").apply(lambda replicas: replicas[bucket][field])
    return dr.get_output("members").apply(lambda members: members[member.name]["replicaBuckets"][bucket][field])


def dns_failover(
    cfg: StackConfig, dr: pulumi.StackReference, metrics_provider: pulumi.ProviderResource
) -> DnsFailoverArgs:
    """The failover record of prod; its secondary is dr's ``drEndpoint`` output unless config names one.

    ``metrics_provider`` is the hosted zone's account in us-east-1 (providers.build): the alarm reads the health
    check's metrics in the account that owns the check. The switch's names come from config, so ``failsafe-dr dns``
    addresses the same metric without reading state.
    """
    dns = cfg.dns
    assert dns is not None  # the caller builds DnsFailover only when dnsRecordName is set
    switch = dns.switch
    return DnsFailoverArgs(
        record_name=dns.record_name,
        zone_id=dns.zone_id,
        zone_name=dns.zone_name,
        primary=dns.primary,
        secondary=dns.secondary or dr.get_output("drEndpoint"),
        rto_budget_seconds=dns.rto_seconds,
        protocol=dns.protocol,
        port=dns.port,
        path=dns.path,
        search_string=dns.search_string,
        interval_seconds=dns.interval_seconds,
        failure_threshold=dns.failure_threshold,
        regions=dns.regions,
        secondary_health_check=dns.secondary_health_check,
        ttl_seconds=dns.ttl_seconds,
        alias_ipv6=dns.alias_ipv6,
        hold_switch=HoldSwitch(
            region=switch.region,
            namespace=switch.namespace,
            metric_name=switch.metric_name,
            dimension_name=switch.dimension_name,
            dimension_value=switch.dimension_value,
            alarm_name=switch.alarm_name,
        ),
        alarm_topic_arn=dns.alarm_topic_arn,
        alarm_subscriptions=(dns.alarm_subscription,) if dns.alarm_subscription else (),
        alarm_provider=metrics_provider,
        name_prefix=cfg.name_prefix,
    )


def prod_ci_access(cfg: StackConfig) -> CiAccessArgs:
    """prod's CI entry role: it must reach every provider of the prod stack (prod, and the preview and DNS accounts),
    not only prod's deploy role."""
    home = cfg.role_arn(cfg.accounts.prod, cfg.deploy_role_name)
    reader = read_role_name(cfg.name_prefix)
    accounts = dict.fromkeys(account for account, _ in providers.provider_accounts(cfg))
    return CiAccessArgs(
        cfg.name_prefix,
        cfg.ci.github_repository,
        cfg.accounts.prod,
        cfg.primary_region,
        "prod",
        cfg.deploy_role_name,
        extra_role_arns=tuple(arn for arn in providers.assumed_role_arns(cfg) if arn != home),
        # PR previews of prod: the read-only role of every account prod's providers touch (the preview account's is
        # made by preview_ci_access; a separate DNS account's by its bootstrap, see docs/ci.md)
        pr_read_role_arns=tuple(cfg.role_arn(account, reader) for account in accounts),
        read_role_name=reader,
        # the configuration capture reads prod through this read-only role, from dr's capture role (capture.yml).
        # IAM refuses a trust policy naming a role that does not exist yet (IAM User Guide, "AWS JSON policy
        # elements: Principal", IAM role principals): dr, which creates that role, deploys before prod, as always.
        read_role_trusted_arns=(cfg.role_arn(cfg.accounts.backup, capture_role_name(cfg.name_prefix)),),
        capture_read_policies=capture_read_policies(),
    )


def capture_read_policies() -> tuple[str, ...]:
    """The generated read-only policies the capture's Cloud Control inventory needs in prod (docs/capture.md)."""
    from failsafe.ops import cloudcontrol_catalog

    return tuple(
        json.dumps(document, sort_keys=True, separators=(",", ":"))
        for document in cloudcontrol_catalog.readonly_policies()
    )


def preview_ci_access(cfg: StackConfig, prod_pr_role_arn: pulumi.Input[str] | None = None) -> CiAccessArgs:
    """Built by prod (in the preview account): the scoped role that deploys and destroys pr-<n> stacks, and, given
    prod's PR preview role, the preview account's read-only role that a PR preview of prod reads it with."""
    return CiAccessArgs(
        cfg.name_prefix,
        cfg.ci.github_repository,
        cfg.accounts.preview,
        cfg.primary_region,
        "preview",
        preview_deploy_role_name(cfg.name_prefix),
        preview=True,
        read_role_name=read_role_name(cfg.name_prefix) if prod_pr_role_arn is not None else None,
        read_role_trusted_arns=(prod_pr_role_arn,) if prod_pr_role_arn is not None else (),
    )


def prod_read_access(cfg: StackConfig) -> ProdReadAccessArgs:
    return ProdReadAccessArgs(
        name_prefix=cfg.name_prefix,
        backup_account_id=cfg.accounts.backup,
        prod_account_id=cfg.accounts.prod,
        region=cfg.primary_region,
        parameter_path=cfg.recovery.parameter_path,
        secret_prefix=cfg.recovery.secret_prefix,
    )


def preview_function(cfg: StackConfig, now: datetime | None = None) -> PreviewFunctionArgs:
    """A pull request's preview; its execution role is bounded by the policy prod's CiAccess creates."""
    assert cfg.preview is not None  # config guarantees it for role preview
    preview = cfg.preview
    expires = (now or datetime.now(UTC)).astimezone(UTC) + timedelta(hours=preview.ttl_hours)
    return PreviewFunctionArgs(
        name_prefix=cfg.name_prefix,
        pr_number=preview.pr_number,
        branch=preview.branch,
        commit=preview.commit,
        expires_at=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        image_uri=preview.image_uri,
        # relative to the working directory: "app" under the Pulumi CLI (which runs the program in the project
        # folder), so state never records a machine path; still right when run from elsewhere
        app_dir=os.path.relpath(APP_DIR, ROOT),  # the CLI runs the program in the project folder
        architecture=preview.architecture,
        memory_mb=preview.memory_mb,
        timeout_seconds=preview.timeout_seconds,
        reserved_concurrency=preview.reserved_concurrency,
        public_url=preview.public_url,
        invoke_mode=preview.invoke_mode,
        log_retention_days=preview.log_retention_days,
        force_delete_images=not cfg.protect,  # previews are disposable; a protected stack keeps its images
        permissions_boundary_arn=preview_boundary_arn(cfg.name_prefix, cfg.accounts.preview),
    )


def export(**outputs: Any) -> None:
    """``pulumi.export`` for each keyword: the stack's outputs read as one block in ``__main__.py``."""
    for name, value in outputs.items():
        pulumi.export(name, value)
