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

What a person can fix (missing ``--confirm-failback``, wrong account) is a :class:`DnsError` (exit 2); AWS's
refusals are exit 3; both one line, from ``failsafe.ops.cli.main``.
"""

from __future__ import annotations

import argparse
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from failsafe.ops import aws, drill, options
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK, UsageError
from failsafe.ops.output import Report, Table
from failsafe.ops.stackconfig import dns_target, load_config
from failsafe.ops.verify import HEALTHY_FRACTION, Check

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
    "time it: `failsafe-dr drill step begin 'DNS: fail back'` or `release --drill-dir drills`",
)

Resolver = Callable[[str], tuple[str, list[str], list[str]]]  # socket.gethostbyname_ex's shape
RESOLVER: Resolver = socket.gethostbyname_ex  # tests replace it
SLEEP: Callable[[float], None] = time.sleep  # between lookups of `dns wait`; tests replace it
CLOCK: Callable[[], float] = time.monotonic


class DnsError(UsageError):
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
    cloudwatch.put_metric_data(
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
    """The newest data point of one metric (Maximum per minute), or None: pages (newest first) until one has data."""
    found: list[tuple[datetime, float]] = []
    listing = aws.pages(
        cloudwatch,
        "get_metric_data",
        MetricDataQueries=[{"Id": "m", "MetricStat": query, "ReturnData": True}],
        # whole minutes, as CloudWatch rounds them for recent data: each point's time is then its minute
        StartTime=(now - lookback).replace(second=0, microsecond=0),
        EndTime=now + timedelta(minutes=3),  # a write may be stamped in the next minute (write_time)
        ScanBy="TimestampDescending",
    )
    for page in listing:
        for result in page.get("MetricDataResults", []):
            found += zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
        if found:
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
        return Check(name, False, f"cannot read the switch: {aws.describe(exc)}")
    return Check(name, True, describe_switch(point))


def check_health_check(route53: Any, health_check_id: str | None) -> Check:
    """The primary's check seen from the hosted zone's account (the account that owns it)."""
    name = f"health check {health_check_id or '(id?)'}"
    if not health_check_id:
        return Check(name, False, "no health check id: pass --outputs (prod outputs) or --health-check-id")
    try:
        status = route53.get_health_check_status(HealthCheckId=health_check_id)
    except Exception as exc:
        return Check(name, False, f"cannot read status: {aws.describe(exc)}")
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
        attributes = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        subscriptions = list(aws.items(sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=topic_arn))
    except Exception as exc:
        return Check(name, False, f"cannot read the topic: {aws.describe(exc)}")
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
    """``failsafe-dr verify``'s DNS options (cli.py calls this on its verify parser; ``--dns-profile`` is one of its
    account profiles)."""
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
        sess = aws.session(ROUTE53_METRICS_REGION, profile=profile, flag="--dns-profile")
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
    """The dr stack's ``drEndpoint`` output ({kind, value, zoneId}) as the DNS target config would name it."""
    if isinstance(value, dict) and value.get("kind") and value.get("value"):
        kind, target = str(value["kind"]), str(value["value"])
        text = f"alias:{value.get('zoneId')}:{target}" if kind == "alias" else f"{kind}:{target}"
        return dns_target("drEndpoint", text)
    return None


# --- preflight (before a deploy) --------------------------------------------------------------------------------


def conflicting_records(route53: Any, zone_id: str, record_name: str) -> list[dict[str, Any]]:
    """Records named ``record_name`` without a routing policy (no SetIdentifier): Route 53 refuses to create
    failover records next to them (InvalidChangeBatch)."""
    wanted = record_name.rstrip(".").lower() + "."
    found: list[dict[str, Any]] = []
    for record in aws.items(
        route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id, StartRecordName=wanted
    ):
        name = record["Name"].lower().replace("\\052", "*")
        if name != wanted:  # records come in name order: past the record's name, nothing more to see
            break
        if not record.get("SetIdentifier") and record["Type"] in ("A", "AAAA", "CNAME"):
            found.append(record)
    return found


# --- CLI ----------------------------------------------------------------------------------------------------------

