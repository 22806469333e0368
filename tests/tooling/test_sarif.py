"""`check --json` as SARIF 2.1.0 for GitHub code scanning: every finding kept, placed where a person fixes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from failsafe.tooling import gate, sarif

ROOT = Path(__file__).resolve().parents[2]
CI_ROLE = "urn:pulumi:prod::failsafe::failsafe:index:CiAccess$aws:iam/role:Role::ci-entry"
STACK_URN = "urn:pulumi:prod::failsafe::pulumi:pulumi:Stack::failsafe-prod"
LOOSE = "urn:pulumi:prod::failsafe::pulumi:providers:aws::prod"


def violation(policy: str, urn: str, level: str = "mandatory", message: str = "broken") -> dict[str, str]:
    return {"policy": policy, "urn": urn, "message": message, "enforcementLevel": level}


def access_path(entry: str, status: str, decision: str = "deny") -> dict[str, Any]:
    return {
        "id": entry,
        "expect": "required",
        "status": status,
        "who": "dr deploy role",
        "action": "s3:PutBucketPolicy",
        "resource": "arn:aws:s3:::archive",
        "decision": decision,
        "reason": "explicit Deny in bucket policy",
        "context": {},
        "doc": "docs/access-proofs.md",
    }


def report(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "stack": "prod",
        "mandatory": 1,
        "violations": [
            violation("aws-iam-role-trust-is-narrow", CI_ROLE),
            violation("aws-stack-has-tags", STACK_URN, level="advisory", message="no tags"),
            violation("aws-provider-pins-account", LOOSE, level="disabled"),
        ],
        "remediation": {"aws-iam-role-trust-is-narrow": "Name exact subjects."},
        "access": {
            "proven": 1,
            "failing": 1,
            "unknown": 1,
            "paths": [
                access_path("dr-deploy-manages-locked-buckets", "failing"),
                access_path("replication-writes-replica", "proven", "allow"),
                access_path("replication-writes-replica", "unknown"),
            ],
        },
    }
    return {**base, **changes}


def run_of(document: dict[str, Any]) -> dict[str, Any]:
    assert document["version"] == "2.1.0" and document["$schema"].endswith("sarif-2.1.0.json")
    (run,) = document["runs"]
    return run


def line_of(path: str, text: str) -> int:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_every_violation_and_every_open_access_path_is_a_result_with_the_gates_level() -> None:
    run = run_of(sarif.to_sarif(report()))
    levels = [(r["ruleId"], r["level"]) for r in run["results"]]
    assert levels == [
        ("aws-iam-role-trust-is-narrow", "error"),
        ("aws-stack-has-tags", "warning"),
        ("aws-provider-pins-account", "note"),
        ("access/dr-deploy-manages-locked-buckets", "error"),
        ("access/replication-writes-replica", "warning"),
    ], "a proven access path is no finding; a mandatory violation and a failing path are errors"
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in run["results"]} <= rule_ids, "every result names a rule of the driver"
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "aws-iam-role-trust-is-narrow")
    assert rule["help"]["text"] == "Name exact subjects."


def test_a_violation_is_placed_at_the_component_that_creates_the_resource() -> None:
    (result, stack_level, provider, *_) = run_of(sarif.to_sarif(report()))["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {
        "uri": "components/failsafe_components/ci_access.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"]["startLine"] == line_of("components/failsafe_components/ci_access.py", "class CiAccess(")
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == CI_ROLE
    assert "ci-entry" in result["message"]["text"] and CI_ROLE in result["message"]["text"]
    for outside in (stack_level, provider):
        assert outside["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "__main__.py"


def test_an_access_path_is_placed_at_its_catalogue_entry() -> None:
    results = run_of(sarif.to_sarif(report()))["results"]
    physical = results[3]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "failsafe/tooling/access/catalogue.py"
    expected = line_of("failsafe/tooling/access/catalogue.py", '"dr-deploy-manages-locked-buckets"')
    assert physical["region"]["startLine"] == expected
    assert "cannot s3:PutBucketPolicy" in results[3]["message"]["text"]
    assert "may or may not" in results[4]["message"]["text"]


def test_fingerprints_follow_a_finding_across_runs_and_tell_findings_apart() -> None:
    first = run_of(sarif.to_sarif(report()))["results"]
    again = run_of(sarif.to_sarif(report()))["results"]
    prints = [r["partialFingerprints"]["failsafeFinding/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["failsafeFinding/v1"] for r in again]
    assert len(set(prints)) == len(prints)
    other_stack = run_of(sarif.to_sarif(report(stack="dr")))["results"]
    assert other_stack[0]["partialFingerprints"] != first[0]["partialFingerprints"]


def test_a_clean_report_is_a_run_without_results_and_names_its_stack() -> None:
    run = run_of(sarif.to_sarif({"stack": "dr", "mandatory": 0, "violations": [], "access": {"paths": []}}))
    assert run["results"] == [] and run["automationDetails"]["id"] == "failsafe-check/dr/"
    assert run["tool"]["driver"]["name"] == "failsafe-check"


def test_a_report_without_an_access_key_converts() -> None:
    document = report()
    del document["access"]
    assert len(run_of(sarif.to_sarif(document))["results"]) == 3


def test_the_cli_converts_a_report_file_and_records_an_unreadable_one(tmp_path: Path) -> None:
    source, out = tmp_path / "check.json", tmp_path / "check.sarif"
    source.write_text(json.dumps(report()))
    assert sarif.main([str(source), "--out", str(out)]) == 0
    assert len(run_of(json.loads(out.read_text()))["results"]) == 5
    source.write_text("prod: cannot plan: boom\n")
    assert sarif.main([str(source), "--out", str(out), "--stack", "prod"]) == 0
    run = run_of(json.loads(out.read_text()))
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is False


@pytest.mark.parametrize("json_output", [True, False], ids=["json", "human"])
def test_check_with_sarif_runs_the_gate_once_writes_the_file_and_keeps_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], json_output: bool
) -> None:
    calls: list[tuple[str, bool]] = []

    def fake_check(stack: str, json_output: bool) -> int:
        calls.append((stack, json_output))
        print(json.dumps(report(stack=stack)))
        return 1

    monkeypatch.setattr(gate, "check", fake_check)
    out = tmp_path / "prod.sarif"
    assert gate.check_with_sarif("prod", json_output=json_output, path=out) == 1
    assert calls == [("prod", True)]
    assert len(run_of(json.loads(out.read_text()))["results"]) == 5
    printed = capsys.readouterr().out
    if json_output:
        assert json.loads(printed)["stack"] == "prod"
    else:
        assert "[error] aws-iam-role-trust-is-narrow" in printed and "1 mandatory" in printed


def test_check_sarif_flag_of_the_cli_writes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from failsafe.tooling import cli

    cli.parser().parse_args(["check", "dr", "--sarif", str(tmp_path / "probe.sarif")])  # the flag exists
    capsys.readouterr()
    monkeypatch.setattr(gate, "check", lambda stack, json_output: print(json.dumps(report(stack=stack))) or 1)
    out = tmp_path / "dr.sarif"
    assert cli.main(["check", "dr", "--sarif", str(out)]) == 1
    assert run_of(json.loads(out.read_text()))["automationDetails"]["id"] == "failsafe-check/dr/"
    assert "[error]" in capsys.readouterr().out


def test_a_finding_in_the_source_is_placed_at_its_file_and_line() -> None:
    literal = {**violation("no-account-id-literals-in-source", ""), "location": "components/x.py:7"}
    (result,) = run_of(sarif.to_sarif(report(violations=[literal])))["results"][:1]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "components/x.py" and physical["region"]["startLine"] == 7
    other = {**literal, "location": "components/x.py:8"}
    (moved,) = run_of(sarif.to_sarif(report(violations=[other])))["results"][:1]
    assert moved["partialFingerprints"] != result["partialFingerprints"]
