"""The architecture as a contract over imports (README "Layout"): each package has one job, and what it may import
follows from that job. Read from the source with ``ast`` (every import statement, at any depth, counts), and checked
again at run time where a lazy import could hide one."""

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
    bad = [
        f"{module}: {name}"
        for package_dir in [*PACKAGES.values(), ROOT / "bench", ROOT / "examples"]
        for module, names in imports_of(package_dir).items()
        for name in names
        if name.split(".")[0] == "tests"
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
