"""Binary condition operators (IAM User Guide, Condition operators, "Binary condition operators"): ``BinaryEquals``
"compares the value of the specified key byte for byte against a base-64 encoded representation of the binary value
in the policy"; no policy variables. A request carries binary values base-64 encoded too (bytes in a request context
are encoded by the evaluator)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from failsafe.tooling.access.iam.condition.base import check
from failsafe.tooling.access.iam.model import UNKNOWN, Tri
from failsafe_guardrails.condition_values import parse_binary


class BinaryFamily:
    kind = "binary"

    def compile(self, text: str, variables: bool) -> Any:
        if UNKNOWN in text:
            return None
        check(self.kind, text)
        return parse_binary(text)

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        request = None if UNKNOWN in value else parse_binary(value)
        if request is None or expected is None:
            return None
        return bool(request == expected)


BINARY = BinaryFamily()
