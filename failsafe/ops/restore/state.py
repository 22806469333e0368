"""``restore s3``'s state file: what a restore has copied and verified, so that running it again resumes it."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from failsafe.ops.restore.common import RestoreInputError
from failsafe.ops.restore.planning import Version


def same_restore(recorded: Any, header: dict[str, Any]) -> bool:
    """Whether a state file's header names this restore. ``as_of`` is compared as an instant: files written before
    times were converted to UTC hold the operator's offset (``...T02:07:50+02:00``), newer ones UTC."""
    if not isinstance(recorded, dict) or set(recorded) != set(header):
        return False
    if any(recorded[k] != header[k] for k in header if k != "as_of"):
        return False
    mine, theirs = header.get("as_of"), recorded.get("as_of")
    if mine is None or theirs is None:
        return mine is theirs
    try:
        return bool(datetime.fromisoformat(str(theirs)) == datetime.fromisoformat(str(mine)))
    except ValueError:
        return False


class State:
    """Append-only JSON lines: a header naming the restore, then per object a ``copying`` line written *before* its
    copy starts and a done line (with the target's new version) once the copy is verified.

    A re-run with the same file skips what is done. Copies are not idempotent in a versioned target (each one adds a
    version), so a key with a ``copying`` line and no done line (the process was killed between the two) is checked
    in the target before it is copied again (:func:`failsafe.ops.restore.copying.resume_check`). Lines are flushed
    to the operating system one by one: a killed process loses none; a torn last line (a crash mid-write) is ignored.
    """

    def __init__(self, path: Path | None, header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self.done: set[tuple[str, str]] = set()
        self.started: set[tuple[str, str]] = set()  # a copy began; done or not
        self.batch_job: str | None = None
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        lines = path.read_text(encoding="utf-8").splitlines()
        records = []
        for n, line in enumerate(lines):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                if n == len(lines) - 1:
                    continue  # torn last line
                raise RestoreInputError(
                    f"--state-file {path}: line {n + 1} is not JSON; expected a failsafe restore state file"
                ) from None
        if not records:
            return
        head = records[0].get("restore")
        if not same_restore(head, self.header):
            raise RestoreInputError(
                f"--state-file {path}: records another restore ({json.dumps(head, sort_keys=True)}); "
                "expected the same source, target, --as-of and --prefix, or use a new state file"
            )
        for r in records[1:]:
            if "copying" in r:
                self.started.add((r["copying"], r["version"]))
            elif "key" in r:
                self.done.add((r["key"], r["version"]))
            elif "batch_job" in r:
                self.batch_job = r["batch_job"]

    def _write(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        with self._lock:
            if self._file is None:
                fresh = not self.path.exists() or self.path.stat().st_size == 0
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
                if fresh:
                    self._file.write(json.dumps({"restore": self.header}, sort_keys=True) + "\n")
            self._file.write(json.dumps(record, sort_keys=True) + "\n")
            self._file.flush()

    @property
    def resuming(self) -> bool:
        """This file records an earlier attempt of the restore (anything begun in the target)."""
        return bool(self.done or self.started or self.batch_job)

    def begin(self, v: Version) -> None:
        self._write({"copying": v.key, "version": v.version_id})

    def record(self, v: Version, how: str, target_version: str | None = None) -> None:
        done = {"key": v.key, "version": v.version_id, "bytes": v.size, "verified": how}
        self._write(done | ({"target_version": target_version} if target_version else {}))

    def record_job(self, job_id: str) -> None:
        self._write({"batch_job": job_id})

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
