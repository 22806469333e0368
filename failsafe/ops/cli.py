"""``failsafe-dr`` / ``python -m failsafe.ops``: verify, drill, archive, fetch, capture.

Errors a person can fix (no credentials, wrong account, throttling, a refused export, a bad config value)
print one line on stderr and exit 2; failed checks exit 1; success exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from failsafe.ops import archive, backfill, capture, dns, drill, restore, retry, verify

EXIT_FAILED = 1
EXIT_ERROR = 2


class CliError(RuntimeError):
    pass


def load_config(stack: str) -> Any:
    """The stack's validated config, read from the repository's stack files (as `pulumi up` would)."""
    from failsafe.settings import config, stackfiles

    return config.load_mapping(stack, stackfiles.unnamespaced(stackfiles.raw_config(stack)))


def _outputs(paths: Sequence[str] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in paths or ():
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CliError(
                f"--outputs {path}: cannot read JSON ({exc}); create it with "
                "`pulumi stack output --json -s dr > dr-outputs.json`"
            ) from None
        if not isinstance(data, dict):
            raise CliError(f"--outputs {path}: expected a JSON object (pulumi stack output --json)")
        merged.update(data)
    return merged


def _session(profile: str | None, region: str) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise CliError(f"AWS profile {profile!r} not found in ~/.aws/config") from None


# --- verify ----------------------------------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace) -> int:
    cfg = load_config(args.stack)
    targets = verify.Targets.from_config(
        cfg,
        _outputs(args.outputs),
        vault_name=args.vault,
        archive_bucket=args.archive_bucket,
        health_check_id=args.health_check_id,
        drills_dir=args.drills,
        archive_max_age=None if args.archive_max_age_hours is None else timedelta(hours=args.archive_max_age_hours),
    )
    given: list[tuple[str | None, Any]] = []
    if args.prod_profile:
        given.append(("prod", _session(args.prod_profile, cfg.primary_region)))
    if args.backup_profile:
        given.append(("backup", _session(args.backup_profile, cfg.dr_region)))
    if not given:
        given.append((None, _session(None, cfg.dr_region)))
    sides = verify.assign_sides(targets, given)
    checks = verify.run(
        verify.Sides(sides.get("prod"), sides.get("backup"), cfg.primary_region, cfg.dr_region), targets
    )
    checks += dns.verify_checks(cfg, _outputs(args.outputs), args)  # through the DNS account's own profile
    print(verify.as_json(checks) if args.json else verify.table(checks))
    return EXIT_FAILED if any(c.ok is False for c in checks) else 0


# --- backfill --------------------------------------------------------------------------------------------


def cmd_backfill(args: argparse.Namespace) -> int:
    """Start (or with --status, show) the S3 Batch Replication job of one protected bucket."""
    cfg = load_config(args.stack)
    by_name = {cfg.source_bucket_name(b): b for b in cfg.protected_buckets}
    logical = args.bucket if args.bucket in cfg.protected_buckets else by_name.get(args.bucket)
    if logical is None:
        raise CliError(
            f"{args.bucket!r} is not a protected bucket: expected one of {', '.join(cfg.protected_buckets)} "
            "(protectedBuckets) or its source bucket name"
        )
    source = cfg.source_bucket_name(logical)
    s3control = _session(args.profile, cfg.primary_region).client("s3control")
    if args.status:
        job = backfill.latest(s3control, cfg.accounts.prod, source)
        print(f"{source}: no backfill job" if job is None else f"{source}: {job.line()}")
        return 0 if job is None or job.ok else EXIT_FAILED
    role = cfg.role_arn(cfg.accounts.prod, backfill.backfill_role_name(cfg.replication_role_name_for(logical)))
    job_id = backfill.start(s3control, cfg.accounts.prod, source, role, token_seed=args.token or "")
    print(f"{source}: {backfill.status(s3control, cfg.accounts.prod, job_id).line()}")
    return 0


# --- archive / fetch -------------------------------------------------------------------------------------


def cmd_archive(args: argparse.Namespace) -> int:
    cfg = load_config(args.config_stack or ("dr" if args.stack == "dr" else "prod"))
    if args.file:
        try:
            data = Path(args.file).read_bytes()
        except OSError as exc:
            raise CliError(f"--file {args.file}: {exc.strerror}") from None
    else:
        data = archive.pulumi_export(args.stack)
    limit = cfg.recovery.archive_max_shrink_percent if args.max_shrink_percent is None else args.max_shrink_percent
    s3 = _session(args.profile, args.region or cfg.dr_region).client("s3")
    stored = archive.Archive(s3, args.bucket).store(args.stack, data, limit, allow_shrink=args.allow_shrink)
    print(json.dumps({"bucket": args.bucket, **stored.as_dict()}, indent=2))
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    cfg = load_config(args.config_stack or ("dr" if args.stack == "dr" else "prod"))
    s3 = _session(args.profile, args.region or cfg.dr_region).client("s3")
    key, data = archive.Archive(s3, args.bucket).newest_valid(args.stack)
    Path(args.out).write_bytes(data)
    print(
        json.dumps(
            {
                "bucket": args.bucket,
                "key": key,
                "sha256": archive.sha256_hex(data),
                "resources": archive.resource_count(data),
                "out": args.out,
            },
            indent=2,
        )
    )
    return 0


# --- drill -----------------------------------------------------------------------------------------------


def cmd_drill(args: argparse.Namespace) -> int:
    log = drill.Drill(Path(args.dir))
    if args.drill_command == "start":
        rto = args.rto_minutes if args.rto_minutes is not None else load_config(args.stack).recovery.rto_minutes
        started = log.start(args.title, rto, args.operator, args.stack)
        print(f"drill started {started['started']} (target RTO {rto} min); log: {log.path}")
    elif args.drill_command == "step":
        if args.step_command == "begin":
            step = log.begin(args.name, args.operator, args.notes or "")
            print(f"step {step['name']!r} started {step['started']}")
        elif args.step_command == "end":
            step = log.end(args.outcome, args.notes or "")
            print(f"step {step['name']!r} ended {step['ended']}: {step['outcome']}")
        else:
            step = log.add(args.name, args.started, args.ended, args.outcome, args.operator, args.notes or "")
            print(f"step {step['name']!r} recorded: {step['outcome']}")
    elif args.drill_command == "run":
        log.interactive(tuple(args.step) if args.step else drill.RUNBOOK_STEPS)
        print("all steps recorded; run `failsafe-dr drill finish` for the report")
    elif args.drill_command == "status":
        print(json.dumps(log.load(), indent=2))
    else:
        json_path, md_path, report = log.finish(Path(args.compare) if args.compare else None)
        print(md_path.read_text(encoding="utf-8"))
        print(f"report: {json_path} and {md_path}")
        return 0 if report["met_rto"] else EXIT_FAILED
    return 0


# --- capture ---------------------------------------------------------------------------------------------


def cmd_capture(args: argparse.Namespace) -> int:
    try:
        return _capture(args)
    except capture.CaptureError as exc:
        raise CliError(str(exc)) from None


def _capture(args: argparse.Namespace) -> int:
    store = capture.Store(_session(args.archive_profile, args.archive_region).client("s3"), args.bucket)
    if args.capture_command == "show":
        at = capture.parse_stamp(args.at) if args.at else None
        print(json.dumps(capture.show(store, args.service, args.account, at), indent=2))
        return 0
    if args.capture_command == "attach":
        stored = capture.attach(store, args.prefix, [Path(f) for f in args.files])
        print(json.dumps({"bucket": args.bucket, "stored": stored}, indent=2))
        return 0
    regions, max_drop = args.regions, args.max_drop_percent
    if not regions or max_drop is None:
        cfg = load_config(args.config_stack)
        regions = regions or list(dict.fromkeys([cfg.primary_region, cfg.dr_region]))
        max_drop = cfg.recovery.archive_max_shrink_percent if max_drop is None else max_drop
    settings = capture.Settings(
        regions=tuple(regions),
        services=tuple(args.services or capture.SERVICES),
        stacks=tuple(args.stacks),
        rate=args.rate or None,
        jitter=args.jitter,
        budget_seconds=args.budget_seconds,
        max_drop_percent=max_drop,
        allow_drop=args.allow_drop,
    )
    settings.check()
    if args.account_role_arn and settings.budget_seconds > 3300:
        raise CliError(
            f"--budget-seconds {settings.budget_seconds:g} with --account-role-arn: an assumed role's session "
            "lasts one hour at most; keep the budget at 3300 or less"
        )
    if args.topic_arn and not re.fullmatch(r"arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+", args.topic_arn):
        raise CliError(f"--topic-arn {args.topic_arn!r}: expected arn:aws:sns:<region>:<account>:<topic>")
    targets = [capture.Target(_session(profile, regions[0])) for profile in args.account_profile or ()]
    for role_arn in args.account_role_arn or ():
        base = _session(None, regions[0])
        targets.append(capture.Target(capture.assume_role_session(base, role_arn, regions[0]), role_arn))
    sns = None
    if args.topic_arn:
        sns = _session(args.archive_profile, args.topic_arn.split(":")[3]).client("sns")
    runs = capture.run(
        targets or [capture.Target(_session(None, regions[0]))],
        store,
        settings,
        sns=sns,
        topic_arn=args.topic_arn,
        out_dir=Path(args.out) if args.out else None,
    )
    summary = [
        {
            "account": r.account,
            "status": "complete" if r.complete else "incomplete",
            "run": r.run_key,
            "reasons": r.reasons,
            "unmanaged": {s.service: s.unmanaged for s in r.services},
        }
        for r in runs
    ]
    print(json.dumps({"bucket": args.bucket, "runs": summary}, indent=2))
    return 0 if all(r.complete for r in runs) else EXIT_FAILED


def _capture_parser(sub: Any) -> None:
    c = sub.add_parser("capture", help="inventory the accounts; unmanaged resources as Pulumi import files")
    csub = c.add_subparsers(dest="capture_command", required=True)
    run = csub.add_parser("run", help="capture, validate against the previous capture, store (exit 1: incomplete)")
    run.add_argument("--account-profile", action="append", help="AWS profile of an account to capture (repeatable)")
    run.add_argument("--account-role-arn", action="append", help="read-only role to assume per account (repeatable)")
    run.add_argument("--regions", nargs="+", help="default: config primaryRegion and drRegion")
    run.add_argument("--services", nargs="+", choices=capture.SERVICES, help="default: all")
    run.add_argument("--stacks", nargs="+", default=["prod", "dr"], help="stacks whose archived exports are managed")
    run.add_argument("--topic-arn", help="SNS topic told about an incomplete run")
    run.add_argument("--rate", type=float, default=capture.DEFAULT_RATE, help="calls/s per account; 0: no pacing")
    run.add_argument("--jitter", type=float, default=capture.DEFAULT_JITTER, help="fraction of the interval")
    run.add_argument("--budget-seconds", type=float, default=capture.DEFAULT_BUDGET_SECONDS)
    run.add_argument("--max-drop-percent", type=float, help="default: config archiveMaxShrinkPercent")
    run.add_argument("--allow-drop", action="store_true", help="the estate really shrank: accept the lower counts")
    run.add_argument("--out", help="write the code-generation specs and codegen.tsv here (for CI)")
    run.add_argument("--config-stack", default="prod", help="config read for the defaults above")
    show = csub.add_parser("show", help="where the newest complete capture of a service and its code are")
    show.add_argument("service", choices=capture.SERVICES)
    show.add_argument("--at", help="at or before this time: 20261123T020000Z, 2026-11-23T02:00:00Z, 2026-11-23")
    show.add_argument("--account", help="account ID (when captures of several accounts exist)")
    attach = csub.add_parser("attach", help="store generated code next to its capture (new keys only)")
    attach.add_argument("--prefix", required=True, help="capture/<account>/<service>/<timestamp>/")
    attach.add_argument("files", nargs="+")
    for p in (run, show, attach):
        p.add_argument("--bucket", required=True, help="the dr stack's archive bucket")
        p.add_argument("--archive-profile", help="AWS profile for the archive bucket (backup account)")
        p.add_argument("--archive-region", help="archive bucket region (default: the profile's)")
    c.set_defaults(func=cmd_capture)


# --- parser ----------------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="failsafe-dr", description="failsafe recovery operations")
    sub = root.add_subparsers(dest="command", required=True)

    v = sub.add_parser("verify", help="read-only checks of the live estate against config and RPO")
    v.add_argument("--stack", default="prod", help="stack whose config to read (accounts, buckets, RPO)")
    v.add_argument("--outputs", action="append", help="JSON from `pulumi stack output --json` (repeatable)")
    v.add_argument("--prod-profile", help="AWS profile with read-only access to prod")
    v.add_argument("--backup-profile", help="AWS profile with read-only access to the backup account")
    v.add_argument("--vault", help="backup vault name (else the outputs' vaultName)")
    v.add_argument("--archive-bucket", help="archive bucket name (else the outputs' archiveBucketName)")
    v.add_argument("--health-check-id", help="Route 53 health check ID (else the outputs' healthCheckId)")
    v.add_argument("--archive-max-age-hours", type=float, help=f"default {verify.ARCHIVE_MAX_AGE_HOURS}")
    v.add_argument("--drills", help="directory of drill reports: also check the last drill met failsafe:rtoMinutes")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    v.set_defaults(func=cmd_verify)
    dns.add_verify_arguments(v)

    b = sub.add_parser("backfill", help="replicate a protected bucket's objects that predate replication")
    b.add_argument("bucket", help="a protectedBuckets entry, or its source bucket name")
    b.add_argument("--stack", default="prod", help="stack whose config to read")
    b.add_argument("--profile", help="AWS profile for the prod account")
    b.add_argument("--status", action="store_true", help="show the newest job's progress instead of starting one")
    b.add_argument("--token", help="a new value starts a new job after a finished one (idempotency token seed)")
    b.set_defaults(func=cmd_backfill)

    for name, func, text in (
        ("archive", cmd_archive, "validate a stack export and store it in the archive"),
        ("fetch", cmd_fetch, "download the newest valid archive of a stack"),
    ):
        a = sub.add_parser(name, help=text)
        a.add_argument("--stack", required=True, help="stack name, e.g. prod or dr")
        a.add_argument("--bucket", required=True, help="the dr stack's archive bucket")
        a.add_argument("--config-stack", help="stack config to read (default: prod, or dr for --stack dr)")
        a.add_argument("--profile", help="AWS profile for the backup account")
        a.add_argument("--region", help="archive bucket region (default: config drRegion)")
        if name == "archive":
            a.add_argument("--file", help="an existing export; default runs `pulumi stack export --stack`")
            a.add_argument("--max-shrink-percent", type=int, help="default: config archiveMaxShrinkPercent")
            a.add_argument("--allow-shrink", action="store_true", help="the estate really shrank: store anyway")
        else:
            a.add_argument("--out", required=True, help="where to write the export")
        a.set_defaults(func=func)

    d = sub.add_parser("drill", help="game-day log and report")
    d.add_argument("--dir", default="drills", help="where the log and reports live (default: drills/)")
    dsub = d.add_subparsers(dest="drill_command", required=True)
    start = dsub.add_parser("start", help="start a drill")
    start.add_argument("--title", default="DR game day")
    start.add_argument("--operator")
    start.add_argument("--stack", default="prod", help="config whose rtoMinutes is the target")
    start.add_argument("--rto-minutes", type=int, help="override the target RTO")
    step = dsub.add_parser("step", help="record a step")
    ssub = step.add_subparsers(dest="step_command", required=True)
    begin = ssub.add_parser("begin", help="a step starts now")
    begin.add_argument("name")
    end = ssub.add_parser("end", help="the running step ends now")
    end.add_argument("--outcome", default="ok", choices=drill.OUTCOMES)
    add = ssub.add_parser("add", help="record a step with given times")
    add.add_argument("name")
    add.add_argument("--started", required=True)
    add.add_argument("--ended", required=True)
    add.add_argument("--outcome", default="ok", choices=drill.OUTCOMES)
    for p in (begin, end, add):
        p.add_argument("--notes")
    for p in (begin, add):
        p.add_argument("--operator")
    run = dsub.add_parser("run", help="walk through steps interactively")
    run.add_argument("--step", action="append", help="step names (default: the runbook's steps)")
    dsub.add_parser("status", help="print the running drill's log")
    finish = dsub.add_parser("finish", help="write the report (exit 1 if the RTO was missed)")
    finish.add_argument("--compare", help="previous report JSON (default: newest in --dir)")
    d.set_defaults(func=cmd_drill)
    _capture_parser(sub)
    restore.register(sub)
    dns.register(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from failsafe.settings.config import ConfigError
    from failsafe.settings.stackfiles import StackFileError

    try:
        return args.func(args)
    except NoCredentialsError:
        message = "no AWS credentials: log in (aws sso login) or pass --profile"
    except (
        CliError,
        verify.VerifyError,
        backfill.BackfillError,
        archive.ArchiveError,
        drill.DrillError,
        retry.ThrottledError,
        ConfigError,
        StackFileError,
    ) as exc:
        message = str(exc)
    except ClientError as exc:
        message = f"AWS refused {exc.operation_name}: {retry.error_code(exc)}: {exc.response['Error'].get('Message')}"
    except BotoCoreError as exc:
        message = f"AWS: {exc}"
    print(f"failsafe-dr: error: {message}", file=sys.stderr)
    return EXIT_ERROR
