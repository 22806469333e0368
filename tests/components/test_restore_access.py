"""Issue 17, the roles that make a restore possible: the Backup restore role, and federated people on dr's human roles.

The restore operator's own permissions are proved over the real dr plan by the access catalogue
(tests/tooling/test_access_proofs.py); here: what the proofs do not model (the restore role's trust and managed
policies, the federated trust statements, the policy pack's MFA rule on them, and the config that selects them).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from failsafe.settings.config import ConfigError
from failsafe.tooling import gate, harness, policyconfig
from failsafe.tooling.access import collect
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate_assume_role
from failsafe.tooling.cli import PlanError, plan_stack, stack_config
from failsafe_components import iam
from failsafe_components.backup_account import RESTORE_MANAGED_POLICIES, BackupAccount, BackupAccountArgs
from failsafe_components.errors import ComponentArgsError
from tests.support.plans import cached_plan, config_of

BACKUP, IDENTITY = config_of("dr").accounts.backup, config_of("dr").accounts.identity
PREFIX = config_of("dr").name_prefix
SAML = f"saml:arn:aws:iam::{BACKUP}:saml-provider/corp-idp"
IC_EXEMPTIONS = [f"iam-role-trust-requires-mfa:backup-{r}" for r in ("restore-operator", "auditor", "break-glass")]
HUMAN_ROLES = [f"{PREFIX}-{r}" for r in ("restore-operator", "auditor", "break-glass")]
MFA_RULE = "iam-role-trust-requires-mfa"
_PLANS: dict[str, harness.Plan] = {}


def dr_with(federation: str, exemptions: list[str] | None = None) -> harness.Plan:
    overrides: dict[str, Any] = {"failsafe:humanAccessFederation": federation}
    if exemptions is not None:
        overrides["failsafe:policyExemptions"] = exemptions
    key = json.dumps(overrides, sort_keys=True)
    if key not in _PLANS:
        _PLANS[key] = plan_stack("dr", overrides)
    return _PLANS[key]


def trust_of(plan: harness.Plan, role: str) -> Policy:
    found = collect.collect(plan).roles.get(role)
    assert found is not None and found.trust is not None, f"{plan.stack}: no role {role} with a trust policy"
    return found.trust


def assume(trust: Policy, principal: Principal, action: str = "sts:AssumeRole", **context: Any) -> Decision:
    role_arn = f"arn:aws:iam::{BACKUP}:role/{PREFIX}-restore-operator"
    allow_all = Policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, ""
    )
    request = Request(principal, action, role_arn, BACKUP, {"aws:SecureTransport": "true", **context})
    return evaluate_assume_role(request, trust, (allow_all,)).decision


def mfa_violations(plan: harness.Plan, exemptions: list[str] | None) -> list[dict[str, Any]]:
    """The MFA rule's findings on ``plan``, the pack configured for dr with ``exemptions`` as policyExemptions."""
    raw, cfg = stack_config("dr", {"failsafe:policyExemptions": exemptions or []})
    violations, _ = gate.analyze_plan(plan, policyconfig.generate(cfg), raw_config=raw)
    return [v for v in violations if v["policy"] == MFA_RULE]


# --- the Backup restore role ------------------------------------------------------------------------------------------


def test_the_backup_restore_role_is_trusted_by_backup_for_this_account_only() -> None:
    plan = cached_plan("dr")
    role = f"{PREFIX}-backup-restore"
    trust = trust_of(plan, role)
    backup = Principal("", "", service="backup.amazonaws.com")
    ok = assume(trust, backup, **{"aws:SourceAccount": BACKUP})
    assert ok is Decision.ALLOW, f"{role}: AWS Backup acting for {BACKUP} cannot assume it"
    deputy = assume(trust, backup, **{"aws:SourceAccount": config_of("dr").accounts.prod})
    assert deputy is not Decision.ALLOW, f"{role}: Backup acting for another account (confused deputy) may assume it"
    person = assume(
        trust, Principal(f"arn:aws:iam::{IDENTITY}:user/x", IDENTITY), **{"aws:MultiFactorAuthPresent": "true"}
    )
    assert person is not Decision.ALLOW, f"{role}: a person may assume the service's restore role"


def test_the_backup_restore_role_has_the_restore_managed_policies_and_is_exported() -> None:
    plan = cached_plan("dr")
    attached = {
        r.inputs["policyArn"]
        for r in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith("backup-backup-restore-")
    }
    expected = {f"arn:aws:iam::aws:policy/{p}" for p in RESTORE_MANAGED_POLICIES}
    assert attached == expected, f"restore role policies: {sorted(attached)}, expected {sorted(expected)}"
    assert plan.outputs["backupRestoreRoleArn"] == f"arn:aws:iam::{BACKUP}:role/{PREFIX}-backup-restore"


# --- federated people ------------------------------------------------------------------------------------------------


def test_without_federation_the_human_roles_trust_iam_users_with_mfa_only() -> None:
    for role in HUMAN_ROLES:
        statements = trust_of(cached_plan("dr"), role).document["Statement"]
        assert [s["Sid"] for s in statements] == ["HumansWithMfaOnly"], f"{role}: {statements}"


