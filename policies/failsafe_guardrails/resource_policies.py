"""Resource policies, whatever the service: ``Principal: "*"`` without a condition that narrows it opens the
resource to every AWS account (IAM User Guide, "AWS JSON policy elements: Principal", anonymous access). This covers
policy documents in ``policy``/``accessPolicy``/``accessPolicies`` inputs and Lambda permissions granted to ``*``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from failsafe_guardrails import mfa
from failsafe_guardrails.config import exempt, schema, stack_role
from failsafe_guardrails.iam import ROLE_TYPE
from failsafe_guardrails.props import UNKNOWN, prop

POLICY_INPUTS = ("policy", "accessPolicy", "accessPolicies")
LAMBDA_PERMISSION_TYPE = "aws:lambda/permission:Permission"
# Any of these on a Lambda permission for principal '*' limits it to one source, account or organization.
NARROWING_INPUTS = ("sourceArn", "sourceAccount", "principalOrgId")


def star_principal_statements(policy: Any) -> list[int]:
    """Indexes of the Allow statements of ``policy`` (JSON string or object) for Principal '*' with no condition.
    The principals are read as the MFA rule reads them; a condition unknown at preview counts as present."""
    found = []
    for index, statement in enumerate(mfa.statements(policy)):
        fields = {str(k).lower(): v for k, v in statement.items()} if isinstance(statement, Mapping) else {}
        allow = str(fields.get("effect", "")).lower() == "allow"
        if allow and "*" in mfa.human_principals(statement, UNKNOWN) and not fields.get("condition"):
            found.append(index)
    return found


def _validate_star_principals(args: Any, report: Any) -> None:
    if exempt(args, args.name, args.urn) or args.resource_type == ROLE_TYPE:  # trust policies: the MFA rule's
        return
    for key in POLICY_INPUTS:
        for index in star_principal_statements(prop(args.props, key)):
            report(f"{args.name}: statement {index} of {key} allows Principal '*' without a condition.")
    if args.resource_type == LAMBDA_PERMISSION_TYPE and prop(args.props, "principal") == "*":
        # a public function URL on a preview stack is allowed by design (lambda-function-url-requires-auth)
        public_url = str(prop(args.props, "functionUrlAuthType") or "").upper() == "NONE"
        narrowed = any(_present(prop(args.props, key)) for key in NARROWING_INPUTS)
        if not (public_url and stack_role(args) == "preview") and not narrowed:
            report(
                f"{args.name}: lambda Permission for principal '*' without sourceArn, sourceAccount or "
                "principalOrgId lets any AWS account invoke the function."
            )


def _present(value: Any) -> bool:
    """Set; a value unknown at preview is set (it comes from another resource's output)."""
    return value is UNKNOWN or bool(value)


no_star_principal = ResourceValidationPolicy(
    name="resource-policy-no-star-principal",
    description="Resource policies must not allow Principal '*' without a condition that narrows it.",
    validate=_validate_star_principals,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Name the principals, or add a condition such as aws:PrincipalOrgID or aws:SourceAccount; "
    "on a Lambda permission set sourceArn, sourceAccount or principalOrgId.",
)

POLICIES = [no_star_principal]
