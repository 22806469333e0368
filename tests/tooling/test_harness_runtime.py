"""What the credential-free planner changes in Pulumi's runtime while a program runs, and that it puts it back."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import resource as runtime_resource

from failsafe.tooling import harness
from tests.support.plans import cached_plan, raw_of


def test_a_plan_asks_the_sdk_for_no_stack_trace_and_gives_its_function_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's stack trace (every frame of the caller, for the engine to show) is never built under the mocks, the
    plan is the plan the suite's other tests judge, and the SDK's own function is back when the run ends."""
    calls: list[int] = []

    def the_sdks_own(*_: Any) -> Any:
        calls.append(1)
        raise AssertionError("the SDK's stack trace was built while the planner ran")

    monkeypatch.setattr(runtime_resource, "_get_stack_trace", the_sdks_own)
    plan = harness.run_program("dr", raw_of("dr"))
    assert plan.error is None, plan.error
    assert calls == []
    assert runtime_resource._get_stack_trace is the_sdks_own
    known = cached_plan("dr")
    assert sorted(r.urn for r in plan.resources) == sorted(r.urn for r in known.resources)
    assert [r.inputs for r in sorted(plan.resources, key=lambda r: r.urn)] == [
        r.inputs for r in sorted(known.resources, key=lambda r: r.urn)
    ]


def test_a_failing_program_gives_the_sdks_function_back_too(monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = runtime_resource._get_stack_trace
    raw = raw_of("dr")
    raw["failsafe:prodAccountId"] = "1234"
    plan = harness.run_program("dr", raw)
    assert plan.error is not None and "failsafe:prodAccountId" in plan.error
    assert runtime_resource._get_stack_trace is sentinel


def test_an_error_escaping_the_run_gives_the_sdks_function_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a program's RunError (those become ``plan.error``) but anything else, raised before a resource exists."""
    sentinel = runtime_resource._get_stack_trace

    def refuse(*_: Any, **__: Any) -> None:
        assert runtime_resource._get_stack_trace is not sentinel, "swapped before the root Stack is registered"
        raise RuntimeError("the mocks could not be set")

    monkeypatch.setattr(harness.mocks, "set_mocks", refuse)
    with pytest.raises(RuntimeError, match="could not be set"):
        harness.run_program("dr", raw_of("dr"))
    assert runtime_resource._get_stack_trace is sentinel


@pytest.mark.fresh_plans  # both runs must run
def test_the_same_inputs_give_the_same_plan_dependencies_in_order() -> None:
    """The SDK hands a resource's dependencies over from sets, in an order that changed from run to run; the plan
    records them sorted, so two runs of the same inputs are equal as a whole (what tests/support/plans.py relies on
    when it shares runs)."""
    first, second = (harness.run_program("dr", raw_of("dr")) for _ in range(2))
    assert any(len(r.dependencies) > 1 for r in first.resources), "no resource with several dependencies to order"
    assert all(r.dependencies == sorted(r.dependencies) for r in first.resources)
    assert first.to_dict() == second.to_dict()
