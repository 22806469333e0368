"""Estimated or measured: failsafe's own evidence (drill reports, restore run records, saved AWS Backup restore jobs)
replaces a step's estimate with ``measured (n, p50, p95, last date)``, scaled to the store's size when the runs say
how much they restored; a measured run longer than the estimate makes the comparison ``failsafe-dr verify`` and
``recovery --check-evidence`` make fail, naming the step and the terms of the estimate that was wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from failsafe.ops import drill, runrecord
from failsafe.ops.runrecord import RunRecord, RunRecordError
from failsafe.tooling import cli, planning
from failsafe.tooling.recovery import model
from tests.support.recovery import example_estate, example_model, planned

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
GIB = 2**30


@pytest.fixture()
def planned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line plans through planning.plan_stack: answer from the plans this process made already."""
    monkeypatch.setattr(planning, "plan_stack", planned)


def record(
    store: str = "s3:uploads", seconds: float = 600, size: int = 50 * GIB, command: str = "restore s3", **kw: object
) -> RunRecord:
    return RunRecord(
        command, store, START, START + timedelta(seconds=seconds), 1000, size, str(kw.get("outcome", "ok"))
    )


def test_a_run_record_round_trips_and_is_never_overwritten(tmp_path: Path) -> None:
    path = runrecord.write(record(), tmp_path)
    assert path.name.startswith("restore-20261123T020000Z-restore-s3-s3-uploads-") and path.suffix == ".json"
    data = json.loads(path.read_text())
    assert (
        data["format"] == runrecord.FORMAT and data["started"] == "2026-11-23T02:00:00Z" and data["bytes"] == 50 * GIB
    )
    assert runrecord.read(path) == record()
    with pytest.raises(FileExistsError):
        runrecord.write(record(), tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other/1"}, "format 'other/1': expected 'failsafe-restore-run/1'"),
        ({"outcome": "maybe"}, "outcome 'maybe': expected one of ok, failed, partial"),
        ({"ended": "2026-11-23T01:00:00Z"}, "is before started"),
        ({"started": "yesterday"}, "started: expected an ISO 8601 time"),
    ],
)
def test_a_bad_record_is_one_line_naming_the_file_and_field(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    path = tmp_path / "restore-bad.json"
    path.write_text(json.dumps({**record().to_dict(), **change}))
    with pytest.raises(RunRecordError) as caught:
        runrecord.read(path)
    assert str(path) in str(caught.value) and message in str(caught.value) and "\n" not in str(caught.value)


def drill_report(directory: Path, steps: list[tuple[str, int, str]], day: int = 23) -> Path:
    """A drill report as `failsafe-dr drill finish` writes it (failsafe/ops/drill.py summarise)."""
    log = {
        "title": "game day",
        "started": f"2026-11-{day}T02:00:00Z",
        "operator": "alice",
        "rto_minutes": 240,
        "stack": "prod",
        "steps": [],
    }
    moment = datetime(2026, 11, day, 2, 0, tzinfo=UTC)
    for name, seconds, outcome in steps:
        end = moment + timedelta(seconds=seconds)
        log["steps"].append(
            {
                "name": name,
                "started": drill.iso(moment),
                "ended": drill.iso(end),
                "operator": "alice",
                "outcome": outcome,
                "notes": "",
            }
        )  # type: ignore[attr-defined]
        moment = end
    log["finished"] = drill.iso(moment)
    path = directory / f"drill-202611{day}T020000Z.json"
    path.write_text(json.dumps(drill.summarise(log)))
    return path


def test_drill_reports_measure_the_runbooks_steps_by_the_names_drill_run_gives_them(tmp_path: Path) -> None:
    up = runrecord.RUNBOOK_STEP_IDS["up:prod"]
    drill_report(tmp_path, [(up, 900, "ok"), ("failsafe-dr restore s3 uploads", 300, "ok")], day=21)
    drill_report(tmp_path, [(up, 1500, "ok"), (up, 9999, "failed")], day=22)
    drill_report(tmp_path, [(up, 1200, "ok")], day=23)
    m = model.build(example_estate(), runrecord.read_evidence([tmp_path]))
    step = m.steps["up:prod"]
    assert step.label() == "measured (n=3, p50 20 min, p95 25 min, last 2026-11-23)", step.label()
    assert step.duration.minutes == 25, "the 95th percentile of 15, 25 and 20 minutes (a failed step measures nothing)"
    assert m.steps["up:dr"].measured is None and m.steps["up:dr"].label() == "estimated"
    uploads = m.steps["restore:s3:uploads"]
    assert uploads.measured is not None and uploads.measured.n == 1 and uploads.duration.minutes == 5
    cell = m.cell("s3:uploads", "region-loss")
    assert cell.rto is not None and cell.rto.minutes == 5 + 25 + 5  # declare (estimated) + up (measured) + restore


def test_restore_runs_that_say_how_much_they_restored_scale_to_the_stores_size(tmp_path: Path) -> None:
    """A 10 GiB run in 300 s measures 30 s per GiB; the newest run's size is the store's (evidence gives bytes)."""
    runrecord.write(record(seconds=300, size=10 * GIB), tmp_path)
    m = model.build(example_estate(), runrecord.read_evidence([tmp_path]))
    step = m.steps["restore:s3:uploads"]
    assert step.size_bytes == 10 * GIB and step.size_from == "the newest measured run"
    assert step.duration.minutes == pytest.approx(5)


def test_aws_backup_restore_jobs_measure_the_restore_of_their_resource_type(tmp_path: Path) -> None:
    jobs = {
        "RestoreJobs": [
            {
                "ResourceType": "EBS",
                "Status": "COMPLETED",
                "CreationDate": "2026-11-22T05:00:00Z",
                "CompletionDate": "2026-11-22T05:40:00Z",
                "BackupSizeInBytes": 8 * GIB,
            },
            {
                "ResourceType": "EBS",
                "Status": "FAILED",
                "CreationDate": "2026-11-23T05:00:00Z",
                "CompletionDate": "2026-11-23T09:00:00Z",
            },
        ]
    }
    (tmp_path / "restore-jobs.json").write_text(json.dumps(jobs))
    m = model.build(example_estate(), runrecord.read_evidence([tmp_path]))
    ebs = m.steps["restore:backup:EBS"]
    assert ebs.measured is not None and ebs.measured.n == 1 and ebs.duration.minutes == 40
    assert m.steps["restore:backup:RDS"].measured is None


def test_a_measured_run_longer_than_its_estimate_fails_the_comparison_naming_the_step(tmp_path: Path) -> None:
    """The example estimates up:prod at 20 minutes (recoveryEstimates 'step:up:prod 20m'); a drill took 25."""
    drill_report(
        tmp_path,
        [(runrecord.RUNBOOK_STEP_IDS["up:prod"], 1500, "ok"), (runrecord.RUNBOOK_STEP_IDS["declare"], 120, "ok")],
    )
    evidence = runrecord.read_evidence([tmp_path])
    findings = runrecord.compare(example_model().to_dict(), evidence)
    assert [f.step for f in findings] == ["up:prod"], findings
    line = findings[0].line()
    assert line.startswith("recovery estimate exceeded: pulumi up -s prod (up:prod) took 25m00s in ")
    assert "over its estimate 20m00s = pulumi up -s prod 20 min (configured)" in line, line


def test_a_restore_is_judged_against_the_estimate_for_the_bytes_it_restored(tmp_path: Path) -> None:
    """Estimate: 100 MiB/s. 10 GiB in 100 s is within it (102.4 s); 10 GiB in 120 s is not."""
    runrecord.write(record(seconds=100, size=10 * GIB), tmp_path)
    assert runrecord.compare(example_model().to_dict(), runrecord.read_evidence([tmp_path])) == []
    runrecord.write(
        RunRecord(
            "restore s3",
            "s3:uploads",
            START + timedelta(days=1),
            START + timedelta(days=1, seconds=120),
            1,
            10 * GIB,
            "ok",
        ),
        tmp_path,
    )
    (finding,) = runrecord.compare(example_model().to_dict(), runrecord.read_evidence([tmp_path]))
    assert finding.step == "restore:s3:uploads" and finding.estimate_seconds == pytest.approx(102.4)
    assert "copy 50 GiB at 100 MiB/s" in finding.line()


def test_an_estimate_without_a_bound_bounds_nothing(tmp_path: Path) -> None:
    drill_report(tmp_path, [(runrecord.DNS_FAILOVER_STEP, 3600, "ok")])
    m = model.build(example_estate(), runrecord.read_evidence([tmp_path]))
    assert runrecord.compare(m.to_dict(), runrecord.read_evidence([tmp_path])) == []
    assert m.steps["dns-failover:app.example.com"].duration.minutes == 60, "the measurement replaces the open estimate"


def test_recovery_check_evidence_exits_1_with_the_line_and_0_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], planned_once: None
) -> None:
    drill_report(tmp_path, [(runrecord.RUNBOOK_STEP_IDS["up:prod"], 1500, "ok")])
    assert cli.main(["recovery", "prod", "--evidence", str(tmp_path), "--check-evidence"]) == 1
    out = capsys.readouterr().out
    assert (
        "recovery estimate exceeded: pulumi up -s prod (up:prod) took 25m00s" in out and "1 over their estimate" in out
    )
    quick = tmp_path / "quick"
    quick.mkdir()
    drill_report(quick, [(runrecord.RUNBOOK_STEP_IDS["up:prod"], 600, "ok")])
    assert cli.main(["recovery", "prod", "--evidence", str(quick), "--check-evidence"]) == 0


def test_unreadable_evidence_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["recovery", "prod", "--evidence", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "missing: no such file or directory" in err and err.count("\n") == 1
