"""Issue 25 item 4 and its "done when": with an organization configured, `check` fails when the backup account has no
RCP or SCP perimeter in the org plan, and the proofs show what the RCP alone stops. The org plan is broken in place
(one policy removed) so each test can fail: the real plan passes."""

from __future__ import annotations

import copy
import json

import pytest

from failsafe.tooling import gate, harness, planning
from failsafe.tooling.access import perimeter, proofs
from tests.support.plans import cached_plan, config_of

POLICY = "aws:organizations/policy:Policy"
ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"


def without(kind: str) -> harness.Plan:
    """The org plan without its policies of ``kind`` (and their attachments)."""
    plan = copy.deepcopy(cached_plan("org"))
    gone = {r.urn for r in plan.resources if r.type == POLICY and r.inputs.get("type") == kind}
    assert gone, f"the org plan has a {kind}"
    plan.resources = [
        r
        for r in plan.resources
        if r.urn not in gone and not (r.type == ATTACHMENT and set(r.property_dependencies.get("policyId", [])) & gone)
    ]
    return plan


def test_the_example_org_plan_gives_the_backup_account_its_perimeter() -> None:
    assert perimeter.perimeter_problems(config_of("dr"), cached_plan("org"), "org") == []


def test_an_organization_without_an_org_stack_has_no_perimeter_and_says_so_on_one_line() -> None:
    (problem,) = perimeter.perimeter_problems(config_of("dr"), None, None)
    assert "no org stack" in problem and "orgManagementAccountId" in problem and "\n" not in problem


def test_without_the_rcp_the_backup_accounts_s3_kms_and_sts_are_open_to_outsiders_a_policy_admits() -> None:
    problems = perimeter.perimeter_problems(config_of("dr"), without("RESOURCE_CONTROL_POLICY"), "org")
    assert [p.split("account's ")[1].split(" ")[0] for p in problems] == ["S3", "KMS", "STS"], problems
    assert all("no RCP in the org plan (org)" in p for p in problems)


def test_without_the_guard_scp_the_backup_accounts_admins_may_retire_its_keys() -> None:
    (problem,) = perimeter.perimeter_problems(config_of("dr"), without("SERVICE_CONTROL_POLICY"), "org")
    assert "no SCP" in problem and "kms:ScheduleKeyDeletion" in problem and "python -m failsafe scp" in problem


def test_an_rcp_attached_elsewhere_than_the_backup_account_is_no_perimeter() -> None:
    plan = copy.deepcopy(cached_plan("org"))
    rcps = {r.urn for r in plan.resources if r.type == POLICY and r.inputs.get("type") == "RESOURCE_CONTROL_POLICY"}
    for r in plan.resources:
        if r.type == ATTACHMENT and set(r.property_dependencies.get("policyId", [])) & rcps:
            r.inputs["targetId"] = "ou-ex12-elsewhere1"
    assert perimeter.perimeter_problems(config_of("dr"), plan, "org"), "an RCP on another target caps nothing here"


def test_check_dr_fails_with_a_mandatory_perimeter_violation_when_the_org_plan_lacks_the_rcp(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = without("RESOURCE_CONTROL_POLICY")
    monkeypatch.setattr(
        planning, "plan_stack", lambda stack, overrides=None: broken if stack == "org" else cached_plan(stack)
    )
    assert gate.check("dr", json_output=True) == 1
    report = json.loads(capsys.readouterr().out)
    found = [v for v in report["violations"] if v["policy"] == gate.PERIMETER]
    assert len(found) == 3 and all(v["enforcementLevel"] == "mandatory" for v in found), found


def _planted(org: harness.Plan) -> list[proofs.Outcome]:
    outcomes = proofs.prove(config_of("dr"), {"dr": cached_plan("dr"), "org": org})
    return [o for o in outcomes if o.entry.id == "outsider-cannot-read-through-a-planted-open-bucket-policy"]


def test_the_planted_open_bucket_policy_is_stopped_by_the_rcp_alone() -> None:
    """The proof plants a bucket policy allowing everyone everything on every replica bucket: with the SCP removed
    the RCP still stops the outsider; with the RCP removed the outsider gets in (so it is the RCP that stops it)."""
    no_scp = _planted(without("SERVICE_CONTROL_POLICY"))
    assert no_scp and all(o.status == proofs.PROVEN and o.decision == "deny" for o in no_scp), [
        o.sentence() for o in no_scp
    ]
    no_rcp = _planted(without("RESOURCE_CONTROL_POLICY"))
    assert no_rcp and all(o.status == proofs.FAILING and o.decision == "allow" for o in no_rcp)


def test_the_perimeter_keeps_this_repositorys_github_workflow_in_and_another_repositorys_out() -> None:
    outcomes = proofs.prove(config_of("dr"), {"dr": cached_plan("dr"), "org": cached_plan("org")})
    by_id = {o.entry.id: o for o in outcomes if o.entry.id.startswith(("github-workflow-", "other-repository-"))}
    assert by_id["github-workflow-reaches-dr-ci-entry-role"].decision == "allow"
    assert by_id["other-repository-workflow-cannot-reach-dr-ci-entry-role"].decision != "allow"
    assert all(o.status == proofs.PROVEN for o in by_id.values())
