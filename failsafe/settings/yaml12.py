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

import binascii
import math
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from failsafe.settings import golang

# the Go values a document holds, and the strconv and time functions resolve.go uses (failsafe.settings.golang)
MAX_INT64 = golang.MAX_INT64
MAX_UINT64 = golang.MAX_UINT64
GoTime = golang.GoTime
go_format_float = golang.go_format_float
go_parse_int = golang.go_parse_int
go_parse_uint = golang.go_parse_uint
parse_float = golang.parse_float
parse_timestamp = golang.parse_timestamp

# --- tags (resolve.go) --------------------------------------------------------------------------------------------

NULL_TAG = "!!null"
BOOL_TAG = "!!bool"
STR_TAG = "!!str"
INT_TAG = "!!int"
FLOAT_TAG = "!!float"
TIMESTAMP_TAG = "!!timestamp"
SEQ_TAG = "!!seq"
MAP_TAG = "!!map"
BINARY_TAG = "!!binary"
MERGE_TAG = "!!merge"
LONG_TAG_PREFIX = "tag:yaml.org,2002:"
_RESOLVABLE = frozenset({"", STR_TAG, BOOL_TAG, INT_TAG, FLOAT_TAG, NULL_TAG, TIMESTAMP_TAG})  # resolvableTag

MAX_DEPTH = 10000  # scannerc.go: max_flow_level, max_indents
INPUT_CHUNK = 512  # yamlprivateh.go: input_raw_buffer_size


def short_tag(tag: str) -> str:
    """resolve.go ``shortTag``: ``tag:yaml.org,2002:int`` is ``!!int``; other tags are kept as written."""
    if tag.startswith(LONG_TAG_PREFIX):
        return "!!" + tag[len(LONG_TAG_PREFIX) :]
    return tag


class GoMap(dict[Any, Any]):
    """A YAML mapping whose keys are not all strings: go-yaml v3 decodes it into ``map[interface{}]interface{}``
    (``decode.go``, ``isStringMap``), which the Pulumi CLI treats differently from a string map. Keys are the decoded
    values; boolean and float keys are wrapped in :class:`GoKey`, because Go keeps ``true``, ``1`` and ``1.0`` apart
    and a Python dict would not."""


@dataclass(frozen=True)
class GoKey:
    """A boolean or float key of a :class:`GoMap` (``kind`` ``"bool"`` or ``"float"``)."""

    kind: str
    value: Any


def go_key(value: Any) -> Any:
    """``value`` as a :class:`GoMap` key."""
    if isinstance(value, bool):
        return GoKey("bool", value)
    if isinstance(value, float):
        return GoKey("float", value)
    return value


def key_value(key: Any) -> Any:
    """The decoded value of a :class:`GoMap` key."""
    return key.value if isinstance(key, GoKey) else key


