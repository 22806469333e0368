"""Plans of the real stacks, built once per test process (the program is deterministic), and seeders that add one
compliant or broken resource to a copy of a real plan."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from failsafe.settings import stackfiles
from failsafe.settings.config import StackConfig, load_mapping
from failsafe.tooling import harness
from failsafe.tooling.planning import plan_stack

ROOT = stackfiles.ROOT  # the fixture project (tests/support/estates.py), not the repository's own stack files
PREVIEW_STACK = "pr-42"
REAL_STACKS = ("prod", "dr", PREVIEW_STACK)

_CACHE: dict[tuple[str, bool], harness.Plan] = {}


_RUN_PROGRAM = harness.run_program  # the real one, whatever :func:`shared_runs` puts in its place
_RUNS: dict[str, bytes] = {}  # digest of a run's inputs -> the pickled plan it made


def _shared_run(
    stack: str,
    raw_config: Mapping[str, str],
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    program: Path = harness.ROOT / "__main__.py",
    preview: bool = False,
    project: str = harness.PROJECT,
) -> harness.Plan:
    """:func:`failsafe.tooling.harness.run_program`, made once per test process for the same inputs. A run of the
    program is a function of them (the mocks derive every ID from the URN; tests/components/test_dns_failover.py
    plans twice without sharing and compares), so the same inputs give the plan the first run gave. Each caller gets
    a copy of its own (pickled once, unpickled per call: 2 ms for dr's plan against 0.3-1 s to run it), so a test
    that changes its plan changes no other test's."""
    if not isinstance(raw_config, Mapping):  # the real run's own error, not one of this function's
        return _RUN_PROGRAM(stack, raw_config, stack_outputs, program, preview, project)
    inputs = [stack, sorted(raw_config.items()), stack_outputs or {}, str(program), preview, project]
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=repr).encode()).hexdigest()
    if key not in _RUNS:
        _RUNS[key] = pickle.dumps(_RUN_PROGRAM(stack, raw_config, stack_outputs, program, preview, project))
    plan: harness.Plan = pickle.loads(_RUNS[key])
    return plan


@contextmanager
def shared_runs() -> Iterator[None]:
    """Inside: every run of the program (a prod stack's dr first, each ``plan_stack``, the gate's, the proofs')
    with inputs planned before in this process returns a copy of that plan instead of running it again. The dr plan
    with the example's config alone was made 19 times by the suite. Only for tests that change no code: the root
    conftest leaves it off for any test that asks for ``monkeypatch`` or is marked ``fresh_plans``."""
    if harness.run_program is not _RUN_PROGRAM:  # someone's own stand-in (a fixture's patch) stays in charge
        yield
        return
    harness.run_program = _shared_run
    try:
        yield
    finally:
        harness.run_program = _RUN_PROGRAM


def cached_plan(stack: str, preview: bool = False) -> harness.Plan:
    """The plan of a real stack from its real config files; ``preview=True`` plans with unknown values, as
    ``pulumi preview`` does before anything exists."""
    if (stack, preview) not in _CACHE:
        _CACHE[stack, preview] = plan_stack(stack, preview=preview)
    return _CACHE[stack, preview]


@cache
def _raw(stack: str) -> dict[str, str]:
    return stackfiles.raw_config(stack)


def raw_of(stack: str) -> dict[str, str]:
    """The real stack's namespaced raw config, read once per test process (reading the stack files costs about
    0.1 s); a copy, so a test may change it."""
    return dict(_raw(stack))


def values_of(stack: str) -> dict[str, str]:
    """:func:`raw_of` without the namespace: what :func:`failsafe.settings.config.load_mapping` takes."""
    return stackfiles.unnamespaced(raw_of(stack))


def config_of(stack: str) -> StackConfig:
    return load_mapping(stack, values_of(stack))


def fleet_accounts(stack: str) -> set[str]:
    """The accounts the stack file names beyond the estate's own (``Accounts``): the fleet's members (``members``,
    dr's registry), the organization's management account and the air-gapped vault's recovery account; read from
    the values as written, not from failsafe's settings model, so a test's expectation does not come from the code
    under test. Empty for an estate without an organization, members or air gap."""
    values = values_of(stack)
    found = {m["accountId"] for m in json.loads(values.get("members") or "[]")}
    return found | {values[k] for k in ("orgManagementAccountId", "recoveryAccountId") if values.get(k)}


def seeded(
    plan: harness.Plan,
    type_: str,
    name: str,
    inputs: dict[str, Any],
    protect: bool = True,
    deps: dict[str, list[str]] | None = None,
) -> harness.PlannedResource:
    """A resource as the harness would record it in ``plan`` (same stack, the plan's provider), for tests
    that add one compliant or broken resource to a real plan. The caller appends it."""
    provider = next((r.provider for r in plan.resources if r.provider), "")
    return harness.PlannedResource(
        urn=f"urn:pulumi:{plan.stack}::{plan.project}::{type_}::{name}",
        type=type_,
        name=name,
        parent="",
        provider="" if type_.startswith(harness.PROVIDER_PREFIX) else provider,
        custom=True,
        inputs=inputs,
        dependencies=[u for urns in (deps or {}).values() for u in urns],
        property_dependencies=deps or {},
        protect=protect,
        retain_on_delete=False,
        delete_before_replace=False,
        ignore_changes=[],
    )
