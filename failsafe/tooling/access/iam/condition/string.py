"""String condition operators (IAM User Guide, Condition operators, "String condition operators"): ``StringEquals``
and ``StringNotEquals`` (exact, case-sensitive), the ``...IgnoreCase`` forms, and ``StringLike``/``StringNotLike``
(``*`` and ``?`` wildcards anywhere). Policy variables are allowed; any text is a string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failsafe.tooling.access.iam.model import Tri
from failsafe.tooling.access.iam.patterns import Glob, glob


@dataclass(frozen=True)
class StringFamily:
    fold: bool  # ...IgnoreCase
    wild: bool  # ...Like
    kind: str = "string"

    def compile(self, text: str, variables: bool) -> Any:
        return glob(text, wild=self.wild, fold=self.fold, variables=variables)

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        pattern: Glob = expected
        return pattern.match(value, context)


EQUALS = StringFamily(fold=False, wild=False)
EQUALS_IGNORE_CASE = StringFamily(fold=True, wild=False)
LIKE = StringFamily(fold=False, wild=True)
