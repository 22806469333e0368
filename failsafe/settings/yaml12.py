"""YAML read the way the Pulumi CLI reads ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``: go-yaml v3 (v3.0.1, the version
pulumi/pulumi's ``sdk/go.mod`` requires), ``yaml.Unmarshal`` into ``interface{}``.

PyYAML resolves plain scalars with YAML 1.1 rules and composes its own way; the CLI does neither. This module keeps
only PyYAML's libyaml scanner and parser (go-yaml v3 is a port of libyaml, so the event streams agree) and ports the
rest of go-yaml v3.0.1 on top of the events:

- **Input** (``readerc.go``, ``yaml_parser_determine_encoding`` and ``yaml_parser_update_buffer``): a UTF-8, UTF-16LE
  or UTF-16BE byte-order mark selects the encoding (Windows PowerShell 5 writes UTF-16 with a mark), else UTF-8;
  control characters and invalid UTF-8/UTF-16 are refused, but only within the 512-byte input chunks the scanner
  reads (``input_raw_buffer_size``), so damage far behind the first document goes unseen, as in go-yaml.
- **One document** (``yaml.go``, ``unmarshal``; ``decode.go``, ``parser.parse``): ``Unmarshal`` parses the first
  document and stops; what follows it is never scanned, so a second document, even a malformed one, is ignored.
- **Depth** (``scannerc.go``, ``max_flow_level`` and ``max_indents``): more than 10,000 open flow collections or
  block indentation levels is "exceeded max depth of 10000". Everything here is iterative (an explicit stack, no
  recursion), so 10,000 levels decode without ``RecursionError``.
- **Nodes** (``decode.go``, ``parser.node``/``parser.alias``/``parser.anchor``): an anchor name may be defined again
  (later aliases take the last definition: yaml-test-suite 3GZX); an alias to an unknown anchor is refused; tags are
  kept short (``!!int``); a plain scalar's tag is resolved when it is parsed, a quoted one is ``!!str``.
- **Scalars** (``resolve.go``, ``resolve``): YAML 1.2 core plus go-yaml's extras: booleans only
  ``true``/``True``/``TRUE``/``false``/..., null ``~``/``null``/empty, integers as Go's ``strconv.ParseInt(s, 0, 64)``
  then ``ParseUint`` after removing ``_`` (``0x``, ``0o``, ``0b``; a bare leading 0 is octal: ``010`` is 8),
  floats by ``yamlStyleFloat`` (``08`` is 8.0, ``1e400`` does not fit and stays a string), timestamps by Go's
  ``time.Parse`` with four layouts (fraction and zone kept: :class:`GoTime`), everything else a string. An explicit
  tag is checked (``!!int foo`` is "cannot decode !!str `foo` as a !!int"); a tag go-yaml does not know keeps the value
  as a string; ``!!binary`` is base64 (invalid base64 is refused).
- **Decoding** (``decode.go``, ``decoder.unmarshal``/``mapping``/``merge``/``alias``): a key given twice in one mapping
  is refused (go-yaml compares the node kind and text, so ``1`` and ``'1'`` are the same key); a mapping whose keys
  are not all strings becomes a :class:`GoMap` (Go's ``map[interface{}]interface{}``); ``<<`` merges as go-yaml merges
  (the mapping's own keys win, then the first merged mapping); an alias inside its own anchor is refused ("anchor 'a'
  value contains itself"), and so is a document whose decoding is mostly alias expansion (``allowedAliasRatio``,
  "excessive aliasing"), which stops a billion-laughs file after a few thousand steps and in bounded memory.

Values come back as go-yaml builds them: ``None``, ``bool``, ``int`` (Go's int, or uint64 above 2**63-1), ``float``,
``str`` (bytes of ``!!binary`` that are not UTF-8 as surrogate escapes), :class:`GoTime`, ``list``, ``dict`` (all keys
strings) and :class:`GoMap`. Every problem is a :class:`YamlError` whose ``str()`` is one line: ``<file>:<line>:
<problem>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from failsafe.settings.golang import GoTime
from failsafe.settings.yamlbase import (
    _NOT_ALLOWED,
    INPUT_CHUNK,
    GoKey,
    GoMap,
    YamlError,
    _decode,
    _Fail,
    _Input,
    _line_of,
    key_value,
    resolve,
    resolve_plain,
)
from failsafe.settings.yamldecode import (
    MAPPING,
    SCALAR,
    SEQUENCE,
    Node,
    PureParser,
    _compose,
    _Decoder,
    _is_merge,
    _one_line,
    _ParseError,
    allowed_alias_ratio,
)
from failsafe.settings.yamlwrite import RoundTripError, dump, rebuild, roundtrip

# the public face: what stackfiles, clivalues and the tests use, wherever it is implemented
__all__ = [
    "Document",
    "GoKey",
    "GoMap",
    "GoTime",
    "Node",
    "PureParser",
    "RoundTripError",
    "YamlError",
    "allowed_alias_ratio",
    "dump",
    "key_value",
    "parse",
    "read",
    "rebuild",
    "resolve",
    "resolve_plain",
    "roundtrip",
]

# --- the document ----------------------------------------------------------------------------------------------


@dataclass
class Document:
    """A parsed file: ``data`` as go-yaml v3 decodes it into ``interface{}``; for each entry of the top-level
    ``config:`` mapping (keys as written) its line, the value's source text as written (one line), and its decoded
    value."""

    file: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    plain: dict[str, str] = field(default_factory=dict)  # values written as plain scalars: their text
    # for a config entry that is a mapping (a declaration in Pulumi.yaml): each attribute's line, source text and,
    # when written as a plain scalar, its text
    attributes: dict[str, dict[str, tuple[int, str, str | None]]] = field(default_factory=dict)

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


def _source(text: str, node: Node) -> str:
    """A node's source text as written (anchor, tag and quotes included), on one line, at most 80 characters."""
    end = node.end if node.end > node.start else node.start + len(node.value)
    written = _one_line(text[node.start : end]) or _one_line(node.value)
    return written if len(written) <= 80 else written[:77] + "..."


