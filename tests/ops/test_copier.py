"""The snapshot copier against a moto server: copies once, tags, expires only past retention, backs off.

moto cannot share snapshots across accounts, so prod's shared snapshots are emulated as snapshots in
the backup account itself (SOURCE_ACCOUNT_ID = the backup account, RDS listed as "manual" instead of
"shared"); the copier still tells sources from copies by its own tags and names, as it must in AWS.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from failsafe.ops import aws, copier
from failsafe_components.recovery_functions import COPIER_TAG
from tests.support.awsfaults import inject
from tests.support.moto import BACKUP, REGION, account_session
from tests.support.opscli import Backoff

pytestmark = pytest.mark.usefixtures("shared_models", "quick_kms_keys")  # tests/support/moto.py

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def backup(moto: str) -> Any:
    return account_session(BACKUP)


@pytest.fixture
def key_arn(backup: Any) -> str:
    return backup.client("kms").create_key(Description="backup key")["KeyMetadata"]["Arn"]


@pytest.fixture
def settings(key_arn: str) -> copier.Settings:
    return copier.Settings(key_arn, 35, None, BACKUP, REGION)


def make_copier(backup: Any, settings: copier.Settings, now: datetime = T0, **kw: Any) -> copier.Copier:
    return copier.Copier(
        settings,
        backup.client("rds"),
        backup.client("ec2"),
        backup.client("sns"),
        now=lambda: now,
        rds_shared_type="manual",
        **kw,
    )


def ebs_source(backup: Any) -> str:
    ec2 = backup.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    return ec2.create_snapshot(VolumeId=volume, Description="prod data")["SnapshotId"]


def rds_sources(backup: Any) -> tuple[str, str]:
    rds = backup.client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="appdb",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )
    instance = rds.create_db_snapshot(DBInstanceIdentifier="appdb", DBSnapshotIdentifier="appdb-nightly")
    rds.create_db_cluster(
        DBClusterIdentifier="appcluster",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password123",
    )
    cluster = rds.create_db_cluster_snapshot(
        DBClusterIdentifier="appcluster", DBClusterSnapshotIdentifier="appcluster-nightly"
    )
    return instance["DBSnapshot"]["DBSnapshotArn"], cluster["DBClusterSnapshot"]["DBClusterSnapshotArn"]


def ami_source(backup: Any) -> str:
    return backup.client("ec2").register_image(
        Name="app-server",
        RootDeviceName="/dev/xvda",
        Architecture="arm64",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]


def tags_of(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or ()}


def ebs_copies(backup: Any) -> list[dict[str, Any]]:
    snaps = backup.client("ec2").describe_snapshots(
        Filters=[{"Name": f"tag:{copier.COPIED_BY_TAG}", "Values": ["failsafe"]}]
    )["Snapshots"]
    return snaps


def test_copier_tag_is_the_tag_the_iam_policy_allows_to_expire() -> None:
    assert copier.COPIED_BY_TAG == COPIER_TAG, "copier tags copies with a tag the ExpireOnlyOwnCopies policy ignores"


def test_handler_copies_every_kind_once_encrypted_with_the_backup_key_and_tagged(
    backup: Any, key_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    snap = ebs_source(backup)
    instance_arn, cluster_arn = rds_sources(backup)
    image = ami_source(backup)
    monkeypatch.setattr(aws, "session", lambda region=None: account_session(BACKUP))
    monkeypatch.setattr(copier, "RDS_SHARED_TYPE", "manual")
    for name, value in {
        "BACKUP_KMS_KEY_ARN": key_arn,
        "RETENTION_DAYS": "35",
        "SOURCE_ACCOUNT_ID": BACKUP,
        "NOTIFY_TOPIC_ARN": "",
    }.items():
        monkeypatch.setenv(name, value)

    first = copier.handler({}, None)

    copied = {(c["kind"], c["source"]) for c in first["copied"]}
    [ami] = backup.client("ec2").describe_images(ImageIds=[image])["Images"]
    ami_snapshot = ami["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]  # shared too; copied like any snapshot
    assert copied == {
        ("ebs-snapshot", snap),
        ("ebs-snapshot", ami_snapshot),
        ("rds-snapshot", instance_arn),
        ("rds-cluster-snapshot", cluster_arn),
        ("ami", image),
    }, f"first run copied {copied}"
    [ebs] = [s for s in ebs_copies(backup) if tags_of(s["Tags"])[copier.SOURCE_TAG] == snap]
    tags = tags_of(ebs["Tags"])
    assert ebs["Encrypted"] and ebs["KmsKeyId"] == key_arn, f"EBS copy not encrypted with the backup key: {ebs}"
    assert tags[copier.SOURCE_TAG] == snap and copier.COPIED_AT_TAG in tags and copier.RETAIN_UNTIL_TAG in tags
    rds = backup.client("rds")
    [rds_copy] = [
        s for s in rds.describe_db_snapshots()["DBSnapshots"] if s["DBSnapshotIdentifier"].startswith("failsafe-")
    ]
    assert rds_copy["KmsKeyId"] == key_arn and tags_of(rds_copy["TagList"])[copier.SOURCE_TAG] == instance_arn

    second = copier.handler({}, None)

    assert second["copied"] == [], f"second run copied again: {second['copied']}"
    assert len(second["existing"]) == 5
    assert len(ebs_copies(backup)) == 2


def test_copy_in_progress_found_by_source_tag_is_not_copied_again(backup: Any, settings: copier.Settings) -> None:
    snap = ebs_source(backup)
    ec2 = backup.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    ec2.create_snapshot(
        VolumeId=volume,
        TagSpecifications=[
            {
                "ResourceType": "snapshot",
                "Tags": [{"Key": copier.COPIED_BY_TAG, "Value": "failsafe"}, {"Key": copier.SOURCE_TAG, "Value": snap}],
            }
        ],
    )

    report = make_copier(backup, settings).run({})

    assert report.copied == [] and {"kind": "ebs-snapshot", "source": snap} in report.existing


def test_notice_copies_only_the_snapshots_it_names(backup: Any, settings: copier.Settings) -> None:
    named, other = ebs_source(backup), ebs_source(backup)
    message = json.dumps(
        {
            "detail-type": "EBS Snapshot Notification",
            "detail": {"snapshot_id": f"arn:aws:ec2::{BACKUP}:snapshot/{named}", "result": "succeeded"},
        }
    )
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message}}]}

    report = make_copier(backup, settings).run(event)

    assert [c["source"] for c in report.copied] == [named], f"notice for {named} copied {report.copied}"
    assert other not in {tags_of(s["Tags"])[copier.SOURCE_TAG] for s in ebs_copies(backup)}


def test_expiry_deletes_only_own_copies_past_retention_and_keeps_the_newest(
    backup: Any, settings: copier.Settings
) -> None:
    old_source = ebs_source(backup)
    make_copier(backup, settings, now=T0).run({})
    make_copier(backup, settings, now=T0 + timedelta(days=10)).run({})  # nothing new: old stays single
    new_source = ebs_source(backup)
    make_copier(backup, settings, now=T0 + timedelta(days=10)).run({})
    ec2 = backup.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    foreign = ec2.create_snapshot(
        VolumeId=volume,
        TagSpecifications=[
            {"ResourceType": "snapshot", "Tags": [{"Key": copier.RETAIN_UNTIL_TAG, "Value": "2000-01-01T00:00:00Z"}]}
        ],
    )["SnapshotId"]
    by_source = {tags_of(s["Tags"])[copier.SOURCE_TAG]: s["SnapshotId"] for s in ebs_copies(backup)}

    inside = make_copier(backup, settings, now=T0 + timedelta(days=34)).run({})
    assert inside.expired == [], f"deleted inside retention: {inside.expired}"

    report = make_copier(backup, settings, now=T0 + timedelta(days=36)).run({})

    assert [e["copy"] for e in report.expired] == [by_source[old_source]], f"expired {report.expired}"
    left = {s["SnapshotId"] for s in ec2.describe_snapshots()["Snapshots"]}
    assert by_source[new_source] in left, "copy inside retention was deleted"
    assert foreign in left, "a snapshot not tagged as ours was deleted"
    assert old_source in left and new_source in left, "a source snapshot was deleted"

    late = copier.Report()
    make_copier(backup, settings, now=T0 + timedelta(days=100)).expire_pass(late)
    remaining = [s for s in ebs_copies(backup)]
    newest = max(remaining, key=lambda s: tags_of(s["Tags"])[copier.COPIED_AT_TAG])
    assert [k["copy"] for k in late.kept] == [newest["SnapshotId"]], f"the newest copy must never expire: {late}"
    assert len(remaining) == 1, f"everything else past retention should be gone: {remaining}"


def test_lengthened_retention_protects_copies_tagged_with_the_shorter_one(
    backup: Any, settings: copier.Settings
) -> None:
    ebs_source(backup)
    short = copier.Settings(settings.kms_key_arn, 5, None, BACKUP, REGION)
    make_copier(backup, short, now=T0).run({})
    ebs_source(backup)
    make_copier(backup, short, now=T0 + timedelta(days=1)).run({})

    report = make_copier(backup, settings, now=T0 + timedelta(days=20)).run({})

    assert report.expired == [], "retain-until from the old 5-day retention overrode the current 35 days"


def test_ami_copies_are_found_by_name_and_expired_only_when_tagged_as_ours(
    backup: Any, settings: copier.Settings
) -> None:
    image = ami_source(backup)
    make_copier(backup, settings, now=T0).run({})
    again = make_copier(backup, settings, now=T0).run({})
    ec2 = backup.client("ec2")
    [copy] = ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [f"failsafe-copy-{image}"]}])[
        "Images"
    ]
    assert again.copied == [], "AMI copied twice"

    untagged = make_copier(backup, settings, now=T0 + timedelta(days=400)).run({})
    assert untagged.expired == [], "moto drops copy-time tags on AMIs; an untagged copy must never be deleted"

    # What CopyImage's TagSpecifications does in AWS, done by hand because moto ignores it:
    ec2.create_tags(
        Resources=[copy["ImageId"]],
        Tags=[
            {"Key": copier.COPIED_BY_TAG, "Value": "failsafe"},
            {"Key": copier.SOURCE_TAG, "Value": image},
            {"Key": copier.COPIED_AT_TAG, "Value": "2026-01-01T00:00:00Z"},
            {"Key": copier.RETAIN_UNTIL_TAG, "Value": "2026-02-05T00:00:00Z"},
        ],
    )
    ec2.create_tags(
        Resources=[ami_source_copy(backup, settings)],
        Tags=[
            {"Key": copier.COPIED_BY_TAG, "Value": "failsafe"},
            {"Key": copier.COPIED_AT_TAG, "Value": "2026-03-01T00:00:00Z"},
            {"Key": copier.RETAIN_UNTIL_TAG, "Value": "2026-04-05T00:00:00Z"},
        ],
    )

    report = make_copier(backup, settings, now=T0 + timedelta(days=45)).run({})

    assert [e["copy"] for e in report.expired if e["kind"] == "ami"] == [copy["ImageId"]], report


def test_snapshots_behind_an_ami_copy_are_never_ebs_copies_and_go_with_their_image(
    backup: Any, settings: copier.Settings
) -> None:
    """Review finding: AMI copies' backing snapshots were tagged like EBS copies, so expiry tried to delete
    snapshots in use by an image (InvalidSnapshot.InUse) and the "newest EBS copy" could be an AMI's snapshot."""
    image = ami_source(backup)
    make_copier(backup, settings, now=T0).run({})
    ec2 = backup.client("ec2")
    [copy] = ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [f"failsafe-copy-{image}"]}])[
        "Images"
    ]
    backing = [m["Ebs"]["SnapshotId"] for m in copy["BlockDeviceMappings"] if m.get("Ebs", {}).get("SnapshotId")]
    assert backing, "moto gave the AMI copy no backing snapshot; the test cannot run"
    ours = [
        {"Key": copier.COPIED_BY_TAG, "Value": "failsafe"},
        {"Key": copier.COPIED_AT_TAG, "Value": "2026-01-01T00:00:00Z"},
        {"Key": copier.RETAIN_UNTIL_TAG, "Value": "2026-02-05T00:00:00Z"},
    ]
    # what CopyImage's TagSpecifications would do in AWS (moto ignores them): the old tags, without the marker
    ec2.create_tags(Resources=[copy["ImageId"], *backing], Tags=ours)

    listed = make_copier(backup, settings, now=T0).our_copies()
    assert not [c for c in listed if c.kind == "ebs-snapshot" and c.id in backing], listed

    report = make_copier(backup, settings, now=T0 + timedelta(days=45)).run({})
    assert report.failures == [], f"expiry touched an image's snapshot: {report.failures}"

    (ami_copy,) = [c for c in listed if c.kind == "ami" and c.id == copy["ImageId"]]
    make_copier(backup, settings, now=T0 + timedelta(days=45)).delete(ami_copy)
    remaining = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert not set(backing) & remaining, "the image's snapshots outlived it (they cost money and hold data)"


