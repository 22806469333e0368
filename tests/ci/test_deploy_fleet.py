"""The fleet in CI, checked statically (no runner here): the deploy matrix generated from config (GitHub's own matrix,
at most 256 jobs each: "A matrix can generate a maximum of 256 jobs per workflow run", GitHub Actions, "Using a
matrix for your jobs"), and deploy.yml's job graph dr -> org -> members, each member on its own, a summary at the end.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from failsafe.settings.fleet import Fleet, Member
from failsafe.tooling import members
from failsafe.tooling.planning import PlanError
from tests.support.plans import ROOT, cached_plan, config_of, values_of

DEPLOY = ROOT / ".github" / "workflows" / "deploy.yml"
MEMBER_JOBS = [f"members-{n}" for n in range(1, members.BATCHES + 1)]


@pytest.fixture(scope="module")
def jobs() -> dict[str, Any]:
    return yaml.safe_load(DEPLOY.read_text(encoding="utf-8"))["jobs"]


def _fleet_of(size: int) -> Any:
    """dr's config with ``size`` members (names m0 ...; fake accounts), everything else as configured."""
    cfg = config_of("dr")
    assert cfg.fleet is not None
    made = tuple(Member(f"m{i}", f"{700000000000 + i}", "eu-west-1", ("data",)) for i in range(size))
    return dataclasses.replace(cfg, fleet=Fleet(cfg.fleet.organization, made, None))


def test_the_example_fleets_matrix_is_its_three_members_with_the_ci_role_each_member_stack_creates() -> None:
    values = members.matrix(config_of("dr"))
    (batch, *empty) = [values[f"batch{n}"]["include"] for n in range(1, members.BATCHES + 1)]
    assert [e["stack"] for e in batch] == ["prod-payments", "prod-checkout", "prod-analytics"]
    assert [values[f"count{n}"] for n in range(1, members.BATCHES + 1)] == [3, 0, 0, 0] and empty == [[], [], []]
    payments = batch[0]
    roles = {r.inputs.get("name") for r in cached_plan("prod-payments").by_type("aws:iam/role:Role")}
    assert payments["role"] == f"arn:aws:iam::{payments['account']}:role/failsafe-ci-prod"
    assert payments["role"].rsplit("/", 1)[-1] in roles, "the role the job assumes is one the member's stack creates"
    first = json.loads(values_of("dr")["members"])[0]  # dr's registry as its stack file writes it
    assert payments["region"] == first["region"] and payments["member"] == first["name"]


@pytest.mark.parametrize(("size", "counts"), [(0, [0, 0, 0, 0]), (256, [256, 0, 0, 0]), (600, [256, 256, 88, 0])])
def test_members_are_split_into_matrices_of_at_most_256_jobs_in_registry_order(size: int, counts: list[int]) -> None:
    values = members.matrix(_fleet_of(size))
    assert [values[f"count{n}"] for n in range(1, 5)] == counts
    stacks = [e["stack"] for n in range(1, 5) for e in values[f"batch{n}"]["include"]]
    assert stacks == [f"prod-m{i}" for i in range(size)], "every member exactly once, in order"
    assert all(len(values[f"batch{n}"]["include"]) <= members.MATRIX_MAX_JOBS for n in range(1, 5))


def test_more_members_than_the_workflows_batches_hold_is_refused_on_one_line_saying_what_to_add() -> None:
    with pytest.raises(PlanError) as caught:
        members.matrix(_fleet_of(members.BATCHES * members.MATRIX_MAX_JOBS + 1))
    message = str(caught.value)
    assert "1,025 members" in message and "members-<n>" in message and "\n" not in message, message


def test_the_matrix_reaches_github_output_as_one_json_line_per_name() -> None:
    values = members.matrix(config_of("dr"))
    lines = members.github_output(values).splitlines()
    assert len(lines) == 2 * members.BATCHES
    parsed = dict(line.split("=", 1) for line in lines)
    assert json.loads(parsed["batch1"]) == values["batch1"] and parsed["count2"] == "0"


def test_deploy_orders_dr_then_org_then_the_members_from_the_generated_matrix(jobs: dict[str, Any]) -> None:
    assert jobs["org"]["needs"] == "dr"
    assert "needs" not in jobs["fleet"], "the matrix is config: nothing to wait for"
    outputs = jobs["fleet"]["outputs"]
    assert set(outputs) == {f"{kind}{n}" for kind in ("batch", "count") for n in range(1, members.BATCHES + 1)}
    assert all(v == f"${{{{ steps.matrix.outputs.{k} }}}}" for k, v in outputs.items())
    (step,) = [s for s in jobs["fleet"]["steps"] if s.get("id") == "matrix"]
    assert step["run"] == 'python -m failsafe members matrix --github-output "$GITHUB_OUTPUT"'
    assert "id-token" not in jobs["fleet"]["permissions"], "the matrix job gets no credentials"
    assert sorted(j for j in jobs if j.startswith("members-")) == MEMBER_JOBS
    for n, name in enumerate(MEMBER_JOBS, start=1):
        job = jobs[name]
        assert job["needs"] == ["org", "fleet"], name
        assert job["strategy"]["matrix"] == f"${{{{ fromJSON(needs.fleet.outputs.batch{n}) }}}}", name
        assert job["strategy"]["fail-fast"] is False, f"{name}: one member failing must not cancel the others"
        assert isinstance(job["strategy"]["max-parallel"], int) and 1 <= job["strategy"]["max-parallel"] <= 256
        assert job["if"].endswith(f"needs.fleet.outputs.count{n} != '0'"), f"{name}: an empty matrix is an error"
        assert job["environment"] == "prod", "the member's CI entry role trusts this repository's prod environment"
        (aws,) = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        assert aws["with"]["role-to-assume"] == "${{ matrix.role }}"
        script = "\n".join(s.get("run", "") for s in job["steps"])
        assert 'python -m failsafe check "$STACK"' in script and 'pulumi up --stack "$STACK"' in script
        assert "--policy-pack policies" in script and "${{" not in script, "matrix values reach scripts as data"


