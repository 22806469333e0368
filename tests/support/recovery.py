"""Recovery models of the example estate and of what-if variants of it, planned once per test process.

A what-if that changes only prod's settings replans prod alone (about 0.6 s) with dr's cached plan answering its
StackReference, as ``pulumi up -s prod`` would see an unchanged dr; one that changes dr (or a shared key) replans both
through :func:`failsafe.tooling.planning.plan_stack`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from failsafe.settings import stackfiles
from failsafe.tooling import harness, planning
from failsafe.tooling.recovery import estate, model
from failsafe.tooling.recovery.estate import Estate
from failsafe.tooling.recovery.model import Model
from tests.support.plans import ROOT, cached_plan

ROLES = {"dr": "dr", "prod": "prod"}
_PLAN_STACK = planning.plan_stack  # the real one, before a test monkeypatches :func:`planned` in
_OTHERS: dict[tuple[str, tuple[tuple[str, str], ...]], harness.Plan] = {}
EXAMPLES = ROOT / "examples"


Key = tuple[tuple[str, str], ...]  # (namespaced key, JSON of the value): hashable, so plans are made once


def _overrides(key: Key) -> dict[str, Any] | None:
    return {k: json.loads(v) for k, v in key} or None


def objectives(key: Key = ()) -> Any:
    return planning.stack_config("prod", _overrides(key))[1].objectives


@cache
def _prod(key: Key) -> harness.Plan:
    cfg = planning.stack_config("prod")[1]
    raw = stackfiles.raw_config("prod", overrides=_overrides(key))
    plan = harness.run_program("prod", raw, {str(cfg.dr_stack_name): cached_plan("dr").outputs})
    assert plan.error is None, plan.error
    return plan


@cache
def _both(key: Key) -> tuple[harness.Plan, harness.Plan]:
    return planning.plan_stack("dr", _overrides(key)), planning.plan_stack("prod", _overrides(key))


def example_estate(root: Path = ROOT) -> Estate:
    return estate.from_plans({"dr": cached_plan("dr"), "prod": cached_plan("prod")}, ROLES, objectives(), root, "prod")


@cache
def example_model() -> Model:
    """The example estate's model (built once: a model is immutable)."""
    return model.build(example_estate())


def what_if(dr_too: bool = False, **settings: Any) -> Estate:
    """The example estate planned with ``settings`` (config keys without namespace; strings as `pulumi config set`
    stores them, lists for arrays) changed; ``dr_too`` when they change dr's plan as well."""
    key = tuple(sorted((f"failsafe:{k}", json.dumps(v)) for k, v in settings.items()))
    if dr_too:
        dr, prod = _both(key)
    else:
        dr, prod = cached_plan("dr"), _prod(key)
    return estate.from_plans({"dr": dr, "prod": prod}, ROLES, objectives(key), ROOT, "prod")


def mutated(change: Callable[[dict[str, harness.Plan]], None]) -> Estate:
    """The example estate with its plans changed by ``change`` (a copy): a setting changed in code, as the plan would
    record it."""
    plans = {"dr": copy.deepcopy(cached_plan("dr")), "prod": copy.deepcopy(cached_plan("prod"))}
    change(plans)
    return estate.from_plans(plans, ROLES, objectives(), ROOT, "prod")


def resource(plan: harness.Plan, type_: str, name: str) -> harness.PlannedResource:
    (found,) = [r for r in plan.by_type(type_) if r.name == name]
    return found


@cache
def example_program(folder: str, source: str | None = None) -> harness.Plan:
    """An example program under examples/ planned with its own Pulumi.yaml defaults; ``source`` replaces its
    ``__main__.py`` (a change made in code), run from a temporary folder."""
    import yaml

    project = yaml.safe_load((EXAMPLES / folder / "Pulumi.yaml").read_text(encoding="utf-8"))
    raw = {f"{project['name']}:{k}": str(spec["default"]) for k, spec in project["config"].items()}
    if source is None:
        plan = harness.run_program("dev", raw, program=EXAMPLES / folder / "__main__.py", project=project["name"])
    else:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="failsafe-example-") as directory:
            program = Path(directory) / "__main__.py"
            program.write_text(source, encoding="utf-8")
            plan = harness.run_program("dev", raw, program=program, project=project["name"])
    assert plan.error is None, plan.error
    return plan


def planned(stack: str, overrides: dict[str, Any] | None = None, preview: bool = False) -> harness.Plan:
    """A stand-in for :func:`failsafe.tooling.planning.plan_stack` that answers from the plans above (what a test of
    the command line monkeypatches in, so each command does not plan the estate again); prod-only what-ifs."""
    assert not preview, "the recovery model reads the plan as `pulumi up` sees it"
    if not overrides:
        return cached_plan(stack)
    if stack not in ROLES:  # a fleet member: planned with the what-if itself, once per process
        key = (stack, tuple(sorted((k, json.dumps(v)) for k, v in overrides.items())))
        if key not in _OTHERS:
            _OTHERS[key] = _PLAN_STACK(stack, dict(overrides))
        return _OTHERS[key]
    settings = {key.removeprefix("failsafe:"): value for key, value in overrides.items()}
    return what_if(**settings).plans[stack]
