"""What every condition family provides to :mod:`~failsafe.tooling.access.iam.condition.operators`.

A family compiles one policy value (raising :class:`Malformed` when it does not parse for the operator's type, by the
shared definition in ``failsafe_guardrails.condition_values``) and matches one request value against it, three-valued:
``None`` when the request value is unknown at preview or does not parse for the type (the IAM User Guide does not say
what AWS does then, so the evaluator does not say either)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from failsafe.tooling.access.iam.model import Tri
from failsafe_guardrails.condition_values import problem


class Malformed(ValueError):
    """A policy value that does not parse for its operator: the message says what it is and what was expected."""


class Family(Protocol):
    @property
    def kind(self) -> str:
        """The value type, as ``failsafe_guardrails.condition_values`` names it."""
        ...

    def compile(self, text: str, variables: bool) -> Any:
        """The compiled policy value; None when it is unknown at preview."""
        ...

    def matches(self, compare: str, expected: Any, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        """Whether request ``value`` matches compiled policy value ``expected`` under comparison ``compare``."""
        ...


def check(kind: str, text: str) -> None:
    """Raise :class:`Malformed` when ``text`` is not a value of ``kind``."""
    why = problem(kind, text)
    if why is not None:
        raise Malformed(why)
