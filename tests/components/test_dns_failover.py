"""DnsFailover: the real prod plan (records, health checks, the operators' data-plane switch, the alarm that delivers,
RTO outputs) and every invalid combination."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe.settings.config import DnsTarget, load
from failsafe.settings.stackfiles import raw_config
from failsafe.tooling import harness
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate
from failsafe.tooling.cli import PlanError, plan_stack
from failsafe_components.dns_failover import (
    PROPAGATION_SECONDS,
    DnsFailoverArgs,
    HoldSwitch,
    target_from_export,
    target_to_export,
    validate,
)
from failsafe_components.errors import ComponentArgsError

RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
KEY = "aws:kms/key:Key"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def failover_only(resources: list) -> list:
    """DnsFailover's own resources (prod has other topics: the data-protection alarms of ProdBackup)."""
    return [r for r in resources if r.name.startswith("failover-")]


POLICY = "aws:iam/policy:Policy"
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


def records(plan: harness.Plan, record_type: str | None = None) -> dict[str, harness.PlannedResource]:
    """PRIMARY/SECONDARY -> record, of ``record_type`` (default: the A or CNAME pair, not the AAAA pair)."""
    chosen = [
        r
        for r in plan.by_type(RECORD)
        if (r.inputs["type"] == record_type if record_type else r.inputs["type"] != "AAAA")
    ]
    found = {r.inputs["failoverRoutingPolicies"][0]["type"]: r for r in chosen}
    assert len(chosen) == 2, f"{plan.stack}: expected 2 failover records, got {[r.name for r in chosen]}"
    return found


def checks(plan: harness.Plan) -> dict[str, harness.PlannedResource]:
    return {c.name: c for c in plan.by_type(HEALTH_CHECK)}


def alarms(plan: harness.Plan) -> dict[str, harness.PlannedResource]:
    return {a.name: a for a in plan.by_type(ALARM)}


def accounts_of(plan: harness.Plan, resource: harness.PlannedResource) -> list[str]:
    return json.loads(provider_of(plan, resource).inputs["allowedAccountIds"])


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


@pytest.mark.fresh_plans  # the second run must run
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
    found = checks(prod)
    assert set(found) == {"failover-primary-health", "failover-hold-health", "failover-traffic-health"} | (
        {"failover-secondary-health"} if dns.secondary_health_check else set()
    ), sorted(found)
    check = found["failover-primary-health"]
    expected_type = dns.protocol + ("_STR_MATCH" if dns.search_string else "")
    assert check.inputs["type"] == expected_type
    assert check.inputs["fqdn"] == dns.primary.value
    assert check.inputs["port"] == dns.port
    assert check.inputs["resourcePath"] == dns.path
    assert check.inputs.get("searchString") == dns.search_string
    assert check.inputs["requestInterval"] == dns.interval_seconds
    assert check.inputs["failureThreshold"] == dns.failure_threshold


def test_primary_record_carries_the_primary_check_combined_with_the_switch(prod: harness.Plan) -> None:
    found = checks(prod)
    traffic = found["failover-traffic-health"]
    assert traffic.inputs["type"] == "CALCULATED", traffic.inputs
    assert traffic.inputs["childHealthchecks"] == [
        found["failover-primary-health"].id,
        found["failover-hold-health"].id,
    ]
    assert traffic.inputs["childHealthThreshold"] == 2, "traffic stays on the primary only if healthy AND not held"
    primary = records(prod)["PRIMARY"]
    assert primary.inputs["healthCheckId"] == traffic.id, f"{primary.urn} does not carry the combined (traffic) check"
    assert traffic.urn in primary.dependencies


