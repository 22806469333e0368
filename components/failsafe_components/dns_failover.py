"""DnsFailover: Route 53 moves a record from the primary to the secondary endpoint without a human, and operators
move it (and hold it, and bring it back) with one data-plane call.

A health check probes the primary endpoint. With a ``hold_switch`` (the program always sets one) the PRIMARY
failover record carries a CALCULATED "traffic" check that is healthy only while the primary's check is healthy
**and** the hold switch is off. The switch is a CLOUDWATCH_METRIC health check on an alarm fed by a metric the
operators write with ``cloudwatch:PutMetricData`` in the switch region (the DR region): CloudWatch's data plane, so
holding traffic on DR and failing back need no Route 53 API (whose control plane is served from us-east-1 only). The
hold lives in metric data, not in a resource attribute, so ``pulumi up --refresh`` cannot undo it; the hold check
uses ``LastKnownStatus`` when the metric has no data, so a missing metric neither fails over nor releases a hold.

A CloudWatch alarm on the traffic check's ``HealthCheckStatus`` metric (Route 53 publishes it only in us-east-1 of
the account that owns the check: ``alarm_provider`` must be that account in us-east-1) notifies an SNS topic
encrypted with a customer-managed key whose policy admits CloudWatch (CloudWatch cannot publish to a topic under
``alias/aws/sns``), with the given subscriptions.

The component states the recovery time it can meet and refuses settings that cannot meet the budget::

    worst case = request interval x failure threshold   (detection by the health checkers)
               + PROPAGATION_SECONDS                      (Route 53 spreading the new answer to its edge)
               + TTL                                      (how long resolvers may keep the old answer)

For alias targets Route 53 uses the target's TTL, not the record's; ``ttl_seconds`` is then the TTL the
budget assumes for the target (see docs/dns-failover.md). The record name must not be a function URL: a
function URL takes no custom hostname, put CloudFront or API Gateway in front of it.

Children: health checks, records, the hold alarm (``region=`` the switch region) and the operator policy use the
component's provider (the hosted zone's account, passed in ``opts``); the notification alarm, its key, topic and
subscriptions use ``args.alarm_provider`` (the same account in the metrics region).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, spec
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.options import protects_state
from failsafe_components.spec import HOSTED_ZONE_ID, DnsTarget

INTERVALS = (10, 30)  # Route 53's only request intervals (seconds)
MAX_FAILOVER_TTL = spec.FAILOVER_TTL_SECONDS.high
PROTOCOLS = ("HTTPS", "HTTP")
TARGET_KINDS = ("alias", "cname", "ip")
# Route 53 FAQ, "How quickly will changes I make to my DNS settings on Amazon Route 53 propagate globally?": "designed
# to propagate updates ... to its world-wide network of authoritative DNS servers within 60 seconds under normal
# conditions". A failover answer changes on that same network when a check's status changes.
PROPAGATION_SECONDS = 60
# SNS protocols an alarm notice can reach a person or a pager through (SNS API Reference, Subscribe).
SUBSCRIPTION_PROTOCOLS = ("email", "email-json", "https", "sms", "sqs", "lambda", "firehose")
HOLD_INSUFFICIENT_DATA = "LastKnownStatus"  # no metric data: keep the last state; a new check starts healthy


def worst_case_seconds(interval: int, threshold: int, ttl: int) -> int:
    """Seconds from the primary failing until every client resolves the secondary: detection, propagation to
    Route 53's edge, then caching."""
    return interval * threshold + PROPAGATION_SECONDS + ttl


def in_zone(record_name: str, zone_name: str) -> bool:
    """True when ``record_name`` is the zone's apex or a name below it."""
    record, zone = record_name.rstrip(".").lower(), zone_name.rstrip(".").lower()
    return record == zone or record.endswith("." + zone)


def is_apex(record_name: str, zone_name: str | None) -> bool:
    return bool(zone_name) and record_name.rstrip(".").lower() == str(zone_name).rstrip(".").lower()


def target_from_export(value: Any) -> DnsTarget:
    """The DnsTarget the dr stack exports as ``drEndpoint`` (``{kind, value, zoneId}``)."""
    if not isinstance(value, dict) or value.get("kind") not in TARGET_KINDS or not value.get("value"):
        raise ComponentArgsError(
            f"DnsFailoverArgs.secondary={value!r} (the dr stack's drEndpoint output): expected "
            "{'kind': 'alias'|'cname'|'ip', 'value': ..., 'zoneId': ...} (set drEndpoint in the dr stack "
            "and deploy it first, or set dnsSecondaryTarget in prod)"
        )
    return DnsTarget(str(value["kind"]), str(value["value"]), value.get("zoneId") or None)


