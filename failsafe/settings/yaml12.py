"""YAML read the way the Pulumi CLI reads ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``: go-yaml v3, YAML 1.2 rules.

PyYAML resolves plain scalars with YAML 1.1 rules (``yes``/``on`` are booleans, ``010`` is octal 8, ``1_000`` is
1000, ``12:30`` is a base-60 number); the CLI does not. This loader swaps PyYAML's implicit resolution for a port of
go-yaml v3's ``resolve()`` (github.com/go-yaml/yaml, branch v3, ``resolve.go``):

- booleans only ``true``/``True``/``TRUE`` and ``false``/``False``/``FALSE`` (``yes``, ``no``, ``on``, ``off``, ``y``
  are strings);
- null ``~``, ``null``/``Null``/``NULL`` and the empty scalar;
- integers as Go's ``strconv.ParseInt(s, 0, 64)`` after removing ``_``: decimal, ``0x`` hex, ``0o`` and ``0b``, and
  a leading ``0`` is octal (``010`` is 8; ``08`` is no integer, so it becomes the float 8.0);
- floats matching ``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$`` and ``.inf``/``.nan`` spellings;
- timestamps ``YYYY-M-D`` (optionally with a time) as dates;
- everything else a string. Only plain (unquoted) scalars are resolved; quoted ones are always strings.

go-yaml v3 also refuses a mapping with the same key twice (``decode.go``: "mapping key ... already defined"); PyYAML
keeps the last one silently, so this loader refuses it too.

Every problem is a :class:`YamlError` whose ``str()`` is one line: ``<file>:<line>: <problem>``.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"

# resolve.go: resolveMap (the spellings looked up before any parsing)
_SPECIAL: dict[str, tuple[str, Any]] = {
    **{s: (BOOL_TAG, True) for s in ("true", "True", "TRUE")},
    **{s: (BOOL_TAG, False) for s in ("false", "False", "FALSE")},
    **{s: (NULL_TAG, None) for s in ("", "~", "null", "Null", "NULL")},
    **{s: (FLOAT_TAG, math.nan) for s in (".nan", ".NaN", ".NAN")},
    **{s: (FLOAT_TAG, math.inf) for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: (FLOAT_TAG, -math.inf) for s in ("-.inf", "-.Inf", "-.INF")},
    "<<": (MERGE_TAG, "<<"),
}
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")  # resolve.go: yamlStyleFloat
_GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.[0-9]+([eE][-+]?[0-9]+)?$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]| )(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[-+]\d{2}:\d{2})?)?$"
)
_INT64 = (-(2**63), 2**64 - 1)  # ParseInt, then ParseUint for the upper half


def go_parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, 64)`` (then ``ParseUint``): the base from the prefix, a bare leading 0
    meaning octal; None where Go returns an error."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    lower = body.lower()
    if lower.startswith("0x"):
        base, digits, allowed = 16, body[2:], "0123456789abcdefABCDEF"
    elif lower.startswith("0o"):
        base, digits, allowed = 8, body[2:], "01234567"
    elif lower.startswith("0b"):
        base, digits, allowed = 2, body[2:], "01"
    elif body.startswith("0") and len(body) > 1:
        base, digits, allowed = 8, body[1:], "01234567"
    else:
        base, digits, allowed = 10, body, "0123456789"
    if not digits or any(c not in allowed for c in digits):
        return None
    value = int(digits, base) * (-1 if sign == "-" else 1)
    if sign == "+" and value > _INT64[1]:
        return None
    return value if _INT64[0] <= value <= _INT64[1] else None


def resolve_plain(text: str) -> tuple[str, Any]:
    """The tag and value go-yaml v3 gives the plain scalar ``text`` (``resolve.go``, function ``resolve``)."""
    if text in _SPECIAL:
        return _SPECIAL[text]
    hint = text[:1]
    if hint == ".":
        if _GO_FLOAT.match(text):
            return FLOAT_TAG, float(text)
        return STR_TAG, text
    if hint and (hint in "+-" or hint.isdigit()):
        stamp = _timestamp(text)
        if stamp is not None:
            return TIMESTAMP_TAG, stamp
        plain = text.replace("_", "")
        number = go_parse_int(plain)
        if number is not None:
            return INT_TAG, number
        if _YAML_STYLE_FLOAT.match(plain):
            return FLOAT_TAG, float(plain)
    return STR_TAG, text


def _timestamp(text: str) -> datetime.date | datetime.datetime | None:
    match = _TIMESTAMP.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups()[:6])
    try:
        if hour is None:
            return datetime.date(year, month, day)  # type: ignore[arg-type]
        return datetime.datetime(year, month, day, hour, minute, second)  # type: ignore[arg-type]
    except ValueError:
        return None


class YamlError(ValueError):
    """A file the CLI would not load; ``str()`` is ``<file>:<line>: <problem>``."""

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {problem}")


class _Loader(yaml.SafeLoader):
    """SafeLoader with go-yaml v3's scalar resolution and duplicate-key refusal."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return resolve_plain(value)[0]
        return super().resolve(kind, value, implicit)

    def construct_go_int(self, node: yaml.ScalarNode) -> int:
        number = go_parse_int(node.value.replace("_", ""))
        if number is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot decode {node.value!r} as !!int", node.start_mark
            )
        return number

    def construct_go_float(self, node: yaml.ScalarNode) -> float:
        tag, value = resolve_plain(node.value)
        if tag == FLOAT_TAG:
            return value
        if tag == INT_TAG:
            return float(value)
        raise yaml.constructor.ConstructorError(None, None, f"cannot decode {node.value!r} as !!float", node.start_mark)

    def construct_go_bool(self, node: yaml.ScalarNode) -> bool:
        tag, value = resolve_plain(node.value)
        if tag != BOOL_TAG:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot decode {node.value!r} as !!bool", node.start_mark
            )
        return value

    def construct_go_timestamp(self, node: yaml.ScalarNode) -> Any:
        stamp = _timestamp(node.value)
        if stamp is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot decode {node.value!r} as !!timestamp", node.start_mark
            )
        return stamp

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"mapping key {key_node.value!r} already defined at line {seen[key] + 1}",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor(INT_TAG, _Loader.construct_go_int)
_Loader.add_constructor(FLOAT_TAG, _Loader.construct_go_float)
_Loader.add_constructor(BOOL_TAG, _Loader.construct_go_bool)
_Loader.add_constructor(TIMESTAMP_TAG, _Loader.construct_go_timestamp)


