"""botocore's service models read once per test process, not once per session, as a context manager (for fixtures
that are not function-scoped): the mechanism and its sources are :func:`tests.support.moto.share_service_models`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.moto import share_service_models


@contextmanager
def models_read_once() -> Iterator[None]:
    """Inside: every new botocore session shares the loader of its search path."""
    with pytest.MonkeyPatch.context() as patch:
        share_service_models(patch)
        yield
