"""What every ``failsafe-dr restore`` command shares: input checks that name the flag, the sessions of the backup
and target accounts, waiting for a resource (with progress), and the drill timer."""

from __future__ import annotations

import argparse
import functools
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from failsafe.ops import aws, drill, options, runrecord
from failsafe.ops.errors import ACCESS_DENIED, EXIT_FAILED, EXIT_OK, CheckFailed, UsageError, error_code, exit_code_of
from failsafe.ops.output import Report
from failsafe.ops.progress import Progress

RESTORED_FROM_TAG = "failsafe:restored-from"
SAMPLE = 10
POLL_SECONDS = 15.0
SLEEP: Callable[[float], None] = time.sleep  # poll pauses; tests make them instant
CLOCK: Callable[[], float] = time.monotonic


class RestoreInputError(UsageError):
    """Bad input: the message names the flag, the value and what was expected."""


def denied(exc: BaseException) -> bool:
    """AWS refused for lack of permission: the whole command stops (exit 3), not just the item."""
    return error_code(exc) in ACCESS_DENIED


def parse_time(flag: str, text: str | None, keep_offset: bool = False) -> datetime | None:
    """An ISO 8601 time as an instant in UTC (a time without an offset is UTC), so that every time shown to an
    operator, written to a state file or sent to AWS is UTC whatever offset was typed (issue 22, item 10).
    ``keep_offset`` keeps the typed offset (only to find state files named before that fix)."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RestoreInputError(f"{flag} {text!r}: expected an ISO 8601 time such as 2026-11-23T02:00:00Z") from None
    if not value.tzinfo:
        return value.replace(tzinfo=UTC)
    return value if keep_offset else value.astimezone(UTC)


def utc_text(moment: datetime) -> str:
    """A time for people: UTC, to the second, with its ``Z``. botocore gives times in the machine's zone for
    epoch-valued fields (``botocore.utils.parse_timestamp`` tries ``tzlocal`` first), so convert, never reformat."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_int(flag: str, text: str | int, low: int, high: int | None = None) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = None
    if value is None or value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise RestoreInputError(f"{flag} {text!r}: expected a whole number {span}")
    return value


def need(flag: str, value: str | None, why: str) -> str:
    if not value:
        raise RestoreInputError(f"{flag} is missing: expected {why}")
    return value


def account_id(flag: str, value: str) -> str:
    if not re.fullmatch(r"\d{12}", value or ""):
        raise RestoreInputError(f"{flag} {value!r}: expected a 12-digit AWS account ID")
    return value


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def backup_session(args: argparse.Namespace, region: str | None = None) -> Any:
    """The backup account's session (``--profile`` or ``--backup-profile``, whichever the command has)."""
    return aws.session(
        region or args.region, profile=options.profile(args, "backup"), flag=options.profile_flag(args, "backup")
    )


def target_session(args: argparse.Namespace, backup: Any) -> Any:
    """The target account's session: ``--target-profile`` in ``--target-region`` (each defaulting to the backup's);
    with ``--account <member>``, that member's deploy role assumed from ``--target-profile`` (or the member's registry
    profile) in the member's region unless ``--target-region`` says otherwise (:mod:`failsafe.ops.fleet`)."""
    if getattr(args, "account", None):
        from failsafe.ops import fleet

        (member,) = fleet.members(args, write=True)
        return fleet.session(member, profile=args.target_profile, flag="--target-profile", region=args.target_region)
    if not (args.target_profile or args.target_region):
        return backup
    return aws.session(
        args.target_region or args.region,
        profile=args.target_profile or args.backup_profile,
        flag="--target-profile",
    )


def poll(
    describe: Callable[[], str],
    done: Iterable[str],
    failed: Iterable[str],
    timeout: float,
    what: str,
    progress: Progress,
    interval: float = POLL_SECONDS,
) -> tuple[str, float]:
    """Call ``describe()`` (which returns a status) until it is in ``done``; (status, seconds waited).

    A status in ``failed`` or the timeout is :class:`CheckFailed` (exit 1), one line naming the resource.
    """
    done, failed = set(done), set(failed)
    started = CLOCK()
    while True:
        status = describe()
        elapsed = CLOCK() - started
        progress.waiting(what, status, elapsed, timeout, force=True)
        if status in done:
            progress.end()
            return status, elapsed
        if status in failed:
            progress.end()
            raise CheckFailed(f"{what} ended in status {status}")
        if elapsed > timeout:
            progress.end()
            raise CheckFailed(f"{what} still {status} after {timeout:.0f} s (--timeout-minutes); check it later")
        SLEEP(interval)


