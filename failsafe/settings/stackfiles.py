"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` the way the Pulumi CLI does, without the CLI.

The credential-free plan and the tests need the config exactly as ``pulumi up`` hands it to the program, so the CLI's
loading is emulated here once, step by step (pulumi/pulumi at v3.259.0, the newest tag of the CLI source available
to check against; failsafe runs the v3.272.0 SDK; tests/settings/test_cli_rules.py holds the table of rules):

1. go-yaml v3 decodes the file (:mod:`failsafe.settings.yaml12`).
2. ``Pulumi.yaml`` (``sdk/go/common/workspace/loaders.go``, ``LoadProjectBytes``): the project schema
   (``project.json``), shorthand values rewritten (``project.go``, ``RewriteShorthandConfigValues``), the project
   written back as YAML and read again (:func:`yaml12.roundtrip`), then ``Project.Validate`` type-checks the declared
   defaults (``ValidateConfigValue``).
3. A stack file (``loaders.go``, ``LoadProjectStackBytes``): keys without a namespace become ``<project>:<key>``
   (``stackConfigNamespacedWithProject``), the file is written back and read again into ``config.Map``
   (``resource/config/map.go`` and ``value.go``), where ``object.go`` stores each value as text: numbers as JSON
   (``060`` is "48", ``0x3C`` and ``6e1`` are "60", an unquoted ``012345678901`` is "12345678901"), timestamps as
   Go's ``Time.String()``, sequences and mappings as JSON objects, ``{secure: ...}`` as a secret
   (:mod:`failsafe.settings.clivalues`).
4. ``pkg/workspace/config.go`` (``ValidateStackConfigAndApplyProjectConfig``, i.e. ``mergeConfig``): defaults fill
   the keys a stack does not set (``createConfigValue``: strings, ints and bools with ``%v``, anything else as JSON),
   a declared key without a default must be set, and every explicitly typed key is checked against its type
   (``validateStackConfigValue``).

Messages name what the person wrote (file, line, the value as written) and, where the CLI changes it, what the
program receives instead.

On top of the CLI's rules, failsafe keeps one source of truth across stacks: keys that dr and prod must agree on
(:data:`failsafe.settings.config.SHARED_KEYS`) may be set only in ``Pulumi.yaml``, and the stacks a prod stack
reads (``drStackName``) must form an order, not a cycle (:func:`stack_order`). A key written both with and without
its namespace is refused: the CLI keeps one of the two depending on Go's map order.

Preview stacks are generated from ``Pulumi.pr.template.yaml``: the template is loaded as YAML, the three per-PR
values are set on the parsed document and :func:`yaml12.dump` writes it, so a branch name can never inject YAML and
reads back as the same string.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from failsafe.settings import golang, yaml12
from failsafe.settings.clivalues import (
    CliRefusal,
    CliValue,
    command_line_value,
    default_value,
    stack_value,
    validate_config_value,
)
from failsafe.settings.config import NAMESPACE, PREVIEW_STACK, SHARED_KEYS, ConfigError, Role
from failsafe.settings.errors import Written, as_written


def _project_root() -> Path:
    """The folder holding ``Pulumi.yaml``: ``FAILSAFE_PROJECT_DIR`` when set (an explicit choice wins), else the
    checkout this package lives in (a source or editable install), else the nearest folder above the working
    directory that holds one (an installed ``failsafe`` CLI run inside a project checkout)."""
    if os.environ.get("FAILSAFE_PROJECT_DIR"):
        return Path(os.environ["FAILSAFE_PROJECT_DIR"]).resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "Pulumi.yaml").is_file():
        return checkout
    here = Path.cwd().resolve()
    return next((d for d in (here, *here.parents) if (d / "Pulumi.yaml").is_file()), here)


ROOT = _project_root()
TEMPLATE = "Pulumi.pr.template.yaml"
TEMPLATE_MARK = "FILLED-BY-PREVIEW-CONFIG"
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