class _Fail(Exception):
    """go-yaml's ``failf``: decoding stops at once (``problem`` in go-yaml's words, ``line`` where known)."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


class YamlError(ValueError):
    """A file the CLI would not load; ``str()`` is ``<file>:<line>: <problem>``."""

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {problem}")


_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")  # resolve.go: yamlStyleFloat
# strconv.ParseFloat's decimal syntax for a text that starts with "." (underscores only between digits: underscoreOK)
_GO_DOT_FLOAT = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?")


# --- resolve.go -------------------------------------------------------------------------------------------------

_SPECIAL: dict[str, tuple[str, Any]] = {  # resolve.go: resolveMap
    **{s: (BOOL_TAG, True) for s in ("true", "True", "TRUE")},
    **{s: (BOOL_TAG, False) for s in ("false", "False", "FALSE")},
    **{s: (NULL_TAG, None) for s in ("", "~", "null", "Null", "NULL")},
    **{s: (FLOAT_TAG, math.nan) for s in (".nan", ".NaN", ".NAN")},
    **{s: (FLOAT_TAG, math.inf) for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: (FLOAT_TAG, -math.inf) for s in ("-.inf", "-.Inf", "-.INF")},
    "<<": (MERGE_TAG, "<<"),
}
_HINT_MAP = frozenset("yYnNtTfFoO~")  # resolveTable 'M'


def _resolve_untagged(tag: str, text: str) -> tuple[str, Any]:
    first = text[:1]
    if first and first not in _HINT_MAP and first not in ".+-" and not "0" <= first <= "9":
        return STR_TAG, text  # hint 0: no lookup
    if text in _SPECIAL:
        return _SPECIAL[text]
    if first == ".":
        if _GO_DOT_FLOAT.fullmatch(text):
            number = parse_float(text)
            if number is not None:
                return FLOAT_TAG, number
        return STR_TAG, text
    if first and (first in "+-" or "0" <= first <= "9"):
        if tag in ("", TIMESTAMP_TAG):
            stamp = parse_timestamp(text)
            if stamp is not None:
                return TIMESTAMP_TAG, stamp
        plain = text.replace("_", "")
        number_int = go_parse_int(plain)
        if number_int is None and plain[:1] != "+":
            number_int = go_parse_uint(plain)
        if number_int is not None:
            return INT_TAG, number_int
        if _YAML_STYLE_FLOAT.fullmatch(plain):
            number = parse_float(plain)
            if number is not None:
                return FLOAT_TAG, number
        # resolve.go's 0b/-0b/0o/-0o fallbacks parse what ParseInt(s, 0, 64) already parsed: nothing new
    return STR_TAG, text


def resolve(tag: str, text: str) -> tuple[str, Any]:
    """resolve.go ``resolve``: the tag and value go-yaml v3 gives a scalar with tag ``tag`` ("" for none). An explicit
    tag the text does not fit raises go-yaml's "cannot decode" (``!!float`` accepts an integer, as a float)."""
    tag = short_tag(tag)
    if tag not in _RESOLVABLE:
        return tag, text
    if tag == STR_TAG:
        return STR_TAG, text
    rtag, value = _resolve_untagged(tag, text)
    if tag in ("", rtag):
        return rtag, value
    if tag == FLOAT_TAG and rtag == INT_TAG and value <= MAX_INT64:  # the deferred int -> float (not uint64)
        return FLOAT_TAG, float(value)
    raise _Fail(f"cannot decode {rtag} `{text}` as a {tag}")


def resolve_plain(text: str) -> tuple[str, Any]:
    """The tag and value go-yaml v3 gives the plain (unquoted, untagged) scalar ``text``."""
    return resolve("", text)


_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _binary(text: str) -> str:
    """``base64.StdEncoding.DecodeString`` (line breaks skipped, padding required); the bytes as a string, bytes that
    are not UTF-8 kept as surrogate escapes."""
    compact = text.replace("\r", "").replace("\n", "")
    if not _BASE64.fullmatch(compact):
        raise _Fail("!!binary value contains invalid base64 data")
    return binascii.a2b_base64(compact).decode("utf-8", "surrogateescape")


# --- input: encodings and the characters go-yaml's reader refuses ------------------------------------------------

_NOT_ALLOWED = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass
class _Input:
    text: str
    encoding: str
    prefix: int  # bytes before the text in go-yaml's input (its byte-order mark)
    bad: int | None = None  # index of the first character go-yaml's reader refuses
    bad_problem: str = ""

    def byte_offset(self, index: int) -> int:
        head = self.text[:index]
        if self.encoding == "utf-8":
            return self.prefix + len(head.encode("utf-8", "surrogateescape"))
        return self.prefix + len(head.encode("utf-16-le", "surrogatepass"))


