"""The Null condition operator (IAM User Guide, Condition operators, "Condition operator to check existence of
condition keys"): "true (the key doesn't exist — it is null) or false (the key exists and its value is not null)";
no policy variables, and no ``IfExists`` form. It tests the key's presence, not a value, so
:mod:`~failsafe.tooling.access.iam.condition.operators` applies it before the families that compare values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from failsafe.tooling.access.iam.condition.base import check
from failsafe.tooling.access.iam.model import UNKNOWN, Tri
from failsafe_guardrails.condition_values import parse_bool


class NullFamily:
    kind = "null"

    def compile(self, text: str, variables: bool) -> Any:
        if UNKNOWN in text:
            return None
        check(self.kind, text)
        return parse_bool(text)

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        raise AssertionError("Null tests presence: see operators.holds")

    @staticmethod
    def holds(expected: Any, absent: bool) -> Tri:
        return None if expected is None else bool(expected == absent)


NULL = NullFamily()
