"""Every GitHub workflow passes the workflow schema and zizmor's audit; the preview lifecycle's rules hold."""

from __future__ import annotations

import os
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


def secret_values_used(job: dict[str, Any]) -> set[str]:
    """Secrets whose value a job receives (``secrets.X != ''`` only tells whether one is set: not a use)."""
    text = yaml.safe_dump(job, width=10_000)
    return set(re.findall(r"secrets\.(\w+)\b(?!\s*!=\s*'')", text))


@pytest.mark.parametrize("name", ["preview.yml", "pr-checks.yml"])
def test_only_same_repository_prs_get_credentials(name: str) -> None:
    workflow = load(ROOT / ".github" / "workflows" / name)
    assert workflow["permissions"] == {}, "workflow-level permissions must be empty; jobs ask for what they need"
    fork_guard = "github.event.pull_request.head.repo.full_name == github.repository"
    for job_name, job in workflow["jobs"].items():
        has_token = job.get("permissions", {}).get("id-token") == "write"
        if has_token or secret_values_used(job):
            assert fork_guard in job.get("if", ""), f"{name} job {job_name} gets credentials without the fork guard"
            assert "needs.credentials.outputs." in job["if"], f"{name} job {job_name}: not skipped without secrets"


def test_the_preview_check_runs_without_credentials(preview: dict[str, Any]) -> None:
    check = preview["jobs"]["check"]
    assert "id-token" not in check["permissions"] and "secrets." not in yaml.safe_dump(check)
    assert any('python -m failsafe check "$STACK"' in s.get("run", "") for s in check["steps"])


def test_deploy_assumes_the_role_through_oidc_and_applies_the_policy_pack(preview: dict[str, Any]) -> None:
    deploy = preview["jobs"]["deploy"]
    assert "check" in deploy["needs"], "deploy only after the credential-free check passed"
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
        # .ci/run installs jq, so CI never skips this; a developer machine without jq is told why
        if os.environ.get("CI"):
            pytest.fail("jq is missing in CI: .ci/run installs it (the comment step runs jq on GitHub's runners)")
        pytest.skip("jq not installed (GitHub runners have it; .ci/run installs it)")
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


# --- issue 14: no job a pull request can trigger holds dr's or prod's powers ---------------------------------------

# Events through which a pull request (its author or its code) can start a job.
PR_EVENTS = {
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "workflow_run",
}
GUARDED_ENVIRONMENTS = {"prod", "dr", "org", "archive"}  # deployment branch policy: main only (docs/ci.md)
GUARDED_SECRETS = {"PULUMI_ACCESS_TOKEN", "PULUMI_ARCHIVE_TOKEN"}  # environment secrets of those environments
PR_SECRETS = {"PULUMI_READ_TOKEN", "PULUMI_PREVIEW_TOKEN"}  # what a PR job may receive (docs/ci.md, docs/previews.md)
# Every role a PR job may assume: the repository variable, the stack output it holds (docs/ci.md), and what it is.
PR_ROLE_VARS = {
    "DR_PR_ROLE_ARN": ("dr", "ciPrPreviewRoleArn", "read-only"),
    "PROD_PR_ROLE_ARN": ("prod", "ciPrPreviewRoleArn", "read-only"),
    "PREVIEW_CI_ROLE_ARN": ("prod", "previewCiEntryRoleArn", "preview-scoped"),
}


def triggers(document: dict[str, Any]) -> set[str]:
    on = document["on"]
    return {on} if isinstance(on, str) else set(on)


