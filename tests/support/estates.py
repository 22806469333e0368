"""The estates the suite tests the product against: fixtures of its own, never the repository's stack files.

A team that adopts failsafe writes its estate into ``Pulumi.dr.yaml`` and ``Pulumi.prod.yaml`` (README,
"Configuration reference"); the suite must stay green for it. So every test that plans, checks or reads config sees
a *fixture project*: the repository's product files (``Pulumi.yaml``, the preview template, the program, the pack,
the docs) beside the stack files of one fixture estate under ``tests/fixtures/estates/<name>/``. The repository's
own stack files are tested only for what every valid estate has (tests/program/test_config.py).

This module imports nothing of failsafe: ``tests/conftest.py`` points ``FAILSAFE_PROJECT_DIR`` (read once, when
failsafe.settings is first imported: failsafe/settings/projectfile.py) at the fixture project before anything else.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "estates"
DEFAULT_ESTATE = "example"
PRODUCT_FILES = ("Pulumi.yaml", "Pulumi.pr.template.yaml")


def is_stack_file(name: str) -> bool:
    """``Pulumi.<stack>.yaml``: the team's files (the product's are Pulumi.yaml and the preview template)."""
    return name.startswith("Pulumi.") and name.endswith(".yaml") and name not in PRODUCT_FILES


def build_project(estate: str, into: Path) -> Path:
    """``into`` as a project folder: links to every product file of the repository, copies of ``estate``'s stack
    files. Links, not copies, so a test that reads the README or the pack reads the repository's."""
    source = FIXTURES / estate
    if not source.is_dir():
        raise LookupError(f"no fixture estate {estate!r} under {FIXTURES}")
    product_project(into)
    for stack_file in sorted(source.glob("Pulumi.*.yaml")):
        shutil.copy(stack_file, into / stack_file.name)
    return into


def use_fixture_project(estate: str | None = None) -> Path:
    """Build the fixture project of ``estate`` (``FAILSAFE_TEST_ESTATE``, else the example) for this process and
    point failsafe at it; removed when the process ends. Subprocesses inherit it through the environment."""
    if os.environ.get("FAILSAFE_PROJECT_DIR") and os.environ.get("FAILSAFE_TEST_PROJECT") == "1":
        return Path(os.environ["FAILSAFE_PROJECT_DIR"])  # a subprocess of a test: its parent's project
    name = estate or os.environ.get("FAILSAFE_TEST_ESTATE") or DEFAULT_ESTATE
    folder = Path(tempfile.mkdtemp(prefix=f"failsafe-estate-{name}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    project = build_project(name, folder / "project")
    os.environ["FAILSAFE_PROJECT_DIR"] = str(project)
    os.environ["FAILSAFE_TEST_PROJECT"] = "1"
    return project


def estates() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


# One process lists and checks every stack of a project as ./dev.sh check does (`stacks`, then `check --all`: one
# pack process, one line per stack and a total), without an interpreter start per stack.
_CHECK_ALL = """
import contextlib, io, os, sys
from failsafe.tooling import cli
listed = io.StringIO()
with contextlib.redirect_stdout(listed):
    cli.main(["stacks"])
print("stacks:", " ".join(listed.getvalue().split()))
sys.stdout.flush()
code = cli.main(["check", "--all"])
sys.stdout.flush()
os._exit(code)
"""


def check_project(project: Path, timeout: float = 120) -> tuple[int, str]:
    """``python -m failsafe stacks`` and ``check --all`` of ``project`` (its stack files, and pr-42 when previews are
    on), in one subprocess with the project folder set; the exit code and everything printed."""
    import subprocess
    import sys

    env = {**os.environ, "FAILSAFE_PROJECT_DIR": str(project)}
    env.pop("FAILSAFE_TEST_PROJECT", None)
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_ALL], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return done.returncode, done.stdout + done.stderr


def product_project(into: Path) -> Path:
    """A project folder with the product's files and no estate (what a team has before ``init``)."""
    into.mkdir(parents=True, exist_ok=True)
    for entry in REPO.iterdir():
        if entry.name in {".git", ".venv"} or is_stack_file(entry.name):
            continue
        (into / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return into
