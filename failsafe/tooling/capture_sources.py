"""Reading the pinned packages behind the Cloud Control catalogue: cfn-lint's registry schemas, botocore's endpoint
data and the pulumi-aws-native SDK (whose tokens are joined to CloudFormation types on what each class records).

Nothing here is imported by failsafe.ops: these packages are development dependencies (requirements-dev.txt).
Packages are located with ``importlib.util.find_spec`` and read as files, not imported, which keeps the generator
fast (pulumi_aws_native would import 1,700 modules) and free of their import-time side effects.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from failsafe.tooling.capture_curation import NOT_CFN_TOKENS


class CatalogError(RuntimeError):
    """A source that does not say what the catalogue needs, or a curated entry the schemas contradict."""


def package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError(
            f"{module}: not installed; the catalogue is generated from requirements-dev.txt (pip install -r it)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


# What an install adds to RECORD beside the wheel's own files: console scripts (their shebang names the virtualenv's
# python, so their hash differs per machine), compiled bytecode and the installer's own notes.
_INSTALL_LOCAL = ("INSTALLER", "REQUESTED", "direct_url.json", "RECORD")


def record(distribution: str) -> str:
    """The distribution's RECORD, reduced to the files of the wheel itself (sorted), so the digest is the same in
    every virtualenv and on every machine that installed the same pinned wheel."""
    try:
        text = importlib.metadata.distribution(distribution).read_text("RECORD") or ""
    except importlib.metadata.PackageNotFoundError as exc:
        raise CatalogError(f"{distribution}: not installed (requirements-dev.txt pins it)") from exc
    kept = []
    for line in text.splitlines():
        path = line.split(",", 1)[0]
        if path.startswith("../") or path.endswith(".pyc") or path.rsplit("/", 1)[-1] in _INSTALL_LOCAL:
            continue
        kept.append(line)
    return "\n".join(sorted(kept))


@dataclass
class Schemas:
    """cfn-lint's registry schemas: per region the types it lists, per type one schema (the same in every region
    for cfn-lint 1.58.0: each type maps to one file whichever region lists it; a type mapping to two is refused)."""

    regions: list[str]
    by_type: dict[str, dict[str, Any]]
    regions_of: dict[str, list[str]]
    version: str
    schema_date: str

    @classmethod
    def load(cls, only: Iterable[str] | None = None) -> Schemas:
        root = package_dir("cfnlint") / "data" / "schemas"
        wanted = set(only) if only is not None else None
        regions: list[str] = []
        files: dict[str, str] = {}
        regions_of: dict[str, list[str]] = {}
        for provider in sorted((root / "providers").glob("*.json")):
            region = provider.stem
            if region == "sam":  # the SAM transform's macro types, not registry resources
                continue
            regions.append(region)
            for type_name, file in json.loads(provider.read_text(encoding="utf-8")).items():
                if wanted is not None and type_name not in wanted:
                    continue
                if files.setdefault(type_name, file) != file:
                    raise CatalogError(f"{type_name}: different schemas per region ({files[type_name]}, {file})")
                regions_of.setdefault(type_name, []).append(region)
        by_type = {
            name: json.loads((root / "resources" / f"{file}.json").read_text(encoding="utf-8"))
            for name, file in sorted(files.items())
        }
        date = json.loads((root / "version.json").read_text(encoding="utf-8")).get("schema_date", "")
        return cls(regions, by_type, regions_of, importlib.metadata.version("cfn-lint"), str(date))


def endpoints() -> dict[str, Any]:
    path = package_dir("botocore") / "data" / "endpoints.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def global_services(endpoints: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Per partition, the services botocore's endpoint data marks global (``isRegionalized: false`` with a
    ``partitionEndpoint``) and the region of that endpoint's credential scope: where the service's one control
    plane signs requests (botocore ``data/endpoints.json``; the legacy endpoint resolver reads the same keys)."""
    out: dict[str, dict[str, str]] = {}
    for partition in endpoints["partitions"]:
        services: dict[str, str] = {}
        for service, spec in partition["services"].items():
            endpoint = spec.get("partitionEndpoint")
            if spec.get("isRegionalized") is False and endpoint:
                region = spec.get("endpoints", {}).get(endpoint, {}).get("credentialScope", {}).get("region")
                services[service] = region or "UNKNOWN"
        out[partition["partition"]] = dict(sorted(services.items()))
    return out


