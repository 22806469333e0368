"""Restore run records, and the evidence a recovery estimate is checked against (standard library only).

A **restore run record** is one JSON file per executed restore (``failsafe-dr restore ... --execute``), written whether
or not a drill is running, so the recovery model (``python -m failsafe recovery``, docs/recovery.md) can replace an
estimated restore time with a measured one and ``failsafe-dr verify`` can fail when a restore took longer than its
estimate. The format (``failsafe-restore-run/1``)::

    {"format": "failsafe-restore-run/1",
     "command": "restore s3",             # the failsafe-dr subcommand
     "store": "s3:uploads",               # the recovery model's store id (docs/recovery.md, "Stores")
     "started": "2026-11-23T02:31:07Z",   # UTC, when the command began copying
     "ended": "2026-11-23T02:39:40Z",     # UTC, when it finished (or failed)
     "objects": 10000, "bytes": 53687091200,
     "outcome": "ok",                     # ok | failed | partial
     "source": "...", "target": "...", "drill": "", "notes": ""}

Files are named ``restore-<UTC started>-<command>-<store>-<digest>.json`` and never overwritten. This module is also
what the recovery model reads evidence through (tooling may not import the rest of ``failsafe.ops``), so the two
kinds of evidence failsafe itself writes are read here too: drill reports (``drill-*.json``, failsafe/ops/drill.py)
and AWS Backup restore jobs as ``aws backup list-restore-jobs`` prints them (a JSON object with ``RestoreJobs``; the
fields of botocore's ``RestoreJobsListMember``: ``ResourceType``, ``CreationDate``, ``CompletionDate``, ``Status``,
``BackupSizeInBytes``).

:func:`compare` is the check ``verify`` makes: given the model's JSON (``python -m failsafe recovery --output json``)
and the evidence, every measured run longer than the estimate it was supposed to stay under, naming the step and the
terms of its estimate.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from failsafe.ops.drill import RUNBOOK_STEPS

FORMAT = "failsafe-restore-run/1"
OUTCOMES = ("ok", "failed", "partial")
STAMP = "%Y%m%dT%H%M%SZ"
# AWS Backup restore job statuses that ended with a restored resource (botocore's RestoreJobStatus).
JOB_DONE = "COMPLETED"


# The recovery model's step ids of the runbook's steps (docs/runbook.md), each recognised in a drill report by the name
# `failsafe-dr drill run` gives it; the data step (6) is timed per store by the restore commands themselves.
RUNBOOK_STEP_IDS = dict(
    zip(
        (
            "declare",
            "verify-backup",
            "restore-state:dr",
            "up:dr",
            "restore-state:prod",
            "restore-data",
            "up:prod",
            "dns",
            "verify",
        ),
        RUNBOOK_STEPS,
        strict=True,
    )
)
# What the restore commands and `failsafe-dr dns` name the drill steps they time (failsafe/ops/restore.py drill_timed,
# failsafe/ops/dns.py): a prefix ending in a space matches the command with any --step-label.
RESTORE_STEP_PREFIX = "failsafe-dr restore "
DNS_HOLD_STEP = "DNS: hold traffic on DR"
DNS_FAILOVER_STEP = "DNS: automatic failover"  # begun by hand: `drill step begin`, ended by `dns wait --drill`


class RunRecordError(ValueError):
    """A record or evidence file that cannot be read as its format says; the message names the file and the field."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: object, where: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; UTC when none), or epoch seconds as the AWS CLI prints some dates."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return datetime.fromtimestamp(float(text), UTC)
    if not isinstance(text, str):
        raise RunRecordError(f"{where}: expected an ISO 8601 time such as 2026-11-23T02:31:07Z, got {text!r}")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RunRecordError(f"{where}: expected an ISO 8601 time such as 2026-11-23T02:31:07Z, got {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RunRecord:
    """One executed restore: what it restored (the model's store id), when, how much, and how it ended."""

    command: str
    store: str
    started: datetime
    ended: datetime
    objects: int
    bytes: int
    outcome: str
    source: str = ""
    target: str = ""
    drill: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise RunRecordError(f"outcome {self.outcome!r}: expected one of {', '.join(OUTCOMES)}")
        if self.ended < self.started:
            raise RunRecordError(f"ended {_iso(self.ended)} is before started {_iso(self.started)}")
        if self.objects < 0 or self.bytes < 0:
            raise RunRecordError(f"objects {self.objects}, bytes {self.bytes}: expected counts of 0 or more")
        if not self.command or not self.store:
            raise RunRecordError("command and store: expected the failsafe-dr subcommand and the model's store id")

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(started=_iso(self.started), ended=_iso(self.ended))
        return {"format": FORMAT, **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "record") -> RunRecord:
        if data.get("format") != FORMAT:
            raise RunRecordError(f"{where}: format {data.get('format')!r}: expected {FORMAT!r}")
        missing = [k for k in ("command", "store", "started", "ended", "objects", "bytes", "outcome") if k not in data]
        if missing:
            raise RunRecordError(f"{where}: missing {', '.join(missing)}")
        try:
            return cls(
                command=str(data["command"]),
                store=str(data["store"]),
                started=parse_time(data["started"], f"{where}: started"),
                ended=parse_time(data["ended"], f"{where}: ended"),
                objects=int(data["objects"]),
                bytes=int(data["bytes"]),
                outcome=str(data["outcome"]),
                source=str(data.get("source", "")),
                target=str(data.get("target", "")),
                drill=str(data.get("drill", "")),
                notes=str(data.get("notes", "")),
            )
        except RunRecordError as error:
            raise RunRecordError(f"{where}: {error}") from None
        except (TypeError, ValueError) as error:
            raise RunRecordError(f"{where}: {error}") from None


def record_name(record: RunRecord) -> str:
    """``restore-<UTC start>-<command>-<store>-<digest>.json``: sortable by time, unique per run. The digest takes the
    start and end to the microsecond (the file keeps whole seconds), so two runs of one command that end alike within
    a second (a re-run that finds its work done) get two names; one record written twice still gets one."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{record.command}-{record.store}".lower()).strip("-")
    exact = f"{record.started.isoformat()} {record.ended.isoformat()}"
    digest = hashlib.sha256((json.dumps(record.to_dict(), sort_keys=True) + exact).encode()).hexdigest()[:8]
    return f"restore-{record.started.astimezone(UTC).strftime(STAMP)}-{slug}-{digest}.json"


def write(record: RunRecord, directory: Path) -> Path:
    """Write ``record`` into ``directory`` (created when missing); an existing file is never overwritten."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / record_name(record)
    with path.open("x", encoding="utf-8") as handle:  # "x": refuse to overwrite a record
        handle.write(json.dumps(record.to_dict(), indent=2, sort_keys=True) + "\n")
    return path


def read(path: Path) -> RunRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise RunRecordError(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(data, dict):
        raise RunRecordError(f"{path}: expected a JSON object")
    return RunRecord.from_dict(data, str(path))


# --- evidence: what failsafe measured --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One measured duration of a recovery step, from any kind of evidence."""

    seconds: float
    ended: datetime
    source: str  # the file it came from
    bytes: int = 0  # what it restored, when the evidence says
    kind: str = ""  # drill | run-record | restore-job


@dataclass(frozen=True)
class Evidence:
    drill_steps: tuple[tuple[str, Run], ...] = ()  # (step name as the drill recorded it, run): outcome ok only
    runs: tuple[RunRecord, ...] = ()
    runs_from: tuple[str, ...] = ()  # the file of each run record, in the same order
    jobs: tuple[tuple[str, Run], ...] = ()  # (AWS Backup resource type, run): completed jobs only

    @property
    def empty(self) -> bool:
        return not (self.drill_steps or self.runs or self.jobs)


def _drill_steps(path: Path, report: Mapping[str, Any]) -> list[tuple[str, Run]]:
    found = []
    for n, step in enumerate(report.get("steps") or [], 1):
        if not isinstance(step, dict) or step.get("outcome") != "ok" or not step.get("ended"):
            continue  # a failed or skipped step measures nothing
        started = parse_time(step.get("started"), f"{path}: steps[{n}].started")
        ended = parse_time(step.get("ended"), f"{path}: steps[{n}].ended")
        found.append((str(step.get("name", "")), Run((ended - started).total_seconds(), ended, str(path), 0, "drill")))
    return found


def _restore_jobs(path: Path, document: Mapping[str, Any]) -> list[tuple[str, Run]]:
    found = []
    for n, job in enumerate(document.get("RestoreJobs") or [], 1):
        if not isinstance(job, dict) or job.get("Status") != JOB_DONE or not job.get("CompletionDate"):
            continue
        started = parse_time(job.get("CreationDate"), f"{path}: RestoreJobs[{n}].CreationDate")
        ended = parse_time(job.get("CompletionDate"), f"{path}: RestoreJobs[{n}].CompletionDate")
        size = int(job.get("BackupSizeInBytes") or 0)
        run = Run((ended - started).total_seconds(), ended, str(path), size, "restore-job")
        found.append((str(job.get("ResourceType", "")), run))
    return found


def read_evidence(paths: Iterable[Path]) -> Evidence:
    """Every evidence file under ``paths`` (files or directories, searched recursively), known by its content:
    restore run records (``format`` failsafe-restore-run/1; a ``restore-*.json`` without it is refused), drill reports
    (``drill-*.json`` with steps) and saved ``list-restore-jobs`` answers (``RestoreJobs``). Other JSON files (a drill
    still running: ``current.json``) are ignored."""
    drills: list[tuple[str, Run]] = []
    runs: list[RunRecord] = []
    runs_from: list[str] = []
    jobs: list[tuple[str, Run]] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.rglob("*.json"))
        elif path.exists():
            files.append(path)
        else:
            raise RunRecordError(f"{path}: no such file or directory")
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise RunRecordError(f"{path}: not a readable JSON file ({error})") from None
        if not isinstance(document, dict):
            continue
        if document.get("format") == FORMAT or (path.name.startswith("restore-") and "RestoreJobs" not in document):
            runs.append(RunRecord.from_dict(document, str(path)))
            runs_from.append(str(path))
        elif path.name.startswith("drill-") and "steps" in document:
            drills += _drill_steps(path, document)
        elif "RestoreJobs" in document:
            jobs += _restore_jobs(path, document)
    return Evidence(tuple(drills), tuple(runs), tuple(runs_from), tuple(jobs))


@dataclass(frozen=True)
class Match:
    """How evidence is recognised as a measurement of one recovery step (part of the model's JSON, so ``verify`` and
    the model recognise the same runs): drill step names (exact, or a prefix ending in a space), run records by
    store id (and command, when given), AWS Backup restore jobs by resource type."""

    drill_steps: tuple[str, ...] = ()
    store: str = ""
    command: str = ""
    resource_type: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items() if v}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Match:
        return cls(
            drill_steps=tuple(data.get("drill_steps", ())),
            store=str(data.get("store", "")),
            command=str(data.get("command", "")),
            resource_type=str(data.get("resource_type", "")),
        )