def _decode(raw: bytes) -> _Input:
    """readerc.go ``yaml_parser_determine_encoding``: the byte-order mark, else UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if raw[0] == 0xFF else "utf-16-be"
        body = raw[2 : len(raw) - (len(raw) % 2)]
        data = _Input(body.decode(codec, "surrogatepass"), codec, 2)
        odd = len(raw) % 2 == 1
    else:
        prefix = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        data = _Input(raw[prefix:].decode("utf-8", "surrogateescape"), "utf-8", prefix)
        odd = False
    match = _NOT_ALLOWED.search(data.text)
    if match:
        char = match.group()
        data.bad = match.start()
        if "\udc80" <= char <= "\udcff" and data.encoding == "utf-8":
            data.bad_problem = f"invalid UTF-8 (byte 0x{ord(char) - 0xDC00:02X})"
        elif "\ud800" <= char <= "\udfff":
            data.bad_problem = "invalid UTF-16 (an unpaired surrogate)"
        else:
            data.bad_problem = f"control characters are not allowed (U+{ord(char):04X})"
    elif odd:
        data.bad, data.bad_problem = len(data.text), "incomplete UTF-16 character sequence"
    return data


def _line_of(text: str, index: int) -> int:
    return len(_BREAK.findall(text, 0, index)) + 1


# --- nodes: decode.go's parser over libyaml's events ---------------------------------------------------------------

DOCUMENT, SEQUENCE, MAPPING, SCALAR, ALIAS = range(1, 6)  # yaml.v3 Kind


@dataclass(eq=False, repr=False, slots=True)
class Node:
    """A yaml.v3 ``Node``: ``tag`` short (``!!str``), ``start``/``end`` character indexes of the source text."""

    kind: int
    tag: str
    value: str
    line: int
    start: int
    end: int = 0
    content: list[Node] = field(default_factory=list)
    alias: Node | None = None
    plain: bool = False  # a scalar written without quotes or tag

    @property
    def short_tag(self) -> str:
        """yaml.v3 ``Node.ShortTag``: an alias has its anchor's tag."""
        node: Node = self
        while node.kind == ALIAS and node.alias is not None:
            node = node.alias
        return node.tag

    def target(self) -> Node:
        """The node an alias stands for (itself for any other node)."""
        node: Node = self
        seen = 0
        while node.kind == ALIAS and node.alias is not None and seen < 100:
            node, seen = node.alias, seen + 1
        return node


def _is_merge(node: Node) -> bool:
    """decode.go ``isMerge``: a ``<<`` key (plain, or tagged ``!!merge``)."""
    return node.kind == SCALAR and node.value == "<<" and node.tag == MERGE_TAG


class PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python port of libyaml's scanner and parser: used where PyYAML was built without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def dispose(self) -> None:
        """Nothing to free (libyaml's parser needs it)."""


# libyaml's parser (only its events are used): go-yaml v3 is libyaml's Go port, and it is 15 times faster
_Parser: Callable[[str], Any] = yaml.CBaseLoader if yaml.__with_libyaml__ else PureParser


class _ParseError(Exception):
    def __init__(self, index: int, line: int | None, problem: str) -> None:
        super().__init__(problem)
        self.index = index
        self.line = line
        self.problem = problem


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _compose(text: str) -> tuple[Node | None, int]:
    """decode.go ``parser.parse`` of the first document: its node tree and the index where it ended."""
    parser = _Parser(text)
    try:
        return _compose_events(parser, text)
    except yaml.MarkedYAMLError as error:
        at = error.problem_mark or error.context_mark  # where the scanner was
        mark = error.context_mark or error.problem_mark  # the line go-yaml names: the construct's start
        problem = _one_line(" ".join(p for p in (error.context, error.problem) if p) or str(error))
        raise _ParseError(at.index if at else len(text), mark.line + 1 if mark else None, problem) from None
    except yaml.YAMLError as error:
        raise _ParseError(len(text), None, _one_line(str(error))) from None
    finally:
        parser.dispose()


def _node_tag(kind: int, tag: str | None, default: str, value: str) -> str:
    """decode.go ``parser.node``: an explicit tag (shortened), else the default, else (plain scalars) the resolved
    one."""
    if tag and tag != "!":
        return short_tag(tag)
    if default:
        return default
    if kind == SCALAR:
        return _resolve_untagged("", value)[0]
    return ""


