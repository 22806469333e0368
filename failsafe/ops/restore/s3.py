"""``failsafe-dr restore s3``: the replica bucket's versions as of a time, copied into a target bucket.

CopyObject in parallel (or one S3 Batch Operations job above ``--batch-threshold`` objects), resumable through a
state file, every copy verified, a summary table at the end (docs/restore.md).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from failsafe.ops import aws, fleet, options
from failsafe.ops.errors import ACCESS_DENIED, EXIT_FAILED, EXIT_OK, AwsRefused, error_code, explain
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
    utc_text,
)
from failsafe.ops.restore.copying import (
    DEFAULT_BATCH_THRESHOLD,
    DEFAULT_CONCURRENCY,
    Copier,
    ResumeCheck,
    Summary,
    count_objects,
    one_line,
    restore_objects,
    resume_check,
    start_batch_job,
    target_is_empty,
)
from failsafe.ops.restore.planning import Plan, Version, make_plan
from failsafe.ops.restore.state import State

SHAPE = {
    "source": "the replica bucket",
    "target": "the target bucket",
    "prefix": "the key prefix restored",
    "as_of": "the restore's time in UTC (ISO 8601, Z), or null for the latest versions",
    "state_file": "path of the state file",
    "target_exists": "false when the target bucket is not made yet (a dry run before the rebuild)",
    "to_restore": "objects this run restores (or would)",
    "already_restored": "objects the state file records as done",
    "written_by_others": "keys still to restore that hold data this restore did not write (a resume refuses them "
    "unless --allow-non-empty)",
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
    stamp = utc_text(plan.as_of) if plan.as_of else "now (latest versions)"
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
    lines += [f"    {v.key}  version {v.version_id}  {v.size} B  {utc_text(v.modified)}" for v in todo[:SAMPLE]]
    if len(todo) > SAMPLE:
        lines.append(f"    ... and {len(todo) - SAMPLE} more")
    return lines


def default_state_file(source: str, target: str, prefix: str, as_of: datetime | None) -> str:
    """One file per restore in the working directory, so an interrupted run resumes by running it again. The time
    is ``as_of`` in UTC (:func:`legacy_state_file` is the name older versions gave it)."""
    stamp = as_of.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if as_of else "latest"
    digest = hashlib.sha256(prefix.encode()).hexdigest()[:8] if prefix else "all"
    return f"failsafe-restore-{source}-to-{target}-{stamp}-{digest}.jsonl"


def legacy_state_file(source: str, target: str, prefix: str, as_of_text: str | None) -> str | None:
    """The name versions before the UTC fix gave the state file: the wall time as typed, offset dropped, then "Z"
    (``...T02:07:50+02:00`` -> ``...T020750Z``). Only differs from the current name for an offset other than UTC."""
    typed = parse_time("--as-of", as_of_text, keep_offset=True)
    if typed is None or typed.utcoffset() == timedelta(0):
        return None
    digest = hashlib.sha256(prefix.encode()).hexdigest()[:8] if prefix else "all"
    return f"failsafe-restore-{source}-to-{target}-{typed.strftime('%Y%m%dT%H%M%SZ')}-{digest}.jsonl"


def state_path(args: argparse.Namespace, source: str, target: str, prefix: str, as_of: datetime | None) -> Path:
    if args.state_file:
        return Path(args.state_file)
    path = Path(default_state_file(source, target, prefix, as_of))
    legacy = legacy_state_file(source, target, prefix, args.as_of)
    return Path(legacy) if not path.exists() and legacy and Path(legacy).exists() else path


def target_exists(target_s3: Any, target: str) -> bool:
    """HeadBucket: 404 (``NoSuchBucket``/``404``) means the rebuild has not made it yet. Any other refusal goes on
    to the CLI's one line, naming the bucket (S3 API Reference, HeadBucket, "Errors": 400/403/404 without a body)."""
    try:
        target_s3.head_bucket(Bucket=target)
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


