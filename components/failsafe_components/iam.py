"""IAM policy documents as Python dicts, serialised in one place.

Documents may hold Outputs (ARNs of resources not yet created); :func:`to_json` serialises them with
``Output.json_dumps`` so they are never f-stringed by hand.
"""

from __future__ import annotations

from typing import Any

import pulumi

VERSION = "2012-10-17"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": list(statements)}


def statement(
    sid: str,
    actions: list[str] | str,
    resources: list[Any] | Any | None = None,
    *,
    effect: str = "Allow",
    principal: dict[str, Any] | str | None = None,
    condition: dict[str, Any] | None = None,
    not_principal: dict[str, Any] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {"Sid": sid, "Effect": effect}
    if principal is not None:
        result["Principal"] = principal
    if not_principal is not None:
        result["NotPrincipal"] = not_principal
    result["Action"] = actions
    if resources is not None:
        result["Resource"] = resources
    if condition:
        result["Condition"] = condition
    return result


def service_trust(*services: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    """Trust policy for AWS services only (machine identities: no MFA applies)."""
    return document(
        statement("ServiceAssumesRole", "sts:AssumeRole", principal={"Service": list(services)}, condition=condition)
    )


def human_trust(account_id: str, mfa_max_age_seconds: int) -> dict[str, Any]:
    """Trust policy for people: IAM users of ``account_id`` that signed in with MFA recently.

    ``Bool`` (not ``BoolIfExists``): long-term access keys carry no MFA key at all and must be refused.
    """
    return document(
        statement(
            "HumansWithMfaOnly",
            "sts:AssumeRole",
            principal={"AWS": f"arn:aws:iam::{account_id}:root"},
            condition={
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": str(mfa_max_age_seconds)},
            },
        )
    )


SAML_SIGNIN = "https://signin.aws.amazon.com/saml"
IDENTITY_CENTER = "identity-center"


def federated_statement(federation: str, identity_account_id: str) -> dict[str, Any] | None:
    """The trust statement for federated people, or None for ``""`` (IAM users with MFA only).

    ``saml:<provider ARN>``: AssumeRoleWithSAML from that provider, for the AWS sign-in audience.
    ``identity-center``: role chaining from the identity account's IAM Identity Center roles (``AWSReservedSSO_*``
    under ``aws-reserved/sso.amazonaws.com/``), and no other principal of that account.
    Neither session carries ``aws:MultiFactorAuthPresent``: MFA is enforced by the identity provider, and the IAM
    user statement (``human_trust``) keeps requiring it of everyone else."""
    if not federation:
        return None
    if federation.startswith("saml:"):
        return statement(
            "FederatedPeopleViaSaml",
            "sts:AssumeRoleWithSAML",
            principal={"Federated": federation.removeprefix("saml:")},
            condition={"StringEquals": {"SAML:aud": SAML_SIGNIN}},
        )
    if federation == IDENTITY_CENTER:
        sso_roles = f"arn:aws:iam::{identity_account_id}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_*"
        return statement(
            "IdentityCenterPeople",
            "sts:AssumeRole",
            principal={"AWS": f"arn:aws:iam::{identity_account_id}:root"},
            condition={"ArnLike": {"aws:PrincipalArn": sso_roles}},
        )
    raise ValueError(f"federation {federation!r}: expected '', 'saml:<provider ARN>' or '{IDENTITY_CENTER}'")


def to_json(doc: dict[str, Any]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(doc)
