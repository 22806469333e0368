"""Config values as the Pulumi CLI holds them and hands them to the program (pulumi/pulumi v3.259.0).

- ``sdk/go/common/resource/config/object.go``: a stack-file value, once ``loaders.go`` has written the file back and
  read it again (:func:`failsafe.settings.yaml12.roundtrip`), is stored by ``unmarshalObject`` (a ``time.Time`` as
  ``Time.String()``, a key of a ``map[any]any`` with ``%v``, ``{secure: ...}`` as a secret) and ``MarshalString``
  (booleans and numbers as JSON text, strings as they are, sequences and mappings as JSON objects).
- ``sdk/go/common/resource/config/map.go``: a null value is no value, the empty string.
- ``pkg/workspace/config.go`` ``createConfigValue``: a ``Pulumi.yaml`` default as ``%v`` if a string, Go int or bool,
  else as ``json.Marshal`` of the Go value (a timestamp in RFC 3339, quoted).
- ``sdk/go/common/workspace/project.go`` ``ValidateConfigValue``: the type check of declared keys, for a default (a Go
  value) and for a stack value (its text, or the object ``json.Unmarshal`` gives back).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from failsafe.settings import golang, yaml12
from failsafe.settings.errors import as_written


@dataclass(frozen=True)
class CliValue:
    """A config value as the CLI holds it (sdk/go/common/resource/config/value.go): the text it passes to the
    program, and for a YAML sequence or mapping the decoded object (``object: true``, text = its JSON). ``written``
    is the value as the file spells it ("" when it comes from no file), ``changed`` whether the CLI's text differs
    from what a plain scalar says (``060`` handed over as "48")."""

    text: str
    obj: Any = None
    is_object: bool = False
    secure: bool = False
    written: str = ""
    changed: bool = False

    @property
    def content(self) -> Any:
        """What ``validateStackConfigValue`` type-checks: the text, or the object decoded from its JSON."""
        return self.obj if self.is_object else self.text


class CliRefusal(ValueError):
    """The CLI cannot store the value; the message says why in its words."""


def _stack_leaf(value: Any) -> Any:
    """``object.go`` ``unmarshalObject`` of a scalar: a timestamp becomes ``Time.String()``."""
    return value.go_string() if isinstance(value, golang.GoTime) else value


def _stack_mapping(pairs: list[tuple[Any, Any]], original: Any) -> dict[str, Any]:
    """``unmarshalObject`` of a mapping: keys with ``%v`` (so a key of a ``map[interface{}]interface{}`` becomes its
    Go text)."""
    if isinstance(original, yaml12.GoMap):
        return {_sprint(k): v for k, v in pairs}
    return {str(k): v for k, v in pairs}


def _is_secure(value: Any) -> bool:
    """``object.go`` ``isSecureValue``: a mapping of the single key ``secure`` with a string value."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def _contains_secure(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if _is_secure(item):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _not_utf8(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)


def stack_value(value: Any, written: str = "", plain: str | None = None) -> CliValue:
    """What the CLI holds for a stack-file value decoded as ``value`` (go-yaml's first reading): the file is written
    back and read again (:func:`yaml12.roundtrip`), then ``object.go`` stores it (``MarshalString``): null as "",
    booleans and numbers as JSON text, strings as they are, timestamps as ``Time.String()``, ``{secure: ...}`` as a
    secret, sequences and mappings as JSON. ``plain``: the scalar's text when it was written unquoted."""
    try:
        return _stack_value(value, written, plain)
    except golang.JsonError as error:
        raise CliRefusal(str(error)) from None


def _stack_value(value: Any, written: str, plain: str | None) -> CliValue:
    try:
        again = yaml12.roundtrip(value)
    except yaml12.RoundTripError as error:
        raise CliRefusal(str(error)) from None
    if again is None:
        return CliValue("", written=written)  # map.go: null is no value, the empty string (loaders.go warns)
    if isinstance(again, (list, dict)):
        obj = yaml12.rebuild(again, _stack_leaf, _stack_mapping)
        if _is_secure(obj):
            return CliValue(obj["secure"], secure=True, written=written)
        return CliValue(
            golang.json_marshal(obj), obj=obj, is_object=True, secure=_contains_secure(obj), written=written
        )
    if isinstance(again, golang.GoTime):
        text = again.go_string()
    elif isinstance(again, str):
        if _not_utf8(again):
            raise CliRefusal("the value is bytes that are not UTF-8 (from !!binary): the program receives only text")
        text = again
    else:
        text = golang.json_scalar(again)
    return CliValue(text, written=written, changed=plain is not None and text != plain)


