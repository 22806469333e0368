"""``verify`` against a moto server: a compliant estate passes every check, and each check fails when one
property is broken. Prod (111111111111) and backup (222222222222) are separate moto accounts, named by
the real prod config. moto has no AWS Backup recovery points, so that one API is a stub."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from failsafe.ops import archive, aws, cli, copier, verify
from failsafe.ops.errors import EXIT_AWS, EXIT_FAILED, EXIT_USAGE, explain
from tests.support.awsfaults import inject
from tests.support.moto import BACKUP, PROD, account_session
from tests.support.restore_paging import Paged

pytestmark = pytest.mark.usefixtures("shared_models")  # sessions share parsed service models

CFG = cli.load_config("prod")
NOW = datetime.now(UTC)
ARCHIVE_BUCKET = "example-failsafe-archive"
VAULT = "failsafe-vault"


class Points:
    """AWS Backup stub: moto cannot run backup jobs, so recovery points are given."""

    def __init__(self, *created: datetime) -> None:
        self.points = [
            {"RecoveryPointArn": f"rp-{n}", "Status": "COMPLETED", "CreationDate": c} for n, c in enumerate(created)
        ]

    def list_recovery_points_by_backup_vault(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["BackupVaultName"] == VAULT, kwargs
        return {"RecoveryPoints": self.points}


class NoBackfillJobs:
    """S3 Batch Operations (moto has none): no job yet, so the backfill check shows and does not judge (SKIP)."""

    def list_jobs(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["AccountId"] == PROD, kwargs
        return {"Jobs": []}


class Health:
    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses

    def get_health_check_status(self, **_: Any) -> dict[str, Any]:
        return {"HealthCheckObservations": [{"Region": "r", "StatusReport": {"Status": s}} for s in self.statuses]}


def trust(mfa: bool) -> str:
    statement: dict[str, Any] = {
        "Sid": "People",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{CFG.accounts.identity}:root"},
    }
    if mfa:
        statement["Condition"] = {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def replication(replica: str, delete_markers: str = "Disabled", account: str = BACKUP) -> dict[str, Any]:
    return {
        "Role": f"arn:aws:iam::{PROD}:role/failsafe-s3-replication",
        "Rules": [
            {
                "ID": "to-backup",
                "Status": "Enabled",
                "Priority": 1,
                "Filter": {},
                "DeleteMarkerReplication": {"Status": delete_markers},
                "Destination": {
                    "Bucket": f"arn:aws:s3:::{replica}",
                    "Account": account,
                    "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                    "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
                },
            }
        ],
    }


_PAIRS = itertools.count(1)


def bucket_pairs(prod: Any, backup: Any, backup_account: str = BACKUP) -> dict[str, tuple[str, str]]:
    """A versioned, replicating source and replica of every protected bucket, under names no other pair has (the
    config's names with a suffix: bucket names are global, moto 5.2 ``s3_backends.bucket_accounts``). Never the
    config's own names, which the CLI test must find missing."""
    prod_s3, backup_s3 = prod.client("s3"), backup.client("s3")
    n = next(_PAIRS)
    pairs = {}
    for bucket in CFG.protected_buckets:
        source, replica = f"{CFG.source_bucket_name(bucket)}-v{n}", f"{CFG.replica_bucket_name(bucket)}-v{n}"
        prod_s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": CFG.primary_region})
        backup_s3.create_bucket(Bucket=replica, CreateBucketConfiguration={"LocationConstraint": CFG.dr_region})
        prod_s3.put_bucket_versioning(Bucket=source, VersioningConfiguration={"Status": "Enabled"})
        backup_s3.put_bucket_versioning(Bucket=replica, VersioningConfiguration={"Status": "Enabled"})
        prod_s3.put_bucket_replication(
            Bucket=source, ReplicationConfiguration=replication(replica, account=backup_account)
        )
        prod_s3.put_object(Bucket=source, Key="a.txt", Body=b"a")
        backup_s3.put_object(Bucket=replica, Key="a.txt", Body=b"a")
        pairs[bucket] = (source, replica)
    return pairs


def account_estate(prod: Any, backup: Any, backup_account: str = BACKUP) -> dict[str, str]:
    """What the checks read account-wide: a fresh snapshot copy, the archives of both stacks, the break-glass role
    with MFA and a service role in the backup account; a health check in prod."""
    ec2 = backup.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{CFG.dr_region}a", Size=8)["VolumeId"]
    ec2.create_snapshot(
        VolumeId=volume,
        TagSpecifications=[
            {
                "ResourceType": "snapshot",
                "Tags": [
                    {"Key": copier.COPIED_BY_TAG, "Value": "failsafe"},
                    {"Key": copier.COPIED_AT_TAG, "Value": (NOW - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")},
                ],
            }
        ],
    )
    archive_bucket = ARCHIVE_BUCKET if backup_account == BACKUP else f"{ARCHIVE_BUCKET}-{backup_account}"
    backup_s3 = backup.client("s3")
    backup_s3.create_bucket(Bucket=archive_bucket, CreateBucketConfiguration={"LocationConstraint": CFG.dr_region})
    store = archive.Archive(backup_s3, archive_bucket)
    export = json.dumps({"deployment": {"resources": [{"urn": "u"}]}}).encode()
    for stack in ("dr", "prod"):
        store.store(stack, export, 20, now=NOW - timedelta(hours=1))
    backup.client("iam").create_role(RoleName="failsafe-breakglass", AssumeRolePolicyDocument=trust(mfa=True))
    backup.client("iam").create_role(
        RoleName="failsafe-copier",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
                ],
            }
        ),
    )
    health = prod.client("route53").create_health_check(
        CallerReference=f"x-{backup_account}",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "primary.app.example.com",
            "Port": 443,
            "ResourcePath": "/health",
        },
    )["HealthCheck"]["Id"]
    return {"archive": archive_bucket, "health": health}


