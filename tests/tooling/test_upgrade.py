"""Upgrades never take a team's values: the 0.2 layout moved by ``python -m failsafe upgrade``, and a newer product
merged over a customised estate with git's own three-way merge.

Expected values come from the fixtures' text read with PyYAML (tests/fixtures/upgrade/layout-0.2/Pulumi.yaml is a
0.2 project whose defaults a team edited: another estate, and ``snapshotRetentionDays`` 60 instead of 35)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from failsafe.settings import stackfiles
from failsafe.tooling import upgrade
from tests.support.estates import FIXTURES, REPO, build_project, product_project

OLD = REPO / "tests" / "fixtures" / "upgrade" / "layout-0.2"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    upgrade.arguments(parser)
    return parser.parse_args(list(argv))


def _old_project(tmp_path: Path) -> Path:
    project = product_project(tmp_path / "project")
    for name in ("Pulumi.dr.yaml", "Pulumi.prod.yaml"):
        shutil.copy(OLD / name, project / name)
    return project


def _team_defaults() -> dict[str, object]:
    declared = yaml.safe_load((OLD / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]
    return {key: spec["default"] for key, spec in declared.items() if isinstance(spec, dict) and "default" in spec}


def test_upgrade_moves_every_value_the_team_set_in_pulumi_yaml_and_every_stack_reads_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _old_project(tmp_path)
    before = {name: (project / name).read_text(encoding="utf-8") for name in ("Pulumi.dr.yaml", "Pulumi.prod.yaml")}
    assert upgrade.run(_args("--from", str(OLD / "Pulumi.yaml"), "--dir", str(project))) == 0
    assert "Run again with --write" in capsys.readouterr().out
    assert {n: (project / n).read_text(encoding="utf-8") for n in before} == before, "a dry run writes nothing"

    assert upgrade.run(_args("--from", str(OLD / "Pulumi.yaml"), "--dir", str(project), "--write")) == 0
    team = _team_defaults()
    for stack in ("dr", "prod"):
        raw = stackfiles.raw_config(stack, root=project)
        assert raw["failsafe:prodAccountId"] == team["prodAccountId"] == "012345678901"
        assert raw["failsafe:primaryRegion"] == team["primaryRegion"] and raw["failsafe:drRegion"] == team["drRegion"]
        assert json.loads(raw["failsafe:protectedBuckets"]) == team["protectedBuckets"]
        assert raw["failsafe:snapshotRetentionDays"] == str(team["snapshotRetentionDays"]) == "60"
    assert upgrade.run(_args("--from", str(OLD / "Pulumi.yaml"), "--dir", str(project))) == 0
    assert "nothing to move" in capsys.readouterr().out


def test_upgrade_from_a_file_that_is_not_a_project_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _old_project(tmp_path)
    assert upgrade.run(_args("--from", str(tmp_path / "missing.yaml"), "--dir", str(project))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--from" in err and "missing.yaml" in err


def _git(repo: Path, *argv: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "init.defaultBranch=main", *argv],
        cwd=repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_newer_product_merges_over_a_customised_estate_without_conflict_and_keeps_every_team_value(
    tmp_path: Path,
) -> None:
    """The team's fork changes only its stack files; upstream changes Pulumi.yaml (a new key, a changed description,
    a changed product default). git's merge has nothing to conflict on, and every value the team wrote survives."""
    repo = tmp_path / "fork"
    repo.mkdir()
    product = REPO / "Pulumi.yaml"
    shutil.copy(product, repo / "Pulumi.yaml")
    shutil.copy(REPO / "Pulumi.pr.template.yaml", repo / "Pulumi.pr.template.yaml")
    for name in ("Pulumi.dr.yaml", "Pulumi.prod.yaml"):
        shutil.copy(FIXTURES / "acme" / name, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "product 0.3 with the team's estate")
    _git(repo, "checkout", "-qb", "upstream")
    text = (repo / "Pulumi.yaml").read_text(encoding="utf-8")
    start = text.index("  snapshotRetentionDays:")
    default = text.index("default: 35", start)
    text = text[:default] + "default: 40" + text[default + len("default: 35") :]
    text = text.replace("Production account (12 digits).", "Production account (12 digits, quoted).", 1)
    text = (
        text.rstrip("\n") + "\n  upstreamNewKey:\n    type: string\n    description: new in 0.4.\n    default: fresh\n"
    )
    (repo / "Pulumi.yaml").write_text(text, encoding="utf-8")
    _git(repo, "commit", "-qam", "product 0.4")
    _git(repo, "checkout", "-q", "main")
    dr_file = repo / "Pulumi.dr.yaml"
    dr_text = dr_file.read_text(encoding="utf-8")
    assert "failsafe:objectLockRetentionDays: 30" in dr_text
    dr_file.write_text(dr_text.replace("failsafe:objectLockRetentionDays: 30", "failsafe:objectLockRetentionDays: 45"))
    _git(repo, "commit", "-qam", "team: longer object lock")
    _git(repo, "merge", "-q", "--no-edit", "upstream")  # asserts exit 0: no conflict

    for stack in ("dr", "prod"):
        team = yaml.safe_load((repo / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
        raw = stackfiles.raw_config(stack, root=repo)
        for key, value in team.items():
            if key.startswith("failsafe:"):
                handed = json.loads(raw[key]) if isinstance(value, list) else raw[key]
                written = (
                    value
                    if isinstance(value, (str, list))
                    else str(value).lower()
                    if isinstance(value, bool)
                    else str(value)
                )
                assert handed == written, f"{stack}: {key} is {raw[key]!r}, the team wrote {value!r}"
        assert raw["failsafe:upstreamNewKey"] == "fresh"
        assert raw["failsafe:snapshotRetentionDays"] == "40"  # not set by the team: the product's new default
    assert stackfiles.raw_config("dr", root=repo)["failsafe:objectLockRetentionDays"] == "45"


def test_the_example_fixture_is_already_on_the_new_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = build_project("example", tmp_path / "project")
    assert upgrade.run(_args("--from", str(REPO / "Pulumi.yaml"), "--dir", str(project))) == 0
    assert "nothing to move" in capsys.readouterr().out
