"""Managed or not: what the stacks' newest archived exports hold, matched against what a capture found, and the
``pulumi import --file`` document of what no stack manages.

Pulumi import file format: https://www.pulumi.com/docs/iac/guides/migration/import/#bulk-import-operations
(pulumi/docs ``content/docs/iac/guides/migration/import/_index.md``); import IDs per type from the Import section
of each resource in pulumi-aws 7.x; ``<id>@<region>`` for a resource outside its provider's region from
pulumi-aws ``docs/enhanced-region-support.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from failsafe.ops import archive
from failsafe.ops.capture.model import (
    BUCKET_INLINE,
    T_BUCKET,
    T_QUEUE,
    T_RECORD,
    T_ROLE,
    T_ROLE_ATTACHMENT,
    T_ROLE_POLICY,
    CaptureError,
    Found,
    record_id,
    slug,
)
from failsafe.ops.capture.store import Store


def normalize_type(token: str) -> str:
    """pulumi-aws v6 names of S3 resources (``BucketV2``, ``BucketVersioningV2``...) as their v7 names."""
    return re.sub(r"^aws:s3/(\w+?)V2:(\w+?)V2$", r"aws:s3/\1:\2", token)


def normalize_id(token: str, ident: str) -> str:
    if token.startswith("aws:s3/bucket") and token != T_BUCKET:
        return ident.split(",", 1)[0]  # S3 side resources may be "<bucket>,<expected owner>"
    if token == T_RECORD:
        return ident.lower()
    return ident


@dataclass(frozen=True)
class ProviderRef:
    """An explicit aws provider of a stack, as its export records it."""

    stack: str
    name: str
    urn: str
    region: str | None
    accounts: tuple[str, ...]


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class Managed:
    """What the stacks manage, keyed by (type, id) and by ARN, and the explicit providers they hold."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], str] = {}
        self.arns: dict[str, str] = {}
        self.providers: list[ProviderRef] = []
        self.ids: dict[str, str] = {}  # any aws/aws-native resource's ID -> stack (a native listing's identifier)
        self.names: dict[str, set[str]] = {}  # stack -> every URN name in it (import names must not repeat them)
        self.projects: dict[str, str] = {}  # stack -> project (from its URNs)
        self.native_providers: dict[str, list[dict[str, Any]]] = {}  # stack -> its aws-native providers

    def _add(self, stack: str, token: str, ident: Any) -> None:
        if isinstance(ident, str) and ident:
            self.keys.setdefault((token, normalize_id(token, ident)), stack)

    def add_export(self, stack: str, document: Mapping[str, Any]) -> None:
        for resource in (document.get("deployment") or {}).get("resources") or ():
            token = normalize_type(str(resource.get("type", "")))
            inputs, outputs = resource.get("inputs") or {}, resource.get("outputs") or {}
            urn = str(resource.get("urn", ""))
            if urn.startswith("urn:pulumi:"):
                self.names.setdefault(stack, set()).add(urn.rsplit("::", 1)[-1])
                self.projects.setdefault(stack, urn.split("::")[1])
            if token == "pulumi:providers:aws-native":
                props = {**inputs, **outputs}
                accounts = _maybe_json(props.get("allowedAccountIds")) or []
                self.native_providers.setdefault(stack, []).append(
                    {"urn": urn, "region": props.get("region"), "accounts": [str(a) for a in accounts or ()]}
                )
                continue
            if (token.startswith(("aws:", "aws-native:"))) and isinstance(resource.get("id"), str) and resource["id"]:
                self.ids.setdefault(str(resource["id"]), stack)
            if token.startswith("pulumi:providers:aws"):
                props = {**inputs, **outputs}
                accounts = _maybe_json(props.get("allowedAccountIds")) or []
                self.providers.append(
                    ProviderRef(
                        stack,
                        str(resource["urn"]).rsplit("::", 1)[-1],
                        str(resource["urn"]),
                        props.get("region") or None,
                        tuple(str(a) for a in accounts) if isinstance(accounts, list) else (),
                    )
                )
                continue
            if not token.startswith("aws:"):
                continue
            self._add(stack, token, resource.get("id"))
            if isinstance(outputs.get("arn"), str):
                self.arns.setdefault(outputs["arn"], stack)
            if token == T_QUEUE:
                self._add(stack, token, outputs.get("url"))
            elif token == T_ROLE_ATTACHMENT and outputs.get("role") and outputs.get("policyArn"):
                self._add(stack, token, f"{outputs['role']}/{outputs['policyArn']}")
            elif token == T_ROLE_POLICY and outputs.get("role") and outputs.get("name"):
                self._add(stack, token, f"{outputs['role']}:{outputs['name']}")
            elif token == T_RECORD and outputs.get("zoneId") and outputs.get("type"):
                name = outputs.get("fqdn") or outputs.get("name") or ""
                self._add(
                    stack, token, record_id(outputs["zoneId"], name, outputs["type"], outputs.get("setIdentifier"))
                )
            elif token == T_BUCKET:
                bucket = outputs.get("bucket") or resource.get("id")
                for prop, side in BUCKET_INLINE.items():
                    if inputs.get(prop):
                        self._add(stack, side, bucket)
            elif token == T_ROLE:
                role = outputs.get("name") or resource.get("id")
                for policy in _maybe_json(inputs.get("inlinePolicies")) or ():
                    if isinstance(policy, Mapping) and policy.get("name"):
                        self._add(stack, T_ROLE_POLICY, f"{role}:{policy['name']}")
                for arn in _maybe_json(inputs.get("managedPolicyArns")) or ():
                    self._add(stack, T_ROLE_ATTACHMENT, f"{role}/{arn}")

    def stack_of_native(self, identifier: str, arn: str | None = None) -> str | None:
        """The stack that manages a resource Cloud Control listed: by the identifier as any aws or aws-native
        resource's ID (the same resource under a classic pulumi-aws type counts: no resource twice), or its ARN."""
        return self.ids.get(identifier) or (self.arns.get(arn) if arn else None)

    def stack_of(self, found: Found) -> str | None:
        stack = self.keys.get((found.type, normalize_id(found.type, found.id)))
        if stack is None and found.arn:
            stack = self.arns.get(found.arn)
        return stack

    def provider_for(self, account: str, stacks: Sequence[str]) -> list[ProviderRef]:
        """The providers pinned to ``account`` of the first stack (in ``stacks`` order) that has any."""
        for stack in stacks:
            mine = [p for p in self.providers if p.stack == stack and account in p.accounts]
            if mine:
                return mine
        return []