def test_saml_people_assume_the_human_roles_for_the_aws_sign_in_audience_only() -> None:
    plan = dr_with(SAML)
    provider = SAML.removeprefix("saml:")
    saml = Principal("", BACKUP, federated=provider)
    for role in HUMAN_ROLES:
        trust = trust_of(plan, role)
        signin = assume(trust, saml, "sts:AssumeRoleWithSAML", **{"SAML:aud": iam.SAML_SIGNIN})
        assert signin is Decision.ALLOW, f"{role}: SAML sign-in through {provider} is refused"
        other = assume(trust, saml, "sts:AssumeRoleWithSAML", **{"SAML:aud": "https://example.com/saml"})
        assert other is not Decision.ALLOW, f"{role}: a SAML assertion for another audience is accepted"
        elsewhere = Principal("", BACKUP, federated=f"arn:aws:iam::{BACKUP}:saml-provider/other")
        assert assume(trust, elsewhere, "sts:AssumeRoleWithSAML", **{"SAML:aud": iam.SAML_SIGNIN}) is not Decision.ALLOW


@pytest.mark.parametrize("federation", [SAML, "identity-center"])
def test_federation_keeps_refusing_iam_users_without_mfa(federation: str) -> None:
    plan = dr_with(federation, IC_EXEMPTIONS if federation == "identity-center" else None)
    user = Principal(f"arn:aws:iam::{IDENTITY}:user/someone", IDENTITY)
    for role in HUMAN_ROLES:
        trust = trust_of(plan, role)
        assert assume(trust, user) is not Decision.ALLOW, (
            f"{role} ({federation}): an access key without MFA is accepted"
        )
        with_mfa = assume(trust, user, **{"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "60"})
        assert with_mfa is Decision.ALLOW, f"{role} ({federation}): an IAM user with MFA is refused"


def test_identity_center_trusts_the_identity_accounts_sso_roles_and_no_other_role() -> None:
    plan = dr_with("identity-center", IC_EXEMPTIONS)
    sso = (
        f"arn:aws:iam::{IDENTITY}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Restore_0123456789abcdef"
    )
    lookalike = f"arn:aws:iam::{IDENTITY}:role/AWSReservedSSO_Restore_0123456789abcdef"  # not under aws-reserved/
    prod = config_of("dr").accounts.prod
    other_account = f"arn:aws:iam::{prod}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
    for role in HUMAN_ROLES:
        trust = trust_of(plan, role)
        assert assume(trust, Principal(sso, IDENTITY)) is Decision.ALLOW, f"{role}: Identity Center session refused"
        assert assume(trust, Principal(lookalike, IDENTITY)) is not Decision.ALLOW, (
            f"{role}: a look-alike role accepted"
        )
        assert assume(trust, Principal(other_account, prod)) is not Decision.ALLOW, f"{role}: prod's SSO role accepted"


def test_the_mfa_rule_accepts_saml_trust_without_any_exemption() -> None:
    """SAML federation uses sts:AssumeRoleWithSAML from a Federated principal: outside the rule (mfa.py)."""
    assert mfa_violations(dr_with(SAML), None) == []


def test_identity_center_passes_the_mfa_rule_only_through_the_reviewed_exemptions() -> None:
    plan = dr_with("identity-center", IC_EXEMPTIONS)
    assert mfa_violations(plan, IC_EXEMPTIONS) == [], "the reviewed exemptions did not reach the pack"
    flagged = {v["urn"].rsplit("::", 1)[-1] for v in mfa_violations(plan, None)}
    assert flagged == {e.split(":", 1)[1] for e in IC_EXEMPTIONS}, f"the unchanged rule should flag: {flagged}"


def test_identity_center_without_the_exemptions_is_refused_naming_them() -> None:
    with pytest.raises((ConfigError, PlanError)) as caught:
        plan_stack("dr", {"failsafe:humanAccessFederation": "identity-center"})
    message = str(caught.value)
    assert "humanAccessFederation" in message and all(e in message for e in IC_EXEMPTIONS), message


@pytest.mark.parametrize(
    "value",
    [
        "saml:arn:aws:iam::111111111111:saml-provider/corp",  # another account's provider
        "saml:corp",
        "okta",
    ],
)
def test_a_bad_federation_value_is_refused_in_config_terms(value: str) -> None:
    with pytest.raises((ConfigError, PlanError)) as caught:
        plan_stack("dr", {"failsafe:humanAccessFederation": value})
    message = str(caught.value)
    assert "humanAccessFederation" in message and value in message, message


def test_the_component_refuses_a_saml_provider_of_another_account() -> None:
    args = BackupAccountArgs(
        name_prefix="failsafe",
        backup_account_id="222222222222",
        prod_account_id="111111111111",
        identity_account_id="333333333333",
        replica_buckets={"assets": "example-assets-replica"},
        replication_role_arns={"assets": "arn:aws:iam::111111111111:role/failsafe-s3-replication-assets"},
        archive_bucket_name="example-state-archive",
        deploy_role_arns=("arn:aws:iam::222222222222:role/failsafe-deploy",),
        human_federation="saml:arn:aws:iam::333333333333:saml-provider/corp",
    )
    with pytest.raises(ComponentArgsError, match=r"BackupAccountArgs\.human_federation"):
        BackupAccount("backup", args)
