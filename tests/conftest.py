"""Fixtures only; what tests share lives in :mod:`tests.support`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from failsafe.tooling import harness
from tests.support.moto import moto_environment
from tests.support.plans import REAL_STACKS, cached_plan


@pytest.fixture(scope="session")
def plan_for() -> Callable[[str], harness.Plan]:
    """``plan_for("prod")``: the plan of a real stack from its real config files (dr planned first for prod)."""
    return cached_plan


@pytest.fixture(scope="session", params=REAL_STACKS)
def any_plan(request: pytest.FixtureRequest) -> harness.Plan:
    return cached_plan(request.param)


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean moto server; boto3 in this process talks to it (AWS_ENDPOINT_URL) with dummy credentials."""
    yield moto_environment(monkeypatch)