def partition_of(endpoints: Mapping[str, Any], region: str) -> str:
    for partition in endpoints["partitions"]:
        if region in partition.get("regions", {}) or re.match(partition["regionRegex"], region):
            return str(partition["partition"])
    raise CatalogError(f"{region}: no partition in botocore's endpoint data matches it")


_CLASS_TOKEN = re.compile(r"super\((\w+), __self__\)\.__init__\(\s*'([^']+)'")
_AWS_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
_GETTER = re.compile(r'@pulumi\.getter\(name="([^"]+)"\)|@pulumi\.getter\n    def (\w+)\(self\)')


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass
class NativeClass:
    token: str
    path: str
    description: str
    named: frozenset[str]
    properties: frozenset[str]


def native_classes() -> tuple[str, list[NativeClass]]:
    """Every resource class of the installed pulumi_aws_native, with the evidence a CloudFormation type is joined on:
    its first ``__init__`` docstring (the schema's description, as the provider's code generator copies it), the
    CloudFormation type names its module text mentions, and its output property names."""
    root = package_dir("pulumi_aws_native")
    out: list[NativeClass] = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in _CLASS_TOKEN.finditer(text):
            cls, token = match.group(1), match.group(2)
            if token.count(":") != 2 or token.startswith("pulumi:"):
                continue
            start = text.find(f"class {cls}(pulumi.CustomResource)")
            doc = re.search(r'def __init__\(__self__,.*?"""(.*?)"""', text[start:], re.S) if start >= 0 else None
            description = doc.group(1).split(":param")[0].split("## Example Usage")[0] if doc else ""
            props = frozenset(
                (a or b.replace("_", "")).lower() for a, b in _GETTER.findall(text[start:] if start >= 0 else "")
            )
            out.append(
                NativeClass(
                    token,
                    str(path.relative_to(root.parent)),
                    _normal(description),
                    frozenset(_AWS_TYPE.findall(text)),
                    props,
                )
            )
    return importlib.metadata.version("pulumi-aws-native"), out


def map_tokens(schemas: Mapping[str, Mapping[str, Any]], classes: Sequence[NativeClass]) -> dict[str, dict[str, str]]:
    """CloudFormation type -> {"token", "by"} by evidence, never by renaming: (1) the class's description equals
    exactly one schema's description; else (2) the module names exactly one CloudFormation type; else (3) the
    class's property names match one schema's (Jaccard >= 0.6, ahead of the next by >= 0.15). A type claimed by two
    classes is refused."""
    by_description: dict[str, list[str]] = {}
    for name, schema in schemas.items():
        by_description.setdefault(_normal(str(schema.get("description", ""))), []).append(name)
    props = {name: frozenset(k.lower() for k in schema.get("properties", {})) for name, schema in schemas.items()}
    result: dict[str, dict[str, str]] = {}
    pending: list[NativeClass] = []

    def claim(type_name: str, cls: NativeClass, by: str) -> None:
        if type_name in result:
            raise CatalogError(f"{type_name}: claimed by {result[type_name]['token']} and {cls.token}")
        result[type_name] = {"token": cls.token, "by": by}

    for cls in classes:
        if cls.token in NOT_CFN_TOKENS:
            continue
        described = by_description.get(cls.description, []) if cls.description else []
        named = sorted(cls.named & set(schemas))
        if len(described) == 1:
            claim(described[0], cls, "description")
        elif len(named) == 1:
            claim(named[0], cls, "named in the module")
        else:
            pending.append(cls)
    for cls in pending:
        free = [t for t in schemas if t not in result]
        scored = sorted(
            ((len(cls.properties & props[t]) / max(1, len(cls.properties | props[t])), t) for t in free),
            reverse=True,
        )
        if scored and scored[0][0] >= 0.6 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.15):
            claim(scored[0][1], cls, f"properties (Jaccard {scored[0][0]:.2f})")
    return result
