"""The DNS failover section of config (prod's ``dns*`` keys and dr's ``drEndpoint``), refused where Route 53 would
refuse it or where it could not fail over: docs/dns-failover.md, "What config refuses".

The failover pair rule lives here once (:func:`failover_pair_problem`) and serves both places a secondary comes from:
``dnsSecondaryTarget`` in prod's own config, and dr's ``drEndpoint`` output when that is empty
(:func:`failsafe.settings.agreement.dr_disagreement`).
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache

from failsafe.settings import awsnames
from failsafe.settings.errors import ConfigError
from failsafe.settings.model import DNS_SWITCH_METRIC, DNS_SWITCH_NAMESPACE, Dns, DnsSwitch
from failsafe.settings.values import Raw, is_hostname, region, sns_subscription
from failsafe_components import spec
from failsafe_components.spec import HOSTED_ZONE_ID, DnsTarget

ROUTE53_METRICS_REGION = "us-east-1"  # Route 53 publishes health-check metrics only there
TARGET_FORMS = "'alias:<hostedZoneId>:<dnsName>', 'cname:<host>' or 'ip:<address>[,<address>...]'"

# Route 53 Developer Guide, "Supported DNS record types" -> "CNAME record type": "if you create a CNAME record for a
# subdomain, you cannot create any other records for that subdomain"; and "Values specific for failover records" /
# "Values specific for failover alias records" -> "Record type": "Select the same value for both the primary and
# secondary failover records."
PAIR_RULE = (
    "Route 53 allows no other record beside a CNAME, and both records of a failover pair must be of one type "
    "(Route 53 Developer Guide: 'Supported DNS record types', CNAME; 'Values specific for failover records', Record "
    "type)"
)


@cache
def alarm_health_check_regions() -> tuple[str, ...]:
    """Regions Route 53 accepts for the alarm of a CLOUDWATCH_METRIC health check (botocore's CloudWatchRegion)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("route53")
    return tuple(model.shape_for("CloudWatchRegion").enum)


# Ranges the internet cannot route to (RFC 1918 private, RFC 6598 shared, loopback, link-local, multicast,
# "this network" and reserved). The documentation ranges (192.0.2.0/24 and friends, RFC 5737) stay allowed: they are
# what examples and tests use, and no one deploys them by mistake for a real endpoint.
_UNREACHABLE_FROM_THE_INTERNET = tuple(
    ipaddress.ip_network(net)
    for net in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "0.0.0.0/8",
        "240.0.0.0/4",
    )
)


def parse_dns_target(key: str, text: str) -> DnsTarget:
    """Parse ``alias:<zoneId>:<dnsName>``, ``cname:<host>`` or ``ip:<addr>[,<addr>]``."""
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind == "alias":
        zone_id, _, dns_name = rest.partition(":")
        if not HOSTED_ZONE_ID.match(zone_id) or not is_hostname(dns_name):
            raise ConfigError(key, text, TARGET_FORMS)
        return DnsTarget("alias", dns_name.rstrip(".").lower(), zone_id)
    if kind == "cname":
        if not is_hostname(rest):
            raise ConfigError(key, text, TARGET_FORMS)
        return DnsTarget("cname", rest.rstrip(".").lower())
    if kind == "ip":
        addresses = [a.strip() for a in rest.split(",") if a.strip()]
        try:
            parsed = [ipaddress.ip_address(a) for a in addresses]
        except ValueError:
            raise ConfigError(key, text, TARGET_FORMS) from None
        if not parsed or any(a.version != 4 for a in parsed):
            raise ConfigError(key, text, "IPv4 addresses for an ip: target (" + TARGET_FORMS + ")")
        unreachable = [str(a) for a in parsed if any(a in net for net in _UNREACHABLE_FROM_THE_INTERNET)]
        if unreachable:
            raise ConfigError(
                key,
                text,
                f"public addresses: Route 53's health checkers and clients on the internet cannot reach "
                f"{', '.join(unreachable)} (private, shared, loopback, link-local or multicast)",
            )
        return DnsTarget("ip", ",".join(str(a) for a in parsed))
    raise ConfigError(key, text, TARGET_FORMS)


