"""How ``check --all`` spreads a fleet over two cores: member plans made in a second process
(failsafe/tooling/plan_worker.py), a second pack process when plans queue (``estate_check._Packs``), and the collector
settings the planner runs under (``harness.run_program``). Each changes where work is done, never its result."""

from __future__ import annotations

import gc
import io
import pickle
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from pulumi.runtime import settings

from failsafe.tooling import estate_check, harness, plan_worker
from tests.support.plans import cached_plan, raw_of

STACKS = ("dr", "org", "prod", "prod-analytics", "prod-checkout", "prod-payments", "pr-42")
MEMBERS = ("prod-analytics", "prod-checkout", "prod-payments")


def _normal(plan: harness.Plan) -> list[tuple[str, Any, list[str]]]:
    return [(r.urn, r.inputs, sorted(r.dependencies)) for r in sorted(plan.resources, key=lambda r: r.urn)]


@pytest.mark.fresh_plans  # compared with plans made here
def test_members_planned_by_the_worker_are_the_plans_made_here_and_the_fleet_checks_green(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the worker forced on for three members, each member's plan comes from the other process, equals the plan
    this process makes, and the report is the report of the example fleet: every stack ok, no violation."""
    answered: dict[str, Future[harness.Plan]] = {}
    submit = plan_worker.PlanWorker.submit

    def recording(self: plan_worker.PlanWorker, stack: str, *args: Any) -> Future[harness.Plan]:
        answered[stack] = submit(self, stack, *args)
        return answered[stack]

    monkeypatch.setattr(plan_worker.PlanWorker, "submit", recording)
    given = {s: cached_plan(s) for s in STACKS if s not in MEMBERS}
    report = estate_check.check_all(planned=given, plan_workers_from=1)
    assert sorted(answered) == sorted(MEMBERS)
    for stack, future in answered.items():
        made = future.result()
        assert _normal(made) == _normal(cached_plan(stack)), stack
        assert made.outputs == cached_plan(stack).outputs
    assert [r.stack for r in report.results] == list(STACKS)
    assert all(r.ok and not r.violations for r in report.results), estate_check.render(report)
    assert report.code == 0


def test_the_worker_plans_org_and_the_preview_while_dr_is_planned_and_the_members_once_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What needs no dr plan (org, the preview) goes to the planning process before this process turns to dr; the
    members go as soon as dr's plan is there, before dr's proofs; dr and prod are never handed on."""
    events: list[tuple[str, str]] = []
    submit, plan = plan_worker.PlanWorker.submit, estate_check.EstatePlanner.plan

    def recording(self: plan_worker.PlanWorker, stack: str, *args: Any) -> Future[harness.Plan]:
        events.append(("submit", stack))
        return submit(self, stack, *args)

    def planning(self: estate_check.EstatePlanner, stack: str) -> harness.Plan:
        events.append(("plan", stack))
        return plan(self, stack)

    def proving(*args: Any) -> list[Any]:
        events.append(("prove", args[2]))
        return prove(*args)

    prove = estate_check._proofs
    monkeypatch.setattr(plan_worker.PlanWorker, "submit", recording)
    monkeypatch.setattr(estate_check.EstatePlanner, "plan", planning)
    monkeypatch.setattr(estate_check, "_proofs", proving)
    report = estate_check.check_all(planned={s: cached_plan(s) for s in ("dr", "prod")}, plan_workers_from=1)
    assert report.code == 0, estate_check.render(report)
    submitted = [stack for kind, stack in events if kind == "submit"]
    assert sorted(submitted[:2]) == ["org", "pr-42"] and sorted(submitted[2:]) == sorted(MEMBERS), submitted
    assert events.index(("submit", "pr-42")) < events.index(("plan", "dr"))
    assert events.index(("submit", MEMBERS[-1])) < events.index(("prove", "dr")), events


def test_below_the_threshold_no_worker_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> None:
        raise AssertionError("a planning process was started for an estate below the threshold")

    monkeypatch.setattr(plan_worker, "PlanWorker", refuse)
    assert estate_check._planning_process(estate_check.PLAN_WORKER_FROM - 1, estate_check.PLAN_WORKER_FROM) is None


def test_the_worker_answers_in_order_and_hands_back_an_error_as_the_exception_it_was() -> None:
    """``serve`` in this process, through in-memory pipes: a plan, then a job the planner raises on."""
    jobs = io.BytesIO()
    pickle.dump(("org", raw_of("org"), {}), jobs)
    pickle.dump(("org", None, {}), jobs)  # no config at all: run_program raises TypeError before anything runs
    jobs.seek(0)
    answers = io.BytesIO()
    plan_worker.serve(jobs, answers)
    answers.seek(0)
    ok, plan = pickle.load(answers)
    assert ok and isinstance(plan, harness.Plan) and _normal(plan) == _normal(cached_plan("org"))
    ok, error = pickle.load(answers)
    assert not ok and isinstance(error, TypeError)
    with pytest.raises(EOFError):
        pickle.load(answers)


def test_a_worker_that_dies_fails_every_waiting_plan_with_a_reason() -> None:
    worker = plan_worker.PlanWorker()
    worker._process.kill()
    future = worker.submit("org", raw_of("org"), {})
    with pytest.raises(plan_worker.WorkerGone, match=r"planning process .* exited"):
        future.result(timeout=30)
    worker.shutdown()


def test_when_the_worker_is_gone_the_planner_plans_the_stack_itself() -> None:
    from failsafe.settings import stackfiles

    worker = plan_worker.PlanWorker()
    worker._process.kill()
    planner = estate_check.EstatePlanner(stackfiles.ROOT, {"dr": cached_plan("dr")})
    planner.plan_ahead(["prod-analytics"], worker)
    assert _normal(planner.plan("prod-analytics")) == _normal(cached_plan("prod-analytics"))
    worker.shutdown()


class _FakePack:
    def close(self) -> None:
        pass


def test_a_second_pack_starts_for_a_fleet_only_and_only_when_a_plan_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet's packs: one while plans come one at a time, two when plans wait, never more. A small estate's: one,
    however the plans queue."""
    started: list[_FakePack] = []
    release = threading.Event()

    def start() -> Any:
        started.append(_FakePack())
        return started[-1]

    def judge(client: _FakePack, blocking: bool) -> tuple[list[dict[str, Any]], float]:
        if blocking:
            release.wait(timeout=30)
        return [], 0.0

    monkeypatch.setattr(estate_check, "_timed_pack", judge)

    def run(limit: int, blocking: bool) -> int:
        started.clear()
        release.clear()
        packs = estate_check._Packs(start, limit)
        with ThreadPoolExecutor(max_workers=estate_check.FLEET_PACKS) as pool:
            futures = []
            for _ in range(4):
                futures.append(packs.submit(pool, blocking))
                if not blocking:
                    futures[-1].result(timeout=30)
            release.set()
            assert all(f.result(timeout=30) == ([], 0.0) for f in futures)
        return len(started)

    assert run(estate_check.FLEET_PACKS, blocking=False) == 1
    assert run(estate_check.FLEET_PACKS, blocking=True) == estate_check.FLEET_PACKS == 2
    assert run(1, blocking=True) == 1


def test_a_pack_that_cannot_start_fails_every_waiting_plan_instead_of_hanging(monkeypatch: pytest.MonkeyPatch) -> None:
    def start() -> Any:
        raise RuntimeError("policy pack did not print its port")

    monkeypatch.setattr(estate_check, "_timed_pack", lambda *_: ([], 0.0))
    packs = estate_check._Packs(start, estate_check.FLEET_PACKS)
    with ThreadPoolExecutor(max_workers=estate_check.FLEET_PACKS) as pool:
        futures = [packs.submit(pool) for _ in range(4)]
        for future in futures:
            with pytest.raises(RuntimeError, match="did not print its port"):
                future.result(timeout=30)


def test_a_second_pack_that_cannot_start_leaves_the_work_to_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    starts: list[int] = []

    def start() -> Any:
        starts.append(1)
        if len(starts) > 1:
            raise RuntimeError("the second pack did not start")
        return _FakePack()

    def judge(client: _FakePack) -> tuple[list[dict[str, Any]], float]:
        release.wait(timeout=30)
        return [], 0.0

    monkeypatch.setattr(estate_check, "_timed_pack", judge)
    packs = estate_check._Packs(start, estate_check.FLEET_PACKS)
    with ThreadPoolExecutor(max_workers=estate_check.FLEET_PACKS) as pool:
        futures = [packs.submit(pool) for _ in range(4)]
        release.set()
        assert [f.result(timeout=30) for f in futures] == [([], 0.0)] * 4
    assert len(starts) == 2


@pytest.mark.fresh_plans  # about the run itself
def test_a_plan_leaves_the_collector_and_the_sdk_as_it_found_them() -> None:
    """Thresholds put back, nothing left frozen by the run (or, where the caller froze the heap, no more frozen than
    the caller did), and the SDK's ambient settings no longer hold the run's monitor."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    plan = harness.run_program("pr-42", raw_of("pr-42"))
    assert plan.error is None
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen
    assert not isinstance(settings.SETTINGS.monitor, harness.RecordingMonitor)
    assert settings.get_root_resource() is None
    gc.unfreeze()  # as a process that froze nothing: the run freezes, collects and unfreezes
    try:
        assert harness.run_program("pr-42", raw_of("pr-42")).error is None
        assert gc.get_freeze_count() == 0
    finally:
        gc.collect()
        gc.freeze()  # the suite's own freeze (tests/conftest.py), back as it was