def ami_source_copy(backup: Any, settings: copier.Settings) -> str:
    image = backup.client("ec2").register_image(
        Name="app-server-2",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]
    make_copier(backup, settings, now=T0).run({})
    return backup.client("ec2").describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [f"failsafe-copy-{image}"]}]
    )["Images"][0]["ImageId"]


def test_throttled_copy_is_retried_by_botocore_with_bounded_jittered_backoff(
    backup: Any, settings: copier.Settings, backoff: Backoff
) -> None:
    """Three throttled CopySnapshot attempts, then AWS's answer: four tries, three full-jitter delays of at most
    ``min(2 ** i, 20)`` s (botocore 1.44 ``retries/standard.py``, ``ExponentialBackoff.delay_amount``; the fixture
    records them at the top of the jitter)."""
    ebs_source(backup)
    ec2 = aws.client(backup, "ec2")
    throttled = inject(ec2.meta.events, "ec2", "CopySnapshot", times=3)
    run = copier.Copier(settings, aws.client(backup, "rds"), ec2, None, now=lambda: T0, rds_shared_type="manual")

    report = run.run({})

    assert len(report.copied) == 1 and throttled.attempts == 4, f"attempts={throttled.attempts}, report={report}"
    assert backoff.delays == [1.0, 2.0, 4.0], backoff.delays