def assemble(
    prod: Any, backup: Any, account: dict[str, str], pairs: dict[str, tuple[str, str]], backup_account: str = BACKUP
) -> dict[str, Any]:
    """The sessions, sides of this test's own (a test puts its stubs into ``sides.overrides``) and the targets of
    ``pairs``; ``source`` and ``replica`` map each protected bucket to its names here."""
    sides = verify.Sides(
        prod,
        backup,
        CFG.primary_region,
        CFG.dr_region,
        overrides={
            ("backup", "backup"): Paged(Points(NOW - timedelta(minutes=10)), "backup"),
            ("prod", "s3control"): Paged(NoBackfillJobs(), "s3control"),
        },
    )
    targets = verify.Targets.from_config(
        CFG,
        {"vaultName": VAULT, "archiveBucketName": account["archive"], "healthCheckId": account["health"]},
        source_buckets={replica: source for source, replica in pairs.values()},
        backup_account=backup_account,
    )
    return {
        "prod": prod,
        "backup": backup,
        "sides": sides,
        "targets": targets,
        "archive": account["archive"],
        "source": {b: pair[0] for b, pair in pairs.items()},
        "replica": {b: pair[1] for b, pair in pairs.items()},
    }


@pytest.fixture(scope="module")
def compliant(shared_moto: str) -> dict[str, Any]:
    """A compliant estate, built once for the module (building it per test cost 1.5-3.5 s each): tests that only
    read it take :func:`estate`; one that changes a bucket takes :func:`own_estate`, one that adds a role
    :func:`estate_of_its_own_account`."""
    prod, backup = account_session(PROD, CFG.primary_region), account_session(BACKUP, CFG.dr_region)
    return {
        "prod": prod,
        "backup": backup,
        "account": account_estate(prod, backup),
        "pairs": bucket_pairs(prod, backup),
    }


@pytest.fixture
def estate(compliant: dict[str, Any]) -> dict[str, Any]:
    """The shared compliant estate (every check passes), read only."""
    return assemble(compliant["prod"], compliant["backup"], compliant["account"], compliant["pairs"])


