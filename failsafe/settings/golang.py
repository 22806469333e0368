"""Go's standard library as the Pulumi CLI's code uses it, for reading its config without it: ``strconv`` (the
integer and float syntax go-yaml's ``resolve.go`` accepts, and the float formats its encoder and ``encoding/json``
write), ``time`` (``time.Parse`` with go-yaml's timestamp layouts, ``Time.String()``, RFC 3339, the local zone),
``encoding/json`` (``json.Marshal``: sorted keys, HTML escaping) and ``fmt``'s ``%v`` of a map key.

Sources: the Go standard library at 1.25 (pulumi/pulumi's go.mod: ``go 1.25.11``): ``strconv/atoi.go``
(``ParseUint``, ``ParseInt`` with base 0), ``strconv/atof.go`` (``ParseFloat``: ``ErrRange`` on overflow),
``strconv/ftoa.go`` (``FormatFloat`` with precision -1: the shortest digits, ``%e`` below 1e-4 or from 1e+6 in
``g``), ``time/format.go`` (``parse``, ``Time.Format``, ``Time.String``), ``time/zoneinfo_unix.go`` (``initLocal``),
``encoding/json/encode.go`` (``floatEncoder``, ``appendString``). Everything here is iterative.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_INT64 = 2**63 - 1
MAX_UINT64 = 2**64 - 1


class JsonError(ValueError):
    """``json.Marshal`` refuses the value (NaN, an infinity, a type JSON has no form for)."""


# --- Go's strconv, as resolve.go calls it -------------------------------------------------------------------------


def _digit(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - 48
    lower = char.lower()
    if "a" <= lower <= "z" and char.isascii():
        return ord(lower) - 87
    return 99


def go_parse_uint(text: str) -> int | None:
    """``strconv.ParseUint(text, 0, 64)``: the base from the prefix (``0x``, ``0o``, ``0b`` with at least one digit
    after; any other leading 0 means octal); None where Go returns an error."""
    if not text:
        return None
    base, body = 10, text
    if text[0] == "0":
        prefix = text[1:2].lower()
        if len(text) >= 3 and prefix in ("b", "o", "x"):
            base, body = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
        else:
            base, body = 8, text[1:]
    if any(_digit(c) >= base for c in body):
        return None
    value = int(body, base) if body else 0
    return value if value <= MAX_UINT64 else None


def go_parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``: an optional sign, then :func:`go_parse_uint`, within int64."""
    negative = text[:1] == "-"
    body = text[1:] if text[:1] in ("+", "-") else text
    magnitude = go_parse_uint(body)
    if magnitude is None:
        return None
    if negative:
        return -magnitude if magnitude <= MAX_INT64 + 1 else None
    return magnitude if magnitude <= MAX_INT64 else None


def parse_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)`` of a syntactically valid decimal (underscores between digits allowed): None
    where it overflows (``ErrRange``); an underflow is 0, as in Go."""
    value = float(text.replace("_", ""))
    return None if math.isinf(value) else value


def go_format_float(value: float, fmt: str = "g") -> str:
    """``strconv.FormatFloat(value, fmt, -1, 64)`` for ``fmt`` in g, e, f: Go's shortest digits (the same digits
    Python's ``repr`` chooses), ``%e`` for exponents below -4 or from 6 on in ``g`` mode, two-digit exponents."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    negative = math.copysign(1.0, value) < 0
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - ((len(whole + fraction)) - len((whole + fraction).lstrip("0")))
    digits = digits.rstrip("0")
    if not digits:  # zero
        return "-0" if negative else "0"
    count = len(digits)
    use_e = fmt == "e" or (fmt == "g" and not -4 <= point - 1 < 6)
    sign = "-" if negative else ""
    if use_e:
        exp = point - 1
        head = digits[0] + ("." + digits[1:] if count > 1 else "")
        return f"{sign}{head}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= count:
        return f"{sign}{digits}{'0' * (point - count)}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


# --- timestamps: Go's time.Parse with resolve.go's four layouts, and time.Time's formats --------------------------