def target_text(target: DnsTarget) -> str:
    """``target`` in the notation of the config keys (the inverse of :func:`parse_dns_target`), for messages about a
    target that reached failsafe as a value (dr's ``drEndpoint`` output) rather than as text."""
    if target.kind == "alias":
        return f"alias:{target.zone_id}:{target.value}"
    return f"{target.kind}:{target.value}"


def record_types(target: DnsTarget, alias_ipv6: bool) -> str:
    """The record types DnsFailover writes for a pair whose primary is ``target`` (alias: A, and AAAA with
    dnsAliasIpv6; cname: CNAME; ip: A)."""
    if target.kind == "cname":
        return "a CNAME record"
    return "A and AAAA records" if target.kind == "alias" and alias_ipv6 else "A records"


def failover_pair_problem(
    record: str,
    zone_name: str,
    primary: DnsTarget,
    primary_text: str,
    secondary: DnsTarget,
    alias_ipv6: bool,
) -> str | None:
    """What is expected of ``secondary`` as the failover partner of ``primary`` at ``record``, or None when Route 53
    would take the pair. ``primary_text``: dnsPrimaryTarget as written, for the message."""
    if secondary == primary:
        return "a target different from dnsPrimaryTarget (failing over to itself recovers nothing)"
    if secondary.kind == "cname" and record == zone_name:
        return f"an alias: or ip: target: {record} is the apex of its zone, where DNS allows no CNAME"
    if (primary.kind == "cname") != (secondary.kind == "cname"):
        return (
            f"a target of the record type of dnsPrimaryTarget '{primary_text}' ({record_types(primary, alias_ipv6)}; "
            f"this one makes {record_types(secondary, alias_ipv6 and primary.kind == 'alias')} at {record}): "
            f"{PAIR_RULE}"
        )
    if alias_ipv6 and primary.kind == "alias" and secondary.kind != "alias":
        return (
            "an alias: target like dnsPrimaryTarget while dnsAliasIpv6 is true (the primary's AAAA record needs an "
            "AAAA secondary), or set dnsAliasIpv6 false"
        )
    return None


