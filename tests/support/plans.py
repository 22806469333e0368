"""Plans of the real stacks, built once per test process (the program is deterministic), and seeders that add one
compliant or broken resource to a copy of a real plan."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from failsafe.settings import stackfiles
from failsafe.settings.config import StackConfig, load_mapping
from failsafe.tooling import harness
from failsafe.tooling.planning import plan_stack

ROOT = stackfiles.ROOT  # the fixture project (tests/support/estates.py), not the repository's own stack files
PREVIEW_STACK = "pr-42"
REAL_STACKS = ("prod", "dr", PREVIEW_STACK)

_CACHE: dict[tuple[str, bool], harness.Plan] = {}


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
