"""Numeric condition operators (IAM User Guide, Condition operators, "Numeric condition operators"): compare "a key to
an integer or decimal value"; no policy variables. Values are compared exactly (as decimals)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from failsafe.tooling.access.iam.condition.base import check
from failsafe.tooling.access.iam.model import UNKNOWN, Tri
from failsafe_guardrails.condition_values import parse_number

COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


class OrderedFamily:
    """A family whose values are ordered numbers: numeric values, and dates as epoch seconds."""

    def __init__(self, kind: str, parse: Callable[[str], Decimal | None]) -> None:
        self.kind = kind
        self.parse = parse

    def compile(self, text: str, variables: bool) -> Any:
        if UNKNOWN in text:
            return None
        check(self.kind, text)
        return self.parse(text)

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        request = None if UNKNOWN in value else self.parse(value)
        if request is None or expected is None:
            return None
        return COMPARE[compare](request, expected)


NUMERIC = OrderedFamily("numeric", parse_number)
