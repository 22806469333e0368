"""A failover pair of one record type (issue 22, item 4).

Route 53 Developer Guide, "Supported DNS record types" -> "CNAME record type": "if you create a CNAME record for a
subdomain, you cannot create any other records for that subdomain"; "Values specific for failover records" (and
"Values specific for failover alias records") -> "Record type": "Select the same value for both the primary and
secondary failover records." A ``cname:`` target is a CNAME record, ``alias:`` and ``ip:`` targets are A records (an
alias primary adds AAAA with dnsAliasIpv6), so a CNAME pairs only with a CNAME; the refusal names both keys.
"""

from __future__ import annotations

import pytest

from failsafe.settings import agreement
from failsafe.settings.config import ConfigError, load_mapping
from tests.support.plans import values_of

ALIAS = "alias:Z2FDTNDATAQYW2:d111111abcdef8.cloudfront.net"
OTHER_ALIAS = "alias:Z35SXDOTRQ7X7K:dr-alb-1.eu-west-1.elb.amazonaws.com"
CNAME = "cname:primary.app.example.com"
OTHER_CNAME = "cname:standby.example.net"
IP = "ip:192.0.2.10"
OTHER_IP = "ip:198.51.100.20"


def prod(**values: str) -> dict[str, str]:
    return {**values_of("prod"), **values}


TWO_TYPES = [
    (ALIAS, OTHER_CNAME, "true"),  # A + AAAA beside a CNAME
    (ALIAS, OTHER_CNAME, "false"),  # A beside a CNAME
    (OTHER_CNAME, ALIAS, "true"),
    (OTHER_CNAME, ALIAS, "false"),
    (IP, OTHER_CNAME, "true"),
    (OTHER_CNAME, IP, "false"),
]


@pytest.mark.parametrize(("primary", "secondary", "ipv6"), TWO_TYPES)
def test_a_pair_of_a_cname_and_another_record_type_is_refused_naming_both_keys(
    primary: str, secondary: str, ipv6: str
) -> None:
    values = prod(dnsPrimaryTarget=primary, dnsSecondaryTarget=secondary, dnsAliasIpv6=ipv6)
    with pytest.raises(ConfigError) as caught:
        load_mapping("prod", values)
    message = str(caught.value)
    assert message.startswith(f"invalid config failsafe:dnsSecondaryTarget = '{secondary}': "), message
    assert f"dnsPrimaryTarget '{primary}'" in message, message
    assert "both records of a failover pair must be of one type" in message and "\n" not in message, message
    assert "Supported DNS record types" in message, f"the rule's source is not named: {message}"


@pytest.mark.parametrize(
    ("primary", "secondary", "ipv6"),
    [
        (CNAME, OTHER_CNAME, "true"),
        (ALIAS, OTHER_ALIAS, "true"),
        (ALIAS, OTHER_IP, "false"),  # both A records (an alias and a plain one)
        (IP, OTHER_ALIAS, "true"),  # dnsAliasIpv6 adds AAAA to an alias primary only
        (IP, OTHER_IP, "true"),
    ],
)
def test_a_pair_of_one_record_type_is_accepted(primary: str, secondary: str, ipv6: str) -> None:
    dns = load_mapping("prod", prod(dnsPrimaryTarget=primary, dnsSecondaryTarget=secondary, dnsAliasIpv6=ipv6)).dns
    assert dns is not None and dns.secondary is not None


def test_the_aaaa_pairing_rule_still_names_dnsaliasipv6() -> None:
    with pytest.raises(ConfigError, match=r"needs an AAAA secondary.*dnsAliasIpv6 false"):
        load_mapping("prod", prod(dnsPrimaryTarget=ALIAS, dnsSecondaryTarget=OTHER_IP, dnsAliasIpv6="true"))


@pytest.mark.parametrize(
    ("primary", "exported", "written"),
    [
        (ALIAS, {"kind": "cname", "value": "dr.app.example.com", "zoneId": None}, "cname:DR.app.example.com."),
        (CNAME, {"kind": "alias", "value": "dr-alb-1.eu-west-1.elb.amazonaws.com", "zoneId": "Z35SXDOTRQ7X7K"}, None),
    ],
)
def test_drs_endpoint_as_the_secondary_is_held_to_the_same_rule_and_named_as_dr_wrote_it(
    primary: str, exported: dict[str, str | None], written: str | None
) -> None:
    """prod's secondary is dr's ``drEndpoint`` output when dnsSecondaryTarget is empty: the pair rule applies when
    prod reads dr (the plan passes dr's config as written; the program sees only dr's outputs)."""
    cfg = load_mapping("prod", {**prod(dnsPrimaryTarget=primary), "dnsSecondaryTarget": ""})
    error = agreement.dr_disagreement(cfg, {"drEndpoint": exported}, {"drEndpoint": written} if written else None)
    assert isinstance(error, ConfigError), "a pair of two record types through dr's drEndpoint was accepted"
    message = str(error.in_stack("prod"))
    shown = written or f"alias:{exported['zoneId']}:{exported['value']}"
    assert message.startswith(f"invalid config failsafe:drEndpoint = '{shown}': "), message
    assert f"dnsPrimaryTarget '{primary}'" in message and "dnsSecondaryTarget" in message, message
    assert "Fix it in Pulumi.dr.yaml" in message, f"drEndpoint is dr's key: {message}"


def test_drs_endpoint_of_the_primarys_record_type_is_accepted() -> None:
    cfg = load_mapping("prod", {**prod(dnsPrimaryTarget=CNAME), "dnsSecondaryTarget": ""})
    exported = {"kind": "cname", "value": "dr.app.example.com", "zoneId": None}
    assert agreement.dr_disagreement(cfg, {"drEndpoint": exported}) is None
