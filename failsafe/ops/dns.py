"""``failsafe-dr dns``: move traffic to DR, hold it there and fail back with data-plane calls only.

The switch (docs/dns-failover.md) is a CloudWatch metric in the switch region (``dnsSwitchRegion``, default the DR
region): 1 holds traffic on DR, 0 releases it. The DnsFailover component alarms on it and a Route 53 health check
follows the alarm, combined with the primary's own check. Flipping it is one ``cloudwatch:PutMetricData`` call:
CloudWatch's data plane in a region that is not the primary's, and no Route 53 API at all (Route 53's control plane
is served from us-east-1 only, and was impaired for about seven hours in December 2021 while DNS answers kept
working). ``pulumi up --refresh`` cannot undo a hold: the state is metric data, not a resource attribute.

Every AWS API each command calls (tests/ops/test_dns.py records them against a moto server):

==========  =======================================================================================================
hold-dr     ``sts:GetCallerIdentity``, ``cloudwatch:GetMetricData`` and ``cloudwatch:PutMetricData`` (switch region)
release     the same three
status      ``sts:GetCallerIdentity``, ``cloudwatch:GetMetricData`` (switch region; us-east-1 for Route 53's
            ``HealthCheckStatus``, best effort), DNS queries through the local resolver
wait        DNS queries only
preflight   ``route53:ListResourceRecordSets``: control plane, read-only, **before a deploy**, never during recovery
==========  =======================================================================================================

People: hold-dr and release need ``--profile``, an operator profile whose role requires MFA in its trust policy
(the role gets the DnsFailover component's ``<prefix>-dns-switch-operator`` policy: PutMetricData limited to the
switch's namespace). The caller's ARN is printed before anything is written, and credentials of any account but the
hosted zone's (``dnsAccountId``) are refused.

Handlers print one line on stderr and exit 2 for what a person can fix (missing ``--confirm-failback``, wrong
account); AWS errors reach ``failsafe.ops.cli.main``, which does the same.
"""

from __future__ import annotations

import argparse
import functools
import json
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from failsafe.ops import aws, drill, retry
from failsafe.ops.verify import HEALTHY_FRACTION, Check

EXIT_FAILED = 1
EXIT_ERROR = 2
HOLD, RELEASE = 1.0, 0.0
ROUTE53_METRICS_REGION = "us-east-1"
SWITCH_LOOKBACK = timedelta(days=15)  # CloudWatch keeps 1-minute data points for 15 days
# What the recovery commands may call: CloudWatch metric data and STS, both regional data planes. Nothing of Route 53.
DATA_PLANE_APIS = frozenset(
    {("sts", "GetCallerIdentity"), ("cloudwatch", "PutMetricData"), ("cloudwatch", "GetMetricData")}
)
PREFLIGHT_APIS = frozenset({("route53", "ListResourceRecordSets")})
FAILBACK_CHECKS = (
    "did DR take writes? copy them back to the primary first (failback moves traffic, not data)",
    "is the primary healthy on its own? (`failsafe-dr dns status --health-check-id ...` shows 1)",
    "time it: `failsafe-dr drill step begin 'DNS: fail back'` or `release --drill drills`",
)

Resolver = Callable[[str], tuple[str, list[str], list[str]]]  # socket.gethostbyname_ex's shape
RESOLVER: Resolver = socket.gethostbyname_ex  # tests replace it


class DnsError(RuntimeError):
    """Something a person can fix; one line."""


@dataclass(frozen=True)
class Switch:
    """Where the switch lives, from config alone (``failsafe.settings.config.DnsSwitch``)."""

    region: str
    namespace: str
    metric_name: str
    dimension_name: str
    dimension_value: str
    alarm_name: str

    @classmethod
    def from_config(cls, cfg: Any) -> Switch:
        if cfg.dns is None:
            raise DnsError(f"stack {cfg.stack}: no DNS failover configured (failsafe:dnsRecordName is empty)")
        s = cfg.dns.switch
        return cls(s.region, s.namespace, s.metric_name, s.dimension_name, s.dimension_value, s.alarm_name)

    @property
    def dimensions(self) -> list[dict[str, str]]:
        return [{"Name": self.dimension_name, "Value": self.dimension_value}]


# --- the switch --------------------------------------------------------------------------------------------------


