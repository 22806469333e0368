"""``restore s3``'s plan: which version of each key a restore as of a time brings back.

Per key, the newest entry (version or delete marker) at ``--as-of``; a key whose newest entry is a delete marker was
deleted then and is not restored, a key first written later did not exist then.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from failsafe.ops import aws
from failsafe.ops.progress import Progress

ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})  # CopyObject needs a RestoreObject first


@dataclass(frozen=True, slots=True)
class Version:
    """One entry of ListObjectVersions: an object version or a delete marker."""

    key: str
    version_id: str
    modified: datetime
    latest: bool
    deleted: bool = False
    size: int = 0
    etag: str = ""
    storage_class: str = "STANDARD"
    checksum_algorithm: str | None = None
    checksum_type: str | None = None


@dataclass
class Plan:
    source: str
    prefix: str
    as_of: datetime | None
    restore: list[Version] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # newest entry at as-of is a delete marker
    later: list[str] = field(default_factory=list)  # first written after as-of

    @property
    def bytes(self) -> int:
        return sum(v.size for v in self.restore)

    @property
    def archived(self) -> list[Version]:
        return [v for v in self.restore if v.storage_class in ARCHIVED_CLASSES]


def _newer(candidate: Version, current: Version | None) -> bool:
    """Whether ``candidate`` is a newer entry for its key than ``current``.

    S3 timestamps can tie (moto's are whole seconds): then the entry S3 marks latest wins, else the object version
    over the delete marker (restoring an object that may have been deleted loses nothing; the reverse could).
    """
    if current is None:
        return True
    if candidate.modified != current.modified:
        return candidate.modified > current.modified
    if candidate.latest != current.latest:
        return candidate.latest
    return current.deleted and not candidate.deleted


def choose(entries: Iterable[Version], as_of: datetime | None) -> dict[str, Version | None]:
    """Per key, the newest entry at ``as_of`` (a version or a delete marker); ``None`` for a key written later.

    Without ``as_of`` the entry S3 marks latest.
    """
    best: dict[str, Version | None] = {}
    for entry in entries:
        eligible = entry.latest if as_of is None else entry.modified <= as_of
        if not eligible:
            best.setdefault(entry.key, None)
            continue
        if _newer(entry, best.get(entry.key)):
            best[entry.key] = entry
    return best


def list_versions(s3: Any, bucket: str, prefix: str = "", progress: Progress | None = None) -> Iterator[Version]:
    """Every version and delete marker under ``prefix``, through botocore's paginator (each page its own call, with
    botocore's retries)."""
    shown, seen = progress or Progress.off(), 0
    for page in aws.pages(s3, "list_object_versions", Bucket=bucket, Prefix=prefix):
        for v in page.get("Versions") or ():
            algorithms = v.get("ChecksumAlgorithm") or []
            yield Version(
                v["Key"],
                v.get("VersionId") or "null",
                v["LastModified"],
                bool(v.get("IsLatest")),
                False,
                int(v.get("Size") or 0),
                v.get("ETag") or "",
                v.get("StorageClass") or "STANDARD",
                algorithms[0] if algorithms else None,
                v.get("ChecksumType"),
            )
        for m in page.get("DeleteMarkers") or ():
            yield Version(m["Key"], m.get("VersionId") or "null", m["LastModified"], bool(m.get("IsLatest")), True)
        seen += len(page.get("Versions") or ()) + len(page.get("DeleteMarkers") or ())
        shown.tally("restore", seen, f"versions and delete markers listed in s3://{bucket}/{prefix}")
    shown.end()


def make_plan(s3: Any, bucket: str, prefix: str, as_of: datetime | None, progress: Progress | None = None) -> Plan:
    plan = Plan(bucket, prefix, as_of)
    for key, entry in sorted(choose(list_versions(s3, bucket, prefix, progress), as_of).items()):
        if entry is None:
            plan.later.append(key)
        elif entry.deleted:
            plan.deleted.append(key)
        else:
            plan.restore.append(entry)
    return plan