HOLD_SHAPE = {
    "caller": "ARN of the credentials that wrote",
    "switch": "{region, namespace, metric, dimension: {name, value}}",
    "before": "the switch before the write (release only; null for hold-dr)",
    "value": "what was written: 1 hold, 0 release",
    "written_at": "the data point's time stamp (UTC)",
    "expect_seconds": "about how long until clients follow (hold-dr; null for release)",
    "drill_step": "the drill step begun, or null",
}
STATUS_SHAPE = {
    "record": "the failover record",
    "answer": "[CNAME chain, then addresses] the local resolver gives",
    "switch": "held or not, since when",
    "switchRegion": "the switch's region",
    "primaryHealth": "1 healthy, 0 unhealthy, a reason it is unknown, or null without --health-check-id",
}
WAIT_SHAPE = {
    "record": "the failover record",
    "target": "secondary or primary",
    "ok": "true when the record answered from the target in time",
    "seconds": "how long it took (or waited)",
    "drill_step": "the drill step ended, or null",
}
PREFLIGHT_SHAPE = {
    "record": "the failover record",
    "zone_id": "the hosted zone",
    "ok": "true when no simple record is in the way",
    "conflicts": "[{name, type}] simple records of that name",
}


def caller_account(sess: Any, cfg: Any, region: str) -> tuple[str, str]:
    """(account, ARN) of the credentials; refused unless they are the hosted zone's account."""
    identity = aws.client(sess, "sts", region).get_caller_identity()
    account, arn = identity["Account"], identity["Arn"]
    if account != cfg.accounts.dns:
        raise DnsError(
            f"wrong account: the credentials ({arn}) are account {account}; the switch lives in the hosted zone's "
            f"account {cfg.accounts.dns} (failsafe:dnsAccountId, empty = prodAccountId)"
        )
    return account, arn


def _operator_session(args: argparse.Namespace) -> tuple[Any, Switch, Any, Any, str]:
    cfg = load_config(args.stack)
    switch = Switch.from_config(cfg)
    sess = aws.session(switch.region, profile=args.profile)
    _, arn = caller_account(sess, cfg, switch.region)
    return cfg, switch, sess, aws.client(sess, "cloudwatch", switch.region), arn


def _switch_doc(switch: Switch) -> dict[str, Any]:
    return {
        "region": switch.region,
        "namespace": switch.namespace,
        "metric": switch.metric_name,
        "dimension": {"name": switch.dimension_name, "value": switch.dimension_value},
    }


def cmd_hold_dr(args: argparse.Namespace) -> Report:
    cfg, switch, _, cloudwatch, arn = _operator_session(args)
    when = put_switch(cloudwatch, switch, HOLD)
    dns = cfg.dns
    data: dict[str, Any] = {
        "caller": arn,
        "switch": _switch_doc(switch),
        "before": None,
        "value": 1,
        "written_at": when.isoformat(),
        "expect_seconds": hold_seconds(cfg),
        "drill_step": None,
    }
    report = Report(data, [f"caller: {arn}"])
    report.say(
        f"HOLD written: {switch.namespace}/{switch.metric_name} {switch.dimension_name}={switch.dimension_value} = 1 "
        f"at {when:%H:%M:%S}Z in {switch.region}. Expect {dns.record_name} to answer with the secondary within about "
        f"{hold_seconds(cfg)} s (alarm period 60 s + Route 53 reading the alarm + propagation 60 s + TTL "
        f"{dns.ttl_seconds} s); time it with `failsafe-dr dns wait --for secondary`.",
        "Traffic stays on DR until `failsafe-dr dns release --confirm-failback`, whatever the primary's health.",
    )
    if args.drill_dir:
        step = drill.Drill(Path(args.drill_dir)).begin("DNS: hold traffic on DR", notes=args.notes or "")
        data["drill_step"] = step["name"]
        report.say(f"drill step {step['name']!r} started {step['started']}")
    return report


