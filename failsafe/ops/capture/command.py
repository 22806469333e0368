"""``failsafe-dr capture run|show|attach``: the command line of the configuration capture (docs/capture.md)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from failsafe.ops import aws, fleet, options
from failsafe.ops.capture import model, reading
from failsafe.ops.capture import run as running
from failsafe.ops.capture.store import Store
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK, UsageError
from failsafe.ops.output import Report, Table
from failsafe.ops.stackconfig import load_config

RUN_SHAPE = {
    "bucket": "the archive bucket",
    "runs": "[{account, status: complete|incomplete, run: run record key, reasons: [...], unmanaged: {service: n}, "
    "coverage: {service: {types_listed, resources, skipped: {reason: n}, incomplete}} (the generic inventory)}]",
}
SHOW_SHAPE = {
    "account": "account ID",
    "service": "the service",
    "timestamp": "the capture's UTC time stamp (20261123T020000Z)",
    "prefix": "s3:// URL of the capture",
    "inventory": "s3:// URL of inventory.json",
    "import_file": "s3:// URL of import.json, or null when nothing is unmanaged",
    "code": "[s3:// URLs of the generated code]",
    "import_stack": "the stack whose provider the import file names",
    "resources": "resources found",
    "unmanaged": "resources no stack manages",
    "skipped_incomplete": "[newer captures passed over, and why; with --coverage: why the newest run is incomplete]",
    "coverage": "with --coverage: per service {types_listed, resources, skipped: {reason: n}, incomplete} of the "
    "newest run (classic services and each CloudFormation service of the generic inventory); else null",
}
ATTACH_SHAPE = {"bucket": "the archive bucket", "stored": "[keys written]"}


def _store(args: argparse.Namespace) -> Store:
    sess = aws.session(args.region, profile=options.profile(args, "backup"), flag=options.profile_flag(args, "backup"))
    return Store(aws.client(sess, "s3"), args.archive_bucket)


def _fleet_targets(args: argparse.Namespace) -> tuple[list[running.Target], list[str]]:
    """``--account``/``--all-accounts``: each member through its own session (its read-only role, assumed from the
    one ``--capture-profile`` or from the member's registry profile: :mod:`failsafe.ops.fleet`), and their regions."""
    if args.capture_role_arn:
        raise UsageError("--capture-role-arn with --account/--all-accounts: expected one of them (the fleet's roles "
                         "come from dr's registry)")  # fmt: skip
    given = args.capture_profile or []
    if len(given) > 1:
        raise UsageError(
            f"--capture-profile given {len(given)} times with --account/--all-accounts: expected the one prod-side "
            "profile the members' roles are assumed from"
        )
    members = fleet.members(args)
    home = given[0] if given else None
    targets = [running.Target(fleet.session(m, profile=home, flag="--capture-profile"), m.role_arn) for m in members]
    return targets, list(dict.fromkeys(m.region for m in members))


def cmd_run(args: argparse.Namespace) -> Report:
    regions, max_drop = args.regions, args.max_shrink_percent
    fleet_targets: list[running.Target] = []
    if fleet.wanted(args):
        fleet_targets, member_regions = _fleet_targets(args)
        regions = regions or [*member_regions, load_config(fleet.DR_STACK).dr_region]
    if not regions or max_drop is None:
        cfg = load_config(args.stack)
        regions = regions or list(dict.fromkeys([cfg.primary_region, cfg.dr_region]))
        max_drop = cfg.recovery.archive_max_shrink_percent if max_drop is None else max_drop
    settings = running.Settings(
        regions=tuple(regions),
        services=tuple(args.services or model.SERVICES),
        stacks=tuple(args.stacks),
        rate=args.rate or None,
        jitter=args.jitter,
        budget_seconds=args.budget_seconds,
        max_drop_percent=max_drop,
        allow_drop=args.allow_shrink,
        cloudcontrol=not args.classic_only,
    )
    settings.check()
    if (args.capture_role_arn or fleet_targets) and settings.budget_seconds > 3300:
        assumed = "--capture-role-arn" if args.capture_role_arn else "--account/--all-accounts"
        raise UsageError(
            f"--budget-seconds {settings.budget_seconds:g} with {assumed}: an assumed role's session "
            "lasts one hour at most; keep the budget at 3300 or less"
        )
    if args.topic_arn and not re.fullmatch(r"arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+", args.topic_arn):
        raise UsageError(f"--topic-arn {args.topic_arn!r}: expected arn:aws:sns:<region>:<account>:<topic>")
    store = _store(args)
    home = regions[0]
    targets = fleet_targets or [
        running.Target(aws.session(home, profile=p, flag="--capture-profile")) for p in args.capture_profile or ()
    ]
    for role_arn in args.capture_role_arn or ():
        assumed = aws.session(home, role_arn=role_arn, session_name="failsafe-capture")
        targets.append(running.Target(assumed, role_arn))
    sns = None
    if args.topic_arn:
        backup = aws.session(args.topic_arn.split(":")[3], profile=args.backup_profile, flag="--backup-profile")
        sns = aws.client(backup, "sns")
    runs = running.run(
        targets or [running.Target(aws.session(home))],
        store,
        settings,
        sns=sns,
        topic_arn=args.topic_arn,
        progress=args.progress.say,
        out_dir=Path(args.out) if args.out else None,
    )
    summary: list[dict[str, Any]] = [
        {
            "account": r.account,
            "status": "complete" if r.complete else "incomplete",
            "run": r.run_key,
            "reasons": r.reasons,
            "unmanaged": {s.service: s.unmanaged for s in r.services},
            "coverage": reading.run_coverage({"services": {s.service: s.as_dict() for s in r.services}}),
        }
        for r in runs
    ]
    rows = [
        (s["account"], s["status"], ", ".join(f"{k} {n}" for k, n in s["unmanaged"].items() if n) or "-", s["run"])
        for s in summary
    ]
    blocks: list[str | Table] = [Table(("ACCOUNT", "STATUS", "UNMANAGED", "RUN RECORD"), rows)]
    blocks += [f"  {s['account']}: {reason}" for s in summary for reason in s["reasons"]]
    blocks += [coverage_table(s["coverage"]) for s in summary if s["coverage"]]
    code = EXIT_OK if all(r.complete for r in runs) else EXIT_FAILED
    return Report({"bucket": args.archive_bucket, "runs": summary}, blocks, code)


def coverage_table(coverage: dict[str, Any]) -> Table:
    rows = [
        (
            service,
            str(row["types_listed"]),
            str(row["resources"]),
            ", ".join(f"{reason} {n}" for reason, n in sorted(row["skipped"].items())) or "-",
            str(row["incomplete"]) if row["incomplete"] else "-",
        )
        for service, row in sorted(coverage.items())
    ]
    return Table(("SERVICE", "TYPES", "RESOURCES", "SKIPPED (WHY)", "INCOMPLETE"), rows)


def cmd_show(args: argparse.Namespace) -> Report:
    at = model.parse_stamp(args.as_of) if args.as_of else None
    if args.coverage:
        shown = reading.show_coverage(_store(args), fleet.account_id(args.account), at)
        return Report(shown, [f"run {shown['prefix']}: {shown['timestamp']}", coverage_table(shown["coverage"])])
    if not args.service:
        raise UsageError("capture show: name a service, or pass --coverage")
    shown = {**reading.show(_store(args), args.service, fleet.account_id(args.account), at), "coverage": None}
    rows = [(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in shown.items()]
    return Report(shown, [Table(("FIELD", "VALUE"), rows)])


def cmd_attach(args: argparse.Namespace) -> Report:
    stored = reading.attach(_store(args), args.prefix, [Path(f) for f in args.files])
    return Report(
        {"bucket": args.archive_bucket, "stored": stored}, [f"stored s3://{args.archive_bucket}/{k}" for k in stored]
    )


def register(sub: Any) -> None:
    csub = options.group(
        sub, "capture", "inventory the accounts; unmanaged resources as Pulumi import files", "capture_command"
    )
    run = options.command(
        csub,
        "run",
        help="capture, validate against the previous capture, store (exit 1: incomplete)",
        shape=RUN_SHAPE,
        roles=("backup", "capture"),
        region="region of the archive bucket (default: the backup profile's)",
    )
    run.add_argument("--capture-role-arn", action="append", help="read-only role to assume per account (repeatable)")
    run.add_argument("--regions", nargs="+", help="regions to capture (default: config primaryRegion and drRegion)")
    run.add_argument(
        "--services", nargs="+", choices=model.SERVICES, metavar="SERVICE",
        help=f"classic services to capture (default: all): {', '.join(model.SERVICES)}",
    )  # fmt: skip
    run.add_argument("--stacks", nargs="+", default=["prod", "dr"], help="stacks whose archived exports are managed")
    run.add_argument("--topic-arn", help="SNS topic told about an incomplete run")
    run.add_argument("--rate", type=float, default=model.DEFAULT_RATE, help="calls/s per account; 0: no pacing")
    run.add_argument("--jitter", type=float, default=model.DEFAULT_JITTER, help="fraction of the interval")
    run.add_argument("--budget-seconds", type=float, default=model.DEFAULT_BUDGET_SECONDS)
    run.add_argument("--max-shrink-percent", type=float, help="default: config archiveMaxShrinkPercent")
    run.add_argument("--allow-shrink", action="store_true", help="the estate really shrank: accept the lower counts")
    run.add_argument("--out", help="write the code-generation specs and codegen.tsv here (for CI)")
    run.add_argument("--classic-only", action="store_true", help="only the 11 classic services (no Cloud Control)")
    run.add_argument("--stack", default="prod", help="stack whose config gives the defaults above")
    fleet.add_arguments(run)
    run.set_defaults(func=cmd_run)
    show = options.command(
        csub,
        "show",
        help="where the newest complete capture of a service and its code are",
        shape=SHOW_SHAPE,
        roles=("backup",),
        region="region of the archive bucket (default: the profile's)",
    )
    show.add_argument(
        "service", nargs="?", choices=(*model.SERVICES, "cloudcontrol"), metavar="SERVICE",
        help=f"one of {', '.join((*model.SERVICES, 'cloudcontrol'))}",
    )  # fmt: skip
    show.add_argument("--coverage", action="store_true", help="per service: types listed, resources, skipped and why")
    show.add_argument("--as-of", help="at or before this time: 20261123T020000Z, 2026-11-23T02:00:00Z, 2026-11-23")
    show.add_argument(
        "--account", help="a member of dr's registry or a 12-digit account ID (when captures of several accounts exist)"
    )
    show.set_defaults(func=cmd_show)
    attach = options.command(
        csub,
        "attach",
        help="store generated code next to its capture (new keys only)",
        shape=ATTACH_SHAPE,
        roles=("backup",),
        region="region of the archive bucket (default: the profile's)",
    )
    attach.add_argument("--prefix", required=True, help="capture/<account>/<service>/<timestamp>/")
    attach.add_argument("files", nargs="+")
    attach.set_defaults(func=cmd_attach)
    for p in (run, show, attach):
        p.add_argument("--archive-bucket", required=True, help="the dr stack's archive bucket (archiveBucketName)")
