"""Every error class :func:`failsafe.ops.errors.explain` maps ends ``failsafe-dr`` with one line on stderr, the exit
code the table in :mod:`failsafe.ops.errors` documents, and no traceback, through the real ``main``.

Where AWS or botocore can be made to raise the error for real it is (a closed port, missing credentials, an
unknown profile, a bucket name botocore refuses, a refusal and a missing bucket from a local endpoint); the
package's own classes, raised deep inside commands, are raised from a command's function.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from botocore import exceptions as b

import failsafe.ops
from failsafe.ops import cli, errors
from failsafe.ops.errors import EXIT_AWS, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, OpsError
from tests.support.awsfaults import FaultServer
from tests.support.opscli import Ran

ROOT = Path(__file__).resolve().parents[2]
FETCH = ("fetch", "--stack", "prod", "--archive-bucket", "example-archive", "--out", "/nonexistent/x.json")


def one_line(ran: Ran, code: int) -> str:
    """The error line, after checking the exit code, that it is the only line, and that no traceback came out."""
    assert ran.code == code, (ran.code, ran.err)
    assert "Traceback" not in ran.err and ran.err.count("\n") == 1, ran.err
    assert ran.err.startswith("failsafe-dr: error: "), ran.err
    return ran.err.strip()


def all_ops_errors() -> Iterator[type[OpsError]]:
    for module in pkgutil.walk_packages(failsafe.ops.__path__, "failsafe.ops."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    todo = [OpsError]
    while todo:
        cls = todo.pop()
        yield cls
        todo += cls.__subclasses__()


DOCUMENTED = {errors.UsageError: EXIT_USAGE, errors.CheckFailed: EXIT_FAILED, errors.AwsRefused: EXIT_AWS}


ERRORS = sorted(all_ops_errors(), key=lambda c: c.__qualname__)


@pytest.mark.parametrize("cls", ERRORS, ids=[c.__name__ for c in ERRORS])
def test_each_package_error_is_one_line_and_its_documented_exit_code(
    cls: type[OpsError], failsafe_dr: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package error's exit code is its family's (usage 2, check failed 1, AWS refused 3): no class changes it."""
    family = next((code for base, code in DOCUMENTED.items() if issubclass(cls, base)), EXIT_USAGE)
    assert cls.exit_code == family, f"{cls.__name__} exits {cls.exit_code}, its family {family}"

    def raises(args: object) -> None:
        raise cls(f"{cls.__name__} said\nacross two lines")

    monkeypatch.setattr(cli, "cmd_drill_status", raises)  # main builds its parser afterwards: it binds this one
    line = one_line(failsafe_dr("drill", "status"), family)
    assert line == f"failsafe-dr: error: {cls.__name__} said across two lines", line


def test_every_documented_exit_code_is_in_the_one_map() -> None:
    assert [code for code, _ in errors.EXIT_CODES] == [0, 1, 2, 3, 130]
    assert {errors.OpsError.exit_code, *DOCUMENTED.values()} <= {code for code, _ in errors.EXIT_CODES}


def test_interrupted_exits_130_in_one_line(failsafe_dr: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_drill_status", interrupted)
    assert "interrupted" in one_line(failsafe_dr("drill", "status"), EXIT_INTERRUPTED)


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No credentials anywhere, no instance metadata, nothing listening (port 9 is discard, closed here)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    return monkeypatch


def test_no_credentials_exits_2_in_one_line(no_aws: pytest.MonkeyPatch, failsafe_dr: Callable[..., Ran]) -> None:
    assert "no AWS credentials" in one_line(failsafe_dr(*FETCH), EXIT_USAGE)


def test_partial_credentials_exit_2_in_one_line(no_aws: pytest.MonkeyPatch, failsafe_dr: Callable[..., Ran]) -> None:
    no_aws.setenv("AWS_ACCESS_KEY_ID", "testing")  # and no secret key
    assert "no AWS credentials" in one_line(failsafe_dr(*FETCH), EXIT_USAGE)


def test_an_unknown_profile_exits_2_naming_the_flag(
    no_aws: pytest.MonkeyPatch, failsafe_dr: Callable[..., Ran]
) -> None:
    line = one_line(failsafe_dr(*FETCH, "--profile", "nosuch"), EXIT_USAGE)
    assert "--profile 'nosuch': expected a profile in ~/.aws/config" in line, line


def test_an_unknown_ambient_profile_exits_2_naming_it(
    no_aws: pytest.MonkeyPatch, failsafe_dr: Callable[..., Ran]
) -> None:
    no_aws.setenv("AWS_PROFILE", "gone")
    line = one_line(failsafe_dr(*FETCH), EXIT_USAGE)
    assert "'gone'" in line and "AWS_PROFILE" in line, line


def test_no_region_exits_2_in_one_line(failsafe_dr: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_region(args: object) -> None:
        raise b.NoRegionError()

    monkeypatch.setattr(cli, "cmd_drill_status", no_region)
    assert "--region" in one_line(failsafe_dr("drill", "status"), EXIT_USAGE)


def test_a_parameter_botocore_refuses_exits_2_in_one_line(
    no_aws: pytest.MonkeyPatch, failsafe_dr: Callable[..., Ran]
) -> None:
    no_aws.setenv("AWS_ACCESS_KEY_ID", "testing")
    no_aws.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    line = one_line(failsafe_dr("fetch", "--stack", "prod", "--archive-bucket", "no such!", "--out", "x"), EXIT_USAGE)
    assert "Invalid bucket name" in line and "no such!" in line, line


def test_an_unreachable_endpoint_exits_3_in_one_line(
    no_aws: pytest.MonkeyPatch, failsafe_dr: Callable[..., Ran]
) -> None:
    no_aws.setenv("AWS_ACCESS_KEY_ID", "testing")
    no_aws.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    line = one_line(failsafe_dr(*FETCH), EXIT_AWS)
    assert "Could not connect to the endpoint URL" in line, line


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("AccessDenied", 403, "access denied: s3:ListBucket on arn:aws:s3:::example-archive (AccessDenied"),
        ("AllAccessDisabled", 403, "AWS refused ListObjectsV2 on arn:aws:s3:::example-archive: AllAccessDisabled"),
    ],
)
def test_an_aws_refusal_exits_3_naming_the_action_and_the_bucket(
    code: str, status: int, expected: str, no_aws: pytest.MonkeyPatch, failsafe_dr: Callable[..., Ran]
) -> None:
    no_aws.setenv("AWS_ACCESS_KEY_ID", "testing")
    no_aws.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = FaultServer("rest-xml", "/example-archive", 1000, code=code, status=status, service="s3")
    with server.running():
        no_aws.setenv("AWS_ENDPOINT_URL", server.url)
        line = one_line(failsafe_dr(*FETCH), EXIT_AWS)
    assert expected in line, line
    assert server.tries() == 1, "a refusal was retried"


def test_the_installed_command_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    """The same through ``bin/failsafe-dr`` in a process of its own (``sys.exit(main())``): a usage error."""
    ran = subprocess.run(
        [str(ROOT / "bin" / "failsafe-dr"), "backfill", "nosuch", "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        timeout=60,
    )
    assert ran.returncode == EXIT_USAGE and ran.stdout == "", ran
    assert ran.stderr.count("\n") == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert "'nosuch' is not a protected bucket" in ran.stderr, ran.stderr
    assert sys.executable  # the command found its own interpreter (.venv or python3)
