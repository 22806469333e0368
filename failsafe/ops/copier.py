"""Snapshot copier (Lambda in the backup account): prod shares, the backup account copies.

Finds RDS instance and cluster snapshots, EBS snapshots and AMIs that the production account
(``SOURCE_ACCOUNT_ID``) has shared with this account, and copies each into a backup-owned copy encrypted
with the backup key (``BACKUP_KMS_KEY_ARN``), tagged with its source, the copy time and the date until
which it is kept (``RETENTION_DAYS``). Copies past retention are expired; failures are published to
``NOTIFY_TOPIC_ARN`` and raised, so the Lambda's on-failure destination (the DLQ) sees them too.

Prod's snapshots live in prod's region (``SOURCE_REGION``, default: this function's region): they are listed
there and copied into this region (a cross-region copy) in one step.

Invocation: from the schedule (``{}`` or an EventBridge scheduled event) a full pass, copy then expire;
from an SNS notice, or an RDS/EC2 snapshot or AMI event that prod's EventBridge rule forwarded to the backup
account's event bus (failsafe_components.event_intake), a copy pass restricted to the snapshots it names.

Snapshots encrypted with an AWS-managed key (``aws/rds``, ``aws/ebs``) cannot be shared with another account, so
they can never be copied: each one the copier sees is reported under ``unshareable`` ("cannot be shared: re-encrypt
with a customer-managed key") and in the failure notice, never skipped silently. A snapshot an event names that is
not shared with this account is reported under ``not_shared`` (an AWS-managed key is the usual cause).

Safety rules, each tested:
- Idempotent: existing copies are found by their source tag (AMIs also by their deterministic name) before
  copying, and a copy still in progress counts as existing. RDS copies have deterministic identifiers, so
  even a lost tag cannot produce a second copy.
- Expiry deletes only what carries ``failsafe:copied-by=failsafe`` and whose retention has passed, judged by
  both its ``retain-until`` tag and ``copied-at`` + the current ``RETENTION_DAYS`` (a lengthened retention
  protects old copies too). The newest copy of each kind is never expired, so a production account that
  stops sharing cannot make the backup account delete its last copy. Untagged or unparseable: never deleted.
- At most ``MAX_COPIES_PER_RUN`` copies are started per run, and never more than the EBS/RDS copy quotas leave
  room for (``COPY_QUOTAS``: copies in flight into this Region are counted first, whichever source account started
  them); the rest are deferred to the next run. Throttling is retried by botocore's standard retries
  (:mod:`failsafe.ops.aws`), and listings follow botocore's paginators.

IAM (granted in failsafe_components.recovery_functions):
rds:Describe*/ListTagsForResource/CopyDB*Snapshot/
AddTagsToResource/DeleteDB*Snapshot, ec2:DescribeSnapshots/DescribeImages/CopySnapshot/CopyImage/CreateTags
(on copy only)/DeleteSnapshot/DeregisterImage (tagged copies only), kms on the backup key, sns:Publish.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from failsafe.ops import aws
from failsafe.ops.aws import SettingsError, required_env
from failsafe.ops.errors import CheckFailed, error_code

LOG = logging.getLogger(__name__)

COPIED_BY_TAG = "failsafe:copied-by"  # = failsafe_components.recovery_functions.COPIER_TAG (a test keeps them equal)
COPIED_BY_VALUE = "failsafe"
# On the snapshots CopyImage makes behind an AMI copy: they belong to the image (deleting one while the image is
# registered fails with InvalidSnapshot.InUse), so they are never EBS copies of their own.
BACKS_IMAGE_TAG = "failsafe:backs-image"
SOURCE_TAG = "failsafe:source"
COPIED_AT_TAG = "failsafe:copied-at"
RETAIN_UNTIL_TAG = "failsafe:retain-until"
MAX_COPIES_PER_RUN = 20
# Copies in flight into this (backup) account's Region, whichever source account or copier run started them: the
# copy quotas are per destination Region of the account, so every member copying into the backup account shares one.
# - EBS: "Concurrent snapshot copies per destination Region", 20, not adjustable (Amazon EBS User Guide, "Quotas for
#   Amazon EBS"). AMI copies are counted here too: CopyImage copies each snapshot behind the image (the same guide,
#   "Time-based copies": "each individual snapshot associated with the AMI counts towards the quota"), so counting
#   them is the safe side; whether the concurrency quota counts them is UNKNOWN.
# - RDS: "For each AWS account, you can copy up to 20 DB snapshots at a time from one AWS Region to another" (Amazon
#   RDS User Guide, "Copying a DB snapshot"; the older quotas table said 5 "Cross-region snapshot copy requests").
#   DB and cluster snapshot copies share the pool here; whether Aurora's quota is separate is UNKNOWN.
COPY_QUOTAS = {"ebs": 20, "rds": 20}
POOLS = {"ebs-snapshot": "ebs", "ami": "ebs", "rds-snapshot": "rds", "rds-cluster-snapshot": "rds"}
# States of a copy still being made: EC2 snapshot State "pending", image State "pending"; RDS Status "creating"
# (also "copying" and "pending" as RDS reports them while a copy is set up).
IN_FLIGHT = frozenset({"pending", "creating", "copying"})
# What AWS answers a copy beyond a quota: EC2 "ResourceLimitExceeded" ("You have exceeded an Amazon EC2 resource limit.
# For example, you might have too many snapshot copies in progress.", EC2 API Reference, "Error codes"). RDS documents
# no concurrency code for CopyDBSnapshot (UNKNOWN); the only quota fault its API model lists is
# "SnapshotQuotaExceeded" (the total of manual snapshots). Either defers the copy to the next run, said so in the
# report (a total quota that stays full shows as copies older than the RPO in `failsafe-dr verify`).
QUOTA_REFUSALS = frozenset({"ResourceLimitExceeded", "SnapshotQuotaExceeded"})
KINDS = ("rds-snapshot", "rds-cluster-snapshot", "ebs-snapshot", "ami")
# Real AWS lists snapshots shared with this account as type "shared". moto keeps one account per request
# and cannot share across accounts, so the tests set this to "manual" and create prod's snapshots in the
# same moto account (documented in docs/runbook.md); everything else runs unchanged.
RDS_SHARED_TYPE = "shared"
RDS_ID = re.compile(r"[^A-Za-z0-9]+")
NOTICE_ID = re.compile(
    r"arn:aws[\w-]*:rds:[\w-]*:\d{12}:(?:cluster-)?snapshot:[\w:.-]+|snap-[0-9a-f]{8,17}|ami-[0-9a-f]{8,17}"
)


class CopyFailed(CheckFailed):
    """Some copies or expiries failed; raised after the failure notice so the DLQ sees the invocation."""


@dataclass(frozen=True)
class Settings:
    kms_key_arn: str
    retention_days: int
    notify_topic_arn: str | None
    source_account_id: str
    region: str
    source_region: str = ""  # where prod's snapshots live; empty = this region

    @property
    def shared_region(self) -> str:
        return self.source_region or self.region

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        def need(name: str) -> str:
            return required_env(env, name)

        days_text = need("RETENTION_DAYS")
        if not days_text.isdigit() or int(days_text) < 1:
            raise SettingsError(f"RETENTION_DAYS={days_text!r}: expected a whole number of days >= 1")
        account = need("SOURCE_ACCOUNT_ID")
        if not re.fullmatch(r"\d{12}", account):
            raise SettingsError(f"SOURCE_ACCOUNT_ID={account!r}: expected a 12-digit account ID")
        region = aws.lambda_region(env)
        return cls(
            need("BACKUP_KMS_KEY_ARN"),
            int(days_text),
            (env.get("NOTIFY_TOPIC_ARN") or None),
            account,
            region,
            (env.get("SOURCE_REGION") or "").strip(),
        )


@dataclass(frozen=True)
class Source:
    """A snapshot or image that prod shares with us."""

    kind: str
    id: str
    arn: str  # the key that links a copy to its source (an ARN for RDS, the ID for EC2)
    name: str = ""
    kms_key_id: str = ""  # the source's encryption key, when the listing names it


@dataclass(frozen=True)
class Copy:
    kind: str
    id: str
    source: str | None
    tags: Mapping[str, str]
    state: str
    created: datetime | None = None

    @property
    def ours(self) -> bool:
        return self.tags.get(COPIED_BY_TAG) == COPIED_BY_VALUE


@dataclass
class Report:
    copied: list[dict[str, str]] = field(default_factory=list)
    existing: list[dict[str, str]] = field(default_factory=list)
    deferred: list[dict[str, str]] = field(default_factory=list)
    expired: list[dict[str, str]] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    unshareable: list[dict[str, str]] = field(default_factory=list)  # under an AWS-managed key
    not_shared: list[dict[str, str]] = field(default_factory=list)  # named by an event, not shared with us

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _tags(items: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or () if "Key" in t}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def rds_copy_identifier(source_arn: str, limit: int) -> str:
    """Deterministic copy name: RDS refuses a second copy under the same identifier (idempotency backstop)."""
    source_id = source_arn.rsplit(":snapshot:", 1)[-1].rsplit(":cluster-snapshot:", 1)[-1]
    base = "failsafe-" + RDS_ID.sub("-", source_id).strip("-").lower()
    digest = hashlib.sha256(source_arn.encode()).hexdigest()[:8]
    name = f"{base}-{digest}"
    if len(name) > limit:
        name = f"{base[: limit - 9].rstrip('-')}-{digest}"
    return name


def ami_copy_name(source_id: str) -> str:
    return f"failsafe-copy-{source_id}"


UNSHAREABLE = "cannot be shared: re-encrypt with a customer-managed key"
NOT_SHARED = (
    "named by a snapshot event but not shared with this account: if it is encrypted with an AWS-managed key "
    f"(aws/rds, aws/ebs) it {UNSHAREABLE}"
)
EVENT_SOURCES = ("aws.rds", "aws.ec2")  # = failsafe_components.prod_backup.SNAPSHOT_EVENT_PATTERN["source"]


def notice_ids(event: Mapping[str, Any]) -> set[str] | None:
    """IDs/ARNs named by an RDS/EC2 EventBridge event (forwarded by prod to the backup account's bus: the IDs are in
    ``detail`` and ``resources``) or by SNS records (RDS event notices, EventBridge EBS/AMI events, or plain text).

    None when the event is neither (a schedule, ``source`` ``aws.events``: full pass)."""
    if event.get("source") in EVENT_SOURCES and "detail" in event:
        return set(NOTICE_ID.findall(json.dumps({"detail": event["detail"], "resources": event.get("resources")})))
    records = [r for r in event.get("Records") or () if isinstance(r, Mapping) and "Sns" in r]
    if not records:
        return None
    found: set[str] = set()
    for record in records:
        found.update(NOTICE_ID.findall(str(record["Sns"].get("Message", ""))))
    return found


def in_flight(copies: Iterable[Copy]) -> dict[str, int]:
    """Copies still being made, per quota pool (:data:`POOLS`)."""
    busy = dict.fromkeys(COPY_QUOTAS, 0)
    for c in copies:
        if c.kind in POOLS and c.state.lower() in IN_FLIGHT:
            busy[POOLS[c.kind]] += 1
    return busy


class Copier:
    def __init__(
        self,
        settings: Settings,
        rds: Any,
        ec2: Any,
        sns: Any | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rds_shared_type: str | None = None,
        source_rds: Any | None = None,
        source_ec2: Any | None = None,
        source_kms: Any | None = None,
    ) -> None:
        self.settings = settings
        self.rds, self.ec2, self.sns = rds, ec2, sns
        # Shared snapshots are listed where they live (prod's region); copies are made and kept here.
        self.source_rds, self.source_ec2 = source_rds or rds, source_ec2 or ec2
        self.source_kms = (
            source_kms  # None: keys are not inspected (a copy of an AWS-managed one fails and is reported)
        )
        self._managed: dict[str, bool] = {}
        self.now = now
        self.rds_shared_type = rds_shared_type or RDS_SHARED_TYPE

    # --- discovery ------------------------------------------------------------------------------------

    def _is_source(self, owner_account: str | None, tags: Mapping[str, str]) -> bool:
        return owner_account == self.settings.source_account_id and tags.get(COPIED_BY_TAG) != COPIED_BY_VALUE

    def shared_sources(self) -> list[Source]:
        account = self.settings.source_account_id
        sources: list[Source] = []
        for snap in aws.items(
            self.source_rds,
            "describe_db_snapshots",
            "DBSnapshots",
            SnapshotType=self.rds_shared_type,
            IncludeShared=True,
        ):
            arn = snap["DBSnapshotArn"]
            if snap.get("Status") == "available" and self._is_source(arn.split(":")[4], _tags(snap.get("TagList"))):
                sources.append(
                    Source("rds-snapshot", snap["DBSnapshotIdentifier"], arn, kms_key_id=snap.get("KmsKeyId") or "")
                )
        for snap in aws.items(
            self.source_rds,
            "describe_db_cluster_snapshots",
            "DBClusterSnapshots",
            SnapshotType=self.rds_shared_type,
            IncludeShared=True,
        ):
            arn = snap["DBClusterSnapshotArn"]
            if snap.get("Status") == "available" and self._is_source(arn.split(":")[4], _tags(snap.get("TagList"))):
                sources.append(
                    Source(
                        "rds-cluster-snapshot",
                        snap["DBClusterSnapshotIdentifier"],
                        arn,
                        kms_key_id=snap.get("KmsKeyId") or "",
                    )
                )
        backing = self._our_ami_snapshots()
        for snap in aws.items(self.source_ec2, "describe_snapshots", "Snapshots", OwnerIds=[account]):
            if (
                snap.get("State") == "completed"
                and snap["SnapshotId"] not in backing
                and self._is_source(snap.get("OwnerId"), _tags(snap.get("Tags")))
            ):
                sources.append(
                    Source(
                        "ebs-snapshot", snap["SnapshotId"], snap["SnapshotId"], kms_key_id=snap.get("KmsKeyId") or ""
                    )
                )
        images = aws.items(self.source_ec2, "describe_images", "Images", Owners=[account])
        for image in images:
            tags = _tags(image.get("Tags"))
            name = image.get("Name") or ""
            if (
                image.get("State") == "available"
                and self._is_source(image.get("OwnerId"), tags)
                and not name.startswith("failsafe-copy-")
            ):
                sources.append(Source("ami", image["ImageId"], image["ImageId"], name))
        return sources

    def aws_managed_key(self, key_id: str) -> bool:
        """Whether ``key_id`` is an AWS-managed key (``KeyManager`` AWS, or an ``alias/aws/...`` alias). Unknown
        (no key, no KMS client, no access to describe it) counts as customer-managed: the copy is tried, and a
        failure is reported as one."""
        if not key_id or self.source_kms is None:
            return False
        if key_id not in self._managed:
            managed = False
            try:
                meta = self.source_kms.describe_key(KeyId=key_id)["KeyMetadata"]
                managed = meta.get("KeyManager") == "AWS"
                if not managed:
                    aliases = self.source_kms.list_aliases(KeyId=meta["KeyId"]).get("Aliases") or ()
                    managed = any(a.get("AliasName", "").startswith("alias/aws/") for a in aliases)
            except Exception:  # another account's key we may not describe: not known to be AWS-managed
                LOG.info("cannot inspect key %s; assuming customer-managed", key_id)
            self._managed[key_id] = managed
        return self._managed[key_id]

    def _our_ami_snapshots(self) -> set[str]:
        """Snapshots behind our AMI copies: made by CopyImage, never a source (matters where prod == backup)."""
        images = aws.items(
            self.ec2,
            "describe_images",
            "Images",
            Owners=["self"],
            Filters=[{"Name": "name", "Values": ["failsafe-copy-*"]}],
        )
        return {
            m["Ebs"]["SnapshotId"]
            for i in images
            for m in i.get("BlockDeviceMappings") or ()
            if (m.get("Ebs") or {}).get("SnapshotId")
        }

    def our_copies(self) -> list[Copy]:
        """Everything this account owns that is a copy (tagged as ours, or named as an AMI copy of ours)."""
        copies: list[Copy] = []
        for snap in aws.items(self.rds, "describe_db_snapshots", "DBSnapshots", SnapshotType="manual"):
            tags = _tags(snap.get("TagList"))
            if tags.get(COPIED_BY_TAG) == COPIED_BY_VALUE or snap["DBSnapshotIdentifier"].startswith("failsafe-"):
                copies.append(
                    Copy(
                        "rds-snapshot",
                        snap["DBSnapshotIdentifier"],
                        tags.get(SOURCE_TAG),
                        tags,
                        snap.get("Status", ""),
                        snap.get("SnapshotCreateTime"),
                    )
                )
        for snap in aws.items(self.rds, "describe_db_cluster_snapshots", "DBClusterSnapshots", SnapshotType="manual"):
            tags = _tags(snap.get("TagList"))
            if tags.get(COPIED_BY_TAG) == COPIED_BY_VALUE or snap["DBClusterSnapshotIdentifier"].startswith(
                "failsafe-"
            ):
                copies.append(
                    Copy(
                        "rds-cluster-snapshot",
                        snap["DBClusterSnapshotIdentifier"],
                        tags.get(SOURCE_TAG),
                        tags,
                        snap.get("Status", ""),
                        snap.get("SnapshotCreateTime"),
                    )
                )
        tag_filter = [{"Name": f"tag:{COPIED_BY_TAG}", "Values": [COPIED_BY_VALUE]}]
        behind_images = self._our_ami_snapshots()
        for snap in aws.items(self.ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"], Filters=tag_filter):
            tags = _tags(snap.get("Tags"))
            if tags.get(BACKS_IMAGE_TAG) or snap["SnapshotId"] in behind_images:
                continue  # part of an AMI copy: expired with its image, never counted as the newest EBS copy
            copies.append(
                Copy(
                    "ebs-snapshot",
                    snap["SnapshotId"],
                    tags.get(SOURCE_TAG),
                    tags,
                    snap.get("State", ""),
                    snap.get("StartTime"),
                )
            )
        images = aws.items(self.ec2, "describe_images", "Images", Owners=["self"])
        for image in images:
            tags = _tags(image.get("Tags"))
            name = image.get("Name") or ""
            if tags.get(COPIED_BY_TAG) == COPIED_BY_VALUE or name.startswith("failsafe-copy-"):
                source = tags.get(SOURCE_TAG) or (name.removeprefix("failsafe-copy-") if name else None)
                copies.append(
                    Copy(
                        "ami",
                        image["ImageId"],
                        source,
                        tags,
                        image.get("State", ""),
                        parse_time(image.get("CreationDate")),
                    )
                )
        return copies

    # --- copying --------------------------------------------------------------------------------------

    def _tag_list(self, source: Source) -> list[dict[str, str]]:
        moment = self.now()
        until = moment + timedelta(days=self.settings.retention_days)
        return [
            {"Key": COPIED_BY_TAG, "Value": COPIED_BY_VALUE},
            {"Key": SOURCE_TAG, "Value": source.arn},
            {"Key": COPIED_AT_TAG, "Value": _iso(moment)},
            {"Key": RETAIN_UNTIL_TAG, "Value": _iso(until)},
        ]

    def copy(self, source: Source) -> str:
        s = self.settings
        tags = self._tag_list(source)
        cross_region = {"SourceRegion": s.shared_region} if s.shared_region != s.region else {}
        if source.kind == "rds-snapshot":
            target = rds_copy_identifier(source.arn, 255)
            self.rds.copy_db_snapshot(
                SourceDBSnapshotIdentifier=source.arn,
                TargetDBSnapshotIdentifier=target,
                KmsKeyId=s.kms_key_arn,
                Tags=tags,
                CopyTags=False,
                **cross_region,
            )
            return target
        if source.kind == "rds-cluster-snapshot":
            target = rds_copy_identifier(source.arn, 63)
            self.rds.copy_db_cluster_snapshot(
                SourceDBClusterSnapshotIdentifier=source.arn,
                TargetDBClusterSnapshotIdentifier=target,
                KmsKeyId=s.kms_key_arn,
                Tags=tags,
                CopyTags=False,
                **cross_region,
            )
            return target
        if source.kind == "ebs-snapshot":
            result = self.ec2.copy_snapshot(
                SourceSnapshotId=source.id,
                SourceRegion=s.shared_region,
                Encrypted=True,
                KmsKeyId=s.kms_key_arn,
                Description=f"failsafe copy of {source.id}",
                TagSpecifications=[{"ResourceType": "snapshot", "Tags": tags}],
            )
            return str(result["SnapshotId"])
        if source.kind == "ami":
            result = self.ec2.copy_image(
                SourceImageId=source.id,
                SourceRegion=s.shared_region,
                Name=ami_copy_name(source.id),
                Encrypted=True,
                KmsKeyId=s.kms_key_arn,
                Description=f"failsafe copy of {source.id} ({source.name})"[:255],
                TagSpecifications=[
                    {"ResourceType": "image", "Tags": tags},
                    {"ResourceType": "snapshot", "Tags": [*tags, {"Key": BACKS_IMAGE_TAG, "Value": source.id}]},
                ],
            )
            return str(result["ImageId"])
        raise ValueError(f"unknown kind {source.kind!r}: expected one of {', '.join(KINDS)}")

    def copy_pass(self, report: Report, only: set[str] | None = None) -> None:
        """Start the copies that are missing, at most :data:`MAX_COPIES_PER_RUN` and never more than the quota's
        room in this Region (:data:`COPY_QUOTAS` minus the copies already in flight, whoever started them): N
        members finishing snapshots together fill the quota and the rest wait for the next run, deferred."""
        copies = self.our_copies()
        existing = {(c.kind, c.source) for c in copies if c.source}
        busy = in_flight(copies)
        started = 0
        seen: set[str] = set()
        for source in self.shared_sources():
            if only is not None and not ({source.id, source.arn} & only):
                continue
            seen.update((source.id, source.arn))
            entry = {"kind": source.kind, "source": source.arn}
            if self.aws_managed_key(source.kms_key_id):
                report.unshareable.append({**entry, "key": source.kms_key_id, "why": UNSHAREABLE})
                continue
            if (source.kind, source.arn) in existing or (source.kind, source.id) in existing:
                report.existing.append(entry)
                continue
            pool = POOLS[source.kind]
            if started >= MAX_COPIES_PER_RUN:
                report.deferred.append({**entry, "why": f"{MAX_COPIES_PER_RUN} copies started in this run"})
                continue
            if busy[pool] >= COPY_QUOTAS[pool]:
                report.deferred.append(
                    {**entry, "why": f"{busy[pool]} {pool} copies in flight (quota {COPY_QUOTAS[pool]})"}
                )
                continue
            try:
                entry["copy"] = self.copy(source)
            except Exception as exc:  # one failed copy must not stop the others
                if error_code(exc) in QUOTA_REFUSALS:  # another writer filled the quota since we counted
                    busy[pool] = COPY_QUOTAS[pool]
                    report.deferred.append({**entry, "why": f"AWS refused: {error_code(exc)}"})
                    continue
                if error_code(exc) in (
                    "DBSnapshotAlreadyExists",
                    "DBClusterSnapshotAlreadyExistsFault",
                    "InvalidAMIName.Duplicate",
                ):
                    report.existing.append(entry)
                    continue
                LOG.exception("copy of %s failed", source.arn)
                report.failures.append({**entry, "error": f"{type(exc).__name__}: {exc}"})
                continue
            started += 1
            busy[pool] += 1
            report.copied.append(entry)
        for named in sorted((only or set()) - seen):
            if not any(named in s for s in seen):  # an ID inside a matched ARN is the same snapshot
                report.not_shared.append({"source": named, "why": NOT_SHARED})

    # --- expiry ---------------------------------------------------------------------------------------

    def expired(self, copy: Copy) -> bool:
        """Past retention by both the tag written at copy time and the current RETENTION_DAYS."""
        until = parse_time(copy.tags.get(RETAIN_UNTIL_TAG))
        copied_at = parse_time(copy.tags.get(COPIED_AT_TAG))
        if not copy.ours or until is None or copied_at is None:
            return False
        now = self.now()
        return now > until and now > copied_at + timedelta(days=self.settings.retention_days)

    def delete(self, copy: Copy) -> None:
        if copy.kind == "rds-snapshot":
            self.rds.delete_db_snapshot(DBSnapshotIdentifier=copy.id)
        elif copy.kind == "rds-cluster-snapshot":
            self.rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=copy.id)
        elif copy.kind == "ebs-snapshot":
            self.ec2.delete_snapshot(SnapshotId=copy.id)
        elif copy.kind == "ami":
            # The image first, then the snapshots behind it (AWS keeps them after DeregisterImage; deleting them
            # first fails with InvalidSnapshot.InUse).
            images = self.ec2.describe_images(ImageIds=[copy.id]).get("Images") or []
            snapshots = [
                m["Ebs"]["SnapshotId"]
                for i in images
                for m in i.get("BlockDeviceMappings") or ()
                if (m.get("Ebs") or {}).get("SnapshotId")
            ]
            self.ec2.deregister_image(ImageId=copy.id)
            for snapshot in snapshots:
                self.ec2.delete_snapshot(SnapshotId=snapshot)

    def expire_pass(self, report: Report) -> None:
        copies = [c for c in self.our_copies() if c.ours]
        newest: dict[str, Copy] = {}
        for c in copies:
            at = parse_time(c.tags.get(COPIED_AT_TAG))
            best = newest.get(c.kind)
            if at and (best is None or at > (parse_time(best.tags.get(COPIED_AT_TAG)) or at)):
                newest[c.kind] = c
        for c in copies:
            entry = {"kind": c.kind, "copy": c.id, "retain-until": c.tags.get(RETAIN_UNTIL_TAG, "")}
            if not self.expired(c):
                continue
            if newest.get(c.kind) is c:
                report.kept.append({**entry, "why": "newest copy of its kind is never expired"})
                continue
            try:
                self.delete(c)
            except Exception as exc:
                LOG.exception("expiry of %s failed", c.id)
                report.failures.append({**entry, "error": f"{type(exc).__name__}: {exc}"})
                continue
            report.expired.append(entry)

    # --- one invocation -------------------------------------------------------------------------------

    def run(self, event: Mapping[str, Any]) -> Report:
        report = Report()
        only = notice_ids(event)
        self.copy_pass(report, only)
        if only is None:
            self.expire_pass(report)
        if report.unshareable or report.not_shared:
            self.notify(report, "failsafe snapshot copier: snapshots that cannot be copied")
        if report.failures:
            self.notify(report)
            raise CopyFailed(
                f"{len(report.failures)} snapshot copy/expiry failure(s): "
                + "; ".join(f"{f.get('source') or f.get('copy')}: {f['error']}" for f in report.failures[:5])
            )
        return report

    def notify(self, report: Report, subject: str = "failsafe snapshot copier: failures") -> None:
        if not (self.sns and self.settings.notify_topic_arn):
            return
        try:
            self.sns.publish(
                TopicArn=self.settings.notify_topic_arn,
                Subject=subject,
                Message=json.dumps({"copier": "snapshots", **report.as_dict()}, indent=1, default=str),
            )
        except Exception:  # the raise that follows still reaches the DLQ
            LOG.exception("failure notice could not be published")


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    settings = Settings.from_env()
    sess = aws.session(settings.region)
    copier = Copier(
        settings,
        aws.client(sess, "rds"),
        aws.client(sess, "ec2"),
        aws.client(sess, "sns"),
        source_rds=aws.client(sess, "rds", settings.shared_region),
        source_ec2=aws.client(sess, "ec2", settings.shared_region),
        source_kms=aws.client(sess, "kms", settings.shared_region),
    )
    report = copier.run(event or {})
    LOG.info("copier report %s", json.dumps(report.as_dict(), default=str))
    return report.as_dict()
