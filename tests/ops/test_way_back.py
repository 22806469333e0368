"""The whole way back (issue 17): the prod account is lost; its data comes back from the backup account into a new
account, through the `failsafe-dr restore` commands of docs/runbook.md step 6, as an operator types them.

Against **moto** (one server, three accounts): the backup account 222222222222 holds the replica (the real dr
config's name) with a history around T and the params copier's copies of prod's parameters and secrets; the old prod
account 111111111111 is never touched again after the copies were made; the new account 444444444444 is where prod is
rebuilt, in another region. `verify`'s S3 checks (replication without delete markers, replica versioning, replica
freshness against the new source) then run against the new estate.

**Stubbed** (botocore Stubber; moto has no restore testing): `restore tests`, which reads ListRestoreJobs by restore
testing plan. **Evaluated on the plan** (the IAM evaluator of the access proofs; moto does not enforce trust
policies): a person without MFA cannot become the restore operator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from failsafe.ops import aws, drill, params, runrecord, verify
from failsafe.ops import cli as ops_cli
from failsafe.ops.restore import common
from failsafe.tooling.access import collect
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate_assume_role
from tests.support.botocore_models import models_read_once
from tests.support.moto import BACKUP, PROD, REGION, account_session
from tests.support.moto_clock import s3_clock
from tests.support.plans import cached_plan, config_of

NEW_PROD = "444444444444"  # the account prod is rebuilt in
NEW_REGION = "eu-west-2"
CFG = config_of("dr")
REPLICA = CFG.replica_bucket_name("assets")
SOURCE = "example-failsafe-assets-rebuilt"  # the new prod's source bucket (an empty bucket `pulumi up -s prod` made)


def cli(*argv: str) -> int:
    """``failsafe-dr restore ...`` through the real ``main``."""
    return ops_cli.main(["restore", *argv])


@pytest.fixture(scope="module", autouse=True)
def _models_read_once() -> Iterator[None]:
    """Each command's sessions read botocore's models from one shared loader (tests/support/botocore_models.py)."""
    with models_read_once():
        yield


def body(key: str, n: int) -> bytes:
    return f"{key} version {n}\n".encode() * 3


@pytest.fixture
def sessions(moto: str, profiles: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Profiles as the runbook names them (``dr-restore``, ``newprod``: tests/ops/conftest.py), each a moto account;
    no key variables, which botocore would take before any profile."""
    monkeypatch.setenv("AWS_PROFILE", "dr-restore")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setattr(common, "SLEEP", lambda _: None)
    monkeypatch.chdir(tmp_path)


def on_clients(monkeypatch: pytest.MonkeyPatch, hook: Any) -> None:
    """Every client the plumbing's factory makes goes through ``hook(profile, service, client)`` (a replacement, or
    None to keep it)."""
    real = aws.client

    def client(sess: Any, service: str, region: str | None = None, **kwargs: Any) -> Any:
        made = real(sess, service, region, **kwargs)
        return hook(sess.profile_name, service, made) or made

    monkeypatch.setattr(aws, "client", client)


@pytest.fixture
def lost_prod(sessions: None) -> datetime:
    """Before the loss: the replica's history around T (returned) and prod's parameters and secrets copied to the
    backup account by the real params copier. After it: an empty, versioned source bucket in the new account."""
    backup = account_session(BACKUP)
    s3 = backup.client("s3")
    s3.create_bucket(Bucket=REPLICA, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=REPLICA, VersioningConfiguration={"Status": "Enabled"})
    with s3_clock() as clock:  # moto keeps LastModified in whole seconds: stamped earlier (tests/support/moto_clock.py)
        clock.set_back()
        for key in ("overwritten-later", "deleted-later", "unchanged"):
            s3.put_object(Bucket=REPLICA, Key=key, Body=body(key, 1))
        as_of = clock.resume()
    s3.put_object(Bucket=REPLICA, Key="overwritten-later", Body=body("overwritten-later", 2))  # ransomware, say
    s3.delete_object(Bucket=REPLICA, Key="deleted-later")  # a delete marker (replicas only get them by hand)
    s3.put_object(Bucket=REPLICA, Key="created-later", Body=body("created-later", 1))

    prod = account_session(PROD)
    prod.client("ssm").put_parameter(Name="/app/db/host", Value="db.internal", Type="String")
    prod.client("ssm").put_parameter(Name="/app/db/password", Value="s3cret", Type="SecureString")
    prod.client("secretsmanager").create_secret(Name="app/api-key", SecretString="k-1")
    key = backup.client("kms").create_key()["KeyMetadata"]["Arn"]
    settings = params.Settings(f"arn:aws:iam::{PROD}:role/r", "/app/", "app/", key, None, REGION)
    clients = (prod.client("ssm"), prod.client("secretsmanager"), backup.client("ssm"), backup.client("secretsmanager"))
    params.ParamsCopier(settings, *clients).run()

    new = account_session(NEW_PROD, NEW_REGION).client("s3")
    new.create_bucket(Bucket=SOURCE, CreateBucketConfiguration={"LocationConstraint": NEW_REGION})
    new.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    return as_of