def target_to_export(target: DnsTarget) -> dict[str, Any]:
    """How the dr stack exports its endpoint: a plain dict prod can read through a StackReference."""
    return {"kind": target.kind, "value": target.value, "zoneId": target.zone_id}


@dataclass(frozen=True)
class HoldSwitch:
    """The data-plane switch: ``metric_name{dimension_name=dimension_value}`` in ``namespace``, written with
    PutMetricData in ``region`` (1 = hold traffic on DR, 0 = release); ``alarm_name`` turns ALARM at 1.

    ``region`` must be one Route 53 accepts for an alarm-based health check (botocore's ``CloudWatchRegion``) and
    should not be the primary's region: the switch must work while that region is down.
    """

    region: str
    namespace: str
    metric_name: str
    dimension_name: str
    dimension_value: str
    alarm_name: str


@dataclass(frozen=True)
class DnsFailoverArgs:
    record_name: str
    primary: DnsTarget
    # an Output (the dr stack's drEndpoint export, a DnsTarget or its dict form) is checked when known
    secondary: DnsTarget | pulumi.Output[Any]
    rto_budget_seconds: int
    zone_id: str | None = None
    zone_name: str | None = None  # looked up (public zone) when zone_id is empty; with both, checks the record name
    protocol: str = "HTTPS"
    port: int = 443
    path: str = "/health"
    search_string: str | None = None
    interval_seconds: int = 30
    failure_threshold: int = 3
    regions: tuple[str, ...] = ()  # empty: Route 53's default checker regions
    secondary_health_check: bool = False
    ttl_seconds: int = 60  # TTL of non-alias failover records; for aliases the TTL assumed for the target
    alias_ipv6: bool = True  # alias targets get AAAA failover records next to the A records
    hold_switch: HoldSwitch | None = None  # None: no operator switch (failover and failback only automatic)
    alarm_topic_arn: str | None = None  # empty: the component creates an encrypted SNS topic in the metrics region
    alarm_subscriptions: tuple[tuple[str, str], ...] = ()  # (protocol, endpoint) on the created topic
    alarm_provider: pulumi.ProviderResource | None = None  # the zone's account in the metrics region (us-east-1)
    name_prefix: str = "failsafe"
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def worst_case_seconds(self) -> int:
        return worst_case_seconds(self.interval_seconds, self.failure_threshold, self.ttl_seconds)


def _fail(arg: str, value: Any, expected: str) -> ComponentArgsError:
    return bad_arg("DnsFailoverArgs", arg, value, expected)


