"""Every GitHub workflow passes the workflow schema and zizmor's audit; the preview lifecycle's rules hold."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
    (ROOT / ".github" / "workflows").glob("*.yaml")
)
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (pip install -r requirements-dev.txt)")
    return found


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document:  # YAML 1.1 reads the key `on` as a boolean
        document["on"] = document.pop(True)
    return document


def steps(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job, step) for job, spec in document["jobs"].items() for step in spec.get("steps", [])]


def test_there_are_workflows_to_check() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"preview.yml", "preview-reaper.yml"} <= names, f"workflows found: {sorted(names)}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(path: Path) -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{path.name}: schema errors:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_has_no_zizmor_findings_even_for_the_auditor_persona(path: Path) -> None:
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--persona=auditor", "--no-progress", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{path.name}: zizmor findings:\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_accepted_zizmor_finding_says_why(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "zizmor: ignore" in line:
            assert re.search(r"# zizmor: ignore\[[\w-]+(,[\w-]+)*\] \S.{20,}", line), (
                f"{path.name}:{number}: an ignored finding needs a reason after the rule: {line.strip()}"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_to_a_commit_and_no_static_aws_keys(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for job, step in steps(load(path)):
        uses = step.get("uses")
        if uses and not uses.startswith(("./", "docker://")):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{path.name} job {job}: {uses} not pinned"
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text, f"{path.name}: static AWS keys"


@pytest.fixture(scope="module")
def preview() -> dict[str, Any]:
    return load(ROOT / ".github" / "workflows" / "preview.yml")


def test_preview_runs_on_pr_lifecycle_events_but_not_on_edits(preview: dict[str, Any]) -> None:
    assert set(preview["on"]) == {"pull_request"}, "pull_request only (never pull_request_target)"
    assert preview["on"]["pull_request"]["types"] == ["opened", "reopened", "synchronize", "closed"]


def test_preview_has_one_concurrency_group_per_pr_that_never_cancels_halfway(preview: dict[str, Any]) -> None:
    assert preview["concurrency"]["group"] == "preview-pr-${{ github.event.pull_request.number }}"
    assert preview["concurrency"]["cancel-in-progress"] is False


def test_only_same_repository_prs_get_credentials(preview: dict[str, Any]) -> None:
    assert preview["permissions"] == {}, "workflow-level permissions must be empty; jobs ask for what they need"
    fork_guard = "github.event.pull_request.head.repo.full_name == github.repository"
    for name, job in preview["jobs"].items():
        has_token = job.get("permissions", {}).get("id-token") == "write"
        uses_secrets = "secrets." in yaml.safe_dump(job)
        if has_token or uses_secrets:
            assert fork_guard in job.get("if", ""), f"job {name} gets credentials without the fork guard"
    check = preview["jobs"]["check"]
    assert "id-token" not in check["permissions"] and "secrets." not in yaml.safe_dump(check)
    assert any('python -m failsafe check "$STACK"' in s.get("run", "") for s in check["steps"])


def test_deploy_assumes_the_role_through_oidc_and_applies_the_policy_pack(preview: dict[str, Any]) -> None:
    deploy = preview["jobs"]["deploy"]
    assert deploy["needs"] == "check", "deploy only after the credential-free check passed"
    aws = [s for s in deploy["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert len(aws) == 1 and "role-to-assume" in aws[0]["with"], "deploy must assume a role via OIDC"
    script = "\n".join(s.get("run", "") for s in deploy["steps"])
    assert 'python -m failsafe policy-config "$STACK" --out policy-config.json' in script
    assert "--policy-pack policies --policy-pack-config policy-config.json" in script
    assert "pulumi stack select --create" in script


def test_deploy_keeps_a_single_comment_found_by_its_marker(preview: dict[str, Any]) -> None:
    script = "\n".join(s.get("run", "") for s in preview["jobs"]["deploy"]["steps"])
    assert "startswith(env.COMMENT_MARKER)" in script and "--method PATCH" in script and "--method POST" in script
    assert '.user.login == \\"github-actions[bot]\\"' in script, "only the workflow's own comment may be updated"
    assert preview["env"]["COMMENT_MARKER"].startswith("<!--"), "the marker must be invisible in the comment"


def test_destroy_on_close_succeeds_when_the_stack_never_existed(preview: dict[str, Any]) -> None:
    destroy = preview["jobs"]["destroy"]
    assert "github.event.action == 'closed'" in destroy["if"]
    script = "\n".join(s.get("run", "") for s in destroy["steps"])
    assert re.search(r"if ! pulumi stack select \"\$STACK\".*\n.*\n\s*exit 0", script), script
    assert 'pulumi destroy --stack "$STACK" --yes' in script and 'pulumi stack rm "$STACK" --yes' in script
    checkout = destroy["steps"][0]
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.base.sha }}", "destroy runs trusted base code"


def test_untrusted_pr_fields_never_appear_inside_run_scripts() -> None:
    for path in WORKFLOWS:
        for job, step in steps(load(path)):
            run = step.get("run", "")
            assert not re.search(r"\$\{\{\s*github\.(head_ref|event\.pull_request\.(title|body|head\.ref))", run), (
                f"{path.name} job {job}: untrusted input interpolated into a script (pass it through env)"
            )


def test_reaper_runs_on_a_schedule_in_the_environment_the_preview_role_trusts() -> None:
    reaper = load(ROOT / ".github" / "workflows" / "preview-reaper.yml")
    assert "schedule" in reaper["on"]
    job = reaper["jobs"]["reap"]
    assert job["environment"] == "preview-reaper"
    from failsafe_components.ci_access import REAPER_ENVIRONMENT

    assert job["environment"] == REAPER_ENVIRONMENT, "the reaper's environment must be the one the role trusts"
    assert any("python -m failsafe.ops.reaper" in s.get("run", "") for s in job["steps"])


FAKE_GH = """#!/usr/bin/env bash
all="$*"; printf '%s\\n' "${all//$'\\n'/ }" >> "$GH_LOG"
if [ "$1" = api ] && [ "$2" = --paginate ]; then jq -r "$5" "$COMMENTS"; fi
"""


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        (
            [{"id": 7, "user": {"login": "github-actions[bot]"}, "body": "<!-- failsafe-preview -->\nold"}],
            "api --method PATCH repos/o/r/issues/comments/7",
        ),
        (
            [{"id": 8, "user": {"login": "mallory"}, "body": "<!-- failsafe-preview -->\nspoof"}],
            "api --method POST repos/o/r/issues/42/comments",
        ),
        ([], "api --method POST repos/o/r/issues/42/comments"),
    ],
    ids=["updates-own-comment", "ignores-others-marker", "creates-first"],
)
def test_comment_step_updates_its_own_comment_or_creates_one(
    preview: dict[str, Any], tmp_path: Path, comments: list[dict[str, Any]], expected: str
) -> None:
    if not shutil.which("jq"):
        pytest.skip("jq not installed (GitHub runners have it)")
    import json

    (step,) = [s for s in preview["jobs"]["deploy"]["steps"] if s.get("name") == "keep one PR comment up to date"]
    gh = tmp_path / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    (tmp_path / "comments.json").write_text(json.dumps(comments))
    (tmp_path / "outputs.json").write_text(json.dumps({"url": "https://x.lambda-url.eu-west-1.on.aws/"}))
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "GH_LOG": str(tmp_path / "log"),
        "COMMENTS": str(tmp_path / "comments.json"),
        "COMMENT_MARKER": preview["env"]["COMMENT_MARKER"],
        "REPO": "o/r",
        "PR_NUMBER": "42",
        "HEAD_SHA": "0123abc",
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "log").read_text().splitlines()
    assert len(calls) == 2 and calls[1].startswith(expected), f"gh calls: {calls}"
    assert "https://x.lambda-url.eu-west-1.on.aws/" in calls[1] and "<!-- failsafe-preview -->" in calls[1]


FAKE_PULUMI = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$CALLS"
if [ "$1 $2" = "stack select" ] && [ "$STACK_EXISTS" != yes ]; then echo "no stack named $3" >&2; exit 255; fi
"""


@pytest.mark.parametrize("exists", [True, False], ids=["existing-stack", "never-deployed"])
def test_destroy_step_destroys_and_removes_or_succeeds_when_there_is_nothing(
    preview: dict[str, Any], tmp_path: Path, exists: bool
) -> None:
    (step,) = [s for s in preview["jobs"]["destroy"]["steps"] if s.get("name", "").startswith("pulumi destroy")]
    for fake in ("pulumi", "python"):
        path = tmp_path / fake
        path.write_text(FAKE_PULUMI)
        path.chmod(0o755)
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "CALLS": str(tmp_path / "calls"),
        "PR_NUMBER": "42",
        "STACK": "pr-42",
        "STACK_EXISTS": "yes" if exists else "no",
    }
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"destroy step failed: {result.stdout}{result.stderr}"
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == "-m failsafe preview-config 42", calls
    destroyed = [c for c in calls if c.startswith(("destroy", "stack rm"))]
    if exists:
        assert destroyed == [
            "destroy --stack pr-42 --yes --non-interactive --skip-preview",
            "stack rm pr-42 --yes --non-interactive",
        ], calls
    else:
        assert destroyed == [] and "nothing to destroy" in result.stdout, calls
