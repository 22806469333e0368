"""``pip install .`` installs the component library, the program's packages and both CLIs, and nothing else
(explicit packages in pyproject.toml): checked on the wheel pip builds from this checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (path,) = out.glob("failsafe-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_holds_the_library_and_every_package_of_the_program(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for module in (
        "failsafe_components/replicated_bucket.py",
        "failsafe_components/spec.py",
        "failsafe/settings/config.py",
        "failsafe/program/wiring.py",
        "failsafe/tooling/harness.py",
        "failsafe/tooling/access/evaluator.py",
        "failsafe/ops/copier.py",
        "failsafe/ops/cli.py",
    ):
        assert module in names, f"{module} missing from the wheel"
    strays = sorted(n for n in names if n.split("/")[0] in ("tests", "examples", "bench", "components", "policies"))
    assert strays == [], f"not part of the distribution: {strays}"


def test_the_wheel_installs_both_command_line_tools(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "failsafe = failsafe.tooling.cli:main" in text and "failsafe-dr = failsafe.ops.cli:main" in text, text