def pr_reachable_jobs() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(workflow, job id, job, workflow) for every job of a workflow that a pull request can trigger; a local
    reusable workflow's jobs count as the caller's."""
    found = []
    for path in WORKFLOWS:
        document = load(path)
        if triggers(document) & PR_EVENTS:
            for job_id, job in document["jobs"].items():
                found.append((path.name, job_id, job, document))
                called = job.get("uses")
                if called:
                    assert called.startswith("./.github/workflows/"), f"{path.name} job {job_id}: calls {called}"
                    inner = load(ROOT / called)
                    found += [(f"{path.name}->{called}", i, j, inner) for i, j in inner["jobs"].items()]
    return found


def environment_of(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def roles_assumed(job: dict[str, Any]) -> list[str]:
    return [
        step["with"]["role-to-assume"]
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]


def test_pull_requests_can_trigger_jobs_at_all() -> None:
    names = {workflow for workflow, *_ in pr_reachable_jobs()}
    assert {"pr-checks.yml", "preview.yml"} <= names, f"PR-triggered workflows found: {names}: the tests prove nothing"


def test_no_pull_request_job_uses_the_dr_prod_or_archive_environment() -> None:
    for workflow, job_id, job, _ in pr_reachable_jobs():
        environment = environment_of(job)
        assert environment not in GUARDED_ENVIRONMENTS, (
            f"{workflow} job {job_id} runs in environment {environment}: PR code would get its deploy role and token"
        )
        assert "${{" not in str(environment or ""), f"{workflow} job {job_id}: environment chosen by an expression"


def test_no_pull_request_job_receives_the_dr_prod_state_token() -> None:
    for workflow, job_id, job, document in pr_reachable_jobs():
        used = secret_values_used(job) | secret_values_used({"env": document.get("env", {})})
        assert not used & GUARDED_SECRETS, f"{workflow} job {job_id} receives {sorted(used & GUARDED_SECRETS)}"
        assert used <= PR_SECRETS, f"{workflow} job {job_id} receives secrets {sorted(used - PR_SECRETS)}"
        assert "secrets: inherit" not in yaml.safe_dump(job), f"{workflow} job {job_id} passes every secret on"


def test_every_role_a_pull_request_job_assumes_is_read_only_or_preview_scoped() -> None:
    seen = set()
    for workflow, job_id, job, _ in pr_reachable_jobs():
        for role in roles_assumed(job):
            match = re.fullmatch(r"\$\{\{\s*vars\.(\w+)\s*\}\}", role)
            assert match, f"{workflow} job {job_id}: role-to-assume {role!r} is not one repository variable"
            assert match.group(1) in PR_ROLE_VARS, (
                f"{workflow} job {job_id} assumes vars.{match.group(1)}: not a read-only or preview role "
                f"({sorted(PR_ROLE_VARS)})"
            )
            seen.add(match.group(1))
    assert seen == set(PR_ROLE_VARS), f"PR jobs assume {sorted(seen)}; the table lists {sorted(PR_ROLE_VARS)}"


@pytest.fixture(scope="module")
def stack_plans() -> dict[str, Any]:
    from tests.support.plans import cached_plan

    return {stack: cached_plan(stack) for stack in ("dr", "prod")}


@pytest.mark.parametrize("variable", sorted(PR_ROLE_VARS))
def test_the_role_behind_each_pr_variable_trusts_pull_requests_and_reaches_only_read_only_or_preview_roles(
    variable: str, stack_plans: dict[str, Any]
) -> None:
    """The role each variable names (the stack output docs/ci.md says to copy) is judged on the stack's plan."""
    import json

    from failsafe_components.ci_access import preview_deploy_role_name, read_role_name

    stack, output, kind = PR_ROLE_VARS[variable]
    plan = stack_plans[stack]
    arn = plan.outputs[output]
    (role,) = [r for r in plan.by_type("aws:iam/role:Role") if r.outputs.get("arn") == arn]
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    subjects = trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    repo = "repo:example-org/failsafe"
    assert f"{repo}:pull_request" in subjects, f"{variable} -> {arn}: a PR job could not assume it"
    assert not {f"{repo}:environment:{e}" for e in GUARDED_ENVIRONMENTS} & set(subjects), f"{arn}: {subjects}"
    policies = [
        json.loads(p.inputs["policy"])
        for p in plan.by_type("aws:iam/rolePolicy:RolePolicy")
        if p.parent == role.parent and p.inputs.get("role") in (role.outputs.get("name"), role.inputs["name"])
    ]
    attached = [
        a.inputs["policyArn"]
        for a in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs.get("role") in (role.outputs.get("name"), role.inputs["name"])
    ]
    assert policies and not attached, f"{arn}: policies {policies}, managed {attached}"
    allowed_targets = {"read-only": read_role_name("failsafe"), "preview-scoped": preview_deploy_role_name("failsafe")}
    for policy in policies:
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole", statement
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for target in targets:
                assert re.fullmatch(r"arn:aws:iam::\d{12}:role/" + re.escape(allowed_targets[kind]), target), (
                    f"{variable} -> {arn} may assume {target}: not a {kind} role"
                )