def test_persistent_throttling_notifies_the_topic_and_raises_for_the_dlq(
    backup: Any, settings: copier.Settings
) -> None:
    ebs_source(backup)
    sns, sqs = backup.client("sns"), backup.client("sqs")
    topic = sns.create_topic(Name="notices")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    ec2 = aws.client(backup, "ec2")
    throttled = inject(ec2.meta.events, "ec2", "CopySnapshot", times=100)
    notify = copier.Settings(settings.kms_key_arn, 35, topic, BACKUP, REGION)
    run = copier.Copier(notify, aws.client(backup, "rds"), ec2, sns, now=lambda: T0, rds_shared_type="manual")

    with pytest.raises(copier.CopyFailed, match="ThrottlingException"):
        run.run({})

    assert throttled.attempts == aws.ATTEMPTS, f"expected {aws.ATTEMPTS} tries in all, got {throttled.attempts}"
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(json.loads(messages[0]["Body"])["Message"])
    assert body["failures"] and "ThrottlingException" in body["failures"][0]["error"], body
    assert f"reached max retries: {aws.ATTEMPTS - 1}" in body["failures"][0]["error"], body


def test_the_volume_rate_limit_is_retried_in_the_same_loop_with_the_same_bound(
    backup: Any, settings: copier.Settings
) -> None:
    """EC2's SnapshotCreationPerVolumeRateExceeded is not in botocore's throttling list; the client factory's
    handler retries it, and the bound is still :data:`aws.ATTEMPTS` tries in all."""
    ebs_source(backup)
    ec2 = aws.client(backup, "ec2")
    limited = inject(ec2.meta.events, "ec2", "CopySnapshot", times=100, code="SnapshotCreationPerVolumeRateExceeded")
    run = copier.Copier(settings, aws.client(backup, "rds"), ec2, None, now=lambda: T0, rds_shared_type="manual")
    with pytest.raises(copier.CopyFailed, match="SnapshotCreationPerVolumeRateExceeded"):
        run.run({})
    assert limited.attempts == aws.ATTEMPTS, limited


