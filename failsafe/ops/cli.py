"""``failsafe-dr`` / ``python -m failsafe.ops``: verify, backfill, archive, fetch, drill, capture, restore, dns.

Every subcommand follows one set of conventions (:mod:`failsafe.ops.options`: ``--region``, ``--output``,
``--no-progress``, its account profile flags), returns a :class:`~failsafe.ops.output.Report` that :func:`main`
prints in the asked format, and raises for what a person must fix; :func:`main` turns every such error into one
line on stderr and the exit code of :func:`failsafe.ops.errors.explain`, the one map.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from failsafe.ops import archive, aws, backfill, dns, drill, fleet, fleet_verify, options, verify
from failsafe.ops.capture import command as capture_command
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK, UsageError, explain
from failsafe.ops.output import Report, Table, render
from failsafe.ops.progress import Progress
from failsafe.ops.restore import command as restore_command
from failsafe.ops.stackconfig import load_config, outputs

__all__ = ["load_config", "main", "parser"]

# --- verify ----------------------------------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace) -> Report:
    if fleet.wanted(args):  # the fleet's members, each through its own session (failsafe.ops.fleet)
        return fleet_verify.cmd(args)
    cfg = load_config(args.stack)
    found = outputs(args.outputs)
    targets = verify.Targets.from_config(
        cfg,
        found,
        vault_name=args.vault,
        archive_bucket=args.archive_bucket,
        health_check_id=args.health_check_id,
        drills_dir=args.drill_dir,
        archive_max_age=None if args.archive_max_age_hours is None else timedelta(hours=args.archive_max_age_hours),
        recovery_model=args.recovery_model,
        evidence=tuple(args.evidence) if args.evidence else None,
    )
    given: list[tuple[str | None, Any]] = []
    if args.prod_profile:
        given.append(("prod", aws.session(cfg.primary_region, profile=args.prod_profile, flag="--prod-profile")))
    if args.backup_profile:
        given.append(("backup", aws.session(cfg.dr_region, profile=args.backup_profile, flag="--backup-profile")))
    if not given:
        given.append((None, aws.session(cfg.dr_region)))
    sides = verify.assign_sides(targets, given)
    checks = verify.run(
        verify.Sides(sides.get("prod"), sides.get("backup"), cfg.primary_region, cfg.dr_region),
        targets,
        progress=args.progress,
    )
    checks += dns.verify_checks(cfg, found, args)  # through the DNS account's own profile
    return verify.report(checks)


# --- backfill --------------------------------------------------------------------------------------------

BACKFILL_SHAPE = {
    "bucket": "the source bucket",
    "started": "true when this run started a job",
    "job": "{jobId, status, total, succeeded, failed} of the newest job, or null when there is none",
}


def cmd_backfill(args: argparse.Namespace) -> Report:
    """Start (or with --status, show) the S3 Batch Replication job of one protected bucket."""
    cfg = load_config(args.stack)
    by_name = {cfg.source_bucket_name(b): b for b in cfg.protected_buckets}
    logical = args.bucket if args.bucket in cfg.protected_buckets else by_name.get(args.bucket)
    if logical is None:
        raise UsageError(
            f"{args.bucket!r} is not a protected bucket: expected one of {', '.join(cfg.protected_buckets)} "
            "(protectedBuckets) or its source bucket name"
        )
    source = cfg.source_bucket_name(logical)
    s3control = aws.client(aws.session(args.region or cfg.primary_region, profile=args.profile), "s3control")
    if args.status:
        job = backfill.latest(s3control, cfg.accounts.prod, source)
        data = {"bucket": source, "started": False, "job": job.as_dict() if job else None}
        line = f"{source}: no backfill job" if job is None else f"{source}: {job.line()}"
        return Report(data, [line], EXIT_OK if job is None or job.ok else EXIT_FAILED)
    role = cfg.role_arn(cfg.accounts.prod, backfill.backfill_role_name(cfg.replication_role_name_for(logical)))
    job_id = backfill.start(s3control, cfg.accounts.prod, source, role, token_seed=args.token or "")
    progress = backfill.status(s3control, cfg.accounts.prod, job_id)
    return Report({"bucket": source, "started": True, "job": progress.as_dict()}, [f"{source}: {progress.line()}"])


# --- archive / fetch -------------------------------------------------------------------------------------

ARCHIVE_SHAPE = {
    "bucket": "the archive bucket",
    "key": "the new archive's key (<stack>/<UTC time stamp>.json)",
    "sha256": "its SHA-256 (hex)",
    "resources": "its resource count",
    "previous_key": "the archive before it, or null",
    "previous_resources": "that one's resource count, or null",
}
FETCH_SHAPE = {
    "bucket": "the archive bucket",
    "key": "the archive fetched (the newest valid one)",
    "sha256": "its SHA-256 (hex), checked against the recorded one",
    "resources": "its resource count",
    "out": "where the export was written (--out), or null",
    "outputs": "where the stack's outputs were written (--outputs), or null",
    "output_keys": "the output names written (sorted), or null",
}


def _archive(args: argparse.Namespace) -> tuple[Any, archive.Archive]:
    """The archive bucket: ``--archive-bucket``, else the name config gives it (``<bucketNamePrefix>-state-archive-
    <drRegion>``), so that a recovery needs no dr-outputs.json to find the archive that holds dr-outputs.json."""
    cfg = load_config(args.config_stack or ("dr" if args.stack == "dr" else "prod"))
    args.archive_bucket = args.archive_bucket or cfg.archive_bucket_name
    s3 = aws.client(aws.session(args.region or cfg.dr_region, profile=args.profile), "s3")
    return cfg, archive.Archive(s3, args.archive_bucket)


def _fields(data: dict[str, Any]) -> Table:
    return Table(("FIELD", "VALUE"), [(k, "-" if v is None else str(v)) for k, v in data.items()])


def cmd_archive(args: argparse.Namespace) -> Report:
    cfg, store = _archive(args)
    if args.file:
        try:
            data = Path(args.file).read_bytes()
        except OSError as exc:
            raise UsageError(f"--file {args.file}: {exc.strerror}") from None
    else:
        args.progress.say(f"archive: pulumi stack export --stack {args.stack}")
        data = archive.pulumi_export(args.stack)
    limit = cfg.recovery.archive_max_shrink_percent if args.max_shrink_percent is None else args.max_shrink_percent
    stored = store.store(args.stack, data, limit, allow_shrink=args.allow_shrink)
    document = {"bucket": args.archive_bucket, **stored.as_dict()}
    return Report(document, [_fields(document)])


def _write(flag: str, path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write it ({exc.strerror})") from None


def cmd_fetch(args: argparse.Namespace) -> Report:
    """The newest valid archive of a stack: the export (``--out``, for ``pulumi stack import``) and/or the stack's
    outputs (``--outputs``, as ``pulumi stack output --json`` writes them: dr-outputs.json for verify and restore)."""
    if not (args.out or args.outputs):
        raise UsageError("fetch needs --out FILE (the export), --outputs FILE (the stack's outputs), or both")
    _, store = _archive(args)
    key, data = store.newest_valid(args.stack)
    found = archive.stack_outputs(data, key) if args.outputs else None
    if args.out:
        _write("--out", args.out, data)
    if found is not None:
        _write("--outputs", args.outputs, (json.dumps(found, indent=2, sort_keys=True) + "\n").encode())
    document = {
        "bucket": args.archive_bucket,
        "key": key,
        "sha256": archive.sha256_hex(data),
        "resources": archive.resource_count(data),
        "out": args.out,
        "outputs": args.outputs,
        "output_keys": sorted(found) if found is not None else None,
    }
    return Report(document, [_fields(document)])


# --- drill -----------------------------------------------------------------------------------------------

STEP_SHAPE = {"step": "{name, started, ended, operator, outcome, notes} (times in UTC, ended null while running)"}
LOG_SHAPE = {
    "title": "the drill's title",
    "started": "when it started (UTC)",
    "operator": "who started it",
    "rto_minutes": "the target RTO",
    "stack": "the stack whose rtoMinutes is the target",
    "steps": "[{name, started, ended, operator, outcome, notes}]",
}
FINISH_SHAPE = {
    "met_rto": "true when the measured RTO is within the target and no step failed",
    "report": "the report: the log, with per-step seconds, measured_rto_seconds, target_rto_seconds, failed_steps",
    "json": "path of the report's JSON",
    "markdown": "path of the report's Markdown",
}


def _drill(args: argparse.Namespace) -> drill.Drill:
    return drill.Drill(Path(args.drill_dir))


def cmd_drill_start(args: argparse.Namespace) -> Report:
    log = _drill(args)
    rto = args.rto_minutes if args.rto_minutes is not None else load_config(args.stack).recovery.rto_minutes
    started = log.start(args.title, rto, args.operator, args.stack)
    return Report(started, [f"drill started {started['started']} (target RTO {rto} min); log: {log.path}"])


def cmd_step_begin(args: argparse.Namespace) -> Report:
    step = _drill(args).begin(args.name, args.operator, args.notes or "")
    return Report({"step": step}, [f"step {step['name']!r} started {step['started']}"])


def cmd_step_end(args: argparse.Namespace) -> Report:
    step = _drill(args).end(args.outcome, args.notes or "")
    return Report({"step": step}, [f"step {step['name']!r} ended {step['ended']}: {step['outcome']}"])


def cmd_step_add(args: argparse.Namespace) -> Report:
    step = _drill(args).add(args.name, args.started, args.ended, args.outcome, args.operator, args.notes or "")
    return Report({"step": step}, [f"step {step['name']!r} recorded: {step['outcome']}"])


def cmd_drill_run(args: argparse.Namespace) -> Report:
    log = _drill(args)
    log.interactive(
        tuple(args.step) if args.step else drill.RUNBOOK_STEPS, say=lambda line: print(line, file=sys.stderr)
    )
    document = log.load()
    return Report(document, ["all steps recorded; run `failsafe-dr drill finish` for the report"])


def cmd_drill_status(args: argparse.Namespace) -> Report:
    document = _drill(args).load()
    rows = [(s["name"], s["outcome"] or "running", s["started"], s["ended"] or "-") for s in document["steps"]]
    head = f"{document['title']}: started {document['started']} by {document['operator']}"
    head += f", target RTO {document['rto_minutes']} min"
    return Report(document, [head, Table(("STEP", "OUTCOME", "STARTED", "ENDED"), rows)])


def cmd_drill_finish(args: argparse.Namespace) -> Report:
    json_path, md_path, report = _drill(args).finish(Path(args.compare) if args.compare else None)
    document = {"met_rto": report["met_rto"], "report": report, "json": str(json_path), "markdown": str(md_path)}
    lines = [md_path.read_text(encoding="utf-8"), f"report: {json_path} and {md_path}"]
    return Report(document, lines, EXIT_OK if report["met_rto"] else EXIT_FAILED)


def _drill_parsers(sub: Any) -> None:
    dsub = options.group(sub, "drill", "game-day log and report", "drill_command")
    no_aws = "not used: a drill makes no AWS call"
    start = options.command(dsub, "start", help="start a drill", shape=LOG_SHAPE, region=no_aws)
    start.add_argument("--title", default="DR game day")
    start.add_argument("--operator")
    start.add_argument("--stack", default="prod", help="config whose rtoMinutes is the target")
    start.add_argument("--rto-minutes", type=int, help="override the target RTO")
    start.set_defaults(func=cmd_drill_start)
    step = options.group(dsub, "step", "record a step", "step_command")
    begin = options.command(step, "begin", help="a step starts now", shape=STEP_SHAPE, region=no_aws)
    begin.add_argument("name")
    begin.set_defaults(func=cmd_step_begin)
    end = options.command(step, "end", help="the running step ends now", shape=STEP_SHAPE, region=no_aws)
    end.add_argument("--outcome", default="ok", choices=drill.OUTCOMES)
    end.set_defaults(func=cmd_step_end)
    add = options.command(step, "add", help="record a step with given times", shape=STEP_SHAPE, region=no_aws)
    add.add_argument("name")
    add.add_argument("--started", required=True)
    add.add_argument("--ended", required=True)
    add.add_argument("--outcome", default="ok", choices=drill.OUTCOMES)
    add.set_defaults(func=cmd_step_add)
    for p in (begin, end, add):
        p.add_argument("--notes")
    for p in (begin, add):
        p.add_argument("--operator")
    run = options.command(dsub, "run", help="walk through steps interactively", shape=LOG_SHAPE, region=no_aws)
    run.add_argument("--step", action="append", help="step names (default: the runbook's steps)")
    run.set_defaults(func=cmd_drill_run)
    status = options.command(dsub, "status", help="print the running drill's log", shape=LOG_SHAPE, region=no_aws)
    status.set_defaults(func=cmd_drill_status)
    finish = options.command(
        dsub, "finish", help="write the report (exit 1 if the RTO was missed)", shape=FINISH_SHAPE, region=no_aws
    )
    finish.add_argument("--compare", help="previous report JSON (default: newest in --drill-dir)")
    finish.set_defaults(func=cmd_drill_finish)
    for p in (start, begin, end, add, run, status, finish):
        options.add_drill_dir(p, "where the log and reports live (default: drills/)", default="drills")


# --- parser ----------------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="failsafe-dr",
        description="failsafe recovery operations",
        epilog=f"Every AWS call is tried at most {aws.ATTEMPTS} times (botocore's standard retries).\n\n"
        f"{options.exit_codes_text()}\n\nGlobal options of every command: --region, --output table|text|json,\n"
        "--no-progress; --profile, or --<account>-profile on a command that touches several accounts.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = options.command(
        sub,
        "verify",
        help="read-only checks of the live estate against config and RPO",
        shape=verify.JSON_SHAPE,
        roles=("prod", "backup", "dns"),
        region="not used: each account is read in its configured region (primaryRegion, drRegion)",
    )
    v.add_argument("--stack", default="prod", help="stack whose config to read (accounts, buckets, RPO)")
    v.add_argument("--outputs", action="append", help="JSON from `pulumi stack output --json` (repeatable)")
    v.add_argument("--vault", help="backup vault name (else the outputs' vaultName)")
    v.add_argument("--archive-bucket", help="archive bucket name (else the outputs' archiveBucketName)")
    v.add_argument("--health-check-id", help="Route 53 health check ID (else the outputs' healthCheckId)")
    v.add_argument("--archive-max-age-hours", type=float, help=f"default {verify.ARCHIVE_MAX_AGE_HOURS}")
    options.add_drill_dir(v, "directory of drill reports: also check the last drill met failsafe:rtoMinutes")
    v.add_argument("--recovery-model", help="`python -m failsafe recovery <stack> --output json` saved to a file")
    v.add_argument("--evidence", action="append", help="run records, drill reports (files or dirs; repeatable)")
    dns.add_verify_arguments(v)
    fleet.add_arguments(v)
    v.set_defaults(func=cmd_verify)

    b = options.command(
        sub,
        "backfill",
        help="replicate a protected bucket's objects that predate replication",
        shape=BACKFILL_SHAPE,
        roles=("prod",),
        region="region of the prod account's S3 Control calls (default: config primaryRegion)",
    )
    b.add_argument("bucket", help="a protectedBuckets entry, or its source bucket name")
    b.add_argument("--stack", default="prod", help="stack whose config to read")
    b.add_argument("--status", action="store_true", help="show the newest job's progress instead of starting one")
    b.add_argument("--token", help="a new value starts a new job after a finished one (idempotency token seed)")
    b.set_defaults(func=cmd_backfill)

    for name, func, text, shape in (
        ("archive", cmd_archive, "validate a stack export and store it in the archive", ARCHIVE_SHAPE),
        ("fetch", cmd_fetch, "download the newest valid archive of a stack", FETCH_SHAPE),
    ):
        a = options.command(
            sub, name, help=text, shape=shape, roles=("backup",), region="archive bucket region (default: drRegion)"
        )
        a.add_argument("--stack", required=True, help="stack name, e.g. prod or dr")
        a.add_argument(
            "--archive-bucket", help="the dr stack's archive bucket (default: its name by config, archiveBucketName)"
        )
        a.add_argument("--config-stack", help="config of another stack than --stack (default: prod, or dr for dr)")
        if name == "archive":
            a.add_argument("--file", help="an existing export; default runs `pulumi stack export --stack`")
            a.add_argument("--max-shrink-percent", type=int, help="default: config archiveMaxShrinkPercent")
            a.add_argument("--allow-shrink", action="store_true", help="the estate really shrank: store anyway")
        else:
            a.add_argument("--out", help="where to write the export (for pulumi stack import)")
            a.add_argument("--outputs", help="where to write the stack's outputs (pulumi stack output --json)")
        a.set_defaults(func=func)

    _drill_parsers(sub)
    capture_command.register(sub)
    restore_command.register(sub)
    dns.register(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.progress = Progress(enabled=not args.no_progress)
    try:
        report: Report = args.func(args)
    except BaseException as exc:
        known = explain(exc)
        if known is None:
            raise
        args.progress.end()
        print(f"failsafe-dr: error: {known[1]}".replace("\n", " "), file=sys.stderr)
        return known[0]
    print(render(report, args.output))
    return report.code