def write_time(last: tuple[datetime, float] | None, value: float, now: datetime) -> datetime:
    """When to stamp a write. The alarm takes the Maximum per minute, so a release in the same minute as a hold would
    be outvoted by it (and a hold by nothing): a write that changes the value goes into the next minute when the last
    write is in this one (PutMetricData accepts time stamps up to two hours ahead)."""
    minute = now.replace(second=0, microsecond=0)
    if last is not None and last[1] != value and last[0] >= minute:
        return max(minute, last[0].replace(second=0, microsecond=0)) + timedelta(minutes=1)
    return now


def put_switch(cloudwatch: Any, switch: Switch, value: float, now: datetime | None = None) -> datetime:
    """One standard-resolution data point (Route 53 refuses alarms on high-resolution metrics); returns its time."""
    now = now or datetime.now(UTC)
    when = write_time(read_switch(cloudwatch, switch, now), value, now)
    retry.call(
        cloudwatch.put_metric_data,
        Namespace=switch.namespace,
        MetricData=[
            {
                "MetricName": switch.metric_name,
                "Dimensions": switch.dimensions,
                "Timestamp": when,
                "Value": value,
                "Unit": "Count",
                "StorageResolution": 60,
            }
        ],
    )
    return when


def _latest(
    cloudwatch: Any, query: dict[str, Any], now: datetime, lookback: timedelta
) -> tuple[datetime, float] | None:
    """The newest data point of one metric (Maximum per minute), or None."""
    found: list[tuple[datetime, float]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "MetricDataQueries": [{"Id": "m", "MetricStat": query, "ReturnData": True}],
            # whole minutes, as CloudWatch rounds them for recent data: each point's time is then its minute
            "StartTime": (now - lookback).replace(second=0, microsecond=0),
            "EndTime": now + timedelta(minutes=3),  # a write may be stamped in the next minute (write_time)
            "ScanBy": "TimestampDescending",
        }
        if token:
            kwargs["NextToken"] = token
        page = retry.call(cloudwatch.get_metric_data, **kwargs)
        for result in page.get("MetricDataResults", []):
            found += zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
        token = page.get("NextToken")
        if not token or found:
            break
    return max(found, key=lambda point: point[0]) if found else None


def read_switch(cloudwatch: Any, switch: Switch, now: datetime | None = None) -> tuple[datetime, float] | None:
    query = {
        "Metric": {"Namespace": switch.namespace, "MetricName": switch.metric_name, "Dimensions": switch.dimensions},
        "Period": 60,
        "Stat": "Maximum",
    }
    return _latest(cloudwatch, query, now or datetime.now(UTC), SWITCH_LOOKBACK)


def read_health(cloudwatch: Any, health_check_id: str, now: datetime | None = None) -> tuple[datetime, float] | None:
    """Route 53's own verdict on a check (1 healthy, 0 unhealthy), from its metric in us-east-1."""
    query = {
        "Metric": {
            "Namespace": "AWS/Route53",
            "MetricName": "HealthCheckStatus",
            "Dimensions": [{"Name": "HealthCheckId", "Value": health_check_id}],
        },
        "Period": 60,
        "Stat": "Minimum",
    }
    return _latest(cloudwatch, query, now or datetime.now(UTC), timedelta(minutes=10))


def describe_switch(point: tuple[datetime, float] | None) -> str:
    if point is None:
        return "not held (never written in the last 15 days; Route 53 keeps the check's last known status)"
    moment, value = point
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"HELD on DR since {stamp}" if value >= HOLD else f"released (0 written {stamp})"


# --- DNS answers (the data plane every client sees) ------------------------------------------------------------


def answer(name: str, resolver: Resolver | None = None) -> tuple[str, ...]:
    """Names and addresses the local resolver gives for ``name``: the CNAME chain, then the addresses."""
    try:
        canonical, aliases, addresses = (resolver or RESOLVER)(name)
    except OSError as exc:
        return (f"(no answer: {exc})",)
    return tuple(dict.fromkeys([*aliases, canonical, *addresses]))


def points_at(target: Any, found: Sequence[str], resolver: Resolver | None = None) -> bool:
    """Does the answer ``found`` come from ``target`` (a DnsTarget)? A CNAME by name; addresses by overlap (an alias
    target's addresses are resolved now, so a CDN's rotating addresses still compare)."""
    if target.kind == "cname":
        return target.value.rstrip(".").lower() in {f.rstrip(".").lower() for f in found}
    expected = set(target.addresses) if target.kind == "ip" else set(answer(target.value, resolver))
    return bool(expected & set(found))


