"""Policy documents, whatever the service. They are read from the inputs that hold them: ``policy``, ``accessPolicy``
and ``accessPolicies`` on any resource (bucket, key, topic, queue, vault, event bus, secret and ECR repository
policies, OpenSearch and Glacier access policies, role inline and managed policies), a role's ``assumeRolePolicy``
and its ``inlinePolicies``, and a Lambda permission's fields (the statement Lambda adds to the function policy).

- ``resource-policy-no-star-principal``: ``Principal: "*"`` without a condition that narrows it opens the resource to
  every AWS account (IAM User Guide, "AWS JSON policy elements: Principal", anonymous access).
- ``resource-policy-no-allow-with-not-principal``: IAM User Guide, "AWS JSON policy elements: NotPrincipal":
  "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not supported." (IAM Access
  Analyzer: ``ALLOW_WITH_NOT_PRINCIPAL``.) A Lambda permission has no NotPrincipal to write.
- ``iam-policy-condition-values-parse``: a condition value that does not parse for its operator (a date, number,
  IP/CIDR, ARN, Bool, base-64 or Null value that is not one, or an operator IAM does not document) is a bug in the
  policy whatever AWS does with it; the access proofs cannot judge its statement either. The formats are defined once,
  in :mod:`failsafe_guardrails.condition_values`, which the proofs' evaluator reads too. A Lambda permission's
  ``sourceArn`` becomes an ``ArnLike aws:SourceArn`` condition, so it must be an ARN. Text that is not JSON at all is
  refused here too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from failsafe_guardrails import condition_values, mfa
from failsafe_guardrails.config import exempt, schema, stack_role
from failsafe_guardrails.iam import ROLE_TYPE
from failsafe_guardrails.props import UNKNOWN, prop

POLICY_INPUTS = ("policy", "accessPolicy", "accessPolicies")
TRUST_INPUT = "assumeRolePolicy"
INLINE_POLICIES = "inlinePolicies"
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


def documents(args: Any, identity: bool = False) -> list[tuple[str, Any]]:
    """(where, document) for every policy document of the resource: the :data:`POLICY_INPUTS`, a role's trust policy,
    and with ``identity`` its inline policies too. Documents unknown at preview are left out (judged at ``up``)."""
    found = [(key, prop(args.props, key)) for key in POLICY_INPUTS]
    if args.resource_type == ROLE_TYPE:
        found.append((TRUST_INPUT, prop(args.props, TRUST_INPUT)))
        inline = prop(args.props, INLINE_POLICIES) if identity else None
        for index, entry in enumerate(inline if isinstance(inline, list) else []):
            name = entry.get("name") if isinstance(entry, Mapping) else None
            where = f"{INLINE_POLICIES}[{index}]" + (f" ({name})" if isinstance(name, str) else "")
            found.append((where, entry.get("policy") if isinstance(entry, Mapping) else None))
    return [(where, document) for where, document in found if document is not None and document is not UNKNOWN]


def allow_with_not_principal_statements(document: Any) -> list[str]:
    """The Sid (or ``#index``) of every Allow statement of ``document`` that uses NotPrincipal. An Effect unknown at
    preview is not Allow."""
    found = []
    for index, statement in enumerate(mfa.statements(document)):
        fields = {str(k).lower(): v for k, v in statement.items()} if isinstance(statement, Mapping) else {}
        effect = fields.get("effect")
        if effect is not UNKNOWN and str(effect or "").lower() == "allow" and "notprincipal" in fields:
            sid = fields.get("sid")
            found.append(str(sid) if isinstance(sid, str) and sid else f"#{index}")
    return found


def _validate_not_principal(args: Any, report: Any) -> None:
    if exempt(args, args.name, args.urn):
        return
    for where, document in documents(args):
        for sid in allow_with_not_principal_statements(document):
            report(
                f"{args.name}: statement {sid} of {where} allows with NotPrincipal, which IAM does not support "
                "(NotPrincipal must be used with Deny)."
            )


no_allow_with_not_principal = ResourceValidationPolicy(
    name="resource-policy-no-allow-with-not-principal",
    description="Policy documents must not use NotPrincipal in an Allow statement: IAM supports NotPrincipal only "
    "with Deny.",
    validate=_validate_not_principal,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Name the principals to allow in Principal instead; to keep everyone but a few out, use a "
    'Deny statement with Principal "*" and an ArnNotEquals condition on aws:PrincipalArn.',
)


def _validate_condition_values(args: Any, report: Any) -> None:
    if exempt(args, args.name, args.urn):
        return
    for where, document in documents(args, identity=True):
        if isinstance(document, str) and mfa.parse_document(document) is None:
            report(f"{args.name}: {where} is not JSON, so it is no policy document IAM accepts.")
            continue
        for finding in condition_values.condition_findings(document, unknown=UNKNOWN):
            report(f"{args.name}: {where} {finding.sentence()}.")
    if args.resource_type == LAMBDA_PERMISSION_TYPE:
        source = prop(args.props, "sourceArn")
        if isinstance(source, str) and source and not condition_values.is_arn(source):
            report(
                f"{args.name}: sourceArn {source!r} is not an ARN; Lambda matches it with ArnLike aws:SourceArn "
                f"({condition_values.EXPECTED['arn']})."
            )


condition_values_parse = ResourceValidationPolicy(
    name="iam-policy-condition-values-parse",
    description="Every condition value of a policy document must parse for its operator (numbers, dates, IP "
    "addresses and ranges, ARNs, booleans, base-64), with an operator IAM documents, in a document that is JSON.",
    validate=_validate_condition_values,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Write the value in the operator's format: NumericLessThan 3600, DateLessThan "
    "2030-01-01T00:00:00Z or epoch seconds, IpAddress 203.0.113.0/24, ArnLike arn:aws:sns:*:*:alerts, Bool "
    "true, BinaryEquals base-64; or use a String operator when the value is text.",
)

POLICIES = [no_star_principal, no_allow_with_not_principal, condition_values_parse]
