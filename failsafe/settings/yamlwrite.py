"""Writing YAML that go-yaml reads back as the same values, and what a value becomes when go-yaml writes it and
reads it back (the Pulumi CLI's workspace loaders round-trip stack config that way). See
:mod:`failsafe.settings.yaml12`."""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml import events as ev

from failsafe.settings.golang import GoTime, go_format_float, parse_timestamp
from failsafe.settings.yamlbase import (
    _NOT_ALLOWED,
    STR_TAG,
    GoKey,
    GoMap,
    _resolve_untagged,
    go_key,
    key_value,
    resolve_plain,
)
from failsafe.settings.yamldecode import _go_quote

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
