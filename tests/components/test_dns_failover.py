"""DnsFailover: the real prod plan (records, health check, alarm, RTO outputs) and every invalid combination."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe.settings.config import DnsTarget, load
from failsafe.settings.stackfiles import raw_config
from failsafe.tooling import harness
from failsafe.tooling.cli import PlanError, plan_stack
from failsafe_components.dns_failover import DnsFailoverArgs, target_from_export, target_to_export, validate
from failsafe_components.errors import ComponentArgsError

RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
ROOT = Path(__file__).resolve().parents[2]


def prod_config() -> Any:
    raw = raw_config("prod")
    return load("prod", lambda key: raw.get(f"failsafe:{key}"))


@pytest.fixture(scope="module")
def prod(plan_for: Callable[[str], harness.Plan]) -> harness.Plan:
    return plan_for("prod")


@pytest.fixture(scope="module")
def dns() -> Any:
    cfg = prod_config()
    assert cfg.dns is not None, "Pulumi.prod.yaml configures no DNS failover (dnsRecordName empty)"
    return cfg.dns


def records(plan: harness.Plan) -> dict[str, harness.PlannedResource]:
    found = {r.inputs["failoverRoutingPolicies"][0]["type"]: r for r in plan.by_type(RECORD)}
    assert len(plan.by_type(RECORD)) == 2, f"{plan.stack}: expected 2 failover records, got {len(found)}"
    return found


def provider_of(plan: harness.Plan, resource: harness.PlannedResource) -> harness.PlannedResource:
    provider = plan.get(resource.provider_urn)
    assert provider is not None, f"{resource.urn}: no provider recorded"
    return provider


# --- the real prod plan ---------------------------------------------------------------------------------


def test_prod_has_a_primary_and_a_secondary_record_for_the_configured_name(prod: harness.Plan, dns: Any) -> None:
    found = records(prod)
    assert set(found) == {"PRIMARY", "SECONDARY"}, f"failover types: {sorted(found)}"
    for record in found.values():
        assert record.inputs["name"] == dns.record_name, f"{record.urn}: name {record.inputs['name']}"
        assert record.inputs["zoneId"] == dns.zone_id, f"{record.urn}: zoneId {record.inputs['zoneId']}"


def test_set_identifiers_are_distinct_and_stable(prod: harness.Plan, dns: Any) -> None:
    found = records(prod)
    identifiers = {kind: r.inputs["setIdentifier"] for kind, r in found.items()}
    assert identifiers == {"PRIMARY": f"{dns.record_name}-primary", "SECONDARY": f"{dns.record_name}-secondary"}
    again = records(plan_stack("prod"))  # a second run of the program names them the same
    assert {k: r.inputs["setIdentifier"] for k, r in again.items()} == identifiers


def test_records_point_at_primary_from_config_and_secondary_from_dr_export(prod: harness.Plan, dns: Any) -> None:
    found = records(prod)
    dr_raw = raw_config("dr")
    dr_endpoint = dr_raw["failsafe:drEndpoint"].split(":", 1)[1]
    assert found["PRIMARY"].inputs["records"] == [dns.primary.value]
    assert found["SECONDARY"].inputs["records"] == [dr_endpoint], "secondary is not the dr stack's drEndpoint"
    for record in found.values():
        assert record.inputs["ttl"] == dns.ttl_seconds <= 60, f"{record.urn}: ttl {record.inputs.get('ttl')}"


def test_health_check_probes_the_primary_with_the_configured_settings(prod: harness.Plan, dns: Any) -> None:
    checks = prod.by_type(HEALTH_CHECK)
    assert len(checks) == 1 + dns.secondary_health_check, [c.urn for c in checks]
    check = next(c for c in checks if c.name.endswith("-primary-health"))
    expected_type = dns.protocol + ("_STR_MATCH" if dns.search_string else "")
    assert check.inputs["type"] == expected_type
    assert check.inputs["fqdn"] == dns.primary.value
    assert check.inputs["port"] == dns.port
    assert check.inputs["resourcePath"] == dns.path
    assert check.inputs.get("searchString") == dns.search_string
    assert check.inputs["requestInterval"] == dns.interval_seconds
    assert check.inputs["failureThreshold"] == dns.failure_threshold
    primary = records(prod)["PRIMARY"]
    assert primary.inputs["healthCheckId"] == check.id, f"{primary.urn} does not carry the primary health check"
    assert check.urn in primary.dependencies


def test_records_and_health_checks_use_the_zone_accounts_provider(prod: harness.Plan) -> None:
    cfg = prod_config()
    for resource in [*prod.by_type(RECORD), *prod.by_type(HEALTH_CHECK)]:
        provider = provider_of(prod, resource)
        assert json.loads(provider.inputs["allowedAccountIds"]) == [cfg.accounts.dns], f"{resource.urn}: {provider.urn}"


def test_alarm_watches_the_primary_health_check_in_the_metrics_region(prod: harness.Plan) -> None:
    cfg = prod_config()
    alarm = prod.by_type(ALARM)
    assert len(alarm) == 1, [a.urn for a in alarm]
    alarm_ = alarm[0]
    check = next(c for c in prod.by_type(HEALTH_CHECK) if c.name.endswith("-primary-health"))
    assert alarm_.inputs["namespace"] == "AWS/Route53"
    assert alarm_.inputs["metricName"] == "HealthCheckStatus"
    assert alarm_.inputs["dimensions"] == {"HealthCheckId": check.id}
    assert alarm_.inputs["comparisonOperator"] == "LessThanThreshold" and alarm_.inputs["threshold"] == 1
    assert provider_of(prod, alarm_).inputs["region"] == cfg.metrics_region


def test_alarm_notifies_a_created_encrypted_topic_when_none_is_configured(prod: harness.Plan) -> None:
    cfg = prod_config()
    assert cfg.dns.alarm_topic_arn is None, "this test expects Pulumi.prod.yaml to leave dnsAlarmTopicArn empty"
    topics = prod.by_type(TOPIC)
    assert len(topics) == 1, [t.urn for t in topics]
    topic = topics[0]
    alarm = prod.by_type(ALARM)[0]
    assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]] == alarm.inputs["okActions"]
    assert topic.inputs["kmsMasterKeyId"] == "alias/aws/sns"
    assert topic.protect is cfg.protect
    assert provider_of(prod, topic).inputs["region"] == cfg.metrics_region


def test_alarm_notifies_the_configured_topic_and_creates_none() -> None:
    arn = "arn:aws:sns:us-east-1:111111111111:ops-pager"
    plan = plan_stack("prod", {"failsafe:dnsAlarmTopicArn": arn})
    assert plan.by_type(TOPIC) == []
    assert plan.by_type(ALARM)[0].inputs["alarmActions"] == [arn]


def test_rto_outputs_equal_interval_times_threshold_plus_ttl(prod: harness.Plan, dns: Any) -> None:
    expected = dns.interval_seconds * dns.failure_threshold + dns.ttl_seconds
    assert prod.outputs["failoverWorstCaseSeconds"] == expected
    assert prod.outputs["failoverRtoBudgetSeconds"] == dns.rto_seconds
    assert expected <= dns.rto_seconds


def test_dr_exports_its_endpoint_as_a_plain_dict(plan_for: Callable[[str], harness.Plan]) -> None:
    dr = plan_for("dr")
    host = raw_config("dr")["failsafe:drEndpoint"].split(":", 1)[1]
    assert dr.outputs["drEndpoint"] == {"kind": "cname", "value": host, "zoneId": None}


def test_alias_targets_evaluate_target_health_and_carry_no_ttl() -> None:
    plan = plan_stack(
        "prod",
        {
            "failsafe:dnsPrimaryTarget": "alias:Z2FDTNDATAQYW2:d111111abcdef8.cloudfront.net",
            "failsafe:drEndpoint": "alias:Z35SXDOTRQ7X7K:dr-alb-1.eu-west-1.elb.amazonaws.com",
        },
    )
    for kind, record in records(plan).items():
        assert record.inputs["type"] == "A", f"{kind}: {record.inputs['type']}"
        assert "ttl" not in record.inputs and "records" not in record.inputs, f"{kind}: {record.inputs}"
        alias = record.inputs["aliases"][0]
        assert alias["evaluateTargetHealth"] is True, f"{kind}: {alias}"
    assert records(plan)["SECONDARY"].inputs["aliases"][0]["zoneId"] == "Z35SXDOTRQ7X7K"


def test_ip_targets_make_a_records_and_every_primary_address_is_checked() -> None:
    plan = plan_stack(
        "prod", {"failsafe:dnsPrimaryTarget": "ip:192.0.2.10,192.0.2.11", "failsafe:dnsSecondaryHealthCheck": True}
    )
    primary = records(plan)["PRIMARY"]
    assert primary.inputs["type"] == "A" and primary.inputs["records"] == ["192.0.2.10", "192.0.2.11"]
    checks = {c.name: c for c in plan.by_type(HEALTH_CHECK)}
    per_address = [checks["failover-primary-192.0.2.10-health"], checks["failover-primary-192.0.2.11-health"]]
    assert [c.inputs["ipAddress"] for c in per_address] == ["192.0.2.10", "192.0.2.11"]
    assert all("fqdn" not in c.inputs and c.inputs["requestInterval"] == 10 for c in per_address)
    combined = checks["failover-primary-health"]
    assert combined.inputs["type"] == "CALCULATED", combined.inputs
    assert combined.inputs["childHealthchecks"] == [c.id for c in per_address]
    assert combined.inputs["childHealthThreshold"] == 2, "the primary must count as unhealthy if any address fails"
    assert primary.inputs["healthCheckId"] == combined.id
    assert plan.by_type(ALARM)[0].inputs["dimensions"] == {"HealthCheckId": combined.id}
    secondary = records(plan)["SECONDARY"]
    assert secondary.inputs["healthCheckId"] == checks["failover-secondary-health"].id


def test_per_address_checks_are_keyed_by_address_so_a_reorder_replaces_nothing() -> None:
    def checks_by_address(targets: str) -> dict[str, str]:
        plan = plan_stack("prod", {"failsafe:dnsPrimaryTarget": targets})
        return {c.inputs["ipAddress"]: c.urn for c in plan.by_type(HEALTH_CHECK) if c.inputs.get("ipAddress")}

    assert checks_by_address("ip:192.0.2.10,192.0.2.11") == checks_by_address("ip:192.0.2.11,192.0.2.10")


def test_per_address_checks_adopt_the_checks_an_earlier_version_named_by_position() -> None:
    plan = plan_stack("prod", {"failsafe:dnsPrimaryTarget": "ip:192.0.2.10,192.0.2.11"})
    checks = {c.name: c for c in plan.by_type(HEALTH_CHECK)}
    assert checks["failover-primary-192.0.2.10-health"].aliases == ["failover-primary-0-health"]
    assert checks["failover-primary-192.0.2.11-health"].aliases == ["failover-primary-1-health"]


def test_zone_is_looked_up_by_name_when_no_id_is_given() -> None:
    plan = plan_stack("prod", {"failsafe:dnsZoneId": "", "failsafe:dnsZoneName": "example.com"})
    zone_ids = {r.inputs["zoneId"] for r in plan.by_type(RECORD)}
    assert len(zone_ids) == 1 and next(iter(zone_ids)).startswith("Z"), zone_ids


# --- invalid combinations ---------------------------------------------------------------------------------


def good_args(**changes: Any) -> DnsFailoverArgs:
    args = DnsFailoverArgs(
        record_name="app.example.com",
        zone_id="Z0000000EXAMPLE0000",
        primary=DnsTarget("cname", "primary.app.example.com"),
        secondary=DnsTarget("cname", "dr.app.example.com"),
        rto_budget_seconds=120,
        interval_seconds=10,
        failure_threshold=3,
        ttl_seconds=60,
    )
    return dataclasses.replace(args, **changes)


def test_good_args_pass_validation() -> None:
    validate(good_args())


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"interval_seconds": 20}, ("interval_seconds", "20", "10 or 30")),
        ({"failure_threshold": 0}, ("failure_threshold", "0", "1 to 10")),
        ({"failure_threshold": 11}, ("failure_threshold", "11", "1 to 10")),
        ({"ttl_seconds": 61, "rto_budget_seconds": 1000}, ("ttl_seconds", "61", "0 to 60")),
        (
            {"secondary": DnsTarget("cname", "primary.app.example.com")},
            ("secondary", "primary.app.example.com", "different from the primary"),
        ),
        ({"protocol": "TCP"}, ("protocol", "TCP", "HTTPS or HTTP")),
        ({"zone_id": None}, ("zone_id", "None", "zone_name")),
        ({"regions": ("us-east-1",)}, ("regions", "us-east-1", "at least 3")),
        ({"primary": DnsTarget("alias", "d1.cloudfront.net")}, ("primary", "d1.cloudfront.net", "hosted zone ID")),
    ],
    ids=[
        "interval",
        "threshold-low",
        "threshold-high",
        "ttl",
        "identical-targets",
        "protocol",
        "no-zone",
        "regions",
        "alias-without-zone",
    ],
)
def test_invalid_combination_fails_with_a_message_naming_it(changes: dict[str, Any], names: tuple[str, ...]) -> None:
    with pytest.raises(ComponentArgsError) as raised:
        validate(good_args(**changes))
    for name in names:
        assert name in str(raised.value), f"message {str(raised.value)!r} does not name {name!r}"


def test_budget_too_small_names_every_setting_and_the_worst_case() -> None:
    with pytest.raises(ComponentArgsError) as raised:
        validate(good_args(interval_seconds=30, failure_threshold=3, ttl_seconds=60, rto_budget_seconds=120))
    message = str(raised.value)
    for part in (
        "worst case 150 s",
        "interval_seconds 30",
        "failure_threshold 3",
        "ttl_seconds 60",
        "rto_budget_seconds 120",
    ):
        assert part in message, f"{message!r} lacks {part!r}"


def test_budget_exactly_met_is_accepted() -> None:
    validate(good_args(interval_seconds=30, failure_threshold=2, ttl_seconds=60, rto_budget_seconds=120))


def test_prod_with_a_budget_too_small_stops_the_program_with_the_settings() -> None:
    with pytest.raises(PlanError) as raised:
        plan_stack("prod", {"failsafe:dnsRtoSeconds": 60})
    message = str(raised.value)
    assert "worst case 90 s" in message and "rto_budget_seconds 60" in message, message
    assert "Traceback" not in message, message


def plan_in_subprocess(*settings: str) -> subprocess.CompletedProcess[str]:
    """Plan prod in a fresh interpreter: a failure raised while an Output resolves leaves futures of that run
    behind in the process-global Pulumi runtime, which would fail the next in-process plan. (Under load the
    interpreter sometimes adds asyncio's "Exception ignored in BaseEventLoop.__del__" at exit, after the
    error line: the tests check that the error comes first, on one line.)"""
    command = [sys.executable, "-m", "failsafe", "plan", "prod", *(a for s in settings for a in ("--set", s))]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_prod_whose_dr_endpoint_equals_the_primary_fails_when_the_output_is_known() -> None:
    done = plan_in_subprocess("drEndpoint=cname:primary.app.example.com")
    assert done.returncode != 0, done.stdout
    assert "different from the primary" in done.stderr, done.stderr
    assert done.stderr.startswith("error: DnsFailoverArgs.secondary="), (
        f"not one clean error line first:\n{done.stderr}"
    )


def test_prod_fails_clearly_when_dr_exports_no_endpoint() -> None:
    done = plan_in_subprocess("drEndpoint=")
    assert done.returncode != 0, done.stdout
    assert "drEndpoint" in done.stderr and "dnsSecondaryTarget" in done.stderr, done.stderr
    assert done.stderr.startswith("error: DnsFailoverArgs.secondary="), (
        f"not one clean error line first:\n{done.stderr}"
    )


def test_configured_secondary_wins_over_the_dr_export() -> None:
    plan = plan_stack("prod", {"failsafe:dnsSecondaryTarget": "cname:standby.example.net"})
    assert records(plan)["SECONDARY"].inputs["records"] == ["standby.example.net"]


@pytest.mark.parametrize("export", [None, {}, {"kind": "mx", "value": "x"}, {"kind": "cname"}])
def test_malformed_dr_export_is_rejected(export: Any) -> None:
    with pytest.raises(ComponentArgsError):
        target_from_export(export)


def test_export_round_trips() -> None:
    target = DnsTarget("alias", "dr.example.com", "Z0000000EXAMPLE0000")
    assert target_from_export(target_to_export(target)) == target