def test_jobs_with_the_dr_prod_token_run_in_those_environments_on_main_only() -> None:
    found = 0
    for path in WORKFLOWS:
        document = load(path)
        for job_id, job in document["jobs"].items():
            used = secret_values_used(job) & GUARDED_SECRETS
            environment = environment_of(job)
            if "PULUMI_ACCESS_TOKEN" in used:
                found += 1
                assert environment in {"dr", "org", "prod"}, f"{path.name} job {job_id}: the deploy token elsewhere"
                assert not triggers(document) & PR_EVENTS, f"{path.name}: {triggers(document)}"
            if "PULUMI_ARCHIVE_TOKEN" in used:
                assert environment == "archive", f"{path.name} job {job_id}: the archive token outside archive"
            if environment in {"dr", "org", "prod"} and path.name == "deploy.yml":
                condition = job.get("if", "")
                main_only = condition == "github.ref == 'refs/heads/main'" or (
                    condition.startswith("github.ref == 'refs/heads/main' && ") and "||" not in condition
                )
                assert main_only, f"deploy.yml job {job_id}: main only ({condition})"
    # dr, org, prod and the four member batches (tests/ci/test_deploy_fleet.py)
    assert found == 7, "deploy.yml's dr, org, prod and members-1..4 jobs hold the deploy token"


def test_the_archive_job_runs_in_the_environment_its_role_trusts_without_waiting_for_drs_reviewers() -> None:
    from failsafe_components.ci_access import ARCHIVE_ENVIRONMENT

    job = load(ROOT / ".github" / "workflows" / "archive.yml")["jobs"]["archive"]
    assert environment_of(job) == ARCHIVE_ENVIRONMENT == "archive"
    assert roles_assumed(job) == ["${{ vars.ARCHIVE_ROLE_ARN }}"]


def test_pr_previews_point_the_providers_at_the_read_only_role_for_that_run_only() -> None:
    document = load(ROOT / ".github" / "workflows" / "pr-checks.yml")
    assert "failsafe-ci-read" in document["env"]["READ_ROLE_NAME"]
    for job_id in ("preview-dr", "preview-prod"):
        job = document["jobs"][job_id]
        script = "\n".join(s.get("run", "") for s in job["steps"])
        assert '--config "failsafe:providerRoleName=$READ_ROLE_NAME"' in script, job_id
        assert "pulumi config set" not in script and "pulumi up" not in script, f"{job_id} must only preview"


