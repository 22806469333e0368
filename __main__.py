"""failsafe: load config -> build providers -> build this stack's components -> export outputs.

Deploy order is dr, then prod: prod reads dr's outputs through a StackReference; dr never reads prod
(it trusts prod's replication role by its deterministic name and the prod account ID from config).
"""

import pulumi

from components.recovery_functions import ProdReadAccess, ProdReadAccessArgs
from failsafe import providers
from failsafe.config import ConfigError, Role, load_from_pulumi

try:
    cfg = load_from_pulumi()
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None

aws = providers.build(cfg)
home = pulumi.ResourceOptions(provider=aws.home)

if cfg.role is Role.DR:
    # --- dr: data protection (BackupAccount) ---
    from components.backup_account import BackupAccount, BackupAccountArgs

    backup = BackupAccount(
        "backup",
        BackupAccountArgs(
            name_prefix=cfg.name_prefix,
            backup_account_id=cfg.accounts.backup,
            prod_account_id=cfg.accounts.prod,
            identity_account_id=cfg.accounts.identity,
            replica_buckets={b: cfg.replica_bucket_name(b) for b in cfg.protected_buckets},
            replication_role_arns={b: f"{cfg.replication_role_arn}-{b}" for b in cfg.protected_buckets},
            archive_bucket_name=cfg.archive_bucket_name,
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
            protect=cfg.protect,
        ),
        opts=home,
    )
    pulumi.export("backupAccountId", cfg.accounts.backup)
    pulumi.export("replicaBuckets", backup.replica_buckets)
    pulumi.export("replicaKmsKeyArn", backup.kms_key_arn)
    pulumi.export("backupVaultName", backup.vault_name)
    pulumi.export("vaultName", backup.vault_name)  # the name `failsafe-dr verify` reads
    pulumi.export("backupVaultArn", backup.vault_arn)
    pulumi.export("notificationsTopicArn", backup.topic_arn)
    pulumi.export("archiveBucketName", backup.archive_bucket_name)
    pulumi.export("restoreRoleArn", backup.restore_role_arn)
    pulumi.export("auditorRoleArn", backup.auditor_role_arn)
    pulumi.export("breakGlassRoleArn", backup.break_glass_role_arn)
    # --- dr: CI access ---
    if cfg.ci.enabled:
        from components.ci_access import CiAccess, CiAccessArgs

        ci = CiAccess(
            "ci",
            CiAccessArgs(
                cfg.name_prefix,
                cfg.ci.github_repository,
                cfg.accounts.backup,
                cfg.dr_region,
                "dr",
                cfg.deploy_role_name,
                archive_bucket_name=cfg.archive_bucket_name,
                archive_kms_key_arn=backup.kms_key_arn,
            ),
            opts=home,
        )
        pulumi.export("ciEntryRoleArn", ci.entry_role_arn)
        pulumi.export("archiveRoleArn", ci.archive_role_arn)  # vars.ARCHIVE_ROLE_ARN of archive.yml
    # --- dr: DNS endpoint (the failover secondary prod reads) ---
    if cfg.dr_endpoint is not None:
        from components.dns_failover import target_to_export

        pulumi.export("drEndpoint", target_to_export(cfg.dr_endpoint))
    # --- dr: recovery functions (copiers) ---
    from components.recovery_functions import RecoveryFunctions, RecoveryFunctionsArgs

    RecoveryFunctions(
        "recovery",
        RecoveryFunctionsArgs(
            name_prefix=cfg.name_prefix,
            backup_account_id=cfg.accounts.backup,
            prod_account_id=cfg.accounts.prod,
            region=cfg.dr_region,
            backup_kms_key_arn=backup.kms_key_arn,
            notifications_topic_arn=backup.topic_arn,
            snapshot_retention_days=cfg.recovery.snapshot_retention_days,
            parameter_path=cfg.recovery.parameter_path,
            secret_prefix=cfg.recovery.secret_prefix,
            source_region=cfg.primary_region,
        ),
        opts=home,
    )

