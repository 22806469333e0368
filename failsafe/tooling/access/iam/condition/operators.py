"""A Condition element's operators, compiled once, and whether they hold for a request.

Sources (IAM User Guide): "IAM JSON policy elements: Condition operators" (the operators and their families; a key
missing from the request fails positive operators and satisfies negated ones; ``...IfExists`` holds on a missing
key; ``Null`` tests presence), "Multi-value context keys" (``ForAllValues`` holds on a missing key, ``ForAnyValue``
does not; a plain operator on a multi-valued key matches when any value does) and "IAM JSON policy elements:
Condition" (the values of one key are OR'ed). The operator names and their value types are defined once, in
``failsafe_guardrails.condition_values``, which the policy pack reads too.

A policy value that does not parse for its operator (a number that is not one...) and an operator IAM does not
document make the condition's answer unknown wherever they could decide it, with the reason kept for the report;
nothing here raises for a malformed policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failsafe.tooling.access.iam.condition import arn, binary, boolean, date, ip, null, numeric, string
from failsafe.tooling.access.iam.condition.base import Family, Malformed
from failsafe.tooling.access.iam.model import UNKNOWN, Tri, all_, any_, not_
from failsafe.tooling.access.iam.patterns import strings
from failsafe_guardrails.condition_values import parse_operator

# base operator -> (family, comparison, negated)
OPERATORS: dict[str, tuple[Family, str, bool]] = {
    "stringequals": (string.EQUALS, "eq", False),
    "stringnotequals": (string.EQUALS, "eq", True),
    "stringequalsignorecase": (string.EQUALS_IGNORE_CASE, "eq", False),
    "stringnotequalsignorecase": (string.EQUALS_IGNORE_CASE, "eq", True),
    "stringlike": (string.LIKE, "eq", False),
    "stringnotlike": (string.LIKE, "eq", True),
    "numericequals": (numeric.NUMERIC, "eq", False),
    "numericnotequals": (numeric.NUMERIC, "eq", True),
    "numericlessthan": (numeric.NUMERIC, "lt", False),
    "numericlessthanequals": (numeric.NUMERIC, "le", False),
    "numericgreaterthan": (numeric.NUMERIC, "gt", False),
    "numericgreaterthanequals": (numeric.NUMERIC, "ge", False),
    "dateequals": (date.DATE, "eq", False),
    "datenotequals": (date.DATE, "eq", True),
    "datelessthan": (date.DATE, "lt", False),
    "datelessthanequals": (date.DATE, "le", False),
    "dategreaterthan": (date.DATE, "gt", False),
    "dategreaterthanequals": (date.DATE, "ge", False),
    "bool": (boolean.BOOL, "eq", False),
    "binaryequals": (binary.BINARY, "eq", False),
    "ipaddress": (ip.IP, "eq", False),
    "notipaddress": (ip.IP, "eq", True),
    "arnequals": (arn.ARN, "eq", False),
    "arnlike": (arn.ARN, "eq", False),
    "arnnotequals": (arn.ARN, "eq", True),
    "arnnotlike": (arn.ARN, "eq", True),
    "null": (null.NULL, "eq", False),
}


@dataclass(frozen=True, slots=True)
class Cond:
    key: str  # lower-case condition key
    family: Family | None  # None: the operator is unknown at preview or not one IAM documents
    compare: str
    negated: bool
    if_exists: bool
    set_op: str  # "", "any", "all"
    values: tuple[Any, ...]  # compiled by the family; None for a value unknown at preview or that does not parse
    problem: str = ""  # why some value (or the operator) cannot be evaluated: a bug in the policy; then never known

    @property
    def label(self) -> str:
        key = "" if self.key == UNKNOWN.lower() else f" on {self.key}"
        return f"Condition{key}" + (f" ({self.problem})" if self.problem else "")


def unknown_condition(key: str = UNKNOWN, problem: str = "") -> Cond:
    """A condition that may or may not hold: unknown at preview, or one that cannot be read."""
    return Cond(key.lower(), None, "eq", False, False, "", (), problem)


def compile_condition(operator: str, key: str, raw: Any, variables: bool) -> Cond:
    if UNKNOWN in operator or UNKNOWN in key or (isinstance(raw, str) and raw == UNKNOWN):
        return unknown_condition(key if UNKNOWN not in key else UNKNOWN)
    parsed = parse_operator(operator)
    if parsed is None:
        return unknown_condition(key, f"{operator} is not a condition operator IAM documents")
    family, compare, negated = OPERATORS[parsed.base]
    try:
        texts = strings(raw, f"condition {operator} on {key}")
    except ValueError as error:
        return unknown_condition(key, str(error))
    values: list[Any] = []
    problems: list[str] = []
    for text in texts:
        try:
            values.append(family.compile(text, variables))
        except Malformed as error:
            values.append(None)
            problems.append(f"{operator}: {error}")
    problem = "; ".join(problems)
    return Cond(key.lower(), family, compare, negated, parsed.if_exists, parsed.set_op, tuple(values), problem)


def _one_value_matches(cond: Cond, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
    """Whether one request value matches any of the condition's policy values (values are OR'ed)."""
    assert cond.family is not None
    family = cond.family
    return any_(
        None if expected is None else family.matches(cond.compare, expected, value, context) for expected in cond.values
    )


def holds(cond: Cond, context: Mapping[str, tuple[str, ...]]) -> Tri:
    """Whether the condition holds for the request context (keys in lower case). A condition with a value that does
    not parse is unknown whatever the request: the statement is a bug, and what AWS does with it is not documented."""
    if cond.family is None or cond.problem:
        return None
    values = context.get(cond.key)
    if cond.family is null.NULL:
        absent = not values
        return any_(null.NullFamily.holds(expected, absent) for expected in cond.values)
    if values is None:
        if cond.if_exists or cond.set_op == "all":
            return True
        if cond.set_op == "any":
            return False
        return cond.negated

    def one(value: str) -> Tri:
        hit = _one_value_matches(cond, value, context)
        return not_(hit) if cond.negated else hit

    if cond.set_op == "all":
        return all_(one(value) for value in values)
    if cond.set_op == "any":
        return any_(one(value) for value in values)
    # A plain operator on a multi-valued key matches when any request value does (negated: when none does).
    hit = any_(_one_value_matches(cond, value, context) for value in values)
    return not_(hit) if cond.negated else hit