def test_settings_name_the_missing_or_malformed_variable() -> None:
    env = {
        "BACKUP_KMS_KEY_ARN": "k",
        "RETENTION_DAYS": "35",
        "SOURCE_ACCOUNT_ID": "111111111111",
        "AWS_REGION": "eu-central-1",
    }
    assert copier.Settings.from_env(env).retention_days == 35
    with pytest.raises(copier.SettingsError, match="BACKUP_KMS_KEY_ARN"):
        copier.Settings.from_env({**env, "BACKUP_KMS_KEY_ARN": ""})
    with pytest.raises(copier.SettingsError, match="RETENTION_DAYS='soon'"):
        copier.Settings.from_env({**env, "RETENTION_DAYS": "soon"})
    with pytest.raises(copier.SettingsError, match="SOURCE_ACCOUNT_ID"):
        copier.Settings.from_env({**env, "SOURCE_ACCOUNT_ID": "prod"})


def test_rds_copy_identifiers_are_deterministic_valid_and_within_limits() -> None:
    arn = f"arn:aws:rds:{REGION}:111111111111:snapshot:rds:appdb-2026-01-01-00-00"
    name = copier.rds_copy_identifier(arn, 63)
    assert name == copier.rds_copy_identifier(arn, 63) and len(name) <= 63
    assert name.startswith("failsafe-rds-appdb-2026") and "--" not in name and not name.endswith("-")
    long = copier.rds_copy_identifier(arn.replace("appdb", "a" * 200), 63)
    assert len(long) <= 63 and long != copier.rds_copy_identifier(arn.replace("appdb", "a" * 201), 63)


