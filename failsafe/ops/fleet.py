"""``--account <name>`` / ``--all-accounts``: the fleet's workload accounts as ``failsafe-dr verify``, ``capture run``
and ``restore s3|params`` reach them (issue 24, item 6).

The members come from dr's registry (``failsafe:members`` in dr's stack file, :mod:`failsafe.settings.registry`), never
from flags: an operator names a member, the registry says its account, region and buckets. Each member is reached
through **its own session**: the member's fixed-name role (the same name in every member account) assumed from the
operator's one prod-side profile, or from the member's own profile when the registry names one (``profile:``). One
session per member is the point: a session into one member sees none of another member's buckets, so reusing one
would read the wrong account (or nothing) and pass for the wrong reason; each session's account is checked against
the registry before any check runs (:func:`failsafe.ops.verify.assign_sides`).

Which role, by command (least privilege):

- ``verify`` and ``capture run`` only read, so they assume the member's **read-only role**
  ``<namePrefix>-prod-auditor`` (:func:`read_role_name`): every member stack makes it (``ProdAuditor``,
  ``components/failsafe_components/human_access.py``, whenever ``identityAccountId`` is set) with AWS's
  ``ReadOnlyAccess`` and a trust that admits people of the identity account with MFA only. Its reads are all verify
  and capture make in a member (replication configuration and metrics, Batch Operations jobs, snapshots, keys); it
  writes nothing and reads no object data, and it touches no backup-account resource, so no access proof of the
  backup account's policies has to admit it. The prod-side profile is therefore a person's identity-account profile
  with MFA (``mfa_serial`` in ``~/.aws/config``), as for the runbook's ``prod-readonly`` profile.
- ``restore s3`` and ``restore params`` write into the member, so they assume the member's **deploy role**
  (``deployRoleName``): the role the access proofs already prove may read that member's replica versions and decrypt
  them (``member-restore-role-reads-its-replica-versions``, ``member-restore-role-decrypts-replicas`` in
  :mod:`failsafe.tooling.access.fleet_catalogue`). No new role in the member stacks.

``restore`` takes ``--account`` only: a restore writes into one account the operator chose, and a fleet-wide restore
from one command line is the kind of accident this project refuses by default.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Any

from failsafe.ops import aws
from failsafe.ops.errors import UsageError
from failsafe.ops.stackconfig import load_config

DR_STACK = "dr"  # the stack whose file holds the registry (failsafe:members)


def read_role_name(name_prefix: str) -> str:
    """The member's read-only role (= ``failsafe_components.human_access.prod_auditor_role_name``; a test keeps the
    two equal: failsafe.ops is part of the Lambda bundle and imports no component)."""
    return f"{name_prefix}-prod-auditor"


@dataclass(frozen=True)
class Reach:
    """One member as a command reaches it: the registry's entry and the role this command assumes there."""

    name: str
    account: str
    region: str
    role_arn: str
    profile: str  # the registry's per-member profile ("" = the operator's prod-side profile)
    buckets: tuple[str, ...]

    @property
    def stack(self) -> str:
        return f"prod-{self.name}"


def add_arguments(parser: argparse.ArgumentParser, *, all_accounts: bool = True) -> None:
    """``--account NAME`` (and ``--all-accounts``, mutually exclusive with it) on a command that acts in prod."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--account",
        metavar="NAME",
        help="a member of dr's registry (failsafe:members): act on that workload account through its own session",
    )
    if all_accounts:
        group.add_argument(
            "--all-accounts", action="store_true", help="every member of dr's registry, each through its own session"
        )


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "account", None) or getattr(args, "all_accounts", False))


def members(args: argparse.Namespace, *, write: bool = False) -> list[Reach]:
    """The members ``--account``/``--all-accounts`` name, from dr's registry. ``write``: the command writes into the
    member (restore), so the deploy role; else the read-only role (see the module docstring)."""
    from failsafe.settings import registry

    dr = load_config(DR_STACK)
    role = dr.deploy_role_name if write else read_role_name(dr.name_prefix)
    found = registry.member_access(dr, role)
    if getattr(args, "account", None):
        if args.account not in found:
            known = ", ".join(found) or "none: dr's registry (failsafe:members) is empty"
            raise UsageError(f"--account {args.account}: expected a member of dr's registry ({known})")
        chosen = [found[args.account]]
    else:
        if not found:
            raise UsageError("--all-accounts: dr's registry (failsafe:members in Pulumi.dr.yaml) names no member")
        chosen = list(found.values())
    return [Reach(m.name, m.account, m.region, m.role_arn, m.profile, m.buckets) for m in chosen]


def session(member: Reach, *, profile: str | None, flag: str, region: str | None = None) -> Any:
    """The member's own session: its role assumed from the member's registry profile, else from ``profile`` (the
    operator's prod-side profile, ``flag``), else from the ambient credentials."""
    base_profile = member.profile or profile
    where = f"failsafe:members {member.name} profile" if member.profile else flag
    return aws.session(
        region or member.region,
        profile=base_profile or None,
        flag=where,
        role_arn=member.role_arn,
        session_name=f"failsafe-{member.name}"[:64],
    )


def account_id(value: str | None, flag: str = "--account") -> str | None:
    """``--account`` where a command reads what is already stored per account (``capture show``): a member of dr's
    registry, or a 12-digit account ID (an account outside the registry, e.g. a single-account estate's prod). One
    flag for one concept: which workload account."""
    if value is None or re.fullmatch(r"\d{12}", value):
        return value
    from failsafe.settings import registry

    dr = load_config(DR_STACK)
    found = registry.member_access(dr, read_role_name(dr.name_prefix))
    if value not in found:
        known = ", ".join(found) or "none: dr's registry (failsafe:members) is empty"
        raise UsageError(f"{flag} {value}: expected a 12-digit account ID or a member of dr's registry ({known})")
    return found[value].account