@pytest.fixture
def own_estate(compliant: dict[str, Any]) -> dict[str, Any]:
    """The shared compliant estate with bucket pairs of this test's own, which it may break."""
    prod, backup = compliant["prod"], compliant["backup"]
    return assemble(prod, backup, compliant["account"], bucket_pairs(prod, backup))


@pytest.fixture
def estate_of_its_own_account(shared_moto: str) -> dict[str, Any]:
    """A compliant estate whose backup side is an account of this test's own (666666666666): the MFA check reads every
    role of the backup account, so a role added there must not reach any other test."""
    other = "666666666666"
    prod, backup = account_session(PROD, CFG.primary_region), account_session(other, CFG.dr_region)
    return assemble(prod, backup, account_estate(prod, backup, other), bucket_pairs(prod, backup, other), other)


def by_name(checks: list[verify.Check]) -> dict[str, verify.Check]:
    return {c.name: c for c in checks}


def failing(checks: list[verify.Check]) -> dict[str, str]:
    return {c.name: c.evidence for c in checks if c.ok is False}


def test_a_compliant_estate_passes_every_check(estate: dict[str, Any]) -> None:
    checks = verify.run(estate["sides"], estate["targets"], now=NOW)

    assert failing(checks) == {}, verify.table(checks)
    names = set(by_name(checks))
    for bucket in CFG.protected_buckets:
        replica = estate["replica"][bucket]
        assert {
            f"versioning {replica}",
            f"replica freshness {replica}",
            f"replication {estate['source'][bucket]} -> {replica}",
        } <= names
    assert {
        f"recovery points {VAULT}",
        "snapshot copies",
        "archive dr",
        "archive prod",
        "MFA failsafe-breakglass",
    } <= names, names
    assert "MFA failsafe-copier" not in names, "a service role is not a human role"
    assert json.loads(verify.as_json(checks))["ok"] is True


def test_missing_destination_versioning_fails(own_estate: dict[str, Any]) -> None:
    estate = own_estate
    replica = estate["replica"]["assets"]
    estate["backup"].client("s3").put_bucket_versioning(Bucket=replica, VersioningConfiguration={"Status": "Suspended"})

    assert failing(verify.run(estate["sides"], estate["targets"], now=NOW)) == {
        f"versioning {replica}": "Status=Suspended"
    }


