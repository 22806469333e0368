"""Prod's snapshot events, forwarded to the backup account's event bus, run the copier: against a moto server.

The events are the shapes EventBridge delivers to the copier from the dr bus (EventIntake's rule target): the
original RDS/EC2 event, ``detail`` and ``resources`` unchanged. The copier runs through its Lambda ``handler``, with
the environment RecoveryFunctions gives it. moto cannot share snapshots across accounts, so (as in test_copier) prod's
snapshot lives in the same moto account the copier runs in; the copier still tells sources from copies by its tags.
moto's CreateSnapshot drops the volume's key ID, so the AWS-managed-key source is made with CopySnapshot, which keeps
it (a snapshot under ``aws/ebs`` either way).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from failsafe.ops import copier
from failsafe_components.prod_backup import SNAPSHOT_EVENT_PATTERN
from tests.support.moto import REGION

pytestmark = pytest.mark.usefixtures("shared_models", "quick_kms_keys")  # tests/support/moto.py

ACCOUNT = "123456789012"  # moto's default account: the handler's own session carries no account header


@pytest.fixture
def clients(moto: str) -> dict[str, Any]:
    return {name: boto3.client(name, region_name=REGION) for name in ("ec2", "kms", "sns")}


@pytest.fixture
def handler_env(clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    key = clients["kms"].create_key(Description="backup key")["KeyMetadata"]["Arn"]
    monkeypatch.setenv("BACKUP_KMS_KEY_ARN", key)
    monkeypatch.setenv("RETENTION_DAYS", "35")
    monkeypatch.setenv("SOURCE_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("NOTIFY_TOPIC_ARN", clients["sns"].create_topic(Name="notices")["TopicArn"])
    return key


def tagged_snapshot(ec2: Any) -> str:
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    return ec2.create_snapshot(
        VolumeId=volume,
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "failsafe:backup", "Value": "true"}]}],
    )["SnapshotId"]


def aws_managed_snapshot(ec2: Any, kms: Any) -> str:
    aws_ebs = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]
    plain = tagged_snapshot(ec2)
    copy = ec2.copy_snapshot(SourceSnapshotId=plain, SourceRegion=REGION, Encrypted=True, KmsKeyId=aws_ebs)
    ec2.delete_snapshot(SnapshotId=plain)
    return copy["SnapshotId"]


def ebs_event(snapshot_id: str) -> dict[str, Any]:
    """An "EBS Snapshot Notification" as the dr bus's rule passes it on (EventBridge User Guide, EBS events)."""
    arn = f"arn:aws:ec2::{REGION}:snapshot/{snapshot_id}"
    return {
        "version": "0",
        "id": "01234567-0123-0123-0123-012345678901",
        "detail-type": "EBS Snapshot Notification",
        "source": "aws.ec2",
        "account": ACCOUNT,
        "region": REGION,
        "resources": [arn],
        "detail": {
            "event": "createSnapshot",
            "result": "succeeded",
            "cause": "",
            "snapshot_id": arn,
            "source": f"arn:aws:ec2::{REGION}:volume/vol-01234567",
        },
    }


def copies_of(ec2: Any, source: str) -> list[dict[str, Any]]:
    snaps = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    return [s for s in snaps if {"Key": copier.SOURCE_TAG, "Value": source} in (s.get("Tags") or [])]


def test_the_events_prod_forwards_are_the_events_the_copier_reads() -> None:
    assert set(copier.EVENT_SOURCES) == set(SNAPSHOT_EVENT_PATTERN["source"]), "forwarded sources the copier ignores"


def test_a_forwarded_ebs_snapshot_event_makes_a_copy_under_the_backup_key(
    clients: dict[str, Any], handler_env: str
) -> None:
    snapshot = tagged_snapshot(clients["ec2"])

    report = copier.handler(ebs_event(snapshot), None)

    assert report["copied"] == [{"kind": "ebs-snapshot", "source": snapshot, "copy": report["copied"][0]["copy"]}], (
        f"the event for {snapshot} copied {report['copied']}"
    )
    (copy,) = copies_of(clients["ec2"], snapshot)
    assert copy["Encrypted"] and copy.get("KmsKeyId") == handler_env, f"copy not under the backup key: {copy}"
    assert report["unshareable"] == [] and report["not_shared"] == []


def test_an_aws_managed_key_snapshot_is_reported_and_not_copied(clients: dict[str, Any], handler_env: str) -> None:
    snapshot = aws_managed_snapshot(clients["ec2"], clients["kms"])

    report = copier.handler(ebs_event(snapshot), None)

    assert report["copied"] == [], f"a snapshot under aws/ebs was copied: {report['copied']}"
    assert [(u["source"], u["why"]) for u in report["unshareable"]] == [(snapshot, copier.UNSHAREABLE)], report
    assert copies_of(clients["ec2"], snapshot) == []


