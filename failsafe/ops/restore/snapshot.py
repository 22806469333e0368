"""``failsafe-dr restore snapshot``: an RDS instance or cluster, or an EBS volume, from a copier copy; or the copy
re-encrypted with a key the target account may use and shared with it."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from failsafe.ops import aws, copier, options
from failsafe.ops.errors import error_code
from failsafe.ops.output import Report
from failsafe.ops.restore.common import (
    RESTORED_FROM_TAG,
    RestoreInputError,
    account_id,
    backup_session,
    need,
    parse_int,
    poll,
)

SHAPE = {
    "snapshot": "{kind: rds|rds-cluster|ebs, id, arn, status, kms_key_id, source, copied_at, failsafe_copy}",
    "action": "the AWS call made (or a dry run would make)",
    "request": "its parameters (restores), or null",
    "executed": "false for a dry run",
    "created": "ID of the volume, DB instance/cluster or re-encrypted copy, or null",
    "available_after_seconds": "with --wait: seconds until available, else null",
    "shared_with": "the account ID of --share-with, or null",
}


@dataclass(frozen=True)
class Snapshot:
    kind: str  # rds, rds-cluster, ebs
    id: str
    arn: str
    status: str
    kms_key_id: str | None
    tags: dict[str, str]
    engine: str | None = None

    @property
    def ours(self) -> bool:
        return self.tags.get(copier.COPIED_BY_TAG) == copier.COPIED_BY_VALUE


def _tags(items: Iterable[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or ()}


def find_snapshot(rds: Any, ec2: Any, snapshot_id: str, kind: str | None) -> Snapshot:
    kind = kind or ("ebs" if snapshot_id.startswith("snap-") else None)
    missing = {"DBSnapshotNotFound", "DBSnapshotNotFoundFault", "DBClusterSnapshotNotFoundFault"}
    if kind == "ebs":
        try:
            snaps = ec2.describe_snapshots(SnapshotIds=[snapshot_id])
        except ClientError as exc:
            if error_code(exc) in ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"):
                raise RestoreInputError(
                    f"--id {snapshot_id!r}: expected an EBS snapshot in this account and region"
                ) from None
            raise
        s = snaps["Snapshots"][0]
        return Snapshot(
            "ebs", s["SnapshotId"], s["SnapshotId"], s.get("State", ""), s.get("KmsKeyId"), _tags(s.get("Tags"))
        )
    if kind in (None, "rds"):
        try:
            s = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"][0]
            return Snapshot(
                "rds",
                s["DBSnapshotIdentifier"],
                s["DBSnapshotArn"],
                s.get("Status", ""),
                s.get("KmsKeyId"),
                _tags(s.get("TagList")),
                s.get("Engine"),
            )
        except ClientError as exc:
            if error_code(exc) not in missing or kind == "rds":
                if kind == "rds" and error_code(exc) in missing:
                    raise RestoreInputError(f"--id {snapshot_id!r}: expected an RDS DB snapshot identifier") from None
                raise
    try:
        s = rds.describe_db_cluster_snapshots(
            DBClusterSnapshotIdentifier=snapshot_id,
        )["DBClusterSnapshots"][0]
    except ClientError as exc:
        if error_code(exc) in missing:
            raise RestoreInputError(
                f"--id {snapshot_id!r}: expected a snap-... EBS snapshot or an RDS (cluster) snapshot identifier "
                "in this account and region"
            ) from None
        raise
    return Snapshot(
        "rds-cluster",
        s["DBClusterSnapshotIdentifier"],
        s["DBClusterSnapshotArn"],
        s.get("Status", ""),
        s.get("KmsKeyId"),
        _tags(s.get("TagList")),
        s.get("Engine"),
    )


def default_target_id(snapshot_id: str) -> str:
    """A valid RDS identifier (letters, digits, hyphens; starts with a letter; 63 characters at most)."""
    base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", f"restored-{snapshot_id.lower()}")).strip("-")
    if len(base) > 63:
        base = f"{base[:54].rstrip('-')}-{hashlib.sha256(snapshot_id.encode()).hexdigest()[:8]}"
    return base


def share_copy_id(snapshot_id: str, account: str) -> str:
    return default_target_id(f"share-{account}-{snapshot_id}").removeprefix("restored-")


def cmd_snapshot(args: argparse.Namespace) -> Report:
    if args.share_with:
        account_id("--share-with", args.share_with)
        need("--kms-key-id", args.kms_key_id, "a customer-managed KMS key that the target account may use")
    timeout = parse_int("--timeout-minutes", args.timeout_minutes, 1) * 60
    sess = backup_session(args)
    rds, ec2 = aws.client(sess, "rds"), aws.client(sess, "ec2")
    snap = find_snapshot(rds, ec2, args.id, args.kind)
    data: dict[str, Any] = {
        "snapshot": {
            "kind": snap.kind,
            "id": snap.id,
            "arn": snap.arn,
            "status": snap.status,
            "kms_key_id": snap.kms_key_id,
            "source": snap.tags.get(copier.SOURCE_TAG),
            "copied_at": snap.tags.get(copier.COPIED_AT_TAG),
            "failsafe_copy": snap.ours,
        },
        "action": None,
        "request": None,
        "executed": bool(args.execute),
        "created": None,
        "available_after_seconds": None,
        "shared_with": None,
    }
    report = Report(data, [])
    out = report.blocks
    out.append(
        f"{snap.kind} snapshot {snap.id} ({snap.status}); key {snap.kms_key_id or 'unencrypted'}; "
        f"source {snap.tags.get(copier.SOURCE_TAG, '-')}; copied {snap.tags.get(copier.COPIED_AT_TAG, '-')}"
        + ("" if snap.ours else "; NOT a failsafe copy (no failsafe:copied-by tag)")
    )
    if snap.status not in ("available", "completed"):
        raise RestoreInputError(f"--id {snap.id!r}: status {snap.status}; expected available/completed")
    tags = [{"Key": RESTORED_FROM_TAG, "Value": snap.arn}]
    if args.share_with:
        return _share(args, snap, rds, ec2, timeout, report)
    target_id = args.target_id or default_target_id(snap.id)
    if snap.kind == "ebs":
        zone = args.availability_zone or ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
        call = {
            "SnapshotId": snap.id,
            "AvailabilityZone": zone,
            "VolumeType": args.volume_type,
            "TagSpecifications": [{"ResourceType": "volume", "Tags": [*tags, {"Key": "Name", "Value": target_id}]}],
            **({"Encrypted": True, "KmsKeyId": args.kms_key_id} if args.kms_key_id else {}),
        }
        data.update(action="ec2.create_volume", request=call)
        out.append(f"ec2.create_volume {json.dumps(call)}")
        if not args.execute:
            out.append("dry run: nothing created; --execute to create the volume")
            return report
        volume = ec2.create_volume(**call)["VolumeId"]
        data["created"] = volume
        out.append(f"volume {volume} created in {zone}")
        if args.wait:
            _, waited = poll(
                lambda: ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["State"],
                {"available"},
                {"error", "deleted"},
                timeout,
                f"volume {volume}",
                args.progress,
            )
            data["available_after_seconds"] = round(waited)
            out.append(f"volume {volume} available")
        return report
    network = {
        **({"DBSubnetGroupName": args.db_subnet_group} if args.db_subnet_group else {}),
        **({"VpcSecurityGroupIds": args.security_group_id} if args.security_group_id else {}),
    }
    if snap.kind == "rds":
        call = {
            "DBInstanceIdentifier": target_id,
            "DBSnapshotIdentifier": snap.id,
            "PubliclyAccessible": False,
            "Tags": tags,
            **({"DBInstanceClass": args.instance_class} if args.instance_class else {}),
            **network,
        }
        data.update(action="rds.restore_db_instance_from_db_snapshot", request=call)
        out.append(f"rds.restore_db_instance_from_db_snapshot {json.dumps(call)}")
        if not args.execute:
            out.append("dry run: nothing created; --execute to restore")
            return report
        started = time.monotonic()
        rds.restore_db_instance_from_db_snapshot(**call)
        data["created"] = target_id
        out.append(f"DB instance {target_id} restoring from {snap.id}")
        if args.wait:
            poll(
                lambda: rds.describe_db_instances(DBInstanceIdentifier=target_id)["DBInstances"][0]["DBInstanceStatus"],
                {"available"},
                {"failed", "incompatible-restore", "incompatible-parameters", "storage-full"},
                timeout,
                f"DB instance {target_id}",
                args.progress,
            )
            data["available_after_seconds"] = round(time.monotonic() - started)
            out.append(f"DB instance {target_id} available after {time.monotonic() - started:.0f} s")
        return report
    call = {
        "DBClusterIdentifier": target_id,
        "SnapshotIdentifier": snap.id,
        "Engine": snap.engine or "aurora-postgresql",
        "Tags": tags,
        **network,
    }
    data.update(action="rds.restore_db_cluster_from_snapshot", request=call)
    out.append(f"rds.restore_db_cluster_from_snapshot {json.dumps(call)}")
    if args.instance_class:
        out.append(f"rds.create_db_instance {target_id}-1 ({args.instance_class}) in the cluster")
    if not args.execute:
        out.append("dry run: nothing created; --execute to restore")
        return report
    started = time.monotonic()
    rds.restore_db_cluster_from_snapshot(**call)
    data["created"] = target_id
    out.append(f"DB cluster {target_id} restoring from {snap.id}")
    if args.instance_class:
        rds.create_db_instance(
            DBInstanceIdentifier=f"{target_id}-1",
            DBClusterIdentifier=target_id,
            DBInstanceClass=args.instance_class,
            Engine=call["Engine"],
            Tags=tags,
        )
        out.append(f"DB instance {target_id}-1 added to the cluster")
    else:
        out.append("a restored cluster has no instances: add one (--instance-class) before connecting")
    if args.wait:
        poll(
            lambda: rds.describe_db_clusters(DBClusterIdentifier=target_id)["DBClusters"][0]["Status"],
            {"available"},
            {"failed", "inaccessible-encryption-credentials"},
            timeout,
            f"DB cluster {target_id}",
            args.progress,
        )
        data["available_after_seconds"] = round(time.monotonic() - started)
        out.append(f"DB cluster {target_id} available after {time.monotonic() - started:.0f} s")
    return report


def _share(args: argparse.Namespace, snap: Snapshot, rds: Any, ec2: Any, timeout: int, report: Report) -> Report:
    """Re-encrypt the copy with a key the target account may use, then add the account to its restore list."""
    account, key = args.share_with, args.kms_key_id
    out, data = report.blocks, report.data
    data["shared_with"] = account
    tags = [{"Key": RESTORED_FROM_TAG, "Value": snap.arn}, {"Key": "failsafe:shared-with", "Value": account}]
    if snap.kind == "ebs":
        data["action"] = "ec2.copy_snapshot + ec2.modify_snapshot_attribute"
        out.append(f"ec2.copy_snapshot {snap.id} with KmsKeyId {key}; ec2.modify_snapshot_attribute add {account}")
        if not args.execute:
            out.append("dry run: nothing copied or shared; --execute to share")
            return report
        copy = ec2.copy_snapshot(
            SourceSnapshotId=snap.id,
            SourceRegion=ec2.meta.region_name,
            Encrypted=True,
            KmsKeyId=key,
            Description=f"failsafe share of {snap.id} with {account}",
            TagSpecifications=[{"ResourceType": "snapshot", "Tags": tags}],
        )["SnapshotId"]
        data["created"] = copy
        poll(
            lambda: ec2.describe_snapshots(SnapshotIds=[copy])["Snapshots"][0]["State"],
            {"completed"},
            {"error"},
            timeout,
            f"snapshot copy {copy}",
            args.progress,
        )
        ec2.modify_snapshot_attribute(
            SnapshotId=copy,
            Attribute="createVolumePermission",
            OperationType="add",
            UserIds=[account],
        )
        out.append(f"snapshot {copy} (key {key}) shared with {account}")
        return report
    target = share_copy_id(snap.id, account)
    cluster = snap.kind == "rds-cluster"
    verb = "copy_db_cluster_snapshot" if cluster else "copy_db_snapshot"
    data["action"] = f"rds.{verb} + restore attribute"
    out.append(f"rds.{verb} {snap.id} -> {target} with KmsKeyId {key}; add {account} to its restore attribute")
    if not args.execute:
        out.append("dry run: nothing copied or shared; --execute to share")
        return report
    try:
        if cluster:
            rds.copy_db_cluster_snapshot(
                SourceDBClusterSnapshotIdentifier=snap.arn,
                TargetDBClusterSnapshotIdentifier=target,
                KmsKeyId=key,
                Tags=tags,
            )
        else:
            rds.copy_db_snapshot(
                SourceDBSnapshotIdentifier=snap.arn,
                TargetDBSnapshotIdentifier=target,
                KmsKeyId=key,
                Tags=tags,
            )
    except ClientError as exc:
        if error_code(exc) not in ("DBSnapshotAlreadyExists", "DBClusterSnapshotAlreadyExistsFault"):
            raise
        out.append(f"{target} exists already (an earlier run): sharing it")

    def status() -> str:
        if cluster:
            found = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=target)
            return str(found["DBClusterSnapshots"][0]["Status"])
        found = rds.describe_db_snapshots(DBSnapshotIdentifier=target)
        return str(found["DBSnapshots"][0]["Status"])

    data["created"] = target
    poll(status, {"available"}, {"failed", "error"}, timeout, f"snapshot copy {target}", args.progress)
    if cluster:
        rds.modify_db_cluster_snapshot_attribute(
            DBClusterSnapshotIdentifier=target,
            AttributeName="restore",
            ValuesToAdd=[account],
        )
    else:
        rds.modify_db_snapshot_attribute(
            DBSnapshotIdentifier=target,
            AttributeName="restore",
            ValuesToAdd=[account],
        )
    out.append(f"{snap.kind} snapshot {target} (key {key}) shared with {account}")
    return report


def add_parser(sub: Any) -> argparse.ArgumentParser:
    sn = options.command(
        sub,
        "snapshot",
        help="restore (or share) a snapshot copy made by the copier",
        shape=SHAPE,
        roles=("backup",),
        region="region of the copy",
    )
    sn.add_argument("--id", required=True, help="copy id: snap-... or an RDS (cluster) snapshot identifier")
    sn.add_argument("--kind", choices=("rds", "rds-cluster", "ebs"), help="default: from the id")
    sn.add_argument("--target-id", help="new DB instance/cluster identifier or volume Name tag")
    sn.add_argument("--instance-class", help="RDS instance class (cluster: adds one instance of this class)")
    sn.add_argument("--db-subnet-group", help="RDS DB subnet group")
    sn.add_argument("--security-group-id", action="append", help="VPC security group (repeatable)")
    sn.add_argument("--availability-zone", help="EBS volume zone (default: the region's first)")
    sn.add_argument("--volume-type", default="gp3", help="EBS volume type (default gp3)")
    sn.add_argument("--share-with", help="account ID: re-encrypt with --kms-key-id and share instead of restoring")
    sn.add_argument("--kms-key-id", help="key the copy is re-encrypted with (required with --share-with)")
    sn.add_argument("--wait", action="store_true", help="wait until the restored resource is available")
    sn.add_argument("--timeout-minutes", default="120", help="how long to wait (default 120)")
    sn.add_argument("--execute", action="store_true", help="restore/share (default: print the plan only)")
    sn.set_defaults(func=cmd_snapshot)
    return sn
