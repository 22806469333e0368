"""``restore s3``'s state file: what a restore has copied and verified, so that running it again resumes it."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, TextIO

from failsafe.ops.restore.common import RestoreInputError
from failsafe.ops.restore.planning import Version


class State:
    """Append-only JSON lines: a header naming the restore, then one line per restored (and verified) object.

    A re-run with the same file skips what it records. A torn last line (a crash mid-write) is ignored; a line
    lost to a machine crash only means that object is copied again (copies are idempotent).
    """

    def __init__(self, path: Path | None, header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self.done: set[tuple[str, str]] = set()
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
        if head != self.header:
            raise RestoreInputError(
                f"--state-file {path}: records another restore ({json.dumps(head, sort_keys=True)}); "
                "expected the same source, target, --as-of and --prefix, or use a new state file"
            )
        for r in records[1:]:
            if "key" in r:
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

    def record(self, v: Version, how: str) -> None:
        self._write({"key": v.key, "version": v.version_id, "bytes": v.size, "verified": how})

    def record_job(self, job_id: str) -> None:
        self._write({"batch_job": job_id})

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
