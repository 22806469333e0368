"""The drill log and report, and the archive/fetch CLI against a moto bucket."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from failsafe import ops
from failsafe.ops import cli, drill
from failsafe.ops.errors import EXIT_USAGE
from tests.support.moto import BACKUP, account_session
from tests.support.plans import cached_plan

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


def test_a_drill_records_each_step_and_reports_the_measured_rto_against_the_target(tmp_path: Path) -> None:
    clock = Clock()
    d = drill.Drill(tmp_path, now=clock)
    d.start("Q4 game day", rto_minutes=120, operator="alice")
    d.begin("pulumi up -s dr", operator="alice")
    clock.advance(30)
    d.end("ok", notes="12 resources")
    d.begin("pulumi up -s prod", operator="bob")
    clock.advance(60)
    d.end("failed", notes="quota | retried")
    d.add("DNS failover", "2026-11-23T02:30:00Z", "2026-11-23T02:45:00Z", "ok", operator="carol")
    clock.advance(20)

    json_path, md_path, report = d.finish()

    assert json_path.name == "drill-20261123T010000Z.json" and md_path.exists()
    assert report["measured_rto_seconds"] == 105 * 60 and report["target_rto_seconds"] == 120 * 60
    assert report["met_rto"] is False and report["failed_steps"] == ["pulumi up -s prod"], "a failed step misses RTO"
    assert [(s["name"], s["operator"], s["seconds"], s["outcome"]) for s in report["steps"]] == [
        ("pulumi up -s dr", "alice", 1800, "ok"),
        ("pulumi up -s prod", "bob", 3600, "failed"),
        ("DNS failover", "carol", 900, "ok"),
    ]
    text = md_path.read_text()
    assert "Measured RTO **1:45:00** against target 2:00:00: **MISSED**" in text
    assert "| 2 | pulumi up -s prod | bob | 2026-11-23T01:30:00Z | 2026-11-23T02:30:00Z | 1:00:00 | failed |" in text
    assert "quota \\| retried" in text, "a pipe in notes must not break the table"
    assert not d.path.exists(), "the running log is removed once the report exists"


def test_the_next_drill_compares_with_the_previous_report(tmp_path: Path) -> None:
    for minutes in (40, 25):
        clock = Clock()
        clock.now = T0 + timedelta(days=90 if minutes == 25 else 0)
        d = drill.Drill(tmp_path, now=clock)
        d.start("game day", rto_minutes=60)
        d.begin("pulumi up -s dr")
        clock.advance(minutes)
        d.end("ok")
        _, md_path, report = d.finish()

    assert report["met_rto"] is True
    assert report["previous"]["report"] == "drill-20261123T010000Z.json"
    assert report["previous"]["rto_delta_seconds"] == -15 * 60 and report["previous"]["steps"] == {
        "pulumi up -s dr": -900
    }
    assert "change -0:15:00" in md_path.read_text()


def test_drill_misuse_is_refused_with_what_to_do(tmp_path: Path) -> None:
    d = drill.Drill(tmp_path, now=Clock())
    with pytest.raises(drill.DrillError, match="no drill in progress"):
        d.begin("x")
    d.start("t", 60)
    with pytest.raises(drill.DrillError, match="already in progress"):
        d.start("t", 60)
    d.begin("x")
    with pytest.raises(drill.DrillError, match="'x' is still running"):
        d.begin("y")
    with pytest.raises(drill.DrillError, match="still running; end it before finishing"):
        d.finish()
    with pytest.raises(drill.DrillError, match="outcome 'great'"):
        d.end("great")
    with pytest.raises(drill.DrillError, match=r"ends .* before it starts"):
        d.add("z", "2026-11-23T02:00:00Z", "2026-11-23T01:00:00Z", "ok")


def test_interactive_drill_walks_the_steps(tmp_path: Path) -> None:
    clock = Clock()
    d = drill.Drill(tmp_path, now=clock)
    d.start("t", 60)
    answers = iter(["", "ok", "fine", "s", "", "failed", "broke"])

    def ask(prompt: str) -> str:
        clock.advance(1)
        return next(answers)

    d.interactive(("one", "two", "three"), ask=ask, say=lambda _: None)

    steps = d.load()["steps"]
    assert [(s["name"], s["outcome"], s["notes"]) for s in steps] == [
        ("one", "ok", "fine"),
        ("two", "skipped", ""),
        ("three", "failed", "broke"),
    ], steps


@pytest.mark.parametrize(
    ("answers", "still_running"), [([""], True), (["", "ok", "done"], False)], ids=["mid-step", "between-steps"]
)
def test_interactive_drill_whose_input_ends_stops_in_one_line_and_keeps_what_was_answered(
    tmp_path: Path, answers: list[str], still_running: bool
) -> None:
    """Ctrl-D or a closed pipe (``input`` raises EOFError) is a DrillError (exit 2, one line), not a traceback; the
    answered steps are saved and the line says whether a step is left running."""
    d = drill.Drill(tmp_path, now=Clock())
    d.start("t", 60)
    given = iter(answers)

    def ask(prompt: str) -> str:
        try:
            return next(given)
        except StopIteration:
            raise EOFError from None

    with pytest.raises(drill.DrillError) as refused:
        d.interactive(("one", "two"), ask=ask, say=lambda _: None)
    message = str(refused.value)
    assert "\n" not in message and "standard input ended" in message, message
    steps = d.load()["steps"]
    if still_running:
        assert "'one' is still running" in message and [(s["name"], s["ended"]) for s in steps] == [("one", None)]
    else:
        assert "at step 'two'" in message and [(s["name"], s["outcome"]) for s in steps] == [("one", "ok")]


def test_drill_cli_start_step_finish_uses_the_configured_rto(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--drill-dir", str(tmp_path)]
    assert cli.main(["drill", "start", "--operator", "alice", *where]) == 0
    assert (
        json.loads((tmp_path / "current.json").read_text())["rto_minutes"]
        == cli.load_config("prod").recovery.rto_minutes
    )
    assert cli.main(["drill", "step", "begin", "verify", *where]) == 0
    assert cli.main(["drill", "step", "end", "--outcome", "ok", *where]) == 0
    capsys.readouterr()
    assert cli.main(["drill", "status", *where, "--output", "json"]) == 0
    assert [s["name"] for s in json.loads(capsys.readouterr().out)["steps"]] == ["verify"]
    assert cli.main(["drill", "finish", *where]) == 0
    assert "**MET**" in capsys.readouterr().out
    assert cli.main(["drill", "step", "begin", "x", *where]) == EXIT_USAGE
    assert capsys.readouterr().err.startswith("failsafe-dr: error: no drill in progress")


BUCKET = "example-failsafe-archive"


def export(resources: int) -> str:
    return json.dumps({"version": 3, "deployment": {"resources": [{"urn": str(i)} for i in range(resources)]}})


def test_archive_and_fetch_cli_round_trip_and_refuse_a_shrunken_export(
    moto: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", BACKUP)
    account_session(BACKUP).client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    full, truncated = tmp_path / "full.json", tmp_path / "truncated.json"
    full.write_text(export(50))
    truncated.write_text(export(5))

    bucket = ["--archive-bucket", BUCKET, "--output", "json"]
    assert cli.main(["archive", "--stack", "prod", "--file", str(full), *bucket]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert stored["key"].startswith("prod/") and stored["resources"] == 50

    assert cli.main(["archive", "--stack", "prod", "--file", str(truncated), *bucket]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("failsafe-dr: error: export has 5 resources, 90% fewer than the 50") and err.count("\n") == 1

    out = tmp_path / "restored.json"
    assert cli.main(["fetch", "--stack", "prod", "--archive-bucket", BUCKET, "--out", str(out)]) == 0
    assert out.read_text() == full.read_text()
    assert re.search(rf"^key\s+{re.escape(stored['key'])}$", capsys.readouterr().out, re.M), "the table names the key"


def test_python_dash_m_failsafe_ops_and_the_wrapper_script_run_the_cli() -> None:
    for argv in ([sys.executable, "-m", "failsafe.ops", "--help"], [str(ROOT / "bin" / "failsafe-dr"), "--help"]):
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0 and "verify" in result.stdout and "drill" in result.stdout, (argv, result)


def test_the_lambda_bundle_alone_imports_its_handlers_with_only_boto3_and_the_standard_library(tmp_path: Path) -> None:
    """The zip holds only ops.lambda_files(): unpacked on its own (as Lambda does), the handlers must import, and
    nothing of pulumi, yaml or the component library may come along."""
    for name, path in ops.lambda_files().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, tmp_path / name)
    code = (
        "import sys; sys.path.insert(0, '.'); import failsafe.ops.copier, failsafe.ops.params; "
        "assert failsafe.ops.copier.__file__.startswith(sys.argv[1]), failsafe.ops.copier.__file__; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'yaml', 'failsafe_components', 'grpc')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"the Lambda bundle does not stand alone: {result.stdout}{result.stderr}"


def test_the_lambda_package_in_the_dr_plan_is_the_handlers_and_their_helpers_only() -> None:
    """Packing __pycache__ or the operator tools too would change the code hash, and redeploy the functions,
    after every test run."""
    expected = {"failsafe/__init__.py", "failsafe/ops/__init__.py"} | {
        f"failsafe/ops/{module}.py" for module in ("errors", "aws", "copier", "params")
    }
    functions = cached_plan("dr").by_type("aws:lambda/function:Function")
    assert functions, "the dr plan has no Lambda function"
    for function in functions:
        assert set(function.inputs["code"]["archive"]) == expected, function.urn


def test_a_step_added_later_defaults_to_the_drills_operator_and_cannot_predate_the_drill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23: `drill step add` took $USER (the person typing, not the drill's operator) and accepted a step that
    began before the drill did, which would stretch the measured RTO."""
    monkeypatch.setenv("FAILSAFE_OPERATOR", "whoever-types")
    where = ["--drill-dir", str(tmp_path)]
    assert cli.main(["drill", "start", "--operator", "alice", *where]) == 0
    started = json.loads((tmp_path / "current.json").read_text())["started"]
    before = (datetime.fromisoformat(started.replace("Z", "+00:00")) - timedelta(minutes=5)).isoformat()
    capsys.readouterr()

    code = cli.main(["drill", "step", "add", "DNS", "--started", before, "--ended", started, *where])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and err.count("\n") == 1 and f"the drill started at {started}" in err, err

    assert cli.main(["drill", "step", "add", "DNS", "--started", started, "--ended", started, *where]) == 0
    assert cli.main(["drill", "step", "begin", "verify", *where]) == 0
    steps = json.loads((tmp_path / "current.json").read_text())["steps"]
    assert [(s["name"], s["operator"]) for s in steps] == [("DNS", "alice"), ("verify", "alice")], steps
