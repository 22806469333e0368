"""The go-yaml v3 port's nodes and decoder (see :mod:`failsafe.settings.yaml12`): libyaml's events composed into
nodes as ``decode.go``'s parser does, then decoded into Go values as ``decoder.unmarshal`` does, aliases counted
(``allowedAliasRatio``), without recursion."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml import events as ev

from failsafe.settings.yamlbase import (
    BINARY_TAG,
    MAP_TAG,
    MAX_DEPTH,
    MERGE_TAG,
    NULL_TAG,
    SEQ_TAG,
    STR_TAG,
    GoMap,
    _binary,
    _Fail,
    _resolve_untagged,
    go_key,
    resolve,
    short_tag,
)

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