PROJECT_FILE = "Pulumi.yaml"
CONFIG_TYPES = ("string", "integer", "boolean", "array", "object")  # project.json: simpleConfigType
# project.json: configTypeDeclaration, "additionalProperties": false
DECLARATION_ATTRIBUTES = ("type", "items", "description", "secret", "default", "value")
# The one shared key a preview stack sets: previews deploy with the scoped role prod's CiAccess creates.
PREVIEW_MAY_SET = frozenset({"deployRoleName"})


class StackFileError(ValueError):
    """A stack file or ``Pulumi.yaml`` the CLI would not load: the one-line message names the file (and line)."""


@dataclass(frozen=True)
class Declaration:
    key: str
    type: str  # "" when Pulumi.yaml gives no type (the CLI then checks nothing)
    default: Any  # the default as the CLI holds it after reading the file twice (go-yaml values)
    has_default: bool
    description: str
    items: str | None = None  # the item type of an array
    line: int | None = None
    item_types: tuple[str, ...] = ()  # the item types, outermost first (array<array<string>>: ("array", "string"))
    secret: bool = False
    value: CliValue | None = None  # the default as the CLI stores it (createConfigValue)
    written: str = ""  # the default as written in Pulumi.yaml

    @property
    def type_name(self) -> str:
        """project.go ``InferFullTypeName``: ``array<string>``."""
        return _type_name(self.type, self.item_types)


def _type_name(declared: str, items: tuple[str, ...]) -> str:
    if declared != "array" or not items:
        return declared
    return f"array<{_type_name(items[0], items[1:])}>"


@dataclass
class StackFile:
    """A stack's config entries as the CLI reads them (keys as the CLI keeps them: ``<namespace>:<name>``), with the
    file, line and written spelling of each for error messages."""

    file: str
    values: dict[str, CliValue] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)

    def where(self, key: str) -> str:
        line = self.lines.get(key)
        return f"{self.file}:{line}" if line else self.file


# --- reading files (parsed once per content) --------------------------------------------------------------------

_CACHE: OrderedDict[tuple[str, bytes, str | None], yaml12.Document] = OrderedDict()


def _read(path: Path) -> yaml12.Document:
    """The parsed file. Parsing is cached by content (and ``$TZ``, which changes how timestamps read), so reading the
    same file for several stacks costs one parse; callers treat the document as read-only."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StackFileError(f"{path.name}: cannot read: {error.strerror or error}") from None
    key = (path.name, hashlib.sha256(raw).digest(), os.environ.get("TZ"))
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    try:
        document = yaml12.read(path)
    except yaml12.YamlError as error:
        raise StackFileError(str(error)) from None
    _CACHE[key] = document
    if len(_CACHE) > 64:
        _CACHE.popitem(last=False)
    return document


# --- Pulumi.yaml -----------------------------------------------------------------------------------------


def project_document(root: Path = ROOT) -> yaml12.Document:
    """``Pulumi.yaml`` as go-yaml decodes it, checked as ``ValidateProject`` checks its shape and ``name``."""
    document = _read(root / PROJECT_FILE)
    data = document.data
    if isinstance(data, yaml12.GoMap):
        bad = next(k for k in data if not isinstance(k, str))
        raise StackFileError(f"{PROJECT_FILE}: expected only string keys, got {as_written(_sprint(bad))} (quote it)")
    if not isinstance(data, dict):
        raise StackFileError(f"{PROJECT_FILE}: expected a mapping with name:, runtime: and config:")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{PROJECT_FILE}: project is missing a non-empty string 'name' attribute")
    config = data.get("config")
    if config is not None and not isinstance(config, (dict, str)):  # project.json: object, string or null
        raise StackFileError(f"{PROJECT_FILE}: expected 'config:' to be a mapping of config keys")
    return document


def project(root: Path = ROOT) -> dict[str, Any]:
    data: dict[str, Any] = project_document(root).data
    return data


def project_name(root: Path = ROOT) -> str:
    name: str = project_document(root).data["name"]
    return name


def _sprint(key: Any) -> str:
    return golang.sprint_key(yaml12.key_value(key))


def _declaration_error(document: yaml12.Document, key: str, problem: str, line: int | None = None) -> StackFileError:
    line = line or document.lines.get(key)
    where = f"{PROJECT_FILE}:{line}" if line else PROJECT_FILE
    return StackFileError(f"{where}: config key {as_written(key)}: {problem}")


def _what_the_cli_reads(value: Any) -> str:
    """A Go value in words, for a message about a default of the wrong type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        try:
            text = golang.json_float(value) if isinstance(value, float) else str(value)
        except golang.JsonError:
            text = golang.go_format_float(float(value))
        digits = re.fullmatch(r"-?(\d+)", text)
        return f"the number {text}" + (f" ({len(digits.group(1))} digits)" if digits else "")
    if isinstance(value, golang.GoTime):
        return f"the timestamp {value.go_string()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"the string {as_written(value)}"


