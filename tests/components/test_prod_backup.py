"""AWS Backup in prod, snapshot event forwarding to dr's bus, and replication alarms: read off the real plans.

The access paths are tested here on the plans (the vault policy admitting prod's copies is BackupAccount's and proved
by the access catalogue; the event bus policy and the forwarding role are checked below).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from failsafe.settings import config, stackfiles
from failsafe.settings.config import ConfigError, load_mapping
from failsafe.tooling.cli import PlanError, plan_stack
from failsafe.tooling.harness import Plan, PlannedResource
from failsafe_components import spec
from failsafe_components.errors import ComponentArgsError
from failsafe_components.prod_backup import SNAPSHOT_EVENT_PATTERN, ProdBackupArgs, event_bus_arn
from failsafe_components.recovery_functions import RecoveryFunctionsArgs
from tests.support.plans import cached_plan, config_of, values_of


def one(plan: Plan, type_: str, name: str) -> PlannedResource:
    found = [r for r in plan.resources if r.type == type_ and r.name == name]
    assert len(found) == 1, f"{plan.stack}: expected one {type_} {name!r}, found {len(found)}"
    return found[0]


def doc(resource: PlannedResource, prop: str) -> dict[str, Any]:
    value = resource.inputs[prop]
    return json.loads(value) if isinstance(value, str) else value


def test_prod_plan_backs_up_tagged_resources_hourly_and_copies_them_into_the_backup_vault() -> None:
    plan, cfg = cached_plan("prod"), config_of("prod")
    (rule,) = one(plan, "aws:backup/plan:Plan", "backups-plan").inputs["rules"]
    assert rule["schedule"] == "cron(0 * * * ? *)" and rule["lifecycle"]["deleteAfter"] == 35, rule
    (copy,) = rule["copyActions"]
    dr_vault = cached_plan("dr").outputs["backupVaultArn"]
    assert copy["destinationVaultArn"] == dr_vault, f"copies go to {copy['destinationVaultArn']}, not dr's vault"
    assert copy["lifecycle"]["deleteAfter"] == cfg.backup.copy_retention_days
    selection = one(plan, "aws:backup/selection:Selection", "backups-tagged").inputs
    assert selection["conditions"] == [
        {"stringEquals": [{"key": "aws:ResourceTag/failsafe:backup", "value": "true"}]}
    ], "only resources tagged failsafe:backup=true are selected"
    patterns = {p for t in ("RDS", "DynamoDB", "EBS", "EFS") for p in spec.BACKUP_RESOURCE_PATTERNS[t]}
    assert set(selection["resources"]) == patterns, "S3 is opt-in; the four default types are selected"
    trust = doc(one(plan, "aws:iam/role:Role", "backups-service"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": ["backup.amazonaws.com"]}


def test_prod_forwards_snapshot_events_to_the_dr_bus_through_a_role_that_may_only_put_there() -> None:
    plan, cfg = cached_plan("prod"), config_of("prod")
    bus = event_bus_arn(cfg.name_prefix, cfg.accounts.backup, cfg.dr_region)
    target = one(plan, "aws:cloudwatch/eventTarget:EventTarget", "backups-snapshot-events-to-backup").inputs
    assert target["arn"] == bus and target["roleArn"], "a cross-account bus target needs a role"
    policy = doc(one(plan, "aws:iam/rolePolicy:RolePolicy", "backups-forward-policy"), "policy")
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [("events:PutEvents", bus)]
    rule = one(plan, "aws:cloudwatch/eventRule:EventRule", "backups-snapshot-events").inputs
    assert json.loads(rule["eventPattern"]) == SNAPSHOT_EVENT_PATTERN


def admitted(statements: list[dict[str, Any]]) -> list[object]:
    """Who each Allow statement admits, as the stack file says it should: prod's account root by itself, and a fleet's
    members by their protected OUs (``organizationalUnits`` as written in Pulumi.dr.yaml), each path ending in ``/*``
    under ``aws:PrincipalOrgPaths`` for every principal (IAM User Guide, "AWS global condition context keys",
    aws:PrincipalOrgPaths: "use wildcards (*) ... to match all child paths"), never by listing member accounts."""
    found: list[object] = []
    for s in statements:
        paths = s.get("Condition", {}).get("ForAnyValue:StringLike", {}).get("aws:PrincipalOrgPaths")
        found.append(("org paths", sorted(paths)) if s["Principal"] == {"AWS": "*"} and paths else s["Principal"])
    return found


def expected_admitted(prod: str) -> list[object]:
    ous = json.loads(values_of("dr").get("organizationalUnits") or "[]")
    return [{"AWS": f"arn:aws:iam::{prod}:root"}] + ([("org paths", sorted(f"{ou}*" for ou in ous))] if ous else [])


def test_dr_bus_admits_only_prod_and_the_protected_ous_and_runs_the_copier() -> None:
    plan, cfg = cached_plan("dr"), config_of("dr")
    bus = one(plan, "aws:cloudwatch/eventBus:EventBus", "snapshot-events-bus")
    assert event_bus_arn(cfg.name_prefix, cfg.accounts.backup, cfg.dr_region).endswith(
        f":event-bus/{bus.inputs['name']}"
    ), "prod addresses the bus by a name dr must keep (the mock's ARNs are not AWS's, so the name is compared)"
    statements = doc(one(plan, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", "snapshot-events-bus-policy"), "policy")[
        "Statement"
    ]
    assert admitted(statements) == expected_admitted(cfg.accounts.prod), statements
    assert all(s["Action"] == "events:PutEvents" and s["Effect"] == "Allow" for s in statements), statements
    target = one(plan, "aws:cloudwatch/eventTarget:EventTarget", "snapshot-events-copier-target").inputs
    copier = one(plan, "aws:lambda/function:Function", "recovery-copier")
    assert target["arn"] == copier.outputs["arn"], "the bus rule must invoke the copier"
    permission = one(plan, "aws:lambda/permission:Permission", "snapshot-events-copier-invoke").inputs
    rule = one(plan, "aws:cloudwatch/eventRule:EventRule", "snapshot-events-copier")
    assert permission["sourceArn"] == rule.outputs["arn"] and permission["principal"] == "events.amazonaws.com"


def test_every_protected_bucket_alarms_on_failed_and_late_replication_to_a_subscribed_topic() -> None:
    plan, cfg = cached_plan("prod"), config_of("prod")
    topic = plan.outputs["alertTopicArn"]
    subscriptions = plan.by_type("aws:sns/topicSubscription:TopicSubscription")
    assert any(s.inputs["topic"] == topic and s.inputs["endpoint"] == "oncall@example.com" for s in subscriptions)
    for bucket in cfg.protected_buckets:
        failed = one(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", f"{bucket}-replication-failed").inputs
        late = one(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", f"{bucket}-replication-latency").inputs
        assert failed["metricName"] == "OperationsFailedReplication" and failed["threshold"] == 0
        assert late["metricName"] == "ReplicationLatency" and late["threshold"] == 15 * 60, "RTC: RPO 15 minutes"
        for alarm in (failed, late):
            assert alarm["alarmActions"] == [topic], f"{bucket}: alarm goes to {alarm['alarmActions']}"
            assert alarm["dimensions"] == {
                "SourceBucket": cfg.source_bucket_name(bucket),
                "DestinationBucket": cfg.replica_bucket_name(bucket),
                "RuleId": "to-backup-account",
            }


def raw_prod(**overrides: Any) -> dict[str, Any]:
    values = stackfiles.unnamespaced(stackfiles.raw_config("prod"))
    values.update(overrides)
    return values


def test_prod_with_a_copy_action_but_no_organization_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"backupOrganizationId.*Organizations"):
        load_mapping("prod", raw_prod(backupOrganizationId=""))
    assert load_mapping("prod", raw_prod(backupOrganizationId="", backupCopyToBackupAccount="false"))


@pytest.mark.parametrize(
    ("overrides", "worst"),
    [({}, 240), ({"backupIntervalHours": "4"}, 420), ({"snapshotEventForwarding": "false"}, 360)],
    ids=["hourly", "every-4-hours", "copier-schedule-only"],
)
def test_an_rpo_below_the_configured_worst_case_is_refused(overrides: dict[str, str], worst: int) -> None:
    assert load_mapping("prod", raw_prod(rpoMinutes=str(worst), **overrides)).backup.worst_case_rpo_minutes == worst
    with pytest.raises(ConfigError, match=f"rpoMinutes = {worst - 1}: expected at least {worst}"):
        load_mapping("prod", raw_prod(rpoMinutes=str(worst - 1), **overrides))


def test_the_copier_schedule_the_rpo_counts_is_the_one_the_copier_runs_on() -> None:
    assert RecoveryFunctionsArgs.__dataclass_fields__["schedule_expression"].default == "rate(6 hours)"
    assert config.COPIER_SCHEDULE_MINUTES == 6 * 60


def test_prod_without_an_alert_destination_is_refused() -> None:
    with pytest.raises(ConfigError, match="alertSubscription"):
        load_mapping("prod", raw_prod(alertSubscription=""))


def test_check_refuses_prod_without_an_organization_before_planning() -> None:
    with pytest.raises(PlanError, match="backupOrganizationId"):
        plan_stack("prod", {"failsafe:backupOrganizationId": ""})


def args(**changes: Any) -> ProdBackupArgs:
    base: dict[str, Any] = {
        "name_prefix": "failsafe",
        "prod_account_id": "111111111111",
        "backup_account_id": "222222222222",
        "destination_vault_arn": "arn:aws:backup:eu-central-1:222222222222:backup-vault:failsafe",
        "organization_id": "o-exampleorg12",
        "alert_subscriptions": (("email", "ops@example.com"),),
    }
    return ProdBackupArgs(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "arg"),
    [
        ({"organization_id": None}, "organization_id"),
        ({"interval_hours": 5}, "interval_hours"),
        ({"completion_window_minutes": 60}, "completion_window_minutes"),
        ({"resource_types": ("RDS", "Redshift")}, "resource_types"),
        ({"alert_subscriptions": ()}, "alert_subscriptions"),
        ({"backup_account_id": "111111111111"}, "backup_account_id"),
        ({"event_bus_arn": "arn:aws:events:eu-central-1:333333333333:event-bus/x"}, "event_bus_arn"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_args_are_refused_naming_the_arg(changes: dict[str, Any], arg: str) -> None:
    args().validate()
    with pytest.raises(ComponentArgsError, match=f"ProdBackupArgs.{arg}="):
        args(**changes).validate()


def test_the_resource_types_default_is_the_pulumi_yaml_default() -> None:
    default = stackfiles.declarations()["backupResourceTypes"].default
    assert tuple(default) == ProdBackupArgs.__dataclass_fields__["resource_types"].default


def test_the_backup_vault_admits_copies_from_the_prod_account_and_the_protected_ous_only() -> None:
    plan, cfg = cached_plan("dr"), config_of("dr")
    (vault_policy,) = plan.by_type("aws:backup/vaultPolicy:VaultPolicy")
    statements = doc(vault_policy, "policy")["Statement"]
    copies_in = [
        s
        for s in statements
        if s["Effect"] == "Allow"
        and "backup:CopyIntoBackupVault" in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert admitted(copies_in) == expected_admitted(cfg.accounts.prod), copies_in
