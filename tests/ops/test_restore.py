"""``failsafe-dr restore`` against a moto server, through its argument parser as an operator runs it.

The backup account (222222222222) holds the versioned replica bucket; the target is a third moto account
(333333333333), as a new prod account would be. Profiles map to moto accounts (``backup``, ``target``).

What moto cannot do is stubbed, and each such test says so in its docstring: S3 Batch Operations jobs
(``s3control.create_job``) and AWS Backup restore jobs use botocore's Stubber. moto keeps LastModified in whole
seconds, so the history before the as-of time is stamped by moto's S3 clock set back (tests/support/moto_clock.py).
Every command's sessions share botocore's parsed models (tests/support/botocore_models.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from failsafe.ops import aws, params
from failsafe.ops import cli as ops_cli
from failsafe.ops.restore import common, copying, planning, snapshot
from tests.support.awsfaults import inject
from tests.support.botocore_models import models_read_once
from tests.support.moto import BACKUP, PROD, REGION, account_session
from tests.support.moto_clock import s3_clock

REPO = Path(__file__).resolve().parents[2]
TARGET = "333333333333"
TARGET_REGION = "eu-west-1"
REPLICA = "failsafe-replica-app"
NEW = "app-restored"


def cli(*argv: str) -> int:
    """``failsafe-dr restore ...`` through the real ``main``: its one error path, its exit codes."""
    return ops_cli.main(["restore", *argv])


@pytest.fixture(scope="module", autouse=True)
def _models_read_once() -> Iterator[None]:
    """Each command's sessions read botocore's models from one shared loader (tests/support/botocore_models.py)."""
    with models_read_once():
        yield


@pytest.fixture
def sessions(moto: str, profiles: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The profiles of tests/ops/conftest.py are moto accounts (``backup``, ``target``); without a profile flag the
    command uses ``AWS_PROFILE``, here the backup account's, as an operator's shell would (no key variables, which
    botocore would take before any profile)."""
    monkeypatch.setenv("AWS_PROFILE", "backup")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setattr(common, "SLEEP", lambda _: None)
    monkeypatch.chdir(tmp_path)


def on_clients(monkeypatch: pytest.MonkeyPatch, hook: Callable[[str | None, str, Any], Any]) -> None:
    """Every client the plumbing's factory makes is handed to ``hook(profile, service, client)``, which may return
    a replacement (a Stubber-wrapped client) or None to keep it."""
    real = aws.client

    def client(sess: Any, service: str, region: str | None = None, **kwargs: Any) -> Any:
        made = real(sess, service, region, **kwargs)
        return hook(sess.profile_name, service, made) or made

    monkeypatch.setattr(aws, "client", client)


def make_bucket(s3: Any, name: str, region: str = REGION, versioned: bool = False) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def body(key: str, n: int) -> bytes:
    return f"{key} version {n}\n".encode() * 3


@pytest.fixture
def history(sessions: None) -> datetime:
    """The replica's history around T (returned): what a restore as of T must reproduce exactly. The versions
    before T are stamped by moto's S3 clock set back (tests/support/moto_clock.py), not written a second earlier."""
    s3 = account_session(BACKUP).client("s3")
    make_bucket(s3, REPLICA, versioned=True)
    make_bucket(account_session(TARGET, TARGET_REGION).client("s3"), NEW, TARGET_REGION)
    with s3_clock() as clock:
        clock.set_back()
        for key in ("overwritten-later", "deleted-later", "unchanged", "deleted-earlier", "edited-before"):
            s3.put_object(Bucket=REPLICA, Key=key, Body=body(key, 1))
        s3.put_object(Bucket=REPLICA, Key="edited-before", Body=body("edited-before", 2))
        s3.delete_object(Bucket=REPLICA, Key="deleted-earlier")
        as_of = clock.resume()
    s3.put_object(Bucket=REPLICA, Key="overwritten-later", Body=body("overwritten-later", 2))
    s3.delete_object(Bucket=REPLICA, Key="deleted-later")
    s3.put_object(Bucket=REPLICA, Key="created-later", Body=body("created-later", 1))
    return as_of


def target_objects() -> dict[str, bytes]:
    s3 = account_session(TARGET, TARGET_REGION).client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=NEW).get("Contents") or ()]
    return {k: s3.get_object(Bucket=NEW, Key=k)["Body"].read() for k in keys}


def row(out: str, name: str) -> tuple[str, str]:
    """(value, note) of a line of the plan or the summary table, e.g. row(out, "restored") == ("4", "verified: ...")."""
    match = re.search(rf"^\s*{re.escape(name)}\s+(\S+)[ \t]*(.*)$", out, re.MULTILINE)
    assert match, f"no {name!r} line in:\n{out}"
    return match.group(1), match.group(2)


def s3_args(as_of: datetime, *extra: str) -> list[str]:
    return [
        "s3",
        "--replica-bucket",
        REPLICA,
        "--target-bucket",
        NEW,
        "--as-of",
        as_of.isoformat(),
        "--target-profile",
        "target",
        "--target-region",
        TARGET_REGION,
        *extra,
    ]


# --- restore s3 ------------------------------------------------------------------------------------------