def _quote_hint(written: str, plain: str | None, value: Any) -> str:
    """How to write a scalar so the CLI keeps it as text."""
    if plain is None or isinstance(value, str):
        return ""
    if re.fullmatch(r"[-+]?0[0-9_]+", plain):
        return f'; an unquoted number loses its leading 0: quote it, "{plain}", to keep it as written'
    return f'; quote it, "{plain}", to keep it as text'


@dataclass
class _Project:
    name: str
    declared: dict[str, Declaration]
    values: dict[str, CliValue]  # keys of other namespaces, with their value:
    lines: dict[str, str]  # namespaced key -> "Pulumi.yaml:<line>"


_PROJECTS: dict[int, tuple[yaml12.Document, _Project]] = {}


def _project_entries(root: Path) -> _Project:
    """Pulumi.yaml's config block as the CLI loads it (loaders.go ``LoadProjectBytes``): the schema of each entry
    (project.json), shorthand values (project.go ``RewriteShorthandConfigValues``: a string, int, bool or list of
    this project is a default, of another namespace a value), the round trip, ``Project.Validate`` (the type of each
    declared default), and the stored value of each default (config.go ``createConfigValue``)."""
    document = project_document(root)
    cached = _PROJECTS.get(id(document))
    if cached is not None and cached[0] is document:
        return cached[1]
    name: str = document.data["name"]
    config = document.data.get("config")
    entries = config if isinstance(config, dict) else {}  # a string is the old stackConfigDir: no config
    result = _Project(name, {}, {}, {})
    spelled: dict[str, str] = {}
    for key, spec in entries.items():
        written = document.texts.get(key, "")
        plain = _plain_text(document, key)
        line = document.lines.get(key)
        ours = ":" not in key or key.startswith(f"{name}:")
        spec = _check_schema(document, key, spec)
        if isinstance(spec, dict):  # the default (or value) as written, where it is written
            attribute = document.attributes.get(key, {}).get("default") or document.attributes.get(key, {}).get("value")
            if attribute is not None:
                line, written, plain = attribute
        else:  # shorthand (isPrimitiveValue: string, int, bool; or a list)
            spec = {"default": spec} if ours else {"value": spec}
        try:
            default = yaml12.roundtrip(spec.get("default"))
            value = yaml12.roundtrip(spec.get("value"))
        except yaml12.RoundTripError as error:
            raise _declaration_error(document, key, f"the Pulumi CLI cannot read it back ({error})") from None
        if default is not None and value is not None:
            raise _declaration_error(document, key, "cannot have both a 'default' and 'value' attribute")
        declared_type = spec.get("type") or ""
        item_types = _item_types(document, key, spec.get("items"))
        where = f"{PROJECT_FILE}:{document.lines[key]}" if key in document.lines else PROJECT_FILE
        full = _full_key(key, name, where)
        if full in spelled:
            raise StackFileError(
                f"{where}: config key {as_written(key)} and {as_written(spelled[full])} are both {full}: the Pulumi "
                "CLI applies one of the two declarations; remove one"
            )
        spelled[full] = key
        stored = default if default is not None else value
        result.lines[full] = f"{PROJECT_FILE}:{line}" if line else PROJECT_FILE
        if not ours:
            if declared_type:
                raise _declaration_error(document, key, "is not namespaced by the project and should not define a type")
            if default is not None:
                raise _declaration_error(
                    document, key, "a key of another namespace takes only 'value:' (no type, no default)"
                )
            if value is None:
                raise _declaration_error(document, key, "is namespaced and must provide an attribute 'value'")
        elif declared_type == "array" and not item_types:
            raise _declaration_error(
                document, key, "declares an array but does not specify the underlying type via the 'items' attribute"
            )
        elif (
            declared_type
            and default is not None
            and not validate_config_value(declared_type, item_types, default, go_value=True)
        ):
            raise _declaration_error(
                document,
                key,
                f"default {written} is not of the declared type '{_type_name(declared_type, item_types)}': the "
                f"Pulumi CLI reads {_what_the_cli_reads(default)}{_quote_hint(written, plain, default)}"
                + ("; YAML 1.2 booleans are true and false only" if declared_type == "boolean" else ""),
                line,
            )
        try:  # config.go createConfigValue, when mergeConfig applies it
            cli = default_value(stored, written, plain) if stored is not None else None
        except CliRefusal as error:
            raise _declaration_error(
                document, key, f"{written}: the Pulumi CLI cannot store it ({error})", line
            ) from None
        if not ours:
            assert cli is not None
            result.values[full] = cli
            continue
        short = full.split(":", 1)[1]
        result.declared[short] = Declaration(
            key=short,
            type=declared_type,
            default=stored,
            has_default=stored is not None,
            description=spec.get("description", ""),
            items=item_types[0] if item_types else None,
            line=document.lines.get(key),
            item_types=item_types,
            secret=spec.get("secret") is True,
            value=cli,
            written=written,
        )
    _PROJECTS.clear()
    _PROJECTS[id(document)] = (document, result)
    return result


