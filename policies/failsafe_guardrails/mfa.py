"""The one definition of "this IAM trust-policy statement requires MFA", shared by the policy pack (policy
``iam-role-trust-requires-mfa``) and the operator tooling that checks deployed roles. Standard library only, so that
it imports where ``pulumi_policy`` is not installed; it reads plain JSON data (dicts, lists, strings) or a
document given as a JSON string.

A statement requires MFA when its own ``Condition`` holds the ``Bool`` operator on ``aws:MultiFactorAuthPresent``
with the value true: ``"true"``, ``true``, or a non-empty list of such values. Operator and key are compared
case-insensitively, as condition key names are in IAM. ``aws:MultiFactorAuthAge`` may accompany it (for example
``NumericLessThan`` 3600 to bound how old the MFA sign-in may be). Nothing else counts:

- ``BoolIfExists`` true: ``aws:MultiFactorAuthPresent`` is absent from requests signed with long-term access keys,
  and an ``...IfExists`` operator evaluates to true when its key is absent, so a long-term key passes without MFA.
- ``Bool`` false, or a list that also holds false: IAM matches any value of the list, so requests without MFA match.
- An age-only condition (``NumericLessThan aws:MultiFactorAuthAge``): that key is present only when MFA was used,
  so in IAM's evaluation such a statement also refuses requests without MFA. It is still not accepted: there is one
  form to write and to review, and an age limit without the presence check reads as a session-length rule.
- A Deny statement, such as the ``Deny`` with ``BoolIfExists aws:MultiFactorAuthPresent false`` that AWS shows for
  identity policies: only the Allow statement's own condition is read, so a Deny beside an Allow without MFA does
  not make that Allow compliant, whatever principals the Deny names.

The rule applies to Allow statements that grant ``sts:AssumeRole`` (literally, as ``sts:*`` or ``*``, or through
an IAM wildcard that matches it such as ``sts:Assume*``; actions compared case-insensitively) to a principal a
human can act through: ``*``, an AWS account ID, an account root ARN or an IAM user ARN. Role ARNs are machine
identities; service and federated principals are out of scope (web-identity and SAML federation use other actions).

References, AWS IAM User Guide:
"Configuring MFA-protected API access"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html);
global condition context keys ``aws:MultiFactorAuthPresent`` and ``aws:MultiFactorAuthAge``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent);
condition operators and ``...IfExists``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# sts:AssumeRole as IAM would match it; any other action pattern is tried as an IAM wildcard against it.
ASSUME_ROLE = "sts:assumerole"
HUMAN_PRINCIPAL = re.compile(r"\d{12}|arn:aws[\w-]*:iam::\d{12}:(root|user/.+)")
NOTHING = object()  # the default ``unknown`` placeholder: no value is unknown


def parse_document(value: Any) -> Mapping[str, Any] | None:
    """A policy document given as a JSON string or an object; None when it is neither."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


def statements(document: Any) -> list[Any]:
    """The statements of a policy document (JSON string or object); a single statement object counts as a list."""
    return _as_list(_lower_keys(parse_document(document)).get("statement"))


def statement_requires_mfa(statement: Mapping[str, Any], unknown: object = NOTHING) -> bool:
    """Whether the statement's own condition is ``Bool aws:MultiFactorAuthPresent`` true (see the module doc).

    ``unknown`` is the placeholder a caller puts where a value is not known yet (the policy pack's preview-time
    values): a condition, ``Bool`` block or key value that is the placeholder counts as requiring MFA, so that a
    statement is judged once the values that decide it are known."""
    condition = _lower_keys(statement).get("condition")
    block = None if condition is unknown else _lower_keys(condition).get("bool")
    values = None if block is unknown else _as_list(_lower_keys(block).get("aws:multifactorauthpresent"))
    if condition is unknown or block is unknown or any(v is unknown for v in values or ()):
        return True
    return bool(values) and all(v is True or (isinstance(v, str) and v.lower() == "true") for v in values or ())


def human_principals(statement: Any, unknown: object = NOTHING) -> list[str]:
    """The statement's AWS principals a human can act through: '*', an account ID, an account root or an IAM user.
    A principal that is the ``unknown`` placeholder is none of them."""
    principal = _lower_keys(statement).get("principal")
    if principal == "*":
        return ["*"]
    found = []
    for p in _as_list(_lower_keys(principal).get("aws")):
        text = str(p)
        if p is not unknown and (text == "*" or HUMAN_PRINCIPAL.fullmatch(text)):
            found.append(text)
    return found


def allows_assume_role(statement: Any, unknown: object = NOTHING) -> bool:
    """Whether the statement is an Allow for sts:AssumeRole, written out or through a wildcard. An effect or action
    that is the ``unknown`` placeholder is not one."""
    s = _lower_keys(statement)
    if s.get("effect") is unknown or str(s.get("effect", "")).lower() != "allow":
        return False
    actions = [str(a).lower() for a in _as_list(s.get("action")) if a is not unknown]
    return any(fnmatch.fnmatchcase(ASSUME_ROLE, a) for a in actions)


def humans_assuming_without_mfa(statement: Any, unknown: object = NOTHING) -> list[str]:
    """The human principals this statement lets assume the role without MFA; empty when it lets none. A value that
    is the ``unknown`` placeholder never counts as an Allow, an assume action or a human principal."""
    if not allows_assume_role(statement, unknown):
        return []
    humans = human_principals(statement, unknown)
    return humans if humans and not statement_requires_mfa(statement, unknown) else []


def trust_policy_human_statements_without_mfa(
    document: Mapping[str, Any] | str, unknown: object = NOTHING
) -> list[str]:
    """One sentence per statement of a role's trust policy that lets a human principal assume the role without
    MFA, naming the statement's index and the principals; empty when the policy is compliant (or not a document).
    ``unknown``: see :func:`statement_requires_mfa`."""
    return [
        f"statement {index} lets {', '.join(humans)} assume the role without Bool aws:MultiFactorAuthPresent true"
        for index, statement in enumerate(statements(document))
        if (humans := humans_assuming_without_mfa(statement, unknown))
    ]


def _lower_keys(value: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]
