"""``python -m failsafe init``: an estate in one command (failsafe/tooling/newestate.py).

The values asserted are the flags given, read back from the written files with PyYAML (not failsafe's reader)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from failsafe.tooling import newestate
from tests.support.estates import product_project

FLAGS = [
    "--prod-account", "001234567890", "--backup-account", "009876543210", "--identity-account", "000000000007",
    "--preview-account", "000000000008", "--primary-region", "ca-central-1", "--dr-region", "sa-east-1",
    "--bucket-prefix", "big-co-dr", "--buckets", "web,logs", "--pulumi-org", "big-co", "--aws-org-id", "o-bigco00001",
    "--alert-email", "ops@big.test", "--repository", "big-co/platform", "--domain", "big.test", "--zone-id",
    "Z0000000BIGCO000000", "--primary-target", "cname:primary.app.big.test", "--dr-target", "cname:dr.app.big.test",
]  # fmt: skip


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    newestate.arguments(parser)
    return parser.parse_args(argv)


def _config(project: Path, stack: str) -> dict[str, object]:
    document = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return {k.removeprefix("failsafe:"): v for k, v in document["config"].items()}


def test_init_with_flags_writes_both_stack_files_and_the_estate_passes_check(tmp_path: Path) -> None:
    project = product_project(tmp_path / "project")
    env = {**os.environ, "FAILSAFE_PROJECT_DIR": str(project)}
    env.pop("FAILSAFE_TEST_PROJECT", None)
    done = subprocess.run(
        [sys.executable, "-m", "failsafe", "init", "--yes", *FLAGS],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "init: the estate passes check" in done.stdout
    for stack in ("dr", "prod", "pr-42"):
        assert f"{stack}: 0 mandatory" in done.stdout, done.stdout
    dr, prod = _config(project, "dr"), _config(project, "prod")
    for config in (dr, prod):
        assert config["prodAccountId"] == "001234567890" and config["backupAccountId"] == "009876543210"
        assert config["protectedBuckets"] == ["web", "logs"]
        assert (config["primaryRegion"], config["drRegion"]) == ("ca-central-1", "sa-east-1")
    assert prod["drStackName"] == "big-co/failsafe/dr" and prod["dnsRecordName"] == "app.big.test"
    assert dr["drEndpoint"] == "cname:dr.app.big.test"


def test_a_bad_answer_is_one_line_naming_the_flag_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = product_project(tmp_path / "project")
    argv = [*FLAGS, "--yes", "--no-check", "--dir", str(project)]
    argv[argv.index("--prod-account") + 1] = "12345"
    assert newestate.run(_args(argv)) == newestate.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: --prod-account") and "'12345'" in err, err
    assert not (project / "Pulumi.dr.yaml").exists() and not (project / "Pulumi.prod.yaml").exists()
    assert not list(project.glob(".Pulumi.*")), "no staged file left behind"


def test_missing_required_flags_without_a_terminal_are_named_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = product_project(tmp_path / "project")
    assert newestate.run(_args(["--yes", "--dir", str(project), "--prod-account", "001234567890"])) == 2
    err = capsys.readouterr().err
    for flag in (
        "--backup-account",
        "--primary-region",
        "--dr-region",
        "--bucket-prefix",
        "--buckets",
        "--alert-email",
    ):
        assert flag in err, err
    assert "--prod-account" not in err.split(":", 2)[1], err


def test_init_never_overwrites_an_estate_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = product_project(tmp_path / "project")
    (project / "Pulumi.prod.yaml").write_text("config: {}\n", encoding="utf-8")
    argv = [*FLAGS, "--yes", "--no-check", "--dir", str(project)]
    assert newestate.run(_args(argv)) == 2
    assert "Pulumi.prod.yaml exist already" in capsys.readouterr().err
    assert (project / "Pulumi.prod.yaml").read_text(encoding="utf-8") == "config: {}\n"
    assert not (project / "Pulumi.dr.yaml").exists()
    assert newestate.run(_args([*argv, "--force"])) == 0
    assert _config(project, "prod")["prodAccountId"] == "001234567890"


def test_the_prompts_ask_for_every_required_answer_not_given() -> None:
    asked: list[str] = []
    replies = iter(["009876543210", "eu-west-1", "eu-north-1", "team-dr", "a1, b2", "team", "ops@team.test"])

    def prompt(text: str) -> str:
        asked.append(text)
        return next(replies)

    answers = newestate.answers_from(_args(["--prod-account", "001234567890"]), prompt)
    assert len(asked) == 7 and answers.buckets == ("a1", "b2") and answers.dr_region == "eu-north-1"
    assert answers.prod_account == "001234567890" and answers.alert_email == "ops@team.test"