def _plain_text(document: yaml12.Document, key: str) -> str | None:
    """The scalar's text when the file writes it unquoted and untagged, else None."""
    return document.plain.get(key)


def _check_schema(document: yaml12.Document, key: str, spec: Any) -> Any:
    """project.json for one entry of ``config:``: a string, integer, boolean or list, or a declaration with only the
    known attributes, each of its type. (The schema validator cannot even look at a timestamp or a number above
    int64: "invalid jsonType".)"""
    if isinstance(spec, yaml12.GoMap) or not isinstance(spec, dict):
        whole_float = isinstance(spec, float) and math.isfinite(spec) and spec == math.trunc(spec)
        if isinstance(spec, (str, bool, list)) or (isinstance(spec, int) and spec <= golang.MAX_INT64):
            return spec
        shown = document.texts.get(key, "")
        reason = (
            "a whole float is not a shorthand value the CLI can read (write it as an integer)"
            if whole_float
            else "expected a mapping (type, default, description) or a plain value (string, integer, boolean, list)"
        )
        raise _declaration_error(document, key, f"{shown}: {reason}")
    unknown = [a for a in spec if a not in DECLARATION_ATTRIBUTES]
    if unknown:
        near = difflib.get_close_matches(str(unknown[0]), DECLARATION_ATTRIBUTES, n=1)
        hint = (
            f"; did you mean {as_written(near[0])}?"
            if near
            else f"; the allowed attributes are {', '.join(DECLARATION_ATTRIBUTES)}"
        )
        raise _declaration_error(document, key, f"attribute {as_written(unknown[0])} not allowed{hint}")
    declared_type = spec.get("type")
    if "type" in spec and declared_type not in CONFIG_TYPES:
        written = document.attributes.get(key, {}).get("type", (0, as_written(declared_type), None))[1] or "(empty)"
        raise _declaration_error(document, key, f"type {written}: expected one of {', '.join(CONFIG_TYPES)}")
    if "description" in spec and not isinstance(spec["description"], str):
        raise _declaration_error(document, key, "description must be a string")
    if "secret" in spec and not isinstance(spec["secret"], bool):
        raise _declaration_error(document, key, "secret must be true or false")
    return spec