def _compose_events(parser: Any, text: str) -> tuple[Node | None, int]:
    parser.get_event()  # StreamStartEvent
    first: Any = parser.peek_event()
    if isinstance(first, ev.StreamEndEvent):
        end = first.start_mark
        return None, end.index if end is not None else len(text)
    start = parser.get_event()  # DocumentStartEvent
    document = Node(DOCUMENT, "", "", start.start_mark.line + 1, start.start_mark.index)
    anchors: dict[str, Node] = {}
    stack: list[tuple[Node, bool, bool]] = [(document, False, False)]  # node, counted as flow, pushed an indent
    flow = indents = 0
    while True:
        event = parser.get_event()
        kind = type(event)
        if kind is ev.ScalarEvent:
            style = event.style
            quoted = bool(style)
            default = STR_TAG if quoted else (MERGE_TAG if event.value == "<<" else "")
            node = Node(
                SCALAR,
                _node_tag(SCALAR, event.tag, default, event.value),
                event.value,
                event.start_mark.line + 1,
                event.start_mark.index,
                event.end_mark.index,
            )
            node.plain = not quoted and event.tag in (None, "!")
            stack[-1][0].content.append(node)
            if event.anchor is not None:
                anchors[event.anchor] = node
        elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
            is_map = kind is ev.MappingStartEvent
            node_kind = MAPPING if is_map else SEQUENCE
            node = Node(
                node_kind,
                _node_tag(node_kind, event.tag, MAP_TAG if is_map else SEQ_TAG, ""),
                "",
                event.start_mark.line + 1,
                event.start_mark.index,
            )
            counted = pushed = False
            end = event.end_mark.index
            if event.flow_style:  # '[' and '{' raise the flow level; a single pair inside [ ] has no '{'
                counted = not is_map or text[end - 1 : end] == "{"
                flow += counted
                if flow > MAX_DEPTH:
                    raise _ParseError(node.start, node.line, f"exceeded max depth of {MAX_DEPTH}")
            else:  # a block collection pushes an indent, except a sequence at its mapping's indentation
                pushed = is_map or text[end : end + 1] == "-"
                indents += pushed
                if indents > MAX_DEPTH:
                    raise _ParseError(node.start, node.line, f"exceeded max depth of {MAX_DEPTH}")
            stack[-1][0].content.append(node)
            if event.anchor is not None:
                anchors[event.anchor] = node
            stack.append((node, counted, pushed))
        elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
            node, counted, pushed = stack.pop()
            node.end = event.end_mark.index
            flow -= counted
            indents -= pushed
        elif kind is ev.AliasEvent:
            target = anchors.get(event.anchor)
            if target is None:
                raise _ParseError(event.start_mark.index, event.start_mark.line + 1, _unknown_anchor(event.anchor))
            node = Node(ALIAS, "", event.anchor, event.start_mark.line + 1, event.start_mark.index)
            node.end = event.end_mark.index
            node.alias = target
            stack[-1][0].content.append(node)
        elif kind is ev.DocumentEndEvent:
            document.end = event.start_mark.index
            return document, event.start_mark.index
        else:  # pragma: no cover - libyaml emits nothing else inside a document
            raise _ParseError(event.start_mark.index, event.start_mark.line + 1, f"unexpected {kind.__name__}")


def _unknown_anchor(name: str) -> str:
    return f"unknown anchor '{name}' referenced"


# --- decode.go: the decoder, into interface{} ------------------------------------------------------------------------

ALIAS_RATIO_RANGE_LOW = 400_000  # decode.go: alias_ratio_range_low
ALIAS_RATIO_RANGE_HIGH = 4_000_000  # decode.go: alias_ratio_range_high


def allowed_alias_ratio(decode_count: int) -> float:
    """decode.go ``allowedAliasRatio``: 99% of a document's decoding may come from aliases up to 400,000 steps,
    falling smoothly to 10% at 4,000,000."""
    if decode_count <= ALIAS_RATIO_RANGE_LOW:
        return 0.99
    if decode_count >= ALIAS_RATIO_RANGE_HIGH:
        return 0.10
    span = float(ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW)
    return 0.99 - 0.89 * (float(decode_count - ALIAS_RATIO_RANGE_LOW) / span)


_IFACE = "iface"  # decode into interface{}
_STRING = "string"  # decode into a Go string (the key of a string map)
_Target = str | dict[Any, Any]  # _IFACE, _STRING, or an existing map (merging into it)
_Result = tuple[bool, Any]
_Frame = Generator[tuple[Node, _Target], _Result, _Result]


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    return "a sequence"


