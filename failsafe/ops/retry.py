"""Bounded, jittered retries on throttling: the one retry layer for every AWS call in this package.

botocore's own retries are switched off for our clients (:func:`failsafe.ops.aws.client_config`) so that
retries never multiply: a throttled call is retried here at most ``attempts`` times, sleeping a random
time in ``[0, min(cap, base * 2**n)]`` ("full jitter"), so many copiers throttled together spread out
instead of retrying in step. Anything that is not throttling is raised at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceededException",
        "PriorRequestNotComplete",
        "SnapshotCreationPerVolumeRateExceeded",
    }
)
ATTEMPTS = 5
BASE_SECONDS = 0.5
CAP_SECONDS = 20.0


class ThrottledError(RuntimeError):
    """Still throttled after the bounded attempts; the message says which call and how often it was tried."""


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code")
    return None


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def delays(
    attempts: int = ATTEMPTS,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    uniform: Callable[[float, float], float] = random.uniform,
) -> list[float]:
    """The sleeps between ``attempts`` tries (one fewer than the attempts)."""
    return [uniform(0.0, min(cap, base * 2**n)) for n in range(attempts - 1)]


def call(
    fn: Callable[..., T],
    *args: Any,
    attempts: int = ATTEMPTS,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    sleep: Callable[[float], None] | None = None,
    uniform: Callable[[float, float], float] = random.uniform,
    **kwargs: Any,
) -> T:
    """``fn(*args, **kwargs)``, retried on throttling only, at most ``attempts`` tries in all."""
    if attempts < 1:
        raise ValueError(f"attempts {attempts}: expected at least 1")
    pause = sleep if sleep is not None else time.sleep
    for n in range(attempts):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if not is_throttling(exc):
                raise
            if n == attempts - 1:
                name = getattr(fn, "__name__", repr(fn))
                raise ThrottledError(
                    f"{name}: still throttled ({error_code(exc)}) after {attempts} attempts with jittered backoff; "
                    "try again later or lower the request rate"
                ) from exc
            pause(uniform(0.0, min(cap, base * 2**n)))
    raise AssertionError("unreachable")
