"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` the way the Pulumi CLI does, without the CLI.

The CLI parses both with go-yaml v3 (YAML 1.2 rules: :mod:`failsafe.settings.yaml12`), type-checks the project's
declared defaults when it loads ``Pulumi.yaml``, stores every stack-file scalar as its source text, merges the two,
checks each stack value against its declared type, and hands the program namespaced keys with string values
(lists as JSON). The credential-free plan and the tests need exactly that, so it lives here once; each rule names
the CLI source it follows (tests/settings/test_cli_rules.py holds the table).

On top of the CLI's rules, failsafe keeps one source of truth across stacks: keys that dr and prod must agree on
(:data:`failsafe.settings.config.SHARED_KEYS`) may be set only in ``Pulumi.yaml``, and the stacks a prod stack
reads (``drStackName``) must form an order, not a cycle (:func:`stack_order`).

Preview stacks are generated from ``Pulumi.pr.template.yaml``: the template is loaded as YAML and the
three per-PR values are set on the parsed document, so a branch name can never inject YAML.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from failsafe.settings import yaml12
from failsafe.settings.config import NAMESPACE, PREVIEW_STACK, SHARED_KEYS, ConfigError, Role
from failsafe.settings.errors import MEMBER_STACK, WORKLOAD_KEYS


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


PROJECT_FILE = "Pulumi.yaml"
CONFIG_TYPES = ("string", "integer", "boolean", "array", "object")  # project.json: the "type" enum of a config key
# The one shared key a preview stack sets: previews deploy with the scoped role prod's CiAccess creates.
PREVIEW_MAY_SET = frozenset({"deployRoleName"})


class StackFileError(ValueError):
    """A stack file or ``Pulumi.yaml`` the CLI would not load: the one-line message names the file (and line)."""


@dataclass(frozen=True)
class Declaration:
    key: str
    type: str  # "" when Pulumi.yaml gives no type (the CLI then checks nothing)
    default: Any
    has_default: bool
    description: str
    items: str | None = None  # the item type of an array
    line: int | None = None


@dataclass(frozen=True)
class CliValue:
    """A config value as the CLI holds it (sdk/go/common/resource/config/value.go): the text it passes to the
    program, and for a YAML sequence or mapping the decoded object (``object: true``, text = its JSON)."""

    text: str
    obj: Any = None
    is_object: bool = False
    secure: bool = False

    @property
    def content(self) -> Any:
        """What ``validateStackConfigValue`` type-checks: the text, or the object decoded from its JSON."""
        return self.obj if self.is_object else self.text


@dataclass
class StackFile:
    """A stack's config entries as the CLI reads them, with the file and line of each for error messages."""

    file: str
    values: dict[str, CliValue] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def where(self, key: str) -> str:
        line = self.lines.get(key)
        return f"{self.file}:{line}" if line else self.file


def _read(path: Path) -> yaml12.Document:
    try:
        return yaml12.read(path)
    except yaml12.YamlError as error:
        raise StackFileError(str(error)) from None


