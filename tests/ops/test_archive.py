"""The configuration archive against a moto S3 bucket in the backup account."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from failsafe.ops import archive
from tests.support.moto import BACKUP, REGION, account_session

pytestmark = pytest.mark.usefixtures("shared_models")  # sessions share parsed service models

BUCKET = "example-failsafe-archive-eu-central-1"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def export(resources: int) -> bytes:
    return json.dumps(
        {
            "version": 3,
            "deployment": {
                "manifest": {"time": "t"},
                "resources": [
                    {"urn": f"urn:pulumi:prod::failsafe::aws:s3/bucket:Bucket::b{i}", "type": "aws:s3/bucket:Bucket"}
                    for i in range(resources)
                ],
            },
        }
    ).encode()


@pytest.fixture
def s3(moto: str) -> Any:
    client = account_session(BACKUP).client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


@pytest.fixture
def store(s3: Any) -> archive.Archive:
    return archive.Archive(s3, BUCKET)


def test_export_is_stored_under_stack_and_utc_timestamp_with_its_sha256(s3: Any, store: archive.Archive) -> None:
    data = export(10)
    sent: list[dict[str, str]] = []
    s3.meta.events.register("before-send.s3.PutObject", lambda request, **_: sent.append(dict(request.headers)))

    stored = store.store("prod", data, 20, now=T0)

    assert stored.key == "prod/20261123T020000Z.json" and stored.resources == 10
    head = s3.head_object(Bucket=BUCKET, Key=stored.key)
    assert head["Metadata"]["sha256"] == archive.sha256_hex(data) == stored.sha256
    assert head["Metadata"]["resources"] == "10"
    # moto does not keep S3 checksums, so check what was sent: S3 itself rejects a body that doesn't match.
    headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in sent[0].items()}
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert headers["if-none-match"] == "*", "upload is not conditional: it could overwrite an archive"
    assert store.newest_valid("prod") == (stored.key, data)


def test_an_existing_archive_is_never_overwritten(s3: Any, store: archive.Archive) -> None:
    store.store("prod", export(10), 20, now=T0)

    with pytest.raises(archive.ArchiveError, match="already exists; archives are never overwritten"):
        store.store("prod", export(11), 20, now=T0)

    assert s3.head_object(Bucket=BUCKET, Key="prod/20261123T020000Z.json")["Metadata"]["resources"] == "10"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"version": 3, "deployment": {}}', "no deployment.resources"),
        (b'{"version": 3, "deployment": {"resources": []}}', "is empty"),
        (b'["a list"]', "no deployment.resources"),
    ],
)
def test_an_invalid_export_is_refused_before_upload(s3: Any, store: archive.Archive, data: bytes, message: str) -> None:
    with pytest.raises(archive.ArchiveError, match=message):
        store.store("prod", data, 20, now=T0)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET), "a refused export was uploaded"


def test_a_shrunken_export_is_refused_and_one_within_the_limit_accepted(store: archive.Archive) -> None:
    store.store("prod", export(100), 20, now=T0)

    with pytest.raises(archive.ArchiveError, match=r"75 resources, 25% fewer than the 100 .*archiveMaxShrinkPercent"):
        store.store("prod", export(75), 20, now=T0 + timedelta(hours=1))
    within = store.store("prod", export(80), 20, now=T0 + timedelta(hours=2))
    forced = store.store("prod", export(10), 20, now=T0 + timedelta(hours=3), allow_shrink=True)

    assert (within.previous_resources, forced.previous_resources) == (100, 80)
    assert store.store("dr", export(3), 20, now=T0).previous_key is None, "stacks must not share a baseline"


def test_restore_skips_a_newest_archive_whose_checksum_does_not_match(s3: Any, store: archive.Archive) -> None:
    good = store.store("prod", export(10), 20, now=T0)
    s3.put_object(
        Bucket=BUCKET,
        Key="prod/20261124T000000Z.json",
        Body=export(2),
        Metadata={"sha256": "0" * 64, "resources": "10"},
    )

    key, data = store.newest_valid("prod")

    assert key == good.key and archive.resource_count(data) == 10


def test_restore_with_nothing_valid_says_what_it_found(s3: Any, store: archive.Archive) -> None:
    s3.put_object(Bucket=BUCKET, Key="prod/20261124T000000Z.json", Body=b"{}", Metadata={"sha256": "0" * 64})
    with pytest.raises(archive.ArchiveError, match=r"no valid archive of stack prod.*checksum mismatch"):
        store.newest_valid("prod")
    with pytest.raises(archive.ArchiveError, match="no archives at all"):
        store.newest_valid("dr")


def test_missing_bucket_is_a_clear_error(moto: str) -> None:
    store = archive.Archive(account_session(BACKUP).client("s3"), "no-such-bucket")
    with pytest.raises(archive.ArchiveError, match="bucket no-such-bucket does not exist"):
        store.store("prod", export(1), 20, now=T0)


def test_pulumi_export_runs_the_cli_without_show_secrets_and_reports_its_error() -> None:
    seen: list[list[str]] = []

    def run(argv: list[str], **_: Any) -> subprocess.CompletedProcess[bytes]:
        seen.append(argv)
        return subprocess.CompletedProcess(argv, 0, export(1), b"")

    assert archive.resource_count(archive.pulumi_export("prod", run=run)) == 1
    assert seen == [["pulumi", "stack", "export", "--stack", "prod"]]

    def failing(argv: list[str], **_: Any) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(argv, 255, b"", b"error: no stack named 'prod' found\n")

    with pytest.raises(archive.ArchiveError, match="no stack named 'prod' found"):
        archive.pulumi_export("prod", run=failing)


# --- fetch --outputs: dr-outputs.json from the archive ---------------------------------------------------------

SECRET = {archive.SECRET_SIG: archive.SECRET_VALUE, "ciphertext": "v1:abc"}


def dr_export(outputs: dict[str, Any]) -> bytes:
    """A dr export as `pulumi stack export` writes it: the Stack resource is the root and holds the outputs."""
    stack = {"urn": "urn:pulumi:dr::failsafe::pulumi:pulumi:Stack::failsafe-dr", "type": archive.STACK_TYPE}
    vault = {"urn": "urn:pulumi:dr::failsafe::aws:backup/vault:Vault::v", "type": "aws:backup/vault:Vault"}
    document = {"version": 3, "deployment": {"resources": [{**stack, "outputs": outputs}, vault]}}
    return json.dumps(document).encode()


@pytest.fixture
def dr_archive(moto: str, profiles: dict[str, str]) -> str:
    """The dr archive bucket, named by the documented rule ``<bucketNamePrefix>-state-archive-<drRegion>``
    (docs/runbook.md, "Configuration archive") from the dr stack's config, holding one dr export."""
    from failsafe.ops.stackconfig import load_config

    cfg = load_config("dr")
    bucket = f"{cfg.bucket_name_prefix}-state-archive-{cfg.dr_region}"
    s3 = account_session(profiles["backup"], cfg.dr_region).client("s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": cfg.dr_region})
    outputs = {"vaultName": "failsafe-vault", "archiveBucketName": bucket, "alertToken": SECRET, "ids": ["a", SECRET]}
    archive.Archive(s3, bucket).store("dr", dr_export(outputs), 20, now=T0)
    return bucket


