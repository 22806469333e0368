"""One test per term of the recovery model: change the one setting that feeds it (in config, or in the plan as code
would change it) and the cell moves by exactly the amount the term's definition says, nothing else moves.

Sources of the amounts: S3 User Guide, "Meeting compliance requirements using S3 Replication Time Control" (15
minutes) and "Troubleshooting replication" (no time promised without it); AWS Backup API Reference, BackupRule
(StartWindowMinutes from the scheduled time, CompletionWindowMinutes from the job's start); Route 53 Developer Guide,
"How Route 53 determines the status of health checks" (interval x threshold) and "Values specific for failover
records" (TTL); GitHub Docs, "Events that trigger workflows: schedule" and "timeout-minutes"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from failsafe.tooling import harness, planning
from failsafe.tooling.recovery import estate, model
from failsafe.tooling.recovery.model import Model
from failsafe.tooling.recovery.schedules import max_gap_minutes
from failsafe.tooling.recovery.stores.base import Status
from failsafe.tooling.recovery.terms import Basis
from tests.support.plans import ROOT, cached_plan
from tests.support.recovery import ROLES, example_estate, example_model, mutated, resource, what_if

PLAN = "aws:backup/plan:Plan"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"


def rpo(m: Model, store: str, disruption: str) -> float:
    bound = m.cell(store, disruption).rpo
    assert bound is not None, f"{store} / {disruption} is not protected"
    return bound.minutes


def rto(m: Model, store: str, disruption: str) -> float:
    bound = m.cell(store, disruption).rto
    assert bound is not None, f"{store} / {disruption} is not protected"
    return bound.minutes


def changed_cells(before: Model, after: Model) -> set[tuple[str, str]]:
    return {
        (s.id, d)
        for s in before.stores
        for d, cell in s.cells.items()
        if (cell.rpo_text(), cell.rto_text(), cell.status)
        != (
            (c := after.cell(s.id, d)).rpo_text(),
            c.rto_text(),
            c.status,
        )
    }


# --- S3 replication ---------------------------------------------------------------------------------------------


def test_rtc_off_in_config_moves_the_bucket_rpo_from_15_minutes_to_none_promised() -> None:
    before, after = example_model(), model.build(what_if(replicationTimeControl="false"))
    assert before.cell("s3:uploads", "region-loss").rpo_text() == "15 min"
    assert after.cell("s3:uploads", "region-loss").rpo_text() == "none promised"
    (lag,) = [t for t in after.cell("s3:uploads", "region-loss").rpo_terms if t.key == "s3.replication-time"]
    assert lag.basis is Basis.NONE_PROMISED and "replicationTime is not Enabled" in lag.why, lag
    moved = {store for store, _ in changed_cells(before, after)}
    assert moved == {"s3:assets", "s3:uploads"}, moved


def test_replica_storage_class_glacier_adds_an_archive_retrieval_with_no_promised_time() -> None:
    def glacier(plans: dict[str, harness.Plan]) -> None:
        rc = resource(plans["prod"], REPLICATION, "uploads-replication-config")
        rc.inputs["rules"][0]["destination"]["storageClass"] = "GLACIER"

    after = model.build(mutated(glacier))
    cell = after.cell("s3:uploads", "region-loss")
    assert cell.rto is not None and [t.key for t in cell.rto.open] == ["s3.archive-retrieval"], cell.rto
    assert cell.rto.minutes == rto(example_model(), "s3:uploads", "region-loss"), "the known part must not move"
    assert cell.rpo_text() == "15 min"


def test_replica_noncurrent_expiry_sets_how_long_a_bad_write_can_be_undone() -> None:
    def longer(plans: dict[str, harness.Plan]) -> None:
        lifecycle = resource(
            plans["dr"],
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "backup-replica-uploads-lifecycle",
        )
        lifecycle.inputs["rules"][0]["noncurrentVersionExpiration"]["noncurrentDays"] = 400

    before, after = example_model(), model.build(mutated(longer))
    for disruption in ("prod-account-compromised", "ransomware", "accidental-delete"):
        old, new = before.cell("s3:uploads", disruption).window, after.cell("s3:uploads", disruption).window
        assert old is not None and new is not None and (old.days, new.days) == (365, 400), disruption
    assert after.cell("s3:assets", "ransomware").window.days == 365  # type: ignore[union-attr]


def test_object_lock_mode_is_what_the_copy_survives_an_attacker_in_the_backup_account_with() -> None:
    def compliance(plans: dict[str, harness.Plan]) -> None:
        lock = resource(
            plans["dr"],
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "backup-replica-uploads-lock",
        )
        lock.inputs["rule"]["defaultRetention"]["mode"] = "COMPLIANCE"

    before = example_model().cell("s3:uploads", "backup-account-lost")
    after = model.build(mutated(compliance)).cell("s3:uploads", "backup-account-lost")
    assert "30 days in GOVERNANCE mode" in before.notes[0] and "30 days in COMPLIANCE mode" in after.notes[0], (
        after.notes
    )


def test_an_unprotected_bucket_that_may_be_force_destroyed_needs_the_replica_after_a_destroy() -> None:
    def exposed(plans: dict[str, harness.Plan]) -> None:
        bucket = resource(plans["prod"], "aws:s3/bucket:Bucket", "uploads")
        bucket.protect = False
        bucket.inputs["forceDestroy"] = True

    assert example_model().cell("s3:uploads", "stack-destroyed").status is Status.UNAFFECTED
    cell = model.build(mutated(exposed)).cell("s3:uploads", "stack-destroyed")
    assert cell.status is Status.PROTECTED and cell.rpo_text() == "15 min", cell
    assert [s.id for s in cell.steps] == ["declare", "up:prod", "restore:s3:uploads"]


# --- AWS Backup ------------------------------------------------------------------------------------------------


def test_backup_interval_from_1_to_4_hours_adds_exactly_180_minutes() -> None:
    before, after = example_model(), model.build(what_if(backupIntervalHours="4", rpoMinutes="420"))
    assert rpo(after, "backup:RDS", "az-loss") - rpo(before, "backup:RDS", "az-loss") == 180
    interval = next(t for t in after.cell("backup:RDS", "az-loss").rpo_terms if t.key == "backup.interval")
    assert interval.reads[0].value == "cron(0 */4 * * ? *)" and interval.minutes == 240
    for d in ("region-loss", "ransomware"):  # the copies' known part moves the same
        assert after.cell("backup:RDS", d).rpo.minutes - before.cell("backup:RDS", d).rpo.minutes == 180  # type: ignore[union-attr]


@pytest.mark.parametrize(("path", "value", "delta"), [("startWindow", 120, 60), ("completionWindow", 240, 120)])
def test_the_backup_windows_add_their_own_change(path: str, value: int, delta: int) -> None:
    def change(plans: dict[str, harness.Plan]) -> None:
        resource(plans["prod"], PLAN, "backups-plan").inputs["rules"][0][path] = value

    before, after = example_model(), model.build(mutated(change))
    assert rpo(after, "backup:EBS", "az-loss") - rpo(before, "backup:EBS", "az-loss") == delta
    assert {store for store, _ in changed_cells(before, after)} == {s.id for s in before.stores if s.kind == "backup"}


def test_without_a_copy_action_the_recovery_points_do_not_survive_the_region_or_the_account() -> None:
    def no_copy(plans: dict[str, harness.Plan]) -> None:
        del resource(plans["prod"], PLAN, "backups-plan").inputs["rules"][0]["copyActions"]

    after = model.build(mutated(no_copy))
    for d in ("region-loss", "prod-account-lost", "prod-account-compromised", "ransomware"):
        cell = after.cell("backup:RDS", d)
        assert cell.status is Status.NOT_PROTECTED and "has no copy action" in cell.reason, (d, cell.reason)
    assert after.cell("backup:RDS", "az-loss").rpo_text() == example_model().cell("backup:RDS", "az-loss").rpo_text()


def test_copy_retention_is_how_long_a_compromise_can_go_unnoticed() -> None:
    def longer(plans: dict[str, harness.Plan]) -> None:
        resource(plans["prod"], PLAN, "backups-plan").inputs["rules"][0]["copyActions"][0]["lifecycle"][
            "deleteAfter"
        ] = 60

    window = model.build(mutated(longer)).cell("backup:RDS", "prod-account-compromised").window
    assert window is not None and window.days == 60
    assert example_model().cell("backup:RDS", "prod-account-compromised").window.days == 35  # type: ignore[union-attr]


# --- the copiers ------------------------------------------------------------------------------------------------


def test_the_copiers_schedule_is_their_wait_and_the_function_timeout_their_run() -> None:
    def slower(plans: dict[str, harness.Plan]) -> None:
        resource(plans["dr"], "aws:cloudwatch/eventRule:EventRule", "recovery-schedule").inputs[
            "scheduleExpression"
        ] = "rate(12 hours)"
        resource(plans["dr"], "aws:lambda/function:Function", "recovery-params").inputs["timeout"] = 600

    before, after = example_model(), model.build(mutated(slower))
    assert rpo(before, "parameters", "region-loss") == 360 + 5
    assert rpo(after, "parameters", "region-loss") - rpo(before, "parameters", "region-loss") == 360 + 5
    assert rpo(after, "snapshots", "region-loss") - rpo(before, "snapshots", "region-loss") == 360


def test_snapshot_events_shorten_the_usual_wait_but_not_the_worst_case() -> None:
    """EventBridge publishes no delivery time, so the copier's schedule bounds the wait with or without events."""
    before, after = example_model(), model.build(what_if(snapshotEventForwarding="false", rpoMinutes="360"))
    old = next(t for t in before.cell("snapshots", "region-loss").rpo_terms if t.key == "copier.schedule")
    new = next(t for t in after.cell("snapshots", "region-loss").rpo_terms if t.key == "copier.schedule")
    assert old.minutes == new.minutes == 360
    assert any("eb-rule-retry-policy" in d.url for d in old.docs) and not any(
        "eb-rule-retry-policy" in d.url for d in new.docs
    )
    assert any(r.value and "event-bus/" in str(r.value) for r in old.reads) and len(new.reads) == 1


