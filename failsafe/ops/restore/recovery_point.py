"""``failsafe-dr restore recovery-point``: an AWS Backup restore job from a recovery point, optionally waited for
and timed (``--wait``)."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from failsafe.ops import aws, options
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK
from failsafe.ops.output import Report
from failsafe.ops.progress import Progress
from failsafe.ops.restore.common import CLOCK, RestoreInputError, backup_session, parse_int, poll

POLL_SECONDS = 30.0
SHAPE = {
    "recovery_point": "the recovery point ARN",
    "vault": "the backup vault",
    "vault_account": "the vault's owner when it is shared with this account (an air-gapped vault), or null",
    "resource_type": "what the recovery point holds (EC2, EBS, RDS, S3, ...), or null",
    "metadata": "{name: value}: the restore metadata sent (the recovery point's, with --metadata applied)",
    "overridden": "[names given with --metadata]",
    "executed": "false for a dry run",
    "job_id": "the restore job ID, or null",
    "status": "with --wait: COMPLETED|ABORTED|FAILED, else null",
    "seconds": "with --wait: the job's duration, else null",
    "created_resource": "with --wait: the resource the job made, or null",
}


def parse_metadata(pairs: Sequence[str] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise RestoreInputError(f"--metadata {pair!r}: expected key=value, such as availabilityZone=eu-central-1a")
        result[name.strip()] = value
    return result


def restore_recovery_point(
    backup: Any,
    *,
    arn: str,
    vault: str,
    role_arn: str,
    overrides: dict[str, str],
    vault_account: str | None = None,
    execute: bool,
    wait_for: bool,
    timeout: float,
    progress: Progress | None = None,
    interval: float = POLL_SECONDS,
) -> Report:
    # a vault shared through RAM (a logically air-gapped vault read from the recovery account) is named with its
    # owner: AWS Backup API Reference, GetRecoveryPointRestoreMetadata, BackupVaultAccountId; without it AWS answers
    # AccessDeniedException (AWS Backup Developer Guide, "Logically air-gapped vault", Troubleshoot)
    owner = {"BackupVaultAccountId": vault_account} if vault_account else {}
    answer = backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=arn, **owner)
    metadata = {**(answer.get("RestoreMetadata") or {}), **overrides}
    resource_type = answer.get("ResourceType")
    data: dict[str, Any] = {
        "recovery_point": arn,
        "vault": vault,
        "vault_account": vault_account,
        "resource_type": resource_type,
        "metadata": metadata,
        "overridden": sorted(overrides),
        "executed": execute,
        "job_id": None,
        "status": None,
        "seconds": None,
        "created_resource": None,
    }
    where = f"vault {vault}" + (f" of account {vault_account} (shared)" if vault_account else "")
    out: list[str] = [f"recovery point {arn} in {where} ({resource_type or 'type unknown'})"]
    out += [f"  {n} = {metadata[n]}{'  (--metadata)' if n in overrides else ''}" for n in sorted(metadata)]
    report = Report(data, list(out))
    if not execute:
        report.say(f"dry run: no restore job started; --execute to start it with role {role_arn}")
        return report
    token = hashlib.sha256(json.dumps([arn, role_arn, metadata], sort_keys=True).encode()).hexdigest()[:32]
    job_id = backup.start_restore_job(
        RecoveryPointArn=arn,
        Metadata=metadata,
        IamRoleArn=role_arn,
        IdempotencyToken=token,
        **({"ResourceType": resource_type} if resource_type else {}),
    )["RestoreJobId"]
    data["job_id"] = job_id
    report.say(f"restore job {job_id} started")
    if not wait_for:
        report.say(f"follow it with `aws backup describe-restore-job --restore-job-id {job_id}`")
        return report
    started = CLOCK()
    final: dict[str, Any] = {}

    def status() -> str:
        final.clear()
        final.update(backup.describe_restore_job(RestoreJobId=job_id))
        return str(final.get("Status", ""))

    what = f"restore job {job_id}"
    state, _ = poll(status, {"COMPLETED", "ABORTED", "FAILED"}, (), timeout, what, progress or Progress.off(), interval)
    created, completed = final.get("CreationDate"), final.get("CompletionDate")
    took = (completed - created).total_seconds() if created and completed else CLOCK() - started
    resource = final.get("CreatedResourceArn")
    message = f": {final['StatusMessage']}" if final.get("StatusMessage") else ""
    data.update(status=state, seconds=round(took), created_resource=resource)
    report.say(f"restore job {job_id} {state} in {took:.0f} s; created {resource or '-'}{message}")
    report.code = EXIT_OK if state == "COMPLETED" else EXIT_FAILED
    return report


def cmd_recovery_point(args: argparse.Namespace) -> Report:
    if not re.fullmatch(r"arn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:.+", args.arn or ""):
        raise RestoreInputError(f"--arn {args.arn!r}: expected a recovery point ARN (arn:aws:backup:...)")
    if not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", args.role_arn or ""):
        raise RestoreInputError(
            f"--role-arn {args.role_arn!r}: expected an IAM role ARN trusted by backup.amazonaws.com"
        )
    if args.vault_account_id is not None and not re.fullmatch(r"\d{12}", args.vault_account_id):
        raise RestoreInputError(
            f"--vault-account-id {args.vault_account_id!r}: expected the 12-digit account that owns the shared vault"
        )
    overrides = parse_metadata(args.metadata)
    timeout = parse_int("--timeout-minutes", args.timeout_minutes, 1) * 60
    return restore_recovery_point(
        aws.client(backup_session(args), "backup"),
        arn=args.arn,
        vault=args.vault,
        role_arn=args.role_arn,
        overrides=overrides,
        vault_account=args.vault_account_id,
        execute=args.execute,
        wait_for=args.wait,
        timeout=timeout,
        progress=args.progress,
    )


def add_parser(sub: Any) -> argparse.ArgumentParser:
    rp = options.command(
        sub,
        "recovery-point",
        help="start an AWS Backup restore job from a recovery point",
        shape=SHAPE,
        roles=("backup",),
        region="the vault's region",
    )
    rp.add_argument("--arn", required=True, help="recovery point ARN")
    rp.add_argument("--vault", required=True, help="backup vault name")
    rp.add_argument(
        "--vault-account-id",
        help="the vault's owner when the vault is shared with you (the air-gapped vault, from the recovery account)",
    )
    rp.add_argument("--role-arn", required=True, help="restore role (trusted by backup.amazonaws.com)")
    rp.add_argument("--metadata", nargs="*", help="key=value overrides of the recovery point's restore metadata")
    rp.add_argument("--wait", action="store_true", help="poll the job until it ends and report its duration")
    rp.add_argument("--timeout-minutes", default="240", help="how long to wait (default 240)")
    rp.add_argument("--execute", action="store_true", help="start the job (default: print the plan only)")
    rp.set_defaults(func=cmd_recovery_point)
    return rp