def s3_step(as_of: datetime, *extra: str) -> list[str]:
    """Runbook step 6a, as written there (the profiles and regions are the rebuild's)."""
    return [
        "s3",
        "--replica-bucket",
        REPLICA,
        "--target-bucket",
        SOURCE,
        "--as-of",
        as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if as_of.microsecond == 0 else as_of.isoformat(),
        "--backup-profile",
        "dr-restore",
        "--region",
        REGION,
        "--target-profile",
        "newprod",
        "--target-region",
        NEW_REGION,
        "--state-file",
        "assets.jsonl",
        *extra,
    ]


PARAMS_STEP = [
    "params",
    "--backup-profile",
    "dr-restore",
    "--region",
    REGION,
    "--target-profile",
    "newprod",
    "--target-region",
    NEW_REGION,
    "--path",
    "/app/",
    "--secret-prefix",
    "app/",
]


def source_objects() -> dict[str, bytes]:
    s3 = account_session(NEW_PROD, NEW_REGION).client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=SOURCE).get("Contents") or ()]
    return {k: s3.get_object(Bucket=SOURCE, Key=k)["Body"].read() for k in keys}


def rebuilt_prod_replicates() -> None:
    """What `pulumi up -s prod` in the new account does for the bucket: replicate to the same replica, delete markers
    not replicated (dr re-trusts the new account's replication role on its own next `up`)."""
    account_session(NEW_PROD, NEW_REGION).client("s3").put_bucket_replication(
        Bucket=SOURCE,
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{NEW_PROD}:role/failsafe-s3-replication-assets",
            "Rules": [
                {
                    "ID": "to-backup",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{REPLICA}", "Account": BACKUP},
                }
            ],
        },
    )


# --- the way back -----------------------------------------------------------------------------------------------------


