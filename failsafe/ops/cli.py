"""``failsafe-dr`` / ``python -m failsafe.ops``: verify, drill, archive, fetch.

Errors a person can fix (no credentials, wrong account, throttling, a refused export, a bad config value)
print one line on stderr and exit 2; failed checks exit 1; success exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from failsafe.ops import archive, drill, retry, verify

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
    print(verify.as_json(checks) if args.json else verify.table(checks))
    return EXIT_FAILED if any(c.ok is False for c in checks) else 0


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