def test_switch_is_an_alarm_check_on_a_metric_operators_write_in_the_dr_region(prod: harness.Plan) -> None:
    cfg = prod_config()
    switch = cfg.dns.switch
    hold = checks(prod)["failover-hold-health"]
    assert hold.inputs["type"] == "CLOUDWATCH_METRIC", hold.inputs
    assert hold.inputs["cloudwatchAlarmName"] == switch.alarm_name
    assert hold.inputs["cloudwatchAlarmRegion"] == switch.region == cfg.dr_region != cfg.primary_region
    assert hold.inputs["insufficientDataHealthStatus"] == "LastKnownStatus", (
        "a missing metric must neither fail over (a new check starts healthy) nor release a hold"
    )
    alarm = alarms(prod)["failover-hold"]
    assert alarm.inputs["name"] == switch.alarm_name and alarm.inputs["region"] == switch.region
    assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == (switch.namespace, switch.metric_name)
    assert alarm.inputs["dimensions"] == {switch.dimension_name: cfg.dns.record_name}
    assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold" and alarm.inputs["threshold"] == 1
    assert alarm.inputs["statistic"] in ("Maximum", "Minimum", "Average", "Sum", "SampleCount"), (
        "Route 53 refuses alarms on extended statistics"
    )
    assert alarm.inputs["period"] >= 60, "Route 53 refuses alarms on high-resolution metrics"
    assert alarm.inputs["treatMissingData"] == "ignore", "the last value written must hold until the next write"
    assert accounts_of(prod, alarm) == accounts_of(prod, hold) == [cfg.accounts.dns], (
        "Route 53 reads the alarm of a CLOUDWATCH_METRIC check in the check's own account"
    )


def test_refresh_cannot_undo_a_hold_because_no_resource_input_holds_it(prod: harness.Plan) -> None:
    """The hold is metric data (PutMetricData), not an attribute Pulumi manages: nothing in the plan is inverted or
    disabled, so ``pulumi up --refresh`` has no hold to "correct"."""
    for check in prod.by_type(HEALTH_CHECK):
        assert not check.inputs.get("invertHealthcheck"), f"{check.urn}: inverted"
        assert not check.inputs.get("disabled"), f"{check.urn}: disabled (a disabled check reports healthy)"
    hold = alarms(prod)["failover-hold"]
    assert "actionsEnabled" not in hold.inputs or hold.inputs["actionsEnabled"] is True, hold.inputs


def test_operators_get_a_policy_for_the_switch_that_is_data_plane_only(prod: harness.Plan) -> None:
    cfg = prod_config()
    (policy,) = [p for p in prod.by_type(POLICY) if p.name == "failover-switch-operator"]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"cloudwatch:PutMetricData", "cloudwatch:GetMetricData"}, actions
    (put,) = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert put["Condition"] == {"StringEquals": {"cloudwatch:namespace": cfg.dns.switch.namespace}}
    assert accounts_of(prod, policy) == [cfg.accounts.dns]


def test_records_and_health_checks_use_the_zone_accounts_provider(prod: harness.Plan) -> None:
    cfg = prod_config()
    for resource in [*prod.by_type(RECORD), *prod.by_type(HEALTH_CHECK)]:
        provider = provider_of(prod, resource)
        assert json.loads(provider.inputs["allowedAccountIds"]) == [cfg.accounts.dns], f"{resource.urn}: {provider.urn}"


def test_alarm_watches_the_traffic_check_in_us_east_1_of_the_account_that_owns_it(prod: harness.Plan) -> None:
    cfg = prod_config()
    alarm = alarms(prod)["failover-primary-unhealthy"]
    check = checks(prod)["failover-traffic-health"]
    assert alarm.inputs["namespace"] == "AWS/Route53"
    assert alarm.inputs["metricName"] == "HealthCheckStatus"
    assert alarm.inputs["dimensions"] == {"HealthCheckId": check.id}
    assert alarm.inputs["comparisonOperator"] == "LessThanThreshold" and alarm.inputs["threshold"] == 1
    assert provider_of(prod, alarm).inputs["region"] == cfg.metrics_region == "us-east-1"
    assert accounts_of(prod, alarm) == accounts_of(prod, check), "the alarm reads metrics of another account"