def test_a_scheduled_run_reports_aws_managed_key_snapshots_too(clients: dict[str, Any], handler_env: str) -> None:
    managed, normal = aws_managed_snapshot(clients["ec2"], clients["kms"]), tagged_snapshot(clients["ec2"])

    report = copier.handler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None)

    assert [c["source"] for c in report["copied"]] == [normal]
    assert [u["source"] for u in report["unshareable"]] == [managed]


def test_an_event_for_a_snapshot_not_shared_with_the_backup_account_is_reported(
    clients: dict[str, Any], handler_env: str
) -> None:
    report = copier.handler(ebs_event("snap-0123456789abcdef0"), None)

    assert report["copied"] == []
    assert [n["source"] for n in report["not_shared"]] == ["snap-0123456789abcdef0"], report
    assert "customer-managed key" in report["not_shared"][0]["why"]


def test_rds_and_ami_events_name_their_snapshot_and_image() -> None:
    arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:rds:appdb-2026-01-01-00-05"
    rds = {
        "source": "aws.rds",
        "detail-type": "RDS DB Snapshot Event",
        "resources": [arn],
        "detail": {"SourceArn": arn, "SourceIdentifier": "rds:appdb-2026-01-01-00-05", "EventID": "RDS-EVENT-0091"},
    }
    ami = {
        "source": "aws.ec2",
        "detail-type": "EC2 AMI State Change",
        "resources": [f"arn:aws:ec2:{REGION}::image/ami-0123456789abcdef0"],
        "detail": {"ImageId": "ami-0123456789abcdef0", "State": "available"},
    }

    assert copier.notice_ids(rds) == {arn}
    assert copier.notice_ids(ami) == {"ami-0123456789abcdef0"}
    assert copier.notice_ids({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}) is None


def verify_sides(moto_clients: dict[str, Any]) -> Any:
    from failsafe.ops import verify

    overrides = {("prod", name): client for name, client in moto_clients.items()}
    return verify.Sides(None, None, REGION, REGION, overrides)


def test_verify_names_aws_managed_key_snapshots_in_prod(clients: dict[str, Any]) -> None:
    from failsafe.ops import verify

    clients["rds"] = boto3.client("rds", region_name=REGION)
    targets = verify.Targets({}, ACCOUNT, "222222222222", "333333333333", timedelta(hours=1))
    tagged_snapshot(clients["ec2"])
    assert verify.check_unshareable_snapshots(verify_sides(clients), targets).ok is True

    managed = aws_managed_snapshot(clients["ec2"], clients["kms"])
    check = verify.check_unshareable_snapshots(verify_sides(clients), targets)

    assert check.ok is False and managed in check.evidence and copier.UNSHAREABLE in check.evidence, check


def test_verify_reads_replication_failures_and_latency_from_the_metrics_the_alarms_watch(moto: str) -> None:
    from failsafe.ops import verify

    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="source", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="source", VersioningConfiguration={"Status": "Enabled"})
    rule = {"ID": "to-backup-account", "Status": "Enabled", "Priority": 1, "Filter": {}}
    rule |= {"DeleteMarkerReplication": {"Status": "Disabled"}}
    rule["Destination"] = {"Bucket": "arn:aws:s3:::replica", "Metrics": {"Status": "Enabled"}}
    s3.put_bucket_replication(
        Bucket="source", ReplicationConfiguration={"Role": f"arn:aws:iam::{ACCOUNT}:role/r", "Rules": [rule]}
    )
    now = datetime.now(UTC)
    targets = verify.Targets({"replica": "source"}, ACCOUNT, "222222222222", "333333333333", timedelta(minutes=15))
    sides = verify_sides({"cloudwatch": cloudwatch, "s3": s3})
    assert verify.check_replication_metrics(sides, targets, "replica", now).ok is True

    def put(metric: str, value: float) -> None:
        dimensions = [
            {"Name": "SourceBucket", "Value": "source"},
            {"Name": "DestinationBucket", "Value": "replica"},
            {"Name": "RuleId", "Value": "to-backup-account"},
        ]
        cloudwatch.put_metric_data(
            Namespace="AWS/S3",
            MetricData=[{"MetricName": metric, "Dimensions": dimensions, "Value": value, "Timestamp": now}],
        )

    put("ReplicationLatency", 3600)
    late = verify.check_replication_metrics(sides, targets, "replica", now + timedelta(minutes=1))
    assert late.ok is False and "exceeds the RPO" in late.evidence, late
    put("OperationsFailedReplication", 3)
    failed = verify.check_replication_metrics(sides, targets, "replica", now + timedelta(minutes=1))
    assert failed.ok is False and "3 failed replication" in failed.evidence, failed


def test_the_rule_id_verify_reads_is_the_one_the_bucket_replicates_with() -> None:
    from failsafe.ops import verify
    from failsafe_components.replicated_bucket import REPLICATION_RULE_ID

    assert verify.REPLICATION_RULE_ID == REPLICATION_RULE_ID
