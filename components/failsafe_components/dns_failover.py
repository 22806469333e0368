"""DnsFailover: Route 53 moves a record from the primary to the secondary endpoint without a human.

A health check probes the primary endpoint; the PRIMARY failover record carries it, the SECONDARY record
answers while it is unhealthy. A CloudWatch alarm on the check's ``HealthCheckStatus`` metric (Route 53
publishes it only in us-east-1: the alarm takes a provider in the configured metrics region) notifies an SNS
topic, so people learn that traffic moved.

The component states the recovery time it can meet and refuses settings that cannot meet the budget::

    worst case = request interval x failure threshold   (detection by the health checkers)
               + TTL                                      (how long resolvers may keep the old answer)

For alias targets Route 53 uses the target's TTL, not the record's; ``ttl_seconds`` is then the TTL the
budget assumes for the target (see docs/dns-failover.md). The record name must not be a function URL: a
function URL takes no custom hostname, put CloudFront or API Gateway in front of it.

Children: health checks and records use the component's provider (the hosted zone's account, passed in
``opts``); the alarm and the topic it creates use ``args.alarm_provider`` (metrics region).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import spec
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.options import protects_state
from failsafe_components.spec import HOSTED_ZONE_ID, DnsTarget

INTERVALS = (10, 30)  # Route 53's only request intervals (seconds)
MAX_FAILOVER_TTL = spec.FAILOVER_TTL_SECONDS.high
PROTOCOLS = ("HTTPS", "HTTP")
TARGET_KINDS = ("alias", "cname", "ip")


def worst_case_seconds(interval: int, threshold: int, ttl: int) -> int:
    """Seconds from the primary failing until every client resolves the secondary: detection plus caching."""
    return interval * threshold + ttl


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
class DnsFailoverArgs:
    record_name: str
    primary: DnsTarget
    # an Output (the dr stack's drEndpoint export, a DnsTarget or its dict form) is checked when known
    secondary: DnsTarget | pulumi.Output[Any]
    rto_budget_seconds: int
    zone_id: str | None = None
    zone_name: str | None = None  # looked up (public zone) when zone_id is empty
    protocol: str = "HTTPS"
    port: int = 443
    path: str = "/health"
    search_string: str | None = None
    interval_seconds: int = 30
    failure_threshold: int = 3
    regions: tuple[str, ...] = ()  # empty: Route 53's default checker regions
    secondary_health_check: bool = False
    ttl_seconds: int = 60  # TTL of non-alias failover records; for aliases the TTL assumed for the target
    alarm_topic_arn: str | None = None  # empty: the component creates an SNS topic in the metrics region
    alarm_provider: pulumi.ProviderResource | None = None  # provider in the metrics region (us-east-1)
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
    _check_target("primary", args.primary)
    if isinstance(args.secondary, DnsTarget):
        _check_pair(args.primary, args.secondary)
    worst = args.worst_case_seconds
    if worst > args.rto_budget_seconds:
        raise ComponentArgsError(
            f"DnsFailoverArgs.rto_budget_seconds={args.rto_budget_seconds}: cannot be met; worst case {worst} s = "
            f"interval_seconds {args.interval_seconds} x failure_threshold {args.failure_threshold} + "
            f"ttl_seconds {args.ttl_seconds}, "
            f"more than rto_budget_seconds {args.rto_budget_seconds}; lower the interval, threshold or TTL, "
            "or raise the budget"
        )


def _check_target(role: str, target: DnsTarget) -> None:
    if target.kind not in TARGET_KINDS or not target.value:
        raise _fail(role, target, "an alias, cname or ip target")
    if target.kind == "alias" and not target.zone_id:
        raise _fail(role, target, "an alias target with the target's hosted zone ID")


def _check_pair(primary: DnsTarget, secondary: DnsTarget) -> DnsTarget:
    _check_target("secondary", secondary)
    if (primary.kind, primary.value, primary.zone_id) == (secondary.kind, secondary.value, secondary.zone_id):
        raise _fail(
            "secondary", secondary, "a target different from the primary (failing over to itself recovers nothing)"
        )
    return secondary


def _known_secondary(primary: DnsTarget, secondary: Any) -> DnsTarget:
    """Check a secondary that was an Output, once its value is known.

    Raised as a plain ``pulumi.RunError``: the SDK re-wraps a ``ValueError`` (ComponentArgsError is one) raised
    while resolving a resource input into a generic error with a traceback, but lets ``RunError`` through, so
    the engine prints just the message.
    """
    try:
        return _check_pair(primary, secondary if isinstance(secondary, DnsTarget) else target_from_export(secondary))
    except ComponentArgsError as error:
        raise pulumi.RunError(str(error)) from None


def _record_type(target: DnsTarget) -> str:
    return "CNAME" if target.kind == "cname" else "A"


def _records(target: DnsTarget) -> list[str] | None:
    if target.kind == "alias":
        return None
    return list(target.addresses) if target.kind == "ip" else [target.value]


def _aliases(target: DnsTarget) -> list[dict[str, Any]] | None:
    if target.kind != "alias":
        return None
    return [{"name": target.value, "zoneId": target.zone_id, "evaluateTargetHealth": True}]


def _check_host(target: DnsTarget) -> tuple[str | None, str | None]:
    """(fqdn, ip_address) one health check probes for ``target`` (the first address of an ip target: a
    secondary's check; the primary gets one check per address)."""
    return (None, target.addresses[0]) if target.kind == "ip" else (target.value, None)


class DnsFailover(pulumi.ComponentResource):
    health_check_id: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]
    worst_case_seconds: int
    rto_budget_seconds: int

    def __init__(self, name: str, args: DnsFailoverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate(args)
        super().__init__("failsafe:index:DnsFailover", name, None, opts)
        protect = protects_state(opts)  # stateful children: protected unless the caller set protect=False
        primary = args.primary
        secondary: pulumi.Output[DnsTarget] = pulumi.Output.from_input(args.secondary).apply(
            lambda target: _known_secondary(primary, target)
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
                invert_healthcheck=False,  # explicit: a game-day inversion shows as drift on refresh
                tags={**args.tags, "Name": f"{args.name_prefix}-{role}-{args.record_name}"},
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
                tags={**args.tags, "Name": f"{args.name_prefix}-primary-{args.record_name}"},
                opts=child,
            )
        else:
            fqdn, ip = _check_host(primary)
            primary_check = health_check("primary", fqdn, ip)
        secondary_check = None
        if args.secondary_health_check:
            host = secondary.apply(_check_host)
            secondary_check = health_check("secondary", host.apply(lambda h: h[0]), host.apply(lambda h: h[1]))

        is_alias = primary.kind == "alias"
        aws.route53.Record(
            f"{name}-primary",
            zone_id=zone_id,
            name=args.record_name,
            type=_record_type(primary),
            set_identifier=f"{args.record_name}-primary",
            failover_routing_policies=[{"type": "PRIMARY"}],
            health_check_id=primary_check.id,
            ttl=None if is_alias else args.ttl_seconds,
            records=_records(primary),
            aliases=_aliases(primary),
            opts=child,
        )
        aws.route53.Record(
            f"{name}-secondary",
            zone_id=zone_id,
            name=args.record_name,
            type=secondary.apply(_record_type),
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
            topic = aws.sns.Topic(
                f"{name}-alarms",
                name=f"{args.name_prefix}-dns-failover-alarms",
                kms_master_key_id="alias/aws/sns",
                tags=args.tags,
                opts=pulumi.ResourceOptions.merge(alarm_opts, pulumi.ResourceOptions(protect=protect)),
            )
            topic_arn = topic.arn
        aws.cloudwatch.MetricAlarm(
            f"{name}-primary-unhealthy",
            name=f"{args.name_prefix}-dns-primary-unhealthy",
            alarm_description=f"Route 53 health check of the primary endpoint of {args.record_name} is failing: "
            "traffic is on the secondary. See docs/dns-failover.md.",
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions={"HealthCheckId": primary_check.id},
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
        self.alarm_topic_arn = pulumi.Output.from_input(topic_arn)
        self.worst_case_seconds = args.worst_case_seconds
        self.rto_budget_seconds = args.rto_budget_seconds
        self.register_outputs(
            {
                "healthCheckId": self.health_check_id,
                "alarmTopicArn": self.alarm_topic_arn,
                "worstCaseSeconds": self.worst_case_seconds,
                "rtoBudgetSeconds": self.rto_budget_seconds,
            }
        )
