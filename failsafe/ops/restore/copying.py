"""``restore s3``'s copying: planned versions copied into the target bucket and verified one by one (CopyObject in
parallel, UploadPartCopy above 5 GB), or handed to one S3 Batch Operations job for large sets."""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from failsafe.ops import aws
from failsafe.ops.progress import Progress
from failsafe.ops.restore.common import SAMPLE, human_bytes
from failsafe.ops.restore.planning import Version
from failsafe.ops.restore.state import State

DEFAULT_CONCURRENCY = 16
DEFAULT_BATCH_THRESHOLD = 100_000
MAX_COPY_OBJECT_BYTES = 5 * 1024**3  # CopyObject's limit; larger objects are copied part by part
COPY_PART_BYTES = 512 * 1024**2
MAX_PARTS = 10_000
KMS_ENCRYPTION = frozenset({"aws:kms", "aws:kms:dsse"})


class Mismatch(Exception):
    """The target object does not match the source version."""


def _plain_md5(etag: str) -> bool:
    return bool(re.fullmatch(r'"?[0-9a-f]{32}"?', etag or ""))


def verify_copy(
    v: Version,
    copy_result: dict[str, Any],
    head_source: Callable[[], dict[str, Any]],
    head_target: Callable[[], dict[str, Any]],
) -> str:
    """How the copy of ``v`` was verified ("etag", "checksum" or "size"), or :class:`Mismatch`.

    1. The target's ETag (from the CopyObject answer) equals the source version's: verified, no extra call.
       This is the MD5 case: objects uploaded in one part without SSE-KMS/SSE-C.
    2. Otherwise (SSE-KMS objects, whose ETag is no MD5; multipart sources, whose copy gets a new ETag): when the
       source has a full-object checksum, the copy asked S3 to compute one with the same algorithm from the copied
       bytes, and the two must be equal.
    3. Otherwise the sizes must be equal, and if both objects are MD5-ETag objects the ETags too.
    """
    if copy_result.get("ETag") and copy_result.get("ETag") == v.etag:
        return "etag"
    source = functools.cache(head_source)
    alg = v.checksum_algorithm
    if alg and v.checksum_type != "COMPOSITE" and copy_result.get(f"Checksum{alg}"):
        stored = source().get(f"Checksum{alg}")
        if stored and "-" not in stored:
            if stored != copy_result[f"Checksum{alg}"]:
                raise Mismatch(f"{alg} {stored} at the source, {copy_result[f'Checksum{alg}']} in the target")
            return "checksum"
    target = head_target()
    if int(target.get("ContentLength", -1)) != v.size:
        raise Mismatch(f"size {v.size} at the source, {target.get('ContentLength')} in the target")
    src = source()
    md5_both = (
        _plain_md5(v.etag)
        and _plain_md5(target.get("ETag", ""))
        and src.get("ServerSideEncryption") not in KMS_ENCRYPTION
        and target.get("ServerSideEncryption") not in KMS_ENCRYPTION
        and not src.get("SSECustomerAlgorithm")
    )
    if md5_both and target.get("ETag") != v.etag:
        raise Mismatch(f"ETag (MD5) {v.etag} at the source, {target.get('ETag')} in the target")
    return "size"


@dataclass(frozen=True)
class Outcome:
    version: Version
    ok: bool
    how: str = ""
    error: str = ""
    target_version: str | None = None  # the version the copy made in a versioned target