def validate(args: DnsFailoverArgs) -> None:
    """Every check that needs no cloud: raise ComponentArgsError naming the argument, value and expectation."""
    if not args.record_name or "." not in args.record_name:
        raise _fail("record_name", args.record_name, "a fully qualified name such as app.example.com")
    if not args.zone_id and not args.zone_name:
        raise _fail("zone_id", args.zone_id, "a hosted zone ID, or zone_name to look the zone up")
    if args.zone_id and not HOSTED_ZONE_ID.match(args.zone_id):
        raise _fail("zone_id", args.zone_id, "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
    if args.zone_name and not in_zone(args.record_name, args.zone_name):
        raise _fail("record_name", args.record_name, f"a name inside the hosted zone {args.zone_name}")
    if args.protocol not in PROTOCOLS:
        raise _fail("protocol", args.protocol, "HTTPS or HTTP")
    if args.port not in spec.HEALTH_CHECK_PORT:
        raise _fail("port", args.port, "a TCP port 1-65535")
    if not args.path.startswith("/"):
        raise _fail("path", args.path, "a path starting with /")
    if args.interval_seconds not in INTERVALS:
        raise _fail("interval_seconds", args.interval_seconds, "10 or 30 (Route 53's only request intervals)")
    if args.failure_threshold not in spec.HEALTH_CHECK_THRESHOLD:
        raise _fail("failure_threshold", args.failure_threshold, "1 to 10 consecutive failed checks")
    if args.ttl_seconds not in spec.FAILOVER_TTL_SECONDS:
        raise _fail(
            "ttl_seconds",
            args.ttl_seconds,
            f"0 to {MAX_FAILOVER_TTL} seconds (clients keep a failover record's old answer for its TTL)",
        )
    if args.regions and len(args.regions) < 3:
        raise _fail("regions", list(args.regions), "empty (Route 53's defaults) or at least 3 checker regions")
    if args.rto_budget_seconds < 1:
        raise _fail("rto_budget_seconds", args.rto_budget_seconds, "a positive number of seconds")
    switch = args.hold_switch
    if switch is not None and not all(
        (switch.region, switch.namespace, switch.metric_name, switch.dimension_value, switch.alarm_name)
    ):
        raise _fail("hold_switch", switch, "a region, namespace, metric, dimension and alarm name")
    for protocol, endpoint in args.alarm_subscriptions:
        if protocol not in SUBSCRIPTION_PROTOCOLS or not endpoint:
            raise _fail(
                "alarm_subscriptions",
                (protocol, endpoint),
                f"(protocol, endpoint), protocol one of {', '.join(SUBSCRIPTION_PROTOCOLS)}",
            )
    _check_target("primary", args.primary, args)
    if isinstance(args.secondary, DnsTarget):
        _check_pair(args.primary, args.secondary, args)
    worst = args.worst_case_seconds
    if worst > args.rto_budget_seconds:
        raise ComponentArgsError(
            f"DnsFailoverArgs.rto_budget_seconds={args.rto_budget_seconds}: cannot be met; worst case {worst} s = "
            f"interval_seconds {args.interval_seconds} x failure_threshold {args.failure_threshold} + "
            f"propagation {PROPAGATION_SECONDS} + ttl_seconds {args.ttl_seconds}, "
            f"more than rto_budget_seconds {args.rto_budget_seconds}; lower the interval, threshold or TTL, "
            "or raise the budget"
        )


def _check_target(role: str, target: DnsTarget, args: DnsFailoverArgs) -> None:
    if target.kind not in TARGET_KINDS or not target.value:
        raise _fail(role, target, "an alias, cname or ip target")
    if target.kind == "alias" and not target.zone_id:
        raise _fail(role, target, "an alias target with the target's hosted zone ID")
    if target.kind == "cname" and is_apex(args.record_name, args.zone_name):
        raise _fail(
            role, target, f"an alias or ip target: {args.record_name} is the zone apex, where DNS allows no CNAME"
        )


def _check_pair(primary: DnsTarget, secondary: DnsTarget, args: DnsFailoverArgs) -> DnsTarget:
    _check_target("secondary", secondary, args)
    if (primary.kind, primary.value, primary.zone_id) == (secondary.kind, secondary.value, secondary.zone_id):
        raise _fail(
            "secondary", secondary, "a target different from the primary (failing over to itself recovers nothing)"
        )
    if _has_ipv6(primary, args) and secondary.kind != "alias":
        raise _fail(
            "secondary",
            secondary,
            "an alias target like the primary: with alias_ipv6 the primary's AAAA record needs an AAAA secondary "
            "(or set alias_ipv6 false: dnsAliasIpv6)",
        )
    return secondary


def _has_ipv6(primary: DnsTarget, args: DnsFailoverArgs) -> bool:
    return args.alias_ipv6 and primary.kind == "alias"


def _known_secondary(args: DnsFailoverArgs, secondary: Any) -> DnsTarget:
    """Check a secondary that was an Output, once its value is known.

    Raised as a plain ``pulumi.RunError``: the SDK re-wraps a ``ValueError`` (ComponentArgsError is one) raised
    while resolving a resource input into a generic error with a traceback, but lets ``RunError`` through, so
    the engine prints just the message.
    """
    try:
        target = secondary if isinstance(secondary, DnsTarget) else target_from_export(secondary)
        return _check_pair(args.primary, target, args)
    except ComponentArgsError as error:
        raise pulumi.RunError(str(error)) from None


def _record_type(target: DnsTarget) -> str:
    return "CNAME" if target.kind == "cname" else "A"


def _records(target: DnsTarget) -> list[str] | None:
    if target.kind == "alias":
        return None
    return list(target.addresses) if target.kind == "ip" else [target.value]


def _aliases(target: DnsTarget) -> list[aws.route53.RecordAliasArgsDict] | None:
    if target.kind != "alias":
        return None
    return [{"name": target.value, "zone_id": target.zone_id or "", "evaluate_target_health": True}]


def _check_host(target: DnsTarget) -> tuple[str | None, str | None]:
    """(fqdn, ip_address) one health check probes for ``target`` (the first address of an ip target: a
    secondary's check; the primary gets one check per address)."""
    return (None, target.addresses[0]) if target.kind == "ip" else (target.value, None)


def switch_operator_policy(switch: HoldSwitch) -> dict[str, Any]:
    """What the operator role needs to flip and read the switch: data-plane CloudWatch calls only.

    ``PutMetricData`` takes no resource ARN; the ``cloudwatch:namespace`` condition keeps the role to the switch's
    namespace. Attach it to a role whose trust policy requires MFA (docs/dns-failover.md, "Who may flip it").
    """
    return iam.document(
        iam.statement(
            "FlipTheDnsSwitch",
            "cloudwatch:PutMetricData",
            "*",
            condition={"StringEquals": {"cloudwatch:namespace": switch.namespace}},
        ),
        iam.statement("ReadSwitchAndHealthMetrics", ["cloudwatch:GetMetricData"], "*"),
    )


def alarm_key_policy(account_id: pulumi.Input[str]) -> dict[str, Any]:
    """Key policy: the account administers the key through IAM; CloudWatch (alarm actions of this account only)
    may encrypt messages for the topic. SNS's own use of the key happens on the publisher's behalf."""
    root = pulumi.Output.concat("arn:aws:iam::", account_id, ":root")
    return iam.document(
        iam.statement("AccountAdministersKey", "kms:*", "*", principal={"AWS": root}),
        iam.statement(
            "CloudWatchAlarmsEncryptNotices",
            ["kms:Decrypt", "kms:GenerateDataKey*"],
            "*",
            principal={"Service": "cloudwatch.amazonaws.com"},
            condition={"StringEquals": {"aws:SourceAccount": account_id}},
        ),
    )


def alarm_topic_policy(topic_arn: pulumi.Input[str], account_id: pulumi.Input[str]) -> dict[str, Any]:
    """Topic policy: the owning account manages the topic; CloudWatch publishes for this account's alarms only."""
    return iam.document(
        iam.statement(
            "AccountManagesTopic",
            [
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
                "sns:Publish",
                "sns:DeleteTopic",
            ],
            topic_arn,
            principal={"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
        ),
        iam.statement(
            "CloudWatchAlarmsPublish",
            "sns:Publish",
            topic_arn,
            principal={"Service": "cloudwatch.amazonaws.com"},
            condition={
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": pulumi.Output.concat("arn:aws:cloudwatch:*:", account_id, ":alarm:*")},
            },
        ),
    )


class DnsFailover(pulumi.ComponentResource):
    health_check_id: pulumi.Output[str]  # the primary endpoint's check
    traffic_health_check_id: pulumi.Output[str]  # what the PRIMARY record carries (primary AND not held)
    alarm_topic_arn: pulumi.Output[str]
    switch_policy_arn: pulumi.Output[str] | None
    worst_case_seconds: int
    rto_budget_seconds: int

    def __init__(self, name: str, args: DnsFailoverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate(args)
        super().__init__("failsafe:index:DnsFailover", name, None, opts)
        protect = protects_state(opts)  # stateful children: protected unless the caller set protect=False
        primary = args.primary
        secondary: pulumi.Output[DnsTarget] = pulumi.Output.from_input(args.secondary).apply(
            lambda target: _known_secondary(args, target)
        )
        child = pulumi.ResourceOptions(parent=self)
        if args.zone_id:
            zone_id: pulumi.Input[str] = args.zone_id
        else:
            zone = aws.route53.get_zone_output(
                name=args.zone_name, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            zone_id = zone.zone_id

        check_type = args.protocol + ("_STR_MATCH" if args.search_string else "")

        def tags(role: str) -> dict[str, str]:
            return {**args.tags, "Name": f"{args.name_prefix}-{role}-{args.record_name}"}

        def health_check(
            role: str,
            fqdn: pulumi.Input[str | None],
            ip: pulumi.Input[str | None],
            aliases: list[pulumi.Alias] | None = None,
        ) -> aws.route53.HealthCheck:
            return aws.route53.HealthCheck(
                f"{name}-{role}-health",
                type=check_type,
                fqdn=fqdn,
                ip_address=ip,
                port=args.port,
                resource_path=args.path,
                search_string=args.search_string,
                request_interval=args.interval_seconds,
                failure_threshold=args.failure_threshold,
                regions=list(args.regions) or None,
                enable_sni=args.protocol == "HTTPS",
                invert_healthcheck=False,  # never the operators' switch: that is hold_switch, in metric data
                tags=tags(role),
                opts=pulumi.ResourceOptions(parent=self, aliases=aliases),
            )

        if primary.kind == "ip" and len(primary.addresses) > 1:
            # One check per address; the primary counts as healthy only while every address is (CALCULATED).
            # Keyed by address, so reordering the list replaces nothing; the alias adopts the check that an earlier
            # version named by list position (``-primary-<i>-health``), so upgrading replaces nothing either.
            per_address = [
                health_check(f"primary-{address}", None, address, [pulumi.Alias(name=f"{name}-primary-{i}-health")])
                for i, address in enumerate(primary.addresses)
            ]
            primary_check = aws.route53.HealthCheck(
                f"{name}-primary-health",
                type="CALCULATED",
                child_healthchecks=[c.id for c in per_address],
                child_health_threshold=len(per_address),
                tags=tags("primary"),
                opts=child,
            )
        else:
            fqdn, ip = _check_host(primary)
            primary_check = health_check("primary", fqdn, ip)

        traffic_check = primary_check
        self.switch_policy_arn = None
        switch = args.hold_switch
        if switch is not None:
            # The switch: 1 written to the metric -> the alarm is ALARM -> the hold check is unhealthy -> the traffic
            # check (primary AND not held) is unhealthy -> Route 53 answers with the SECONDARY record.
            hold_alarm = aws.cloudwatch.MetricAlarm(
                f"{name}-hold",
                name=switch.alarm_name,
                region=switch.region,
                alarm_description=f"Operators hold {args.record_name} on the secondary (DR) while this is ALARM. "
                "Flip with `failsafe-dr dns hold-dr` / `release` (cloudwatch:PutMetricData); see "
                "docs/dns-failover.md.",
                namespace=switch.namespace,
                metric_name=switch.metric_name,
                dimensions={switch.dimension_name: switch.dimension_value},
                statistic="Maximum",
                period=60,  # standard resolution: Route 53 refuses alarms on high-resolution metrics
                evaluation_periods=1,
                datapoints_to_alarm=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1,
                treat_missing_data="ignore",  # the last written value holds until the next write
                tags=tags("hold"),
                opts=child,
            )
            hold_check = aws.route53.HealthCheck(
                f"{name}-hold-health",
                type="CLOUDWATCH_METRIC",
                cloudwatch_alarm_name=hold_alarm.name,
                cloudwatch_alarm_region=switch.region,
                insufficient_data_health_status=HOLD_INSUFFICIENT_DATA,
                tags=tags("hold"),
                opts=child,
            )
            traffic_check = aws.route53.HealthCheck(
                f"{name}-traffic-health",
                type="CALCULATED",
                child_healthchecks=[primary_check.id, hold_check.id],
                child_health_threshold=2,  # both: the primary is healthy AND traffic is not held on DR
                tags=tags("traffic"),
                opts=child,
            )
            operator = aws.iam.Policy(
                f"{name}-switch-operator",
                name=f"{args.name_prefix}-dns-switch-operator",
                description=f"Flip and read the DNS failover switch of {args.record_name} (data plane only). "
                "Attach to an operator role whose trust requires MFA.",
                policy=iam.to_json(switch_operator_policy(switch)),
                tags=args.tags,
                opts=child,
            )
            self.switch_policy_arn = operator.arn

        secondary_check = None
        if args.secondary_health_check:
            host = secondary.apply(_check_host)
            secondary_check = health_check("secondary", host.apply(lambda h: h[0]), host.apply(lambda h: h[1]))

        is_alias = primary.kind == "alias"
        record_types: list[tuple[str, str | None]] = [("", None)]
        if _has_ipv6(primary, args):
            record_types.append(("-aaaa", "AAAA"))  # IPv6 clients fail over too (dual-stack CloudFront/ALB targets)
        for suffix, fixed_type in record_types:
            aws.route53.Record(
                f"{name}-primary{suffix}",
                zone_id=zone_id,
                name=args.record_name,
                type=fixed_type or _record_type(primary),
                set_identifier=f"{args.record_name}-primary",
                failover_routing_policies=[{"type": "PRIMARY"}],
                health_check_id=traffic_check.id,
                ttl=None if is_alias else args.ttl_seconds,
                records=_records(primary),
                aliases=_aliases(primary),
                opts=child,
            )
            aws.route53.Record(
                f"{name}-secondary{suffix}",
                zone_id=zone_id,
                name=args.record_name,
                type=fixed_type or secondary.apply(_record_type),
                set_identifier=f"{args.record_name}-secondary",
                failover_routing_policies=[{"type": "SECONDARY"}],
                health_check_id=secondary_check.id if secondary_check else None,
                ttl=secondary.apply(lambda t: None if t.kind == "alias" else args.ttl_seconds),
                records=secondary.apply(_records),
                aliases=secondary.apply(_aliases),
                opts=child,
            )

        alarm_opts = pulumi.ResourceOptions(parent=self, provider=args.alarm_provider)
        if args.alarm_topic_arn:
            topic_arn: pulumi.Input[str] = args.alarm_topic_arn
        else:
            if not args.alarm_subscriptions:
                pulumi.log.warn(f"{name}: the alarm topic has no subscription; nobody will hear of a failover", self)
            account_id = aws.get_caller_identity_output(
                opts=pulumi.InvokeOutputOptions(parent=self, provider=args.alarm_provider)
            ).account_id
            stateful = pulumi.ResourceOptions.merge(alarm_opts, pulumi.ResourceOptions(protect=protect))
            key = aws.kms.Key(
                f"{name}-alarms-key",
                description=f"DNS failover alarm notices of {args.record_name} (CloudWatch may encrypt)",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                policy=iam.to_json(alarm_key_policy(account_id)),
                tags=args.tags,
                opts=stateful,
            )
            topic = aws.sns.Topic(
                f"{name}-alarms",
                name=f"{args.name_prefix}-dns-failover-alarms",
                kms_master_key_id=key.arn,
                tags=args.tags,
                opts=stateful,
            )
            aws.sns.TopicPolicy(
                f"{name}-alarms-policy",
                arn=topic.arn,
                policy=iam.to_json(alarm_topic_policy(topic.arn, account_id)),
                opts=alarm_opts,
            )
            for protocol, endpoint in args.alarm_subscriptions:
                aws.sns.TopicSubscription(
                    f"{name}-alarms-{protocol}-{re.sub(r'[^A-Za-z0-9.@_-]+', '-', endpoint)}",  # keyed by endpoint
                    topic=topic.arn,
                    protocol=protocol,
                    endpoint=endpoint,
                    opts=alarm_opts,
                )
            topic_arn = topic.arn
        aws.cloudwatch.MetricAlarm(
            f"{name}-primary-unhealthy",
            name=f"{args.name_prefix}-dns-primary-unhealthy",
            alarm_description=f"Route 53 answers {args.record_name} with the secondary (DR): the primary's check is "
            "failing or operators hold traffic on DR. If DR takes writes, hold it there (`failsafe-dr dns hold-dr`) "
            "so the primary's recovery does not fail back on its own. See docs/dns-failover.md.",
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions={"HealthCheckId": traffic_check.id},
            statistic="Minimum",
            period=60,
            evaluation_periods=1,
            comparison_operator="LessThanThreshold",
            threshold=1,
            treat_missing_data="breaching",
            alarm_actions=[topic_arn],
            ok_actions=[topic_arn],
            tags=args.tags,
            opts=alarm_opts,
        )

        self.health_check_id = primary_check.id
        self.traffic_health_check_id = traffic_check.id
        self.alarm_topic_arn = pulumi.Output.from_input(topic_arn)
        self.worst_case_seconds = args.worst_case_seconds
        self.rto_budget_seconds = args.rto_budget_seconds
        self.register_outputs(
            {
                "healthCheckId": self.health_check_id,
                "trafficHealthCheckId": self.traffic_health_check_id,
                "alarmTopicArn": self.alarm_topic_arn,
                "switchPolicyArn": self.switch_policy_arn,
                "worstCaseSeconds": self.worst_case_seconds,
                "rtoBudgetSeconds": self.rto_budget_seconds,
            }
        )