@dataclass
class Document:
    """A parsed file: ``data`` as go-yaml v3 decodes it into ``interface{}``, and for each entry of the top-level
    ``config:`` mapping its line and, for scalars, its source text (what go-yaml v3 stores when it decodes a scalar
    into a Go string: ``decode.go``, ``scalar()``, ``out.SetString(n.Value)``)."""

    file: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str | None] = field(default_factory=dict)  # None: a sequence or mapping; "" for null
    values: dict[str, Any] = field(default_factory=dict)  # each config entry decoded, keyed by the key's text

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse(text: str, file: str) -> Document:
    """Parse ``text`` (the content of ``file``) as the CLI does; any problem raises :class:`YamlError`."""
    loader = _Loader(text)
    entries: list[tuple[yaml.Node, yaml.Node]] = []
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                is_config = isinstance(key_node, yaml.ScalarNode) and key_node.value == "config"
                if is_config and isinstance(value_node, yaml.MappingNode):
                    entries = [(k, v) for k, v in value_node.value if isinstance(k, yaml.ScalarNode)]
        constructed = [loader.construct_object(v, deep=True) for _, v in entries]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = _one_line(" ".join(p for p in (error.context, error.problem) if p) or str(error))
        raise YamlError(file, mark.line + 1 if mark else None, problem) from None
    except yaml.YAMLError as error:
        raise YamlError(file, None, _one_line(str(error))) from None
    finally:
        loader.dispose()
    document = Document(file=file, data=data)
    for (k, v), value in zip(entries, constructed, strict=True):
        document.lines[k.value] = k.start_mark.line + 1
        document.values[k.value] = value
        if isinstance(v, yaml.ScalarNode):
            document.texts[k.value] = "" if v.tag == NULL_TAG else v.value
        else:
            document.texts[k.value] = None
    return document


def read(path: Any, file: str | None = None) -> Document:
    """Read and parse the file at ``path`` (``file``: the name shown in errors, default the file name)."""
    from pathlib import Path

    path = Path(path)
    name = file or path.name
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise YamlError(name, None, f"cannot read: {error.strerror or error}") from None
    if raw.startswith(b"\xef\xbb\xbf"):  # loaders.go: readFileStripUTF8BOM
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlError(name, None, f"not UTF-8 ({error.reason} at byte {error.start})") from None
    return parse(text, name)
