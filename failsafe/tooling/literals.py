"""Account IDs written into the code: the finding the pack cannot make.

The pack sees a plan's values, not where they came from: an account ID pasted into ``__main__.py`` or a component
looks exactly like one read from config, so ``no-hardcoded-account-ids`` passes it. Yet the first lesson of the
game days (README, "Why") is that such a literal stops a rebuild in a new account. So ``check`` also reads the
source: every string or number constant (docstrings excepted) of the project's Python files is searched for
12-digit runs.

- One of the estate's own accounts (every account its config names: :meth:`StackConfig.named_accounts`) in any
  project source is **mandatory**: the value belongs in config, where a rebuild changes it.
- Any other 12-digit constant in the program's own sources (``__main__.py``, ``failsafe/program``, the component
  library, and modules a team adds beside ``__main__.py``) is **advisory**: perhaps an AWS service account (then
  name it), perhaps another estate's account.

Not scanned: ``tests/``, ``bench/``, ``examples/`` (programs of their own, with their own fake accounts), virtual
environments and hidden folders. The pack's table of AWS-owned service accounts (``failsafe_guardrails/stack.py``)
is not the program's source, so it is not advisory either.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

POLICY = "no-account-id-literals-in-source"
_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
_SKIP = frozenset({"tests", "bench", "examples", "node_modules", "build", "dist", "__pycache__"})
PROGRAM_SOURCES = ("__main__.py", "failsafe/program", "components/failsafe_components")


@dataclass(frozen=True)
class Literal:
    path: str  # relative to the project root
    line: int
    account: str
    own: bool  # one of the estate's accounts (mandatory) or another 12-digit constant (advisory)

    def as_violation(self) -> dict[str, str]:
        """The shape of a pack violation, so ``check`` prints, counts and converts it to SARIF alike."""
        if self.own:
            message = (
                f"{self.path}:{self.line}: account ID {self.account} is one of this estate's accounts, in code; "
                "take it from config (a rebuild in a new account changes config, not code)"
            )
        else:
            message = (
                f"{self.path}:{self.line}: 12-digit constant {self.account} in the program's source: if it is an "
                "account, take it from config or name the AWS service account it is"
            )
        return {
            "policy": POLICY,
            "urn": "",
            "location": f"{self.path}:{self.line}",
            "message": message,
            "enforcementLevel": "mandatory" if self.own else "advisory",
        }


def _sources(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in _SKIP for p in parts[:-1]):
            continue
        yield path


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _constants(path: Path) -> Iterator[tuple[int, str]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return  # not the scan's to judge: Python refuses the file when the program imports it
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in skip and isinstance(node.value, str | int):
            if isinstance(node.value, bool):
                continue
            for match in _DIGITS.finditer(str(node.value)):
                yield node.lineno, match.group(0)


def _in_program(relative: str) -> bool:
    top = relative.split("/", 1)[0]
    if "/" not in relative:  # __main__.py and modules a team puts beside it
        return True
    return any(relative == p or relative.startswith(p + "/") for p in PROGRAM_SOURCES) or top not in {
        "failsafe",
        "components",
        "policies",
        "scripts",
    }


def constants(root: Path) -> list[tuple[str, int, str, bool]]:
    """Every 12-digit constant of the sources under ``root``: (relative path, line, digits, in the program?). What
    :func:`scan` judges; ``check --all`` reads the sources once for every stack's accounts."""
    found = []
    for path in _sources(root):
        relative = path.relative_to(root).as_posix()
        program = _in_program(relative)
        found += [(relative, line, digits, program) for line, digits in _constants(path)]
    return found


def judge(found: Iterable[tuple[str, int, str, bool]], own_accounts: Iterable[str]) -> list[Literal]:
    """The literals of :func:`constants` as one stack sees them: its own accounts anywhere, any other in the program."""
    own = frozenset(own_accounts)
    return [
        Literal(relative, line, digits, own=digits in own)
        for relative, line, digits, program in found
        if digits in own or program
    ]


def scan(root: Path, own_accounts: Iterable[str]) -> list[Literal]:
    return judge(constants(root), own_accounts)