def _go_json(value: Any) -> str:
    """``json.Marshal`` as Go writes it: compact, HTML characters escaped, whole floats without '.0', times RFC 3339."""

    def plain(v: Any) -> Any:
        if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
            return v
        if isinstance(v, float):
            if math.isfinite(v) and v == math.trunc(v) and abs(v) < 1e21:
                return int(v)
            return v
        if isinstance(v, datetime.datetime):
            return v.strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(v, datetime.date):
            return f"{v.isoformat()}T00:00:00Z"
        if isinstance(v, dict):
            return {str(k).lower() if isinstance(k, bool) else str(k): plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return str(v)

    text = json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _object(value: Any) -> CliValue:
    text = _go_json(value)
    return CliValue(text=text, obj=json.loads(text), is_object=True)


def _python_value(value: Any) -> CliValue:
    """A value set in Python (a rendered template, ``--set``): what the CLI reads back once it is written as YAML."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return CliValue(text=str(value["secure"]), secure=True)
    if isinstance(value, (list, tuple, dict)):
        return _object(value)
    if isinstance(value, bool):
        return CliValue("true" if value else "false")
    return CliValue("" if value is None else str(value))


def _default_value(value: Any) -> CliValue:
    """A project default as the CLI stores it (workspace/config.go, ``createConfigValue``): string, int and bool
    with Go's ``%v``, anything else as JSON."""
    if isinstance(value, bool):
        return CliValue("true" if value else "false")
    if isinstance(value, (str, int)):
        return CliValue(str(value))
    return _object(value)


def cli_type_ok(declared: str, items: str | None, value: Any) -> bool:
    """workspace/project.go, ``ValidateConfigValue``: the CLI's type check of declared keys, for project defaults
    (values decoded from YAML) and for stack values (text, or the decoded object of a sequence/mapping)."""
    if declared == "string":
        return isinstance(value, str)
    if declared == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return not math.isnan(value) and (math.isinf(value) or value == math.trunc(value))
        if isinstance(value, str):  # strconv.Atoi: base 10, optional sign, 64-bit
            return re.fullmatch(r"[+-]?[0-9]+", value) is not None and -(2**63) <= int(value) < 2**63
        return False
    if declared == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if declared == "object":
        return isinstance(value, dict)
    if declared == "array":
        return isinstance(value, list) and items is not None and all(cli_type_ok(items, None, v) for v in value)
    return True  # untyped: the CLI checks nothing


# --- Pulumi.yaml -----------------------------------------------------------------------------------------


def project_document(root: Path = ROOT) -> yaml12.Document:
    document = _read(root / PROJECT_FILE)
    data = document.data
    if not isinstance(data, dict):
        raise StackFileError(f"{PROJECT_FILE}: expected a mapping with name:, runtime: and config:")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{PROJECT_FILE}: project is missing a non-empty string 'name' attribute")
    if not isinstance(data.get("config") or {}, dict):
        raise StackFileError(f"{PROJECT_FILE}: expected 'config:' to be a mapping of config keys")
    return document


def project(root: Path = ROOT) -> dict[str, Any]:
    return project_document(root).data


def project_name(root: Path = ROOT) -> str:
    return project_document(root).data["name"]


def _declaration_error(document: yaml12.Document, key: str, problem: str) -> StackFileError:
    line = document.lines.get(key)
    where = f"{PROJECT_FILE}:{line}" if line else PROJECT_FILE
    return StackFileError(f"{where}: config key {key!r}: {problem}")


def _project_entries(root: Path) -> tuple[dict[str, Declaration], dict[str, Any]]:
    """Pulumi.yaml's config block as the CLI loads it (workspace/loaders.go, then project.go
    ``RewriteShorthandConfigValues`` and ``Project.Validate``): keys of this project (bare, or ``<project>:``) declare
    types and defaults, checked here; keys of other namespaces (``aws:region``) give a ``value``."""
    document = project_document(root)
    name = document.data["name"]
    declared: dict[str, Declaration] = {}
    values: dict[str, Any] = {}
    for key, spec in document.values.items():
        ours = ":" not in key or key.startswith(f"{name}:")
        short = key.split(":", 1)[1] if ":" in key else key
        if isinstance(spec, (str, int, bool, list)):  # shorthand: a default of ours, a value of another namespace
            spec = {"default": spec} if ours else {"value": spec}
        if not isinstance(spec, dict):
            raise _declaration_error(document, key, "expected a mapping (type, default, description) or a plain value")
        if "default" in spec and "value" in spec:
            raise _declaration_error(document, key, "cannot have both a 'default' and 'value' attribute")
        if not ours:
            if "type" in spec or "default" in spec or "value" not in spec:
                raise _declaration_error(
                    document, key, "a key of another namespace takes only 'value:' (no type, no default)"
                )
            values[key] = spec["value"]
            continue
        declared_type = spec.get("type") or ""
        if declared_type and declared_type not in CONFIG_TYPES:
            raise _declaration_error(
                document, key, f"type {declared_type!r}: expected one of {', '.join(CONFIG_TYPES)}"
            )
        items_spec = spec.get("items")
        items = items_spec.get("type") if isinstance(items_spec, dict) else None
        if declared_type == "array" and items is None:
            raise _declaration_error(
                document, key, "declares an array but does not specify the underlying type via the 'items' attribute"
            )
        default = spec.get("default", spec.get("value"))
        has_default = default is not None
        if declared_type and has_default and not cli_type_ok(declared_type, items, default):
            shown = f"array<{items}>" if declared_type == "array" else declared_type
            raise _declaration_error(
                document,
                key,
                f"default {default!r} is not of the declared type '{shown}' (the Pulumi CLI reads YAML 1.2: quote "
                "strings such as account IDs; booleans are only true/false)",
            )
        declared[short] = Declaration(
            key=short,
            type=declared_type,
            default=default,
            has_default=has_default,
            description=spec.get("description", ""),
            items=items,
            line=document.lines.get(key),
        )
    return declared, values


def declarations(root: Path = ROOT) -> dict[str, Declaration]:
    """The project's declared config keys (un-namespaced), as ``Pulumi.yaml`` states them, defaults type-checked."""
    return _project_entries(root)[0]


# --- stack files -----------------------------------------------------------------------------------------


def render_preview(pr_number: int, branch: str = "", commit: str = "", root: Path = ROOT) -> dict[str, Any]:
    """The config document of stack ``pr-<pr_number>``, made from the checked-in template."""
    document = _template(root).data
    config = document["config"]
    filled = {"prNumber": pr_number, "previewBranch": branch, "previewCommit": commit}
    for key, value in filled.items():
        full = f"{NAMESPACE}:{key}"
        if config.get(full) != TEMPLATE_MARK:
            raise StackFileError(f"{TEMPLATE}: {full} must be {TEMPLATE_MARK!r} in the template")
        config[full] = value
    return document


def _template(root: Path) -> yaml12.Document:
    document = _read(root / TEMPLATE)
    _check_shape(document)
    return document


def _check_shape(document: yaml12.Document) -> None:
    data = document.data
    if data is None:
        document.data = {"config": {}}
        return
    if not isinstance(data, dict) or not isinstance(data.get("config") or {}, dict):
        raise StackFileError(f"{document.file}: expected a mapping with a 'config:' mapping")
    if data.get("config") is None:
        data["config"] = {}


def _stack_path(stack: str, root: Path) -> Path | None:
    if not STACK_NAME.match(stack):
        raise StackFileError(f"stack name {stack!r}: expected letters, digits, '.', '_' or '-'")
    path = root / f"Pulumi.{stack}.yaml"
    if path.exists():
        return path
    if PREVIEW_STACK.match(stack):
        return None
    raise StackFileError(
        f"no Pulumi.{stack}.yaml: expected one of the stacks prod, dr, or pr-<number> (generated from {TEMPLATE})"
    )


def _preview_number(stack: str) -> int:
    match = PREVIEW_STACK.match(stack)
    assert match is not None  # _stack_path returns None only for pr-<n>
    return int(match.group(1))


def stack_document(stack: str, root: Path = ROOT) -> dict[str, Any]:
    """The stack's config file (values decoded with YAML 1.2 rules); ``pr-<n>`` stacks without a generated file render
    the template."""
    path = _stack_path(stack, root)
    if path is None:
        return render_preview(_preview_number(stack), root=root)
    document = _read(path)
    _check_shape(document)
    return document.data


def stack_file(stack: str, root: Path = ROOT) -> StackFile:
    """The stack's config entries as the CLI stores them: each scalar as its source text (go-yaml v3 decodes any
    scalar into a Go string as written: ``yes`` stays "yes", ``010`` stays "010"), null as "", a sequence or mapping
    as an object, ``{secure: ...}`` as a secret."""
    path = _stack_path(stack, root)
    if path is None:
        template = _template(root)
        rendered = render_preview(_preview_number(stack), root=root)
        result = StackFile(file=TEMPLATE, lines=dict(template.lines))
        for key, value in rendered["config"].items():
            result.values[str(key)] = _python_value(value)
        return result
    document = _read(path)
    _check_shape(document)
    result = StackFile(file=path.name, lines=dict(document.lines))
    for key, value in document.values.items():
        text = document.texts.get(key)
        if text is not None:
            result.values[key] = CliValue(text)
        elif isinstance(value, dict) and set(value) == {"secure"} and isinstance(value["secure"], str):
            result.values[key] = CliValue(value["secure"], secure=True)
        else:
            result.values[key] = _object(value)
    return result


def parse_key(key: str, where: str) -> tuple[str, str]:
    """resource/config/key.go, ``ParseKey``: ``<namespace>:<name>`` or ``<namespace>:config:<name>``."""
    parts = key.split(":")
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return parts[0], parts[2]
    hint = f" (write {NAMESPACE}:{key})" if len(parts) == 1 else ""
    raise StackFileError(
        f"{where}: could not parse {key!r} as a configuration key: the Pulumi CLI expects <namespace>:<name>{hint}"
    )


# --- merging, as the CLI does before it runs the program ---------------------------------------------------


def _merged(stack: str, root: Path, overrides: dict[str, Any] | None) -> dict[str, CliValue]:
    """Namespaced key -> value: project defaults, then the stack file, then ``overrides`` (a what-if), each checked
    as the CLI checks it (workspace/config.go, ``mergeConfig`` and ``validateStackConfigValues``), plus failsafe's
    rule that shared keys live in Pulumi.yaml only."""
    decls, other_values = _project_entries(root)
    values: dict[str, CliValue] = {k: _python_value(v) for k, v in other_values.items()}
    origin: dict[str, str | None] = {}
    for decl in decls.values():
        if decl.has_default:
            full = f"{NAMESPACE}:{decl.key}"
            values[full] = _default_value(decl.default)
            origin[full] = f"{PROJECT_FILE}:{decl.line}" if decl.line else PROJECT_FILE
    file = stack_file(stack, root)
    role = file.values.get(f"{NAMESPACE}:role")
    role_text = role.text if role else None
    entries: list[tuple[str, CliValue, str | None]] = [(k, v, file.where(k)) for k, v in file.values.items()]
    entries += [(k, _python_value(v), None) for k, v in (overrides or {}).items()]  # None: a what-if, not a file
    for full_key, value, where in entries:
        namespace, key = parse_key(full_key, where or "--set")
        if namespace == NAMESPACE:
            shown = "<secret>" if value.secure else value.content
            if key not in decls:
                raise ConfigError(
                    key,
                    shown,
                    f"a key declared in Pulumi.yaml (known keys: {', '.join(sorted(decls))})",
                    where=where,
                    stack=stack,
                )
            if value.secure:
                raise ConfigError(
                    key,
                    shown,
                    "a plain value: the credential-free plan cannot decrypt secrets",
                    where=where,
                    stack=stack,
                )
            shared = key in SHARED_KEYS and not (role_text == Role.PREVIEW and key in PREVIEW_MAY_SET)
            shared = shared and not (MEMBER_STACK.match(stack) and key in WORKLOAD_KEYS)  # a fleet member's own
            if where is not None and shared:
                raise ConfigError(
                    key,
                    shown,
                    f"no value in {file.file}: {key} is shared by every stack, so it is set once in Pulumi.yaml "
                    "(a value in one stack file makes dr and prod disagree)",
                    where=where,
                    stack=stack,
                )
        full = f"{namespace}:{key}"
        values[full] = value
        origin[full] = where
    missing = sorted(k for k, d in decls.items() if not d.has_default and f"{NAMESPACE}:{k}" not in values)
    if missing:
        raise ConfigError(
            missing[0],
            None,
            f"a value: stack {stack!r} does not set it and Pulumi.yaml gives no default (the Pulumi CLI refuses the "
            "stack)",
            where=file.file,
            stack=stack,
        )
    for key, decl in decls.items():
        full = f"{NAMESPACE}:{key}"
        if decl.type and full in values and not cli_type_ok(decl.type, decl.items, values[full].content):
            shown = f"array<{decl.items}>" if decl.type == "array" else decl.type
            hint = " written as a YAML list, not a JSON string" if decl.type == "array" else ""
            raise ConfigError(
                key,
                values[full].content,
                f"a value of the declared type {shown} (see Pulumi.yaml){hint}",
                where=origin.get(full),
                stack=stack,
            )
    return values


def raw_config(stack: str, root: Path = ROOT, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Namespaced key -> string, as the engine passes config to a program (defaults applied). A prod stack's reads
    are checked too: :func:`stack_order` refuses a ``drStackName`` that is no dr stack of this project, or a cycle."""
    values = _merged(stack, root, overrides)
    _walk(stack, values, root, overrides)
    return {key: value.text for key, value in values.items()}


def stack_order(stack: str, root: Path = ROOT, overrides: dict[str, Any] | None = None) -> list[str]:
    """The stacks to plan or deploy for ``stack``, in order: the stacks it reads first (``["dr", "prod"]`` for prod,
    ``[stack]`` otherwise).

    Reads form a graph (a prod stack reads the stack its ``drStackName`` names); a stack that reads itself, any cycle,
    a stack name of another project, or a read of a stack whose role is not dr is a :class:`ConfigError` on
    drStackName.
    """
    return _walk(stack, _merged(stack, root, overrides), root, overrides)


def _walk(stack: str, values: dict[str, CliValue], root: Path, overrides: dict[str, Any] | None) -> list[str]:
    name = project_name(root)
    path = [stack]
    pending: ConfigError | None = None  # a prod stack reading a prod stack: refused unless a cycle explains it
    while True:
        role = values.get(f"{NAMESPACE}:role")
        if role is None or role.text != Role.PROD:
            if pending is not None:
                raise pending
            return list(reversed(path))
        reference = values.get(f"{NAMESPACE}:drStackName")
        text = reference.text.strip() if reference else ""
        parts = text.split("/")
        if len(parts) != 3 or not all(re.fullmatch(r"[\w.-]+", p) for p in parts):
            raise _drstack_error(
                path[-1],
                "drStackName",
                text or None,
                f"the dr stack's fully qualified name <org>/{name}/<stack> (prod reads it)",
            )
        if parts[1] != name:
            raise _drstack_error(
                path[-1],
                "drStackName",
                text,
                f"a stack of this project, <org>/{name}/<stack>, not of project {parts[1]!r}",
            )
        target = parts[2]
        if target in path:
            cycle = " -> ".join([*path, target])
            raise _drstack_error(
                path[-1],
                "drStackName",
                text,
                f"the dr stack: {cycle} is a cycle (a stack cannot read itself or its readers)",
            )
        try:
            _stack_path(target, root)
        except StackFileError as error:
            raise _drstack_error(path[-1], "drStackName", text, f"a stack that exists ({error})") from None
        values = _merged(target, root, overrides)  # its own errors name its file
        target_role = values.get(f"{NAMESPACE}:role")
        if target_role is None or target_role.text != Role.DR:
            shown = target_role.text if target_role else None
            error = _drstack_error(
                path[-1], "drStackName", text, f"a stack whose role is dr; {target!r} has role {shown!r}"
            )
            if target_role is None or target_role.text != Role.PROD:
                raise error
            pending = pending or error  # walk on: a cycle through prod stacks is the clearer message
        path.append(target)


def _drstack_error(stack: str, key: str, value: object, expected: str) -> ConfigError:
    return ConfigError(key, value, expected, stack=stack)


def unnamespaced(raw: dict[str, str]) -> dict[str, str]:
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
