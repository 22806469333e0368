"""The estate the recovery model reads: the plans of its stacks (dr and the prod stacks that read it, each planned as
``pulumi up`` would see it), the project's scheduled workflows, and the owner's objectives from prod's config.

Everything the model derives comes from here by resource type, URN and property path (and each value read is kept as
a :class:`~failsafe.tooling.recovery.terms.Read`), never from config names: a setting changed in code moves the model
as surely as one changed in config. Where a resource is (account and region) is its provider's
``allowedAccountIds`` and ``region``, as the harness records them.

Extension point (issue 24, organization scale): an estate is one dr stack with every prod stack that reads it, so the
member stacks ``prod-<name>`` join the estate of their dr by :func:`estates`; an ``org`` stack with backup policies
is added to :attr:`Estate.plans` under its own role, and a store kind that reads it (``aws:organizations/policy``
of type ``BACKUP_POLICY``) registers in :mod:`failsafe.tooling.recovery.stores`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from failsafe.settings import stackfiles
from failsafe.settings.config import Role
from failsafe.settings.recovery_targets import Objectives
from failsafe.tooling import harness, planning
from failsafe.tooling.planning import PlanError
from failsafe.tooling.recovery.terms import Read

PROVIDER = "pulumi:providers:aws"
MISSING = object()


@dataclass(frozen=True)
class Item:
    """One planned resource and the stack whose plan holds it."""

    stack: str
    resource: harness.PlannedResource

    @property
    def urn(self) -> str:
        return self.resource.urn

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def inputs(self) -> dict[str, Any]:
        return self.resource.inputs


@dataclass(frozen=True)
class Place:
    account: str
    region: str

    def text(self) -> str:
        return f"account {self.account}, {self.region}"


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted property path (list indexes as numbers; JSON text is looked into), or MISSING."""
    value = data
    for part in path.split("."):
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return MISSING
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def _accounts(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [value]
    return [str(v) for v in value or []]


@dataclass
class Estate:
    """One dr stack and the prod stacks that read it, planned; the project's workflows; prod's objectives."""

    name: str
    plans: dict[str, harness.Plan]  # stack -> plan, dr first
    roles: dict[str, str]  # stack -> role (dr, prod; later org)
    root: Path = stackfiles.ROOT
    objectives: Objectives = field(default_factory=Objectives)
    _workflows: dict[str, Any] = field(default_factory=dict, repr=False)

    def stacks(self, role: str) -> list[str]:
        return [s for s, r in self.roles.items() if r == role]

    def items(self, type_: str, stacks: Sequence[str] | None = None) -> list[Item]:
        found = []
        for stack, plan in self.plans.items():
            if stacks is None or stack in stacks:
                found += [Item(stack, r) for r in plan.resources if r.type == type_]
        return found

    def all_items(self) -> Iterator[Item]:
        for stack, plan in self.plans.items():
            for resource in plan.resources:
                yield Item(stack, resource)

    def get(self, stack: str, urn: str) -> Item | None:
        resource = self.plans[stack].get(urn)
        return Item(stack, resource) if resource is not None else None

    def where(self, item: Item) -> Place:
        provider = self.plans[item.stack].get(item.resource.provider_urn)
        if provider is None or provider.type != PROVIDER:
            return Place("unknown", "unknown")
        accounts = _accounts(provider.inputs.get("allowedAccountIds"))
        return Place(accounts[0] if accounts else "unknown", str(provider.inputs.get("region") or "unknown"))

    def read(self, item: Item, path: str) -> Read:
        """The input at ``path`` (``options.protect``/``options.retainOnDelete`` read the resource options)."""
        if path == "options.protect":
            value: Any = item.resource.protect
        elif path == "options.retainOnDelete":
            value = item.resource.retain_on_delete
        else:
            found = value_at(item.inputs, path)
            value = None if found is MISSING else found
        return Read(item.urn, path, value, item.stack)

    def value(self, item: Item, path: str) -> Any:
        return self.read(item, path).value

    def output(self, item: Item, key: str) -> Any:
        return item.resource.outputs.get(key)

    def bucket(self, name_or_arn: str) -> Item | None:
        """The planned bucket of that name or ARN, in any stack."""
        name = name_or_arn.removeprefix("arn:aws:s3:::")
        for item in self.items("aws:s3/bucket:Bucket") + self.items("aws:s3/bucketV2:BucketV2"):
            if item.inputs.get("bucket") == name or item.resource.outputs.get("bucket") == name:
                return item
        return None

    def on_bucket(self, types: Sequence[str], bucket_name: str) -> list[Item]:
        """The side resources of a bucket (versioning, lifecycle, Object Lock, policy), by their ``bucket`` input; each
        type with its pulumi-aws v6 ``...V2`` alias."""
        return [i for t in types for i in self.items(t) if i.inputs.get("bucket") == bucket_name]

    def by_output(self, type_: str, key: str, value: Any) -> Item | None:
        return next((i for i in self.items(type_) if i.resource.outputs.get(key) == value), None)

    def stack_output(self, role: str, key: str) -> tuple[str, Any] | None:
        for stack in self.stacks(role):
            if key in self.plans[stack].outputs:
                return stack, self.plans[stack].outputs[key]
        return None

    def workflow(self, file: str) -> dict[str, Any] | None:
        """A workflow of ``.github/workflows`` as YAML (``on`` kept a string key), or None when there is none."""
        if file not in self._workflows:
            path = self.root / ".github" / "workflows" / file
            document: Any = None
            if path.exists():
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
                if isinstance(document, dict) and True in document:  # YAML 1.1 reads `on` as true
                    document["on"] = document.pop(True)
            self._workflows[file] = document if isinstance(document, dict) else None
        found = self._workflows[file]
        return found if isinstance(found, dict) else None

    @property
    def primary_accounts(self) -> set[str]:
        """Accounts of the prod stacks' own resources (their home providers: the ones most of their resources use)."""
        accounts: set[str] = set()
        for stack in self.stacks(Role.PROD.value):
            counts: dict[str, int] = {}
            for resource in self.plans[stack].resources:
                if resource.type.startswith("aws:"):
                    place = self.where(Item(stack, resource))
                    counts[place.account] = counts.get(place.account, 0) + 1
            if counts:
                accounts.add(max(counts, key=lambda a: counts[a]))
        return accounts


# --- building estates from the project's stacks ----------------------------------------------------------------------


def project_stacks(root: Path = stackfiles.ROOT) -> list[str]:
    """Every stack with a file of its own (the preview template is no stack)."""
    names = []
    for path in sorted(root.glob("Pulumi.*.yaml")):
        name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        if name and "template" not in name:
            names.append(name)
    return names


def _role(stack: str, overrides: Mapping[str, Any] | None) -> tuple[str, Objectives]:
    _, cfg = planning.stack_config(stack, dict(overrides or {}) or None)
    return cfg.role.value, cfg.objectives


def _dr_of(stack: str, overrides: Mapping[str, Any] | None) -> str:
    try:
        return stackfiles.stack_order(stack, overrides=dict(overrides or {}) or None)[-2]
    except Exception as error:  # a ConfigError or StackFileError, one line for a person
        raise PlanError(str(error)) from None


def estates(stack: str | None = None, overrides: Mapping[str, Any] | None = None) -> list[Estate]:
    """The estates to model: ``stack``'s (a prod stack with its dr; a dr stack with every prod that reads it), or
    with ``stack`` None every dr stack of the project with its prod stacks."""
    roles = {s: _role(s, overrides) for s in project_stacks()}
    if stack is not None and stack not in roles:
        roles[stack] = _role(stack, overrides)  # a stack without a file of its own still gets its one-line error
    prods = [s for s, (role, _) in roles.items() if role == Role.PROD.value]
    readers: dict[str, list[str]] = {}
    for prod in prods:
        readers.setdefault(_dr_of(prod, overrides), []).append(prod)
    if stack is None:
        groups = sorted(readers.items())
    elif roles[stack][0] == Role.PROD.value:
        groups = [(_dr_of(stack, overrides), [stack])]
    elif roles[stack][0] == Role.DR.value:
        groups = [(stack, readers.get(stack, []))]
    else:
        raise PlanError(f"{stack}: a {roles[stack][0]} stack protects no data; the recovery model covers dr and prod")
    found = []
    for dr, members in groups:
        plans = {dr: planning.plan_stack(dr, dict(overrides or {}) or None)}
        plans.update({m: planning.plan_stack(m, dict(overrides or {}) or None) for m in members})
        objectives = roles[members[0]][1] if members else roles[dr][1]
        found.append(
            Estate(
                name=members[0] if len(members) == 1 else dr,
                plans=plans,
                roles={s: roles[s][0] for s in plans},
                objectives=objectives,
            )
        )
    return found


def from_plans(
    plans: Mapping[str, harness.Plan],
    roles: Mapping[str, str],
    objectives: Objectives | None = None,
    root: Path = stackfiles.ROOT,
    name: str = "",
) -> Estate:
    """An estate of plans made elsewhere (the tests' cached plans, an example program's single plan)."""
    return Estate(
        name=name or next(iter(plans)),
        plans=dict(plans),
        roles=dict(roles),
        root=root,
        objectives=objectives or Objectives(),
    )


def for_stack(stack: str, plan_for: Callable[[str], harness.Plan]) -> Estate | None:
    """The estate of a prod stack from plans someone has made already (``check`` reuses the gate's plans); None for
    a stack of another role (the prod stack's check covers its dr)."""
    role, objectives = _role(stack, None)
    if role != Role.PROD.value:
        return None
    dr = _dr_of(stack, None)
    return Estate(
        stack, {dr: plan_for(dr), stack: plan_for(stack)}, {dr: Role.DR.value, stack: role}, objectives=objectives
    )
