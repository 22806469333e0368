"""IP address condition operators (IAM User Guide, Condition operators, "IP address condition operators"): a key is
compared to "an IPv4 or IPv6 address or range of IP addresses" in "the standard CIDR format"; an address without a
prefix is /32; no policy variables. An address of the other IP version is not in the range (the guide's example mixes
IPv4 and IPv6 ranges in one list so that each request matches the range of its own version)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from failsafe.tooling.access.iam.condition.base import check
from failsafe.tooling.access.iam.model import UNKNOWN, Tri
from failsafe_guardrails.condition_values import parse_ip_address, parse_ip_network


class IpFamily:
    kind = "ip"

    def compile(self, text: str, variables: bool) -> Any:
        if UNKNOWN in text:
            return None
        check(self.kind, text)
        return parse_ip_network(text)

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        address = None if UNKNOWN in value else parse_ip_address(value)
        if address is None or expected is None:
            return None
        return address.version == expected.version and address in expected


IP = IpFamily()
