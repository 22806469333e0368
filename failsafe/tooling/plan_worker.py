"""A second process that plans stacks for ``check --all``, so a fleet's member plans use the other core.

``python -m failsafe.tooling.plan_worker`` reads jobs from stdin and writes answers to stdout, both pickled: a job is
the arguments of :func:`failsafe.tooling.harness.run_program` (stack, raw config, stack references), an answer
``(True, plan)`` or ``(False, exception)``, in the order of the jobs. The worker is this program's own child, so
pickle's trust in its input is the trust the parent has in itself.

Why not ``multiprocessing``: its ``spawn`` and ``forkserver`` start methods run the parent's main script again in the
child (Python docs, multiprocessing, "Safe importing of main module"), which a script without a ``__main__`` guard
turns into a second ``check --all``; ``fork`` copies a process that may hold the packs' gRPC threads and the Pulumi
SDK's executor threads, which the child would not have. A fresh interpreter with a pipe has neither problem.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from typing import IO, Any

from failsafe.tooling import harness


class WorkerGone(RuntimeError):
    """The worker ended before it answered; the caller may plan the stack itself."""


class PlanWorker:
    """The worker process, started at once so its imports overlap what the caller does meanwhile (dr's plan)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "failsafe.tooling.plan_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=harness.CHECKOUT,
        )
        self._lock = threading.Lock()
        self._waiting: deque[Future[harness.Plan]] = deque()
        self._gone: str | None = None  # why the worker ended, once it has
        # Jobs are written by a thread of their own: a pipe holds 64 KB, and a caller writing a hundred jobs itself
        # would wait for the worker to read them, where it should go on with its own work meanwhile.
        self._jobs: queue.SimpleQueue[tuple[str, dict[str, str], dict[str, Any]] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="failsafe-plan-jobs", daemon=True)
        self._reader = threading.Thread(target=self._read, name="failsafe-plan-answers", daemon=True)
        self._writer.start()
        self._reader.start()

    def submit(self, stack: str, raw: dict[str, str], references: dict[str, Any]) -> Future[harness.Plan]:
        """The plan of ``stack``, made by the worker: futures are answered in the order they were asked."""
        future: Future[harness.Plan] = Future()
        with self._lock:
            if self._gone is not None:  # the reader has failed every waiting plan already: nobody would answer
                future.set_exception(WorkerGone(self._gone))
            else:
                self._waiting.append(future)
                self._jobs.put((stack, raw, references))
        return future

    def _write(self) -> None:
        assert self._process.stdin is not None
        with contextlib.suppress(OSError):  # the worker is gone: the reader fails every waiting future with why
            while (job := self._jobs.get()) is not None:
                pickle.dump(job, self._process.stdin)
                self._process.stdin.flush()
        with contextlib.suppress(OSError):
            self._process.stdin.close()  # the worker's loop ends

    def _read(self) -> None:
        assert self._process.stdout is not None
        while True:
            try:
                ok, value = pickle.load(self._process.stdout)
            except (EOFError, pickle.UnpicklingError, OSError):
                break
            with self._lock:
                future = self._waiting.popleft()
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        code = self._process.wait()
        with self._lock:
            self._gone = f"the planning process (python -m failsafe.tooling.plan_worker) exited with {code}"
            while self._waiting:
                self._waiting.popleft().set_exception(WorkerGone(self._gone))

    def shutdown(self) -> None:
        """Ends the worker once the jobs asked are written; one that does not end within 10 s is killed."""
        self._jobs.put(None)
        self._writer.join(timeout=10)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=10)


def serve(jobs: IO[bytes], answers: IO[bytes]) -> None:
    """Plan each job read from ``jobs``, in order, until it closes."""
    # The program's own imports (__main__.py; pulumi_aws the heaviest), made before the first job arrives.
    from failsafe.program import providers, registered, wiring  # noqa: F401

    while True:
        try:
            stack, raw, references = pickle.load(jobs)
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, harness.run_program(stack, raw, references))
        except Exception as error:  # handed to the parent, which raises it where it waits
            answer = (False, error)
        try:
            data = pickle.dumps(answer)
        except Exception as error:  # an exception that cannot be pickled: its text goes instead
            data = pickle.dumps((False, RuntimeError(f"planning {stack} failed: {error!r}")))
        answers.write(data)
        answers.flush()


def main() -> None:
    # The answers get stdout's pipe to themselves: anything the program or a library prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