class _Decoder:
    """decode.go ``decoder``, driven without recursion: each composite node is a generator that yields the child
    nodes it decodes, so nesting costs heap, not Python stack. Counts decode steps as go-yaml does, so the alias
    rule trips on the same documents."""

    def __init__(self) -> None:
        self.decode_count = 0
        self.alias_count = 0
        self.alias_depth = 0
        self.active: set[int] = set()  # decode.go: d.aliases (alias nodes being expanded)
        self.outer_alias: Node | None = None
        self.merged_fields: dict[Any, bool] | None = None
        self.type_errors: list[tuple[int, str]] = []

    def run(self, root: Node) -> Any:
        result = self.unmarshal(root, _IFACE)
        if isinstance(result, tuple):
            return result[1]
        stack: list[_Frame] = [result]
        send: _Result | None = None
        while True:
            try:
                request = stack[-1].send(send)  # type: ignore[arg-type]
            except StopIteration as stop:
                stack.pop()
                if not stack:
                    return stop.value[1]
                send = stop.value
                continue
            child = self.unmarshal(*request)
            if isinstance(child, tuple):
                send = child
            else:
                stack.append(child)
                send = None

    def unmarshal(self, node: Node, target: _Target) -> _Result | _Frame:
        self.decode_count += 1
        if self.alias_depth > 0:
            self.alias_count += 1
        if (
            self.alias_count > 100
            and self.decode_count > 1000
            and float(self.alias_count) / float(self.decode_count) > allowed_alias_ratio(self.decode_count)
        ):
            where = self.outer_alias or node
            raise _Fail(
                f"document contains excessive aliasing (alias *{where.value} expands to more than go-yaml v3 "
                f"allows: {self.alias_count} of {self.decode_count} decoding steps)",
                where.line,
            )
        kind = node.kind
        if kind == SCALAR:
            return self.scalar(node, target)
        if kind == DOCUMENT:
            return self.document(node)
        if kind == ALIAS:
            return self.alias(node, target)
        if kind == MAPPING:
            return self.mapping(node, target)
        return self.sequence(node, target)

    def document(self, node: Node) -> _Frame:
        if len(node.content) == 1:
            return (yield node.content[0], _IFACE)
        return False, None

    def alias(self, node: Node, target: _Target) -> _Frame:
        if id(node) in self.active:
            raise _Fail(f"anchor '{node.value}' value contains itself", node.line)
        self.active.add(id(node))
        if self.alias_depth == 0:
            self.outer_alias = node
        self.alias_depth += 1
        assert node.alias is not None
        result = yield node.alias, target
        self.alias_depth -= 1
        if self.alias_depth == 0:
            self.outer_alias = None
        self.active.discard(id(node))
        return result

    def scalar(self, node: Node, target: _Target) -> _Result:
        resolved: Any
        if node.tag == STR_TAG:
            tag, resolved = STR_TAG, node.value
        else:
            try:
                tag, resolved = resolve(node.tag, node.value)
                if tag == BINARY_TAG:
                    resolved = _binary(resolved)
            except _Fail as error:
                error.line = node.line
                raise
        if target == _STRING:
            if resolved is None:
                return False, None  # decode.go d.null: a Go string cannot hold null
            return True, resolved if isinstance(resolved, str) else node.value
        return True, resolved

    def sequence(self, node: Node, target: _Target) -> _Frame:
        if target != _IFACE:
            self.type_error(node, SEQ_TAG, target)
            return False, None
        items: list[Any] = []
        for child in node.content:
            good, value = yield child, _IFACE
            if good:
                items.append(value)
        return True, items

    def type_error(self, node: Node, tag: str, target: _Target) -> None:
        into = "string" if target == _STRING else "map"
        self.type_errors.append((node.line, f"cannot unmarshal {node.tag or tag} into {into}"))

    def mapping(self, node: Node, target: _Target) -> _Frame:
        content = node.content
        pairs = len(content) // 2
        # decode.go: uniqueKeys, keys compared by kind and text (so 1 and '1' are one key)
        first: dict[tuple[int, str], int] = {}
        duplicate: tuple[int, int] | None = None  # go-yaml reports pairs in (i, j) order: the first is the earliest
        for index in range(pairs):
            key = content[2 * index]
            spot = (key.kind, key.value)
            if spot not in first:
                first[spot] = index
            elif duplicate is None or first[spot] < duplicate[0]:
                duplicate = (first[spot], index)
        if duplicate is not None:
            original, again = content[2 * duplicate[0]], content[2 * duplicate[1]]
            self.type_errors.append(
                (again.line, f"mapping key {_go_quote(again.value)} already defined at line {original.line}")
            )
            return False, None
        if target == _STRING:
            self.type_error(node, MAP_TAG, target)
            return False, None
        if isinstance(target, dict):
            out = target
        else:
            string_keys = all(content[2 * i].short_tag in (STR_TAG, MERGE_TAG) for i in range(pairs))
            out = {} if string_keys else GoMap()
        key_target = _IFACE if isinstance(out, GoMap) else _STRING
        merged_fields = self.merged_fields
        self.merged_fields = None
        merge_node: Node | None = None
        for index in range(pairs):
            key_node, value_node = content[2 * index], content[2 * index + 1]
            if _is_merge(key_node):
                merge_node = value_node
                continue
            good, key = yield key_node, key_target
            if not good:
                continue
            if key_target == _IFACE:
                key = go_key(key)
            if isinstance(key, (list, dict)):
                raise _Fail(f"invalid map key: {_describe(key)}", key_node.line)
            if merged_fields is not None:
                if key in merged_fields:
                    continue
                merged_fields[key] = True
            good, value = yield value_node, _IFACE
            if good or (value_node.short_tag == NULL_TAG and key not in out):
                out[key] = value
        self.merged_fields = merged_fields
        if merge_node is not None:
            yield from self.merge(node, merge_node, out)
        return True, out

    def merge(self, parent: Node, merge: Node, out: dict[Any, Any]) -> Generator[tuple[Node, _Target], _Result, None]:
        merged_fields = self.merged_fields
        if merged_fields is None:
            self.merged_fields = {}
            for index in range(0, len(parent.content) - 1, 2):
                good, key = yield parent.content[index], _IFACE
                if good:
                    key = go_key(key) if isinstance(out, GoMap) else key
                    if isinstance(key, (list, dict)):
                        raise _Fail(f"invalid map key: {_describe(key)}", parent.content[index].line)
                    self.merged_fields[key] = True
        want_map = "map merge requires map or sequence of maps as the value"
        if merge.kind == MAPPING:
            yield merge, out
        elif merge.kind == ALIAS:
            if merge.alias is not None and merge.alias.kind != MAPPING:
                raise _Fail(want_map, merge.line)
            yield merge, out
        elif merge.kind == SEQUENCE:
            for item in merge.content:
                if item.kind == ALIAS:
                    if item.alias is not None and item.alias.kind != MAPPING:
                        raise _Fail(want_map, item.line)
                elif item.kind != MAPPING:
                    raise _Fail(want_map, item.line)
                yield item, out
        else:
            raise _Fail(want_map, merge.line)
        self.merged_fields = merged_fields


