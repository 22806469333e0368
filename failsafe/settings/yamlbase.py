"""The base of the go-yaml v3 port (see :mod:`failsafe.settings.yaml12`): tags, resolving plain scalars
(``resolve.go``), Go map keys, errors, and the input reader (``readerc.go``: encodings and refused characters)."""

from __future__ import annotations

import binascii
import math
import re
from dataclasses import dataclass
from typing import Any

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
