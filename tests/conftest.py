"""Fixtures only; what tests share lives in :mod:`tests.support`."""

from __future__ import annotations

from tests.support.estates import use_fixture_project

PROJECT = use_fixture_project()  # before failsafe is imported: it reads the project folder once

import os  # noqa: E402

# the source scan's cache (failsafe/tooling/literals.py) in this process's fixture folder, shared with the
# subprocesses of its tests, never in the user's own cache folder
os.environ.setdefault("FAILSAFE_CACHE_DIR", str(PROJECT.parent / "cache"))

from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402

from failsafe.tooling import harness  # noqa: E402
from tests.support.moto import moto_environment, share_client_classes, share_service_models  # noqa: E402
from tests.support.plans import REAL_STACKS, cached_plan, shared_runs  # noqa: E402


@pytest.fixture(scope="session")
def plan_for() -> Callable[[str], harness.Plan]:
    """``plan_for("prod")``: the plan of a real stack from its real config files (dr planned first for prod)."""
    return cached_plan


@pytest.fixture(scope="session", params=REAL_STACKS)
def any_plan(request: pytest.FixtureRequest) -> harness.Plan:
    return cached_plan(request.param)


@pytest.fixture(scope="session", autouse=True)
def _botocore_models_shared() -> Iterator[None]:
    """Every botocore session of the run reads each service model once and builds each client class once
    (:func:`tests.support.moto.share_service_models`, :func:`tests.support.moto.share_client_classes`): parsing
    models and building classes was about a quarter of the operations tests' time. Credentials, config, endpoints
    and event handlers stay each session's and each client's own."""
    with pytest.MonkeyPatch.context() as patch:
        share_service_models(patch)
        share_client_classes(patch)
        yield


@pytest.fixture(autouse=True)
def _runs_shared(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs of the program are shared across tests (:func:`tests.support.plans.shared_runs`) unless the test may
    change code a run executes: it asks for ``monkeypatch`` (directly or through a fixture), or it is marked
    ``fresh_plans`` (it patches by other means, or it is about the run itself)."""
    if "monkeypatch" in request.fixturenames or request.node.get_closest_marker("fresh_plans"):
        yield
        return
    with shared_runs():
        yield


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean moto server; boto3 in this process talks to it (AWS_ENDPOINT_URL) with dummy credentials."""
    yield moto_environment(monkeypatch)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collection leaves every module, botocore model and plan this worker imported on the heap, and CPython's
    collector walks them again on each full collection; freezing them moves them out of its way (Python docs, gc,
    ``gc.freeze``: "move all objects tracked by the garbage collector into a permanent generation"), and a larger
    first generation makes collections rarer (``gc.set_threshold``). Measured here: see README, "Development"."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
