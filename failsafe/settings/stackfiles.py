"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` the way the Pulumi CLI does, without the CLI.

The CLI merges a project's declared defaults with the stack's values, checks each value against its
declared type, and hands the program namespaced keys with string values (lists as JSON). The
credential-free plan and the tests need exactly that, so it lives here once.

Preview stacks are generated from ``Pulumi.pr.template.yaml``: the template is loaded as YAML and the
three per-PR values are set on the parsed document, so a branch name can never inject YAML.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from failsafe.settings.config import NAMESPACE, PREVIEW_STACK, ConfigError


def _project_root() -> Path:
    """The folder holding ``Pulumi.yaml``: the checkout this package lives in (a source or editable install), else
    ``FAILSAFE_PROJECT_DIR``, else the nearest folder above the working directory that holds one (an installed
    ``failsafe`` CLI run inside a project checkout)."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "Pulumi.yaml").is_file():
        return checkout
    if os.environ.get("FAILSAFE_PROJECT_DIR"):
        return Path(os.environ["FAILSAFE_PROJECT_DIR"]).resolve()
    here = Path.cwd().resolve()
    return next((d for d in (here, *here.parents) if (d / "Pulumi.yaml").is_file()), here)


ROOT = _project_root()
TEMPLATE = "Pulumi.pr.template.yaml"
TEMPLATE_MARK = "FILLED-BY-PREVIEW-CONFIG"
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class StackFileError(ValueError):
    """A stack file that is missing or malformed: the message names the file."""


@dataclass(frozen=True)
class Declaration:
    key: str
    type: str
    default: Any
    has_default: bool
    description: str


def project(root: Path = ROOT) -> dict[str, Any]:
    with open(root / "Pulumi.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def declarations(root: Path = ROOT) -> dict[str, Declaration]:
    """The project's declared config keys (un-namespaced), as ``Pulumi.yaml`` states them."""
    result: dict[str, Declaration] = {}
    for key, spec in (project(root).get("config") or {}).items():
        if ":" in key:  # a value for another namespace, not a declaration
            continue
        result[key] = Declaration(
            key=key,
            type=spec.get("type", "string"),
            default=spec.get("default"),
            has_default="default" in spec,
            description=spec.get("description", ""),
        )
    return result


def render_preview(pr_number: int, branch: str = "", commit: str = "", root: Path = ROOT) -> dict[str, Any]:
    """The config document of stack ``pr-<pr_number>``, made from the checked-in template."""
    with open(root / TEMPLATE, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    config = document["config"]
    filled = {"prNumber": pr_number, "previewBranch": branch, "previewCommit": commit}
    for key, value in filled.items():
        full = f"{NAMESPACE}:{key}"
        if config.get(full) != TEMPLATE_MARK:
            raise StackFileError(f"{TEMPLATE}: {full} must be {TEMPLATE_MARK!r} in the template")
        config[full] = value
    return document


def stack_document(stack: str, root: Path = ROOT) -> dict[str, Any]:
    """The stack's config file; ``pr-<n>`` stacks without a generated file render the template."""
    if not STACK_NAME.match(stack):
        raise StackFileError(f"stack name {stack!r}: expected letters, digits, '.', '_' or '-'")
    path = root / f"Pulumi.{stack}.yaml"
    if path.exists():
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
        if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
            raise StackFileError(f"{path.name}: expected a mapping with a 'config:' mapping")
        return document
    match = PREVIEW_STACK.match(stack)
    if match:
        return render_preview(int(match.group(1)), root=root)
    raise StackFileError(
        f"no Pulumi.{stack}.yaml: expected one of the stacks prod, dr, or pr-<number> (generated from {TEMPLATE})"
    )


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _check_type(key: str, value: Any, declared: str) -> None:
    """The CLI's own type check of declared keys, so a wrongly typed value fails the plan as it fails `up`."""
    text = value if isinstance(value, str) else None
    ok = {
        "string": isinstance(value, str),
        "integer": (isinstance(value, int) and not isinstance(value, bool))
        or (text is not None and re.fullmatch(r"-?\d+", text.strip()) is not None),
        "boolean": isinstance(value, bool) or (text is not None and text.strip().lower() in ("true", "false")),
        "array": isinstance(value, list) or (text is not None and text.strip().startswith("[")),
    }.get(declared, True)
    if not ok:
        raise ConfigError(key, value, f"a value of the declared type {declared} (see Pulumi.yaml)")


def raw_config(stack: str, root: Path = ROOT, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Namespaced key -> string, as the engine passes config to a program (defaults applied)."""
    decls = declarations(root)
    values: dict[str, Any] = {f"{NAMESPACE}:{d.key}": d.default for d in decls.values() if d.has_default}
    stack_values = dict(stack_document(stack, root).get("config") or {})
    stack_values.update(overrides or {})
    for full_key, value in stack_values.items():
        namespace, _, key = full_key.partition(":")
        if namespace == NAMESPACE:
            if key not in decls:
                raise ConfigError(key, value, f"a key declared in Pulumi.yaml (known keys: {', '.join(sorted(decls))})")
            if isinstance(value, dict) and "secure" in value:
                raise ConfigError(key, "<secret>", "a plain value: the credential-free plan cannot decrypt secrets")
            _check_type(key, value, decls[key].type)
        values[full_key] = value
    return {key: _encode(value) for key, value in values.items() if value is not None}


def unnamespaced(raw: dict[str, str]) -> dict[str, str]:
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
