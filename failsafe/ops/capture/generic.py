"""The generic inventory: every resource type with a Cloud Control list handler, listed per account and region,
written as ``aws-native`` import entries.

What is listed where comes from the generated catalogue (:mod:`failsafe.ops.cloudcontrol_catalog`, from cfn-lint's
registry schemas and pulumi-aws-native): regional types in every captured region, global and home-region types
once in their home region (botocore ``endpoints.json`` partition endpoints and the AWS Fault Isolation Boundaries
whitepaper, "Global services", as the generator records), the 22 types the classic collectors capture never.

Parents: a list handler whose ``handlerSchema`` requires properties (Cloud Control API User Guide, "Discovering
resources", resources that require additional information) is called once per parent resource, with a
``ResourceModel`` of the parent's values. The catalogue names the parent type per alternative
(``capture_catalog.parent_sources``); parents are listed first, children after them.

Calls: ``ListResources`` only, through botocore's paginator (``NextToken``; ``MaxResults`` 100, the model's maximum).
``GetResource`` is never called: the import needs only the identifier, and the listing's properties (minus the
write-only and secret-bearing ones, :meth:`Catalog.strip_secrets`) are what the inventory keeps. Every attempt waits
its turn at a pacer per CloudFormation service namespace (the downstream service's own rate limit is what Cloud
Control throttles on); throttling is retried by botocore's standard retries of :func:`failsafe.ops.aws.client`, the
one retry mechanism, never by this module.

Budget and cursor: a listing is the unit of work. When the budget runs out, the run records which listings are done
(with what they found) as ``cursor.json`` and the capture is *incomplete*; the next run starts from that cursor and
completes it. A listing refused (access denied), throttled past its tries or failing otherwise is recorded with its
error and also leaves the capture incomplete: nothing is silently partial.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from failsafe.ops import aws
from failsafe.ops.capture.model import BudgetExceeded
from failsafe.ops.capture.pacing import Budget, Pacer
from failsafe.ops.cloudcontrol_catalog import Catalog, Listing, Skipped

MAX_RESULTS = 100  # botocore cloudcontrol model: ListResources MaxResults max 100
CURSOR_FORMAT = 1
ACCEPTED_SKIPS = frozenset({"no list handler", "not in the region", "aws-native lacks the type"})
NATIVE_PROVIDER = "pulumi:providers:aws-native"


@dataclass
class NativeFound:
    """One resource Cloud Control listed: its CloudFormation type, aws-native token, identifier and region."""

    type: str
    token: str
    identifier: str
    region: str
    properties: dict[str, Any]
    left_out: list[str]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> NativeFound:
        return cls(**{k: raw[k] for k in ("type", "token", "identifier", "region", "properties", "left_out")})


@dataclass
class ListingResult:
    key: str  # <type>@<region>
    status: str  # done | failed | pending
    found: list[NativeFound] = field(default_factory=list)
    parent_only: bool = False  # listed only for its children's parent values (a classic collector's type)
    error: str | None = None
    calls: int = 0


@dataclass
class Inventory:
    """What one account's generic inventory found, per listing, and what it skipped with the reason."""

    listings: dict[str, ListingResult]
    skipped: list[Skipped]
    resumed_from: str | None = None

    @property
    def found(self) -> list[NativeFound]:
        return [f for r in self.listings.values() if not r.parent_only for f in r.found]

    @property
    def problems(self) -> list[str]:
        """Why the inventory is incomplete: every listing not done, with its error."""
        return [f"{r.key}: {r.status}: {r.error}" for r in self.listings.values() if r.status != "done"]

    @property
    def complete(self) -> bool:
        return not self.problems

    def cursor(self) -> dict[str, Any]:
        """The resumable state: the listings done, with what they found."""
        done = {k: [f.as_dict() for f in r.found] for k, r in self.listings.items() if r.status == "done"}
        return {"format": CURSOR_FORMAT, "done": done}


