"""``python -m failsafe recovery`` for people and machines: ``--output text|table|json|markdown``, the table in 100
columns, the worst disruption's timeline as a Mermaid Gantt chart, and ``--diff`` naming the term that moved a cell
("s3:uploads, region loss: RPO 15 min -> none promised (...)"), as the PR workflow puts it in its comment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from failsafe.tooling import cli, planning
from failsafe.tooling.recovery import diff, model, render
from tests.support.plans import ROOT
from tests.support.recovery import example_model, planned, what_if


def prod_stack_files() -> list[str]:
    """The fixture estate's prod stack files (prod and any members), read with PyYAML (templates are no stacks)."""
    found = []
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not path.name.endswith(".template.yaml") and (document.get("config") or {}).get("failsafe:role") == "prod":
            found.append(path.name)
    return found


@pytest.fixture()
def planned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line plans through planning.plan_stack: answer from the plans this process made already."""
    monkeypatch.setattr(planning, "plan_stack", planned)


def test_the_table_fits_100_columns_and_has_a_row_pair_per_store() -> None:
    m = example_model()
    text = render.table(m)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100, max(lines, key=len)
    header = lines[1].split()
    assert header == ["STORE"] + [d.short for d in m.disruptions]
    for store in m.stores:
        (row,) = [line for line in lines if line.startswith(store.id + " ")]
        assert " RPO " in row
    uploads = next(line for line in lines if line.startswith("s3:uploads "))
    assert uploads.split()[2:] == ["-", "15m", "15m", "15m", "-", "15m", "15m", "-"], uploads


def test_json_is_the_whole_model_with_provenance_and_a_format() -> None:
    document = json.loads(render.to_json(example_model()))
    assert document["format"] == model.FORMAT and document["stacks"] == {"dr": "dr", "prod": "prod"}
    uploads = next(s for s in document["stores"] if s["id"] == "s3:uploads")
    region = uploads["cells"]["region-loss"]
    assert region["rpo"]["minutes"] == 15 and region["rpo"]["terms"][0]["reads"][0]["path"].startswith("rules.0.")
    assert region["rto"]["steps"] == ["declare", "up:prod", "restore:s3:uploads"]
    steps = {s["id"]: s for s in document["steps"]}
    assert steps["restore:s3:uploads"]["estimate"]["seconds_per_byte"] == pytest.approx(1 / (100 * 2**20))
    assert steps["restore:s3:uploads"]["match"] == {
        "command": "restore s3",
        "drill_steps": ["failsafe-dr restore s3 uploads"],
        "store": "s3:uploads",
    }
    assert any(c["name"].startswith("S3 Replication Time Control fee") for c in uploads["costs"]), uploads["costs"]


def test_markdown_has_the_table_the_worst_disruptions_gantt_chart_and_every_term() -> None:
    m = example_model()
    text = render.markdown(m)
    worst = m.worst_disruption()
    assert worst.id == "prod-account-lost", worst
    chart = re.search(r"```mermaid\ngantt\n(.*?)```", text, re.S)
    assert chart is not None, text[:500]
    body = chart.group(1)
    assert f"title Recovery after {worst.title}" in body and "section shared steps" in body
    assert re.search(r"declare the incident, freeze deploys 5 min :t1, 00:00:00, 300s", body), body
    assert re.search(r"failsafe-dr restore s3 \(uploads\) 8 min 32 s :t\d+, after t\d+, 512s", body), body
    assert "| `s3:uploads` | unaffected | RPO 15 min<br>RTO 33 min 32 s |" in text
    assert "[Meeting compliance requirements using S3 Replication Time Control (S3 RTC)](https://docs.aws" in text
    assert "S3 Replication Time Control fee per GB replicated ([pricing](https://aws.amazon.com/s3/pricing/))" in text


def test_text_lists_every_term_with_where_it_was_read() -> None:
    text = render.text(example_model())
    assert "uploads-replication-config rules.0.destination.replicationTime.status = 'Enabled'" in text
    assert "backups-plan rules.0.schedule = 'cron(0 * * * ? *)'" in text
    assert "targets: 3 entries, 0 missed" in text


def test_diff_names_the_store_the_disruption_the_change_and_the_term_that_moved_it(tmp_path: Path) -> None:
    base = json.loads(render.to_json(example_model()))
    head = json.loads(render.to_json(model.build(what_if(replicationTimeControl="false"))))
    lines = diff.compare([base], [head])
    assert (
        "s3:uploads, region loss: RPO 15 min -> none promised (S3 RTC off: rules.0.destination.replicationTime is not "
        "Enabled)"
    ) in lines, lines
    assert all(line.startswith(("s3:uploads, ", "s3:assets, ")) for line in lines), lines
    assert diff.compare([base], [base]) == []
    assert diff.markdown([]) == "**Recovery numbers**: no change against the base.\n"


def test_diff_of_a_longer_backup_interval_names_the_schedule() -> None:
    base = json.loads(render.to_json(example_model()))
    head = json.loads(render.to_json(model.build(what_if(backupIntervalHours="4", rpoMinutes="420"))))
    lines = diff.compare([base], [head])
    assert "backup:RDS, AZ loss: RPO 4 h -> 7 h (schedule cron(0 */4 * * ? *))" in lines, lines


def test_the_cli_writes_the_base_model_and_diffs_against_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], planned_once: None
) -> None:
    base = tmp_path / "base.json"
    assert cli.main(["recovery", "--all", "--output", "json", "--out", str(base)]) == 0
    # an estate is named by its prod stack, or by its dr when several prod stacks (a fleet's members) read that dr
    assert json.loads(base.read_text())["estate"] == ("prod" if len(prod_stack_files()) == 1 else "dr")
    assert cli.main(["recovery", "--all", "--diff", str(base), "--output", "markdown"]) == 0
    assert capsys.readouterr().out == "**Recovery numbers**: no change against the base.\n\n"
    assert cli.main(["recovery", "--all", "--diff", str(base), "--set", "replicationTimeControl=false"]) == 0
    assert "s3:uploads, region loss: RPO 15 min -> none promised (S3 RTC off" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["recovery"], "give a stack (prod or dr) or --all"),
        (["recovery", "pr-42"], "pr-42: a preview stack protects no data"),
        (["recovery", "prod", "--diff", "missing.json"], "--diff missing.json: expected a model written by"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err


def test_a_base_that_is_no_model_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "plan.json"
    other.write_text(json.dumps({"stack": "prod", "resources": []}))
    assert cli.main(["recovery", "prod", "--diff", str(other)]) == 2
    assert f"--diff {other}: format None: expected failsafe-recovery-model/1" in capsys.readouterr().err
