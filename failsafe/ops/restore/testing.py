"""``failsafe-dr restore tests``: what AWS Backup's restore testing measured, the latest test of each resource
against the RTO (and ``verify``'s restore-test check, which reads the same jobs)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from failsafe.ops import aws, options
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK
from failsafe.ops.output import Report, Table
from failsafe.ops.restore.common import RestoreInputError, backup_session, parse_int

SHAPE = {
    "plan_arn": "the restore testing plan",
    "rto_minutes": "the target (--rto-minutes), or null",
    "ok": "false when a latest test failed, was slower than the target, or none ran",
    "results": "[{verdict: ok|FAIL|SLOW, status, minutes, resource_type, source, started, validation, message}]",
}


@dataclass(frozen=True)
class RestoreTestResult:
    resource_type: str
    source: str  # the protected resource the recovery point was taken of
    status: str  # COMPLETED, FAILED, ABORTED, RUNNING, PENDING
    started: datetime
    completed: datetime | None
    validation: str  # ValidationStatus (SUCCESSFUL, FAILED, ...) or "" when none ran
    message: str

    @property
    def minutes(self) -> float | None:
        return (self.completed - self.started).total_seconds() / 60 if self.completed else None


def restore_test_results(backup: Any, plan_arn: str) -> list[RestoreTestResult]:
    """The latest restore job of each protected resource the restore testing plan restored (every page read)."""
    latest: dict[str, dict[str, Any]] = {}
    for job in aws.items(backup, "list_restore_jobs", "RestoreJobs", ByRestoreTestingPlanArn=plan_arn):
        source = job.get("SourceResourceArn") or job.get("RecoveryPointArn") or job["RestoreJobId"]
        if source not in latest or job["CreationDate"] > latest[source]["CreationDate"]:
            latest[source] = job
    return [
        RestoreTestResult(
            resource_type=job.get("ResourceType", ""),
            source=source,
            status=job.get("Status", ""),
            started=job["CreationDate"],
            completed=job.get("CompletionDate"),
            validation=job.get("ValidationStatus", ""),
            message=job.get("StatusMessage") or job.get("ValidationStatusMessage") or "",
        )
        for source, job in sorted(latest.items())
    ]


def verdict(r: RestoreTestResult, rto_minutes: int | None) -> str:
    late = rto_minutes is not None and r.minutes is not None and r.minutes > rto_minutes
    failed = r.status in ("FAILED", "ABORTED") or r.validation == "FAILED"
    return "FAIL" if failed else "SLOW" if late else "ok"


def report_restore_tests(results: Sequence[RestoreTestResult], rto_minutes: int | None, plan_arn: str = "") -> Report:
    """One row per resource; exit 1 when a latest test failed or took longer than the RTO, or none ran."""
    rows, found = [], []
    for r in results:
        v = verdict(r, rto_minutes)
        took = f"{r.minutes:.1f} min" if r.minutes is not None else "running"
        detail = f" ({r.message})" if r.message and v != "ok" else ""
        rows.append((v, r.status, took, r.resource_type, f"{r.source}{detail}", f"{r.started:%Y-%m-%dT%H:%M:%SZ}"))
        found.append(
            {
                "verdict": v,
                "status": r.status,
                "minutes": None if r.minutes is None else round(r.minutes, 1),
                "resource_type": r.resource_type,
                "source": r.source,
                "started": r.started.isoformat(),
                "validation": r.validation,
                "message": r.message,
            }
        )
    bad = [f for f in found if f["verdict"] != "ok"]
    data = {"plan_arn": plan_arn, "rto_minutes": rto_minutes, "ok": bool(found) and not bad, "results": found}
    if not results:
        return Report(data, ["no restore tests recorded for this plan yet (it runs on its schedule)"], EXIT_FAILED)
    blocks: list[str | Table] = [Table(("VERDICT", "STATUS", "TOOK", "TYPE", "SOURCE", "STARTED"), rows)]
    if rto_minutes is not None:
        blocks.append(f"target: {rto_minutes} min (rtoMinutes)")
    return Report(data, blocks, EXIT_FAILED if bad else EXIT_OK)


def cmd_tests(args: argparse.Namespace) -> Report:
    if not re.fullmatch(r"arn:aws[\w-]*:backup:[\w-]+:\d{12}:restore-testing-plan:.+", args.plan_arn or ""):
        raise RestoreInputError(
            f"--plan-arn {args.plan_arn!r}: expected a restore testing plan ARN (the dr output restoreTestingPlanArn)"
        )
    rto = parse_int("--rto-minutes", args.rto_minutes, 1) if args.rto_minutes else None
    backup = aws.client(backup_session(args), "backup")
    return report_restore_tests(restore_test_results(backup, args.plan_arn), rto, args.plan_arn)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    t = options.command(
        sub,
        "tests",
        help="the latest AWS Backup restore tests: status and duration against the RTO",
        shape=SHAPE,
        roles=("backup",),
        region="the plan's region",
    )
    t.add_argument("--plan-arn", required=True, help="restore testing plan ARN (dr output restoreTestingPlanArn)")
    t.add_argument("--rto-minutes", help="flag restores slower than this (failsafe:rtoMinutes)")
    t.set_defaults(func=cmd_tests)
    return t
