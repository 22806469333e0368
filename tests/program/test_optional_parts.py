"""Optional parts stay optional: an estate without an identity account (people come through SAML) or without a
preview account (no pull-request previews) plans, passes the gate, and `check` says what each omission turns off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failsafe.tooling import planning
from failsafe.tooling.access import proofs
from failsafe.tooling.planning import PlanError

HUMAN_ROLES = ("restore-operator", "auditor", "break-glass")
NO_PREVIEWS = {"failsafe:previewAccountId": ""}


def no_identity(backup_account: str) -> dict[str, Any]:
    provider = f"arn:aws:iam::{backup_account}:saml-provider/corp"
    return {"failsafe:identityAccountId": "", "failsafe:humanAccessFederation": f"saml:{provider}"}


def backup_account() -> str:
    return planning.stack_config("dr")[1].accounts.backup


def test_without_an_identity_account_the_human_roles_trust_saml_people_only() -> None:
    overrides = no_identity(backup_account())
    plan = planning.plan_stack("dr", overrides=overrides)
    _, cfg = planning.stack_config("dr", overrides=overrides)
    human = [r for r in plan.by_type("aws:iam/role:Role") if r.inputs.get("name", "").endswith("-restore-operator")]
    assert human, "the dr plan has the restore operator"
    statements = json.loads(human[0].inputs["assumeRolePolicy"])["Statement"]
    assert [s["Action"] for s in statements] == ["sts:AssumeRoleWithSAML"], statements
    assert any("identityAccountId is empty" in o for o in cfg.omissions())
    # the estate names an organization: its SCPs and RCPs are in force, as `check dr` proves them
    outcomes = proofs.prove(cfg, {"dr": plan, "org": planning.plan_stack("org")})
    assert outcomes and all(o.status == proofs.PROVEN for o in outcomes), [o.sentence() for o in outcomes]
    assert not [o for o in outcomes if o.entry.who == "identity-account-person"]


@pytest.mark.parametrize("federation", ["", "identity-center"])
def test_without_an_identity_account_dr_needs_saml_and_says_so_on_one_line(federation: str) -> None:
    with pytest.raises(PlanError) as caught:
        planning.stack_config(
            "dr",
            overrides={
                "failsafe:identityAccountId": "",
                "failsafe:humanAccessFederation": federation,
                "failsafe:policyExemptions": [f"iam-role-trust-requires-mfa:backup-{role}" for role in HUMAN_ROLES],
            },
        )
    message = str(caught.value)
    assert "failsafe:identityAccountId" in message and "humanAccessFederation: saml:" in message
    assert "\n" not in message


def test_without_a_preview_account_prod_builds_nothing_for_previews() -> None:
    with_previews = planning.plan_stack("prod")
    plan = planning.plan_stack("prod", overrides=NO_PREVIEWS)
    _, cfg = planning.stack_config("prod", overrides=NO_PREVIEWS)
    preview_account = planning.stack_config("prod")[1].accounts.preview
    assert any(preview_account in json.dumps(r.inputs) for r in with_previews.resources), "control: previews on"
    assert not [r for r in plan.resources if preview_account in json.dumps(r.inputs)]
    assert "previewDeployRoleArn" not in plan.outputs and "previewDeployRoleArn" in with_previews.outputs
    assert any("previews are off" in o for o in cfg.omissions())


def test_a_preview_stack_is_refused_when_previews_are_off() -> None:
    with pytest.raises(PlanError) as caught:
        planning.stack_config("pr-42", overrides=NO_PREVIEWS)
    assert "failsafe:previewAccountId" in str(caught.value) and "previews off" in str(caught.value)
