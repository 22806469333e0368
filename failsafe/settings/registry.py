"""The fleet's members as the operator tools reach them (issue 24 item 6, for ``failsafe-dr verify|capture|restore
--account <name> | --all-accounts``, which failsafe/ops will call): member name -> account, region, the role to
assume there and the profile to assume it from. Read from dr's members registry (``failsafe:members``); the role is
the member's deploy role (``deployRoleName``), the one the access proofs already prove may read its replicas back
(``member-restore-role-*``), by its fixed name in every member account, so one prod-side profile reaches all."""

from __future__ import annotations

from dataclasses import dataclass

from failsafe.settings.model import StackConfig


class UnknownMember(ValueError):
    """``--account <name>`` names no member of dr's registry: one line naming the flag, the value and the members."""


@dataclass(frozen=True)
class MemberAccess:
    """How the operator tools reach one member account."""

    name: str
    account: str
    region: str
    role_arn: str  # assumed from ``profile`` (or the operator's one prod-side profile when empty)
    profile: str
    buckets: tuple[str, ...]


def member_access(dr: StackConfig, role_name: str | None = None) -> dict[str, MemberAccess]:
    """Every member of dr's registry by name, in registry order. ``role_name``: the fixed role name to assume in each
    member account (default: the estate's ``deployRoleName``)."""
    members = dr.fleet.members if dr.fleet is not None else ()
    role = role_name or dr.deploy_role_name
    return {
        m.name: MemberAccess(m.name, m.account, m.region, dr.role_arn(m.account, role), m.profile, m.buckets)
        for m in members
    }


def one(dr: StackConfig, name: str, role_name: str | None = None) -> MemberAccess:
    """The member ``name`` (``--account <name>``); an unknown name is refused naming the registry's members."""
    found = member_access(dr, role_name)
    if name not in found:
        known = ", ".join(found) or "none: dr's registry (failsafe:members) is empty"
        raise UnknownMember(f"--account {name}: expected a member of dr's registry ({known})")
    return found[name]