def _simplify_for_json(value: Any) -> Any:
    """``createConfigValue``: ``SimplifyMarshalledValue`` then ``json.Marshal`` of the Go value. A mapping with
    non-string keys cannot be marshalled; a timestamp is written as RFC 3339."""

    def leaf(item: Any) -> Any:
        return item.rfc3339nano() if isinstance(item, golang.GoTime) else item

    def mapping(pairs: list[tuple[Any, Any]], original: Any) -> dict[str, Any]:
        bad = [k for k, _ in pairs if not isinstance(k, str)]
        if bad:
            raise CliRefusal(f"expected only string keys, got {as_written(_sprint(bad[0]))}")
        return dict(pairs)

    return yaml12.rebuild(value, leaf, mapping)


def default_value(value: Any, written: str = "", plain: str | None = None) -> CliValue:
    """A ``Pulumi.yaml`` default (or ``value:``) as the CLI stores it (``pkg/workspace/config.go``,
    ``createConfigValue``): ``value`` is the Go value after the project's round trip; strings, Go ints and booleans
    with ``%v``, anything else (floats, uint64, timestamps, lists, mappings) as JSON."""
    try:
        return _default_value(value, written, plain)
    except golang.JsonError as error:
        raise CliRefusal(str(error)) from None


def _default_value(value: Any, written: str, plain: str | None) -> CliValue:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        if _not_utf8(value):
            raise CliRefusal("the value is bytes that are not UTF-8 (from !!binary): the program receives only text")
        text = value
    elif isinstance(value, int) and value <= golang.MAX_INT64:
        text = str(value)
    else:
        simple = _simplify_for_json(value)  # JSON-shaped: what json.Unmarshal of its text gives back
        return CliValue(golang.json_marshal(simple), obj=simple, is_object=True, written=written)
    return CliValue(text, written=written, changed=plain is not None and text != plain)


# --- project.go ValidateConfigValue -------------------------------------------------------------------------------


def _atoi_ok(text: str) -> bool:
    """``strconv.Atoi``: base 10, an optional sign, within int64."""
    return re.fullmatch(r"[+-]?[0-9]+", text) is not None and -(2**63) <= int(text) <= golang.MAX_INT64


def validate_config_value(declared: str, items: tuple[str, ...], value: Any, *, go_value: bool = False) -> bool:
    """workspace/project.go ``ValidateConfigValue``. ``go_value``: ``value`` is a Go value (a project default after
    the round trip: a uint64 is not an ``int``, a timestamp is no string, a ``map[interface{}]interface{}`` no
    object); otherwise it is a stack value's content (its text, or the object ``json.Unmarshal`` gives)."""
    pending: list[tuple[str, tuple[str, ...], Any]] = [(declared, items, value)]
    while pending:
        kind, inner, item = pending.pop()
        if kind == "string":
            ok = isinstance(item, str)
        elif kind == "integer":
            if isinstance(item, bool):
                ok = False
            elif isinstance(item, int):
                ok = not go_value or item <= golang.MAX_INT64
            elif isinstance(item, float):
                ok = not math.isnan(item) and (math.isinf(item) or item == math.trunc(item))
            else:
                ok = isinstance(item, str) and _atoi_ok(item)
        elif kind == "boolean":
            ok = isinstance(item, bool) or item in ("true", "false")
        elif kind == "object":
            ok = type(item) is dict
        else:  # "array" (or any other name: the CLI's fall-through)
            ok = isinstance(item, list) and bool(inner)
            if ok:
                pending.extend((inner[0], inner[1:], element) for element in item)
        if not ok:
            return False
    return True


def cli_type_ok(declared: str, items: str | None, value: Any) -> bool:
    """:func:`validate_config_value` for a stack value's content with one level of array items."""
    return validate_config_value(declared, (items,) if items else (), value)


def command_line_value(value: Any) -> CliValue:
    """A value set on the command line (``--set``, a what-if): strings as given, booleans and numbers as their text,
    lists and mappings as JSON (what ``pulumi config set`` stores)."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return CliValue(text=str(value["secure"]), secure=True)
    if isinstance(value, (list, tuple, dict)):
        obj = yaml12.rebuild(list(value) if isinstance(value, tuple) else value, _stack_leaf, _stack_mapping)
        return CliValue(golang.json_marshal(obj), obj=obj, is_object=True)
    if isinstance(value, bool):
        return CliValue("true" if value else "false")
    if isinstance(value, float):
        return CliValue(golang.json_float(value))
    return CliValue("" if value is None else str(value))


def _sprint(key: Any) -> str:
    """``fmt.Sprintf("%v", key)`` of a decoded map key."""
    return golang.sprint_key(yaml12.key_value(key))