def _name_matches(name: str, patterns: Sequence[str]) -> bool:
    return any(name == p or (p.endswith(" ") and name.startswith(p)) for p in patterns)


def measurements(evidence: Evidence, match: Match) -> list[Run]:
    """The runs of ``evidence`` that measured the step ``match`` describes (successful ones only), oldest first."""
    found = [run for name, run in evidence.drill_steps if match.drill_steps and _name_matches(name, match.drill_steps)]
    if match.store:
        for record, source in zip(evidence.runs, evidence.runs_from, strict=True):
            if record.store == match.store and record.outcome == "ok" and match.command in ("", record.command):
                found.append(Run(record.seconds, record.ended, source, record.bytes, "run-record"))
    if match.resource_type:
        found += [run for kind, run in evidence.jobs if kind == match.resource_type]
    return sorted(found, key=lambda run: run.ended)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (the smallest value with at least ``fraction`` of the values at or below it)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    n: int
    p50_seconds: float
    p95_seconds: float
    max_seconds: float
    last: str  # UTC date of the newest run
    sources: tuple[str, ...] = field(default=())
    seconds_per_byte_p95: float | None = None  # when every run says how much it restored

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def summarise(runs: Sequence[Run]) -> Summary | None:
    if not runs:
        return None
    seconds = [r.seconds for r in runs]
    per_byte = [r.seconds / r.bytes for r in runs if r.bytes > 0]
    return Summary(
        n=len(runs),
        p50_seconds=percentile(seconds, 0.5),
        p95_seconds=percentile(seconds, 0.95),
        max_seconds=max(seconds),
        last=runs[-1].ended.astimezone(UTC).strftime("%Y-%m-%d"),
        sources=tuple(dict.fromkeys(r.source for r in runs)),
        seconds_per_byte_p95=percentile(per_byte, 0.95) if len(per_byte) == len(runs) else None,
    )