def test_with_a_separate_dns_account_the_alarm_and_its_topic_follow_the_health_check() -> None:
    plan = plan_stack("prod", {"failsafe:dnsAccountId": "555555555555"})
    check = checks(plan)["failover-traffic-health"]
    assert accounts_of(plan, check) == ["555555555555"]
    (key,) = [k for k in plan.by_type(KEY) if k.name == "failover-alarms-key"]
    found = alarms(plan)
    topics = failover_only(plan.by_type(TOPIC))
    for resource in [found["failover-primary-unhealthy"], found["failover-hold"], key, *topics]:
        assert accounts_of(plan, resource) == ["555555555555"], f"{resource.urn} is not in the zone's account"


def test_alarm_notifies_a_created_topic_under_a_customer_key_with_a_subscription(prod: harness.Plan) -> None:
    cfg = prod_config()
    assert cfg.dns.alarm_topic_arn is None, "this test expects Pulumi.prod.yaml to leave dnsAlarmTopicArn empty"
    (topic,) = failover_only(prod.by_type(TOPIC))
    (key,) = [k for k in prod.by_type(KEY) if k.name == "failover-alarms-key"]
    alarm = alarms(prod)["failover-primary-unhealthy"]
    assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]] == alarm.inputs["okActions"]
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"], "CloudWatch cannot publish under alias/aws/sns"
    assert topic.protect is cfg.protect and key.protect is cfg.protect
    assert key.inputs["enableKeyRotation"] is True
    assert provider_of(prod, topic).inputs["region"] == cfg.metrics_region
    (subscription,) = failover_only(prod.by_type(SUBSCRIPTION))
    protocol, endpoint = cfg.dns.alarm_subscription
    assert (subscription.inputs["protocol"], subscription.inputs["endpoint"]) == (protocol, endpoint)
    assert subscription.inputs["topic"] == topic.outputs["arn"]


def _cloudwatch_asks(action: str, resource: str, account: str, alarm_account: str) -> Request:
    alarm = f"arn:aws:cloudwatch:us-east-1:{alarm_account}:alarm:failsafe-dns-primary-unhealthy"
    return Request(
        Principal(arn="", account="", service="cloudwatch.amazonaws.com"),
        action,
        resource,
        account,
        context={"aws:SourceAccount": alarm_account, "aws:SourceArn": alarm},
    )


def test_cloudwatch_may_publish_to_the_topic_and_use_its_key_for_this_accounts_alarms_only(prod: harness.Plan) -> None:
    """Evaluated as AWS would (failsafe.tooling.access.evaluator): the key policy and the topic policy each allow
    CloudWatch, for alarms of the zone's account; an alarm of another account is refused."""
    cfg = prod_config()
    account = cfg.accounts.dns
    (topic,) = failover_only(prod.by_type(TOPIC))
    (key,) = [k for k in prod.by_type(KEY) if k.name == "failover-alarms-key"]
    (topic_policy,) = failover_only(prod.by_type(TOPIC_POLICY))
    key_policy = Policy(key.inputs["policy"], "alarm key policy")
    sns_policy = Policy(topic_policy.inputs["policy"], "alarm topic policy")
    assert topic_policy.inputs["arn"] == topic.outputs["arn"]
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        result = evaluate(_cloudwatch_asks(action, key.outputs["arn"], account, account), resource=[key_policy])
        assert result.decision is Decision.ALLOW, f"{action} on the alarm key: {result.reason}"
    publish = evaluate(_cloudwatch_asks("sns:Publish", topic.outputs["arn"], account, account), resource=[sns_policy])
    assert publish.decision is Decision.ALLOW, publish.reason
    stranger = "999999999999"
    for action, resource, policy in (
        ("kms:GenerateDataKey", key.outputs["arn"], key_policy),
        ("sns:Publish", topic.outputs["arn"], sns_policy),
    ):
        result = evaluate(_cloudwatch_asks(action, resource, account, stranger), resource=[policy])
        assert result.decision is not Decision.ALLOW, f"{action} for another account's alarm: {result.reason}"


