"""``failsafe-dr restore s3``: the replica bucket's versions as of a time, copied into a target bucket.

CopyObject in parallel (or one S3 Batch Operations job above ``--batch-threshold`` objects), resumable through a
state file, every copy verified, a summary table at the end (docs/restore.md).
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from failsafe.ops import aws, options
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK
from failsafe.ops.output import Report
from failsafe.ops.restore.common import (
    SAMPLE,
    RestoreInputError,
    backup_session,
    human_bytes,
    need,
    parse_int,
    parse_time,
    target_session,
)
from failsafe.ops.restore.copying import (
    DEFAULT_BATCH_THRESHOLD,
    DEFAULT_CONCURRENCY,
    Copier,
    Summary,
    count_objects,
    restore_objects,
    start_batch_job,
    target_is_empty,
)
from failsafe.ops.restore.planning import Plan, Version, make_plan
from failsafe.ops.restore.state import State

SHAPE = {
    "source": "the replica bucket",
    "target": "the target bucket",
    "prefix": "the key prefix restored",
    "as_of": "ISO 8601 time of the restore, or null for the latest versions",
    "state_file": "path of the state file",
    "to_restore": "objects this run restores (or would)",
    "already_restored": "objects the state file records as done",
    "deleted_at_as_of": "keys whose newest entry at as_of is a delete marker (not restored)",
    "created_later": "keys first written after as_of (not restored)",
    "archived": "planned objects in GLACIER/DEEP_ARCHIVE (need RestoreObject first)",
    "executed": "false for a dry run",
    "method": "copy (CopyObject in parallel) or batch (one S3 Batch Operations job)",
    "batch_job": "the Batch Operations job ID, or null",
    "summary": "null, or {planned, restored, skipped, failed: [{key, version, error}], bytes, seconds, "
    "verified: {etag|checksum|size: n}, target_count}",
}


def _plan_lines(plan: Plan, todo: Sequence[Version], skipped: int, target: str) -> list[str]:
    stamp = plan.as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if plan.as_of else "now (latest versions)"
    lines = [
        f"restore s3://{plan.source}/{plan.prefix} -> s3://{target}/ as of {stamp}",
        f"  to restore        {len(todo):>10}  {human_bytes(sum(v.size for v in todo))}",
        f"  already restored  {skipped:>10}  (state file)",
        f"  deleted at as-of  {len(plan.deleted):>10}  (newest entry a delete marker: not restored)",
        f"  created later     {len(plan.later):>10}  (no version at as-of: not restored)",
    ]
    if plan.archived:
        lines.append(
            f"  archived          {len(plan.archived):>10}  "
            "(GLACIER/DEEP_ARCHIVE: run RestoreObject first, or they fail)"
        )
    lines += [
        f"    {v.key}  version {v.version_id}  {v.size} B  {v.modified:%Y-%m-%dT%H:%M:%SZ}" for v in todo[:SAMPLE]
    ]
    if len(todo) > SAMPLE:
        lines.append(f"    ... and {len(todo) - SAMPLE} more")
    return lines


def default_state_file(source: str, target: str, prefix: str, as_of: datetime | None) -> str:
    """One file per restore in the working directory, so an interrupted run resumes by running it again."""
    stamp = as_of.strftime("%Y%m%dT%H%M%SZ") if as_of else "latest"
    digest = hashlib.sha256(prefix.encode()).hexdigest()[:8] if prefix else "all"
    return f"failsafe-restore-{source}-to-{target}-{stamp}-{digest}.jsonl"


def cmd_s3(args: argparse.Namespace) -> Report:
    as_of = parse_time("--as-of", args.as_of)
    if as_of and as_of > datetime.now(UTC):
        raise RestoreInputError(f"--as-of {args.as_of!r}: expected a time in the past")
    concurrency = parse_int("--concurrency", args.concurrency, 1, 256)
    threshold = parse_int("--batch-threshold", args.batch_threshold, 1)
    source, target = args.replica_bucket, args.target_bucket
    if source == target:
        raise RestoreInputError(f"--target-bucket {target!r}: expected a bucket other than the --replica-bucket")
    prefix = args.prefix or ""
    backup = backup_session(args)
    target_sess = target_session(args, backup)
    source_s3 = aws.client(backup, "s3", pool=concurrency)
    target_s3 = aws.client(target_sess, "s3", pool=concurrency)

    header = {"source": source, "target": target, "prefix": prefix, "as_of": as_of.isoformat() if as_of else None}
    state_path = Path(args.state_file or default_state_file(source, target, prefix, as_of))
    state = State(state_path, header)
    if not state.done and not state.batch_job and not args.allow_non_empty and not target_is_empty(target_s3, target):
        raise RestoreInputError(
            f"--target-bucket {target!r}: the target bucket already holds objects; expected an empty bucket "
            "(or --allow-non-empty to write into it, or the --state-file of the interrupted restore)"
        )
    plan = make_plan(source_s3, source, prefix, as_of, args.progress)
    todo = [v for v in plan.restore if (v.key, v.version_id) not in state.done]
    skipped = len(plan.restore) - len(todo)
    batch = len(todo) > threshold
    data: dict[str, Any] = {
        "source": source,
        "target": target,
        "prefix": prefix,
        "as_of": header["as_of"],
        "state_file": str(state_path),
        "to_restore": len(todo),
        "already_restored": skipped,
        "deleted_at_as_of": len(plan.deleted),
        "created_later": len(plan.later),
        "archived": len(plan.archived),
        "executed": bool(args.execute),
        "method": "batch" if batch else "copy",
        "batch_job": state.batch_job,
        "summary": None,
    }
    report = Report(data, [*_plan_lines(plan, todo, skipped, target), f"state file: {state_path}"])
    if batch:
        need("--batch-role-arn", args.batch_role_arn, "a role trusted by batchoperations.s3.amazonaws.com")
        need("--manifest-bucket", args.manifest_bucket, "a bucket for the job's manifest and completion report")
    if not args.execute:
        how = "an S3 Batch Operations job" if batch else f"CopyObject, {concurrency} at a time"
        report.say(f"dry run: nothing copied; --execute to copy with {how}")
        return report
    if not todo:
        report.say("nothing left to restore")
        return report
    if batch:
        if state.batch_job:
            report.say(f"batch job {state.batch_job} already started for this restore (state file)")
            return report
        job = start_batch_job(
            target_s3,
            aws.client(target_sess, "s3control"),
            aws.client(target_sess, "sts"),
            source=source,
            target=target,
            versions=todo,
            manifest_bucket=args.manifest_bucket,
            role_arn=args.batch_role_arn,
            as_of=as_of,
        )
        state.record_job(job["job_id"])
        state.close()
        data["batch_job"] = job["job_id"]
        report.say(
            f"batch job {job['job_id']} started for {len(todo)} objects; manifest {job['manifest']}; follow it with "
            f"`aws s3control describe-job --account-id {job['account']} --job-id {job['job_id']}` "
            "(the completion report lists every task; objects above 5 GB fail there)"
        )
        return report

    summary = Summary(planned=len(plan.restore), skipped=skipped)
    restore_objects(Copier(source_s3, target_s3, source, target), todo, state, concurrency, args.progress, summary)
    summary.target_count = count_objects(target_s3, target, prefix)
    data["summary"] = summary.as_dict()
    report.say(summary.table())
    short = summary.target_count < summary.restored + summary.skipped
    if short:
        report.say(f"target holds {summary.target_count} objects, fewer than restored: check the bucket")
    report.code = EXIT_FAILED if summary.failed or short else EXIT_OK
    return report


def add_parser(sub: Any) -> argparse.ArgumentParser:
    s3 = options.command(
        sub,
        "s3",
        help="copy a replica bucket's versions as of a time into a target bucket",
        shape=SHAPE,
        roles=("backup", "target"),
        region="region of the replica bucket (and of the target, without --target-region)",
    )
    s3.add_argument("--replica-bucket", required=True, help="the replica bucket in the backup account")
    s3.add_argument("--target-bucket", required=True, help="the target bucket (empty unless --allow-non-empty)")
    s3.add_argument("--target-region", help="region of the target bucket (default: --region)")
    s3.add_argument("--as-of", help="ISO 8601 time, e.g. 2026-11-23T02:00:00Z (default: latest versions)")
    s3.add_argument("--prefix", default="", help="only keys under this prefix")
    s3.add_argument("--state-file", help="JSON lines of restored keys; re-run with it to resume")
    s3.add_argument("--concurrency", default=str(DEFAULT_CONCURRENCY), help=f"default {DEFAULT_CONCURRENCY}")
    s3.add_argument(
        "--batch-threshold",
        default=str(DEFAULT_BATCH_THRESHOLD),
        help=f"above this many objects use S3 Batch Operations (default {DEFAULT_BATCH_THRESHOLD})",
    )
    s3.add_argument("--batch-role-arn", help="role for the S3 Batch Operations job")
    s3.add_argument("--manifest-bucket", help="bucket for the batch manifest and completion report")
    s3.add_argument("--allow-non-empty", action="store_true", help="write into a bucket that holds objects")
    s3.add_argument("--execute", action="store_true", help="copy (default: print the plan only)")
    s3.set_defaults(func=cmd_s3)
    return s3
