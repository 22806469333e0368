"""The estate: every stack of the project, found from its stack files, with its role and the order they deploy in,
and what the fleet's stacks must agree on across files (issue 24).

Discovery reads what the Pulumi CLI would: one ``Pulumi.<stack>.yaml`` per stack beside ``Pulumi.yaml``
(templates, ``Pulumi.<x>.template.yaml``, are no stacks); a stack's role is its ``failsafe:role``. Reading goes through
:mod:`failsafe.settings.stackfiles`' public functions only.

Order (README "Many accounts"): dr (reads nothing), then org (reads nothing), then prod and the members (each reads dr
through ``drStackName``: :func:`failsafe.settings.stackfiles.stack_order` refuses a cycle), then previews. No cycle is
possible: only prod-role stacks read, and only a dr stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from failsafe.settings import stackfiles
from failsafe.settings.errors import MEMBER_STACK, NAMESPACE
from failsafe.settings.model import Role, StackConfig

ORDER = {"dr": 0, "org": 1, "prod": 2, "preview": 3}
_STACK_FILE = re.compile(r"^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$")
# The organization's keys every stack that sets them must give the same value (dr and org set them; a member may set
# backupOrganizationId for its own copy settings).
ORGANIZATION_KEYS = ("backupOrganizationId", "orgManagementAccountId", "organizationalUnits")


class EstateError(ValueError):
    """The stacks of the project do not make an estate (two org stacks, a member without a dr...): one line."""


@dataclass(frozen=True)
class Stack:
    name: str
    role: str
    file: str

    @property
    def member(self) -> str | None:
        match = MEMBER_STACK.match(self.name)
        return match.group(1) if match and self.role == "prod" else None


def stacks(root: Path = stackfiles.ROOT) -> list[Stack]:
    """Every stack of the project that has a stack file, in deploy order (dr, org, prod and members, previews)."""
    found: list[Stack] = []
    for path in sorted(root.glob("Pulumi.*.yaml")):
        match = _STACK_FILE.match(path.name)
        if match is None or match.group(1).endswith(".template"):
            continue
        name = match.group(1)
        value = stackfiles.stack_file(name, root).values.get(f"{NAMESPACE}:role")
        role = value.text if value is not None else ""
        found.append(Stack(name, role, path.name))
    return sorted(found, key=lambda s: (ORDER.get(s.role, 9), s.member is not None, s.name))


def one(found: list[Stack], role: str) -> Stack | None:
    """The estate's one stack of ``role`` (None when there is none; two are refused: which would the others read?)."""
    matching = [s for s in found if s.role == role]
    if len(matching) > 1:
        raise EstateError(f"stacks {', '.join(s.name for s in matching)} all have role {role}: an estate has one")
    return matching[0] if matching else None


def _shown(value: object) -> str:
    return json.dumps(value) if not isinstance(value, str) else f"'{value}'"


def fleet_problems(configs: Mapping[str, StackConfig], files: Mapping[str, str]) -> list[str]:
    """What the fleet's files disagree on, one line each naming both files: a member whose own file says another
    account, region or bucket list than its entry in dr's registry, a member stack dr does not list, a registry entry
    without its stack, the organization's keys differing between stacks, a member region the backup policy does not
    cover. ``configs``: stack -> its validated config; ``files``: stack -> its file name."""
    problems: list[str] = []
    drs = [s for s, c in configs.items() if c.role is Role.DR]
    orgs = [s for s, c in configs.items() if c.role is Role.ORG]
    dr = configs[drs[0]] if len(drs) == 1 else None
    registry = {m.name: m for m in (dr.fleet.members if dr and dr.fleet else ())}
    dr_file = files.get(drs[0], "") if drs else ""
    for stack, cfg in sorted(configs.items()):
        member = cfg.member
        if member is None:
            continue
        entry = registry.get(member.name)
        if entry is None:
            problems.append(
                f"{files[stack]}: member '{member.name}' is not in the members registry of {dr_file or 'a dr stack'}"
            )
            continue
        for what, mine, theirs in (
            ("prodAccountId", member.account, entry.account),
            ("primaryRegion", member.region, entry.region),
            ("protectedBuckets", list(member.buckets), list(entry.buckets)),
        ):
            if mine != theirs:
                problems.append(
                    f"{files[stack]}: {NAMESPACE}:{what} {_shown(mine)} disagrees with {dr_file} members "
                    f"'{member.name}' ({_shown(theirs)})"
                )
    members = {c.member.name for c in configs.values() if c.member is not None}
    for name in sorted(set(registry) - members):
        problems.append(
            f"{dr_file}: member '{name}' has no stack file Pulumi.prod-{name}.yaml (python -m failsafe members write)"
        )
    shared = [s for s in (*drs, *orgs) if s in configs]
    ordered = [*shared, *(s for s, c in sorted(configs.items()) if c.member is not None)]
    for key in ORGANIZATION_KEYS:
        reference: tuple[str, str] | None = None
        for stack in ordered:
            text = configs[stack].written.get(key) or ""
            if stack not in shared and text in ("", "[]"):
                continue  # a member that does not set it
            if reference is None:
                reference = (files[stack], text)
            elif text != reference[1]:
                problems.append(
                    f"{files[stack]}: {NAMESPACE}:{key} {_shown(text)} disagrees with {reference[0]} "
                    f"({_shown(reference[1])})"
                )
    org_cfg = configs[orgs[0]] if len(orgs) == 1 else None
    org = org_cfg.fleet.organization if org_cfg and org_cfg.fleet else None
    if org is not None:
        for entry in registry.values():
            if entry.region not in org.backup_regions:
                problems.append(
                    f"{dr_file}: member '{entry.name}' is in {entry.region}, which {files[orgs[0]]} "
                    f"backupPolicyRegions ({', '.join(org.backup_regions)}) does not back up"
                )
    return problems