def test_alarm_notifies_the_configured_topic_and_creates_none() -> None:
    arn = "arn:aws:sns:us-east-1:111111111111:ops-pager"
    plan = plan_stack("prod", {"failsafe:dnsAlarmTopicArn": arn})
    assert failover_only(plan.by_type(TOPIC)) == [] and failover_only(plan.by_type(SUBSCRIPTION)) == []
    assert alarms(plan)["failover-primary-unhealthy"].inputs["alarmActions"] == [arn]


def test_rto_outputs_count_detection_propagation_and_ttl(prod: harness.Plan, dns: Any) -> None:
    assert PROPAGATION_SECONDS == 60, "the Route 53 FAQ's figure (docs/dns-failover.md cites it)"
    expected = dns.interval_seconds * dns.failure_threshold + PROPAGATION_SECONDS + dns.ttl_seconds
    assert prod.outputs["failoverWorstCaseSeconds"] == expected
    assert prod.outputs["failoverRtoBudgetSeconds"] == dns.rto_seconds
    assert expected <= dns.rto_seconds


def test_dr_exports_its_endpoint_as_a_plain_dict(plan_for: Callable[[str], harness.Plan]) -> None:
    dr = plan_for("dr")
    host = raw_config("dr")["failsafe:drEndpoint"].split(":", 1)[1]
    assert dr.outputs["drEndpoint"] == {"kind": "cname", "value": host, "zoneId": None}


def test_alias_targets_get_a_and_aaaa_records_that_evaluate_target_health_and_carry_no_ttl() -> None:
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
    ipv4, ipv6 = records(plan, "A"), records(plan, "AAAA")
    for kind in ("PRIMARY", "SECONDARY"):
        same = ("name", "setIdentifier", "aliases", "healthCheckId", "failoverRoutingPolicies")
        assert {k: ipv6[kind].inputs.get(k) for k in same} == {k: ipv4[kind].inputs.get(k) for k in same}, (
            f"{kind}: the AAAA record must fail over exactly like the A record"
        )


def test_alias_targets_get_no_aaaa_records_when_ipv6_is_off() -> None:
    plan = plan_stack(
        "prod",
        {
            "failsafe:dnsPrimaryTarget": "alias:Z2FDTNDATAQYW2:d111111abcdef8.cloudfront.net",
            "failsafe:drEndpoint": "alias:Z35SXDOTRQ7X7K:dr-alb-1.eu-west-1.elb.amazonaws.com",
            "failsafe:dnsAliasIpv6": False,
        },
    )
    assert sorted(r.inputs["type"] for r in plan.by_type(RECORD)) == ["A", "A"]


_IP_PLANS: dict[str, harness.Plan] = {}


def ip_plan(targets: str) -> harness.Plan:
    """prod with ``ip:`` targets on both sides (a failover pair is of one record type: docs/dns-failover.md), the
    secondary checked too; one plan per primary target, shared by the tests below."""
    if targets not in _IP_PLANS:
        _IP_PLANS[targets] = plan_stack(
            "prod",
            {
                "failsafe:dnsPrimaryTarget": targets,
                "failsafe:dnsSecondaryTarget": "ip:198.51.100.20",
                "failsafe:dnsSecondaryHealthCheck": True,
            },
        )
    return _IP_PLANS[targets]


def test_ip_targets_make_a_records_and_every_primary_address_is_checked() -> None:
    plan = ip_plan("ip:192.0.2.10,192.0.2.11")
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
    traffic = checks["failover-traffic-health"]
    assert traffic.inputs["childHealthchecks"][0] == combined.id, "the switch combines with the per-address check"
    assert primary.inputs["healthCheckId"] == traffic.id
    secondary = records(plan)["SECONDARY"]
    assert secondary.inputs["healthCheckId"] == checks["failover-secondary-health"].id


