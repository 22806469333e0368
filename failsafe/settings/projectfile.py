"""``Pulumi.yaml`` read the way the Pulumi CLI reads it (steps 1 and 2 of :mod:`failsafe.settings.stackfiles`): the
project root, files parsed once per content, the project schema, declarations and their defaults as the CLI
stores them. Stack files build on this in :mod:`failsafe.settings.stackfiles`."""

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
    default_value,
    validate_config_value,
)
from failsafe.settings.errors import as_written


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
    if len(_CACHE) > 256:  # a fleet of 100 members and its dr, org, prod and template files stay parsed
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