def test_restore_as_of_reproduces_the_bucket_at_that_time_and_verifies_every_copy(
    history: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(*s3_args(history, "--execute", "--state-file", "state.jsonl"))
    out, err = capsys.readouterr()

    assert code == 0, out + err
    assert target_objects() == {
        "overwritten-later": body("overwritten-later", 1),
        "deleted-later": body("deleted-later", 1),
        "unchanged": body("unchanged", 1),
        "edited-before": body("edited-before", 2),
    }, "the target is not the replica's state at --as-of"
    assert row(out, "deleted at as-of")[0] == "1" and row(out, "created later")[0] == "1", out
    assert row(out, "restored") == ("4", "verified: etag 4"), out
    assert row(out, "target count")[0] == "4", out
    assert "\rrestore: 4/4" in err, f"no progress line on stderr: {err!r}"
    lines = [json.loads(line) for line in Path("state.jsonl").read_text().splitlines()]
    assert lines[0]["restore"]["source"] == REPLICA and {r["key"] for r in lines[1:] if "key" in r} == set(
        target_objects()
    )


def test_without_as_of_the_latest_versions_are_restored(history: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    args = [a for a in s3_args(history, "--execute") if a not in ("--as-of", history.isoformat())]

    assert cli(*args) == 0, capsys.readouterr()
    assert sorted(target_objects()) == ["created-later", "edited-before", "overwritten-later", "unchanged"]
    assert target_objects()["overwritten-later"] == body("overwritten-later", 2)


def test_dry_run_prints_the_plan_and_copies_nothing(history: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(*s3_args(history))
    out = capsys.readouterr().out

    assert code == 0
    assert target_objects() == {}, "a dry run wrote into the target"
    assert row(out, "to restore")[0] == "4" and "dry run: nothing copied" in out, out
    assert "overwritten-later  version" in out, f"no sample of the plan: {out}"
    assert not list(Path().glob("*.jsonl")), "a dry run wrote a state file"


def test_a_target_that_holds_objects_is_refused_in_one_line(
    history: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    account_session(TARGET, TARGET_REGION).client("s3").put_object(Bucket=NEW, Key="someone-elses", Body=b"x")

    code = cli(*s3_args(history, "--execute"))
    err = capsys.readouterr().err

    assert code == 2
    assert err.count("\n") == 1 and f"--target-bucket '{NEW}'" in err and "--allow-non-empty" in err, err
    assert sorted(target_objects()) == ["someone-elses"]
    assert cli(*s3_args(history, "--execute", "--allow-non-empty", "--no-progress")) == 0
    assert len(target_objects()) == 5


def test_failed_copies_exit_1_and_a_rerun_with_the_state_file_copies_only_those(
    history: datetime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copied: list[str] = []
    failing = {"deleted-later", "unchanged"}

    def on_copy(params: dict[str, Any], **_: Any) -> None:
        if params["Key"] in failing:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "CopyObject")
        copied.append(params["Key"])

    def hook(profile: str | None, service: str, client: Any) -> None:
        if profile == "target" and service == "s3":
            client.meta.events.register("provide-client-params.s3.CopyObject", on_copy)

    on_clients(monkeypatch, hook)
    first = cli(*s3_args(history, "--execute", "--state-file", "state.jsonl"))
    out = capsys.readouterr().out

    assert first == 1, out
    assert row(out, "failed")[0] == "2" and "FAILED deleted-later" in out and "InternalError: injected" in out, out
    assert sorted(copied) == ["edited-before", "overwritten-later"]

    failing.clear()
    copied.clear()
    second = cli(*s3_args(history, "--execute", "--state-file", "state.jsonl"))
    out = capsys.readouterr().out

    assert second == 0, out
    assert sorted(copied) == ["deleted-later", "unchanged"], "the re-run copied more than the failed keys"
    assert row(out, "skipped")[0] == "2" and row(out, "restored")[0] == "2", out
    assert len(target_objects()) == 4


def test_a_state_file_of_another_restore_is_refused(history: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    Path("state.jsonl").write_text(json.dumps({"restore": {"source": "other", "target": NEW}}) + "\n")

    assert cli(*s3_args(history, "--execute", "--state-file", "state.jsonl")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--state-file state.jsonl: records another restore" in err, err


MANY_PAGES = 150  # objects: over several pages of PAGE
PAGE = 40  # keys per listing page, for this test (S3's and moto's default and most is 1,000)
TO_TARGET = ("--target-profile", "target", "--target-region", TARGET_REGION)


def test_objects_over_several_listing_pages_restore_with_progress_and_a_verified_count(
    sessions: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What 1,000 objects proved, with 150: the listings page (S3 answers at most MaxKeys keys a page, 1,000 by
    default: ListObjectVersions and ListObjectsV2 in the S3 API Reference; here MaxKeys is 40 on every listing
    that sets none, through a ``provide-client-params`` handler), every copy runs, is verified and counted, and the
    progress line reaches 100 %. 1,000 objects were one page of each listing, so paging was never crossed; 150 at
    40 a page cross it four times each, in a tenth of the requests. bench/restore_bench.py runs 10,000 objects
    and compares them with a bare loop."""
    listed: dict[str, int] = {"ListObjectVersions": 0, "ListObjectsV2": 0}

    def small_pages(params: dict[str, Any], model: Any, **_: Any) -> None:
        params.setdefault("MaxKeys", PAGE)
        listed[model.name] += 1

    def hook(profile: str | None, service: str, client: Any) -> None:
        if service == "s3":
            for operation in listed:
                client.meta.events.register(f"provide-client-params.s3.{operation}", small_pages)

    s3 = account_session(BACKUP).client("s3")
    make_bucket(s3, REPLICA, versioned=True)
    make_bucket(account_session(TARGET, TARGET_REGION).client("s3"), NEW, TARGET_REGION)
    with ThreadPoolExecutor(16) as pool:
        keys = range(MANY_PAGES)
        list(pool.map(lambda n: s3.put_object(Bucket=REPLICA, Key=f"obj/{n:05d}", Body=b"%05d" % n), keys))
    on_clients(monkeypatch, hook)

    code = cli("s3", "--replica-bucket", REPLICA, "--target-bucket", NEW, *TO_TARGET, "--execute")
    out, err = capsys.readouterr()

    assert code == 0, out
    pages = -(-MANY_PAGES // PAGE)
    assert listed["ListObjectVersions"] >= pages and listed["ListObjectsV2"] >= pages, f"paging not crossed: {listed}"
    assert row(out, "restored") == (str(MANY_PAGES), f"verified: etag {MANY_PAGES}"), out
    assert row(out, "target count")[0] == str(MANY_PAGES) and float(row(out, "objects/s")[0]) > 0, out
    assert f"\rrestore: {MANY_PAGES}/{MANY_PAGES} (100.0%)" in err, err[-300:]
    target = account_session(TARGET, TARGET_REGION).client("s3")
    assert target.get_object(Bucket=NEW, Key="obj/00077")["Body"].read() == b"00077"


def test_objects_above_the_copy_object_limit_are_copied_in_parts_and_verified_by_size(
    sessions: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 5 GB limit is lowered to 6 MiB (moto's parts must be at least 5 MiB): an 11 MiB object goes through
    UploadPartCopy; its copy has a multipart ETag, so it is verified by size."""
    monkeypatch.setattr(copying, "MAX_COPY_OBJECT_BYTES", 6 * 1024**2)
    monkeypatch.setattr(copying, "COPY_PART_BYTES", 5 * 1024**2)
    s3 = account_session(BACKUP).client("s3")
    make_bucket(s3, REPLICA, versioned=True)
    make_bucket(account_session(TARGET, TARGET_REGION).client("s3"), NEW, TARGET_REGION)
    big = hashlib.sha256(b"seed").digest() * (11 * 1024**2 // 32)
    s3.put_object(Bucket=REPLICA, Key="big.bin", Body=big, ContentType="application/x-test", Metadata={"a": "1"})

    code = cli("s3", "--replica-bucket", REPLICA, "--target-bucket", NEW, *TO_TARGET)
    assert code == 0
    code = cli("s3", "--replica-bucket", REPLICA, "--target-bucket", NEW, *TO_TARGET, "--execute")
    out = capsys.readouterr().out

    assert code == 0, out
    assert row(out, "restored") == ("1", "verified: size 1"), out
    target = account_session(TARGET, TARGET_REGION).client("s3").get_object(Bucket=NEW, Key="big.bin")
    assert target["Body"].read() == big and target["ContentType"] == "application/x-test"
    assert target["Metadata"] == {"a": "1"}


def test_s3_batch_operations_job_for_large_sets(
    history: datetime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stubbed: moto has no S3 Batch Operations (s3control.create_job). The manifest upload and STS are moto; the
    job request is checked against botocore's model by Stubber. A re-run does not start a second job."""
    manifest_bucket = "restore-manifests"
    make_bucket(account_session(TARGET, TARGET_REGION).client("s3"), manifest_bucket, TARGET_REGION)
    role = f"arn:aws:iam::{TARGET}:role/batch-restore"
    stubs: list[Stubber] = []

    def client(profile: str | None, service: str, made: Any) -> Any:
        if service != "s3control":
            return made
        stub = Stubber(made)
        stub.add_response(
            "create_job",
            {"JobId": "job-0123"},
            {
                "AccountId": TARGET,
                "ConfirmationRequired": False,
                "Operation": {
                    "S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{NEW}", "MetadataDirective": "COPY"}
                },
                "Report": {
                    "Bucket": f"arn:aws:s3:::{manifest_bucket}",
                    "Format": "Report_CSV_20180820",
                    "Enabled": True,
                    "Prefix": ANY,
                    "ReportScope": "AllTasks",
                },
                "ClientRequestToken": ANY,
                "Manifest": {
                    "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key", "VersionId"]},
                    "Location": {"ObjectArn": ANY, "ETag": ANY},
                },
                "Priority": 10,
                "RoleArn": role,
                "Description": ANY,
            },
        )
        stub.activate()
        stubs.append(stub)
        return made

    on_clients(monkeypatch, client)
    batch = ["--batch-threshold", "2", "--state-file", "state.jsonl"]

    assert cli(*s3_args(history, "--execute", *batch)) == 2
    assert "--batch-role-arn is missing" in capsys.readouterr().err

    batch += ["--batch-role-arn", role, "--manifest-bucket", manifest_bucket]
    code = cli(*s3_args(history, "--execute", *batch))
    out = capsys.readouterr().out

    assert code == 0, out
    assert "batch job job-0123 started for 4 objects" in out, out
    stubs[0].assert_no_pending_responses()
    target = account_session(TARGET, TARGET_REGION).client("s3")
    [manifest] = [o["Key"] for o in target.list_objects_v2(Bucket=manifest_bucket)["Contents"]]
    rows = target.get_object(Bucket=manifest_bucket, Key=manifest)["Body"].read().decode().splitlines()
    assert sorted(r.split(",")[1] for r in rows) == ["deleted-later", "edited-before", "overwritten-later", "unchanged"]
    assert all(r.startswith(f"{REPLICA},") and r.split(",")[2] for r in rows), rows
    assert target_objects() == {}, "the batch path copied objects itself"

    assert cli(*s3_args(history, "--execute", *batch)) == 0
    assert "batch job job-0123 already started" in capsys.readouterr().out
    assert len(stubs) == 1, "a second job was requested"


def test_bad_input_is_one_line_naming_the_flag_and_exit_2(
    history: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        ("--as-of", "yesterday"): "--as-of 'yesterday': expected an ISO 8601 time",
        ("--concurrency", "0"): "--concurrency '0': expected a whole number between 1 and 256",
        ("--batch-threshold", "many"): "--batch-threshold 'many': expected a whole number",
    }
    for (flag, value), message in cases.items():
        argv = s3_args(history)
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
        assert cli(*argv) == 2, flag
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err


def test_access_denied_names_the_action_and_resource_and_exits_3(
    history: datetime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """S3's 403 answered in botocore's send step, so the plumbing's own handler names the IAM action (exit 3 is
    failsafe.ops.errors' code for what AWS refused)."""

    def hook(profile: str | None, service: str, client: Any) -> None:
        if service == "s3":
            inject(client.meta.events, "s3", "ListObjectVersions", times=9, code="AccessDenied", status=403)

    on_clients(monkeypatch, hook)

    assert cli(*s3_args(history)) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"access denied: s3:ListBucketVersions on arn:aws:s3:::{REPLICA}" in err, err


def v(key: str, second: int, *, latest: bool = False, deleted: bool = False) -> planning.Version:
    return planning.Version(key, f"{key}-{second}", datetime(2026, 1, 1, 0, 0, second, tzinfo=UTC), latest, deleted)


def test_choose_picks_the_newest_entry_at_as_of_and_resolves_ties() -> None:
    at = datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC)
    entries = [
        v("a", 5),
        v("a", 12, latest=True),
        v("b", 5),
        v("b", 8, deleted=True, latest=True),
        v("c", 11, latest=True),
        v("tie", 9),
        v("tie", 9, deleted=True),
        v("tie-latest", 9),
        v("tie-latest", 9, deleted=True, latest=True),
    ]
    chosen = planning.choose(entries, at)
    b, tie_latest = chosen["b"], chosen["tie-latest"]
    assert chosen["a"] == v("a", 5) and b is not None and b.deleted and chosen["c"] is None
    assert chosen["tie"] == v("tie", 9), "a tie between a version and a delete marker restores the version"
    assert tie_latest is not None and tie_latest.deleted, "a tie is decided by IsLatest when S3 gives it"
    assert planning.choose(entries, None)["a"] == v("a", 12, latest=True)


def test_verify_copy_uses_etag_then_checksum_then_size() -> None:
    plain = planning.Version("k", "1", datetime.now(UTC), True, size=3, etag='"900150983cd24fb0d6963f7d28e17f72"')
    never: Callable[[], dict[str, Any]] = lambda: pytest.fail("no HEAD needed when the ETags match")  # noqa: E731
    assert copying.verify_copy(plain, {"ETag": plain.etag}, never, never) == "etag"

    kms = {"ServerSideEncryption": "aws:kms", "ContentLength": 3, "ETag": '"0123456789abcdef0123456789abcdef"'}
    assert copying.verify_copy(plain, {"ETag": kms["ETag"]}, lambda: kms, lambda: kms) == "size"
    with pytest.raises(copying.Mismatch, match="size 3 at the source, 4"):
        copying.verify_copy(plain, {"ETag": "x"}, lambda: kms, lambda: {**kms, "ContentLength": 4})
    unencrypted = {"ContentLength": 3, "ETag": '"ffffffffffffffffffffffffffffffff"'}
    with pytest.raises(copying.Mismatch, match="ETag"):
        copying.verify_copy(plain, {"ETag": unencrypted["ETag"]}, lambda: {}, lambda: unencrypted)

    summed = planning.Version("k", "1", datetime.now(UTC), True, size=3, etag='"-"', checksum_algorithm="SHA256")
    source = {"ChecksumSHA256": "abc="}
    assert copying.verify_copy(summed, {"ETag": "e", "ChecksumSHA256": "abc="}, lambda: source, never) == "checksum"
    with pytest.raises(copying.Mismatch, match="SHA256"):
        copying.verify_copy(summed, {"ETag": "e", "ChecksumSHA256": "xyz="}, lambda: source, never)


# --- restore params --------------------------------------------------------------------------------------


def test_params_round_trip_from_the_backup_copies_into_a_target_account(
    sessions: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """prod -> backup by the params copier (as deployed), then backup -> a new account in another region."""
    prod, backup = account_session(PROD), account_session(BACKUP)
    prod.client("ssm").put_parameter(Name="/app/db/host", Value="db.internal", Type="String")
    prod.client("ssm").put_parameter(Name="/app/db/password", Value="s3cret", Type="SecureString")
    prod.client("secretsmanager").create_secret(Name="app/api-key", SecretString="k-1")
    backup.client("ssm").put_parameter(Name="/app/not-a-copy", Value="x", Type="String")
    key = backup.client("kms").create_key()["KeyMetadata"]["Arn"]
    settings = params.Settings(f"arn:aws:iam::{PROD}:role/r", "/app/", "app/", key, None, REGION)
    params.ParamsCopier(
        settings,
        prod.client("ssm"),
        prod.client("secretsmanager"),
        backup.client("ssm"),
        backup.client("secretsmanager"),
    ).run()
    base = ["params", "--backup-profile", "backup", "--region", REGION, "--target-profile", "target"]
    base += ["--target-region", TARGET_REGION, "--path", "/app/", "--secret-prefix", "app/"]
    target = account_session(TARGET, TARGET_REGION)

    assert cli(*base) == 0
    out = capsys.readouterr().out
    assert "would restore  ssm:/app/db/password" in out and "would restore  secret:app/api-key" in out, out
    assert "not-a-copy" not in out, "a parameter the copier did not make was offered"
    assert target.client("ssm").describe_parameters()["Parameters"] == [], "the dry run wrote"

    assert cli(*base, "--execute") == 0, capsys.readouterr()
    ssm = target.client("ssm")
    password = ssm.get_parameter(Name="/app/db/password", WithDecryption=True)["Parameter"]
    assert password["Value"] == "s3cret" and password["Type"] == "SecureString"
    assert ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db.internal"
    assert target.client("secretsmanager").get_secret_value(SecretId="app/api-key")["SecretString"] == "k-1"
    capsys.readouterr()

    ssm.put_parameter(Name="/app/db/host", Value="changed-in-target", Type="String", Overwrite=True)
    assert cli(*base, "--execute") == 0
    assert "exists, kept   ssm:/app/db/host" in capsys.readouterr().out
    assert ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "changed-in-target"
    assert cli(*base, "--execute", "--overwrite") == 0
    assert ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db.internal"


def test_params_bad_path_is_refused(sessions: None, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["params", "--region", REGION, *TO_TARGET, "--path", "app"]
    assert cli(*argv) == 2
    assert "--path 'app': expected a path that starts and ends with '/'" in capsys.readouterr().err


# --- restore snapshot ------------------------------------------------------------------------------------

COPY_TAGS = [
    {"Key": "failsafe:copied-by", "Value": "failsafe"},
    {"Key": "failsafe:source", "Value": "snap-0123456789abcdef0"},
    {"Key": "failsafe:copied-at", "Value": "2026-11-29T00:00:00Z"},
]


def test_ebs_copy_restores_to_a_volume_and_shares_re_encrypted(
    sessions: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ec2 = account_session(BACKUP).client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=volume, TagSpecifications=[{"ResourceType": "snapshot", "Tags": COPY_TAGS}])[
        "SnapshotId"
    ]

    assert cli("snapshot", "--id", snap) == 0
    out = capsys.readouterr().out
    assert "ebs snapshot" in out and "source snap-0123456789abcdef0" in out and "dry run" in out, out
    assert len(ec2.describe_volumes()["Volumes"]) == 1

    assert cli("snapshot", "--id", snap, "--execute", "--wait", "--target-id", "app-data") == 0, capsys.readouterr()
    restored = [x for x in ec2.describe_volumes()["Volumes"] if x.get("SnapshotId") == snap]
    assert len(restored) == 1 and {"Key": "Name", "Value": "app-data"} in restored[0]["Tags"], restored

    key = account_session(BACKUP).client("kms").create_key()["KeyMetadata"]["Arn"]
    assert cli("snapshot", "--id", snap, "--share-with", TARGET) == 2
    assert "--kms-key-id is missing" in capsys.readouterr().err
    assert cli("snapshot", "--id", snap, "--share-with", TARGET, "--kms-key-id", key, "--execute") == 0
    out = capsys.readouterr().out
    shared = out.split("snapshot ")[-1].split()[0]
    permissions = ec2.describe_snapshot_attribute(SnapshotId=shared, Attribute="createVolumePermission")
    assert permissions["CreateVolumePermissions"] == [{"UserId": TARGET}], (out, permissions)
    assert ec2.describe_snapshots(SnapshotIds=[shared])["Snapshots"][0]["KmsKeyId"] == key


def rds_copies(rds: Any) -> tuple[str, str]:
    rds.create_db_instance(
        DBInstanceIdentifier="appdb",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )
    rds.create_db_snapshot(DBInstanceIdentifier="appdb", DBSnapshotIdentifier="failsafe-appdb-nightly", Tags=COPY_TAGS)
    rds.create_db_cluster(
        DBClusterIdentifier="appcluster",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password123",
    )
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier="appcluster", DBClusterSnapshotIdentifier="failsafe-appcluster-nightly", Tags=COPY_TAGS
    )
    return "failsafe-appdb-nightly", "failsafe-appcluster-nightly"


def test_rds_instance_and_cluster_restore_from_copies(sessions: None, capsys: pytest.CaptureFixture[str]) -> None:
    """moto supports RestoreDBInstanceFromDBSnapshot and RestoreDBClusterFromSnapshot: no stubs."""
    rds = account_session(BACKUP).client("rds")
    instance_copy, cluster_copy = rds_copies(rds)

    assert cli("snapshot", "--id", instance_copy, "--execute", "--wait", "--instance-class", "db.t3.small") == 0
    out = capsys.readouterr().out
    restored = rds.describe_db_instances(DBInstanceIdentifier="restored-failsafe-appdb-nightly")["DBInstances"][0]
    assert restored["DBInstanceClass"] == "db.t3.small" and "available after" in out, out

    assert cli("snapshot", "--id", cluster_copy, "--kind", "rds-cluster", "--execute", "--target-id", "app2") == 0
    out = capsys.readouterr().out
    assert rds.describe_db_clusters(DBClusterIdentifier="app2")["DBClusters"][0]["Engine"] == "aurora-postgresql"
    assert "add one (--instance-class)" in out, out

    assert cli("snapshot", "--id", "no-such-copy") == 2
    assert "--id 'no-such-copy': expected" in capsys.readouterr().err


def test_rds_copy_is_re_encrypted_and_shared_with_the_target_account(
    sessions: None, capsys: pytest.CaptureFixture[str]
) -> None:
    rds = account_session(BACKUP).client("rds")
    instance_copy, cluster_copy = rds_copies(rds)
    key = account_session(BACKUP).client("kms").create_key()["KeyMetadata"]["Arn"]

    assert cli("snapshot", "--id", instance_copy, "--share-with", TARGET, "--kms-key-id", key, "--execute") == 0
    shared = snapshot.share_copy_id(instance_copy, TARGET)
    attrs = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=shared)["DBSnapshotAttributesResult"]
    assert {"AttributeName": "restore", "AttributeValues": [TARGET]} in attrs["DBSnapshotAttributes"], attrs
    assert rds.describe_db_snapshots(DBSnapshotIdentifier=shared)["DBSnapshots"][0]["KmsKeyId"] == key
    assert cli("snapshot", "--id", instance_copy, "--share-with", TARGET, "--kms-key-id", key, "--execute") == 0
    assert "exists already" in capsys.readouterr().out, "a re-run must reuse the re-encrypted copy"

    assert cli("snapshot", "--id", cluster_copy, "--share-with", TARGET, "--kms-key-id", key, "--execute") == 0
    shared = snapshot.share_copy_id(cluster_copy, TARGET)
    attrs = rds.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier=shared)
    values = attrs["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"]
    assert {"AttributeName": "restore", "AttributeValues": [TARGET]} in values, values
    assert cli("snapshot", "--id", cluster_copy, "--share-with", "12345", "--kms-key-id", key) == 2
    assert "--share-with '12345': expected a 12-digit AWS account ID" in capsys.readouterr().err


# --- restore recovery-point ------------------------------------------------------------------------------

POINT = f"arn:aws:ec2:{REGION}::image/ami-0123456789abcdef0"
ROLE = f"arn:aws:iam::{BACKUP}:role/failsafe-restore"


def stub_backup(monkeypatch: pytest.MonkeyPatch, statuses: list[dict[str, Any]]) -> list[Stubber]:
    stubs: list[Stubber] = []

    def client(profile: str | None, service: str, made: Any) -> Any:
        if service != "backup":
            return made
        stub = Stubber(made)
        stub.add_response(
            "get_recovery_point_restore_metadata",
            {
                "BackupVaultArn": f"arn:aws:backup:{REGION}:{BACKUP}:backup-vault:vault",
                "RecoveryPointArn": POINT,
                "RestoreMetadata": {"InstanceType": "t3.micro", "SubnetId": "subnet-old"},
                "ResourceType": "EC2",
            },
            {"BackupVaultName": "vault", "RecoveryPointArn": POINT},
        )
        stub.add_response(
            "start_restore_job",
            {"RestoreJobId": "job-1"},
            {
                "RecoveryPointArn": POINT,
                "Metadata": {"InstanceType": "t3.micro", "SubnetId": "subnet-new"},
                "IamRoleArn": ROLE,
                "IdempotencyToken": ANY,
                "ResourceType": "EC2",
            },
        )
        for answer in statuses:
            stub.add_response("describe_restore_job", answer, {"RestoreJobId": "job-1"})
        stub.activate()
        stubs.append(stub)
        return made

    on_clients(monkeypatch, client)
    return stubs


def test_recovery_point_restore_job_is_started_and_timed(
    sessions: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stubbed: moto implements little of AWS Backup (no restore metadata or restore jobs); Stubber checks every
    request against botocore's model of the Backup API."""
    created = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    stubs = stub_backup(
        monkeypatch,
        [
            {"RestoreJobId": "job-1", "Status": "RUNNING", "CreationDate": created},
            {
                "RestoreJobId": "job-1",
                "Status": "COMPLETED",
                "CreationDate": created,
                "CompletionDate": created + timedelta(minutes=7, seconds=30),
                "CreatedResourceArn": f"arn:aws:ec2:{REGION}:{BACKUP}:instance/i-0abc",
            },
        ],
    )
    argv = [
        "recovery-point",
        "--arn",
        POINT,
        "--vault",
        "vault",
        "--role-arn",
        ROLE,
        "--metadata",
        "SubnetId=subnet-new",
    ]

    code = cli(*argv, "--execute", "--wait")
    out = capsys.readouterr().out

    assert code == 0, out
    assert "SubnetId = subnet-new  (--metadata)" in out and "restore job job-1 COMPLETED in 450 s" in out, out
    stubs[0].assert_no_pending_responses()


def test_recovery_point_failed_job_exits_1_and_bad_metadata_exits_2(
    sessions: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stubbed, as above."""
    stub_backup(monkeypatch, [{"RestoreJobId": "job-1", "Status": "FAILED", "StatusMessage": "subnet not found"}])
    argv = ["recovery-point", "--arn", POINT, "--vault", "vault", "--role-arn", ROLE]

    assert cli(*argv, "--metadata", "SubnetId=subnet-new", "--execute", "--wait") == 1
    assert "FAILED" in capsys.readouterr().out

    assert cli(*argv, "--metadata", "no-equals-sign") == 2
    assert "--metadata 'no-equals-sign': expected key=value" in capsys.readouterr().err
    assert cli("recovery-point", "--arn", POINT, "--vault", "v", "--role-arn", "restore-role") == 2
    assert "--role-arn 'restore-role': expected an IAM role ARN" in capsys.readouterr().err


# --- interrupted and resumed (issue 22, items 9 and 11) ---------------------------------------------------------

MANY = 120


@pytest.fixture
def many(sessions: None) -> list[str]:
    """A replica of MANY keys and an empty *versioned* target: a key copied twice shows as a second version."""
    s3 = account_session(BACKUP).client("s3")
    make_bucket(s3, REPLICA, versioned=True)
    make_bucket(account_session(TARGET, TARGET_REGION).client("s3"), NEW, TARGET_REGION, versioned=True)
    keys = [f"k/{n:04d}" for n in range(MANY)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=REPLICA, Key=k, Body=k.encode()), keys))
    return keys


def target_versions() -> dict[str, int]:
    """Versions per key in the target (every page)."""
    s3 = account_session(TARGET, TARGET_REGION).client("s3")
    counts: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=NEW):
        for v in page.get("Versions") or ():
            counts[v["Key"]] = counts.get(v["Key"], 0) + 1
    return counts


def done_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError):  # a line being written
            records.append(json.loads(line))
    return [r for r in records if "key" in r]


MANY_ARGS = ("s3", "--replica-bucket", REPLICA, "--target-bucket", NEW, *TO_TARGET, "--state-file", "state.jsonl")


@pytest.mark.parametrize(
    ("signal_", "after"),
    [(signal.SIGINT, 1), (signal.SIGINT, MANY // 3), (signal.SIGKILL, 1), (signal.SIGKILL, MANY // 3)],
    ids=["ctrl-c-at-once", "ctrl-c-midway", "kill-at-once", "kill-midway"],
)
def test_a_restore_interrupted_mid_copy_then_resumed_copies_every_key_exactly_once(
    many: list[str], signal_: signal.Signals, after: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real command in a subprocess against moto, interrupted once ``after`` copies are recorded: Ctrl-C
    (SIGINT) stops at once with one line and exit 130 (failsafe.ops.errors: interrupted), every copy made before
    it recorded; SIGKILL records nothing more. Then the same command again: every key ends with exactly one
    version in the versioned target, and the state file records each key once."""
    state = Path("state.jsonl")
    argv = [
        sys.executable,
        "-m",
        "failsafe.ops",
        "restore",
        *MANY_ARGS,
        "--concurrency",
        "2",
        "--execute",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        deadline = time.monotonic() + 60
        while len(done_lines(state)) < after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert proc.poll() is None, f"the restore ended before {after} copies: {proc.communicate()}"
        proc.send_signal(signal_)
        out, err = proc.communicate(timeout=60)

    recorded = {r["key"] for r in done_lines(state)}
    if signal_ == signal.SIGINT:
        assert proc.returncode == 130, (out, err)
        assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err, err
        assert set(target_versions()) == recorded, "a copy made before Ctrl-C is not in the state file"
    else:
        assert proc.returncode == -signal.SIGKILL
    assert len(recorded) < MANY, "the signal came after the restore had finished: nothing was interrupted"

    assert cli(*MANY_ARGS, "--execute", "--no-progress") == 0, capsys.readouterr()
    versions = target_versions()
    assert sorted(versions) == many, "keys lost by the interruption"
    assert {k: n for k, n in versions.items() if n != 1} == {}, "keys copied twice (a second version)"
    keys = [r["key"] for r in done_lines(state)]
    assert sorted(keys) == many, "the state file records a key twice, or not at all"


def test_a_ctrl_c_while_a_copy_is_being_recorded_loses_no_record_and_starts_nothing_new() -> None:
    """The race a real Ctrl-C hits rarely, made certain: SIGINT arrives in the main thread while ``on_done`` is
    handing a finished copy over, before it is recorded. A ``KeyboardInterrupt`` raised there would drop that copy
    and the others of its batch (in the target, not in the state file); ``run_parallel`` must record every copy
    that ran, start none after the interrupt, and then raise ``KeyboardInterrupt``."""
    assert threading.current_thread() is threading.main_thread(), "SIGINT handlers live in the main thread only"
    when = datetime(2026, 1, 1, tzinfo=UTC)
    versions = [planning.Version(f"k/{n}", f"v{n}", when, latest=True, size=n) for n in range(200)]
    ran: list[str] = []
    recorded: list[str] = []

    def work(v: planning.Version) -> copying.Outcome:
        ran.append(v.key)
        return copying.Outcome(v, True, "etag")

    def on_done(o: copying.Outcome) -> None:
        if len(recorded) == 5:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)  # the interpreter runs signal handlers at the next bytecode: here, in the old loop
        recorded.append(o.version.key)

    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        copying.run_parallel(versions, work, 2, on_done)
    assert signal.getsignal(signal.SIGINT) is previous, "the Ctrl-C handler was not put back"
    assert sorted(recorded) == sorted(ran), "a copy that ran is not recorded"
    assert 5 < len(ran) < len(versions), f"{len(ran)} copies ran: the interrupt stopped nothing or came too early"


def test_a_copy_made_but_not_recorded_is_adopted_on_resume_not_copied_again(
    many: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Deterministic form of a kill between a copy and its done line: a finished restore's state file cut back to
    the ``copying`` lines of its last 10 keys. The resume verifies those copies in the target and records them."""
    assert cli(*MANY_ARGS, "--execute", "--no-progress") == 0
    state = Path("state.jsonl")
    lines = state.read_text().splitlines()
    lost = {json.loads(line)["key"] for line in lines if '"key"' in line} - set(many[:-10])
    state.write_text("\n".join(line for line in lines if json.loads(line).get("key") not in lost) + "\n")
    capsys.readouterr()

    assert cli(*MANY_ARGS, "--execute", "--no-progress") == 0
    out = capsys.readouterr().out
    assert "10 copies found in the target from the interrupted run" in out and "nothing left to restore" in out, out
    assert set(target_versions().values()) == {1}, "an unrecorded copy was copied again"
    assert sorted(r["key"] for r in done_lines(state)) == many


def test_a_resume_refuses_keys_someone_else_wrote_since_the_first_attempt(
    many: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 22 item 11: the first attempt fails on the last key; meanwhile that key gains data in the target. The
    resume refuses it in one line (exit 2), and with --allow-non-empty overwrites it and says so."""

    def on_copy(params: dict[str, Any], **_: Any) -> None:
        if params["Key"] == many[-1]:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "CopyObject")

    def hook(profile: str | None, service: str, client: Any) -> None:
        if profile == "target" and service == "s3":
            client.meta.events.register("provide-client-params.s3.CopyObject", on_copy)

    with monkeypatch.context() as patch:
        on_clients(patch, hook)
        assert cli(*MANY_ARGS, "--execute", "--no-progress") == 1
    target = account_session(TARGET, TARGET_REGION).client("s3")
    target.put_object(Bucket=NEW, Key=many[-1], Body=b"written by someone else")
    capsys.readouterr()

    assert cli(*MANY_ARGS, "--execute", "--no-progress") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"1 key(s) hold data this restore did not write ({many[-1]})" in err, err
    assert target.get_object(Bucket=NEW, Key=many[-1])["Body"].read() == b"written by someone else"

    assert cli(*MANY_ARGS, "--execute", "--no-progress", "--allow-non-empty") == 0
    assert (
        f"overwriting 1 key(s) not written by this restore (--allow-non-empty): {many[-1]}" in capsys.readouterr().out
    )
    assert target.get_object(Bucket=NEW, Key=many[-1])["Body"].read() == many[-1].encode()


# --- times in UTC, a target not made yet, errors that name the bucket -------------------------------------------


def test_as_of_with_an_offset_is_shown_in_utc_and_an_older_state_file_still_resumes(
    history: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 22 item 10: ``...+02:00`` is shown (plan, JSON, state-file name) as the same instant in UTC. A state file
    written before that fix (its header holds the offset, its name the typed wall time with "Z") still resumes."""
    typed = history.astimezone(timezone(timedelta(hours=2))).replace(microsecond=0)
    utc = typed.astimezone(UTC)
    argv = [a if a != history.isoformat() else typed.isoformat() for a in s3_args(history)]

    assert cli(*argv) == 0
    out = capsys.readouterr().out
    assert f"as of {utc:%Y-%m-%dT%H:%M:%SZ}" in out, out
    assert f"-{utc:%Y%m%dT%H%M%SZ}-all.jsonl" in out and f"{typed:%Y%m%dT%H%M%S}Z" not in out, out

    assert cli(*argv, "--execute", "--no-progress") == 0
    [new] = Path().glob("*.jsonl")
    legacy = Path(new.name.replace(f"{utc:%Y%m%dT%H%M%SZ}", f"{typed:%Y%m%dT%H%M%SZ}"))
    lines = new.read_text().splitlines()
    header = json.loads(lines[0])
    header["restore"]["as_of"] = typed.isoformat()  # as versions before the fix wrote it
    legacy.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    new.unlink()
    capsys.readouterr()

    assert cli(*argv, "--execute", "--no-progress") == 0
    out = capsys.readouterr().out
    assert "nothing left to restore" in out and f"state file: {legacy}" in out, out
    assert not new.exists(), "the resume did not find the older state file"


def test_a_dry_run_works_before_the_target_bucket_exists_and_execute_says_rebuild_first(
    history: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 23 item 5: the runbook rebuilds first; a dry run before then plans and names the bucket to be made."""
    argv = [a if a != NEW else "made-by-the-rebuild" for a in s3_args(history)]

    assert cli(*argv) == 0
    out = capsys.readouterr().out
    assert "target bucket made-by-the-rebuild does not exist yet: the rebuild creates it" in out, out
    assert row(out, "to restore")[0] == "4", out

    assert cli(*argv, "--execute") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--target-bucket 'made-by-the-rebuild': no such bucket" in err, err
    assert "rebuild first" in err, err


def test_aws_errors_name_the_bucket(history: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a if a != REPLICA else "no-such-replica" for a in s3_args(history)]

    assert cli(*argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--replica-bucket 'no-such-replica': no such bucket" in err, err


def test_params_with_nothing_to_restore_exits_1_and_says_why(
    sessions: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 23: it exited 0 having restored nothing. No copies in the backup region means the copies are missing or
    the flags are wrong; that is exit 1 ("a check failed", failsafe.ops.errors), one line naming the path and
    region (docs/restore.md)."""
    argv = ["params", "--backup-profile", "backup", "--region", REGION, *TO_TARGET, "--path", "/nothing/"]

    assert cli(*argv) == 1
    out = capsys.readouterr().out
    assert "nothing to restore: no copies of the params copier under --path /nothing/" in out and REGION in out, out
