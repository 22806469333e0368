"""IAM: a role a human can assume without MFA turns one leaked access key into control of the estate (or of the
backups). What "requires MFA" means is defined once, in :mod:`failsafe_guardrails.mfa`."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from failsafe_guardrails import mfa
from failsafe_guardrails.config import exempt, schema
from failsafe_guardrails.props import UNKNOWN, prop

ROLE_TYPE = "aws:iam/role:Role"


def _validate_trust(args: Any, report: Any) -> None:
    if args.resource_type != ROLE_TYPE or exempt(args, args.name, args.urn):
        return
    document = prop(args.props, "assumeRolePolicy")
    for problem in mfa.trust_policy_human_statements_without_mfa(document, unknown=UNKNOWN):
        report(f"Role {args.name}: {problem}.")


trust_requires_mfa = ResourceValidationPolicy(
    name="iam-role-trust-requires-mfa",
    description="Every Allow statement of an IAM role's trust policy that lets a human-usable AWS principal "
    "(an account ID, an account root, an IAM user or '*') assume the role must require "
    "Bool aws:MultiFactorAuthPresent true; role ARNs are machine identities and service and "
    "federated principals are out of scope.",
    validate=_validate_trust,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps='Add Condition {"Bool": {"aws:MultiFactorAuthPresent": "true"}} to every Allow statement of '
    "the role's trust policy that names an account, an account root, an IAM user or '*', optionally with "
    "NumericLessThan aws:MultiFactorAuthAge to bound the session's age. BoolIfExists does not count, and neither "
    "does a separate Deny statement.",
)

POLICIES = [trust_requires_mfa]