def cmd_release(args: argparse.Namespace) -> Report:
    if not args.confirm_failback:
        raise DnsError(
            "release refused without --confirm-failback; first: "
            + "; ".join(f"{n}. {c}" for n, c in enumerate(FAILBACK_CHECKS, 1))
        )
    cfg, switch, _, cloudwatch, arn = _operator_session(args)
    before = describe_switch(read_switch(cloudwatch, switch))
    when = put_switch(cloudwatch, switch, RELEASE)
    data: dict[str, Any] = {
        "caller": arn,
        "switch": _switch_doc(switch),
        "before": before,
        "value": 0,
        "written_at": when.isoformat(),
        "expect_seconds": None,
        "drill_step": None,
    }
    report = Report(data, [f"caller: {arn}", f"switch before: {before}"])
    report.say(
        f"RELEASE written: {switch.metric_name} = 0 at {when:%H:%M:%S}Z in {switch.region}. "
        f"{cfg.dns.record_name} answers with the primary again once the primary's own check is healthy "
        "(failure threshold x interval), then propagation and TTL."
    )
    if args.drill_dir:
        step = drill.Drill(Path(args.drill_dir)).begin("DNS: fail back to the primary", notes=args.notes or "")
        data["drill_step"] = step["name"]
        report.say(f"drill step {step['name']!r} started {step['started']}")
    return report


def cmd_status(args: argparse.Namespace) -> Report:
    cfg, switch, sess, cloudwatch, arn = _operator_session(args)
    data: dict[str, Any] = {
        "record": cfg.dns.record_name,
        "answer": list(answer(cfg.dns.record_name)),
        "switch": describe_switch(read_switch(cloudwatch, switch)),
        "switchRegion": switch.region,
        "primaryHealth": None,
    }
    if args.health_check_id:
        try:
            metrics = aws.client(sess, "cloudwatch", ROUTE53_METRICS_REGION)
            point = read_health(metrics, args.health_check_id)
            data["primaryHealth"] = "no data in 10 min" if point is None else int(point[1])
        except Exception as exc:  # us-east-1 impaired: the switch and the answer above still stand
            data["primaryHealth"] = f"unknown ({aws.describe(exc)})"
    rows = [(k, ", ".join(v) if isinstance(v, list) else str(v)) for k, v in data.items()]
    return Report(data, [f"caller: {arn}", Table(("FIELD", "VALUE"), rows)])


def cmd_wait(args: argparse.Namespace) -> Report:
    """Poll the record's answer until it comes from the wanted target; end the running drill step with the result."""
    cfg = load_config(args.stack)
    dns = cfg.dns
    if dns is None:
        raise DnsError(f"stack {args.stack}: no DNS failover configured")
    if args.expect:
        target = dns_target("--expect", args.expect)
    elif args.target == "primary":
        target = dns.primary
    else:
        target = dns.secondary or load_config(cfg.dr_stack_name.rsplit("/", 1)[-1]).dr_endpoint
    if target is None:
        raise DnsError("no secondary target in config: pass --expect cname:<host> (the dr stack's drEndpoint)")
    timeout = args.timeout_minutes * 60
    started = CLOCK()
    ok = False
    while True:
        found = answer(dns.record_name)
        ok = points_at(target, found, None)
        elapsed = CLOCK() - started
        what = f"{dns.record_name} to answer from the {args.target}"
        args.progress.waiting(what, ", ".join(found), elapsed, timeout, force=True)  # one line per lookup
        if ok or elapsed + args.every > timeout:
            break
        SLEEP(args.every)
    args.progress.end()
    seconds = round(CLOCK() - started)
    data: dict[str, Any] = {
        "record": dns.record_name,
        "target": args.target,
        "ok": ok,
        "seconds": seconds,
        "drill_step": None,
    }
    report = Report(
        data,
        [f"{dns.record_name}: {'answers from' if ok else 'NOT answering from'} the {args.target} after {seconds} s"],
        EXIT_OK if ok else EXIT_FAILED,
    )
    if args.drill_dir:
        step = drill.Drill(Path(args.drill_dir)).end("ok" if ok else "failed", f"{args.target} after {seconds} s")
        data["drill_step"] = step["name"]
        report.say(f"drill step {step['name']!r} ended: {step['outcome']}")
    return report


