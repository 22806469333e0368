"""Fixtures only; what tests share lives in :mod:`tests.support`."""

from __future__ import annotations

from tests.support.estates import use_fixture_project

PROJECT = use_fixture_project()  # before failsafe is imported: it reads the project folder once

from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402

from failsafe.tooling import harness  # noqa: E402
from tests.support.moto import moto_environment  # noqa: E402
from tests.support.plans import REAL_STACKS, cached_plan  # noqa: E402


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
