"""The restore script (run end to end against a moto bucket and a fake `pulumi`), shellcheck on the shell
scripts, and the archive workflow's shape (schema and zizmor run for every workflow in test_workflows.py)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from failsafe.ops import archive
from tests.support.moto import BACKUP, account_session

ROOT = Path(__file__).resolve().parents[2]
RESTORE = ROOT / "scripts" / "restore-stack-state.sh"
BUCKET = "example-failsafe-archive"
FAKE_PULUMI = """#!/usr/bin/env bash
# Records its arguments; `stack import` also copies the imported file next to the log.
echo "$*" >> "$FAKE_PULUMI_LOG"
if [[ "$1 $2" == "stack import" ]]; then
  while [[ $# -gt 0 ]]; do [[ "$1" == "--file" ]] && cp "$2" "$FAKE_PULUMI_LOG.imported"; shift; done
fi
"""


def export(resources: int) -> bytes:
    return json.dumps({"version": 3, "deployment": {"resources": [{"urn": str(i)} for i in range(resources)]}}).encode()


@pytest.fixture
def fake_pulumi(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"
    pulumi.write_text(FAKE_PULUMI)
    pulumi.chmod(pulumi.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "pulumi.log"
    return {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_PULUMI_LOG": str(log),
        "MOTO_ACCOUNT_ID": BACKUP,
    }


@pytest.fixture
def archived(moto: str) -> Any:
    s3 = account_session(BACKUP).client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    store = archive.Archive(s3, BUCKET)
    now = datetime.now(UTC)
    store.store("prod", export(40), 20, now=now - timedelta(days=1))
    store.store("prod", export(42), 20, now=now)
    return s3


def run_restore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RESTORE), *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_restore_imports_the_newest_valid_archive_after_checking_its_sha256(
    archived: Any, fake_pulumi: dict[str, str]
) -> None:
    tampered = "prod/29990101T000000Z.json"  # newest, but its checksum does not match: must be skipped
    archived.put_object(Bucket=BUCKET, Key=tampered, Body=export(42), Metadata={"sha256": "0" * 64})

    result = run_restore(
        fake_pulumi, "--stack", "prod", "--bucket", BUCKET, "--pulumi-stack", "org/failsafe/prod", "--yes"
    )

    assert result.returncode == 0, result.stderr + result.stdout
    log = Path(fake_pulumi["FAKE_PULUMI_LOG"])
    calls = log.read_text().splitlines()
    assert calls[0] == "stack select --create org/failsafe/prod --non-interactive"
    assert calls[1].startswith("stack import --stack org/failsafe/prod --file "), calls
    imported = Path(f"{log}.imported").read_bytes()
    assert imported == export(42), "did not import the newest valid archive"
    assert "sha256 verified" in result.stdout


def test_restore_without_confirmation_imports_nothing(archived: Any, fake_pulumi: dict[str, str]) -> None:
    result = subprocess.run(
        [str(RESTORE), "--stack", "prod", "--bucket", BUCKET],
        env=fake_pulumi,
        input="n\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2 and "not confirmed; nothing imported" in result.stderr
    assert not Path(fake_pulumi["FAKE_PULUMI_LOG"]).exists(), "pulumi was called without confirmation"


def test_restore_with_no_valid_archive_fails_clearly(moto: str, fake_pulumi: dict[str, str]) -> None:
    account_session(BACKUP).client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )

    result = run_restore(fake_pulumi, "--stack", "dr", "--bucket", BUCKET, "--yes")

    assert result.returncode == 2
    assert "no valid archive of stack dr" in result.stderr and "fetch failed" in result.stderr
    assert not Path(fake_pulumi["FAKE_PULUMI_LOG"]).exists()


def test_restore_requires_stack_and_bucket() -> None:
    result = subprocess.run([str(RESTORE), "--bucket", BUCKET], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "--stack is required" in result.stderr


@pytest.mark.parametrize("script", [RESTORE, ROOT / "bin" / "failsafe-dr"], ids=lambda p: p.name)
def test_shell_scripts_are_shellcheck_clean(script: Path) -> None:
    checker = shutil.which("shellcheck")
    command = [checker, str(script)] if checker else ["bash", "-n", str(script)]  # shellcheck: apt install shellcheck
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{script.name}:\n{result.stdout}{result.stderr}"


def test_archive_workflow_exports_each_stack_through_oidc_and_archives_it() -> None:
    document = yaml.safe_load((ROOT / ".github" / "workflows" / "archive.yml").read_text())
    triggers = document[True]  # YAML 1.1 reads `on` as a boolean
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    job = document["jobs"]["archive"]
    assert document["permissions"] == {} and job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["strategy"]["matrix"]["stack"] == ["dr", "prod"]
    uses = [s.get("uses", "") for s in job["steps"]]
    assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
    script = job["steps"][-1]["run"]
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert any("pulumi stack export" in c for c in commands)
    assert not any("--show-secrets" in c for c in commands), "exports must keep secrets encrypted"
    assert (
        'python -m failsafe.ops archive --stack "$STACK" --file "$export_file" --archive-bucket "$ARCHIVE_BUCKET"'
        in script
    )
