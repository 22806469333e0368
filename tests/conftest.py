"""Shared fixtures: each stack is planned once per test session (the program is deterministic), so the
suite stays fast as stacks grow. Tests that need a variant plan call ``plan_stack`` with overrides."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from failsafe import harness  # noqa: E402
from failsafe.cli import plan_stack  # noqa: E402
from tests.recovery_moto import moto  # noqa: E402, F401  (the moto server fixture, for every test module)

PREVIEW_STACK = "pr-42"
REAL_STACKS = ("prod", "dr", PREVIEW_STACK)

_CACHE: dict[str, harness.Plan] = {}


def cached_plan(stack: str) -> harness.Plan:
    if stack not in _CACHE:
        _CACHE[stack] = plan_stack(stack)
    return _CACHE[stack]


@pytest.fixture(scope="session")
def plan_for() -> Callable[[str], harness.Plan]:
    """``plan_for("prod")``: the plan of a real stack from its real config files (dr planned first for prod)."""
    return cached_plan


@pytest.fixture(scope="session", params=REAL_STACKS)
def any_plan(request: pytest.FixtureRequest) -> harness.Plan:
    return cached_plan(request.param)
