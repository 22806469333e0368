"""What a generic capture needs to know about each CloudFormation resource type, read from the generated catalogue.

The facts come from pinned development packages (cfn-lint's registry schemas, pulumi-aws-native, botocore's
endpoint data, the Service Authorization Reference) through ``python -m failsafe.tooling.capture_catalog --write``
into ``failsafe/ops/data/``; this module reads them with the standard library only, so failsafe.ops stays
boto3 + stdlib. What each field means and where it comes from: the generator's docstrings and docs/capture.md.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
TYPES_FILE = DATA_DIR / "cloudcontrol_types.json"
POLICY_FILE = DATA_DIR / "capture_readonly_policy.json"
FORMAT = 1
IDENTIFIER_SEPARATOR = "|"  # Cloud Control joins a composite primary identifier's values with "|"

# The reasons a type is not listed by the generic path (issue 26 item 4 accepts the first three as "skipped").
NO_LIST_HANDLER = "no list handler"
NOT_IN_REGION = "not in the region"
NO_TOKEN = "aws-native lacks the type"
NO_PARENT = "parent type unknown"  # a list handler needs a parent no listable type of the service gives
CLASSIC = "captured by the classic pulumi-aws collector"
CLASSIC_INSIDE = "captured inside a classic pulumi-aws resource"


class CatalogError(ValueError):
    """A type, region or resource model the catalogue cannot answer for; the message is one line for people."""


@dataclass(frozen=True)
class ParentSource:
    """A type whose listed resource models give the keys of one parent alternative (``fields``: key -> the parent
    model's property); matched by name in the generator (``capture_catalog.parent_sources``)."""

    alternative: int
    type: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class TypeInfo:
    """One CloudFormation resource type as the catalogue records it."""

    name: str
    listable: bool
    readable: bool
    parents: tuple[tuple[str, ...], ...]
    parents_by: str | None
    parent_types: tuple[ParentSource, ...]
    primary_identifier: tuple[str, ...]
    write_only: tuple[str, ...]
    secret: Mapping[str, str]
    list_permissions: tuple[str, ...]
    read_permissions: tuple[str, ...]
    regions: frozenset[str]
    global_home: Mapping[str, str]
    token: str | None
    no_token: str | None
    classic: tuple[str, ...]
    classic_overlap: Mapping[str, str] | None
    account_wide_list: str | None

    @property
    def service(self) -> str:
        """The CloudFormation service namespace (``AWS::EC2::VPC`` -> ``EC2``)."""
        return self.name.split("::")[1]

    @property
    def needs_parent(self) -> bool:
        """Whether ListResources needs a ``ResourceModel`` naming a parent (the list handler schema's required)."""
        return bool(self.parents)

    def home_region(self, partition: str) -> str | None:
        """Where a global type is listed once per account; None for a regional type (or UNKNOWN in the data)."""
        home = self.global_home.get(partition)
        return None if home in (None, "UNKNOWN") else home


@dataclass(frozen=True)
class Listing:
    """One ListResources to make: the type, and the region whose Cloud Control endpoint to ask."""

    type: TypeInfo
    region: str
    once_per_account: bool


@dataclass(frozen=True)
class Skipped:
    type: TypeInfo
    region: str | None
    reason: str
    detail: str = ""


class Catalog:
    """The generated catalogue: type facts, regions and partitions, and the read-only policy documents."""

    def __init__(self, document: Mapping[str, Any], policy: Mapping[str, Any] | None = None) -> None:
        if document.get("format") != FORMAT:
            raise CatalogError(f"catalogue format {document.get('format')!r}: this failsafe reads format {FORMAT}")
        self.inputs: Mapping[str, Any] = document["inputs"]
        self.regions: tuple[str, ...] = tuple(document["regions"])
        self._partitions: Mapping[str, str] = document["partitions"]
        self._policy = policy
        self._raw: Mapping[str, Mapping[str, Any]] = document["types"]
        self._types: dict[str, TypeInfo] = {}

    @classmethod
    def load(cls, types_file: Path = TYPES_FILE, policy_file: Path = POLICY_FILE) -> Catalog:
        try:
            document = json.loads(types_file.read_text(encoding="utf-8"))
            policy = json.loads(policy_file.read_text(encoding="utf-8")) if policy_file.is_file() else None
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{types_file}: cannot read the Cloud Control catalogue ({exc})") from exc
        return cls(document, policy)

    # --- types --------------------------------------------------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[TypeInfo]:
        return (self.type(name) for name in self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def type(self, name: str) -> TypeInfo:
        if name not in self._types:
            raw = self._raw.get(name)
            if raw is None:
                raise CatalogError(f"resource type {name!r}: not in the catalogue (cfn-lint {self.inputs['cfn-lint']})")
            self._types[name] = self._info(name, raw)
        return self._types[name]

    def _info(self, name: str, raw: Mapping[str, Any]) -> TypeInfo:
        mask = int(raw["regions"])
        permissions = raw.get("permissions", {})
        return TypeInfo(
            name=name,
            listable=bool(raw["list"]),
            readable=bool(raw["read"]),
            parents=tuple(tuple(alt) for alt in raw.get("parents", ())),
            parents_by=raw.get("parents_by"),
            parent_types=tuple(
                ParentSource(int(s["alt"]), str(s["type"]), dict(s["from"])) for s in raw.get("parent_types", ())
            ),
            primary_identifier=tuple(raw["id"]),
            write_only=tuple(raw.get("write_only", ())),
            secret=dict(raw.get("secret", {})),
            list_permissions=tuple(permissions.get("list", ())),
            read_permissions=tuple(permissions.get("read", ())),
            regions=frozenset(r for i, r in enumerate(self.regions) if mask >> i & 1),
            global_home=dict(raw.get("global", {})),
            token=raw.get("token"),
            no_token=raw.get("no_token"),
            classic=tuple(raw.get("classic", ())),
            classic_overlap=raw.get("classic_overlap"),
            account_wide_list=raw.get("account_wide_list"),
        )

    def partition(self, region: str) -> str:
        try:
            return self._partitions[region]
        except KeyError:
            known = ", ".join(self.regions)
            raise CatalogError(f"region {region!r}: not one cfn-lint ships schemas for (known: {known})") from None

    # --- what to list ------------------------------------------------------------------------------------------

    def listable_in(self, region: str) -> list[TypeInfo]:
        """The types with a list handler that ``region`` has (whether the generic path or a classic collector
        lists them: :meth:`plan` decides that)."""
        self.partition(region)
        return [info for info in self if info.listable and region in info.regions]

    def skip_reason(self, info: TypeInfo, region: str) -> Skipped | None:
        """Why the generic path does not list ``info`` in ``region``, or None if it does."""
        if not info.listable:
            return Skipped(info, region, NO_LIST_HANDLER)
        if region not in info.regions:
            return Skipped(info, region, NOT_IN_REGION)
        if info.classic:
            return Skipped(info, region, CLASSIC, ", ".join(info.classic))
        if info.classic_overlap:
            return Skipped(
                info, region, CLASSIC_INSIDE, f"{info.classic_overlap['token']}: {info.classic_overlap['why']}"
            )
        if info.token is None:
            return Skipped(info, region, NO_TOKEN, info.no_token or "")
        if info.parents and not self.parents_listable(info, region):
            wanted = " or ".join("+".join(alt) for alt in info.parents)
            return Skipped(info, region, NO_PARENT, f"its list handler needs {wanted}")
        return None

    def parents_listable(self, info: TypeInfo, region: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether some parent source of ``info`` can be listed in ``region``: it has a list handler there and
        needs no parent, or its own parents can be listed (a cycle cannot)."""
        for source in info.parent_types:
            if source.type in seen or source.type not in self:
                continue
            parent = self.type(source.type)
            reachable = not parent.parents or self.parents_listable(parent, region, seen | {info.name})
            if parent.listable and region in parent.regions and reachable:
                return True
        return False

    def plan(self, regions: Sequence[str]) -> tuple[list[Listing], list[Skipped]]:
        """The listings a capture of one account in ``regions`` makes, and what it skips with the reason.

        A regional type is listed in every given region that has it. A global type (IAM, CloudFront, Route 53,
        Organizations, ...) and an account-wide listing (S3 buckets) are listed once: in the partition's home
        region when the type exists there (whether or not it is among ``regions``: its resources belong to the
        account, not to a region), else in the first given region that has it.
        """
        if not regions:
            raise CatalogError("regions: at least one region is needed")
        for region in regions:
            self.partition(region)
        listings: list[Listing] = []
        skipped: list[Skipped] = []
        for info in self:
            once_in: dict[str, str] = {}
            for region in regions:
                why = self.skip_reason(info, region)
                if why is not None:
                    skipped.append(why)
                    continue
                partition = self.partition(region)
                home = info.home_region(partition)
                if home is None and info.account_wide_list is None:
                    listings.append(Listing(info, region, False))
                elif partition not in once_in:
                    once_in[partition] = home if home in info.regions else region
            listings.extend(Listing(info, region, True) for region in once_in.values())
        return listings, skipped

    # --- resource models ---------------------------------------------------------------------------------------

    def identifier(self, type_name: str, model: Mapping[str, Any]) -> str:
        """The import ID of a resource: its primary identifier's values in schema order joined by ``|`` (what
        Cloud Control returns as ``Identifier``, and what ``pulumi import aws-native:...`` takes)."""
        info = self.type(type_name)
        values = []
        for path in info.primary_identifier:
            found = _get(model, _pointer(path))
            if found is None or found == "":
                raise CatalogError(
                    f"{type_name}: resource model has no {path} (primary identifier {list(info.primary_identifier)})"
                )
            values.append(str(found))
        return IDENTIFIER_SEPARATOR.join(values)

    def parent_models(self, type_name: str, parent: Mapping[str, Any]) -> list[dict[str, Any]]:
        """``ResourceModel`` documents for ListResources of a parent-needing type: for each alternative of the list
        handler's required properties that ``parent`` (a dict of property values) satisfies, one model."""
        info = self.type(type_name)
        if not info.parents:
            raise CatalogError(f"{type_name}: its list handler needs no parent")
        models = [{p: parent[p] for p in alt} for alt in info.parents if all(p in parent for p in alt)]
        if not models:
            wanted = " or ".join("+".join(alt) for alt in info.parents)
            raise CatalogError(f"{type_name}: parent values {sorted(parent)} do not give {wanted}")
        return models

    def strip_secrets(self, type_name: str, model: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """A copy of ``model`` without its write-only and secret-bearing properties, and the concrete paths left
        out (``/properties/ContainerDefinitions/0/Environment``) so the capture can say what it did not keep."""
        info = self.type(type_name)
        clean: dict[str, Any] = copy.deepcopy(dict(model))
        removed: list[str] = []
        for path in (*info.secret, *info.write_only):
            removed.extend(_remove(clean, _pointer(path), "/properties"))
        return clean, sorted(set(removed))

    # --- coverage ----------------------------------------------------------------------------------------------

    def coverage(self, regions: Sequence[str]) -> dict[str, dict[str, int]]:
        """Per CloudFormation service: the types in the schemas, those with a list handler, those the generic
        path lists, those the classic collectors cover, and those skipped per reason, over ``regions``."""
        listings, skipped = self.plan(regions)
        out: dict[str, dict[str, int]] = {}
        listed = {listing.type.name for listing in listings}
        reasons: dict[str, set[str]] = {}
        for skip in skipped:
            reasons.setdefault(skip.type.name, set()).add(skip.reason)
        for info in self:
            row = out.setdefault(info.service, {"types": 0, "listable": 0, "listed": 0})
            row["types"] += 1
            row["listable"] += info.listable
            row["listed"] += info.name in listed
            if info.name not in listed:
                for reason in sorted(reasons.get(info.name, ())):
                    row[reason] = row.get(reason, 0) + 1
        return dict(sorted(out.items()))

    # --- the captured accounts' read-only role -----------------------------------------------------------------

    def readonly_policies(self) -> list[dict[str, Any]]:
        """The managed policy documents for the captured accounts' read-only role: the list/read handlers'
        actions without the ones that read secrets or data, compressed (see the generator), with a Deny of the
        excluded ones in the first document. Each fits IAM's 6,144 characters."""
        if self._policy is None:
            raise CatalogError(f"{POLICY_FILE}: missing; regenerate with python -m failsafe.tooling.capture_catalog")
        return copy.deepcopy(list(self._policy["policies"]))

    def excluded_actions(self) -> dict[str, str]:
        """Action -> why the read-only role does not get it (the types whose handlers name it are in the file)."""
        if self._policy is None:
            return {}
        return {action: str(entry["reason"]) for action, entry in self._policy["excluded"].items()}


@functools.lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The committed catalogue, read once per process."""
    return Catalog.load()


def readonly_policies() -> list[dict[str, Any]]:
    return catalog().readonly_policies()


def _pointer(path: str) -> list[str]:
    if not path.startswith("/properties/"):
        raise CatalogError(f"property path {path!r}: expected /properties/...")
    return path.split("/")[2:]


def _get(model: Any, parts: Sequence[str]) -> Any:
    node = model
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _remove(node: Any, parts: Sequence[str], prefix: str) -> Iterable[str]:
    """Delete ``parts`` (``*`` = every array item) from ``node``; yield the concrete paths deleted."""
    if not parts:
        return []
    head, rest = parts[0], parts[1:]
    removed: list[str] = []
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                removed.extend(_remove(item, rest, f"{prefix}/{index}"))
        return removed
    if not isinstance(node, dict) or head not in node:
        return removed
    if not rest:
        del node[head]
        return [f"{prefix}/{head}"]
    return _remove(node[head], rest, f"{prefix}/{head}")
