"""The architecture as a contract over imports (README "Layout"): each package has one job, and what it may import
follows from that job; no module imports itself through others, and no module grows past a few screens. Read from the
source with ``ast`` (every import statement, at any depth, counts), and checked again at run time where a lazy import
could hide one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names)

PACKAGES = {
    "failsafe_components": ROOT / "components" / "failsafe_components",
    "failsafe.settings": ROOT / "failsafe" / "settings",
    "failsafe.program": ROOT / "failsafe" / "program",
    "failsafe.tooling": ROOT / "failsafe" / "tooling",
    "failsafe.ops": ROOT / "failsafe" / "ops",
    "failsafe_guardrails": ROOT / "policies" / "failsafe_guardrails",
}
# What each package may import besides the standard library and itself.
ALLOWED = {
    "failsafe_components": {"pulumi", "pulumi_aws", "pulumi_docker_build"},
    # config reads stack files as the CLI does (yaml) and checks names against botocore's service models
    "failsafe.settings": {"yaml", "botocore", "failsafe_components.spec"},
    "failsafe.program": {
        "pulumi",
        "pulumi_aws",
        "failsafe_components",
        "failsafe.settings",
        "failsafe.ops",
        "failsafe",
    },
    "failsafe.tooling": {
        "pulumi",
        "grpc",
        "google",
        "yaml",
        "failsafe_components",
        "failsafe.settings",
        "failsafe.program",
        "failsafe.tooling",
        # the access proofs parse condition values with the pack's own definition
        "failsafe_guardrails.condition_values",
        # check measures every plan's documents against AWS's quotas by the pack's own table
        "failsafe_guardrails.limits",
        # the restore run records and the evidence the recovery model reads, written by the operator tools:
        # one standard-library module both sides share, so the format has one reader and one writer
        "failsafe.ops.runrecord",
    },
    # the operator tools read stack config through failsafe.settings (never pulumi), and judge MFA with the pack's own
    # definition
    "failsafe.ops": {"boto3", "botocore", "failsafe.settings", "failsafe_guardrails.mfa"},
    "failsafe_guardrails": {"pulumi_policy"},
}


def imports_of(package_dir: Path) -> dict[str, set[str]]:
    """{module file: every module name it imports}, relative imports resolved."""
    found: dict[str, set[str]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from a.b import c" is a use of a.b.c (a module or a name of a.b); the package a.b's own
                # __init__ runs too, which is why every __init__ of ours imports nothing
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def owner(name: str) -> str | None:
    """The package of ours that module ``name`` belongs to (longest prefix), or None for a third party."""
    matches = [p for p in PACKAGES if name == p or name.startswith(p + ".")]
    return max(matches, key=len) if matches else None


def permitted(package: str, name: str) -> bool:
    top = name.split(".")[0]
    if top in STDLIB or top == "__future__":
        return True
    if owner(name) == package:
        return True
    allowed = ALLOWED[package]
    return any(name == a or name.startswith(a + ".") for a in allowed)


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_package_imports_only_what_its_job_allows(package: str) -> None:
    bad = [
        f"{module}: {name}"
        for module, names in imports_of(PACKAGES[package]).items()
        for name in sorted(names)
        if not permitted(package, name)
    ]
    assert bad == [], f"{package} imports outside its contract:\n" + "\n".join(bad)


def test_the_component_library_imports_none_of_the_program_tooling_ops_or_pack() -> None:
    others = ("failsafe", "failsafe_guardrails", "tests")
    bad = [
        f"{module}: {name}"
        for module, names in imports_of(PACKAGES["failsafe_components"]).items()
        for name in names
        if name.split(".")[0] in others
    ]
    assert bad == [], bad


def test_no_package_imports_tests() -> None:
    """What ships (the packages) and what users copy (examples) never import tests; benchmarks may use the stubs of
    tests/support (a stubbed Cloud Control estate: one stub, checked against botocore's model, for tests and bench
    alike), but nothing else of the tests."""
    bad = [
        f"{module}: {name}"
        for package_dir in [*PACKAGES.values(), ROOT / "bench", ROOT / "examples"]
        for module, names in imports_of(package_dir).items()
        for name in names
        if name.split(".")[0] == "tests" and not (package_dir == ROOT / "bench" and name.startswith("tests.support."))
    ]
    assert bad == [], bad


def test_test_modules_import_shared_code_from_tests_support_only() -> None:
    bad = [
        f"{module}: {name}"
        for module, names in imports_of(ROOT / "tests").items()
        for name in names
        if (name.startswith("tests.") and not name.startswith("tests.support")) or name.startswith("conftest")
    ]
    assert bad == [], bad


def test_the_packages_import_each_other_without_a_cycle() -> None:
    edges: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for package, package_dir in PACKAGES.items():
        for names in imports_of(package_dir).values():
            edges[package].update(o for n in names if (o := owner(n)) and o != package)
    seen: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(edges[node]):
            assert seen.get(nxt) != 1, "package cycle: " + " -> ".join([*path, node, nxt])
            if nxt not in seen:
                visit(nxt, [*path, node])
        seen[node] = 2

    for package in sorted(PACKAGES):
        if package not in seen:
            visit(package, [])


# --- modules: no import cycle, no module of several screens ---------------------------------------------------------

# Where module names start: every .py file under these directories is a module of ours (``__init__.py`` is its
# package). A module-level import cycle makes the order of first import matter (half-initialised modules, names
# missing at import time), and a function-level "lazy" import does not remove the cycle, it hides it: both count.
MODULE_ROOTS = {
    "failsafe": ROOT / "failsafe",
    "failsafe_components": ROOT / "components" / "failsafe_components",
    "failsafe_guardrails": ROOT / "policies" / "failsafe_guardrails",
}


def module_name(root_name: str, root: Path, path: Path) -> str:
    parts = [root_name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(roots: dict[str, Path]) -> dict[str, set[str]]:
    """{module: the modules of ``roots`` it imports}, from every import statement at any depth (module level,
    inside functions, under ``if TYPE_CHECKING``), relative imports resolved. ``from a.b import c`` imports the module
    ``a.b.c`` when there is one, else the package ``a.b``; importing ``a.b.c`` also runs the packages ``a`` and
    ``a.b`` first, so those count too."""
    files = {module_name(n, r, p): p for n, r in roots.items() for p in sorted(r.rglob("*.py"))}
    packages = {m for m, p in files.items() if p.name == "__init__.py"}

    def ours(name: str) -> set[str]:
        found = set()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in files:
                found.add(prefix)
        return found

    edges: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if module in packages else module.rpartition(".")[0]
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
        edges[module] = {m for name in names for m in ours(name)} - {module}
    return edges


def import_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of modules with more than one member, each as one cycle through it
    (``a -> b -> a``), sorted. Tarjan's algorithm, iteration order sorted so the answer is deterministic."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.add(member)
                if member == node:
                    break
            if len(members) > 1:
                components.append(members)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(_cycle_through(members, edges) for members in components)


def _cycle_through(members: set[str], edges: dict[str, set[str]]) -> list[str]:
    """One cycle inside a strongly connected set, from its first member back to it (breadth-first: the shortest)."""
    start = min(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges.get(node, set()) & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return sorted(members)  # unreachable for a strongly connected set


def test_no_module_imports_itself_through_others() -> None:
    cycles = import_cycles(module_imports(MODULE_ROOTS))
    assert cycles == [], "module import cycles (lazy imports count):\n" + "\n".join(" -> ".join(c) for c in cycles)


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {"pkg": tmp_path / "pkg"}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a lazy import inside a function closes the cycle as surely as one at the top
        (
            {"__init__.py": "", "a.py": "import pkg.b\n", "b.py": "def f():\n    from pkg import a\n"},
            [["pkg.a", "pkg.b", "pkg.a"]],
        ),
        # relative imports, three modules round, one under a TYPE_CHECKING guard
        (
            {
                "__init__.py": "",
                "a.py": "from .b import x\n",
                "b.py": "from . import c\nx = 1\n",
                "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import y\n",
            },
            [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]],
        ),
        # a package __init__ that imports its own module, which imports a sibling through the package
        ({"__init__.py": "from pkg import a\n", "a.py": "from pkg import b\n", "b.py": ""}, [["pkg", "pkg.a", "pkg"]]),
        # no cycle: a chain, and a name (not a module) imported from a package
        ({"__init__.py": "", "a.py": "from pkg.b import f\n", "b.py": "import json\ndef f(): pass\n"}, []),
    ],
    ids=["lazy", "relative-and-type-checking", "package-init", "acyclic"],
)
def test_the_cycle_check_finds_a_planted_cycle(tmp_path: Path, files: dict[str, str], expected: list[list[str]]):
    """The checker itself, on a tiny package: a test that cannot fail proves nothing."""
    assert import_cycles(module_imports(_package(tmp_path, files))) == expected


# A module past a few screens holds several jobs (STYLE.md: "the part of a module that grows gets its own file").
MAX_MODULE_LINES = 800
# Each exception with its reason; remove an entry when its module is split.
LONG_MODULES: dict[str, str] = {}  # module -> why it may stay over MAX_MODULE_LINES (none since restore/ and capture/)


def module_sizes(roots: dict[str, Path]) -> dict[str, int]:
    return {
        str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path): len(path.read_text("utf-8").splitlines())
        for root in roots.values()
        for path in sorted(root.rglob("*.py"))
    }


def test_no_module_is_longer_than_a_few_screens() -> None:
    sizes = module_sizes(MODULE_ROOTS)
    long = {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES and m not in LONG_MODULES}
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines (split them by job, or list one with its reason): {long}"
    stale = sorted(m for m in LONG_MODULES if sizes.get(m, 0) <= MAX_MODULE_LINES)
    assert stale == [], f"listed as too long but no longer are (remove them from LONG_MODULES): {stale}"


BLOCKER = """
import importlib.abc, sys
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Blocker())
"""


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_library_imports_with_only_pulumi_and_pulumi_aws() -> None:
    modules = sorted(p.stem for p in PACKAGES["failsafe_components"].glob("*.py") if p.stem != "__init__")
    blocked = {"failsafe", "failsafe_guardrails", "pulumi_docker_build", "pulumi_policy", "boto3", "tests"}
    code = BLOCKER.format(blocked=blocked) + "".join(f"import failsafe_components.{m}\n" for m in modules)
    result = run_python(code)
    assert result.returncode == 0, result.stderr


def test_operations_code_and_its_config_reading_load_no_pulumi() -> None:
    code = BLOCKER.format(blocked={"pulumi", "pulumi_aws", "pulumi_docker_build", "pulumi_policy", "grpc"}) + (
        "from failsafe.ops import archive, cli, copier, drill, params, reaper, verify\n"
        "cli.load_config('prod'); cli.load_config('dr')\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