@contextlib.contextmanager
def naming(flag: str, bucket: str) -> Iterator[None]:
    """Every AWS error of the block names the bucket (access denied already names it: the plumbing's handler)."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        if code in ACCESS_DENIED:
            raise
        known = explain(exc)
        line = known[1] if known else str(exc)
        if code in ("NoSuchBucket", "404"):
            raise RestoreInputError(f"{flag} {bucket!r}: no such bucket ({line})") from None
        raise AwsRefused(f"{flag} {bucket!r}: {one_line(line)}") from None


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
    path = state_path(args, source, target, prefix, as_of)
    state = State(path, header)
    with naming("--target-bucket", target):
        exists = target_exists(target_s3, target)
    if not exists and args.execute:
        raise RestoreInputError(
            f"--target-bucket {target!r}: no such bucket; expected the bucket the rebuild makes "
            "(pulumi up -s prod creates it: rebuild first, then restore; docs/runbook.md)"
        )
    if exists and not state.resuming and not args.allow_non_empty:
        with naming("--target-bucket", target):
            empty = target_is_empty(target_s3, target)
        if not empty:
            raise RestoreInputError(
                f"--target-bucket {target!r}: the target bucket already holds objects; expected an empty bucket "
                "(or --allow-non-empty to write into it, or the --state-file of the interrupted restore)"
            )
    with naming("--replica-bucket", source):
        plan = make_plan(source_s3, source, prefix, as_of, args.progress)
    todo = [v for v in plan.restore if (v.key, v.version_id) not in state.done]
    copier_ = Copier(source_s3, target_s3, source, target)
    checked = ResumeCheck(todo)
    if state.resuming and exists and todo:
        with naming("--target-bucket", target):
            checked = resume_check(copier_, todo, state, prefix, args.allow_non_empty)
        todo = checked.todo
    skipped = len(plan.restore) - len(todo) - (0 if args.allow_non_empty else len(checked.foreign))
    batch = len(todo) > threshold
    data: dict[str, Any] = {
        "source": source,
        "target": target,
        "prefix": prefix,
        "as_of": utc_text(as_of) if as_of else None,
        "state_file": str(path),
        "target_exists": exists,
        "to_restore": len(todo),
        "already_restored": skipped,
        "written_by_others": checked.foreign,
        "deleted_at_as_of": len(plan.deleted),
        "created_later": len(plan.later),
        "archived": len(plan.archived),
        "executed": bool(args.execute),
        "method": "batch" if batch else "copy",
        "batch_job": state.batch_job,
        "summary": None,
    }
    report = Report(data, [*_plan_lines(plan, todo, skipped, target), f"state file: {path}"])
    if not exists:
        report.say(
            f"target bucket {target} does not exist yet: the rebuild creates it (pulumi up -s prod); "
            "run this again after the rebuild, then with --execute"
        )
    if checked.adopted:
        report.say(
            f"{len(checked.adopted)} copies found in the target from the interrupted run, verified and recorded; "
            "not copied again"
        )
    if checked.foreign:
        sample = ", ".join(checked.foreign[:SAMPLE]) + (" ..." if len(checked.foreign) > SAMPLE else "")
        if not args.allow_non_empty:
            raise RestoreInputError(
                f"--target-bucket {target!r}: {len(checked.foreign)} key(s) hold data this restore did not write "
                f"({sample}); expected them untouched since the first attempt, or --allow-non-empty to overwrite them"
            )
        report.say(
            f"overwriting {len(checked.foreign)} key(s) not written by this restore (--allow-non-empty): {sample}"
        )
    if batch:
        need("--batch-role-arn", args.batch_role_arn, "a role trusted by batchoperations.s3.amazonaws.com")
        need("--manifest-bucket", args.manifest_bucket, "a bucket for the job's manifest and completion report")
    if not args.execute:
        how = "an S3 Batch Operations job" if batch else f"CopyObject, {concurrency} at a time"
        report.say(f"dry run: nothing copied; --execute to copy with {how}")
        return report
    if not todo:
        state.close()
        report.say("nothing left to restore")
        return report
    if batch:
        if state.batch_job:
            report.say(f"batch job {state.batch_job} already started for this restore (state file)")
            return report
        with naming("--target-bucket", target):
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
    restore_objects(copier_, todo, state, concurrency, args.progress, summary)
    with naming("--target-bucket", target):
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
    fleet.add_arguments(s3, all_accounts=False)
    s3.set_defaults(func=cmd_s3)
    return s3
