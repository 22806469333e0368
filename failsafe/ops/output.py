"""What a ``failsafe-dr`` command prints on stdout, in the three ``--output`` formats.

Every command returns a :class:`Report`: ``data``, the JSON document (its shape is documented in the command's
``--help`` and in docs/cli.md, and stays stable), and ``blocks``, what a person reads: lines of prose and
:class:`Table`\\ s.

- ``table`` (default): the prose, and tables with aligned columns, wrapped to fit 100 columns.
- ``text``: the prose, and tables as tab-separated rows without a header (for ``cut`` and ``awk``).
- ``json``: ``data``, nothing else.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FORMATS = ("table", "text", "json")
WIDTH = 100
GAP = 2


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Sequence[Sequence[str]]


class Report:
    """A command's result: ``data`` for ``--output json``, ``blocks`` for people, ``code`` to exit with."""

    def __init__(self, data: dict[str, Any], blocks: Iterable[str | Table] = (), code: int = 0) -> None:
        self.data, self.blocks, self.code = data, list(blocks), code

    def say(self, *lines: str) -> None:
        self.blocks.extend(lines)


def widths(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int = WIDTH) -> list[int]:
    """Column widths that fit ``width`` (gaps included): the widest column gives way first, none below 6."""
    natural = [max([len(c), *(len(str(r[i])) for r in rows)]) for i, c in enumerate(columns)]
    budget = width - GAP * (len(columns) - 1)
    while sum(natural) > budget:
        widest = max(range(len(natural)), key=lambda i: natural[i])
        if natural[widest] <= 6:
            break
        natural[widest] -= 1
    return natural


def table(t: Table, width: int = WIDTH) -> str:
    """Aligned columns under a header; a cell longer than its column wraps onto the next lines."""
    sizes = widths(t.columns, t.rows, width)
    lines: list[str] = []
    for row in [t.columns, tuple("-" * s for s in sizes), *t.rows]:
        cells = [
            textwrap.wrap(str(c), s, break_long_words=True, break_on_hyphens=False) or [""]
            for c, s in zip(row, sizes, strict=True)
        ]
        for k in range(max(len(c) for c in cells)):
            parts = [(c[k] if k < len(c) else "").ljust(s) for c, s in zip(cells, sizes, strict=True)]
            lines.append((" " * GAP).join(parts).rstrip())
    return "\n".join(lines)


def tsv(t: Table) -> str:
    return "\n".join("\t".join(str(c).replace("\t", " ") for c in row) for row in t.rows)


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.data, indent=2, default=str)
    out = [b if isinstance(b, str) else (table(b) if fmt == "table" else tsv(b)) for b in report.blocks]
    return "\n".join(out)