def _item_types(document: yaml12.Document, key: str, items: Any) -> tuple[str, ...]:
    """project.json ``configItemsType``: ``{type: ..., items: ...}``, ``items`` required when the type is array."""
    chain: list[str] = []
    if items is None and "items" in document.attributes.get(key, {}):
        raise _declaration_error(document, key, f"items: expected {{type: <one of {', '.join(CONFIG_TYPES)}>}}")
    while items is not None:
        if not isinstance(items, dict) or items.get("type") not in CONFIG_TYPES:
            raise _declaration_error(document, key, f"items: expected {{type: <one of {', '.join(CONFIG_TYPES)}>}}")
        chain.append(items["type"])
        if items["type"] == "array" and items.get("items") is None:
            raise _declaration_error(document, key, "items of type array need their own 'items'")
        items = items.get("items") if items["type"] == "array" else None
        if len(chain) > 100:
            raise _declaration_error(document, key, "items nested more than 100 deep")
    return tuple(chain)


def _full_key(key: str, project_name: str, where: str) -> str:
    """config.go ``parseConfigKey``: a key without a namespace belongs to the project; else ``ParseKey``."""
    namespace, name = parse_key(key if ":" in key else f"{project_name}:{key}", where)
    return f"{namespace}:{name}"


def declarations(root: Path = ROOT) -> dict[str, Declaration]:
    """The project's declared config keys (un-namespaced), as ``Pulumi.yaml`` states them, defaults type-checked."""
    return _project_entries(root).declared


# --- stack files -----------------------------------------------------------------------------------------


def _template_spelling(config: dict[str, Any], key: str) -> str | None:
    for spelling in (f"{NAMESPACE}:{key}", key, f"{NAMESPACE}:config:{key}"):
        if spelling in config:
            return spelling
    return None


def render_preview(pr_number: int, branch: str = "", commit: str = "", root: Path = ROOT) -> dict[str, Any]:
    """The config document of stack ``pr-<pr_number>``, made from the checked-in template (a new document: the
    template's parse is shared)."""
    template = _template(root)
    document = dict(template.data)
    config = dict(document["config"])
    document["config"] = config
    filled = {"prNumber": pr_number, "previewBranch": branch, "previewCommit": commit}
    for key, value in filled.items():
        spelling = _template_spelling(config, key)
        if spelling is None or config[spelling] != TEMPLATE_MARK:
            raise StackFileError(f"{TEMPLATE}: {NAMESPACE}:{key} must be {as_written(TEMPLATE_MARK)} in the template")
        config[spelling] = value
    return document


def _template(root: Path) -> yaml12.Document:
    document = _read(root / TEMPLATE)
    _check_shape(document)
    return document


def _check_shape(document: yaml12.Document) -> None:
    """loaders.go ``LoadProjectStackBytes``: an empty file is an empty config; otherwise a mapping (with string
    keys: ``SimplifyMarshalledProject``) whose ``config:`` is a mapping or null."""
    data = document.data
    if data is None:
        document.data = {"config": {}}
        return
    if isinstance(data, yaml12.GoMap):
        bad = next(k for k in data if not isinstance(k, str))
        raise StackFileError(f"{document.file}: expected only string keys, got {as_written(_sprint(bad))} (quote it)")
    if not isinstance(data, dict):
        raise StackFileError(f"{document.file}: expected a mapping with a 'config:' mapping")
    config = data.get("config")
    if isinstance(config, yaml12.GoMap):
        bad = next(k for k in config if not isinstance(k, str))
        raise StackFileError(
            f"{document.file}: config key {_sprint(bad)}: expected a string (quote it): with a key that is not "
            "a string the Pulumi CLI namespaces no key of the file"
        )
    if config is not None and not isinstance(config, dict):
        raise StackFileError(f"{document.file}: expected a mapping with a 'config:' mapping")
    if config is None:
        document.data = {**data, "config": {}}


def _stack_path(stack: str, root: Path) -> Path | None:
    if not STACK_NAME.match(stack):
        raise StackFileError(f"stack name {as_written(stack)}: expected letters, digits, '.', '_' or '-'")
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
    """The stack's config file as go-yaml decodes it; ``pr-<n>`` stacks without a generated file render the
    template."""
    path = _stack_path(stack, root)
    if path is None:
        return render_preview(_preview_number(stack), root=root)
    document = _read(path)
    _check_shape(document)
    data: dict[str, Any] = document.data
    return data


