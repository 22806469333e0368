"""prod's human read-only role (components/failsafe_components/human_access.py): the runbook's ``prod-readonly``.

Expectations from the stack's config: the role name from ``namePrefix``, the trusted account ``identityAccountId``,
the MFA age ``mfaMaxAgeSeconds`` (IAM User Guide, "Configuring MFA-protected API access": aws:MultiFactorAuthPresent
with Bool, so long-term keys without MFA are refused)."""

from __future__ import annotations

import json

from failsafe.tooling.cli import plan_stack
from tests.support.plans import cached_plan, config_of


def test_prod_has_one_mfa_only_read_only_role_for_people_of_the_identity_account() -> None:
    plan, cfg = cached_plan("prod"), config_of("prod")
    (role,) = [r for r in plan.resources if r.type == "aws:iam/role:Role" and r.name == "auditor-role"]
    assert role.inputs["name"] == f"{cfg.name_prefix}-prod-auditor"
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{cfg.accounts.identity}:root"}
    assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert statement["Condition"]["NumericLessThan"] == {
        "aws:MultiFactorAuthAge": str(cfg.human_access.mfa_max_age_seconds)
    }
    attached = [r for r in plan.resources if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"]
    assert any(
        r.name == "auditor-readonlyaccess" and r.inputs["policyArn"].endswith(":policy/ReadOnlyAccess")
        for r in attached
    )
    assert plan.outputs["prodAuditorRoleArn"] == f"arn:aws:iam::{cfg.accounts.prod}:role/{cfg.name_prefix}-prod-auditor"


def test_without_an_identity_account_prod_makes_no_human_role() -> None:
    saml = f"saml:arn:aws:iam::{config_of('dr').accounts.backup}:saml-provider/corp"
    plan = plan_stack("prod", {"failsafe:identityAccountId": "", "failsafe:humanAccessFederation": saml})
    assert not [r for r in plan.resources if r.name.startswith("auditor")]
    assert "prodAuditorRoleArn" not in plan.outputs
