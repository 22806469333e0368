"""failsafe: load config -> build providers -> build this stack's components -> export outputs.

Deploy order is dr, then org, then prod and the fleet's members (prod-<name>): prod and the members read dr's outputs
through a StackReference; dr never reads them (it trusts their replication roles by their deterministic names, prod's
by its account ID and the members' by organization condition); org reads nothing but config.
How config becomes each component's args: failsafe/program/wiring.py.
"""

import pulumi

from failsafe.program import providers, registered, wiring
from failsafe.program.wiring import export
from failsafe.settings import agreement
from failsafe.settings.config import ConfigError, Role
from failsafe_components.errors import ComponentArgsError

try:
    cfg = wiring.load_from_pulumi()
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None

declared = registered.Declared.start()  # every resource from here on: what policyExemptions may name
aws = providers.build(cfg)
# protect: unset on prod and dr, so each component protects its stateful children (its safe default); False on
# preview stacks, which are disposable (protect is a resource option, inherited by every child).
protect = None if cfg.protect else False
home = pulumi.ResourceOptions(provider=aws.home, protect=protect)

try:  # a component refusing its args is reported in config terms (the key to fix, in which file)
    if cfg.role is Role.DR:
        from failsafe_components.backup_account import BackupAccount
        from failsafe_components.ci_access import CiAccess
        from failsafe_components.dns_failover import target_to_export
        from failsafe_components.event_intake import EventIntake
        from failsafe_components.recovery_functions import RecoveryFunctions

        backup = BackupAccount("backup", wiring.backup_account(cfg), opts=home)
        export(
            backupAccountId=cfg.accounts.backup,
            # the prod roles dr trusts: prod refuses to deploy when they disagree with its own (settings.agreement)
            replicationRoleArns={b: cfg.replication_role_arn_for(b) for b in cfg.protected_buckets},
            replicaBuckets=backup.replica_buckets,
            replicaKmsKeyArn=backup.kms_key_arn,
            backupVaultName=backup.vault_name,
            vaultName=backup.vault_name,  # the name `failsafe-dr verify` reads
            backupVaultArn=backup.vault_arn,
            notificationsTopicArn=backup.topic_arn,
            archiveBucketName=backup.archive_bucket_name,
            restoreRoleArn=backup.restore_role_arn,
            backupRestoreRoleArn=backup.backup_restore_role_arn,  # --role-arn of `failsafe-dr restore recovery-point`
            auditorRoleArn=backup.auditor_role_arn,
            breakGlassRoleArn=backup.break_glass_role_arn,
        )
        if cfg.fleet is not None and cfg.fleet.members:  # each member stack reads its own entry (settings.agreement)
            export(members=wiring.members_export(cfg, backup.member_replica_buckets))
        if cfg.air_gap.enabled:  # survives the backup account: shared in advance with the recovery account
            from failsafe_components.air_gapped_vault import AirGappedVault

            gap = AirGappedVault("air-gap", wiring.air_gapped_vault(cfg, aws.recovery), opts=home)
            export(
                airGappedVaultName=gap.vault_name,
                airGappedVaultArn=gap.vault_arn,  # prod's second copy action (an organization backup policy's too)
                airGappedShareArn=gap.share_arn,
                recoveryAccountId=cfg.air_gap.recovery_account,
                recoveryOperatorRoleArn=gap.operator_role_arn,  # people of the recovery account restore as it
                recoveryRestoreRoleArn=gap.restore_role_arn,  # --role-arn of a restore from the recovery account
            )
        if cfg.ci.enabled:
            ci = CiAccess("ci", wiring.dr_ci_access(cfg, backup.kms_key_arn), opts=home)
            export(
                ciEntryRoleArn=ci.entry_role_arn,  # deploy.yml (environment dr)
                ciPrPreviewRoleArn=ci.pr_role_arn,  # pr-checks.yml: read-only preview of dr
                archiveRoleArn=ci.archive_role_arn,  # archive.yml (environment archive)
                captureRoleArn=ci.capture_role_arn,  # capture.yml (environment capture): vars.CAPTURE_ROLE_ARN
            )
        if cfg.dr_endpoint is not None:
            export(drEndpoint=target_to_export(cfg.dr_endpoint))  # prod's failover secondary
        recovery = RecoveryFunctions(
            "recovery", wiring.recovery_functions(cfg, backup.kms_key_arn, backup.topic_arn), opts=home
        )
        EventIntake("snapshot-events", wiring.event_intake(cfg, recovery.copier_name), opts=home)  # prod's events
        from failsafe_components.restore_testing import RestoreTesting

        restores = wiring.restore_testing(cfg, backup.vault_arn, backup.backup_restore_role_arn)
        tests = RestoreTesting("restore-testing", restores, opts=home)  # scheduled restores, judged against the RTO
        export(restoreTestingPlanArn=tests.plan_arn, restoreFrameworkArn=tests.framework_arn)

    elif cfg.role is Role.PROD:
        from failsafe_components.ci_access import CiAccess
        from failsafe_components.dns_failover import DnsFailover
        from failsafe_components.prod_backup import ProdBackup
        from failsafe_components.recovery_functions import ProdReadAccess
        from failsafe_components.replicated_bucket import ReplicatedBucket

        dr = pulumi.StackReference("dr", stack_name=cfg.dr_stack_name)
        dr.outputs.apply(lambda outputs: wiring.check_dr_outputs(cfg, outputs))  # one line if dr disagrees
        backups = ProdBackup("backups", wiring.prod_backup(cfg, dr), opts=home)  # a member: no plan (org's policy)
        protected = {
            b: ReplicatedBucket(b, wiring.replicated_bucket(cfg, b, dr, backups.alert_topic_arn), opts=home)
            for b in cfg.protected_buckets
        }
        export(
            protectedBuckets={b: {"name": r.bucket_name, "arn": r.bucket_arn} for b, r in protected.items()},
            rpoMinutes=cfg.replication.rpo_minutes,
            backupPlanId=backups.plan_id,
            backupWorstCaseMinutes=backups.worst_case_minutes,
            alertTopicArn=backups.alert_topic_arn,
        )
        if cfg.dns is not None:
            assert aws.metrics is not None, "providers.build makes the metrics provider whenever DNS is configured"
            failover = DnsFailover(
                "failover",
                wiring.dns_failover(cfg, dr, aws.metrics),
                opts=pulumi.ResourceOptions(provider=aws.dns, protect=protect),
            )
            export(
                failoverWorstCaseSeconds=failover.worst_case_seconds,
                failoverRtoBudgetSeconds=failover.rto_budget_seconds,
                failoverHealthCheckId=failover.health_check_id,
                failoverTrafficHealthCheckId=failover.traffic_health_check_id,  # primary healthy AND not held
                failoverAlarmTopicArn=failover.alarm_topic_arn,  # verify checks that it delivers
                failoverSwitchPolicyArn=failover.switch_policy_arn,  # attach to the operators' MFA role
            )
        if cfg.ci.enabled:
            ci = CiAccess("ci", wiring.prod_ci_access(cfg), opts=home)
            export(
                ciEntryRoleArn=ci.entry_role_arn,  # deploy.yml (environment prod)
                ciPrPreviewRoleArn=ci.pr_role_arn,  # pr-checks.yml: read-only preview of prod
            )
            if (
                cfg.accounts.previews and cfg.member is None
            ):  # no previews: nothing in a preview account; members: prod's
                preview_ci = CiAccess(
                    "preview-ci",
                    wiring.preview_ci_access(cfg, ci.pr_role_arn),
                    opts=pulumi.ResourceOptions(provider=aws.preview_ci, protect=protect),
                )
                export(
                    previewCiEntryRoleArn=preview_ci.entry_role_arn,
                    previewDeployRoleArn=preview_ci.deploy_role_arn,
                )
        ProdReadAccess("dr-reader", wiring.prod_read_access(cfg), opts=home)  # the parameter copier's way in
        if cfg.accounts.identity:  # the runbook's prod-readonly profile: people with MFA, read-only
            from failsafe_components.human_access import ProdAuditor, ProdAuditorArgs

            auditor = ProdAuditor(
                "auditor",
                ProdAuditorArgs(
                    cfg.name_prefix, cfg.accounts.identity, cfg.human_access.mfa_max_age_seconds,
                    cfg.human_access.session_seconds,
                ),
                opts=home,
            )  # fmt: skip
            export(prodAuditorRoleArn=auditor.role_arn)

    elif cfg.role is Role.ORG:
        from failsafe.program import organization
        from failsafe_components.organization_policies import OrganizationPolicies

        policies = OrganizationPolicies("organization", organization.organization_policies(cfg), opts=home)
        export(
            backupPolicyId=policies.backup_policy_id,
            guardScpId=policies.guard_scp_id,
            perimeterRcpId=policies.perimeter_rcp_id,
            policySizes=policies.sizes,
        )

    else:
        from failsafe_components.preview_function import PreviewFunction

        assert cfg.preview is not None, "config.load sets preview for every preview stack"
        app = PreviewFunction("app", wiring.preview_function(cfg), opts=home)
        export(
            prNumber=cfg.preview.pr_number,
            url=app.url,
            functionName=app.function_name,
            imageDigest=app.image_digest,
        )
except ComponentArgsError as error:
    raise pulumi.RunError(agreement.config_message(str(error), cfg.stack, cfg.written)) from None

declared.refuse_unplanned_exemptions(cfg)  # an exemption naming no resource declared above exempts nothing
