"""Reading resource properties that may be unknown at preview.

The SDK hands every policy its properties wrapped in ``pulumi_policy.proxy.unknown_checking_proxy``: Mapping and
Sequence proxies (not dict and list) that raise ``UnknownValueError`` the moment a value that is unknown during
``pulumi preview`` is touched. An exception that escapes a policy aborts it for the whole resource (or, for a stack
policy, the whole stack) with an advisory "can't run policy" note, so a single unknown ARN would silence every other
check. The rules therefore read properties only through :func:`prop`, which returns plain dicts, lists and scalars
with every unknown value replaced by the :data:`UNKNOWN` sentinel.

The rules share one convention for that sentinel: a value unknown at preview is never a violation by itself. The
rule judges what is known, and the same rule sees the real value when ``pulumi up`` analyzes the resource again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy import proxy
from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """The type of :data:`UNKNOWN`; one instance, so rules compare with ``is``."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()

# The strings the engine sends for unknown values; the proxy raises on them, a plain dict simply holds them.
_UNKNOWN_STRINGS = frozenset(
    (
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    )
)


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in _UNKNOWN_STRINGS)


def prop(container: Any, *path: str) -> Any:
    """``container[path[0]][path[1]]...`` as plain data: :data:`UNKNOWN` when any step is unknown, None when a key
    is absent or a step is not a mapping. With no path, ``container`` itself as plain data."""
    value = container
    for key in path:
        if is_unknown(value):
            return UNKNOWN
        if not isinstance(value, Mapping):
            return None
        try:
            value = value.get(key)
        except UnknownValueError:
            return UNKNOWN
    return plain(value)


def plain(value: Any) -> Any:
    """``value`` with every Mapping/Sequence proxy turned into a dict/list and every unknown into :data:`UNKNOWN`."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Mapping):
        return {key: _item(value, key) for key in value}
    if isinstance(value, Sequence):
        return [_item(value, index) for index in range(len(value))]
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return plain(container[key])
    except UnknownValueError:
        return UNKNOWN


def contains_unknown(value: Any) -> bool:
    """Whether plain data (as :func:`prop` returns it) holds :data:`UNKNOWN` anywhere."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return any(contains_unknown(v) for v in value)
    return False


def as_list(value: Any) -> list[Any]:
    """A property that AWS accepts as one item or a list of them, as a list (None is the empty list)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]