# --- verify checks (failsafe-dr verify, with --dns-profile) -----------------------------------------------------


def check_switch(cloudwatch: Any, switch: Switch, now: datetime | None = None) -> Check:
    name = f"DNS switch {switch.namespace}/{switch.metric_name} ({switch.region})"
    try:
        point = read_switch(cloudwatch, switch, now)
    except Exception as exc:
        return Check(name, False, f"cannot read the switch: {retry.error_code(exc) or type(exc).__name__}: {exc}")
    return Check(name, True, describe_switch(point))


def check_health_check(route53: Any, health_check_id: str | None) -> Check:
    """The primary's check seen from the hosted zone's account (the account that owns it)."""
    name = f"health check {health_check_id or '(id?)'}"
    if not health_check_id:
        return Check(name, False, "no health check id: pass --outputs (prod outputs) or --health-check-id")
    try:
        status = retry.call(route53.get_health_check_status, HealthCheckId=health_check_id)
    except Exception as exc:
        return Check(name, False, f"cannot read status: {retry.error_code(exc) or type(exc).__name__}: {exc}")
    observations = status.get("HealthCheckObservations") or []
    if not observations:
        return Check(name, False, "no checker observations")
    healthy = [o for o in observations if str((o.get("StatusReport") or {}).get("Status", "")).startswith("Success")]
    fraction = len(healthy) / len(observations)
    return Check(
        name,
        fraction > HEALTHY_FRACTION,
        f"{len(healthy)}/{len(observations)} checkers report success (healthy above {HEALTHY_FRACTION:.0%})",
    )


def check_alarm_delivery(sns: Any, topic_arn: str | None) -> Check:
    """CloudWatch can publish (not under alias/aws/sns) and someone listens (a confirmed subscription)."""
    name = f"alarm topic {topic_arn or '(arn?)'}"
    if not topic_arn:
        return Check(name, False, "no topic: pass --outputs with failoverAlarmTopicArn, or configure dnsAlarmTopicArn")
    try:
        attributes = retry.call(sns.get_topic_attributes, TopicArn=topic_arn)["Attributes"]
        subscriptions = retry.call(sns.list_subscriptions_by_topic, TopicArn=topic_arn).get("Subscriptions", [])
    except Exception as exc:
        return Check(name, False, f"cannot read the topic: {retry.error_code(exc) or type(exc).__name__}: {exc}")
    key = attributes.get("KmsMasterKeyId", "")
    if key.endswith("alias/aws/sns"):
        return Check(name, False, "encrypted with alias/aws/sns: CloudWatch alarms cannot publish to it")
    confirmed = [s for s in subscriptions if str(s.get("SubscriptionArn", "")).startswith("arn:")]
    if not confirmed:
        pending = len(subscriptions)
        return Check(name, False, f"no confirmed subscription ({pending} pending): nobody hears of a failover")
    protocols = sorted({s.get("Protocol", "?") for s in confirmed})
    return Check(
        name, True, f"{len(confirmed)} confirmed subscription(s) ({', '.join(protocols)}); key {key or 'none'}"
    )


def secondary_url(target: Any, port: int, path: str, protocol: str = "HTTPS") -> str | None:
    """The URL the secondary must answer, or None for an ip target (its certificate names the record, not the IP)."""
    if target is None or target.kind == "ip":
        return None
    scheme = protocol.lower()
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{target.value}{'' if port == default else f':{port}'}{path}"


def check_secondary_answers(
    url: str | None, search_string: str | None = None, opener: Callable[..., Any] = urllib.request.urlopen
) -> Check:
    """The secondary answers its health path as Route 53's checkers would require: 2xx/3xx within a few seconds and,
    with a search string, the string in the first 5,120 bytes."""
    name = f"secondary answers {url or '(url?)'}"
    if not url:
        return Check(name, None, "no secondary URL (an ip: target, or no drEndpoint): pass --secondary-url")
    try:
        with opener(urllib.request.Request(url, method="GET"), timeout=10, context=ssl.create_default_context()) as r:
            status, body = r.status, r.read(5120).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, ""
    except (OSError, ValueError) as exc:
        return Check(name, False, f"no answer: {exc}")
    if not 200 <= status < 400:
        return Check(name, False, f"HTTP {status}: Route 53 would call it unhealthy")
    if search_string and search_string not in body:
        return Check(name, False, f"HTTP {status} but {search_string!r} is not in the first 5,120 bytes")
    return Check(name, True, f"HTTP {status}" + (f", {search_string!r} found" if search_string else ""))


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    """``failsafe-dr verify``'s DNS options (cli.py calls this on its verify parser)."""
    parser.add_argument("--dns-profile", help="AWS profile with read-only access to the hosted zone's account")
    parser.add_argument("--secondary-url", help="URL the secondary must answer (default: from config/drEndpoint)")


