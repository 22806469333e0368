"""Pacing and the time budget of a capture: every call waits its turn, and the run stops when its time is up.

Former2 at DNAnexus slept a random time before every call to stay clear of throttling instead of relying on retries;
the :class:`Pacer` does the same at a stated rate. It paces *attempts*: it hooks each client's ``before-send`` event,
which botocore emits once per attempt, its own retries included (``botocore/endpoint.py``, ``_do_get_response``), so
a retried call waits its turn like any other. The retries themselves are botocore's standard mode
(:mod:`failsafe.ops.aws`): the pacer only spaces and counts them, it never retries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from botocore.retries import standard

from failsafe.ops import aws
from failsafe.ops.capture.model import DEFAULT_JITTER, DEFAULT_RATE, BudgetExceeded


class Budget:
    """A deadline on an injected clock."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.deadline = clock() + seconds

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise BudgetExceeded(f"the time budget of {self.seconds:g}s ran out (--budget-seconds)")


class Pacer:
    """Spaces attempts ``1/rate`` seconds apart times a jitter factor in ``[1 - jitter, 1 + jitter]``, checks the
    budget before each, and counts attempts (``calls``) and throttled answers (``throttled``, by botocore's own
    definition of throttling plus :data:`failsafe.ops.aws.ALSO_THROTTLING`). ``rate=None`` turns pacing off."""

    def __init__(
        self,
        rate: float | None = DEFAULT_RATE,
        jitter: float = DEFAULT_JITTER,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        uniform: Callable[[float, float], float] = random.uniform,
        budget: Budget | None = None,
    ) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.jitter, self.clock, self.sleep, self.uniform, self.budget = jitter, clock, sleep, uniform, budget
        self.calls = 0  # attempts sent, retries included
        self.throttled = 0  # attempts answered with a throttling error
        self._next: float | None = None  # when the next attempt may start
        self._throttling = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())
        self._also = frozenset().union(*aws.ALSO_THROTTLING.values())

    def wait(self) -> None:
        if self.budget:
            self.budget.check()
        if self.interval:
            now = self.clock()
            if self._next is not None and self._next > now:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval * self.uniform(1.0 - self.jitter, 1.0 + self.jitter)
            if self.budget:
                self.budget.check()
        self.calls += 1

    def attach(self, client: Any) -> Any:
        """Pace every attempt of ``client`` and count its throttled answers; returns the client."""
        client.meta.events.register("before-send", self._before_send)
        client.meta.events.register("needs-retry", self._after_attempt)
        return client

    def _before_send(self, **_: Any) -> None:
        self.wait()

    def _after_attempt(self, **kwargs: Any) -> None:
        response = kwargs.get("response")
        if response is None:
            return
        code = (response[1].get("Error") or {}).get("Code")
        if code in self._also or self._throttling.is_throttling_error(**kwargs):
            self.throttled += 1
