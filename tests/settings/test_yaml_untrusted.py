"""A crafted stack file must not stall the checks that run on fork pull requests.

``python -m failsafe check`` reads the stack files of a pull request from anyone. go-yaml v3 (v3.0.1, what the
Pulumi CLI reads them with) refuses a document whose decoding is mostly alias expansion (decode.go,
``allowedAliasRatio``: "document contains excessive aliasing", ported from decode_test.go's unmarshalErrorTests), so
failsafe refuses it the same way: after a few thousand decoding steps, in one line, in a few megabytes. Expanded,
the nine-level bomb below is 387,420,489 values.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
import time

import pytest

from failsafe.settings import stackfiles
from tests.support.projects import ProjectCopy

BOMB = "".join(
    f"  {name}: &{name} [{','.join([f'*{previous}'] * 9) if previous else ','.join(['00'] * 9)}]\n"
    for previous, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def _with_bomb(tmp_path, under_config: bool) -> int:
    """The bomb under an unknown key: ``failsafe:notAKey`` in ``config:``, or a top-level ``x-bomb`` the CLI ignores
    once decoded (go-yaml decodes the whole document first); returns the line of the bomb's last entry."""
    project = ProjectCopy(tmp_path)
    text = project.text("Pulumi.prod.yaml").rstrip("\n") + "\n"
    if under_config:
        text += "  failsafe:notAKey:\n" + textwrap.indent(BOMB, "  ")
    else:
        text += "x-bomb:\n" + BOMB
    project.write("Pulumi.prod.yaml", text)
    return text.count("\n")


@pytest.mark.parametrize("under_config", [True, False], ids=["config-key", "top-level-key"])
def test_an_alias_bomb_is_refused_fast_in_one_line(tmp_path, under_config):
    """decode.go (go-yaml v3.0.1) ``allowedAliasRatio``: refused while decoding, long before the expansion."""
    _with_bomb(tmp_path, under_config)
    start = time.perf_counter()
    with pytest.raises(stackfiles.StackFileError) as caught:
        stackfiles.raw_config("prod", root=tmp_path)
    elapsed = time.perf_counter() - start
    message = str(caught.value)
    assert message.startswith("Pulumi.prod.yaml:") and "excessive aliasing" in message and "\n" not in message
    assert elapsed < 0.5, f"refusing the bomb took {elapsed:.2f} s"


def test_check_refuses_an_alias_bomb_in_one_line_in_bounded_memory(tmp_path):
    """``python -m failsafe check prod`` on the copy (FAILSAFE_PROJECT_DIR), its address space capped at 400 MB: exit
    2 and one line, well within the time a fork pull request's check may take (the old reader expanded the bomb and
    ran past 60 s)."""
    _with_bomb(tmp_path, under_config=True)

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "failsafe", "check", "prod"],
        capture_output=True,
        text=True,
        env={**os.environ, "FAILSAFE_PROJECT_DIR": str(tmp_path)},
        preexec_fn=cap_memory,
        timeout=60,
    )
    elapsed = time.perf_counter() - start
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 2, lines
    assert len(lines) == 1 and "Pulumi.prod.yaml:" in lines[0] and "excessive aliasing" in lines[0], lines
    assert elapsed < 20, f"check took {elapsed:.1f} s"


MEMORY_CAP = 400 * 1024 * 1024