def dns(raw: Raw) -> Dns | None:
    """prod's ``dns*`` keys, or None when ``dnsRecordName`` is empty (no failover)."""
    record = raw.opt_str("dnsRecordName")
    if record is None:
        return None
    if not is_hostname(record):
        raise raw.refuse("dnsRecordName", "a fully qualified record name such as app.example.com")
    record = record.rstrip(".").lower()
    zone_id = raw.opt_str("dnsZoneId")
    zone_name = raw.opt_str("dnsZoneName")
    if zone_id is None and zone_name is None:
        raise ConfigError("dnsZoneId", None, "a hosted zone ID, or set dnsZoneName to look the zone up by name")
    if zone_id is not None and not HOSTED_ZONE_ID.match(zone_id):
        raise raw.refuse("dnsZoneId", "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
    if zone_name is None or not is_hostname(zone_name):
        raise raw.refuse(
            "dnsZoneName",
            "the hosted zone's name, e.g. example.com, next to dnsZoneId (failsafe checks that dnsRecordName is in "
            "the zone and that no CNAME sits at its apex before Route 53 refuses the change)",
        )
    zone_name = zone_name.rstrip(".").lower()
    if record != zone_name and not record.endswith("." + zone_name):
        raise raw.refuse(
            "dnsRecordName", f"a name inside dnsZoneName {zone_name} (Route 53 refuses records outside it)"
        )
    primary_text = raw.str("dnsPrimaryTarget", "the production endpoint")
    primary = parse_dns_target("dnsPrimaryTarget", primary_text)
    if primary.kind == "cname" and record == zone_name:
        raise ConfigError(
            "dnsPrimaryTarget",
            primary_text,
            f"an alias: or ip: target: {record} is the apex of its zone, where DNS allows no CNAME",
        )
    alias_ipv6 = raw.bool("dnsAliasIpv6")
    secondary_text = raw.opt_str("dnsSecondaryTarget")
    secondary = parse_dns_target("dnsSecondaryTarget", secondary_text) if secondary_text else None
    if secondary is not None and secondary_text is not None:
        problem = failover_pair_problem(record, zone_name, primary, primary_text, secondary, alias_ipv6)
        if problem:
            raise ConfigError("dnsSecondaryTarget", secondary_text, problem)
    protocol = raw.choice("dnsHealthCheckProtocol", ("HTTPS", "HTTP"))
    interval = raw.int("dnsHealthCheckInterval", 10, 30, " and exactly 10 or 30 (Route 53's two intervals)")
    if interval not in (10, 30):
        raise ConfigError("dnsHealthCheckInterval", interval, "10 or 30 (Route 53's only request intervals)")
    regions = raw.str_list("dnsHealthCheckRegions")
    if regions and len(regions) < 3:
        raise raw.refuse("dnsHealthCheckRegions", "empty (Route 53 defaults) or at least 3 regions")
    if regions:
        problem = awsnames.health_check_regions_problem(tuple(regions))  # the regions botocore's model offers
        if problem:
            raise raw.refuse("dnsHealthCheckRegions", problem)
    path = raw.str("dnsHealthCheckPath")
    if not path.startswith("/"):
        raise raw.refuse("dnsHealthCheckPath", "a path starting with /")
    metrics_region = region(raw, "metricsRegion")
    if metrics_region != ROUTE53_METRICS_REGION:
        raise raw.refuse(
            "metricsRegion",
            f"{ROUTE53_METRICS_REGION} while dnsRecordName is set (Route 53 publishes health-check metrics only there)",
        )
    topic = raw.opt_str("dnsAlarmTopicArn")
    if topic is not None:
        match = re.fullmatch(r"arn:aws[\w-]*:sns:([\w-]+):\d{12}:[\w-]{1,256}", topic)
        if not match:
            raise raw.refuse("dnsAlarmTopicArn", "an SNS topic ARN, or empty to create a topic")
        if match.group(1) != metrics_region:
            raise raw.refuse(
                "dnsAlarmTopicArn", f"a topic in {metrics_region} (an alarm notifies topics in its own region)"
            )
    subscription = sns_subscription("dnsAlarmSubscription", raw.opt_str("dnsAlarmSubscription"))
    if topic is None and subscription is None:
        raise ConfigError(
            "dnsAlarmSubscription",
            None,
            "'email:<address>', 'https://<url>', 'sms:<number>' or 'sqs:|lambda:<arn>' for the created alarm topic "
            "(a topic nobody subscribes to tells nobody), or set dnsAlarmTopicArn",
        )
    return Dns(
        record_name=record,
        zone_id=zone_id,
        zone_name=zone_name,
        primary=primary,
        secondary=secondary,
        protocol=protocol,
        port=raw.int("dnsHealthCheckPort", *spec.HEALTH_CHECK_PORT),
        path=path,
        search_string=raw.opt_str("dnsHealthCheckSearchString"),
        interval_seconds=interval,
        failure_threshold=raw.int("dnsHealthCheckThreshold", *spec.HEALTH_CHECK_THRESHOLD),
        regions=regions,
        secondary_health_check=raw.bool("dnsSecondaryHealthCheck"),
        ttl_seconds=raw.int("dnsTtl", *spec.FAILOVER_TTL_SECONDS, " (failover records must be short-lived)"),
        rto_seconds=raw.int("dnsRtoSeconds", 1, 86400),
        alarm_topic_arn=topic,
        alarm_subscription=subscription,
        alias_ipv6=alias_ipv6,
        switch=dns_switch(raw, record),
    )


def dns_switch(raw: Raw, record: str) -> DnsSwitch:
    """The switch lives in dnsSwitchRegion (default drRegion): it must work while the primary's region is down."""
    primary_region = region(raw, "primaryRegion")
    switch_key = "dnsSwitchRegion" if raw.opt_str("dnsSwitchRegion") else "drRegion"
    switch_region = region(raw, switch_key)
    if switch_region not in alarm_health_check_regions():
        raise ConfigError(
            "dnsSwitchRegion", switch_region, "a region Route 53 accepts for an alarm-based health check (see botocore)"
        )
    if switch_region == primary_region:
        raise ConfigError(
            "dnsSwitchRegion",
            switch_region,
            f"a region other than primaryRegion ({primary_region}): the switch must work "
            "while the primary's region is down",
        )
    return DnsSwitch(
        region=switch_region,
        namespace=DNS_SWITCH_NAMESPACE,
        metric_name=DNS_SWITCH_METRIC,
        dimension_name="Record",
        dimension_value=record,
        alarm_name=f"{raw.str('namePrefix')}-dns-hold-dr-{record}",
    )
