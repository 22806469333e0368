"""The shell commands of a markdown document, as an operator would copy them: every line of a fenced code block, and
every table cell or inline code span that starts with a program.

A fenced line is a command when it starts with a known program (:data:`PROGRAMS`), the output of a command when it is
a row of what that command prints (:func:`output_rows`: today the ``restore s3`` summary, told by the labels of
:class:`failsafe.ops.restore.copying.Summary`'s table), a comment or blank; anything else is refused
(:class:`Unclassified`), so a new kind of block cannot slip past the runners unseen. Continuations (``\\`` at the end
of a line) are joined and ``# comments`` dropped before a command is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# The programs a runbook command may start with, longest first (``python -m failsafe.ops`` before ``python -m
# failsafe``), and the kind of runner each needs.
PROGRAMS: tuple[tuple[str, str], ...] = (
    ("python -m failsafe.tooling.recovery.sources", "sources"),
    ("python -m failsafe.ops", "failsafe-dr"),
    ("python -m failsafe", "failsafe"),
    ("bin/failsafe-dr", "failsafe-dr"),
    ("failsafe-dr", "failsafe-dr"),
    ("scripts/restore-stack-state.sh", "restore-script"),
    ("pulumi", "pulumi"),
    ("aws", "aws"),
    ("./dev.sh", "dev.sh"),
    ("pytest", "pytest"),
    ("python -m pytest", "pytest"),
    ("git", "git"),
    ("jq", "jq"),
)


class Unclassified(ValueError):
    """A fenced line that is neither a command of a known program, a known command's output, a comment nor blank."""


@dataclass(frozen=True)
class Command:
    doc: str  # the document's path relative to the repository
    line: int  # 1-based line of the command's first physical line
    where: str  # "fence", "table" or "inline"
    text: str  # the command as written (continuations joined, comment dropped)
    program: str  # the program it starts with (a key of PROGRAMS)
    kind: str  # the runner kind PROGRAMS gives that program

    @property
    def at(self) -> str:
        return f"{self.doc}:{self.line}"


def program_of(text: str) -> tuple[str, str] | None:
    """(program, kind) when ``text`` starts with a known program followed by a space or the end."""
    for program, kind in PROGRAMS:
        if text == program or text.startswith(program + " "):
            return program, kind
    return None


@cache
def output_rows() -> dict[str, str]:
    """First-column label -> the command that prints such a row. The labels come from the code that prints them
    (failsafe/ops/restore/copying.py, ``Summary.table``), so a renamed row is found here."""
    from failsafe.ops.restore.copying import Summary

    table = Summary(planned=0, target_count=0).table()
    return {line[:13].strip(): "failsafe-dr restore s3 (its summary)" for line in table.splitlines() if line.strip()}


def _without_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` outside quotes that starts a word)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _logical(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(first line number, text) with ``\\`` continuations joined."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, raw in lines:
        text = raw.strip()
        if pending is not None:
            number, text = pending[0], f"{pending[1]} {text}"
        if text.endswith("\\"):
            pending = (number, text[:-1].rstrip())
            continue
        pending = None
        joined.append((number, text))
    if pending is not None:
        joined.append(pending)
    return joined


def _fenced(doc: str, block: list[tuple[int, str]]) -> list[Command]:
    found = []
    for number, text in _logical(block):
        text = _without_comment(text)
        if not text:
            continue
        known = program_of(text)
        if known is not None:
            found.append(Command(doc, number, "fence", text, *known))
        elif text.split("  ")[0].strip() in output_rows() or text.lstrip().startswith("FAILED "):
            continue  # a row of restore s3's summary (or one of its failure lines), not a command
        else:
            raise Unclassified(f"{doc}:{number}: a fenced line of no known program and no known output: {text!r}")
    return found


INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def extract(path: Path, root: Path) -> list[Command]:
    """Every command of the markdown file ``path`` in document order (``root``: what ``doc`` is relative to)."""
    doc = str(path.relative_to(root))
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Command] = []
    block: list[tuple[int, str]] | None = None
    for number, line in enumerate(lines, 1):
        if line.strip().startswith("```"):
            if block is None:
                block = []
            else:
                found += _fenced(doc, block)
                block = None
            continue
        if block is not None:
            block.append((number, line))
            continue
        where = "table" if line.lstrip().startswith("|") else "inline"
        for match in INLINE.finditer(line):
            text = _without_comment(match.group(1).strip())
            known = program_of(text)
            if known is not None:
                found.append(Command(doc, number, where, text, *known))
    if block is not None:
        raise Unclassified(f"{doc}: a code block opened and never closed")
    return found
