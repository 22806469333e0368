"""The pack's quota policies on a plan made too big: tests/policies/oversized is a program with one resource per AWS
quota one unit over the limit (``<kind>-over``) and a twin exactly at it (``<kind>-at``), planned under the mock
runtime and analysed by the real pack over the analyzer protocol (as `check` runs it). failsafe's own config cannot
reach these limits, which is why the program is not failsafe's. Each limit's source: failsafe_guardrails.limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from failsafe.settings.exemptions import POLICY_LEVELS
from failsafe.tooling import analyzer, harness
from failsafe.tooling.gate import analyze_plan
from tests.support import pack  # noqa: F401  (puts the pack on sys.path)

# isort: split
from failsafe_guardrails import limits

PROGRAM = Path(__file__).resolve().parent / "oversized"

# (policy, resource of the over/at pair, the limit it measures, the value the "over" resource measures)
CASES = [
    ("quota-s3-bucket-policy-size", "bucket-policy", limits.S3_BUCKET_POLICY, 20_001),
    ("quota-kms-key-policy-size", "key-policy", limits.KMS_KEY_POLICY, 32_769),
    ("quota-iam-trust-policy-size", "trust-policy", limits.IAM_TRUST_POLICY, 2_049),
    ("quota-iam-managed-policy-size", "managed-policy", limits.IAM_MANAGED_POLICY, 6_145),
    ("quota-iam-role-inline-policies-size", "inline-policies", limits.IAM_ROLE_INLINE, 10_241),
    ("quota-organizations-policy-size", "scp", limits.SCP, 10_241),
    ("quota-organizations-policy-size", "rcp", limits.RCP, 5_121),
    ("quota-organizations-policy-size", "backup-policy", limits.BACKUP_POLICY, 10_001),
    ("quota-organizations-policies-per-target", "ou-ex12-{}target", limits.SCPS_PER_TARGET, 11),
    ("quota-organizations-policies-per-target", "ou-ex12-{}target", limits.RCPS_PER_TARGET, 6),
    ("quota-organizations-policies-per-target", "ou-ex12-{}target", limits.BACKUP_POLICIES_PER_TARGET, 11),
    ("quota-event-bus-policy-size", "bus-policy", limits.EVENT_BUS_POLICY, 10_241),
    ("quota-s3-replication-rules", "replication-rules", limits.REPLICATION_RULES, 1_001),
    ("quota-backup-plan-assignments", "backup-plan", limits.BACKUP_ASSIGNMENTS_PER_PLAN, 101),
    ("quota-backup-plan-assignments", "selection-arns", limits.BACKUP_SELECTION_ARNS, 501),
    ("quota-backup-plan-assignments", "selection-wildcards", limits.BACKUP_SELECTION_WILDCARD_ARNS, 31),
]


@pytest.fixture(scope="module")
def violations() -> list[dict[str, Any]]:
    project = yaml.safe_load((PROGRAM / "Pulumi.yaml").read_text(encoding="utf-8"))
    raw = {f"{project['name']}:{key}": str(spec["default"]) for key, spec in project["config"].items()}
    plan = harness.run_program("dev", raw, program=PROGRAM / "__main__.py", project=project["name"])
    assert plan.error is None, plan.error
    config = {
        name: {"enforcementLevel": "mandatory" if name.startswith("quota-") else "disabled", "exemptions": []}
        for name in POLICY_LEVELS
    }
    client = analyzer.Analyzer(plan.project, plan.stack)
    try:
        found, _ = analyze_plan(plan, config, client=client)
    finally:
        client.close()
    return found


def _about(violations: list[dict[str, Any]], policy: str, name: str, limit: limits.Limit) -> list[str]:
    return [
        v["message"] for v in violations if v["policy"] == policy and v["message"].startswith(f"{name}: {limit.what}:")
    ]


@pytest.mark.parametrize(("policy", "name", "limit", "measured"), CASES, ids=[f"{c[1]}-{c[2].limit}" for c in CASES])
def test_a_plan_one_unit_over_the_quota_fails_the_mandatory_policy_and_one_at_it_passes(
    violations: list[dict[str, Any]], policy: str, name: str, limit: limits.Limit, measured: int
) -> None:
    over = name.format("over") if "{}" in name else f"{name}-over"
    at = name.format("at") if "{}" in name else f"{name}-at"
    found = _about(violations, policy, over, limit)
    assert len(found) == 1, (policy, over, [v["message"] for v in violations if v["policy"] == policy])
    assert f"{measured:,} {limit.unit}" in found[0] and f"at most {limit.limit:,}" in found[0], found[0]
    assert limit.source in found[0], found[0]
    assert not _about(violations, policy, at, limit), f"{at} is exactly at the limit, which AWS accepts"
    assert all(v["enforcementLevel"] == "mandatory" for v in violations if v["policy"] == policy)


def test_the_quota_policies_are_mandatory_on_every_stack_role() -> None:
    quotas = {name: levels for name, levels in POLICY_LEVELS.items() if name.startswith("quota-")}
    assert len(quotas) == 10 and all(set(levels.values()) == {"mandatory"} for levels in quotas.values()), quotas


def test_the_program_states_the_limits_the_pack_holds() -> None:
    """The oversized program writes its limits out (it imports no failsafe code); they must be the pack's."""
    text = (PROGRAM / "__main__.py").read_text(encoding="utf-8")
    for figure in (limits.S3_BUCKET_POLICY, limits.KMS_KEY_POLICY, limits.IAM_TRUST_POLICY, limits.SCP, limits.RCP):
        assert f"{figure.limit:_}" in text, figure.what