def load_managed(store: Store, stacks: Sequence[str]) -> tuple[Managed, dict[str, str]]:
    """The stacks' newest valid archived exports (ArchiveError when a stack has none)."""
    managed, keys = Managed(), {}
    arch = archive.Archive(store.s3, store.bucket)
    for stack in stacks:
        try:
            key, data = arch.newest_valid(stack)
        except archive.ArchiveError as exc:
            raise CaptureError(
                f"{exc}; without it nothing can be told managed from unmanaged (archive the stack first, "
                "or name only archived stacks with --stacks)"
            ) from None
        managed.add_export(stack, json.loads(data))
        keys[stack] = key
    return managed, keys


def choose_provider(providers: Sequence[ProviderRef], region: str | None) -> ProviderRef | None:
    """The provider in the resource's region if there is one, else the first (IDs then get ``@<region>``)."""
    if not providers:
        return None
    return next((p for p in providers if region and p.region == region), providers[0])


def import_id(found: Found, base_region: str | None) -> str:
    """A resource outside its provider's region is imported as ``<id>@<region>`` (pulumi-aws v7)."""
    if found.region and base_region and found.region != base_region:
        return f"{found.id}@{found.region}"
    return found.id


def import_document(found: Sequence[Found], providers: Sequence[ProviderRef], fallback_region: str) -> dict[str, Any]:
    """The ``pulumi import --file`` document of ``found``: ``{"nameTable": {...}, "resources": [...]}``.

    Each resource names its provider through ``nameTable`` (the provider's URN in the stack that holds it), so
    ``pulumi import --file`` into that stack uses the stack's own explicit provider (default providers are
    disabled in every stack). Names are unique per type and never equal to a provider's name.
    """
    reserved = {p.name for p in providers}
    taken: set[tuple[str, str]] = set()
    name_table: dict[str, str] = {}
    resources: list[dict[str, Any]] = []
    for item in sorted(found, key=lambda f: (f.type, f.region or "", f.id)):
        provider = choose_provider(providers, item.region)
        base = provider.region if provider and provider.region else fallback_region
        name, n = slug(item.name), 2
        if name in reserved or (item.type, name) in taken:
            name = f"{name}-{item.region}" if item.region else f"{name}-2"
        while name in reserved or (item.type, name) in taken:
            name, n = f"{slug(item.name)}-{n}", n + 1
        taken.add((item.type, name))
        entry: dict[str, Any] = {"type": item.type, "name": name, "id": import_id(item, base)}
        if provider:
            entry["provider"] = provider.name
            name_table[provider.name] = provider.urn
        if item.properties:
            entry["properties"] = list(item.properties)
        resources.append(entry)
    return {"nameTable": name_table, "resources": resources} if name_table else {"resources": resources}