def _key_text(node: Node) -> str | None:
    target = node.target()
    if target.kind != SCALAR:
        return None
    return target.value


def _config_entries(root: Node | None, text: str) -> Iterator[tuple[str, Node, Node]]:
    """The key and value nodes of the top-level ``config:`` mapping: its own pairs, then those of ``<<`` merges
    (a key the mapping already has is not taken again), so a line is known for every key a merge brings."""
    if root is None or not root.content:
        return
    top = root.content[0].target()
    if top.kind != MAPPING:
        return
    config: Node | None = None
    for index in range(0, len(top.content) - 1, 2):
        if _key_text(top.content[index]) == "config":
            config = top.content[index + 1].target()
    seen: set[str] = set()
    pending = [config] if config is not None else []
    visited = 0
    while pending and visited < 1000:
        mapping = pending.pop(0)
        visited += 1
        if mapping.kind != MAPPING:
            continue
        for index in range(0, len(mapping.content) - 1, 2):
            key_node, value_node = mapping.content[index], mapping.content[index + 1]
            if _is_merge(key_node):
                merged = value_node.target()
                sources = [m.target() for m in merged.content] if merged.kind == SEQUENCE else [merged]
                pending.extend(sources)
                continue
            key = _key_text(key_node)
            if key is not None and key not in seen:
                seen.add(key)
                yield key, key_node, value_node


def parse(text: str, file: str, data: _Input | None = None) -> Document:
    """Parse ``text`` (the content of ``file``) as the Pulumi CLI does; any problem raises :class:`YamlError`."""
    source = data or _Input(text, "utf-8", 0)
    if data is None:
        match = _NOT_ALLOWED.search(text)
        if match:
            source.bad = match.start()
            source.bad_problem = f"control characters are not allowed (U+{ord(match.group()):04X})"
    readable = text if source.bad is None else text[: source.bad]
    chunk = None if source.bad is None else (source.byte_offset(source.bad) // INPUT_CHUNK) * INPUT_CHUNK

    def refuse_bad() -> YamlError:
        assert source.bad is not None
        return YamlError(file, _line_of(text, source.bad), source.bad_problem)

    try:
        root, end = _compose(readable)
    except _ParseError as error:
        if chunk is not None and source.byte_offset(min(error.index + 4, len(readable))) >= chunk:
            raise refuse_bad() from None  # go-yaml's reader reaches the bad chunk before the scanner errs
        raise YamlError(file, error.line, error.problem) from None
    if chunk is not None and source.byte_offset(min(end + 4, len(readable))) >= chunk:
        raise refuse_bad()  # the scanner read (cache(4) after the document) into the chunk that holds it
    decoder = _Decoder()
    try:
        value = decoder.run(root) if root is not None else None
    except _Fail as error:
        raise YamlError(file, error.line, error.problem) from None
    if decoder.type_errors:
        line, problem = decoder.type_errors[0]
        more = len(decoder.type_errors) - 1
        raise YamlError(file, line, problem + (f" (and {more} more)" if more else ""))
    document = Document(file=file, data=value, source=readable)
    config = value.get("config") if isinstance(value, dict) else None
    for key, key_node, value_node in _config_entries(root, readable):
        document.lines[key] = key_node.line
        document.texts[key] = _source(readable, value_node)
        target = value_node.target()
        if target.kind == SCALAR and target.plain:
            document.plain[key] = target.value
        elif target.kind == MAPPING:
            fields: dict[str, tuple[int, str, str | None]] = {}
            for index in range(0, len(target.content) - 1, 2):
                name = _key_text(target.content[index])
                value = target.content[index + 1]
                inner = value.target()
                if name is not None and name not in fields:
                    plain = inner.value if inner.kind == SCALAR and inner.plain else None
                    fields[name] = (target.content[index].line, _source(readable, value), plain)
            document.attributes[key] = fields
        if isinstance(config, dict) and key in config:
            document.values[key] = config[key]
    return document


def read(path: Path | str, file: str | None = None) -> Document:
    """Read and parse the file at ``path`` (``file``: the name shown in errors, default the file name). A UTF-8
    byte-order mark is dropped first, as the CLI's ``readFileStripUTF8BOM`` does (pulumi
    ``sdk/go/common/workspace/loaders.go``); go-yaml then reads a UTF-16 one."""
    path = Path(path)
    name = file or path.name
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise YamlError(name, None, f"cannot read: {error.strerror or error}") from None
    if raw.startswith(b"\xef\xbb\xbf"):  # loaders.go: readFileStripUTF8BOM
        raw = raw[3:]
    data = _decode(raw)
    return parse(data.text, name, data)
