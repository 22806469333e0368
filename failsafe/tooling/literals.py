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

Parsing and walking every source file costs about 0.45 s for the product's 180 files, as much as planning a preview
stack, and the sources rarely change between two checks; so what a file holds is kept by the SHA-256 of its
bytes in one JSON file under the user's cache folder (``FAILSAFE_CACHE_DIR``, else ``$XDG_CACHE_HOME/failsafe``, else
``~/.cache/failsafe``), as ruff and mypy keep theirs. A changed file has another digest and is read again; a cache
that cannot be read or written is ignored, never an error.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
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
    """The ``*.py`` files under ``root`` in path order, without descending into a skipped or hidden folder (a
    virtual environment's thousands of files were most of the scan's time when walked and then dropped)."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in _SKIP]
        found += [Path(folder, name) for name in files if name.endswith(".py")]
    yield from sorted(found)


def _parsed(source: bytes, path: Path) -> list[tuple[int, str]]:
    """The 12-digit runs of ``source``'s string and int constants, docstrings excepted, in one walk of its tree."""
    try:
        tree = ast.parse(source.decode("utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []  # not the scan's to judge: Python refuses the file when the program imports it
    docstrings: set[int] = set()
    constants: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            constants.append(node)
        elif isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, match.group(0))
        for node in constants
        if id(node) not in docstrings and isinstance(node.value, str | int) and not isinstance(node.value, bool)
        for match in _DIGITS.finditer(str(node.value))
    ]


# the cache's format and what it holds: a new scanner or Python (whose ast may parse otherwise) starts a new file
_CACHE_KEY = f"literals-1-py{sys.version_info[0]}.{sys.version_info[1]}"
_CACHE_ENTRIES = 20_000  # digests kept (about 80 bytes each); the oldest go first


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    if env.get("FAILSAFE_CACHE_DIR"):
        return Path(env["FAILSAFE_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "failsafe"


class _Cache:
    """Digest -> constants, read once per process and written back (atomically, by rename) only when it grew."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.entries: dict[str, list[tuple[int, str]]] = {}
        self.grew = False

    def load(self) -> None:
        try:
            path = cache_dir() / f"{_CACHE_KEY}.json"
        except RuntimeError:  # Path.home(): no home folder to find; read everything
            self.path, self.entries = None, {}
            return
        if path == self.path:
            return
        self.path, self.entries, self.grew = path, {}, False
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(raw, dict):
            self.entries = {
                digest: [(int(line), str(digits)) for line, digits in found]
                for digest, found in raw.items()
                if isinstance(found, list) and all(isinstance(f, list) and len(f) == 2 for f in found)
            }

    def get(self, source: bytes, path: Path) -> list[tuple[int, str]]:
        digest = hashlib.sha256(source).hexdigest()
        if digest not in self.entries:
            self.entries[digest] = _parsed(source, path)
            self.grew = True
        return self.entries[digest]

    def save(self) -> None:
        if not self.grew or self.path is None:
            return
        keep = dict(list(self.entries.items())[-_CACHE_ENTRIES:])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".literals-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(keep, out, separators=(",", ":"))
            os.replace(temporary, self.path)  # two processes writing at once: either file is whole and right
        except OSError:
            return
        self.grew = False


_CACHE = _Cache()


def _constants(path: Path) -> list[tuple[int, str]]:
    return _CACHE.get(path.read_bytes(), path)


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
    _CACHE.load()
    found = []
    for path in _sources(root):
        relative = path.relative_to(root).as_posix()
        program = _in_program(relative)
        found += [(relative, line, digits, program) for line, digits in _constants(path)]
    _CACHE.save()
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
