"""ARN condition operators (IAM User Guide, Condition operators, "Amazon Resource Name (ARN) condition operators"):
``ArnEquals``/``ArnLike`` (identical) and their negations match "each of the six colon-delimited components of the ARN
... separately and each can include multi-character match wildcards (*) or single-character match wildcards (?)";
policy variables are allowed. A request value that is not an ARN cannot be matched component by component: the
answer is unknown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from failsafe.tooling.access.iam.condition.base import check
from failsafe.tooling.access.iam.model import UNKNOWN, Tri
from failsafe.tooling.access.iam.patterns import Glob, glob
from failsafe_guardrails.condition_values import is_arn


class ArnFamily:
    kind = "arn"

    def compile(self, text: str, variables: bool) -> Any:
        if UNKNOWN not in text:
            check(self.kind, text)
        return glob(text, wild=True, fold=False, arn=True, variables=variables)

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        if UNKNOWN not in value and not is_arn(value):
            return None
        pattern: Glob = expected
        return pattern.match(value, context)


ARN = ArnFamily()
