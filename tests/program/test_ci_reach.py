"""CI's entry role of each stack can assume the deploy role of every provider the stack builds (access-proofs issue,
finding 6: prod's entry role could assume only prod's deploy role, while prod's providers also assume roles in the
preview account and, with dnsAccountId, the DNS account, so CI previews and deploys of prod failed).

Judged with AWS's evaluation logic (failsafe.tooling.access.evaluator) on the identity side, which the stack owns;
the other side, each deploy role's trust of the entry role, is the bootstrap's (docs/ci.md)."""

from __future__ import annotations

import json

import pytest

from failsafe.tooling import harness
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate
from failsafe.tooling.cli import plan_stack

DNS_ACCOUNT = "555555555555"


def provider_roles(plan: harness.Plan) -> set[str]:
    return {
        role["roleArn"]
        for r in plan.resources
        if r.type == "pulumi:providers:aws"
        for role in (r.inputs.get("assumeRoles") or [])
        if isinstance(r.inputs.get("assumeRoles"), list)
    } | {
        role["roleArn"]
        for r in plan.resources
        if r.type == "pulumi:providers:aws" and isinstance(r.inputs.get("assumeRoles"), str)
        for role in json.loads(r.inputs["assumeRoles"])
    }


def bootstrap_trust(entry_arn: str) -> Policy:
    """The trust each bootstrap deploy role gives the stack's CI entry role (docs/ci.md, step 1)."""
    statement = {"Effect": "Allow", "Principal": {"AWS": entry_arn}, "Action": "sts:AssumeRole"}
    return Policy({"Version": "2012-10-17", "Statement": [statement]}, "bootstrap deploy role trust (docs/ci.md)")


def entry_policy(plan: harness.Plan, component: str) -> tuple[str, Policy]:
    (entry,) = [r for r in plan.by_type("aws:iam/role:Role") if r.name == f"{component}-entry"]
    (handover,) = [r for r in plan.by_type("aws:iam/rolePolicy:RolePolicy") if r.name == f"{component}-entry-handover"]
    return entry.outputs["arn"], Policy(json.loads(handover.inputs["policy"]), handover.urn)


@pytest.mark.parametrize(
    "overrides",
    [{}, {"failsafe:dnsAccountId": DNS_ACCOUNT}],
    ids=["prod", "prod-with-dns-account"],
)
def test_prods_ci_entry_role_can_assume_every_role_prods_providers_assume(overrides: dict[str, str]) -> None:
    plan = plan_stack("prod", overrides)
    roles = provider_roles(plan)
    assert len(roles) >= 2, f"prod's providers assume {roles}: the test would prove nothing"
    if overrides:
        assert any(f":{DNS_ACCOUNT}:" in arn for arn in roles), roles
    entry_arn, policy = entry_policy(plan, "ci")
    principal = Principal(arn=entry_arn, account=entry_arn.split(":")[4])
    for role in sorted(roles):
        request = Request(principal, "sts:AssumeRole", role, role.split(":")[4])
        result = evaluate(request, identity=[policy], resource=[bootstrap_trust(entry_arn)])
        assert result.decision is Decision.ALLOW, f"{entry_arn} cannot assume {role}: {result.reason}"


def test_the_dr_entry_role_reaches_drs_deploy_role_and_nothing_else() -> None:
    plan = plan_stack("dr")
    (role,) = provider_roles(plan)
    entry_arn, policy = entry_policy(plan, "ci")
    principal = Principal(arn=entry_arn, account=entry_arn.split(":")[4])
    trust = [bootstrap_trust(entry_arn)]
    allowed = evaluate(
        Request(principal, "sts:AssumeRole", role, role.split(":")[4]), identity=[policy], resource=trust
    )
    assert allowed.decision is Decision.ALLOW, allowed.reason
    prod_role = role.replace(role.split(":")[4], "111111111111")
    denied = evaluate(
        Request(principal, "sts:AssumeRole", prod_role, "111111111111"), identity=[policy], resource=trust
    )
    assert denied.decision is not Decision.ALLOW, "dr's CI entry role must not reach prod"