def test_the_gate_uploads_sarif_and_secretless_prs_are_skipped_with_a_reason() -> None:
    document = load(ROOT / ".github" / "workflows" / "pr-checks.yml")
    gate = document["jobs"]["gate"]
    assert "id-token" not in gate["permissions"] and not secret_values_used(gate)
    (upload,) = [s for s in gate["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert "dependabot[bot]" in upload["if"] and "head.repo.full_name == github.repository" in upload["if"]
    assert document["on"]["push"] == {"branches": ["main"]}, "main's analysis is the baseline a PR is compared with"
    assert document["jobs"]["credentials"]["if"] == "github.event_name == 'pull_request'", "on main: the gate only"
    script = "\n".join(s.get("run", "") for s in gate["steps"])
    assert "python -m failsafe.tooling.sarif" in script and 'exit "$status"' in script
    decide = "\n".join(s.get("run", "") for s in document["jobs"]["credentials"]["steps"])
    assert "dependabot[bot]" in decide and "GITHUB_STEP_SUMMARY" in decide and "previews=false" in decide


def test_the_required_check_names_in_the_docs_are_the_real_ones() -> None:
    gate = load(ROOT / ".github" / "workflows" / "pr-checks.yml")["jobs"]["gate"]
    names = [gate["name"].replace("${{ matrix.stack }}", stack) for stack in gate["strategy"]["matrix"]["stack"]]
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for name in names:
        assert f"`{name}`" in docs, f"docs/ci.md does not name the required check `{name}`"


DECIDE_CASES = [
    ({"SAME_REPOSITORY": "false", "ACTOR": "octo", "HAS_READ_TOKEN": "false"}, "false", "fork"),
    ({"SAME_REPOSITORY": "true", "ACTOR": "dependabot[bot]", "HAS_READ_TOKEN": "false"}, "false", "Dependabot"),
    ({"SAME_REPOSITORY": "true", "ACTOR": "octo", "HAS_READ_TOKEN": "false"}, "false", "PULUMI_READ_TOKEN"),
    ({"SAME_REPOSITORY": "true", "ACTOR": "octo", "HAS_READ_TOKEN": "true"}, "true", ""),
]


@pytest.mark.parametrize(("env", "expected", "reason"), DECIDE_CASES, ids=["fork", "dependabot", "no-token", "ok"])
def test_the_credentials_step_decides_and_explains(
    tmp_path: Path, env: dict[str, str], expected: str, reason: str
) -> None:
    (step,) = load(ROOT / ".github" / "workflows" / "pr-checks.yml")["jobs"]["credentials"]["steps"]
    output, summary = tmp_path / "output", tmp_path / "summary"
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env={"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert output.read_text() == f"previews={expected}\n"
    if reason:
        assert reason in summary.read_text() and "policy gate" in summary.read_text()
    else:
        assert not summary.exists()


# --- issue 27: the recovery numbers, on every pull request and checked against the evidence on a schedule ------------

FAKE_PYTHON = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$CALLS"
if [ "$FAIL" = yes ]; then echo "recovery estimate exceeded: pulumi up -s prod (up:prod) took 25m00s"; exit 1; fi
echo "**Recovery numbers** that this change moves (against the base):"
"""


def run_step(step: dict[str, Any], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=tmp_path,
        env={
            "PATH": f"{fake.parent}:/usr/bin:/bin",
            "CALLS": str(tmp_path / "calls"),
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
            "RUNNER_TEMP": str(tmp_path),
            "MAX_RECOVERY_CHARS": "4000",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def verify_workflow() -> dict[str, Any]:
    return load(ROOT / ".github" / "workflows" / "verify.yml")


def test_verify_runs_daily_in_its_own_environment_with_a_read_only_role(verify_workflow: dict[str, Any]) -> None:
    assert "schedule" in verify_workflow["on"] and not triggers(verify_workflow) & PR_EVENTS
    job = verify_workflow["jobs"]["verify"]
    assert environment_of(job) == "verify" and job["permissions"] == {"contents": "read", "id-token": "write"}
    assert roles_assumed(job) == ["${{ vars.VERIFY_ROLE_ARN }}"]
    assert secret_values_used(job) == {"PULUMI_VERIFY_TOKEN"}, "verify reads dr's outputs with a read-only token"
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert 'python -m failsafe recovery --all "${args[@]}" --check-evidence' in script
    assert "python -m failsafe.ops verify --outputs dr-outputs.json" in script


def test_verify_notifies_the_alert_topic_and_fails_when_either_check_fails(verify_workflow: dict[str, Any]) -> None:
    steps = {s.get("name"): s for s in verify_workflow["jobs"]["verify"]["steps"]}
    notify, fail = steps["notify the alert topic"], steps["fail when a check failed"]
    for condition in (notify["if"], fail["if"]):
        assert "steps.evidence.outputs.status != '0'" in condition and "steps.verify.outputs.status != '0'" in condition
    assert "failure()" in notify["if"], "a step failing unexpectedly must notify too"
    assert notify["env"]["TOPIC_ARN"] == "${{ vars.VERIFY_TOPIC_ARN }}"
    assert 'aws sns publish --topic-arn "$TOPIC_ARN"' in notify["run"] and "exit 1" in fail["run"]


@pytest.mark.parametrize(("fail", "status"), [("yes", "1"), ("no", "0")])
def test_the_evidence_step_records_the_comparisons_exit_status(
    verify_workflow: dict[str, Any], tmp_path: Path, fail: str, status: str
) -> None:
    (step,) = [s for s in verify_workflow["jobs"]["verify"]["steps"] if s.get("id") == "evidence"]
    (tmp_path / "drills").mkdir()
    result = run_step(step, tmp_path, FAIL=fail)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "output").read_text() == f"status={status}\n"
    assert (tmp_path / "calls").read_text() == "-m failsafe recovery --all --evidence drills --check-evidence\n"


def test_the_evidence_step_passes_while_nothing_has_been_measured(
    verify_workflow: dict[str, Any], tmp_path: Path
) -> None:
    (step,) = [s for s in verify_workflow["jobs"]["verify"]["steps"] if s.get("id") == "evidence"]
    result = run_step(step, tmp_path, FAIL="yes")
    assert result.returncode == 0 and (tmp_path / "output").read_text() == "status=0\n"
    assert "no evidence committed yet" in result.stdout and not (tmp_path / "calls").exists()


def test_the_pr_workflow_diffs_the_recovery_numbers_against_the_base_without_credentials() -> None:
    document = load(ROOT / ".github" / "workflows" / "pr-checks.yml")
    job = document["jobs"]["recovery"]
    assert job["permissions"] == {"contents": "read"} and not secret_values_used(job) and not roles_assumed(job)
    base = [s for s in job["steps"] if s.get("with", {}).get("path") == "base"]
    assert base and base[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert (
        '(cd base && python -m failsafe recovery --all --output json --out "$RUNNER_TEMP/base-recovery.json")' in script
    )
    assert 'recovery --all --diff "$RUNNER_TEMP/base-recovery.json" --output markdown' in script
    comment = document["jobs"]["comment"]
    assert "recovery" in comment["needs"]
    (step,) = [s for s in comment["steps"] if s.get("name") == "keep one PR comment up to date"]
    assert step["env"]["RECOVERY_DIFF"] == "${{ needs.recovery.outputs.diff }}" and "${RECOVERY_DIFF:-" in step["run"]


@pytest.mark.parametrize(
    ("base_status", "expected"), [("0", "that this change moves"), ("2", "the base has no recovery model")]
)
def test_the_diff_step_writes_the_summary_and_the_comments_part(
    tmp_path: Path, base_status: str, expected: str
) -> None:
    job = load(ROOT / ".github" / "workflows" / "pr-checks.yml")["jobs"]["recovery"]
    (step,) = [s for s in job["steps"] if s.get("id") == "diff"]
    result = run_step(step, tmp_path, FAIL="no", BASE_STATUS=base_status)
    assert result.returncode == 0, result.stderr
    assert expected in (tmp_path / "summary").read_text()
    output = (tmp_path / "output").read_text()
    assert re.match(r"diff<<(EOF-[0-9a-f]{32})\n.*\n\1\n$", output, re.S), output
    assert expected in output