def _go_quote(text: str) -> str:
    """Go's ``%#v`` of a string, close enough for a message: double quotes, backslash escapes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


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


# --- writing YAML that go-yaml reads back as the same values -----------------------------------------------------


def _scalar_event(value: Any) -> ev.ScalarEvent:
    if value is None:
        return ev.ScalarEvent(None, None, (True, False), "null")
    if isinstance(value, bool):
        return ev.ScalarEvent(None, None, (True, False), "true" if value else "false")
    if isinstance(value, int):
        return ev.ScalarEvent(None, None, (True, False), str(value))
    if isinstance(value, float):
        text = go_format_float(value)
        text = {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
        return ev.ScalarEvent(None, None, (True, False), text)
    if isinstance(value, GoTime):
        return ev.ScalarEvent(None, None, (True, False), value.rfc3339nano())
    text = str(value)
    if any("\udc80" <= c <= "\udcff" for c in text):  # bytes that are not UTF-8: base64, as go-yaml's encoder
        encoded = binascii.b2a_base64(text.encode("utf-8", "surrogateescape"), newline=False).decode()
        return ev.ScalarEvent(None, "tag:yaml.org,2002:binary", (False, False), encoded)
    plain_ok = (
        _resolve_untagged("", text)[0] == STR_TAG
        and text == text.strip()
        and "\n" not in text
        and not _NOT_ALLOWED.search(text)
    )
    return ev.ScalarEvent(None, None, (plain_ok, True), text, style=None if plain_ok else '"')


def dump(data: Any) -> str:
    """YAML (block style, keys in order) that go-yaml v3 decodes back into ``data``: strings that go-yaml would read
    as something else are quoted (go-yaml's own encoder does the same: ``encode.go``, ``stringv``); numbers, times
    and special floats are written as go-yaml's encoder writes them. Iterative, like the reader."""
    events: list[ev.Event] = [ev.StreamStartEvent(), ev.DocumentStartEvent(explicit=False)]
    stack: list[Iterator[Any]] = []

    def open_node(value: Any) -> None:
        if isinstance(value, dict):
            events.append(ev.MappingStartEvent(None, None, True, flow_style=not value))
            stack.append(iter([("map-end", None)] if not value else [*_pairs(value), ("map-end", None)]))
        elif isinstance(value, list):
            events.append(ev.SequenceStartEvent(None, None, True, flow_style=not value))
            stack.append(iter([*(("item", v) for v in value), ("seq-end", None)]))
        else:
            events.append(_scalar_event(value))

    open_node(data)
    while stack:
        kind, value = next(stack[-1])
        if kind == "map-end":
            events.append(ev.MappingEndEvent())
            stack.pop()
        elif kind == "seq-end":
            events.append(ev.SequenceEndEvent())
            stack.pop()
        elif kind == "key":
            events.append(_scalar_event(value))
        else:
            open_node(value)
    events += [ev.DocumentEndEvent(explicit=False), ev.StreamEndEvent()]
    return str(yaml.emit(events, Dumper=yaml.SafeDumper, allow_unicode=True, width=1 << 30))


def _pairs(mapping: dict[Any, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        yield "key", key
        yield "value", value


# --- what a value becomes when go-yaml writes it and reads it back ------------------------------------------------


def rebuild(value: Any, scalar: Callable[[Any], Any], mapping: Callable[[list[tuple[Any, Any]], Any], Any]) -> Any:
    """A copy of nested lists and mappings, ``scalar`` applied to every key and leaf and ``mapping`` building each
    mapping from its converted pairs (``original`` is the source mapping); iterative, so any depth the reader accepts
    is fine."""
    if not isinstance(value, (list, dict)):
        return scalar(value)
    # frame: [source, iterator, converted items, key waiting for its value, is a mapping]
    stack: list[list[Any]] = [[value, iter(value.items() if isinstance(value, dict) else value), [], None]]
    while True:
        frame = stack[-1]
        source, items, out = frame[0], frame[1], frame[2]
        is_map = isinstance(source, dict)
        descended = False
        for item in items:
            key, child = item if is_map else (None, item)
            if isinstance(child, (list, dict)):
                frame[3] = scalar(key) if is_map else None
                stack.append([child, iter(child.items() if isinstance(child, dict) else child), [], None])
                descended = True
                break
            out.append((scalar(key), scalar(child)) if is_map else scalar(child))
        if descended:
            continue
        stack.pop()
        built = mapping(out, source) if is_map else out
        if not stack:
            return built
        parent = stack[-1]
        parent[2].append((parent[3], built) if isinstance(parent[0], dict) else built)


def _roundtrip_scalar(value: Any) -> Any:
    if isinstance(value, GoKey):
        again = _roundtrip_scalar(value.value)
        return go_key(again)
    if isinstance(value, float):
        text = go_format_float(value)
        return resolve_plain({"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text))[1]
    if isinstance(value, GoTime):
        return parse_timestamp(value.rfc3339nano())
    return value


class RoundTripError(ValueError):
    """go-yaml cannot read back what it wrote (two keys that now print the same, such as ``1`` and ``1.0``)."""


def _written_key(key: Any) -> str:
    value = key_value(key)
    event = _scalar_event(value)
    return str(event.value)


def _roundtrip_mapping(pairs: list[tuple[Any, Any]], original: Any) -> dict[Any, Any]:
    if all(isinstance(k, str) for k, _ in pairs):
        return dict(pairs)
    texts = [_written_key(k) for k, _ in pairs]
    if len(set(texts)) < len(texts):
        again = next(t for t in texts if texts.count(t) > 1)
        raise RoundTripError(f"mapping key {_go_quote(again)} already defined once the file is written back")
    return GoMap(pairs)


def roundtrip(value: Any) -> Any:
    """``value`` after go-yaml v3 writes it (``encode.go``: floats as ``FormatFloat(f, 'g', -1, 64)``, times as
    RFC 3339 with nanoseconds, strings quoted where they would read as something else) and reads it back into
    ``interface{}``: what the Pulumi CLI's loaders do to every file before using it (``loaders.go``,
    ``LoadProjectBytes`` and ``LoadProjectStackBytes``: Unmarshal, Marshal, Unmarshal). So ``6e1`` (60.0) comes back
    as the integer 60, ``1e+06`` stays a float, a ``+00:00`` offset becomes UTC."""
    return rebuild(value, _roundtrip_scalar, _roundtrip_mapping)