def test_prod_lost_then_data_restored_into_a_new_account_and_verify_passes_on_the_new_estate(
    lost_prod: datetime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drills = tmp_path / "drills"
    drill.Drill(drills).start("prod account lost", rto_minutes=CFG.recovery.rto_minutes, operator="test")

    assert cli(*s3_step(lost_prod)) == 0, capsys.readouterr()  # the plan first: nothing copied
    assert source_objects() == {}, "the dry run copied"
    code = cli(*s3_step(lost_prod, "--execute", "--drill-dir", str(drills), "--step-label", "assets"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert source_objects() == {
        "overwritten-later": body("overwritten-later", 1),  # the version before the overwrite
        "deleted-later": body("deleted-later", 1),  # deleted after T: back
        "unchanged": body("unchanged", 1),
    }, "the new source bucket is not the replica's state at T"

    assert cli(*PARAMS_STEP, "--execute", "--drill-dir", str(drills)) == 0, capsys.readouterr()
    target = account_session(NEW_PROD, NEW_REGION)
    password = target.client("ssm").get_parameter(Name="/app/db/password", WithDecryption=True)["Parameter"]
    assert password["Value"] == "s3cret" and password["Type"] == "SecureString"
    assert target.client("ssm").get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db.internal"
    assert target.client("secretsmanager").get_secret_value(SecretId="app/api-key")["SecretString"] == "k-1"

    rebuilt_prod_replicates()
    sides = verify.Sides(account_session(NEW_PROD, NEW_REGION), account_session(BACKUP), NEW_REGION, REGION)
    targets = verify.Targets(
        source_buckets={REPLICA: SOURCE},
        prod_account=NEW_PROD,
        backup_account=BACKUP,
        identity_account=CFG.accounts.identity,
        rpo=timedelta(minutes=CFG.recovery.rpo_minutes),
    )
    checks = [
        verify.check_replication(sides, targets, REPLICA),
        verify.check_versioning(sides, targets, REPLICA),
        verify.check_replica_freshness(sides, targets, REPLICA, datetime.now(UTC)),
    ]
    failing = [f"{c.name}: {c.evidence}" for c in checks if not c.ok]
    assert not failing, "verify fails on the new estate:\n" + "\n".join(failing)

    records = {r.command: r for r in map(runrecord.read, sorted(drills.glob("restore-*.json")))}
    assert sorted(records) == ["restore params", "restore s3"], records
    s3_run = records["restore s3"]
    assert (s3_run.store, s3_run.objects, s3_run.outcome) == ("s3:assets", 3, "ok"), s3_run
    assert s3_run.bytes == sum(len(b) for b in source_objects().values()) and s3_run.ended >= s3_run.started

    model = tmp_path / "recovery.json"  # the shape of `python -m failsafe recovery --output json` (its steps)
    step = {"id": "restore:s3:assets", "name": "failsafe-dr restore s3 (assets)", "match": {"store": "s3:assets"}}
    model.write_text(json.dumps({"steps": [{**step, "estimate": {"seconds": 3600, "terms": ["size / rate"]}}]}))
    targets_with_model = verify.Targets(
        {},
        NEW_PROD,
        BACKUP,
        CFG.accounts.identity,
        timedelta(hours=1),
        recovery_model=str(model),
        evidence=(str(drills),),
    )
    [within] = verify.check_recovery_estimates(targets_with_model)
    assert within.ok is True, within
    # moto answers within the second and records keep whole seconds, so the run may have lasted 0 s: stretch its
    # record to a known 5 s and hold it to a 1 s estimate, so "longer than its estimate" is exact, not a race
    (record_file,) = [p for p in drills.glob("restore-*.json") if runrecord.read(p).command == "restore s3"]
    document = json.loads(record_file.read_text())
    started = datetime.fromisoformat(document["started"].replace("Z", "+00:00"))
    document["ended"] = (started + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record_file.write_text(json.dumps(document))
    model.write_text(json.dumps({"steps": [{**step, "estimate": {"seconds": 1, "terms": ["size / rate"]}}]}))
    [over] = verify.check_recovery_estimates(targets_with_model)
    assert over.ok is False and "restore:s3:assets" in over.evidence and "size / rate" in over.evidence, over

    steps = json.loads((drills / drill.CURRENT).read_text())["steps"]
    assert [(s["name"], s["outcome"]) for s in steps] == [
        ("failsafe-dr restore s3 assets", "ok"),
        ("failsafe-dr restore params", "ok"),
    ], steps
    for step in steps:  # measured by the tool: real timestamps, in order
        assert step["started"] <= step["ended"], step
    assert steps[0]["ended"] <= steps[1]["started"], "the steps overlap: not timed by the commands themselves"


# --- one test per failure ---------------------------------------------------------------------------------------------


def test_without_mfa_a_person_cannot_become_the_restore_operator() -> None:
    """Evaluated on the dr plan's trust policy (moto does not evaluate trust policies)."""
    role = collect.collect(cached_plan("dr")).roles[f"{CFG.name_prefix}-restore-operator"]
    assert role.trust is not None
    identity = CFG.accounts.identity
    person = Principal(f"arn:aws:iam::{identity}:user/operator", identity)
    may_assume = Policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}, ""
    )

    def decide(**context: str) -> Decision:
        request = Request(person, "sts:AssumeRole", role.arn, role.account, {"aws:SecureTransport": "true", **context})
        return evaluate_assume_role(request, role.trust, (may_assume,)).decision

    assert decide() is not Decision.ALLOW, "an access key without MFA becomes the restore operator"
    assert decide(**{"aws:MultiFactorAuthPresent": "false"}) is not Decision.ALLOW
    assert decide(**{"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "60"}) is Decision.ALLOW


def test_a_target_bucket_that_holds_data_is_refused_and_left_alone(
    lost_prod: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    account_session(NEW_PROD, NEW_REGION).client("s3").put_object(Bucket=SOURCE, Key="someone-elses", Body=b"x")

    code = cli(*s3_step(lost_prod, "--execute"))
    err = capsys.readouterr().err

    assert code == 2 and err.count("\n") == 1 and "--allow-non-empty" in err, err
    assert source_objects() == {"someone-elses": b"x"}, "the restore wrote into a bucket that held data"


def test_a_partly_failed_restore_is_resumed_by_running_the_same_command_again(
    lost_prod: datetime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failing, copied = {"unchanged"}, []

    def on_copy(params: dict[str, Any], **_: Any) -> None:
        if params["Key"] in failing:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "CopyObject")
        copied.append(params["Key"])

    def hook(profile: str | None, service: str, client: Any) -> None:
        if profile == "newprod" and service == "s3":
            client.meta.events.register("provide-client-params.s3.CopyObject", on_copy)

    on_clients(monkeypatch, hook)
    assert cli(*s3_step(lost_prod, "--execute")) == 1
    out = capsys.readouterr().out
    assert "FAILED unchanged" in out, out
    assert sorted(source_objects()) == ["deleted-later", "overwritten-later"]

    failing.clear()
    copied.clear()
    assert cli(*s3_step(lost_prod, "--execute")) == 0, capsys.readouterr()
    assert copied == ["unchanged"], f"the resumed run copied {copied}, not only the failed key"
    assert sorted(source_objects()) == ["deleted-later", "overwritten-later", "unchanged"]


def test_a_drill_step_is_refused_before_restoring_when_no_drill_is_running(
    lost_prod: datetime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(*s3_step(lost_prod, "--execute", "--drill-dir", str(tmp_path / "none"))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no drill in progress" in err, err
    assert source_objects() == {}, "the restore ran although its drill step could not be recorded"


def test_a_failed_restore_is_recorded_as_a_failed_drill_step_and_a_dry_run_not_at_all(
    lost_prod: datetime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drills = tmp_path / "drills"
    drill.Drill(drills).start("partial", rto_minutes=60, operator="test")
    assert cli(*s3_step(lost_prod, "--drill-dir", str(drills))) == 0  # dry run
    account_session(NEW_PROD, NEW_REGION).client("s3").put_object(Bucket=SOURCE, Key="someone-elses", Body=b"x")
    assert cli(*s3_step(lost_prod, "--execute", "--drill-dir", str(drills))) == 2
    capsys.readouterr()
    steps = json.loads((drills / drill.CURRENT).read_text())["steps"]
    assert [(s["name"], s["outcome"], s["notes"]) for s in steps] == [("failsafe-dr restore s3", "failed", "exit 2")]


# --- restore tests: AWS Backup's restore testing, stubbed ---------------------------------------------------------


PLAN_ARN = f"arn:aws:backup:{REGION}:{BACKUP}:restore-testing-plan:failsafe_restore_test-0123"
T0 = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)


def job(source: str, start: datetime, minutes: int | None, status: str = "COMPLETED", **more: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "RestoreJobId": f"job-{source}-{start:%H%M}",
        "SourceResourceArn": source,
        "ResourceType": "S3",
        "Status": status,
        "CreationDate": start,
        **more,
    }
    if minutes is not None:
        answer["CompletionDate"] = start + timedelta(minutes=minutes)
    return answer


def stub_jobs(monkeypatch: pytest.MonkeyPatch, pages: list[list[dict[str, Any]]]) -> None:
    def client(profile: str | None, service: str, made: Any) -> Any:
        if service != "backup":
            return made
        stub = Stubber(made)
        for n, page in enumerate(pages):
            answer: dict[str, Any] = {"RestoreJobs": page}
            expected: dict[str, Any] = {"ByRestoreTestingPlanArn": PLAN_ARN}
            if n + 1 < len(pages):
                answer["NextToken"] = f"page-{n + 1}"
            if n:
                expected["NextToken"] = f"page-{n}"
            stub.add_response("list_restore_jobs", answer, expected)
        stub.activate()
        return made

    on_clients(monkeypatch, client)


def test_restore_tests_reports_the_latest_test_of_each_resource_with_its_duration(
    sessions: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stubbed: moto has no restore testing. Two pages; an older failed test superseded by a newer success."""
    old_fail = job("arn:aws:s3:::assets", T0 - timedelta(days=7), 5, "FAILED", StatusMessage="role")
    stub_jobs(monkeypatch, [[old_fail], [job("arn:aws:s3:::assets", T0, 42), job("arn:aws:s3:::uploads", T0, 12)]])

    code = cli("tests", "--output", "text", "--plan-arn", PLAN_ARN, "--rto-minutes", "240")
    out = capsys.readouterr().out

    assert code == 0, out
    lines = [line for line in out.splitlines() if line.startswith("ok")]
    assert len(lines) == 2 and "42.0 min" in out and "12.0 min" in out, out
    assert "FAILED" not in out, "an older test superseded by a newer one was reported"


@pytest.mark.parametrize(
    ("jobs", "verdict"),
    [
        ([job("arn:aws:s3:::assets", T0, 300)], "SLOW"),  # beyond rtoMinutes
        ([job("arn:aws:s3:::assets", T0, 3, "FAILED", StatusMessage="AccessDenied on kms:Decrypt")], "FAIL"),
        ([job("arn:aws:s3:::assets", T0, 3, ValidationStatus="FAILED")], "FAIL"),
    ],
)
def test_restore_tests_exit_1_when_the_latest_test_failed_or_missed_the_rto(
    sessions: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    jobs: list[dict[str, Any]],
    verdict: str,
) -> None:
    stub_jobs(monkeypatch, [jobs])
    assert cli("tests", "--output", "text", "--plan-arn", PLAN_ARN, "--rto-minutes", "240") == 1
    assert capsys.readouterr().out.startswith(verdict)


def test_restore_tests_without_any_run_and_with_a_bad_arn(
    sessions: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub_jobs(monkeypatch, [[]])
    assert cli("tests", "--output", "text", "--plan-arn", PLAN_ARN) == 1
    assert "no restore tests recorded" in capsys.readouterr().out
    assert cli("tests", "--plan-arn", "failsafe_restore_test") == 2
    err = capsys.readouterr().err
    assert "--plan-arn 'failsafe_restore_test'" in err and "restoreTestingPlanArn" in err, err