def listing_key(listing: Listing) -> str:
    return f"{listing.type.name}@{listing.region}"


def ordered(catalog: Catalog, listings: Sequence[Listing]) -> list[Listing]:
    """Parents before the children listed per parent (a depth-first order over the parent sources in the same
    region); a child whose parents are never listed stays at the end and lists nothing."""
    by_key = {listing_key(x): x for x in listings}
    by_type: dict[str, list[Listing]] = {}
    for x in listings:
        by_type.setdefault(x.type.name, []).append(x)
    out: list[Listing] = []
    seen: set[str] = set()

    def visit(x: Listing, path: frozenset[str]) -> None:
        key = listing_key(x)
        if key in seen or key in path:
            return
        for source in x.type.parent_types:
            for parent in by_type.get(source.type, ()):
                if parent.region == x.region or parent.once_per_account:
                    visit(parent, path | {key})
        seen.add(key)
        out.append(x)

    for x in sorted(listings, key=listing_key):
        visit(x, frozenset())
    assert len(out) == len(by_key)
    return out


class Lister:
    """Lists every planned type of one account through Cloud Control, paced per service, within the budget."""

    def __init__(
        self,
        session: Any,
        catalog: Catalog,
        budget: Budget,
        make_pacer: Callable[[], Pacer],
        attempts: int = aws.ATTEMPTS,
        client_factory: Callable[[str], Any] | None = None,
    ) -> None:
        self.session, self.catalog, self.budget, self.attempts = session, catalog, budget, attempts
        self.make_pacer = make_pacer
        self.pacers: dict[str, Pacer] = {}
        self._clients: dict[tuple[str, str], Any] = {}
        self._factory = client_factory or self._client_in

    def _client_in(self, region: str) -> Any:
        return aws.client(self.session, "cloudcontrol", region, attempts=self.attempts)

    def client(self, service: str, region: str) -> Any:
        """One client per (CloudFormation service, region), each with its service's pacer: pacing per service."""
        if (service, region) not in self._clients:
            pacer = self.pacers.setdefault(service, self.make_pacer())
            self._clients[service, region] = pacer.attach(self._factory(region))
        return self._clients[service, region]

    @property
    def calls(self) -> int:
        return sum(p.calls for p in self.pacers.values())

    @property
    def throttled(self) -> int:
        return sum(p.throttled for p in self.pacers.values())

    def run(self, regions: Sequence[str], cursor: Mapping[str, Any] | None = None) -> Inventory:
        listings, skipped = self.catalog.plan(regions)
        planned = {listing_key(x) for x in listings}
        parent_only: set[str] = set()
        for listing in list(listings):
            for source in listing.type.parent_types:
                parent = self.catalog.type(source.type)
                extra = Listing(parent, listing.region, False)
                if listing_key(extra) not in planned and parent.listable and listing.region in parent.regions:
                    planned.add(listing_key(extra))
                    parent_only.add(listing_key(extra))
                    listings.append(extra)
        done = dict((cursor or {}).get("done") or {})
        results: dict[str, ListingResult] = {}
        out_of_time: str | None = None
        for listing in ordered(self.catalog, listings):
            key = listing_key(listing)
            only = key in parent_only
            if key in done:
                results[key] = ListingResult(key, "done", [NativeFound.from_dict(f) for f in done[key]], only)
                continue
            if out_of_time:
                results[key] = ListingResult(key, "pending", parent_only=only, error=f"not reached: {out_of_time}")
                continue
            before = self.calls
            try:
                self.budget.check()
                found = self._list(listing, results)
                results[key] = ListingResult(key, "done", found, only, calls=self.calls - before)
            except BudgetExceeded as exc:
                out_of_time = str(exc)
                results[key] = ListingResult(key, "pending", [], only, f"not finished: {exc}", self.calls - before)
            except Exception as exc:
                results[key] = ListingResult(key, "failed", [], only, aws.describe(exc), self.calls - before)
        return Inventory(results, skipped)

    def _models(self, listing: Listing, results: Mapping[str, ListingResult]) -> list[str | None]:
        """The ResourceModel texts to list ``listing`` with: none for a type without parents, else one per parent
        resource found (of every source type, in the same region or listed once per account; deduplicated)."""
        info = listing.type
        if not info.parents:
            return [None]
        models: dict[str, None] = {}
        for source in info.parent_types:
            same = results.get(f"{source.type}@{listing.region}")
            parents = [same] if same else [r for k, r in results.items() if k.startswith(f"{source.type}@")]
            for parent in parents:
                if parent.status != "done":
                    raise RuntimeError(f"parent {parent.key} was not listed ({parent.status}): listed again next run")
                for item in parent.found:
                    values = {key: item.properties.get(prop) for key, prop in source.fields.items()}
                    if all(v not in (None, "") for v in values.values()):
                        models[json.dumps(values, sort_keys=True)] = None
        return list(models)

    def _list(self, listing: Listing, results: Mapping[str, ListingResult]) -> list[NativeFound]:
        info = listing.type
        client = self.client(info.service, listing.region)
        found: dict[str, NativeFound] = {}
        for model_text in self._models(listing, results):
            params: dict[str, Any] = {"TypeName": info.name, "MaxResults": MAX_RESULTS}
            if model_text is not None:
                params["ResourceModel"] = model_text
            for page in aws.pages(client, "list_resources", **params):
                for description in page.get("ResourceDescriptions") or ():
                    found.setdefault(description["Identifier"], self._found(listing, description))
        return list(found.values())

    def _found(self, listing: Listing, description: Mapping[str, Any]) -> NativeFound:
        info = listing.type
        try:
            model = json.loads(description.get("Properties") or "{}")
        except ValueError:
            model = {}
        clean, left_out = self.catalog.strip_secrets(info.name, model if isinstance(model, dict) else {})
        token = info.token or ""  # only a parent-only listing (a classic type) may lack one; it is never imported
        return NativeFound(info.name, token, str(description["Identifier"]), listing.region, clean, left_out)


