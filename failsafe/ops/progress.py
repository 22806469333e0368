"""Progress on stderr, for everything that can take more than a few seconds: one helper for every command.

stdout carries the command's result (``--output``), stderr what is happening. A counting line (``restore:
40/1000 (4.0%) ...``) and a waiting line (``waiting for restore job x: RUNNING, 120 s``) rewrite themselves with
``\\r``, at most five times a second; :meth:`Progress.say` prints a finished line. ``--no-progress`` (or
``Progress.off()``) silences all of it. Standard library only (no progress library: the bare recovery laptop).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(
        self,
        enabled: bool = True,
        stream: TextIO | None = None,
        every: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled, self.every, self.clock = enabled, every, clock
        self._stream = stream
        self._shown = float("-inf")
        self._open = False  # a \r line is on the screen
        self.updates = 0

    @classmethod
    def off(cls) -> Progress:
        return cls(enabled=False)

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    def _due(self, force: bool) -> bool:
        now = self.clock()
        if not self.enabled or (not force and now - self._shown < self.every):
            return False
        self._shown = now
        return True

    def _rewrite(self, line: str) -> None:
        self.stream.write(f"\r{line}")
        self.stream.flush()
        self._open = True
        self.updates += 1

    def say(self, line: str) -> None:
        """A finished line (a service captured, a step done)."""
        if not self.enabled:
            return
        self.end()
        print(line, file=self.stream, flush=True)

    def count(self, label: str, done: int, total: int, failed: int, started: float, force: bool = False) -> None:
        """``label: done/total (percent) rate obj/s  failed n  ETA s``."""
        if not self._due(force):
            return
        elapsed = max(self.clock() - started, 1e-9)
        percent = 100.0 * done / total if total else 100.0
        rate = done / elapsed
        left = (total - done) / rate if rate > 0 else 0.0
        self._rewrite(
            f"{label}: {done}/{total} ({percent:5.1f}%) {rate:8.1f} obj/s  failed {failed}  ETA {left:5.0f} s"
        )

    def tally(self, label: str, done: int, what: str, force: bool = False) -> None:
        """``label: done what`` when the total is not known yet (versions listed, checks run)."""
        if self._due(force):
            self._rewrite(f"{label}: {done} {what}")

    def waiting(self, what: str, status: str, elapsed: float, limit: float | None = None, force: bool = False) -> None:
        """``waiting for what: status, 120 s (limit 600 s)``."""
        if self._due(force):
            bound = f" (limit {limit:.0f} s)" if limit is not None else ""
            self._rewrite(f"waiting for {what}: {status}, {elapsed:.0f} s{bound}")

    def end(self) -> None:
        """Close a rewriting line, so the next output starts on its own line."""
        if self._open and self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        self._open = False
