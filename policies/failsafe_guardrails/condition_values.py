"""The one definition of "this condition value parses for its operator", shared by the policy pack (policy
``iam-policy-condition-values-parse``) and the offline IAM evaluator of the access proofs
(``failsafe.tooling.access.iam.condition``). Standard library only, so that it imports where ``pulumi_policy`` is not
installed; it reads plain JSON data (dicts, lists, strings) or a document given as a JSON string.

A value that does not parse for its operator's type is a bug in the policy, whatever AWS then does with it: the pack
refuses the policy, and the evaluator answers "unknown" for the statement (and for a request value that does not
parse) rather than guess. The formats, from the IAM User Guide, "IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):

- String condition operators: any string (wildcards ``*`` and ``?`` in the ``...Like`` forms; policy variables
  allowed).
- Numeric condition operators: "an integer or decimal value": ``-?digits`` with an optional ``.digits`` fraction.
  Exponents, ``NaN``, ``Infinity``, hexadecimal and surrounding blanks are not integers or decimals. No policy
  variables.
- Date condition operators: "one of the W3C implementations of the ISO 8601 date formats" (the W3C note "Date and Time
  Formats", https://www.w3.org/TR/NOTE-datetime: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY-MM-DDThh:mmTZD``,
  ``YYYY-MM-DDThh:mm:ssTZD``, ``YYYY-MM-DDThh:mm:ss.sTZD`` with ``TZD`` = ``Z`` or ``+hh:mm``/``-hh:mm``) "or in epoch
  (UNIX) time" (digits: seconds since 1970-01-01T00:00Z). A value of digits alone is read as epoch seconds, so the
  W3C year-only form ``YYYY`` never applies (the guide does not say which reading wins; @cloud-copilot/iam-simulate
  reads it the same way). A date or month without a time is the first instant of that day or month in UTC. A time
  without a zone designator is not in the W3C profile. No policy variables.
- Boolean condition operators: "true" or "false" (compared case-insensitively, as JSON ``true``/``false`` are
  written); policy variables allowed.
- Binary condition operators: a base-64 encoded value. No policy variables.
- IP address condition operators: "the standard CIDR format (for example, 203.0.113.0/24 or 2001:DB8:1234:5678::/64)";
  "if you specify an IP address without the associated routing prefix, IAM uses the default prefix value of /32".
  For an IPv6 address without a prefix that default would cover a /32 of IPv6 space, which is hardly what a policy
  author means, and the guide says nothing else: such a value is refused as ambiguous. No policy variables.
- ARN condition operators: "Each of the six colon-delimited components of the ARN is checked separately": an ARN
  value is ``arn:`` followed by partition, service, region, account and resource (at least five colons; the resource
  may hold more). Policy variables allowed (their text is not checked).
- Null: "true" or "false". No policy variables.

Request values (what the caller's request carries for the key) are read with the same parsers: an IP address value
is one address (IPv4 or IPv6), not a range.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

NOTHING = object()  # the default ``unknown`` placeholder: no value is unknown

# The base operators (without ForAnyValue:/ForAllValues: and IfExists) and the type of value each compares.
OPERATOR_KINDS: dict[str, str] = {
    "stringequals": "string",
    "stringnotequals": "string",
    "stringequalsignorecase": "string",
    "stringnotequalsignorecase": "string",
    "stringlike": "string",
    "stringnotlike": "string",
    "numericequals": "numeric",
    "numericnotequals": "numeric",
    "numericlessthan": "numeric",
    "numericlessthanequals": "numeric",
    "numericgreaterthan": "numeric",
    "numericgreaterthanequals": "numeric",
    "dateequals": "date",
    "datenotequals": "date",
    "datelessthan": "date",
    "datelessthanequals": "date",
    "dategreaterthan": "date",
    "dategreaterthanequals": "date",
    "bool": "bool",
    "binaryequals": "binary",
    "ipaddress": "ip",
    "notipaddress": "ip",
    "arnequals": "arn",
    "arnlike": "arn",
    "arnnotequals": "arn",
    "arnnotlike": "arn",
    "null": "null",
}
VARIABLES_ALLOWED = frozenset({"string", "bool", "arn"})
"""The operator types whose values may hold policy variables (each section of the guide says "You can use a policy
variable" or "You can not use a policy variable" with its operators)."""

EXPECTED: dict[str, str] = {
    "numeric": "an integer or decimal number such as 10 or 2.5 (IAM User Guide: Numeric condition operators)",
    "date": "a W3C ISO 8601 date such as 2020-01-01T00:00:00Z, or epoch seconds "
    "(IAM User Guide: Date condition operators)",
    "bool": "true or false (IAM User Guide: Boolean condition operators)",
    "binary": "a base-64 encoded value (IAM User Guide: Binary condition operators)",
    "ip": "an IPv4 or IPv6 address or CIDR range such as 203.0.113.0/24 or 2001:DB8:1234:5678::/64 "
    "(IAM User Guide: IP address condition operators)",
    "arn": "an ARN, arn:partition:service:region:account:resource (IAM User Guide: ARN condition operators)",
    "null": "true or false (IAM User Guide: Condition operator to check existence of condition keys)",
}

_OPERATOR = re.compile(r"(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?", re.IGNORECASE)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_EPOCH = re.compile(r"[0-9]+")
_W3C_DATE = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<mo>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:T(?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]+))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2}))?)?)?"
)
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Operator:
    """A condition operator as written, taken apart: its base (lower case), its value type, the set prefix
    (``""``, ``"any"``, ``"all"``) and whether it ends in ``IfExists``."""

    base: str
    kind: str
    set_op: str
    if_exists: bool