def _entries(
    document: yaml12.Document, config: dict[str, Any], project: str, file: str, filled: frozenset[str] = frozenset()
) -> StackFile:
    """loaders.go ``stackConfigNamespacedWithProject`` then map.go ``Map.UnmarshalYAML``: each key namespaced and
    parsed, each value stored as the CLI stores it. ``filled``: keys whose value was set in Python (a rendered
    template), not written in ``document``."""
    result = StackFile(file=file)
    for key, value in config.items():
        line = document.lines.get(key)
        where = f"{file}:{line}" if line else file
        full = _full_key(key, project, where)
        if full in result.spelled:
            first = result.spelled[full]
            first_line = result.lines.get(full)
            raise StackFileError(
                f"{where}: config key {as_written(key)} and {as_written(first)}"
                f"{f' (line {first_line})' if first_line else ''} are both {full}: the Pulumi CLI keeps one of the two "
                "depending on Go's map order; remove one"
            )
        written = str(value) if key in filled else document.texts.get(key, "")
        try:
            cli = stack_value(value, written, None if key in filled else _plain_text(document, key))
        except CliRefusal as error:
            raise StackFileError(
                f"{where}: config key {as_written(key)} = {written}: the Pulumi CLI refuses it ({error})"
            ) from None
        result.values[full] = cli
        result.spelled[full] = key
        if line:
            result.lines[full] = line
    return result


def stack_file(stack: str, root: Path = ROOT) -> StackFile:
    """The stack's config entries as the CLI stores them (:func:`stack_value`), keyed ``<namespace>:<name>``."""
    name = project_name(root)
    path = _stack_path(stack, root)
    if path is None:
        template = _template(root)
        rendered = render_preview(_preview_number(stack), root=root)
        filled = frozenset(k for k, v in rendered["config"].items() if template.data["config"].get(k) is not v)
        return _entries(template, rendered["config"], name, TEMPLATE, filled)
    document = _read(path)
    _check_shape(document)
    return _entries(document, document.data["config"], name, path.name)


def parse_key(key: str, where: str) -> tuple[str, str]:
    """resource/config/key.go, ``ParseKey``: ``<namespace>:<name>`` (one colon; either part may be empty) or
    ``<namespace>:config:<name>``."""
    parts = key.split(":")
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return parts[0], parts[2]
    raise StackFileError(
        f"{where}: could not parse {as_written(key)} as a configuration key: the Pulumi CLI expects <namespace>:<name>"
    )


# --- merging, as the CLI does before it runs the program ---------------------------------------------------


def _shown(value: CliValue) -> Any:
    """The value for a message: as written in the file, else the CLI's text."""
    if value.secure:
        return "<secret>"
    if value.written:
        return Written(value.written)
    return value.content


def _handed(value: CliValue) -> str:
    return f' (the Pulumi CLI hands the program "{value.text}")' if value.changed else ""