def verify_checks(cfg: Any, outputs: Mapping[str, Any], args: argparse.Namespace) -> list[Check]:
    """The DNS checks of ``failsafe-dr verify``: the health check, the switch and the alarm topic through the hosted
    zone's account (``--dns-profile``; SKIP without it), and the secondary's answer (no credentials needed)."""
    if cfg.dns is None:
        return []
    dns = cfg.dns
    checks: list[Check] = []
    profile = getattr(args, "dns_profile", None)
    health_id = getattr(args, "health_check_id", None) or _first(outputs, "failoverHealthCheckId", "healthCheckId")
    topic = dns.alarm_topic_arn or _first(outputs, "failoverAlarmTopicArn")
    if profile:
        sess = session_for(profile, ROUTE53_METRICS_REGION)
        caller_account(sess, cfg, ROUTE53_METRICS_REGION)
        switch = Switch.from_config(cfg)
        checks.append(check_health_check(aws.client(sess, "route53", ROUTE53_METRICS_REGION), health_id))
        checks.append(check_switch(aws.client(sess, "cloudwatch", switch.region), switch))
        checks.append(check_alarm_delivery(aws.client(sess, "sns", ROUTE53_METRICS_REGION), topic))
    else:
        skipped = "no credentials for the hosted zone's account (--dns-profile)"
        checks += [Check(n, None, skipped) for n in ("health check", "DNS switch", "alarm topic")]
    secondary = dns.secondary or _export_target(outputs.get("drEndpoint"))
    url = getattr(args, "secondary_url", None) or secondary_url(secondary, dns.port, dns.path, dns.protocol)
    checks.append(check_secondary_answers(url, dns.search_string))
    return checks


def _first(outputs: Mapping[str, Any], *names: str) -> str | None:
    return next((outputs[n] for n in names if isinstance(outputs.get(n), str) and outputs[n]), None)


def _export_target(value: Any) -> Any:
    from failsafe.settings.config import DnsTarget

    if isinstance(value, dict) and value.get("kind") and value.get("value"):
        return DnsTarget(str(value["kind"]), str(value["value"]), value.get("zoneId") or None)
    return None


# --- preflight (before a deploy) --------------------------------------------------------------------------------


def conflicting_records(route53: Any, zone_id: str, record_name: str) -> list[dict[str, Any]]:
    """Records named ``record_name`` without a routing policy (no SetIdentifier): Route 53 refuses to create
    failover records next to them (InvalidChangeBatch)."""
    wanted = record_name.rstrip(".").lower() + "."
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"HostedZoneId": zone_id, "StartRecordName": wanted}
    while True:
        page = retry.call(route53.list_resource_record_sets, **kwargs)
        for record in page.get("ResourceRecordSets", []):
            name = record["Name"].lower().replace("\\052", "*")
            if name != wanted:
                return found
            if not record.get("SetIdentifier") and record["Type"] in ("A", "AAAA", "CNAME"):
                found.append(record)
        if not page.get("IsTruncated"):
            return found
        kwargs.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])


# --- CLI ----------------------------------------------------------------------------------------------------------


def session_for(profile: str | None, region: str) -> Any:
    """A session from the operator's profile (tests replace this function)."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise DnsError(f"AWS profile {profile!r} not found in ~/.aws/config") from None


def load_config(stack: str) -> Any:
    from failsafe.settings import config, stackfiles

    return config.load_mapping(stack, stackfiles.unnamespaced(stackfiles.raw_config(stack)))


def caller_account(sess: Any, cfg: Any, region: str) -> tuple[str, str]:
    """(account, ARN) of the credentials; refused unless they are the hosted zone's account."""
    identity = retry.call(aws.client(sess, "sts", region).get_caller_identity)
    account, arn = identity["Account"], identity["Arn"]
    if account != cfg.accounts.dns:
        raise DnsError(
            f"wrong account: the credentials ({arn}) are account {account}; the switch lives in the hosted zone's "
            f"account {cfg.accounts.dns} (failsafe:dnsAccountId, empty = prodAccountId)"
        )
    return account, arn