@dataclass(frozen=True)
class GoTime:
    """A ``time.Time`` as go-yaml v3 decodes a timestamp: the wall clock as written (nanoseconds kept), the zone offset
    in seconds east of UTC, and the zone's name: ``"UTC"``, the abbreviation of the machine's local zone when the
    written offset is the one it has at that instant (Go's ``time.Parse``), or ``""`` for a fixed offset."""

    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    second: int = 0
    nanosecond: int = 0
    offset: int = 0
    zone: str = "UTC"

    def _clock(self, separator: str) -> str:
        fraction = f".{self.nanosecond:09d}".rstrip("0") if self.nanosecond else ""
        return (
            f"{self.year:04d}-{self.month:02d}-{self.day:02d}{separator}"
            f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}{fraction}"
        )

    def _numeric_zone(self, colon: bool) -> str:
        minutes = abs(self.offset) // 60
        sign = "-" if self.offset < 0 else "+"
        return f"{sign}{minutes // 60:02d}{':' if colon else ''}{minutes % 60:02d}"

    def go_string(self) -> str:
        """``Time.String()``: ``2006-01-02 15:04:05.999999999 -0700 MST`` (an unnamed zone prints as ``-0700``)."""
        numeric = self._numeric_zone(colon=False)
        return f"{self._clock(' ')} {numeric} {self.zone or numeric}"

    def rfc3339nano(self) -> str:
        """``Time.Format(time.RFC3339Nano)``: what go-yaml's encoder writes and Go's ``json.Marshal`` quotes."""
        return self._clock("T") + ("Z" if self.offset == 0 else self._numeric_zone(colon=True))

    def unix(self) -> int:
        """Seconds since 1970-01-01T00:00:00Z of the instant (proleptic Gregorian, year 0 included)."""
        year = self.year - (self.month <= 2)
        era = year // 400
        year_of_era = year - era * 400
        day_of_year = (153 * (self.month + (-3 if self.month > 2 else 9)) + 2) // 5 + self.day - 1
        day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
        days = era * 146097 + day_of_era - 719468
        return days * 86400 + self.hour * 3600 + self.minute * 60 + self.second - self.offset

    def __str__(self) -> str:
        return self.go_string()


_LOCAL: dict[str | None, zoneinfo.ZoneInfo | None] = {}


def _go_local_zone() -> zoneinfo.ZoneInfo | None:
    """Go's ``time.Local`` (zoneinfo_unix.go, ``initLocal``): ``$TZ`` unset is /etc/localtime, empty or ``UTC`` is
    UTC, ``:name``/``name`` a zone file; anything Go cannot load falls back to UTC (None here)."""
    tz = os.environ.get("TZ")
    if tz not in _LOCAL:
        zone: zoneinfo.ZoneInfo | None = None
        name = tz[1:] if tz and tz.startswith(":") else tz
        try:
            if name is None:
                with open("/etc/localtime", "rb") as handle:
                    zone = zoneinfo.ZoneInfo.from_file(handle)
            elif name.startswith("/"):
                with open(name, "rb") as handle:
                    zone = zoneinfo.ZoneInfo.from_file(handle)
            elif name and name != "UTC":
                zone = zoneinfo.ZoneInfo(name)
        except (OSError, ValueError, zoneinfo.ZoneInfoNotFoundError):
            zone = None
        _LOCAL[tz] = zone
    return _LOCAL[tz]


def _local_lookup(unix: int) -> tuple[str, int]:
    """``Local.lookup(unix)``: the local zone's abbreviation and offset at that instant."""
    zone = _go_local_zone()
    if zone is None:
        return "UTC", 0
    try:
        moment = datetime.datetime.fromtimestamp(unix, tz=zone)
    except (OverflowError, OSError, ValueError):
        return "", -1  # outside Python's datetime range: treated as a fixed zone
    offset = moment.utcoffset()
    return moment.tzname() or "", int(offset.total_seconds()) if offset is not None else 0


def _getnum(text: str, pos: int) -> tuple[int, int] | None:
    """time/format.go ``getnum(s, false)``: one or two ASCII digits."""
    if pos >= len(text) or not "0" <= text[pos] <= "9":
        return None
    if pos + 1 < len(text) and "0" <= text[pos + 1] <= "9":
        return int(text[pos : pos + 2]), pos + 2
    return int(text[pos]), pos + 1


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _go_parse_time(text: str, separator: str | None) -> GoTime | None:
    """``time.Parse`` with one of resolve.go's layouts: ``2006-1-2T15:4:5.999999999Z07:00`` (``separator`` ``T``), the
    same with ``t``, ``2006-1-2 15:4:5.999999999`` (``" "``: a layout space matches one or more spaces, no zone),
    ``2006-1-2`` (None)."""
    year, pos = int(text[:4]), 5  # the caller checked YYYY-
    got = _getnum(text, pos)
    if got is None:
        return None
    month, pos = got
    if text[pos : pos + 1] != "-":
        return None
    got = _getnum(text, pos + 1)
    if got is None:
        return None
    day, pos = got
    hour = minute = second = nanosecond = 0
    offset: int | None = None
    utc = False
    if separator is not None:
        if separator == " ":
            if text[pos : pos + 1] != " ":
                return None
            while text[pos : pos + 1] == " ":
                pos += 1
        elif text[pos : pos + 1] != separator:
            return None
        else:
            pos += 1
        fields = []
        for index in range(3):
            if index and text[pos : pos + 1] != ":":
                return None
            got = _getnum(text, pos + (1 if index else 0))
            if got is None:
                return None
            value, pos = got
            fields.append(value)
        hour, minute, second = fields
        if text[pos : pos + 1] in (".", ",") and text[pos + 1 : pos + 2].isdigit() and text[pos + 1].isascii():
            end = pos + 1
            while end < len(text) and "0" <= text[end] <= "9":
                end += 1
            digits = text[pos + 1 : end][:9]
            nanosecond = int(digits) * 10 ** (9 - len(digits))
            pos = end
        if separator != " ":  # Z07:00: "Z" is UTC; else ±hh:mm (hours up to 24, minutes up to 60, as Go allows)
            if text[pos : pos + 1] == "Z":
                offset, utc, pos = 0, True, pos + 1
            else:
                zone = text[pos : pos + 6]
                if len(zone) < 6 or zone[3] != ":" or zone[0] not in "+-":
                    return None
                if not all("0" <= c <= "9" for c in zone[1:3] + zone[4:6]):
                    return None
                hours, minutes = int(zone[1:3]), int(zone[4:6])
                if hours > 24 or minutes > 60:
                    return None
                offset = (hours * 3600 + minutes * 60) * (-1 if zone[0] == "-" else 1)
                pos += 6
    if pos != len(text):
        return None  # "extra text"
    if not 1 <= month <= 12 or hour >= 24 or minute >= 60 or second >= 60:
        return None
    if not 1 <= day <= _days_in(month, year):
        return None
    if offset is None or utc:
        return GoTime(year, month, day, hour, minute, second, nanosecond)  # no zone (time.Parse's UTC), or "Z"
    fixed = GoTime(year, month, day, hour, minute, second, nanosecond, offset, "")
    name, local_offset = _local_lookup(fixed.unix())
    return GoTime(year, month, day, hour, minute, second, nanosecond, offset, name if local_offset == offset else "")


