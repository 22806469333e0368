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

On top of the CLI's rules, failsafe keeps one estate consistent across stacks: the team's values live in its stack
files, so a key that dr and prod both read (:data:`failsafe.settings.config.SHARED_KEYS`) is written in each, and
two stack files that disagree are refused, naming both (:func:`_agree`); the stacks a prod stack reads
(``drStackName``) must form an order, not a cycle (:func:`stack_order`). A key written both with and without
its namespace is refused: the CLI keeps one of the two depending on Go's map order.

Preview stacks are generated from ``Pulumi.pr.template.yaml``: the template is loaded as YAML, the three per-PR
values are set on the parsed document and :func:`yaml12.dump` writes it, so a branch name can never inject YAML and
reads back as the same string.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from failsafe.settings import yaml12
from failsafe.settings.clivalues import (
    CliRefusal,
    CliValue,
    command_line_value,
    stack_value,
    validate_config_value,
)
from failsafe.settings.config import NAMESPACE, PREVIEW_STACK, SHARED_KEYS, ConfigError, Role
from failsafe.settings.errors import MEMBER_STACK, WORKLOAD_KEYS, Written, as_written
from failsafe.settings.projectfile import (
    PREVIEW_MAY_SET,
    PROJECT_FILE,
    ROOT,
    STACK_NAME,
    TEMPLATE,
    TEMPLATE_MARK,
    Declaration,
    StackFile,
    StackFileError,
    _full_key,
    _plain_text,
    _project_entries,
    _read,
    _sprint,
    declarations,
    parse_key,
    project,
    project_document,
    project_name,
)

__all__ = [
    "PREVIEW_MAY_SET",
    "PROJECT_FILE",
    "ROOT",
    "TEMPLATE",
    "WORKLOAD_KEYS",
    "Declaration",
    "StackFile",
    "StackFileError",
    "annotate",
    "declarations",
    "estate_stacks",
    "explain",
    "parse_key",
    "project",
    "project_document",
    "project_name",
    "raw_config",
    "render_preview",
    "stack_document",
    "stack_file",
    "stack_order",
    "unnamespaced",
]

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
    _copy_estate_values(config, root)
    return document


def _copy_estate_values(config: dict[str, Any], root: Path) -> None:
    """A preview is a pull request's copy of the prod stack's estate: the shared keys prod's stack file sets (accounts,
    regions, prefixes, repository) are copied into the preview's config unless the template sets them itself
    (``deployRoleName``: the scoped preview role). So the template holds only what is a preview's own, and a preview
    cannot drift from the estate it belongs to."""
    path = root / "Pulumi.prod.yaml"
    if not path.exists():
        return
    document = _read(path)
    _check_shape(document)
    ours = project_name(root)
    given = {_full_key(k, ours, TEMPLATE) for k in config}
    for key, value in document.data["config"].items():
        full = _full_key(key, ours, path.name)
        namespace, name = full.split(":", 1)
        if namespace == ours and name in SHARED_KEYS and full not in given:
            config[full] = value


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
    found = _ENTRIES.get(id(document))
    if found is not None and found[0] is document and found[1] == name:
        return found[2]
    _check_shape(document)
    entries = _entries(document, document.data["config"], name, path.name)
    _ENTRIES[id(document)] = (document, name, entries)  # the document kept alive, so its id is not reused
    if len(_ENTRIES) > 256:
        _ENTRIES.pop(next(iter(_ENTRIES)))
    return entries