# --- the check verify makes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A measured run that took longer than the model's estimate: the model is wrong, and this is the step."""

    step: str
    name: str
    measured_seconds: float
    estimate_seconds: float
    source: str
    terms: tuple[str, ...]

    def line(self) -> str:
        return (
            f"recovery estimate exceeded: {self.name} ({self.step}) took {_clock(self.measured_seconds)} in "
            f"{self.source}, over its estimate {_clock(self.estimate_seconds)} = {' + '.join(self.terms)}"
        )


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def compare(model: Mapping[str, Any], evidence: Evidence) -> list[Finding]:
    """Every successful measured run of a step whose estimate is bounded and which took longer than it. A step whose
    estimate scales with size (``estimate.seconds_per_byte``) is judged against the estimate for the bytes that run
    restored. ``model`` is the JSON of ``python -m failsafe recovery --output json`` (its ``steps``)."""
    findings = []
    for step in model.get("steps", []):
        estimate = step.get("estimate") or {}
        fixed = estimate.get("seconds")
        per_byte = estimate.get("seconds_per_byte")
        overhead = float(estimate.get("overhead_seconds") or 0)
        if fixed is None and per_byte is None:
            continue  # an estimate with an open term bounds nothing
        terms = tuple(str(t) for t in estimate.get("terms", ()))
        for run in measurements(evidence, Match.from_dict(step.get("match") or {})):
            bound = overhead + float(per_byte) * run.bytes if per_byte is not None and run.bytes else fixed
            if bound is not None and run.seconds > float(bound):
                findings.append(
                    Finding(
                        str(step["id"]), str(step.get("name", step["id"])), run.seconds, float(bound), run.source, terms
                    )
                )
    return findings