def _merged(stack: str, root: Path, overrides: dict[str, Any] | None) -> dict[str, CliValue]:
    """Namespaced key -> value: project defaults, then the stack file, then ``overrides`` (a what-if), each checked
    as the CLI checks it (pkg/workspace/config.go, ``mergeConfig`` and ``validateStackConfigValues``), plus
    failsafe's rule that shared keys live in Pulumi.yaml only."""
    project_config = _project_entries(root)
    ours = project_config.name
    decls = project_config.declared
    values: dict[str, CliValue] = dict(project_config.values)
    origin: dict[str, str | None] = dict(project_config.lines)
    for decl in decls.values():
        if decl.value is not None:
            values[f"{ours}:{decl.key}"] = decl.value
    file = stack_file(stack, root)
    role = file.values.get(f"{ours}:role")
    role_text = role.text if role else None
    entries: list[tuple[str, CliValue, str | None]] = [(k, v, file.where(k)) for k, v in file.values.items()]
    for key, value in (overrides or {}).items():  # None: a what-if, not a file (config.go parseConfigKey)
        entries.append((_full_key(key, ours, "--set"), command_line_value(value), None))
    for full, value, where in entries:
        namespace, key = full.split(":", 1)
        if namespace == ours:
            shown = _shown(value)
            if key not in decls:
                near = difflib.get_close_matches(key, list(decls), n=1)
                raise ConfigError(
                    key,
                    shown,
                    "a key declared in Pulumi.yaml" + (f" (did you mean {near[0]}?)" if near else ""),
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
            if where is not None and shared:
                raise ConfigError(
                    key,
                    shown,
                    f"no value in {file.file}: {key} is shared by every stack, so it is set once in Pulumi.yaml "
                    "(a value in one stack file makes dr and prod disagree)",
                    where=where,
                    stack=stack,
                )
        values[full] = value
        origin[full] = where
    missing = sorted(k for k, d in decls.items() if not d.has_default and f"{ours}:{k}" not in values)
    if missing:
        raise ConfigError(
            missing[0],
            None,
            f"a value: stack {as_written(stack)} does not set it and Pulumi.yaml gives no default (the Pulumi CLI "
            "refuses the stack)",
            where=file.file,
            stack=stack,
        )
    for key in sorted(decls):  # config.go validateStackConfigValues: explicitly typed keys, in sorted order
        decl = decls[key]
        full = f"{ours}:{key}"
        if not decl.type or full not in values:
            continue
        value = values[full]
        if decl.secret and not value.secure:
            raise ConfigError(
                key,
                _shown(value),
                "an encrypted value: Pulumi.yaml declares it secret (the Pulumi CLI refuses a plain value)",
                where=origin.get(full),
                stack=stack,
            )
        if not validate_config_value(decl.type, decl.item_types, value.content):
            hint = " written as a YAML list, not a JSON string" if decl.type == "array" else ""
            raise ConfigError(
                key,
                _shown(value),
                f"a value of the declared type {decl.type_name} (see Pulumi.yaml){hint}{_handed(value)}",
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


def explain(stack: str, key: str, root: Path = ROOT) -> tuple[str, CliValue] | None:
    """Where the value of ``failsafe:<key>`` that stack ``stack`` receives comes from (``file:line``) and how it is
    written there; None when no file sets it or the files cannot be read."""
    try:
        file = stack_file(stack, root)
        project_config = _project_entries(root)
    except (StackFileError, ConfigError):
        return None
    full = f"{project_config.name}:{key}"
    if full in file.values:
        return file.where(full), file.values[full]
    decl = project_config.declared.get(key)
    if decl is not None and decl.value is not None:
        return project_config.lines.get(full, PROJECT_FILE), decl.value
    return None


def annotate(error: ConfigError, stack: str, root: Path = ROOT) -> ConfigError:
    """A refusal of a checked value (failsafe.settings.config), completed with the file and line the value comes
    from and, where the CLI changed it, what was written: ``dnsTtl: 060`` is refused as "48", and the message says
    it was written 060."""
    if error.where is not None:
        return error
    found = explain(stack, error.key, root)
    if found is None:
        return error
    where, value = found
    error.where = where
    if value.changed and value.written:
        error.expected = (
            f'{error.expected} (written {value.written}; the Pulumi CLI hands the program "{value.text}": quote it '
            "to keep it as written)"
        )
    error.args = (error.message,)
    return error


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
                f"a stack of this project, <org>/{name}/<stack>, not of project {as_written(parts[1])}",
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
        except StackFileError as missing:
            raise _drstack_error(path[-1], "drStackName", text, f"a stack that exists ({missing})") from None
        values = _merged(target, root, overrides)  # its own errors name its file
        target_role = values.get(f"{NAMESPACE}:role")
        if target_role is None or target_role.text != Role.DR:
            shown = target_role.text if target_role else None
            refusal = _drstack_error(
                path[-1],
                "drStackName",
                text,
                f"a stack whose role is dr; {as_written(target)} has role {as_written(shown)}",
            )
            if target_role is None or target_role.text != Role.PROD:
                raise refusal
            pending = pending or refusal  # walk on: a cycle through prod stacks is the clearer message
        path.append(target)


def _drstack_error(stack: str, key: str, value: object, expected: str) -> ConfigError:
    return ConfigError(key, value, expected, stack=stack)


def unnamespaced(raw: dict[str, str]) -> dict[str, str]:
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