def test_the_summary_runs_after_every_job_even_a_failed_one_and_fails_with_it(jobs: dict[str, Any]) -> None:
    summary = jobs["summary"]
    assert summary["if"].startswith("always()")
    assert set(summary["needs"]) == set(jobs) - {"summary"}
    (step,) = [s for s in summary["steps"] if "members summary" in s.get("run", "")]
    assert step["env"] == {"NEEDS": "${{ toJSON(needs) }}", "COUNTS": "${{ toJSON(needs.fleet.outputs) }}"}
    assert step["shell"] == "bash", "bash -eo pipefail: tee must not hide the summary's exit code"


def test_the_summary_table_passes_empty_batches_and_fails_on_any_failed_or_skipped_job_with_work() -> None:
    counts = {"1": 3, "2": 0, "3": 0, "4": 0}
    needs = {"dr": {"result": "success"}, "org": {"result": "success"}, "members-1": {"result": "success"}}
    needs |= {f"members-{n}": {"result": "skipped"} for n in (2, 3, 4)}
    table, ok = members.summary(needs, counts)
    assert ok and "skipped (no members in this batch)" in table
    failed = needs | {"members-1": {"result": "failure"}}
    table, ok = members.summary(failed, counts)
    assert not ok and "| members-1 | failure |" in table
    skipped_with_work = needs | {"members-1": {"result": "skipped"}}  # org failed, so its members never ran
    assert members.summary(skipped_with_work, counts)[1] is False


def test_the_summary_reads_needs_and_the_matrix_outputs_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = {"batch1": json.dumps({"include": []}), "count1": "2", "count2": "0"}
    monkeypatch.setenv("NEEDS", json.dumps({"dr": {"result": "success", "outputs": {}}}))
    monkeypatch.setenv("COUNTS", json.dumps(outputs))
    needs, counts = members.needs_from_environment()
    assert counts == {"1": 2, "2": 0} and needs["dr"]["result"] == "success"
    monkeypatch.setenv("COUNTS", "not json")
    with pytest.raises(PlanError, match="NEEDS/COUNTS"):
        members.needs_from_environment()


def test_members_write_makes_the_checked_in_member_files_from_drs_registry(tmp_path: Path) -> None:
    written = members.write(ROOT, tmp_path, update_existing=False)
    assert sorted(Path(p).name for p in written) == [
        "Pulumi.prod-analytics.yaml",
        "Pulumi.prod-checkout.yaml",
        "Pulumi.prod-payments.yaml",
    ]
    for path in written:
        assert Path(path).read_text() == (ROOT / Path(path).name).read_text(), Path(path).name
    text = (tmp_path / "Pulumi.prod-payments.yaml").read_text()
    assert re.search(r'failsafe:prodAccountId: "777777777771"', text) and members.MARK not in text


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.asked: dict[str, Any] = {}

    def get_paginator(self, operation: str) -> _Pages:
        assert operation == "list_accounts_for_parent"
        return self

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.asked = kwargs
        return self.pages


def test_registry_entries_from_an_ou_take_every_page_skip_inactive_accounts_and_name_them_for_stacks() -> None:
    client = _Pages(
        [
            {"Accounts": [{"Id": "777777777781", "Name": "Card Payments (EU)", "Status": "ACTIVE"}]},
            {
                "Accounts": [
                    {"Id": "777777777782", "Name": "old", "Status": "SUSPENDED"},
                    {"Id": "777777777783", "Name": "!!"},
                ]
            },
        ]
    )
    ou = "o-exampleorg12/r-ex12/ou-ex12-payments1/"
    entries = members.from_ou("ou-ex12-payments1", ["ledger"], "eu-west-1", ou, client)
    assert client.asked == {"ParentId": "ou-ex12-payments1"}
    assert [(e["name"], e["accountId"]) for e in entries] == [
        ("card-payments-eu", "777777777781"),
        ("777777777783", "777777777783"),
    ]
    assert entries[0] == {**entries[0], "region": "eu-west-1", "buckets": ["ledger"], "ou": ou}