elif cfg.role is Role.PROD:
    dr = pulumi.StackReference("dr", stack_name=cfg.dr_stack_name)
    # --- prod: data protection (ReplicatedBucket per protected bucket) ---
    from components.replicated_bucket import ReplicatedBucket, ReplicatedBucketArgs

    replicas = dr.get_output("replicaBuckets")
    protected = {}
    for b in cfg.protected_buckets:
        protected[b] = ReplicatedBucket(
            b,
            ReplicatedBucketArgs(
                bucket_name=cfg.source_bucket_name(b),
                destination_bucket_arn=replicas.apply(lambda r, b=b: r[b]["arn"]),
                destination_account_id=cfg.accounts.backup,
                replica_kms_key_arn=dr.get_output("replicaKmsKeyArn"),
                replication_role_name=f"{cfg.replication.role_name}-{b}",
                source_account_id=cfg.accounts.prod,
                noncurrent_transition_days=cfg.lifecycle.noncurrent_transition_days,
                noncurrent_expiration_days=cfg.lifecycle.noncurrent_expiration_days,
                abort_incomplete_upload_days=cfg.lifecycle.abort_incomplete_upload_days,
                storage_class=cfg.replication.storage_class,
                time_control=cfg.replication.time_control,
                metrics=cfg.replication.metrics,
                protect=cfg.protect,
            ),
            opts=home,
        )
    pulumi.export("protectedBuckets", {b: {"name": r.bucket_name, "arn": r.bucket_arn} for b, r in protected.items()})
    pulumi.export("rpoMinutes", cfg.replication.rpo_minutes)
    # --- prod: DNS failover ---
    if cfg.dns is not None:
        from components.dns_failover import DnsFailover, DnsFailoverArgs

        failover = DnsFailover(
            "failover",
            DnsFailoverArgs(
                record_name=cfg.dns.record_name,
                zone_id=cfg.dns.zone_id,
                zone_name=cfg.dns.zone_name,
                primary=cfg.dns.primary,
                secondary=cfg.dns.secondary or dr.get_output("drEndpoint"),
                rto_budget_seconds=cfg.dns.rto_seconds,
                protocol=cfg.dns.protocol,
                port=cfg.dns.port,
                path=cfg.dns.path,
                search_string=cfg.dns.search_string,
                interval_seconds=cfg.dns.interval_seconds,
                failure_threshold=cfg.dns.failure_threshold,
                regions=cfg.dns.regions,
                secondary_health_check=cfg.dns.secondary_health_check,
                ttl_seconds=cfg.dns.ttl_seconds,
                alarm_topic_arn=cfg.dns.alarm_topic_arn,
                alarm_provider=aws.metrics,
                protect=cfg.protect,
                name_prefix=cfg.name_prefix,
            ),
            opts=pulumi.ResourceOptions(provider=aws.dns),
        )
        pulumi.export("failoverWorstCaseSeconds", failover.worst_case_seconds)
        pulumi.export("failoverRtoBudgetSeconds", failover.rto_budget_seconds)
        pulumi.export("failoverHealthCheckId", failover.health_check_id)
    # --- prod: CI access ---
    if cfg.ci.enabled:
        from components.ci_access import CiAccess, CiAccessArgs, preview_deploy_role_name

        ci = CiAccess(
            "ci",
            CiAccessArgs(
                cfg.name_prefix,
                cfg.ci.github_repository,
                cfg.accounts.prod,
                cfg.primary_region,
                "prod",
                cfg.deploy_role_name,
            ),
            opts=home,
        )
        preview_ci = CiAccess(
            "preview-ci",
            CiAccessArgs(
                cfg.name_prefix,
                cfg.ci.github_repository,
                cfg.accounts.preview,
                cfg.primary_region,
                "preview",
                preview_deploy_role_name(cfg.name_prefix),
                preview=True,
            ),
            opts=pulumi.ResourceOptions(provider=aws.preview_ci),
        )
        pulumi.export("ciEntryRoleArn", ci.entry_role_arn)
        pulumi.export("previewCiEntryRoleArn", preview_ci.entry_role_arn)
        pulumi.export("previewDeployRoleArn", preview_ci.deploy_role_arn)
    # --- prod: read-only door for the backup account's parameter copier ---
    ProdReadAccess(
        "dr-reader",
        ProdReadAccessArgs(
            name_prefix=cfg.name_prefix,
            backup_account_id=cfg.accounts.backup,
            prod_account_id=cfg.accounts.prod,
            region=cfg.primary_region,
            parameter_path=cfg.recovery.parameter_path,
            secret_prefix=cfg.recovery.secret_prefix,
        ),
        opts=home,
    )

else:
    # --- preview: PreviewFunction ---
    assert cfg.preview is not None  # config guarantees it for role preview
    from datetime import UTC, datetime

    from components.ci_access import preview_boundary_arn
    from components.preview_function import PreviewFunction, args_from_config

    boundary = preview_boundary_arn(cfg.name_prefix, cfg.accounts.preview)  # created by prod's CiAccess
    app = PreviewFunction(
        "app", args_from_config(cfg.name_prefix, cfg.preview, not cfg.protect, datetime.now(UTC), boundary), opts=home
    )
    pulumi.export("prNumber", cfg.preview.pr_number)
    pulumi.export("url", app.url)
    pulumi.export("functionName", app.function_name)
    pulumi.export("imageDigest", app.image_digest)