def test_fetch_outputs_writes_dr_outputs_without_knowing_the_bucket(
    dr_archive: str, failsafe_dr: Any, tmp_path: Any
) -> None:
    """The runbook's loop (dr-outputs.json names the archive bucket that holds dr-outputs.json) is broken: the bucket
    comes from config; the outputs from the archived export, secrets shown as `pulumi stack output --json` does."""
    target = tmp_path / "dr-outputs.json"
    ran = failsafe_dr("fetch", "--stack", "dr", "--outputs", str(target), "--profile", "backup", "--output", "json")
    assert ran.code == 0, ran.err
    assert json.loads(target.read_text(encoding="utf-8")) == {
        "vaultName": "failsafe-vault",
        "archiveBucketName": dr_archive,
        "alertToken": "[secret]",
        "ids": ["a", "[secret]"],
    }
    assert ran.json["bucket"] == dr_archive and ran.json["out"] is None, ran.json
    assert ran.json["output_keys"] == ["alertToken", "archiveBucketName", "ids", "vaultName"], ran.json
    from failsafe.ops.stackconfig import outputs

    assert outputs([str(target)])["archiveBucketName"] == dr_archive  # what verify and restore read


def test_fetch_writes_the_export_and_the_outputs_together(dr_archive: str, failsafe_dr: Any, tmp_path: Any) -> None:
    out, found = tmp_path / "dr.json", tmp_path / "dr-outputs.json"
    ran = failsafe_dr("fetch", "--stack", "dr", "--out", str(out), "--outputs", str(found), "--profile", "backup")
    assert ran.code == 0, ran.err
    assert archive.resource_count(out.read_bytes()) == 2 and json.loads(found.read_text())["vaultName"]


def test_fetch_without_a_file_to_write_is_refused_in_one_line(failsafe_dr: Any) -> None:
    ran = failsafe_dr("fetch", "--stack", "dr")
    assert ran.code == 2 and ran.err.count("\n") == 1 and "--out FILE" in ran.err and "--outputs FILE" in ran.err


def test_an_export_without_its_stack_resource_has_no_outputs() -> None:
    with pytest.raises(archive.ArchiveError, match="0 pulumi:pulumi:Stack resources"):
        archive.stack_outputs(export(3), "dr/x.json")