# --- scheduled workflows ----------------------------------------------------------------------------------------


@pytest.fixture()
def workflow_root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / ".github" / "workflows", tmp_path / ".github" / "workflows")
    return tmp_path


def _in(root: Path) -> Model:
    e = example_estate(root)
    return model.build(e)


def test_the_archive_schedule_is_read_from_the_workflow_file(workflow_root: Path) -> None:
    path = workflow_root / ".github" / "workflows" / "archive.yml"
    path.write_text(path.read_text().replace('cron: "41 2 * * *"', 'cron: "41 */6 * * *"'))
    before, after = example_model(), _in(workflow_root)
    assert (
        rpo(before, "state-archive", "accidental-delete") - rpo(after, "state-archive", "accidental-delete")
        == 1440 - 360
    )
    assert after.cell("state-archive", "accidental-delete").rpo_text().startswith("none promised (at least 6 h 15 min)")


def test_the_capture_jobs_timeout_is_part_of_its_rpo(workflow_root: Path) -> None:
    path = workflow_root / ".github" / "workflows" / "capture.yml"
    path.write_text(path.read_text().replace("timeout-minutes: 75", "timeout-minutes: 30"))
    assert rpo(example_model(), "captures", "region-loss") - rpo(_in(workflow_root), "captures", "region-loss") == 45