def parse_operator(text: str) -> Operator | None:
    """The operator, or None when IAM documents no such operator (``Null`` has no ``IfExists`` form: "You can add
    IfExists to the end of any condition operator name except the Null condition")."""
    found = _OPERATOR.fullmatch(text)
    if found is None:
        return None
    base = found.group(2).lower()
    kind = OPERATOR_KINDS.get(base)
    if_exists = found.group(3) is not None
    if kind is None or (kind == "null" and if_exists):
        return None
    set_op = {"foranyvalue": "any", "forallvalues": "all"}.get((found.group(1) or "").lower(), "")
    return Operator(base, kind, set_op, if_exists)


def parse_number(text: str) -> Decimal | None:
    return Decimal(text) if _NUMBER.fullmatch(text) else None


def parse_date(text: str) -> Decimal | None:
    """Seconds since the epoch (exact, as a Decimal), or None."""
    if _EPOCH.fullmatch(text):
        return Decimal(text)
    found = _W3C_DATE.fullmatch(text)
    if found is None:
        return None
    parts = found.groupdict()
    try:
        offset = timedelta(0)
        if parts["tz"] and parts["tz"] != "Z":
            sign = -1 if parts["tz"][0] == "-" else 1
            hours, minutes = int(parts["tz"][1:3]), int(parts["tz"][4:6])
            if hours > 23 or minutes > 59:
                return None
            offset = sign * timedelta(hours=hours, minutes=minutes)
        moment = datetime(
            int(parts["y"]),
            int(parts["mo"] or 1),
            int(parts["d"] or 1),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None
    seconds = Decimal(calendar.timegm(moment.utctimetuple()))
    return seconds + (Decimal("0." + parts["f"]) if parts["f"] else Decimal(0))


def parse_bool(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered == "true" else False if lowered == "false" else None


def parse_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> IpAddress | None:
    if not text or text != text.strip() or "%" in text:  # no blanks, no IPv6 zone index
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_ip_address(text: str) -> IpAddress | None:
    """One IP address, as a request carries it in aws:SourceIp."""
    return _address(text)


def parse_ip_network(text: str) -> IpNetwork | None:
    """A policy value: an address with a routing prefix (host bits may be set), or an IPv4 address alone (/32)."""
    address_text, slash, prefix = text.partition("/")
    address = _address(address_text)
    if address is None or (slash and not (prefix.isascii() and prefix.isdigit())):
        return None
    if not slash:
        if address.version == 6:
            return None  # ambiguous: see the module doc
        prefix = "32"
    try:
        return ipaddress.ip_network(f"{address_text}/{prefix}", strict=False)
    except ValueError:
        return None


def is_arn(text: str) -> bool:
    """Whether ``text`` has the six colon-delimited components of an ARN (policy variables count as text)."""
    plain = _VARIABLE.sub("x", text)
    return plain.startswith("arn:") and plain.count(":") >= 5


def problem(kind: str, text: str) -> str | None:
    """Why ``text`` is not a value of ``kind`` (one of :data:`OPERATOR_KINDS`' values), or None when it is one.
    A value holding a policy variable is judged only by the types that allow variables, and then not at all for
    Bool (the variable's value is not known before the request)."""
    if kind == "string":
        return None
    if kind in VARIABLES_ALLOWED and kind != "arn" and _VARIABLE.search(text):
        return None
    if kind == "ip" and "/" not in text and (address := _address(text)) is not None and address.version == 6:
        return (
            f"{text!r} is an IPv6 address without a routing prefix: IAM's documented default of /32 would cover a "
            "whole IPv6 /32; write the prefix (for one address, /128)"
        )
    parsers: dict[str, Callable[[str], object]] = {
        "numeric": parse_number,
        "date": parse_date,
        "bool": parse_bool,
        "null": parse_bool,
        "binary": parse_binary,
        "ip": parse_ip_network,
    }
    parses = is_arn(text) if kind == "arn" else parsers[kind](text) is not None
    return None if parses else f"{text!r} is not {EXPECTED[kind]}"


@dataclass(frozen=True)
class Finding:
    """One condition value that does not parse: where it is and what was expected."""

    statement: str  # the statement's Sid, or "#<index>"
    operator: str
    key: str
    value: str
    why: str

    def sentence(self) -> str:
        return f"statement {self.statement}: {self.operator} on {self.key}: {self.why}"


def condition_findings(document: Any, unknown: object = NOTHING) -> list[Finding]:
    """Every condition value of ``document`` (a JSON string or an object) that does not parse for its operator, and
    every operator IAM does not document. Statements, blocks and values that are the ``unknown`` placeholder (a value
    not known at preview) are skipped: they are judged once known. A document that is not JSON has no findings here
    (nothing in it can be read)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, Mapping):
        return []
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, Sequence) or isinstance(statements, str):
        return []
    found: list[Finding] = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping):
            continue
        label = str(statement.get("Sid") or f"#{index}")
        block = statement.get("Condition")
        if not isinstance(block, Mapping):
            continue
        for operator_text, keys in block.items():
            if operator_text is unknown or keys is unknown:
                continue
            operator = parse_operator(str(operator_text))
            if operator is None:
                found.append(Finding(label, str(operator_text), "", "", "IAM documents no such condition operator"))
                continue
            if not isinstance(keys, Mapping):
                continue
            for key, values in keys.items():
                for value in values if isinstance(values, list | tuple) else [values]:
                    if value is unknown or value is None or isinstance(value, Mapping | list | tuple):
                        continue
                    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
                    why = problem(operator.kind, text)
                    if why is not None:
                        found.append(Finding(label, str(operator_text), str(key), text, why))
    return found