def test_per_address_checks_are_keyed_by_address_so_a_reorder_replaces_nothing() -> None:
    def checks_by_address(targets: str) -> dict[str, str]:
        plan = ip_plan(targets)
        return {c.inputs["ipAddress"]: c.urn for c in plan.by_type(HEALTH_CHECK) if c.inputs.get("ipAddress")}

    assert checks_by_address("ip:192.0.2.10,192.0.2.11") == checks_by_address("ip:192.0.2.11,192.0.2.10")


def test_per_address_checks_adopt_the_checks_an_earlier_version_named_by_position() -> None:
    plan = ip_plan("ip:192.0.2.10,192.0.2.11")
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
        rto_budget_seconds=150,
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
        ({"zone_name": "example.org"}, ("record_name", "app.example.com", "inside the hosted zone example.org")),
        (
            {"record_name": "example.com", "zone_name": "example.com"},
            ("primary", "primary.app.example.com", "zone apex", "no CNAME"),
        ),
        (
            {
                "primary": DnsTarget("alias", "d1.cloudfront.net", "Z2FDTNDATAQYW2"),
                "secondary": DnsTarget("ip", "192.0.2.1"),
            },
            ("secondary", "192.0.2.1", "AAAA", "alias_ipv6"),
        ),
        ({"alarm_subscriptions": (("pager", "x"),)}, ("alarm_subscriptions", "pager", "email")),
        ({"hold_switch": HoldSwitch("", "ns", "m", "Record", "app.example.com", "a")}, ("hold_switch", "region")),
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
        "record-outside-zone",
        "apex-cname",
        "alias-ipv6-without-alias-secondary",
        "subscription-protocol",
        "switch-without-region",
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
        "worst case 210 s",
        "propagation 60",
        "interval_seconds 30",
        "failure_threshold 3",
        "ttl_seconds 60",
        "rto_budget_seconds 120",
    ):
        assert part in message, f"{message!r} lacks {part!r}"


def test_budget_exactly_met_is_accepted() -> None:
    validate(good_args(interval_seconds=30, failure_threshold=2, ttl_seconds=60, rto_budget_seconds=180))


def test_prod_with_a_budget_too_small_stops_the_program_with_the_settings() -> None:
    with pytest.raises(PlanError) as raised:
        plan_stack("prod", {"failsafe:dnsRtoSeconds": 60})
    message = str(raised.value)
    assert "worst case 150 s" in message and "dnsRtoSeconds 60" in message, message  # named as the config key
    assert "Traceback" not in message, message


def test_prod_whose_dr_endpoint_equals_the_primary_fails_when_the_output_is_known() -> None:
    # dr's drEndpoint is prod's secondary: refused as a dnsSecondaryTarget would be when prod reads dr's outputs
    # (before prod's program runs), naming dr's key as dr wrote it
    with pytest.raises(PlanError) as caught:
        plan_stack("prod", {"failsafe:drEndpoint": "cname:primary.app.example.com"})
    message = str(caught.value)
    assert message.startswith("invalid config failsafe:drEndpoint = 'cname:primary.app.example.com': "), message
    assert "different from dnsPrimaryTarget" in message and "dnsSecondaryTarget" in message, message
    assert "Fix it in Pulumi.dr.yaml" in message and "\n" not in message, message


def test_prod_fails_clearly_when_dr_exports_no_endpoint() -> None:
    with pytest.raises(PlanError) as caught:
        plan_stack("prod", {"failsafe:drEndpoint": ""})
    message = str(caught.value)
    assert message.startswith("invalid config failsafe:dnsSecondaryTarget = (not set): "), message
    assert "drEndpoint" in message and "\n" not in message, message


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


def test_with_a_separate_dns_account_ci_may_assume_its_deploy_role() -> None:
    plan = plan_stack("prod", {"failsafe:dnsAccountId": "555555555555"})
    cfg = prod_config()
    (handover,) = [p for p in plan.by_type("aws:iam/rolePolicy:RolePolicy") if p.name == "ci-entry-handover"]
    (statement,) = json.loads(handover.inputs["policy"])["Statement"]
    assert f"arn:aws:iam::555555555555:role/{cfg.deploy_role_name}" in statement["Resource"], statement
