"""Running one policy of the failsafe-guardrails pack in-process on the SDK's own argument types, with properties
wrapped in the SDK's unknown-checking proxy exactly as the analyzer wraps them; and the shared table of MFA cases
(:func:`mfa_cases`). Importing this module puts the pack's directory (``policies/``, where the Pulumi CLI runs it)
on ``sys.path`` so that ``failsafe_guardrails`` imports."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

from pulumi.runtime import rpc
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

ROOT = Path(__file__).resolve().parents[2]
POLICY_PACK = ROOT / "policies"
if str(POLICY_PACK) not in sys.path:
    sys.path.insert(0, str(POLICY_PACK))

from failsafe_guardrails.catalog import POLICIES  # noqa: E402  (needs the path above)

UNKNOWN = rpc.UNKNOWN  # what the engine sends for a value unknown at preview
BY_NAME = {p.name: p for p in POLICIES}


def options(protect: bool = True) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:s::p::{type_}::{name}"


def resource(
    type_: str,
    name: str,
    props: dict[str, Any],
    protect: bool = True,
    deps: dict[str, list[PolicyResource]] | None = None,
) -> PolicyResource:
    """A resource of a stack as AnalyzeStack sees it; ``deps`` are its property dependencies by input name."""
    return PolicyResource(
        type_,
        unknown_checking_proxy(copy.deepcopy(props)),
        urn(type_, name),
        name,
        options(protect),
        None,
        None,
        [],
        deps or {},
    )


def run_resource(
    policy: str, type_: str, props: dict[str, Any], config: dict[str, Any] | None = None, name: str = "r"
) -> list[str]:
    """The messages ``policy`` reports for one resource. An UnknownValueError escaping the policy fails the test:
    every rule reads its properties through ``failsafe_guardrails.props``."""
    found: list[str] = []
    args = ResourceValidationArgs(
        type_, unknown_checking_proxy(copy.deepcopy(props)), urn(type_, name), name, options(), None, config or {}
    )
    BY_NAME[policy].validate(args, lambda message, urn=None: found.append(message))
    return found


def run_stack(policy: str, resources: list[PolicyResource], config: dict[str, Any] | None = None) -> list[str]:
    """The messages ``policy`` reports for a stack of ``resources``."""
    return [message for message, _ in run_stack_with_urns(policy, resources, config)]


def run_stack_with_urns(
    policy: str, resources: list[PolicyResource], config: dict[str, Any] | None = None
) -> list[tuple[str, str | None]]:
    """(message, URN of the resource it is about) for every violation ``policy`` reports for the stack."""
    found: list[tuple[str, str | None]] = []
    BY_NAME[policy].validate(StackValidationArgs(resources, config or {}), lambda m, urn=None: found.append((m, urn)))
    return found


# --- what "requires MFA" means, as data -----------------------------------------------------------------------

MFA_CASES_FILE = Path(__file__).resolve().parent / "mfa_cases.json"  # shared by the pack, verify and the IAM helpers


class MfaCase(NamedTuple):
    """One case of the definition in ``policies/failsafe_guardrails/mfa.py``.

    ``kind`` "statement": ``requires_mfa`` is ``mfa.statement_requires_mfa(statement_or_document)``, which reads
    only the statement's own condition, whatever its effect and principals. ``kind`` "document" (an object with
    ``Statement``, or its JSON text): ``requires_mfa`` means no statement of it lets a human principal assume the
    role without MFA (``mfa.trust_policy_human_statements_without_mfa(document) == []``)."""

    id: str
    kind: str
    statement_or_document: dict[str, Any] | str
    requires_mfa: bool
    why: str


def mfa_cases(kind: str | None = None) -> list[MfaCase]:
    """The shared table of MFA cases (plain JSON data in tests/support/mfa_cases.json), of one ``kind`` or all."""
    cases = [
        MfaCase(c["id"], c["kind"], c["case"], c["requires_mfa"], c["why"])
        for c in json.loads(MFA_CASES_FILE.read_text())
    ]
    return [c for c in cases if kind in (None, c.kind)]