# a parsed stack file's entries, per parsed document (parsing is cached per content: projectfile._read): a fleet's
# check reads dr's file, whose registry grows with N, once per member; callers treat the entries as read-only
_ENTRIES: dict[int, tuple[yaml12.Document, str, StackFile]] = {}


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
    the refusal of undeclared keys and of secrets the credential-free plan cannot decrypt."""
    project_config = _project_entries(root)
    ours = project_config.name
    decls = project_config.declared
    values: dict[str, CliValue] = dict(project_config.values)
    origin: dict[str, str | None] = dict(project_config.lines)
    for decl in decls.values():
        if decl.value is not None:
            values[f"{ours}:{decl.key}"] = decl.value
    file = stack_file(stack, root)
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
    _agree(stack, values, root, overrides)
    return {key: value.text for key, value in values.items()}


# --- one estate: the values several stacks read agree ----------------------------------------------------------

MEMBER_TEMPLATE = "Pulumi.member.template.yaml"  # what `members write` fills in: no stack of its own
# WORKLOAD_KEYS (failsafe.settings.errors): the keys of the workload one prod stack protects. Its dr must hold the
# same (dr builds prod's replica buckets and trusts its roles by name, without reading prod); a fleet member's
# workload is its entry of dr's members registry instead (failsafe.settings.estate.fleet_problems).


def estate_stacks(root: Path = ROOT) -> list[str]:
    """Every stack of the project with a file of its own (``Pulumi.<stack>.yaml``), but generated previews: the
    estate's dr, prod (and member) stacks."""
    found = []
    for path in sorted(root.glob("Pulumi.*.yaml")):
        stack = path.name[len("Pulumi.") : -len(".yaml")]
        if path.name in (TEMPLATE, MEMBER_TEMPLATE) or PREVIEW_STACK.match(stack) or not STACK_NAME.match(stack):
            continue
        found.append(stack)
    return found


def _role_of(values: dict[str, CliValue], ours: str) -> str | None:
    role = values.get(f"{ours}:role")
    return role.text if role else None


def _agree(stack: str, values: dict[str, CliValue], root: Path, overrides: dict[str, Any] | None) -> None:
    """The team's values live in its stack files, and a value several stacks read is written in each of them
    (README, "Your estate and upgrades"): so failsafe refuses two stack files of one estate that disagree, naming
    both files, before either stack is planned or deployed. Estate-wide keys (:data:`SHARED_KEYS` but the workload
    keys) agree across the dr, org and prod stacks (a fleet member's workload keys are its own: its entry of dr's
    registry, checked by ``check --all``); a prod stack and the dr it reads agree on the workload keys too; a
    preview stack agrees with the estate's prod stack (it is generated from it) on every shared key but
    ``deployRoleName``, which previews set to the scoped preview role."""
    ours = project_name(root)
    role = _role_of(values, ours)
    if role == Role.PREVIEW:
        peers = [s for s in estate_stacks(root) if s == "prod"] or []
    else:
        peers = [s for s in estate_stacks(root) if s != stack]
    if MEMBER_STACK.match(stack):  # members share with each other only estate keys, each agreeing with dr's: reading
        peers = [s for s in peers if not MEMBER_STACK.match(s)]  # the other N-1 members adds nothing (and costs N^2)
    for peer in peers:
        try:
            theirs = _merged(peer, root, overrides)
        except (StackFileError, ConfigError):
            continue  # the peer's own errors are reported when it is read; they say nothing of this stack
        peer_role = _role_of(theirs, ours)
        if peer_role not in (Role.DR, Role.PROD, Role.ORG) or role not in (Role.DR, Role.PROD, Role.ORG, Role.PREVIEW):
            continue
        roles = {role, peer_role}
        keys = set(SHARED_KEYS)
        if roles == {Role.PROD} or MEMBER_STACK.match(stack) or MEMBER_STACK.match(peer):
            keys -= WORKLOAD_KEYS  # two workloads (member stacks); a member's own is its entry of dr's registry
        if Role.PREVIEW in roles:
            keys -= PREVIEW_MAY_SET
        for key in sorted(keys):
            full = f"{ours}:{key}"
            mine, other = values.get(full), theirs.get(full)
            if mine is None or other is None or mine.text == other.text:
                continue
            here, there = _origin(stack, full, root), _origin(peer, full, root)
            raise ConfigError(
                key,
                _shown(mine),
                f"the same value in every stack file that reads it: {there} has {as_written(_shown(other))} "
                f"(the stacks of one estate must agree; set it alike in {here} and {there})",
                where=here,
                stack=stack,
            )


def _origin(stack: str, full: str, root: Path) -> str:
    file = stack_file(stack, root)
    if full in file.values:
        return file.where(full)
    return f"{PROJECT_FILE} (the default; {file.file} does not set it)"


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


def _drstack_error(stack: str, key: str, value: str | None, expected: str) -> ConfigError:
    return ConfigError(key, value, expected, stack=stack)


def unnamespaced(raw: dict[str, str]) -> dict[str, str]:
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