DEFAULT_RECORD_DIR = "restore-runs"
# The recovery model's store of each restore command when --store is not given (failsafe/tooling/recovery/stores:
# buckets.py "s3:<protectedBuckets name>", copiers.py "snapshots" and "parameters", backups.py "backup:<type>").
DEFAULT_STORES = {"params": "parameters", "snapshot": "snapshots"}


def store_of(args: argparse.Namespace) -> str:
    """The model's store id a run restores: ``--store``, else from the command (``restore s3``: ``s3:`` and the
    ``--step-label``, which the runbook sets to the protectedBuckets name, else the target bucket)."""
    given = getattr(args, "store", None)
    if given:
        return str(given)
    command, label = str(args.restore_command), getattr(args, "step_label", None)
    if command == "s3":
        return f"s3:{label or args.target_bucket}"
    if command == "recovery-point":
        return f"backup:{label}" if label else "backup"
    return DEFAULT_STORES.get(command, command)


def _counts(report: Report | None) -> tuple[int, int]:
    """(objects, bytes) a run restored, from its JSON document."""
    data = report.data if report is not None else {}
    summary = data.get("summary") if isinstance(data.get("summary"), dict) else None
    if summary is not None:
        return int(summary.get("restored") or 0), int(summary.get("bytes") or 0)
    restored = data.get("restored")
    return (len(restored), 0) if isinstance(restored, list) else (0, 0)


def drill_timed(fn: Callable[[argparse.Namespace], Report]) -> Callable[[argparse.Namespace], Report]:
    """An executed restore is timed here, by the command itself (never typed in afterwards), and recorded:

    - always, a restore run record (:mod:`failsafe.ops.runrecord`, ``failsafe-restore-run/1``) in ``--record-dir``
      (default: the ``--drill-dir``, else ./restore-runs), so the recovery model and ``verify`` can compare the
      measured time with the estimate (issue 27);
    - with ``--drill-dir``, a step of the drill in progress there, outcome ok on exit 0, else failed.

    A dry run is recorded nowhere. Interrupted or failed runs are recorded too (outcome partial or failed), as the
    model counts only ``ok`` runs as measurements."""

    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> Report:
        if not getattr(args, "execute", True):
            return fn(args)
        directory = getattr(args, "drill_dir", None)
        log = drill.Drill(Path(directory)) if directory else None
        if log is not None:
            log.load()  # refuse before restoring when no drill is in progress there
        started = datetime.now(UTC)
        code, report = EXIT_FAILED, None
        try:
            report = fn(args)
            code = report.code
            return report
        except BaseException as exc:
            code = exit_code_of(exc)
            raise
        finally:
            ended = datetime.now(UTC)
            label = getattr(args, "step_label", None)
            name = f"failsafe-dr restore {args.restore_command}" + (f" {label}" if label else "")
            objects, size = _counts(report)
            outcome = "ok" if code == EXIT_OK else "partial" if objects else "failed"
            record = runrecord.RunRecord(
                command=f"restore {args.restore_command}",
                store=store_of(args),
                started=started,
                ended=ended,
                objects=objects,
                bytes=size,
                outcome=outcome,
                source=str(getattr(args, "replica_bucket", "") or getattr(args, "id", "") or ""),
                target=str(getattr(args, "target_bucket", "") or getattr(args, "target_region", "") or ""),
                drill=str(directory or ""),
                notes=f"exit {code}",
            )
            runrecord.write(record, Path(getattr(args, "record_dir", None) or directory or DEFAULT_RECORD_DIR))
            if log is not None:
                log.add(
                    name,
                    drill.iso(started),
                    drill.iso(ended),
                    "ok" if code == EXIT_OK else "failed",
                    notes=f"exit {code}",
                )

    return run
