"""iam-role-trust-requires-mfa on the SDK's argument types: one compliant role, one property of its trust policy
broken per case; the shared table of MFA cases run through the pack."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support.pack import UNKNOWN, MfaCase, mfa_cases, run_resource

# isort: split
from failsafe_guardrails.iam import ROLE_TYPE

PROD = "111111111111"
POLICY = "iam-role-trust-requires-mfa"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def trust(**statement: Any) -> dict[str, Any]:
    """A compliant trust policy (the prod account's root may assume the role with MFA) with ``statement``'s
    fields replaced; a field given as None is removed."""
    base = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"},
        "Action": "sts:AssumeRole",
        "Condition": MFA,
    }
    base.update(statement)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in base.items() if v is not None}]}


def findings(document: Any, config: dict[str, Any] | None = None) -> list[str]:
    return run_resource(POLICY, ROLE_TYPE, {"assumeRolePolicy": document}, config, name="admin")


@pytest.mark.parametrize("as_string", [True, False])
def test_trust_with_mfa_passes_as_string_or_object(as_string: bool) -> None:
    doc = trust()
    assert findings(json.dumps(doc) if as_string else doc) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:MultiFactorAuthPresent": True}},
        {"bool": {"AWS:multifactorauthpresent": ["true"]}},
        {"BOOL": {"aws:MultiFactorAuthPresent": "TRUE"}},
    ],
)
def test_trust_accepts_every_spelling_of_mfa_true(condition: dict[str, Any]) -> None:
    assert findings(trust(Condition=condition)) == []


@pytest.mark.parametrize(
    "condition",
    [None, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {"Bool": {"aws:MultiFactorAuthPresent": "false"}}],
)
@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws:iam::{PROD}:root"},
        {"AWS": PROD},
        {"AWS": [f"arn:aws:iam::{PROD}:user/alice"]},
        "*",
        {"AWS": "*"},
    ],
)
def test_trust_without_mfa_for_human_principal_is_a_violation(condition: Any, principal: Any) -> None:
    found = findings(json.dumps(trust(Condition=condition, Principal=principal)))
    assert len(found) == 1, f"{principal} with condition {condition}: {found}"


def test_the_violation_names_the_role_the_statement_and_the_principal() -> None:
    assert findings(trust(Condition=None)) == [
        f"Role admin: statement 0 lets arn:aws:iam::{PROD}:root assume the role without "
        "Bool aws:MultiFactorAuthPresent true."
    ]


@pytest.mark.parametrize("action", ["sts:AssumeRole", "STS:assumerole", "sts:*", "*", ["s3:Get*", "sts:AssumeRole"]])
def test_trust_checks_every_assume_action_spelling(action: Any) -> None:
    assert findings(trust(Action=action, Condition=None)), action


@pytest.mark.parametrize(
    ("action", "violates"),
    [
        ("sts:Assume*", True),
        ("STS:*Role", True),
        ("sts:AssumeRole?", False),
        ("sts:Tag*", False),
        ("sts:AssumeRoleWith*", False),
    ],
)
def test_trust_action_wildcards_that_grant_assume_role_are_checked(action: str, violates: bool) -> None:
    document = {"Statement": [{"Effect": "Allow", "Action": action, "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"}}]}
    found = findings(document)
    assert bool(found) is violates, (action, found)


@pytest.mark.parametrize(
    "statement",
    [
        {"Principal": {"Service": "lambda.amazonaws.com"}},
        {
            "Principal": {"Federated": f"arn:aws:iam::{PROD}:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        },
        {"Principal": {"AWS": f"arn:aws:iam::{PROD}:role/replication"}},
        {"Effect": "Deny"},
        {"Action": "sts:TagSession"},
    ],
)
def test_trust_ignores_machine_service_federated_deny_and_other_actions(statement: dict[str, Any]) -> None:
    assert findings(trust(Condition=None, **statement)) == []


@pytest.mark.parametrize(
    "principal", [{"aws": PROD}, {"AWS": [f"arn:aws:iam::{PROD}:role/ci", f"arn:aws:iam::{PROD}:user/alice"]}]
)
def test_trust_principal_key_case_and_mixed_role_user_lists(principal: Any) -> None:
    assert findings(trust(Condition=None, Principal=principal)), principal


def test_trust_single_statement_object_instead_of_a_list_is_checked() -> None:
    doc = trust(Condition=None)
    doc["Statement"] = doc["Statement"][0]
    assert findings(json.dumps(doc))


@pytest.mark.parametrize("case", mfa_cases("document"), ids=lambda c: c.id)
def test_the_pack_agrees_with_every_document_of_the_shared_mfa_cases(case: MfaCase) -> None:
    found = findings(case.statement_or_document)
    assert (found == []) is case.requires_mfa, f"{case.why}: {found}"


def test_trust_policy_unknown_at_preview_is_not_a_violation() -> None:
    assert findings(UNKNOWN) == []


@pytest.mark.parametrize(
    "condition",
    [UNKNOWN, {"Bool": UNKNOWN}, {"Bool": {"aws:MultiFactorAuthPresent": UNKNOWN}}],
    ids=["condition", "bool-block", "mfa-key"],
)
def test_mfa_condition_unknown_at_preview_is_judged_once_known(condition: Any) -> None:
    assert findings(trust(Condition=condition)) == []


def test_unknown_values_that_cannot_decide_do_not_hide_a_known_violation() -> None:
    doc = trust(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": UNKNOWN}})
    doc["Statement"][0]["Principal"] = {"AWS": [UNKNOWN, f"arn:aws:iam::{PROD}:user/alice"]}
    assert findings(doc) == [
        f"Role admin: statement 0 lets arn:aws:iam::{PROD}:user/alice assume the role without "
        "Bool aws:MultiFactorAuthPresent true."
    ]


def test_role_exempt_only_by_config() -> None:
    assert findings(trust(Condition=None), {"exemptions": ["admin"]}) == []


def test_other_resource_types_are_not_checked() -> None:
    assert run_resource(POLICY, "aws:iam/policy:Policy", {"assumeRolePolicy": trust(Condition=None)}) == []


def test_checking_does_not_mutate_the_document() -> None:
    doc = trust()
    before = copy.deepcopy(doc)
    findings(doc)
    assert doc == before
