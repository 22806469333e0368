"""``failsafe-dr verify --account <name> | --all-accounts``: the checks of each member through its own session, the
backup account's own checks once, and one table across the accounts (:func:`failsafe.ops.fleet_report`).

Each member is read with its config (``Pulumi.prod-<name>.yaml``: buckets, RPO) and its own session
(:func:`failsafe.ops.fleet.session`, the read-only role); the backup side is ``--backup-profile``. A member that
cannot be reached (its role refused, the wrong account) is one failing check of that member under ``--all-accounts``,
and the other members are still verified; with ``--account`` it is the command's one-line error. The DNS checks
belong to the estate's own prod stack (``--stack``), not to a member: a fleet run leaves them out.

AWS Backup's own copy jobs into the central vault are started by AWS Backup, not by failsafe, and are bounded by AWS
Backup's quotas (AWS Backup Developer Guide, "AWS Backup quotas": concurrent backup copies per account outbound to a
destination Region, 100; concurrent copies per destination backup vault after that limit is reached, 5; concurrent
cross-account copies of the same resource to the same destination Region, 30). A copy that cannot start waits in
state CREATED (the same guide, "Backup and tag copy", "Copy job retry": up to 2 hours, then FAILED). What verify
reports when copies queue: the central vault's newest completed recovery point ages, and "recovery points" FAILs once
it is older than the strictest member's RPO; the queue itself is not read (moto implements no ListCopyJobs).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from failsafe.ops import aws, fleet, verify
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK
from failsafe.ops.output import Report, Table
from failsafe.ops.stackconfig import load_config, outputs


@dataclass(frozen=True)
class AccountResult:
    """One account's checks in a fleet run: a member (its own session), or the backup account's shared checks."""

    name: str
    account: str
    rpo: timedelta
    checks: tuple[verify.Check, ...]

    @property
    def worst(self) -> timedelta | None:
        """The oldest data any check saw (replica lag or age, replication latency, recovery point, copy)."""
        return max((c.age for c in self.checks if c.age is not None), default=None)

    @property
    def failing(self) -> int:
        return sum(1 for c in self.checks if c.ok is False)

    @property
    def status(self) -> str:
        return "FAIL" if self.failing else "PASS"

    def as_dict(self) -> dict[str, Any]:
        worst = self.worst
        return {
            "name": self.name,
            "account": self.account,
            "rpo_seconds": int(self.rpo.total_seconds()),
            "worst_rpo_seconds": None if worst is None else int(worst.total_seconds()),
            "failing": self.failing,
            "status": self.status,
        }


def _span(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    return verify._age(datetime(2000, 1, 1, tzinfo=UTC) + delta, datetime(2000, 1, 1, tzinfo=UTC))


def fleet_report(results: list[AccountResult]) -> Report:
    """ONE table across the accounts (name, account ID, worst RPO seen against the target, failing checks, status),
    then every check with its account's name in front; exit 1 when any account fails."""
    rows = [(r.name, r.account, f"{_span(r.worst)} (RPO {_span(r.rpo)})", str(r.failing), r.status) for r in results]
    detail = [(f"{r.name}: {c.name}", c.status, verify.one_line(c.evidence, 1000)) for r in results for c in r.checks]
    failed = [r.name for r in results if r.failing]
    data = {
        "ok": not failed,
        "checks": [item for r in results for item in verify._checks_data(r.checks, f"{r.name}: ")],
        "accounts": [r.as_dict() for r in results],
    }
    summary = f"{len(results)} accounts: {len(failed)} failing" + (f" ({', '.join(failed)})" if failed else "")
    blocks: list[str | Table] = [
        Table(("ACCOUNT", "ACCOUNT ID", "WORST RPO SEEN", "FAILING", "STATUS"), rows),
        "",
        Table(("CHECK", "RESULT", "EVIDENCE"), detail),
        "",
        summary,
    ]
    return Report(data, blocks, EXIT_FAILED if failed else EXIT_OK)


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The flags that override the dr outputs, as :meth:`verify.Targets.from_config` takes them."""
    return {
        "vault_name": args.vault,
        "archive_bucket": args.archive_bucket,
        "health_check_id": args.health_check_id,
        "drills_dir": args.drill_dir,
        "archive_max_age": None if args.archive_max_age_hours is None else timedelta(hours=args.archive_max_age_hours),
        "recovery_model": args.recovery_model,
        "evidence": tuple(args.evidence) if args.evidence else None,
    }


def _member(args: argparse.Namespace, member: fleet.Reach, found: dict[str, Any], backup: Any | None) -> AccountResult:
    cfg = load_config(member.stack)
    targets = verify.Targets.from_config(cfg, found, **overrides(args))
    prod = fleet.session(member, profile=args.prod_profile, flag="--prod-profile")
    sides = verify.assign_sides(targets, [("prod", prod)])  # the session's account is the registry's, or it stops
    checks = verify.run(
        verify.Sides(sides["prod"], backup, cfg.primary_region, cfg.dr_region),
        targets,
        progress=args.progress,
        shared=False,
    )
    return AccountResult(member.name, member.account, targets.rpo, tuple(checks))


def cmd(args: argparse.Namespace) -> Report:
    members = fleet.members(args)
    dr = load_config(fleet.DR_STACK)
    found = outputs(args.outputs)
    stacks = ("dr", *(m.stack for m in members))
    backup_targets = verify.Targets.from_config(dr, found, stacks=stacks, **overrides(args))
    backup = None
    if args.backup_profile:
        given = aws.session(dr.dr_region, profile=args.backup_profile, flag="--backup-profile")
        backup = verify.assign_sides(backup_targets, [("backup", given)])["backup"]
    results: list[AccountResult] = []
    for member in members:
        try:
            results.append(_member(args, member, found, backup))
        except Exception as exc:
            if args.account:  # one member asked for: its error is the command's one line
                raise
            reach = verify.Check(
                f"reach {member.stack}", False, f"{member.role_arn}: {verify.one_line(aws.describe(exc))}"
            )
            results.append(AccountResult(member.name, member.account, backup_targets.rpo, (reach,)))
    strictest = min((r.rpo for r in results), default=backup_targets.rpo)
    shared_targets = verify.Targets.from_config(dr, found, stacks=stacks, rpo=strictest, **overrides(args))
    sides = verify.Sides(None, backup, dr.primary_region, dr.dr_region)
    shared = verify.shared_checks(sides, shared_targets, datetime.now(UTC))
    results.append(AccountResult("backup", dr.accounts.backup, strictest, tuple(shared)))
    return fleet_report(results)
