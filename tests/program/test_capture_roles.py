"""The configuration capture (capture.yml) can do its job and nothing more, judged with AWS's evaluation logic on the
plans: dr's capture role reaches prod only through prod's read-only role (both sides: its own policy in dr, the
role's trust in prod), adds captures under capture/ and cannot touch the state exports beside them."""

from __future__ import annotations

import json

from failsafe.tooling import harness
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate, evaluate_assume_role
from tests.support.plans import cached_plan, config_of

CFG = config_of("dr")


def role(plan: harness.Plan, name: str, account: str) -> harness.PlannedResource:
    (found,) = [
        r
        for r in plan.by_type("aws:iam/role:Role")
        if r.inputs.get("name") == name and f":{account}:" in r.outputs["arn"]
    ]
    return found


def inline(plan: harness.Plan, resource_name: str) -> Policy:
    (found,) = [r for r in plan.by_type("aws:iam/rolePolicy:RolePolicy") if r.name == resource_name]
    return Policy(json.loads(found.inputs["policy"]), found.urn)


CAPTURE = role(cached_plan("dr"), f"{CFG.name_prefix}-ci-capture", CFG.accounts.backup)
CAPTURER = Principal(arn=CAPTURE.outputs["arn"], account=CFG.accounts.backup)
SCOPE = inline(cached_plan("dr"), "ci-capture-scope")
ARCHIVE = f"arn:aws:s3:::{CFG.archive_bucket_name}"


def test_the_capture_role_reaches_prod_only_through_its_read_only_role() -> None:
    reader = role(cached_plan("prod"), f"{CFG.name_prefix}-ci-read", CFG.accounts.prod)
    trust = Policy(json.loads(reader.inputs["assumeRolePolicy"]), reader.urn)
    request = Request(CAPTURER, "sts:AssumeRole", reader.outputs["arn"], CFG.accounts.prod)
    result = evaluate_assume_role(request, trust, identity=[SCOPE])
    assert result.decision is Decision.ALLOW, result.reason
    deploy = CFG.role_arn(CFG.accounts.prod, CFG.deploy_role_name)
    denied = evaluate(Request(CAPTURER, "sts:AssumeRole", deploy, CFG.accounts.prod), identity=[SCOPE])
    assert denied.decision is not Decision.ALLOW, "the capture must never hold prod's deploy role"


def test_the_capture_role_adds_captures_but_cannot_overwrite_state_exports() -> None:
    def may(action: str, key: str) -> Decision:
        return evaluate(Request(CAPTURER, action, f"{ARCHIVE}/{key}", CFG.accounts.backup), identity=[SCOPE]).decision

    assert may("s3:PutObject", "capture/111111111111/s3/2026-11-30T00:00:00Z/inventory.json") is Decision.ALLOW
    assert may("s3:GetObject", "prod/2026-11-30T00:00:00Z.json") is Decision.ALLOW  # reads exports to match
    assert may("s3:PutObject", "prod/2026-11-30T00:00:00Z.json") is not Decision.ALLOW
    assert may("s3:DeleteObject", "capture/x") is not Decision.ALLOW


def test_the_capture_role_is_trusted_only_from_its_own_github_environment() -> None:
    trust = json.loads(CAPTURE.inputs["assumeRolePolicy"])["Statement"][0]
    subjects = trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert subjects == [f"repo:{CFG.ci.github_repository}:environment:capture"], subjects