def parse_timestamp(text: str) -> GoTime | None:
    """resolve.go ``parseTimestamp``: ``YYYY-`` first, then the four layouts in order."""
    if len(text) < 5 or not all("0" <= c <= "9" for c in text[:4]) or text[4] != "-":
        return None
    for separator in ("T", "t", " ", None):
        stamp = _go_parse_time(text, separator)
        if stamp is not None:
            return stamp
    return None


# --- encoding/json and fmt -------------------------------------------------------------------------------

_DONE = object()
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_SPECIAL = re.compile("[<>&\u2028\u2029\udc80-\udcff]")


def json_string(text: str) -> str:
    """Go's ``json.Marshal`` of a string: HTML characters and line/paragraph separators escaped, invalid UTF-8 as
    ``\\ufffd`` (Go 1.22+ writes ``\\b`` and ``\\f`` as Python does)."""
    encoded = json.dumps(text, ensure_ascii=False)
    return _JSON_SPECIAL.sub(lambda m: _JSON_ESCAPES.get(m.group(), "\\ufffd"), encoded)


def json_float(value: float) -> str:
    """Go's ``encoding/json`` float encoder: ``%f`` unless tiny or huge, then ``%e`` with ``e-07`` written ``e-7``;
    NaN and infinities are "unsupported value"."""
    if math.isnan(value) or math.isinf(value):
        raise JsonError(f"json: unsupported value: {go_format_float(value)}")
    magnitude = abs(value)
    text = go_format_float(value, "e" if magnitude and (magnitude < 1e-6 or magnitude >= 1e21) else "f")
    return re.sub(r"e-0(\d)$", r"e-\1", text)


def json_scalar(value: Any) -> str:
    """``json.Marshal`` of null, a boolean, a number or a string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, str):
        return json_string(value)
    raise JsonError(f"json: unsupported type {type(value).__name__}")


def json_marshal(value: Any) -> str:
    """``json.Marshal`` (compact, map keys sorted) of JSON-shaped values, without recursion."""
    if not isinstance(value, (list, dict)):
        return json_scalar(value)
    parts: list[str] = []
    stack: list[tuple[Iterator[Any], bool]] = []  # the items still to write, and whether they are pairs
    first: list[bool] = []

    def open_container(container: Any) -> None:
        is_map = isinstance(container, dict)
        parts.append("{" if is_map else "[")
        stack.append((iter(sorted(container.items()) if is_map else container), is_map))
        first.append(True)

    open_container(value)
    while stack:
        items, is_map = stack[-1]
        item: Any = next(items, _DONE)
        if item is _DONE:
            parts.append("}" if is_map else "]")
            stack.pop()
            first.pop()
            continue
        if not first[-1]:
            parts.append(",")
        first[-1] = False
        child = item
        if is_map:
            key, child = item
            parts.append(json_string(key) + ":")
        if isinstance(child, (list, dict)):
            open_container(child)
        else:
            parts.append(json_scalar(child))
    return "".join(parts)


def sprint_key(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", key)`` for a map key: how ``object.go`` turns a non-string key into a string."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, GoTime):
        return value.go_string()
    return str(value)