def test_without_the_workflow_file_there_is_no_such_store(workflow_root: Path) -> None:
    (workflow_root / ".github" / "workflows" / "capture.yml").unlink()
    assert "captures" not in {s.id for s in _in(workflow_root).stores}


# --- DNS --------------------------------------------------------------------------------------------------------


def test_dns_ttl_30_instead_of_60_takes_exactly_30_seconds_off() -> None:
    before, after = example_model(), model.build(what_if(dnsTtl="30"))
    assert (
        round(
            (rto(before, "dns:app.example.com", "region-loss") - rto(after, "dns:app.example.com", "region-loss")) * 60
        )
        == 30
    )


@pytest.mark.parametrize(
    ("path", "value", "seconds"), [("requestInterval", 30, (30 - 10) * 3 + 20), ("failureThreshold", 4, 10)]
)
def test_the_health_check_sets_detection(path: str, value: int, seconds: int) -> None:
    """Detection is the interval times the threshold; the first failed check may come up to one more interval late."""

    def change(plans: dict[str, harness.Plan]) -> None:
        resource(plans["prod"], "aws:route53/healthCheck:HealthCheck", "failover-primary-health").inputs[path] = value

    before, after = example_model(), model.build(mutated(change))
    moved = rto(after, "dns:app.example.com", "region-loss") - rto(before, "dns:app.example.com", "region-loss")
    assert round(moved * 60) == seconds