class DeleteMarkersOn:
    """moto stores every rule with DeleteMarkerReplication Disabled whatever it is given, so this proxy returns
    what S3 would return for a rule written with it Enabled; everything else goes to moto."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != "get_bucket_replication":
            return real

        def enabled(**kwargs: Any) -> dict[str, Any]:
            result = real(**kwargs)
            for rule in result["ReplicationConfiguration"]["Rules"]:
                rule["DeleteMarkerReplication"] = {"Status": "Enabled"}
            return result

        return enabled


def test_delete_marker_replication_on_fails(estate: dict[str, Any]) -> None:
    estate["sides"].overrides[("prod", "s3")] = DeleteMarkersOn(estate["prod"].client("s3"))

    failed = failing(verify.run(estate["sides"], estate["targets"], now=NOW))

    expected = {f"replication {estate['source'][b]} -> {estate['replica'][b]}" for b in CFG.protected_buckets}
    assert set(failed) == expected, failed
    assert all("DeleteMarkerReplication='Enabled'" in e for e in failed.values()), failed


def test_a_v1_prefix_rule_fails_because_it_replicates_delete_markers() -> None:
    replica = CFG.replica_bucket_name("assets")
    rule = {"ID": "old", "Status": "Enabled", "Prefix": "", "Destination": {"Bucket": f"arn:aws:s3:::{replica}"}}

    class S3:
        def get_bucket_replication(self, **_: Any) -> dict[str, Any]:
            return {"ReplicationConfiguration": {"Rules": [rule]}}

    sides = verify.Sides(object(), None, CFG.primary_region, CFG.dr_region, overrides={("prod", "s3"): S3()})
    check = verify.check_replication(sides, verify.Targets.from_config(CFG), replica)
    assert check.ok is False and "V1 (prefix) rule" in check.evidence, check


def test_replication_to_another_bucket_or_none_fails(own_estate: dict[str, Any]) -> None:
    estate = own_estate
    source, replica = estate["source"]["assets"], estate["replica"]["assets"]
    s3 = estate["prod"].client("s3")
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=replication("somewhere-else"))
    assert (
        "no enabled rule has destination"
        in failing(verify.run(estate["sides"], estate["targets"], now=NOW))[f"replication {source} -> {replica}"]
    )
    s3.delete_bucket_replication(Bucket=source)
    assert (
        "no replication configuration"
        in failing(verify.run(estate["sides"], estate["targets"], now=NOW))[f"replication {source} -> {replica}"]
    )


def test_stale_backups_fail_against_the_rpo(estate: dict[str, Any]) -> None:
    later = NOW + timedelta(minutes=CFG.recovery.rpo_minutes + 30)

    failed = failing(verify.run(estate["sides"], estate["targets"], now=later))

    assert set(failed) == {f"recovery points {VAULT}", "snapshot copies"}, failed
    assert f"(RPO {timedelta(minutes=CFG.recovery.rpo_minutes)})" in failed["snapshot copies"]


def test_replica_lagging_behind_the_source_fails(estate: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    replica = estate["replica"]["assets"]
    real = verify._newest_object

    def newest(s3: Any, bucket: str) -> tuple[datetime | None, int, bool]:
        found = real(s3, bucket)
        lag = timedelta(minutes=CFG.recovery.rpo_minutes + 60)  # beyond the RPO, whatever prod configures
        return (found[0] - lag, *found[1:]) if bucket == replica else found

    monkeypatch.setattr(verify, "_newest_object", newest)
    failed = failing(verify.run(estate["sides"], estate["targets"], now=NOW))
    assert (
        list(failed) == [f"replica freshness {replica}"]
        and "behind the source" in failed[f"replica freshness {replica}"]
    ), failed


def test_empty_replica_and_missing_vault_fail(own_estate: dict[str, Any]) -> None:
    estate = own_estate
    replica = estate["replica"]["uploads"]
    estate["backup"].client("s3").delete_object(Bucket=replica, Key="a.txt")
    targets = verify.Targets.from_config(
        CFG,
        {"archiveBucketName": estate["archive"], "healthCheckId": estate["targets"].health_check_id},
        source_buckets=estate["targets"].source_buckets,
    )

    failed = failing(verify.run(estate["sides"], targets, now=NOW))

    assert "replica is empty" in failed[f"replica freshness {replica}"]
    assert "no vault name" in failed["recovery points (vault?)"]


def test_stale_or_missing_archive_fails(estate: dict[str, Any]) -> None:
    failed = failing(verify.run(estate["sides"], estate["targets"], now=NOW + timedelta(hours=30)))
    assert {"archive dr", "archive prod"} <= set(failed) and "limit 1 day, 2:00:00" in failed["archive prod"]

    targets = verify.Targets.from_config(
        CFG,
        {
            "vaultName": VAULT,
            "archiveBucketName": estate["archive"],
            "healthCheckId": estate["targets"].health_check_id,
        },
        stacks=("qa",),
        source_buckets=estate["targets"].source_buckets,
    )
    assert "no archives under" in failing(verify.run(estate["sides"], targets, now=NOW))["archive qa"]


def test_a_human_role_without_mfa_fails(estate_of_its_own_account: dict[str, Any]) -> None:
    estate = estate_of_its_own_account
    estate["backup"].client("iam").create_role(RoleName="failsafe-restore", AssumeRolePolicyDocument=trust(False))

    failed = failing(verify.run(estate["sides"], estate["targets"], now=NOW))

    assert failed == {"MFA failsafe-restore": f"statement(s) People let {CFG.accounts.identity} in without MFA"}


def test_throttling_is_retried_then_reported_as_a_failed_check(estate: dict[str, Any]) -> None:
    """IAM's Throttling on every attempt of ListRoles, answered in botocore's send step: the plumbing's standard
    retries try 5 times (failsafe.ops.aws.ATTEMPTS), then the check fails with one line saying so."""
    iam = aws.client(estate["backup"], "iam")  # the plumbing's client: its retry mode and attempts
    seen = inject(iam.meta.events, "iam", "ListRoles", times=99, code="Throttling")
    estate["sides"].overrides[("backup", "iam")] = iam

    failed = failing(verify.run(estate["sides"], estate["targets"], now=NOW))

    assert list(failed) == ["MFA on human roles"], failed
    assert "Throttling after 5 attempts: Rate exceeded" in failed["MFA on human roles"], failed
    assert seen.attempts == 5, seen


POINTS_NOW = Paged(Points(NOW), "backup")


def test_a_side_without_credentials_is_skipped_not_passed(estate: dict[str, Any]) -> None:
    sides = verify.Sides(
        None,
        estate["backup"],
        CFG.primary_region,
        CFG.dr_region,
        overrides={("backup", "backup"): POINTS_NOW},
    )

    checks = verify.run(sides, estate["targets"], now=NOW)

    skipped = [c.name for c in checks if c.ok is None]
    assert f"replication {estate['source']['assets']} -> {estate['replica']['assets']}" in skipped
    assert failing(checks) == {}  # (the health checks are read through the DNS account: failsafe.ops.dns)
    assert "SKIP" in verify.table(checks)


def test_sessions_are_matched_to_accounts_and_a_wrong_account_is_refused(estate: dict[str, Any]) -> None:
    t = estate["targets"]
    assert verify.assign_sides(t, [(None, estate["prod"]), (None, estate["backup"])]) == {
        "prod": estate["prod"],
        "backup": estate["backup"],
    }
    with pytest.raises(verify.VerifyError, match=f"the backup credentials are account {PROD}, config says {BACKUP}"):
        verify.assign_sides(t, [("backup", estate["prod"])])
    with pytest.raises(verify.VerifyError, match="wrong account: credentials are account 999999999999"):
        verify.assign_sides(t, [(None, account_session("999999999999"))])


def test_missing_credentials_are_one_clear_line(shared_moto: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    import boto3

    with pytest.raises(verify.VerifyError, match="no AWS credentials for the backup side"):
        verify.account_of(boto3.Session(region_name="eu-central-1"), "backup")


def test_verify_cli_exits_1_with_json_on_failures_and_2_on_a_wrong_account(
    shared_moto: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["verify", "--output", "json"]) == EXIT_USAGE  # ambient moto credentials: account 123456789012
    assert capsys.readouterr().err.strip() == (
        f"failsafe-dr: error: wrong account: credentials are account 123456789012, config says prod {PROD} "
        f"or backup {BACKUP}"
    )

    monkeypatch.setenv("MOTO_ACCOUNT_ID", BACKUP)  # ambient credentials now land in the (empty) backup account
    assert cli.main(["verify", "--output", "json", "--vault", VAULT]) == EXIT_FAILED
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["health check"] == "SKIP" and statuses[f"versioning {CFG.replica_bucket_name('assets')}"] == "FAIL"


def test_throttled_identity_check_is_one_clear_line_and_exit_3(shared_moto: str) -> None:
    """STS throttled on every attempt: the error reaches the CLI's one map (failsafe.ops.errors.explain) as exit 3,
    one line naming the call and the attempts."""
    sess = account_session(BACKUP)
    inject(sess.events, "sts", "GetCallerIdentity", times=99, code="Throttling")

    with pytest.raises(ClientError) as raised:
        verify.account_of(sess, "backup")

    code, line = explain(raised.value) or (None, "")
    assert code == EXIT_AWS and line == "AWS refused GetCallerIdentity after 5 attempts: Throttling: Rate exceeded"


def test_last_drill_must_have_met_the_configured_rto(tmp_path: Any) -> None:
    from failsafe.ops import drill

    targets = verify.Targets.from_config(CFG, drills_dir=str(tmp_path))
    assert "no drill report" in verify.check_last_drill(targets, NOW).evidence

    clock = iter([NOW - timedelta(days=3), NOW - timedelta(days=3), NOW - timedelta(days=3) + timedelta(hours=5)])
    log = drill.Drill(tmp_path, now=lambda: next(clock))
    log.start("game day", rto_minutes=600)  # the drill's own target was looser than the config's
    log.add(
        "pulumi up -s prod",
        (NOW - timedelta(days=3)).isoformat(),
        (NOW - timedelta(days=3) + timedelta(hours=5)).isoformat(),
        "ok",
    )
    log.finish()

    check = verify.check_last_drill(targets, NOW)
    assert (
        check.ok is False
        and f"measured RTO 5:00:00 vs target {timedelta(minutes=CFG.recovery.rto_minutes)}" in check.evidence
    ), check


def test_snapshot_copies_are_judged_on_every_page_not_the_first_hundred() -> None:
    """Review finding: RDS answers 100 snapshots a page; the newest copy on page two was never seen."""
    now = datetime(2026, 6, 1, tzinfo=UTC)
    ours = {verify.COPIED_BY_TAG: verify.COPIED_BY_VALUE}

    def snapshot(at: datetime) -> dict[str, Any]:
        tags = {**ours, verify.COPIED_AT_TAG: at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return {"TagList": [{"Key": k, "Value": v} for k, v in tags.items()]}

    class Rds:
        def describe_db_snapshots(self, **kwargs: Any) -> dict[str, Any]:
            if kwargs.get("Marker") is None:  # page one: 100 old copies
                return {"DBSnapshots": [snapshot(now - timedelta(days=3))] * 100, "Marker": "page-2"}
            return {"DBSnapshots": [snapshot(now - timedelta(minutes=5))]}

        def describe_db_cluster_snapshots(self, **_: Any) -> dict[str, Any]:
            return {"DBClusterSnapshots": []}

    class Ec2:
        def describe_snapshots(self, **_: Any) -> dict[str, Any]:
            return {"Snapshots": []}

    fakes = {("backup", "rds"): Paged(Rds(), "rds"), ("backup", "ec2"): Paged(Ec2(), "ec2")}
    sides = verify.Sides(None, None, "eu-west-1", "eu-central-1", fakes)
    targets = verify.Targets({}, "111111111111", "222222222222", "333333333333", timedelta(hours=1))
    result = verify.check_snapshot_copies(sides, targets, now)
    assert result.ok, result.evidence


class RestoreJobs:
    """The AWS Backup side of restore testing (moto has no ListRestoreJobs by plan): fixed jobs."""

    def __init__(self, jobs: list[dict[str, Any]]) -> None:
        self.jobs = jobs

    def list_restore_jobs(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["ByRestoreTestingPlanArn"] == PLAN_ARN
        return {"RestoreJobs": self.jobs}


PLAN_ARN = "arn:aws:backup:eu-central-1:222222222222:restore-testing-plan:failsafe-weekly"


def restore_job(source: str, minutes: int, status: str = "COMPLETED", validation: str = "SUCCESSFUL") -> dict:
    started = NOW - timedelta(hours=1)
    return {
        "RestoreJobId": source,
        "SourceResourceArn": source,
        "ResourceType": "EBS",
        "Status": status,
        "ValidationStatus": validation,
        "CreationDate": started,
        "CompletionDate": started + timedelta(minutes=minutes),
    }


@pytest.mark.parametrize(
    ("jobs", "ok", "evidence"),
    [
        ([restore_job("vol-1", 20), restore_job("vol-2", 35)], True, "2 resource(s) restored and validated"),
        ([restore_job("vol-1", 20), restore_job("vol-2", 20, status="FAILED")], False, "vol-2: FAILED"),
        ([restore_job("vol-1", 20, validation="FAILED")], False, "vol-1: COMPLETED"),
        ([restore_job("vol-1", 60 * 24)], False, "took 1440 min"),
        ([], False, "no restore test has run yet"),
    ],
    ids=["healthy", "failed", "not-validated", "slower-than-rto", "never-ran"],
)
def test_verify_reports_the_latest_restore_tests_against_the_rto(jobs: list[dict], ok: bool, evidence: str) -> None:
    sides = verify.Sides(
        None, None, "eu-west-1", "eu-central-1", {("backup", "backup"): Paged(RestoreJobs(jobs), "backup")}
    )
    targets = verify.Targets.from_config(CFG, {"restoreTestingPlanArn": PLAN_ARN})
    check = verify.check_restore_tests(sides, targets)
    assert check.ok is ok and evidence in check.evidence, check


# --- a read error is a FAIL, said in one line (issue 22 item 12, issue 23) --------------------------------------


class Unreadable:
    """Every call answered the way AWS refuses a read: the error a check must report as FAIL, never SKIP or PASS."""

    def __init__(self, message: str = "denied") -> None:
        self.message = message

    def __getattr__(self, name: str) -> Any:
        def refused(**_: Any) -> None:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": self.message}}, name)

        return refused


def test_unreadable_backfill_jobs_fail_instead_of_being_skipped(estate: dict[str, Any]) -> None:
    estate["sides"].overrides[("prod", "s3control")] = Paged(Unreadable(), "s3control")
    replica = estate["replica"]["assets"]

    check = verify.check_backfill(estate["sides"], estate["targets"], replica)

    assert check.ok is False and "cannot read Batch Operations jobs: AccessDenied" in check.evidence, check


def test_replication_metrics_off_fail_instead_of_passing_with_no_data_points(own_estate: dict[str, Any]) -> None:
    """CloudWatch answers a query for a rule without metrics with no data points: that is not evidence of health."""
    estate = own_estate
    source, replica = estate["source"]["assets"], estate["replica"]["assets"]
    config = replication(replica)
    del config["Rules"][0]["Destination"]["Metrics"]
    estate["prod"].client("s3").put_bucket_replication(Bucket=source, ReplicationConfiguration=config)

    check = verify.check_replication_metrics(estate["sides"], estate["targets"], replica, NOW)

    assert check.ok is False and "replication metrics are off on rule to-backup" in check.evidence, check


class OneEncryptedSnapshot:
    def describe_snapshots(self, **_: Any) -> dict[str, Any]:
        return {"Snapshots": [{"SnapshotId": "snap-1", "KmsKeyId": "arn:aws:kms:eu-west-1:111111111111:key/k"}]}

    def describe_db_snapshots(self, **_: Any) -> dict[str, Any]:
        return {"DBSnapshots": []}


def test_an_unreadable_kms_key_fails_the_shareable_check(estate: dict[str, Any]) -> None:
    """Before, a key that could not be described counted as customer-managed: the check passed unread."""
    sides = estate["sides"]
    sides.overrides[("prod", "ec2")] = Paged(OneEncryptedSnapshot(), "ec2")
    sides.overrides[("prod", "rds")] = Paged(OneEncryptedSnapshot(), "rds")
    sides.overrides[("prod", "kms")] = Unreadable()

    check = verify.check_unshareable_snapshots(sides, estate["targets"])

    assert check.ok is False and "cannot read a snapshot's KMS key: AccessDenied" in check.evidence, check


def test_an_html_error_body_is_one_line_of_evidence(estate: dict[str, Any]) -> None:
    page = "<html>\n<head><title>503 Service Unavailable</title></head>\n<body>\n<h1>try later</h1>\n</body></html>"
    estate["sides"].overrides[("backup", "s3")] = Unreadable(page)
    replica = estate["replica"]["assets"]

    check = verify.check_versioning(estate["sides"], estate["targets"], replica)
    shown = verify.report([check]).data["checks"][0]["evidence"]

    assert check.ok is False and "\n" not in shown and "<" not in shown, shown
    assert "503 Service Unavailable try later" in shown, shown