def _one_line(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (DnsError, drill.DrillError, retry.ThrottledError) as exc:
            print(f"failsafe-dr: error: {exc}", file=sys.stderr)
            return EXIT_ERROR

    return run


def _operator_session(args: argparse.Namespace) -> tuple[Any, Any, Switch, Any]:
    cfg = load_config(args.stack)
    switch = Switch.from_config(cfg)
    sess = session_for(args.profile, switch.region)
    _, arn = caller_account(sess, cfg, switch.region)
    print(f"caller: {arn}")
    return cfg, switch, sess, aws.client(sess, "cloudwatch", switch.region)


@_one_line
def cmd_hold_dr(args: argparse.Namespace) -> int:
    cfg, switch, _, cloudwatch = _operator_session(args)
    when = put_switch(cloudwatch, switch, HOLD)
    dns = cfg.dns
    print(
        f"HOLD written: {switch.namespace}/{switch.metric_name} {switch.dimension_name}={switch.dimension_value} = 1 "
        f"at {when:%H:%M:%S}Z in {switch.region}. Expect {dns.record_name} to answer with the secondary within about "
        f"{hold_seconds(cfg)} s (alarm period 60 s + Route 53 reading the alarm + propagation 60 s + TTL "
        f"{dns.ttl_seconds} s); time it with `failsafe-dr dns wait --for secondary`."
    )
    print("Traffic stays on DR until `failsafe-dr dns release --confirm-failback`, whatever the primary's health.")
    if args.drill:
        step = drill.Drill(Path(args.drill)).begin("DNS: hold traffic on DR", notes=args.reason or "")
        print(f"drill step {step['name']!r} started {step['started']}")
    return 0


@_one_line
def cmd_release(args: argparse.Namespace) -> int:
    if not args.confirm_failback:
        raise DnsError(
            "release refused without --confirm-failback; first: "
            + "; ".join(f"{n}. {c}" for n, c in enumerate(FAILBACK_CHECKS, 1))
        )
    cfg, switch, _, cloudwatch = _operator_session(args)
    print(f"switch before: {describe_switch(read_switch(cloudwatch, switch))}")
    when = put_switch(cloudwatch, switch, RELEASE)
    print(
        f"RELEASE written: {switch.metric_name} = 0 at {when:%H:%M:%S}Z in {switch.region}. "
        f"{cfg.dns.record_name} answers with the primary again once the primary's own check is healthy "
        "(failure threshold x interval), then propagation and TTL."
    )
    if args.drill:
        step = drill.Drill(Path(args.drill)).begin("DNS: fail back to the primary", notes=args.reason or "")
        print(f"drill step {step['name']!r} started {step['started']}")
    return 0


@_one_line
def cmd_status(args: argparse.Namespace) -> int:
    cfg, switch, sess, cloudwatch = _operator_session(args)
    report: dict[str, Any] = {
        "record": cfg.dns.record_name,
        "answer": list(answer(cfg.dns.record_name)),
        "switch": describe_switch(read_switch(cloudwatch, switch)),
        "switchRegion": switch.region,
    }
    if args.health_check_id:
        try:
            metrics = aws.client(sess, "cloudwatch", ROUTE53_METRICS_REGION)
            point = read_health(metrics, args.health_check_id)
            report["primaryHealth"] = "no data in 10 min" if point is None else int(point[1])
        except Exception as exc:  # us-east-1 impaired: the switch and the answer above still stand
            report["primaryHealth"] = f"unknown ({retry.error_code(exc) or type(exc).__name__})"
    print(json.dumps(report, indent=2))
    return 0


@_one_line
def cmd_wait(args: argparse.Namespace) -> int:
    """Poll the record's answer until it comes from the wanted target; end the running drill step with the result."""
    from failsafe.settings.config import ConfigError, parse_dns_target

    cfg = load_config(args.stack)
    dns = cfg.dns
    if dns is None:
        raise DnsError(f"stack {args.stack}: no DNS failover configured")
    try:
        if args.expect:
            target = parse_dns_target("--expect", args.expect)
        elif args.target == "primary":
            target = dns.primary
        else:
            target = dns.secondary or load_config(cfg.dr_stack_name.rsplit("/", 1)[-1]).dr_endpoint
    except ConfigError as exc:
        raise DnsError(str(exc)) from None
    if target is None:
        raise DnsError("no secondary target in config: pass --expect cname:<host> (the dr stack's drEndpoint)")
    started = time.monotonic()
    ok = False
    while not ok:
        ok = points_at(target, answer(dns.record_name), None)
        if ok or time.monotonic() - started + args.every > args.timeout:
            break
        time.sleep(args.every)
    seconds = round(time.monotonic() - started)
    print(f"{dns.record_name}: {'answers from' if ok else 'NOT answering from'} the {args.target} after {seconds} s")
    if args.drill:
        step = drill.Drill(Path(args.drill)).end("ok" if ok else "failed", f"{args.target} after {seconds} s")
        print(f"drill step {step['name']!r} ended: {step['outcome']}")
    return 0 if ok else EXIT_FAILED


@_one_line
def cmd_preflight(args: argparse.Namespace) -> int:
    cfg = load_config(args.stack)
    dns = cfg.dns
    if dns is None:
        raise DnsError(f"stack {args.stack}: no DNS failover configured")
    zone_id = args.zone_id or dns.zone_id
    if not zone_id:
        raise DnsError("no hosted zone ID: set failsafe:dnsZoneId or pass --zone-id")
    sess = session_for(args.profile, ROUTE53_METRICS_REGION)
    caller_account(sess, cfg, ROUTE53_METRICS_REGION)
    conflicts = conflicting_records(aws.client(sess, "route53", ROUTE53_METRICS_REGION), zone_id, dns.record_name)
    if not conflicts:
        print(f"{dns.record_name}: no simple record in the way; `pulumi up -s prod` can create the failover records")
        return 0
    kinds = ", ".join(sorted({r["Type"] for r in conflicts}))
    print(
        f"{dns.record_name}: simple {kinds} record(s) exist; Route 53 refuses failover records next to them "
        "(InvalidChangeBatch). Cut over as docs/dns-failover.md, 'Taking over an existing record', describes."
    )
    return EXIT_FAILED


def hold_seconds(cfg: Any) -> int:
    """Rough time from a hold to clients on DR: the alarm's 60 s period, Route 53 reading the alarm (about one more
    minute), propagation 60 s, the TTL. A drill measures the real figure."""
    return 60 + 60 + 60 + cfg.dns.ttl_seconds


def register(subparsers: Any) -> None:
    """``failsafe-dr dns ...`` (cli.py calls this with its subparsers)."""
    d = subparsers.add_parser("dns", help="the DNS failover switch: status, hold-dr, release (data plane only)")
    dsub = d.add_subparsers(dest="dns_command", required=True)
    hold = dsub.add_parser("hold-dr", help="send traffic to DR and keep it there (cloudwatch:PutMetricData)")
    release = dsub.add_parser("release", help="let traffic return to the primary (needs --confirm-failback)")
    release.add_argument("--confirm-failback", action="store_true", help="DR's writes are dealt with; fail back")
    status = dsub.add_parser("status", help="the switch, the record's answer and the primary's health")
    status.add_argument("--health-check-id", help="Route 53 check to read (prod output failoverHealthCheckId)")
    for p in (hold, release, status):
        p.add_argument("--profile", required=True, help="operator profile (its role requires MFA)")
    for p in (hold, release):
        p.add_argument("--reason", help="why (recorded in the drill step)")
        p.add_argument("--drill", metavar="DIR", help="begin a drill step in this drill directory (e.g. drills)")
    wait = dsub.add_parser("wait", help="poll DNS until the record answers from a target (times a drill step)")
    wait.add_argument("--for", dest="target", choices=("secondary", "primary"), default="secondary")
    wait.add_argument("--expect", help="the target as in config, e.g. cname:dr.example.com (default: from config)")
    wait.add_argument("--timeout", type=float, default=600, help="seconds (default 600)")
    wait.add_argument("--every", type=float, default=5, help="seconds between lookups (default 5)")
    wait.add_argument("--drill", metavar="DIR", help="end the running drill step with the result")
    pre = dsub.add_parser("preflight", help="before deploying: is a simple record in the way? (control plane, read)")
    pre.add_argument("--profile", help="read-only profile of the hosted zone's account")
    pre.add_argument("--zone-id", help="hosted zone ID (default failsafe:dnsZoneId)")
    for p in (hold, release, status, wait, pre):
        p.add_argument("--stack", default="prod", help="stack whose config names the record and switch")
    hold.set_defaults(func=cmd_hold_dr)
    release.set_defaults(func=cmd_release)
    status.set_defaults(func=cmd_status)
    wait.set_defaults(func=cmd_wait)
    pre.set_defaults(func=cmd_preflight)
