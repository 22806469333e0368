"""The backup account's Region as the snapshot copier's EC2 and RDS clients see it, enforcing the copy quotas the way
AWS does (refusing a copy beyond the quota with AWS's error code), and a simulation of N fleet members whose snapshots
finish together (issue 24, item 6; bench/fleet_copies.py prints its figures, tests/ops/test_fleet_copies.py holds the
copier to the quota).

The quotas and codes are the copier's own citations (:data:`failsafe.ops.copier.COPY_QUOTAS`,
:data:`~failsafe.ops.copier.QUOTA_REFUSALS`): EC2 ``ResourceLimitExceeded`` for an EBS copy beyond 20 in flight; for
RDS, whose concurrency refusal code is not documented (UNKNOWN), ``SnapshotQuotaExceeded``, the quota fault the
CopyDBSnapshot API model lists. How long a copy takes depends on its size and AWS (UNKNOWN): the simulation takes a
fixed ``copy_minutes`` for every copy, so its drain time is a figure of the schedule and the quota, not of AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from failsafe.ops import copier

REFUSAL = {"ebs": ("ResourceLimitExceeded", "CopySnapshot"), "rds": ("SnapshotQuotaExceeded", "CopyDBSnapshot")}
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class _Pager:
    def __init__(self, answer: Callable[..., dict[str, Any]]) -> None:
        self.answer = answer

    def paginate(self, **params: Any) -> Iterator[dict[str, Any]]:
        yield self.answer(**params)


@dataclass
class QuotaRegion:
    """One Region of the backup account: the members' shared snapshots (sources) and the copies made into it."""

    region: str
    quotas: dict[str, int]
    copy_minutes: int
    minute: int = 0
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (pool, account, id)
    copies: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    peak: dict[str, int] = field(default_factory=lambda: {"ebs": 0, "rds": 0})

    def now(self) -> datetime:
        return START + timedelta(minutes=self.minute)

    def running(self, copy: dict[str, Any]) -> bool:
        return bool(self.minute < copy["started"] + self.copy_minutes)

    def busy(self, pool: str) -> int:
        return sum(1 for c in self.copies if c["pool"] == pool and self.running(c))

    def drained(self) -> bool:
        return len(self.copies) == len(self.sources) and not any(self.running(c) for c in self.copies)

    def get_paginator(self, operation: str) -> _Pager:
        return _Pager(getattr(self, operation))

    def _start(self, pool: str, copy_id: str, tags: list[dict[str, str]]) -> None:
        if self.busy(pool) >= self.quotas[pool]:
            self.refused += 1
            code, operation = REFUSAL[pool]
            raise ClientError({"Error": {"Code": code, "Message": "too many snapshot copies in progress"}}, operation)
        self.copies.append({"pool": pool, "id": copy_id, "tags": tags, "started": self.minute})
        self.peak[pool] = max(self.peak[pool], self.busy(pool))

    # --- EC2 ------------------------------------------------------------------------------------------------------
    def describe_snapshots(self, OwnerIds: list[str], **_: Any) -> dict[str, Any]:
        if OwnerIds == ["self"]:
            return {
                "Snapshots": [
                    {"SnapshotId": c["id"], "State": "pending" if self.running(c) else "completed", "Tags": c["tags"]}
                    for c in self.copies
                    if c["pool"] == "ebs"
                ]
            }
        return {
            "Snapshots": [
                {"SnapshotId": i, "OwnerId": a, "State": "completed", "Tags": []}
                for pool, a, i in self.sources
                if pool == "ebs" and a in OwnerIds
            ]
        }

    def describe_images(self, **_: Any) -> dict[str, Any]:
        return {"Images": []}

    def copy_snapshot(self, SourceSnapshotId: str, TagSpecifications: list[Any], **_: Any) -> dict[str, Any]:
        copy_id = f"snap-{len(self.copies):017x}"
        self._start("ebs", copy_id, TagSpecifications[0]["Tags"])
        return {"SnapshotId": copy_id}

    # --- RDS ------------------------------------------------------------------------------------------------------
    def describe_db_snapshots(self, SnapshotType: str, **_: Any) -> dict[str, Any]:
        if SnapshotType == "manual":
            return {
                "DBSnapshots": [
                    {
                        "DBSnapshotIdentifier": c["id"],
                        "Status": "creating" if self.running(c) else "available",
                        "TagList": c["tags"],
                    }
                    for c in self.copies
                    if c["pool"] == "rds"
                ]
            }
        return {
            "DBSnapshots": [
                {
                    "DBSnapshotIdentifier": i,
                    "DBSnapshotArn": f"arn:aws:rds:{self.region}:{a}:snapshot:{i}",
                    "Status": "available",
                    "TagList": [],
                }
                for pool, a, i in self.sources
                if pool == "rds"
            ]
        }

    def describe_db_cluster_snapshots(self, **_: Any) -> dict[str, Any]:
        return {"DBClusterSnapshots": []}

    def copy_db_snapshot(self, TargetDBSnapshotIdentifier: str, Tags: list[dict[str, str]], **_: Any) -> dict[str, Any]:
        self._start("rds", TargetDBSnapshotIdentifier, Tags)
        return {"DBSnapshot": {"DBSnapshotIdentifier": TargetDBSnapshotIdentifier}}


@dataclass(frozen=True)
class Drain:
    members: int
    copies: int
    minutes: int  # from the snapshots' finishing to the last copy completed
    runs: int  # copier invocations
    peak: dict[str, int]
    refused: int
    drained: bool


def simulate(
    accounts: list[str],
    region: str,
    *,
    ebs: int,
    rds: int,
    copy_minutes: int = 30,
    every_minutes: int = 5,
    quotas: dict[str, int] | None = None,
    limit_minutes: int = 24 * 60,
) -> Drain:
    """Every member's snapshots finish at minute 0; each member's copier (one per source account, as each member's
    events invoke it) runs every ``every_minutes`` until every copy is complete or ``limit_minutes`` pass."""
    stub = QuotaRegion(region, dict(quotas or copier.COPY_QUOTAS), copy_minutes)
    for n, account in enumerate(accounts):
        stub.sources += [("ebs", account, f"snap-{n:08x}{k:09x}") for k in range(ebs)]
        stub.sources += [("rds", account, f"member{n}-db-{k}") for k in range(rds)]
    copiers = [
        copier.Copier(
            copier.Settings("arn:aws:kms:::key/backup", 35, None, account, region),
            rds=stub,
            ec2=stub,
            now=stub.now,
            rds_shared_type="shared",
        )
        for account in accounts
    ]
    runs = 0
    while not stub.drained() and stub.minute <= limit_minutes:
        for each in copiers:
            each.copy_pass(copier.Report())
            runs += 1
        if stub.drained():
            break
        stub.minute += every_minutes
    last = max((c["started"] + copy_minutes for c in stub.copies), default=0)
    return Drain(len(accounts), len(stub.sources), last, runs, dict(stub.peak), stub.refused, stub.drained())