# --- import names and the import document --------------------------------------------------------------------------


def import_name(item: NativeFound) -> str:
    """A stable, readable name: the type's short name and the identifier's last part, lower case."""
    last = item.identifier.split("|")[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    text = f"{item.type.split('::')[2]}-{last}-{item.region}".lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", text).strip("-.")[:90] or "resource"


def unique_names(items: Iterable[NativeFound], taken: Iterable[str] = ()) -> dict[tuple[str, str, str], str]:
    """(type, region, identifier) -> a name unique within the file and not in ``taken`` (the target stack's URN
    names and its providers' names). A clash gets a suffix made from the resource's own identity, not from its
    position, so the names stay the same from one run to the next however the listing is ordered."""
    used = set(taken)
    names: dict[tuple[str, str, str], str] = {}
    wanted: dict[str, list[NativeFound]] = {}
    for item in items:
        wanted.setdefault(import_name(item), []).append(item)
    for base, group in sorted(wanted.items()):
        for item in sorted(group, key=lambda f: (f.type, f.region, f.identifier)):
            name = base
            if name in used or len(group) > 1:
                digest = hashlib.sha256(f"{item.type}|{item.region}|{item.identifier}".encode()).hexdigest()
                name = f"{base}-{digest[:8]}"
            while name in used:  # a 32-bit clash: extend, still from the identity
                digest = hashlib.sha256(name.encode()).hexdigest()
                name = f"{base}-{digest[:12]}"
            used.add(name)
            names[item.type, item.region, item.identifier] = name
    return names


@dataclass(frozen=True)
class NativeProvider:
    """The explicit aws-native provider an import entry names: the target stack's own when it has one pinned to the
    account and region, otherwise the one the stack must add (its name, URN-to-be and arguments)."""

    name: str
    urn: str
    region: str
    account: str
    exists: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "urn": self.urn,
            "region": self.region,
            "allowedAccountIds": [self.account],
            "exists": self.exists,
            "python": (
                f"aws_native.Provider({self.name!r}, region={self.region!r}, allowed_account_ids=[{self.account!r}])"
            ),
        }


