"""Boolean condition operators (IAM User Guide, Condition operators, "Boolean condition operators"): ``Bool``
compares a key "to "true" or "false""; policy variables are allowed. A request value that is neither is not a
boolean: the answer is unknown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from failsafe.tooling.access.iam.condition.base import check
from failsafe.tooling.access.iam.model import UNKNOWN, Tri
from failsafe.tooling.access.iam.patterns import Glob
from failsafe_guardrails.condition_values import parse_bool


class BoolFamily:
    kind = "bool"

    def compile(self, text: str, variables: bool) -> Any:
        if UNKNOWN not in text:
            check(self.kind, text)
        return Glob(text, wild=False, fold=True, variables=variables)

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        if UNKNOWN not in value and parse_bool(value) is None:
            return None
        glob: Glob = expected
        return glob.match(value, context)


BOOL = BoolFamily()