def cmd_preflight(args: argparse.Namespace) -> Report:
    cfg = load_config(args.stack)
    dns = cfg.dns
    if dns is None:
        raise DnsError(f"stack {args.stack}: no DNS failover configured")
    zone_id = args.zone_id or dns.zone_id
    if not zone_id:
        raise DnsError("no hosted zone ID: set failsafe:dnsZoneId or pass --zone-id")
    sess = aws.session(ROUTE53_METRICS_REGION, profile=args.profile)
    caller_account(sess, cfg, ROUTE53_METRICS_REGION)
    conflicts = conflicting_records(aws.client(sess, "route53", ROUTE53_METRICS_REGION), zone_id, dns.record_name)
    data = {
        "record": dns.record_name,
        "zone_id": zone_id,
        "ok": not conflicts,
        "conflicts": [{"name": r["Name"], "type": r["Type"]} for r in conflicts],
    }
    if not conflicts:
        line = f"{dns.record_name}: no simple record in the way; `pulumi up -s prod` can create the failover records"
        return Report(data, [line])
    kinds = ", ".join(sorted({r["Type"] for r in conflicts}))
    line = (
        f"{dns.record_name}: simple {kinds} record(s) exist; Route 53 refuses failover records next to them "
        "(InvalidChangeBatch). Cut over as docs/dns-failover.md, 'Taking over an existing record', describes."
    )
    return Report(data, [line], EXIT_FAILED)


def hold_seconds(cfg: Any) -> int:
    """Rough time from a hold to clients on DR: the alarm's 60 s period, Route 53 reading the alarm (about one more
    minute), propagation 60 s, the TTL. A drill measures the real figure."""
    return 60 + 60 + 60 + int(cfg.dns.ttl_seconds)


def register(subparsers: Any) -> None:
    """``failsafe-dr dns ...`` (cli.py calls this with its subparsers)."""
    dsub = options.group(
        subparsers, "dns", "the DNS failover switch: status, hold-dr, release (data plane only)", "dns_command"
    )
    switch_region = "not used: the switch lives in dnsSwitchRegion of the config (printed)"
    hold = options.command(
        dsub,
        "hold-dr",
        help="send traffic to DR and keep it there (cloudwatch:PutMetricData)",
        shape=HOLD_SHAPE,
        roles=("dns",),
        region=switch_region,
        profile_required=True,
    )
    release = options.command(
        dsub,
        "release",
        help="let traffic return to the primary (needs --confirm-failback)",
        shape=HOLD_SHAPE,
        roles=("dns",),
        region=switch_region,
        profile_required=True,
    )
    release.add_argument("--confirm-failback", action="store_true", help="DR's writes are dealt with; fail back")
    status = options.command(
        dsub,
        "status",
        help="the switch, the record's answer and the primary's health",
        shape=STATUS_SHAPE,
        roles=("dns",),
        region=switch_region,
        profile_required=True,
    )
    status.add_argument("--health-check-id", help="Route 53 check to read (prod output failoverHealthCheckId)")
    for p in (hold, release):
        p.add_argument("--notes", help="why (recorded in the drill step)")
        options.add_drill_dir(p, "begin a drill step in the drill running in this directory (e.g. drills)")
    wait = options.command(
        dsub,
        "wait",
        help="poll DNS until the record answers from a target (times a drill step)",
        shape=WAIT_SHAPE,
        region="not used: DNS queries only, through the local resolver",
    )
    wait.add_argument("--for", dest="target", choices=("secondary", "primary"), default="secondary")
    wait.add_argument("--expect", help="the target as in config, e.g. cname:dr.example.com (default: from config)")
    wait.add_argument("--timeout-minutes", type=float, default=10, help="how long to wait (default 10)")
    wait.add_argument("--every", type=float, default=5, help="seconds between lookups (default 5)")
    options.add_drill_dir(wait, "end the running drill step in this directory with the result")
    pre = options.command(
        dsub,
        "preflight",
        help="before deploying: is a simple record in the way? (control plane, read)",
        shape=PREFLIGHT_SHAPE,
        roles=("dns",),
        region="not used: Route 53 is global (us-east-1)",
    )
    pre.add_argument("--zone-id", help="hosted zone ID (default failsafe:dnsZoneId)")
    for p in (hold, release, status, wait, pre):
        p.add_argument("--stack", default="prod", help="stack whose config names the record and switch")
    hold.set_defaults(func=cmd_hold_dr)
    release.set_defaults(func=cmd_release)
    status.set_defaults(func=cmd_status)
    wait.set_defaults(func=cmd_wait)
    pre.set_defaults(func=cmd_preflight)