def native_providers(
    account: str, regions: Iterable[str], stack: str, project: str, existing: Sequence[Mapping[str, Any]]
) -> dict[str, NativeProvider]:
    """Region -> the aws-native provider for ``account`` there (every stack disables default providers, so each
    entry needs an explicit one). ``existing``: the target stack's aws-native providers (urn, region, accounts)."""
    out: dict[str, NativeProvider] = {}
    for region in sorted(set(regions)):
        mine = [p for p in existing if p.get("region") == region and account in (p.get("accounts") or ())]
        if mine:
            urn = str(mine[0]["urn"])
            out[region] = NativeProvider(urn.rsplit("::", 1)[-1], urn, region, account, True)
        else:
            name = f"aws-native-{account}-{region}"
            urn = f"urn:pulumi:{stack}::{project}::{NATIVE_PROVIDER}::{name}"
            out[region] = NativeProvider(name, urn, region, account, False)
    return out


def import_document(
    items: Sequence[NativeFound], providers: Mapping[str, NativeProvider], taken: Iterable[str] = ()
) -> dict[str, Any]:
    """The ``pulumi import --file`` document of the generic inventory's unmanaged resources: aws-native tokens, the
    Cloud Control identifier as the ID (composite identifiers joined by ``|``, as ``pulumi import aws-native:...``
    takes them), each naming its region's aws-native provider through ``nameTable``."""
    reserved = {p.name for p in providers.values()}
    names = unique_names(items, {*taken, *reserved})
    resources = []
    name_table: dict[str, str] = {}
    for item in sorted(items, key=lambda f: names[f.type, f.region, f.identifier]):
        provider = providers[item.region]
        name_table[provider.name] = provider.urn
        resources.append(
            {
                "type": item.token,
                "name": names[item.type, item.region, item.identifier],
                "id": item.identifier,
                "provider": provider.name,
            }
        )
    return {"nameTable": name_table, "resources": resources}


# --- coverage -------------------------------------------------------------------------------------------------------


def coverage(inventory: Inventory) -> dict[str, dict[str, Any]]:
    """Per CloudFormation service: types listed, resources found, types skipped per reason, listings not done."""
    out: dict[str, dict[str, Any]] = {}

    def row(service: str) -> dict[str, Any]:
        return out.setdefault(service, {"types_listed": 0, "resources": 0, "skipped": {}, "incomplete": 0})

    listed: set[str] = set()
    for result in inventory.listings.values():
        if result.parent_only:
            continue
        type_name = result.key.split("@")[0]
        entry = row(type_name.split("::")[1])
        entry["resources"] += len(result.found)
        if result.status == "done" and type_name not in listed:
            entry["types_listed"] += 1
            listed.add(type_name)
        if result.status != "done":
            entry["incomplete"] += 1
    seen: set[tuple[str, str]] = set()
    for skip in inventory.skipped:
        if (skip.type.name, skip.reason) in seen:
            continue
        seen.add((skip.type.name, skip.reason))
        skipped = row(skip.type.service)["skipped"]
        skipped[skip.reason] = skipped.get(skip.reason, 0) + 1
    return dict(sorted(out.items()))


def uncapturable(inventory: Inventory) -> list[dict[str, str]]:
    """Types with a list handler the generic path does not list, once each, with the reason."""
    lines: dict[str, dict[str, str]] = {}
    for skip in inventory.skipped:
        if skip.type.listable and skip.reason not in ("not in the region",) and "classic" not in skip.reason:
            lines.setdefault(skip.type.name, {"type": skip.type.name, "reason": skip.reason, "detail": skip.detail})
    return sorted(lines.values(), key=lambda x: x["type"])
