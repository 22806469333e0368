"""``python -m failsafe check --all`` on the example fleet (dr, org, prod, three members in two OUs, a preview): every
stack planned and checked with one pack process, one line per stack, the quotas that span stacks, a total. The plans
the other tests made are reused (the same program and files); the pack and the proofs run here."""

from __future__ import annotations

import pytest

from failsafe.tooling import cli, estate_check
from tests.support.plans import cached_plan

STACKS = ("dr", "org", "prod", "prod-analytics", "prod-checkout", "prod-payments", "pr-42")


@pytest.fixture(scope="module")
def report() -> estate_check.EstateReport:
    return estate_check.check_all(planned={s: cached_plan(s) for s in STACKS})


def test_the_example_fleet_checks_with_no_violation_and_every_access_proof_green(
    report: estate_check.EstateReport,
) -> None:
    assert [r.stack for r in report.results] == list(STACKS)
    for result in report.results:
        assert result.ok, estate_check.render(report)
        assert not result.violations, (result.stack, result.violations)
    proven = {r.stack: len(r.outcomes) for r in report.results}
    assert all(proven[s] > 0 for s in ("dr", "prod", "prod-analytics", "prod-checkout", "prod-payments")), proven
    assert report.fleet == [] and report.cross == [] and report.code == 0


def test_it_prints_one_line_per_stack_the_measured_quotas_and_a_total(report: estate_check.EstateReport) -> None:
    lines = estate_check.render(report).splitlines()
    for stack in STACKS:
        assert sum(1 for line in lines if line.startswith(f"{stack} (")) == 1, stack
    assert lines[-1].startswith("total: 7 stacks (3 members), 0 failing, 0 fleet and 0 quota problem(s)"), lines[-1]
    assert "measured: account 222222222222: 8 S3 buckets of 10,000 (0.08%)" in lines, "dr: 7 replicas + archive"
    assert any(line.startswith("measured: org: resource control policy: ") for line in lines)


def test_check_all_takes_no_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--all", "prod"]) == cli.EXIT_USAGE
    assert "check --all: expected no stack" in capsys.readouterr().err
    assert cli.main(["check"]) == cli.EXIT_USAGE


def _member_stacks() -> list[str]:
    from failsafe.settings import stackfiles

    return [s for s in stackfiles.estate_stacks(stackfiles.ROOT) if s.startswith("prod-")]


def test_a_member_is_handed_its_own_entry_of_drs_members_and_everything_else_unchanged() -> None:
    """check --all hands a member's plan dr's outputs with ``members`` cut to that member (linear, not N^2)."""
    from tests.support.plans import config_of

    dr_outputs = cached_plan("dr").outputs
    members = _member_stacks()
    assert len(members) >= 2 and len(dr_outputs["members"]) == len(members), (members, list(dr_outputs["members"]))
    for stack in members:
        cfg = config_of(stack)
        given = estate_check.own_outputs(dr_outputs, cfg)
        assert list(given["members"]) == [stack.removeprefix("prod-")]
        assert given["members"][cfg.member.name] == dr_outputs["members"][cfg.member.name]
        assert {k: v for k, v in given.items() if k != "members"} == {
            k: v for k, v in dr_outputs.items() if k != "members"
        }
    assert estate_check.own_outputs(dr_outputs, config_of("prod")) is dr_outputs  # not a member: all of it


def test_a_members_plan_from_its_own_entry_equals_its_plan_from_all_of_drs_outputs() -> None:
    """The cut changes nothing a member declares: its plan is the plan made with every member's entry
    (tests.support.plans plans members from dr's whole outputs, as a deployment reads them)."""
    from failsafe.settings import stackfiles

    stack = _member_stacks()[0]
    cut = estate_check.EstatePlanner(stackfiles.ROOT, {"dr": cached_plan("dr")}).plan(stack)
    full = cached_plan(stack)
    assert [(r.urn, r.inputs) for r in cut.resources] == [(r.urn, r.inputs) for r in full.resources]
    assert cut.outputs == full.outputs