def test_access_denied_is_not_retried(backup: Any, settings: copier.Settings) -> None:
    ebs_source(backup)
    ec2 = aws.client(backup, "ec2")
    denied = inject(ec2.meta.events, "ec2", "CopySnapshot", times=100, code="UnauthorizedOperation", status=403)
    run = copier.Copier(settings, aws.client(backup, "rds"), ec2, None, now=lambda: T0, rds_shared_type="manual")
    with pytest.raises(copier.CopyFailed, match="UnauthorizedOperation"):
        run.run({})
    assert denied.attempts == 1, "a refusal was retried"


def test_snapshots_in_the_source_region_are_listed_there_and_copied_into_this_region(moto: str) -> None:
    source_region = "eu-west-1"
    here, there = account_session(BACKUP, REGION), account_session(BACKUP, source_region)
    key = here.client("kms").create_key()["KeyMetadata"]["Arn"]
    volume = there.client("ec2").create_volume(AvailabilityZone=f"{source_region}a", Size=8)["VolumeId"]
    snap = there.client("ec2").create_snapshot(VolumeId=volume)["SnapshotId"]
    settings = copier.Settings(key, 35, None, BACKUP, REGION, source_region)
    run = copier.Copier(
        settings,
        here.client("rds"),
        here.client("ec2"),
        None,
        now=lambda: T0,
        rds_shared_type="manual",
        source_rds=there.client("rds"),
        source_ec2=there.client("ec2"),
    )

    report = run.run({})

    assert [c["source"] for c in report.copied] == [snap], report
    [copy] = ebs_copies(here)
    assert copy["KmsKeyId"] == key and tags_of(copy["Tags"])[copier.SOURCE_TAG] == snap
    assert run.run({}).copied == [], "copied again across regions"


def test_the_component_passes_the_copier_its_source_region() -> None:
    from failsafe_components.recovery_functions import RecoveryFunctionsArgs

    assert "source_region" in RecoveryFunctionsArgs.__dataclass_fields__
    env = {
        "BACKUP_KMS_KEY_ARN": "k",
        "RETENTION_DAYS": "35",
        "SOURCE_ACCOUNT_ID": "111111111111",
        "AWS_REGION": REGION,
        "SOURCE_REGION": "eu-west-1",
    }
    assert copier.Settings.from_env(env).shared_region == "eu-west-1"
    assert copier.Settings.from_env({**env, "SOURCE_REGION": ""}).shared_region == REGION
