"""Every real stack (prod, dr, a pr-<n>) through the policy gate from its plan: zero mandatory violations; and a
violation seeded into each of those plans is caught. One pack process for the whole module."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator

import pytest
from pulumi.runtime import rpc

from failsafe.tooling import analyzer, gate, harness, planning, policyconfig
from failsafe.tooling.cli import stack_config
from tests.support.plans import REAL_STACKS, cached_plan, fleet_accounts, seeded


@pytest.fixture(scope="module")
def pack() -> Iterator[analyzer.Analyzer]:
    with analyzer.Analyzer("failsafe", "prod") as client:
        yield client


def violations(pack: analyzer.Analyzer, stack: str, plan: harness.Plan) -> list[dict]:
    _, cfg = stack_config(stack)
    found, _ = gate.analyze_plan(plan, policyconfig.generate(cfg), client=pack)
    return found


@pytest.mark.parametrize("stack", REAL_STACKS)
def test_real_stack_has_no_mandatory_violation(pack: analyzer.Analyzer, plan_for: Callable, stack: str) -> None:
    mandatory = [v for v in violations(pack, stack, plan_for(stack)) if v["enforcementLevel"] == "mandatory"]
    assert mandatory == [], f"{stack}: " + "\n".join(f"{v['urn']}: {v['policy']}: {v['message']}" for v in mandatory)


@pytest.mark.parametrize("stack", REAL_STACKS)
def test_first_preview_of_each_stack_runs_unknowns_through_the_program_and_the_pack(
    pack: analyzer.Analyzer, stack: str
) -> None:
    """``pulumi preview`` before anything exists: ARNs and IDs of new resources are unknown. The program must plan,
    and the pack must neither crash nor block on them (unknowns are reported as advisory at most)."""
    plan = cached_plan(stack, preview=True)
    assert plan.error is None, plan.error
    unknown = [r.name for r in plan.resources if rpc.UNKNOWN in json.dumps(r.inputs)]
    assert unknown, f"{stack}: no input was unknown, so this preview proved nothing"
    mandatory = [v for v in violations(pack, stack, plan) if v["enforcementLevel"] == "mandatory"]
    assert mandatory == [], f"{stack}: " + "\n".join(f"{v['urn']}: {v['policy']}: {v['message']}" for v in mandatory)


resource = seeded  # a resource recorded as the harness would, for seeding violations


def seed_role(plan: harness.Plan) -> None:
    _, cfg = stack_config(plan.stack)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{cfg.accounts.prod}:root"},
            }
        ],
    }
    plan.resources.append(resource(plan, "aws:iam/role:Role", "seeded-admin", {"assumeRolePolicy": json.dumps(trust)}))


def seed_bucket(plan: harness.Plan) -> None:
    bucket = resource(plan, "aws:s3/bucketV2:BucketV2", "seeded-bucket", {"bucket": "seeded-bucket"})
    plan.resources.append(bucket)
    plan.resources.append(
        resource(
            plan,
            "aws:s3/bucketVersioning:BucketVersioning",
            "seeded-versioning",
            {"bucket": "seeded-bucket", "versioningConfiguration": {"status": "Suspended"}},
            deps={"bucket": [bucket.urn]},
        )
    )


def seed_account(plan: harness.Plan) -> None:
    target = next(r for r in plan.resources if r.custom and not r.type.startswith("pulumi:"))
    target.inputs["seededArn"] = "arn:aws:iam::999999999999:root"


SEEDS = {
    "iam-role-trust-requires-mfa": seed_role,
    "s3-bucket-versioning-enabled": seed_bucket,
    "no-hardcoded-account-ids": seed_account,
}


@pytest.mark.parametrize("stack", REAL_STACKS)
@pytest.mark.parametrize("policy", list(SEEDS))
def test_seeded_violation_is_caught(pack: analyzer.Analyzer, plan_for: Callable, stack: str, policy: str) -> None:
    plan = copy.deepcopy(plan_for(stack))
    SEEDS[policy](plan)
    found = [v for v in violations(pack, stack, plan) if v["policy"] == policy and v["enforcementLevel"] == "mandatory"]
    text = " ".join(v["urn"] + " " + v["message"] for v in found)
    assert "seeded" in text or "999999999999" in text, f"{stack}: seeded {policy} violation not reported: {found}"


@pytest.mark.parametrize("stack", REAL_STACKS)
def test_generated_config_lists_the_stacks_own_accounts(stack: str) -> None:
    _, cfg = stack_config(stack)
    config = policyconfig.generate(cfg)
    # the estate's accounts and those its file names for the fleet (members, management account): known, not literals
    expected = set(cfg.accounts.all()) | fleet_accounts(stack)
    assert config["no-hardcoded-account-ids"]["allowedAccountIds"] == sorted(expected)
    assert config["iam-role-trust-requires-mfa"]["enforcementLevel"] == "mandatory"
    assert config["stateful-resources-protected"]["stackRole"] == cfg.role.value


@pytest.mark.parametrize(("level", "code"), [("mandatory", 1), ("advisory", 0)])
def test_gate_exit_code_and_output_grouped_by_resource(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], level: str, code: int
) -> None:
    urn = "urn:pulumi:prod::failsafe::aws:s3/bucketV2:BucketV2::data"
    found = [
        {
            "policy": "s3-bucket-versioning-enabled",
            "urn": urn,
            "message": "Bucket data: versioning is not Enabled.",
            "enforcementLevel": level,
        }
    ]
    monkeypatch.setattr(gate, "run", lambda stack: (found, {"s3-bucket-versioning-enabled": "Add BucketVersioning."}))
    monkeypatch.setattr(planning, "plan_stack", lambda stack, overrides=None: cached_plan(stack))  # the access proofs
    assert gate.check("prod", json_output=False) == code
    out = capsys.readouterr().out
    assert out.startswith("data\n") and f"[{level}] s3-bucket-versioning-enabled" in out
    assert "remediation: Add BucketVersioning." in out
    assert gate.check("prod", json_output=True) == code
    report = json.loads(capsys.readouterr().out)
    assert report["mandatory"] == (1 if code else 0) and report["violations"] == found


def test_gate_on_the_real_dr_stack_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """(How long it takes is bench/check_bench.py's business, not a test's.)"""
    assert gate.check("dr", json_output=True) == 0, capsys.readouterr().out