class Copier:
    """Copies planned versions into the target bucket and verifies each; never raises for one object."""

    def __init__(self, source_s3: Any, target_s3: Any, source: str, target: str) -> None:
        self.source_s3, self.target_s3, self.source, self.target = source_s3, target_s3, source, target

    def _head_source(self, v: Version) -> dict[str, Any]:
        head: dict[str, Any] = self.source_s3.head_object(
            Bucket=self.source,
            Key=v.key,
            VersionId=v.version_id,
            ChecksumMode="ENABLED",
        )
        return head

    def _head_target(self, v: Version) -> dict[str, Any]:
        head: dict[str, Any] = self.target_s3.head_object(Bucket=self.target, Key=v.key, ChecksumMode="ENABLED")
        return head

    def copy(self, v: Version) -> Outcome:
        try:
            result = self._copy(v)
            how = verify_copy(v, result, lambda: self._head_source(v), lambda: self._head_target(v))
        except Exception as exc:
            return Outcome(v, False, error=one_line(aws.describe(exc)))
        return Outcome(v, True, how, target_version=result.get("VersionId"))

    def _copy(self, v: Version) -> dict[str, Any]:
        """The copy's ETag (and checksum), with ``VersionId``: the version it made in the target (S3 API Reference,
        CopyObject, response header ``x-amz-version-id``)."""
        if v.size > MAX_COPY_OBJECT_BYTES:
            return self._copy_parts(v)
        extra = {"ChecksumAlgorithm": v.checksum_algorithm} if v.checksum_algorithm else {}
        answer = self.target_s3.copy_object(
            Bucket=self.target,
            Key=v.key,
            CopySource={"Bucket": self.source, "Key": v.key, "VersionId": v.version_id},
            **extra,
        )
        result: dict[str, Any] = dict(answer.get("CopyObjectResult") or {})
        if answer.get("VersionId"):
            result["VersionId"] = answer["VersionId"]
        return result

    def _copy_parts(self, v: Version) -> dict[str, Any]:
        """Objects above CopyObject's 5 GB: a multipart upload of UploadPartCopy ranges (metadata carried over;
        tags are not)."""
        head = self._head_source(v)
        carried = {
            name: head[name]
            for name in ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl")
            if head.get(name)
        }
        if head.get("Metadata"):
            carried["Metadata"] = head["Metadata"]
        upload = self.target_s3.create_multipart_upload(Bucket=self.target, Key=v.key, **carried)["UploadId"]
        part_size = max(COPY_PART_BYTES, -(-v.size // MAX_PARTS))
        parts = []
        try:
            for number, start in enumerate(range(0, v.size, part_size), 1):
                end = min(start + part_size, v.size) - 1
                answer = self.target_s3.upload_part_copy(
                    Bucket=self.target,
                    Key=v.key,
                    UploadId=upload,
                    PartNumber=number,
                    CopySource={"Bucket": self.source, "Key": v.key, "VersionId": v.version_id},
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            done = self.target_s3.complete_multipart_upload(
                Bucket=self.target,
                Key=v.key,
                UploadId=upload,
                MultipartUpload={"Parts": parts},
            )
        except Exception:
            with contextlib.suppress(Exception):  # else the bucket's abort-incomplete-uploads rule cleans up
                self.target_s3.abort_multipart_upload(Bucket=self.target, Key=v.key, UploadId=upload)
            raise
        return {"ETag": done.get("ETag"), "VersionId": done.get("VersionId")}


def one_line(text: str, limit: int = 300) -> str:
    """An error as one line: a body S3 answered in HTML (a proxy, an outage page) loses its tags and line breaks."""
    flat = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    return flat if len(flat) <= limit else f"{flat[: limit - 3]}..."


def run_parallel(
    items: Iterable[Version], work: Callable[[Version], Outcome], concurrency: int, on_done: Callable[[Outcome], None]
) -> None:
    """``work`` over ``items`` with at most ``concurrency`` in flight, results handed to ``on_done`` in this thread
    (a bounded window: a million keys are not a million futures).

    Interrupted (Ctrl-C is ``KeyboardInterrupt`` in this, the main, thread): nothing more is submitted, queued items
    that have not started are cancelled, the ones already running are waited for and handed to ``on_done`` (so each
    copy that happened is recorded), then the interrupt goes on. ``ThreadPoolExecutor``'s own exit would instead run
    the whole queue and record none of it (Python docs, concurrent.futures, ``Executor.shutdown(cancel_futures)``).
    """
    window = concurrency * 4
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="restore")
    pending: set[Future[Outcome]] = set()

    def collect(finished: Iterable[Future[Outcome]]) -> None:
        for f in finished:
            if not f.cancelled():
                on_done(f.result())

    try:
        for item in items:
            pending.add(pool.submit(work, item))
            if len(pending) >= window:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(finished)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            collect(finished)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        running = {f for f in pending if not f.cancelled()}
        collect(wait(running).done)
        raise
    finally:
        pool.shutdown(wait=True)


@dataclass
class Summary:
    planned: int
    restored: int = 0
    skipped: int = 0  # recorded as done in the state file
    failed: list[Outcome] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    verified: dict[str, int] = field(default_factory=dict)
    target_count: int | None = None

    @property
    def rate(self) -> float:
        return self.restored / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "restored": self.restored,
            "skipped": self.skipped,
            "failed": [{"key": o.version.key, "version": o.version.version_id, "error": o.error} for o in self.failed],
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "verified": dict(sorted(self.verified.items())),
            "target_count": self.target_count,
        }

    def table(self) -> str:
        verified = ", ".join(f"{k} {n}" for k, n in sorted(self.verified.items())) or "-"
        rows = [
            ("planned", str(self.planned), "keys with an object version at --as-of"),
            ("restored", str(self.restored), f"verified: {verified}"),
            ("skipped", str(self.skipped), "already restored (state file)"),
            ("failed", str(len(self.failed)), "re-run with the same --state-file to retry them"),
            ("bytes", str(self.bytes), human_bytes(self.bytes)),
            ("seconds", f"{self.seconds:.1f}", ""),
            ("objects/s", f"{self.rate:.1f}", ""),
        ]
        if self.target_count is not None:
            expected = self.restored + self.skipped
            rows.append(("target count", str(self.target_count), f"expected at least {expected}"))
        lines = [f"{name:<13}{value:>10}  {note}".rstrip() for name, value, note in rows]
        for o in self.failed[:SAMPLE]:
            lines.append(f"  FAILED {o.version.key} (version {o.version.version_id}): {o.error}")
        if len(self.failed) > SAMPLE:
            lines.append(f"  ... and {len(self.failed) - SAMPLE} more failures")
        return "\n".join(lines)


def restore_objects(
    copier_: Copier,
    todo: Sequence[Version],
    state: State,
    concurrency: int,
    progress: Progress,
    summary: Summary,
) -> Summary:
    """Copy ``todo`` in parallel, record each verified copy in the state file, count on stderr (``restore: n/m``)."""
    start = time.monotonic()

    def on_done(o: Outcome) -> None:
        if o.ok:
            state.record(o.version, o.how, o.target_version)
            summary.restored += 1
            summary.bytes += o.version.size
            summary.verified[o.how] = summary.verified.get(o.how, 0) + 1
        else:
            summary.failed.append(o)
        progress.count("restore", summary.restored + len(summary.failed), len(todo), len(summary.failed), start)

    def work(v: Version) -> Outcome:
        state.begin(v)  # before the copy: a kill between the copy and its done line leaves this trace
        return copier_.copy(v)

    try:
        run_parallel(todo, work, concurrency, on_done)
    finally:
        state.close()
        summary.seconds = time.monotonic() - start
        progress.count("restore", summary.restored + len(summary.failed), len(todo), len(summary.failed), start, True)
        progress.end()
    return summary


def count_objects(s3: Any, bucket: str, prefix: str) -> int:
    return sum(
        int(page.get("KeyCount") or len(page.get("Contents") or ()))
        for page in aws.pages(s3, "list_objects_v2", Bucket=bucket, Prefix=prefix)
    )


def target_is_empty(s3: Any, bucket: str) -> bool:
    return not s3.list_objects_v2(Bucket=bucket, MaxKeys=1).get("Contents")


@dataclass(frozen=True)
class Current:
    """The current (latest) version of a key in the target."""

    version_id: str
    etag: str
    size: int


def current_versions(s3: Any, bucket: str, prefix: str) -> dict[str, Current]:
    """Per key under ``prefix``, the target's current version (a key whose newest entry is a delete marker has
    none), from one listing through botocore's paginator: a resume does not HEAD every key."""
    found: dict[str, Current] = {}
    deleted: set[str] = set()
    for page in aws.pages(s3, "list_object_versions", Bucket=bucket, Prefix=prefix):
        for v in page.get("Versions") or ():
            if v.get("IsLatest"):
                found[v["Key"]] = Current(v.get("VersionId") or "null", v.get("ETag") or "", int(v.get("Size") or 0))
        deleted.update(m["Key"] for m in page.get("DeleteMarkers") or () if m.get("IsLatest"))
    return {k: c for k, c in found.items() if k not in deleted}


@dataclass
class ResumeCheck:
    """What a resumed restore found in the target for the keys it has still to copy."""

    todo: list[Version]
    adopted: list[tuple[Version, str]] = field(default_factory=list)  # (version, how verified): copied, unrecorded
    foreign: list[str] = field(default_factory=list)  # keys holding data this restore did not write


def resume_check(
    copier_: Copier, todo: Sequence[Version], state: State, prefix: str, allow_non_empty: bool
) -> ResumeCheck:
    """Per key still to copy, the target's current version decides (issue 22, items 9 and 11):

    - no current version: copy it;
    - the state file says its copy began (a ``copying`` line) and the current version verifies as a copy of the
      planned source version (:func:`verify_copy`: ETag, checksum or size): the copy happened and its done line was
      lost with the process. It is recorded now and not copied again, which in a versioned target would add a
      second version;
    - anything else was written by someone else after the first attempt: it is not overwritten unless the operator
      says so (``--allow-non-empty``: then it is copied over, and listed).
    """
    present = current_versions(copier_.target_s3, copier_.target, prefix) if todo else {}
    check = ResumeCheck([])
    for v in todo:
        current = present.get(v.key)
        if current is None:
            check.todo.append(v)
            continue
        if (v.key, v.version_id) in state.started:
            try:
                how = verify_copy(
                    v,
                    {"ETag": current.etag},
                    functools.partial(copier_._head_source, v),
                    functools.partial(copier_._head_target, v),
                )
            except Mismatch:
                how = ""
            if how:
                check.adopted.append((v, how))
                state.record(v, how, current.version_id)
                continue
        check.foreign.append(v.key)
        if allow_non_empty:
            check.todo.append(v)
    return check


# --- restore s3: S3 Batch Operations ---------------------------------------------------------------------


def manifest_csv(source: str, versions: Iterable[Version]) -> bytes:
    """S3BatchOperations_CSV_20180820 with Bucket,Key,VersionId; keys URL-encoded as the format requires."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for v in versions:
        writer.writerow([source, urllib.parse.quote(v.key, safe="/"), v.version_id])
    return out.getvalue().encode("utf-8")


def start_batch_job(
    s3: Any,
    s3control: Any,
    sts: Any,
    *,
    source: str,
    target: str,
    versions: Sequence[Version],
    manifest_bucket: str,
    role_arn: str,
    as_of: datetime | None,
) -> dict[str, str]:
    """Upload the manifest and create an S3PutObjectCopy job with a completion report of every task.

    The ClientRequestToken is the manifest's SHA-256: the same manifest never starts a second job.
    """
    body = manifest_csv(source, versions)
    digest = hashlib.sha256(body).hexdigest()
    key = f"failsafe-restore/{target}/{digest[:16]}/manifest.csv"
    put = s3.put_object(Bucket=manifest_bucket, Key=key, Body=body)
    account = sts.get_caller_identity()["Account"]
    stamp = as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if as_of else "latest"
    job = s3control.create_job(
        AccountId=account,
        ConfirmationRequired=False,
        Operation={"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{target}", "MetadataDirective": "COPY"}},
        Report={
            "Bucket": f"arn:aws:s3:::{manifest_bucket}",
            "Format": "Report_CSV_20180820",
            "Enabled": True,
            "Prefix": f"failsafe-restore/{target}/{digest[:16]}/report",
            "ReportScope": "AllTasks",
        },
        ClientRequestToken=digest[:64],
        Manifest={
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key", "VersionId"]},
            "Location": {"ObjectArn": f"arn:aws:s3:::{manifest_bucket}/{key}", "ETag": put["ETag"].strip('"')},
        },
        Priority=10,
        RoleArn=role_arn,
        Description=f"failsafe restore s3://{source} -> s3://{target} as of {stamp}"[:256],
    )
    return {"job_id": job["JobId"], "account": account, "manifest": f"s3://{manifest_bucket}/{key}"}