def test_a_calculated_primary_check_leaves_the_failover_unknown_beyond_its_known_part() -> None:
    cell = example_model().cell("dns:app.example.com", "region-loss")
    assert cell.rto is not None and [t.key for t in cell.rto.open] == ["dns.calculated"]
    assert cell.rto_text() == "UNKNOWN (at least 2 min 46 s)"


def test_a_separate_dns_account_keeps_failover_when_prod_is_lost() -> None:
    after = model.build(what_if(dnsAccountId="555555555555"))
    assert example_model().cell("dns:app.example.com", "prod-account-lost").status is Status.NOT_PROTECTED
    assert after.cell("dns:app.example.com", "prod-account-lost").status is Status.PROTECTED


# --- the owner's estimates --------------------------------------------------------------------------------------


def test_a_restore_takes_size_over_rate_so_twice_the_size_takes_twice_as_long() -> None:
    values = [e for e in planning.stack_config("prod")[1].objectives.estimates if e.selector != "s3:uploads"]
    assert len(values) < len(planning.stack_config("prod")[1].objectives.estimates), "the example estimates uploads"
    overrides = {"failsafe:recoveryEstimates": [e.entry for e in values] + ["s3:uploads size=100GiB rate=100MiB/s"]}
    objectives = planning.stack_config("prod", overrides)[1].objectives
    plans = {"dr": cached_plan("dr"), "prod": cached_plan("prod")}
    after = model.build(estate.from_plans(plans, ROLES, objectives, ROOT, "prod"))
    before = example_model()
    assert after.steps["restore:s3:uploads"].duration.minutes == 2 * before.steps["restore:s3:uploads"].duration.minutes
    assert before.steps["restore:s3:uploads"].duration.minutes * 60 == pytest.approx(50 * 2**30 / (100 * 2**20))


def test_a_step_nobody_estimated_is_unknown_never_guessed() -> None:
    plans = {"dr": cached_plan("dr"), "prod": cached_plan("prod")}
    bare = model.build(estate.from_plans(plans, ROLES, None, ROOT, "prod"))
    step = bare.steps["up:prod"]
    assert not step.duration.bounded and step.terms[0].basis is Basis.UNKNOWN
    assert "recoveryEstimates 'step:up:prod <duration>'" in step.terms[0].note


# --- schedules --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "dialect", "minutes"),
    [
        ("cron(0 * * * ? *)", "aws", 60),
        ("cron(0 */4 * * ? *)", "aws", 240),
        ("cron(0 5 ? * SUN *)", "aws", 7 * 1440),
        ("cron(0 5,17 ? * MON-FRI *)", "aws", 60 * 60),  # Friday 17:00 to Monday 05:00
        ("rate(6 hours)", "aws", 360),
        ("41 2 * * *", "github", 1440),
        ("17 3 * * 1-5", "github", 3 * 1440),
        ("0 0 1 * *", "github", 31 * 1440),
    ],
)
def test_the_longest_gap_of_a_schedule(expression: str, dialect: str, minutes: int) -> None:
    assert max_gap_minutes(expression, dialect) == minutes


@pytest.mark.parametrize(
    "expression", ["cron(0 5 L * ? *)", "cron(0 5 ? * 6#3 *)", "cron(0 5 * * ? 2030)", "rate(soon)"]
)
def test_a_schedule_whose_gap_depends_on_more_is_unknown(expression: str) -> None:
    assert max_gap_minutes(expression) is None
