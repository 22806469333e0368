"""``failsafe-dr restore``: get data back out of the backup account (issue 17, the operator side).

- ``restore s3``: the replica bucket's object versions as of a point in time, copied into a target bucket
  (CopyObject in parallel, or an S3 Batch Operations job for large sets); resumable through a state file,
  verified object by object, with a summary table.
- ``restore params``: the params copier's SSM parameters and secrets, put back into a target account/region.
- ``restore snapshot``: an RDS instance/cluster or EBS volume from a copier copy, or the copy re-encrypted and
  shared with a target account.
- ``restore recovery-point``: an AWS Backup restore job from a recovery point, optionally waited for.
- ``restore tests``: the latest AWS Backup restore tests of the dr restore testing plan, against the RTO.

With ``--drill-dir``, an executed restore is recorded as a step of the drill in progress, timed by the command.

Every command is a dry run unless ``--execute``: it prints what it would do and changes nothing.
Exit codes: 0 done; 1 some items failed or AWS denied access (one line naming the action and resource);
2 bad input (one line naming the flag, the value and what was expected) or another AWS error.
See docs/restore.md for the API calls and IAM actions of each command.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import hashlib
import io
import json
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from failsafe.ops import aws, copier, params, retry

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
DEFAULT_CONCURRENCY = 16
DEFAULT_BATCH_THRESHOLD = 100_000
MAX_COPY_OBJECT_BYTES = 5 * 1024**3  # CopyObject's limit; larger objects are copied part by part
COPY_PART_BYTES = 512 * 1024**2
MAX_PARTS = 10_000
ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})  # CopyObject needs a RestoreObject first
KMS_ENCRYPTION = frozenset({"aws:kms", "aws:kms:dsse"})
CHECKSUM_ALGORITHMS = ("CRC64NVME", "SHA256", "SHA1", "CRC32C", "CRC32")
ACCESS_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "403", "Forbidden"}
)
RESTORED_FROM_TAG = "failsafe:restored-from"
SAMPLE = 10
SLEEP: Callable[[float], None] | None = None  # retry and poll pauses; tests make them instant


class RestoreInputError(ValueError):
    """Bad input: the message names the flag, the value and what was expected."""


class Denied(RuntimeError):
    """AWS refused for lack of permission; the message names the IAM action and the resource."""

    def __init__(self, action: str, resource: str, exc: BaseException) -> None:
        detail = (getattr(exc, "response", None) or {}).get("Error", {}).get("Message") or str(exc)
        super().__init__(f"access denied: {action} on {resource} ({retry.error_code(exc)}: {detail})")


# --- plumbing ------------------------------------------------------------------------------------------


def make_session(profile: str | None, region: str | None) -> Any:
    """A boto3 session for a profile (None: the ambient credentials). Tests replace this function."""
    import boto3

    return boto3.Session(profile_name=profile, region_name=region)


def _session(flag: str, profile: str | None, region: str | None) -> Any:
    try:
        return make_session(profile, region)
    except ProfileNotFound:
        raise RestoreInputError(f"{flag} {profile!r}: expected a profile in ~/.aws/config") from None


def _client(sess: Any, service: str, region: str | None = None, pool: int = 10) -> Any:
    config = aws.client_config().merge(Config(max_pool_connections=max(10, pool)))
    return sess.client(service, region_name=region or sess.region_name, config=config)


def _call(action: str, resource: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """``fn(**kwargs)`` with the package's throttling retries; access denied becomes :class:`Denied`."""
    try:
        return retry.call(fn, sleep=SLEEP, **kwargs)
    except ClientError as exc:
        if retry.error_code(exc) in ACCESS_DENIED:
            raise Denied(action, resource, exc) from None
        raise


def _error(exc: BaseException) -> str:
    code = retry.error_code(exc)
    if code:
        message = (getattr(exc, "response", None) or {}).get("Error", {}).get("Message") or ""
        return f"{code}: {message}" if message else code
    return f"{type(exc).__name__}: {exc}"


def _say(message: str, stream: TextIO | None = None) -> None:
    print(f"failsafe-dr: error: {message}", file=stream or sys.stderr)


def guarded(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """One line on stderr and an exit code for the errors a person can act on."""

    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except RestoreInputError as exc:
            _say(str(exc))
            return EXIT_ERROR
        except Denied as exc:
            _say(str(exc))
            return EXIT_FAILED
        except NoCredentialsError:
            _say("no AWS credentials: log in (aws sso login) or pass --profile / --to-profile")
            return EXIT_ERROR
        except retry.ThrottledError as exc:
            _say(str(exc))
            return EXIT_ERROR
        except ClientError as exc:
            _say(f"AWS refused {exc.operation_name}: {_error(exc)}")
            return EXIT_ERROR
        except BotoCoreError as exc:
            _say(f"AWS: {exc}")
            return EXIT_ERROR

    return run


def parse_time(flag: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RestoreInputError(f"{flag} {text!r}: expected an ISO 8601 time such as 2026-11-23T02:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_int(flag: str, text: str | int, low: int, high: int | None = None) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = None
    if value is None or value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise RestoreInputError(f"{flag} {text!r}: expected a whole number {span}")
    return value


def _need(flag: str, value: str | None, why: str) -> str:
    if not value:
        raise RestoreInputError(f"{flag} is missing: expected {why}")
    return value


def _account(flag: str, value: str) -> str:
    if not re.fullmatch(r"\d{12}", value or ""):
        raise RestoreInputError(f"{flag} {value!r}: expected a 12-digit AWS account ID")
    return value


def _human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def poll(
    describe: Callable[[], str],
    done: Iterable[str],
    failed: Iterable[str],
    timeout: float,
    interval: float = 15.0,
    what: str = "resource",
) -> str:
    """Call ``describe()`` (which returns a status) until it is in ``done`` (returned) or ``failed`` (raised)."""
    done, failed = set(done), set(failed)
    deadline = time.monotonic() + timeout
    pause = SLEEP or time.sleep
    while True:
        status = describe()
        if status in done:
            return status
        if status in failed:
            raise RuntimeError(f"{what} ended in status {status}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} still {status} after {timeout:.0f} s; check it later")
        pause(interval)


# --- restore s3: the plan --------------------------------------------------------------------------------


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


def list_versions(s3: Any, bucket: str, prefix: str = "") -> Iterator[Version]:
    """Every version and delete marker under ``prefix``, page by page (each page its own retried call)."""
    marker: dict[str, str] = {}
    resource = f"arn:aws:s3:::{bucket}"
    while True:
        page = _call("s3:ListBucketVersions", resource, s3.list_object_versions, Bucket=bucket, Prefix=prefix, **marker)
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
        if not page.get("IsTruncated"):
            return
        marker = {"KeyMarker": page["NextKeyMarker"]}
        if page.get("NextVersionIdMarker"):
            marker["VersionIdMarker"] = page["NextVersionIdMarker"]


def make_plan(s3: Any, bucket: str, prefix: str, as_of: datetime | None) -> Plan:
    plan = Plan(bucket, prefix, as_of)
    for key, entry in sorted(choose(list_versions(s3, bucket, prefix), as_of).items()):
        if entry is None:
            plan.later.append(key)
        elif entry.deleted:
            plan.deleted.append(key)
        else:
            plan.restore.append(entry)
    return plan


# --- restore s3: the state file ---------------------------------------------------------------------------


class State:
    """Append-only JSON lines: a header naming the restore, then one line per restored (and verified) object.

    A re-run with the same file skips what it records. A torn last line (a crash mid-write) is ignored; a line
    lost to a machine crash only means that object is copied again (copies are idempotent).
    """

    def __init__(self, path: Path | None, header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self.done: set[tuple[str, str]] = set()
        self.batch_job: str | None = None
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        lines = path.read_text(encoding="utf-8").splitlines()
        records = []
        for n, line in enumerate(lines):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                if n == len(lines) - 1:
                    continue  # torn last line
                raise RestoreInputError(
                    f"--state-file {path}: line {n + 1} is not JSON; expected a failsafe restore state file"
                ) from None
        if not records:
            return
        head = records[0].get("restore")
        if head != self.header:
            raise RestoreInputError(
                f"--state-file {path}: records another restore ({json.dumps(head, sort_keys=True)}); "
                "expected the same source, target, --as-of and --prefix, or use a new state file"
            )
        for r in records[1:]:
            if "key" in r:
                self.done.add((r["key"], r["version"]))
            elif "batch_job" in r:
                self.batch_job = r["batch_job"]

    def _write(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        with self._lock:
            if self._file is None:
                fresh = not self.path.exists() or self.path.stat().st_size == 0
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
                if fresh:
                    self._file.write(json.dumps({"restore": self.header}, sort_keys=True) + "\n")
            self._file.write(json.dumps(record, sort_keys=True) + "\n")
            self._file.flush()

    def record(self, v: Version, how: str) -> None:
        self._write({"key": v.key, "version": v.version_id, "bytes": v.size, "verified": how})

    def record_job(self, job_id: str) -> None:
        self._write({"batch_job": job_id})

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


# --- restore s3: copying and verifying -------------------------------------------------------------------


class Mismatch(RuntimeError):
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


class Copier:
    """Copies planned versions into the target bucket and verifies each; never raises for one object."""

    def __init__(self, source_s3: Any, target_s3: Any, source: str, target: str) -> None:
        self.source_s3, self.target_s3, self.source, self.target = source_s3, target_s3, source, target

    def _head_source(self, v: Version) -> dict[str, Any]:
        return retry.call(
            self.source_s3.head_object,
            sleep=SLEEP,
            Bucket=self.source,
            Key=v.key,
            VersionId=v.version_id,
            ChecksumMode="ENABLED",
        )

    def _head_target(self, v: Version) -> dict[str, Any]:
        return retry.call(
            self.target_s3.head_object, sleep=SLEEP, Bucket=self.target, Key=v.key, ChecksumMode="ENABLED"
        )

    def copy(self, v: Version) -> Outcome:
        try:
            result = self._copy(v)
            how = verify_copy(v, result, lambda: self._head_source(v), lambda: self._head_target(v))
        except Exception as exc:
            return Outcome(v, False, error=_error(exc))
        return Outcome(v, True, how)

    def _copy(self, v: Version) -> dict[str, Any]:
        if v.size > MAX_COPY_OBJECT_BYTES:
            return self._copy_parts(v)
        extra = {"ChecksumAlgorithm": v.checksum_algorithm} if v.checksum_algorithm else {}
        answer = retry.call(
            self.target_s3.copy_object,
            sleep=SLEEP,
            Bucket=self.target,
            Key=v.key,
            CopySource={"Bucket": self.source, "Key": v.key, "VersionId": v.version_id},
            **extra,
        )
        return answer.get("CopyObjectResult") or {}

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
        upload = retry.call(
            self.target_s3.create_multipart_upload, sleep=SLEEP, Bucket=self.target, Key=v.key, **carried
        )["UploadId"]
        part_size = max(COPY_PART_BYTES, -(-v.size // MAX_PARTS))
        parts = []
        try:
            for number, start in enumerate(range(0, v.size, part_size), 1):
                end = min(start + part_size, v.size) - 1
                answer = retry.call(
                    self.target_s3.upload_part_copy,
                    sleep=SLEEP,
                    Bucket=self.target,
                    Key=v.key,
                    UploadId=upload,
                    PartNumber=number,
                    CopySource={"Bucket": self.source, "Key": v.key, "VersionId": v.version_id},
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            done = retry.call(
                self.target_s3.complete_multipart_upload,
                sleep=SLEEP,
                Bucket=self.target,
                Key=v.key,
                UploadId=upload,
                MultipartUpload={"Parts": parts},
            )
        except Exception:
            with contextlib.suppress(Exception):  # else the bucket's abort-incomplete-uploads rule cleans up
                self.target_s3.abort_multipart_upload(Bucket=self.target, Key=v.key, UploadId=upload)
            raise
        return {"ETag": done.get("ETag")}


class Progress:
    """``\\r`` line on stderr: count/total, percent, rate; at most five updates a second."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True, every: float = 0.2) -> None:
        self.total, self.stream, self.enabled, self.every = total, stream or sys.stderr, enabled, every
        self.start = time.monotonic()
        self._shown = 0.0
        self.lines = 0

    def update(self, done: int, failed: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._shown < self.every:
            return
        self._shown = now
        elapsed = max(now - self.start, 1e-9)
        percent = 100.0 * done / self.total if self.total else 100.0
        rate = done / elapsed
        left = (self.total - done) / rate if rate > 0 else 0.0
        self.stream.write(
            f"\rrestore: {done}/{self.total} ({percent:5.1f}%) {rate:8.1f} obj/s  failed {failed}  ETA {left:5.0f} s"
        )
        self.stream.flush()
        self.lines += 1

    def finish(self, done: int, failed: int) -> None:
        if self.enabled:
            self.update(done, failed, force=True)
            self.stream.write("\n")
            self.stream.flush()


def run_parallel(
    items: Iterable[Version], work: Callable[[Version], Outcome], concurrency: int, on_done: Callable[[Outcome], None]
) -> None:
    """``work`` over ``items`` with at most ``concurrency`` in flight, results handed to ``on_done`` in this thread
    (a bounded window: a million keys are not a million futures)."""
    window = concurrency * 4
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="restore") as pool:
        pending: set[Future[Outcome]] = set()
        for item in items:
            pending.add(pool.submit(work, item))
            if len(pending) >= window:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    on_done(f.result())
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                on_done(f.result())


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

    def table(self) -> str:
        verified = ", ".join(f"{k} {n}" for k, n in sorted(self.verified.items())) or "-"
        rows = [
            ("planned", str(self.planned), "keys with an object version at --as-of"),
            ("restored", str(self.restored), f"verified: {verified}"),
            ("skipped", str(self.skipped), "already restored (state file)"),
            ("failed", str(len(self.failed)), "re-run with the same --state-file to retry them"),
            ("bytes", str(self.bytes), _human_bytes(self.bytes)),
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
    start = time.monotonic()

    def on_done(o: Outcome) -> None:
        if o.ok:
            state.record(o.version, o.how)
            summary.restored += 1
            summary.bytes += o.version.size
            summary.verified[o.how] = summary.verified.get(o.how, 0) + 1
        else:
            summary.failed.append(o)
        progress.update(summary.restored + len(summary.failed), len(summary.failed))

    try:
        run_parallel(todo, copier_.copy, concurrency, on_done)
    finally:
        state.close()
        summary.seconds = time.monotonic() - start
        progress.finish(summary.restored + len(summary.failed), len(summary.failed))
    return summary


def count_objects(s3: Any, bucket: str, prefix: str) -> int:
    count, token = 0, None
    while True:
        page = _call(
            "s3:ListBucket",
            f"arn:aws:s3:::{bucket}",
            s3.list_objects_v2,
            Bucket=bucket,
            Prefix=prefix,
            **({"ContinuationToken": token} if token else {}),
        )
        count += int(page.get("KeyCount") or len(page.get("Contents") or ()))
        token = page.get("NextContinuationToken")
        if not token:
            return count


def target_is_empty(s3: Any, bucket: str) -> bool:
    page = _call("s3:ListBucket", f"arn:aws:s3:::{bucket}", s3.list_objects_v2, Bucket=bucket, MaxKeys=1)
    return not page.get("Contents")


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
    put = _call(
        "s3:PutObject",
        f"arn:aws:s3:::{manifest_bucket}/{key}",
        s3.put_object,
        Bucket=manifest_bucket,
        Key=key,
        Body=body,
    )
    account = _call("sts:GetCallerIdentity", "*", sts.get_caller_identity)["Account"]
    stamp = as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if as_of else "latest"
    job = _call(
        "s3:CreateJob",
        f"arn:aws:s3:*:{account}:job/*",
        s3control.create_job,
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


# --- restore s3: the command -----------------------------------------------------------------------------


def _print_plan(plan: Plan, todo: Sequence[Version], skipped: int, target: str, out: TextIO) -> None:
    stamp = plan.as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if plan.as_of else "now (latest versions)"
    where = f"s3://{plan.source}/{plan.prefix}"
    print(f"restore {where} -> s3://{target}/ as of {stamp}", file=out)
    print(f"  to restore        {len(todo):>10}  {_human_bytes(sum(v.size for v in todo))}", file=out)
    print(f"  already restored  {skipped:>10}  (state file)", file=out)
    print(f"  deleted at as-of  {len(plan.deleted):>10}  (newest entry a delete marker: not restored)", file=out)
    print(f"  created later     {len(plan.later):>10}  (no version at as-of: not restored)", file=out)
    if plan.archived:
        print(
            f"  archived          {len(plan.archived):>10}  (GLACIER/DEEP_ARCHIVE: run RestoreObject first, "
            "or they fail)",
            file=out,
        )
    for v in todo[:SAMPLE]:
        print(f"    {v.key}  version {v.version_id}  {v.size} B  {v.modified:%Y-%m-%dT%H:%M:%SZ}", file=out)
    if len(todo) > SAMPLE:
        print(f"    ... and {len(todo) - SAMPLE} more", file=out)


def default_state_file(source: str, target: str, prefix: str, as_of: datetime | None) -> str:
    """One file per restore in the working directory, so an interrupted run resumes by running it again."""
    stamp = as_of.strftime("%Y%m%dT%H%M%SZ") if as_of else "latest"
    digest = hashlib.sha256(prefix.encode()).hexdigest()[:8] if prefix else "all"
    return f"failsafe-restore-{source}-to-{target}-{stamp}-{digest}.jsonl"


@guarded
def cmd_s3(args: argparse.Namespace) -> int:
    out: TextIO = getattr(args, "out", None) or sys.stdout
    as_of = parse_time("--as-of", args.as_of)
    if as_of and as_of > datetime.now(UTC):
        raise RestoreInputError(f"--as-of {args.as_of!r}: expected a time in the past")
    concurrency = parse_int("--concurrency", args.concurrency, 1, 256)
    threshold = parse_int("--batch-threshold", args.batch_threshold, 1)
    if args.bucket == args.to:
        raise RestoreInputError(f"--to {args.to!r}: expected a bucket other than the replica --bucket")
    prefix = args.prefix or ""
    source_sess = _session("--profile", args.profile, args.region)
    target_sess = (
        _session("--to-profile", args.to_profile or args.profile, args.to_region or args.region)
        if args.to_profile or args.to_region
        else source_sess
    )
    source_s3 = _client(source_sess, "s3", pool=concurrency)
    target_s3 = _client(target_sess, "s3", pool=concurrency)

    header = {"source": args.bucket, "target": args.to, "prefix": prefix, "as_of": as_of.isoformat() if as_of else None}
    state_path = Path(args.state_file or default_state_file(args.bucket, args.to, prefix, as_of))
    state = State(state_path, header)
    if not state.done and not state.batch_job and not args.allow_non_empty and not target_is_empty(target_s3, args.to):
        raise RestoreInputError(
            f"--to {args.to!r}: the target bucket already holds objects; expected an empty bucket "
            "(or --allow-non-empty to write into it, or the --state-file of the interrupted restore)"
        )
    plan = make_plan(source_s3, args.bucket, prefix, as_of)
    todo = [v for v in plan.restore if (v.key, v.version_id) not in state.done]
    skipped = len(plan.restore) - len(todo)
    _print_plan(plan, todo, skipped, args.to, out)
    print(f"state file: {state_path}", file=out)
    batch = len(todo) > threshold
    if batch:
        _need("--batch-role-arn", args.batch_role_arn, "a role trusted by batchoperations.s3.amazonaws.com")
        _need("--manifest-bucket", args.manifest_bucket, "a bucket for the job's manifest and completion report")
    if not args.execute:
        how = "an S3 Batch Operations job" if batch else f"CopyObject, {concurrency} at a time"
        print(f"dry run: nothing copied; --execute to copy with {how}", file=out)
        return EXIT_OK
    if not todo:
        print("nothing left to restore", file=out)
        return EXIT_OK
    if batch:
        if state.batch_job:
            print(f"batch job {state.batch_job} already started for this restore (state file)", file=out)
            return EXIT_OK
        job = start_batch_job(
            target_s3,
            _client(target_sess, "s3control", pool=2),
            _client(target_sess, "sts"),
            source=args.bucket,
            target=args.to,
            versions=todo,
            manifest_bucket=args.manifest_bucket,
            role_arn=args.batch_role_arn,
            as_of=as_of,
        )
        state.record_job(job["job_id"])
        state.close()
        print(
            f"batch job {job['job_id']} started for {len(todo)} objects; manifest {job['manifest']}; follow it with "
            f"`aws s3control describe-job --account-id {job['account']} --job-id {job['job_id']}` "
            "(the completion report lists every task; objects above 5 GB fail there)",
            file=out,
        )
        return EXIT_OK

    summary = Summary(planned=len(plan.restore), skipped=skipped)
    progress = Progress(len(todo), enabled=not args.no_progress)
    restore_objects(Copier(source_s3, target_s3, args.bucket, args.to), todo, state, concurrency, progress, summary)
    summary.target_count = count_objects(target_s3, args.to, prefix)
    print(summary.table(), file=out)
    short = summary.target_count < summary.restored + summary.skipped
    if short:
        print(f"target holds {summary.target_count} objects, fewer than restored: check the bucket", file=out)
    return EXIT_FAILED if summary.failed or short else EXIT_OK


# --- restore params --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamItem:
    kind: str  # "ssm" or "secret"
    name: str
    exists: bool
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


def _pages(action: str, resource: str, fn: Callable[..., Any], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        page = _call(action, resource, fn, **kwargs, **({"NextToken": token} if token else {}))
        items.extend(page.get(key) or ())
        token = page.get("NextToken")
        if not token:
            return items


def _parameters(ssm: Any, path: str) -> dict[str, dict[str, Any]]:
    filters = [{"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/") or "/"]}] if path != "/" else []
    found = _pages(
        "ssm:DescribeParameters",
        f"parameters under {path}",
        ssm.describe_parameters,
        "Parameters",
        **({"ParameterFilters": filters} if filters else {}),
    )
    return {p["Name"]: p for p in found}


def _secrets(sm: Any, prefix: str) -> dict[str, dict[str, Any]]:
    filters = {"Filters": [{"Key": "name", "Values": [prefix]}]} if prefix else {}
    found = _pages("secretsmanager:ListSecrets", f"secrets {prefix}*", sm.list_secrets, "SecretList", **filters)
    return {s["Name"]: s for s in found if s["Name"].startswith(prefix)}


def restore_params(
    backup_ssm: Any,
    backup_sm: Any,
    target_ssm: Any,
    target_sm: Any,
    *,
    path: str,
    secret_prefix: str,
    kms_key_id: str | None,
    overwrite: bool,
    execute: bool,
) -> tuple[list[ParamItem], list[ParamItem], list[dict[str, str]]]:
    """(planned/restored items, skipped items, failures). Only the copier's copies (its description / tag)."""
    done: list[ParamItem] = []
    skipped: list[ParamItem] = []
    failures: list[dict[str, str]] = []
    copies = {n: p for n, p in _parameters(backup_ssm, path).items() if params.source_version(p.get("Description"))}
    present = set(_parameters(target_ssm, path)) if copies else set()
    names = sorted(copies)
    values: dict[str, dict[str, Any]] = {}
    if execute:
        for i in range(0, len(names), 10):
            chunk = names[i : i + 10]
            got = _call(
                "ssm:GetParameters",
                ", ".join(chunk),
                backup_ssm.get_parameters,
                Names=chunk,
                WithDecryption=True,
            )
            values.update({p["Name"]: p for p in got.get("Parameters") or ()})
    for name in names:
        meta = copies[name]
        item = ParamItem("ssm", name, name in present, meta["Type"])
        if item.exists and not overwrite:
            skipped.append(item)
            continue
        if not execute:
            done.append(item)
            continue
        try:
            value = values[name]
            extra = {"KeyId": kms_key_id} if kms_key_id and meta["Type"] == "SecureString" else {}
            _call(
                "ssm:PutParameter",
                name,
                target_ssm.put_parameter,
                Name=name,
                Value=value["Value"],
                Type=meta["Type"],
                Overwrite=item.exists,
                Tier="Intelligent-Tiering",
                Description=f"restored by failsafe from the backup copy (source version "
                f"{params.source_version(meta.get('Description'))})",
                **extra,
            )
            done.append(item)
        except Denied:
            raise
        except Exception as exc:
            failures.append({"item": item.label, "error": _error(exc)})

    secrets = {
        n: s
        for n, s in _secrets(backup_sm, secret_prefix).items()
        if {t["Key"]: t["Value"] for t in s.get("Tags") or ()}.get(params.COPIED_BY_TAG) == "failsafe"
    }
    existing = set(_secrets(target_sm, secret_prefix)) if secrets else set()
    for name in sorted(secrets):
        item = ParamItem("secret", name, name in existing)
        if item.exists and not overwrite:
            skipped.append(item)
            continue
        if not execute:
            done.append(item)
            continue
        try:
            value = _call(
                "secretsmanager:GetSecretValue", secrets[name]["ARN"], backup_sm.get_secret_value, SecretId=name
            )
            payload = (
                {"SecretString": value["SecretString"]}
                if "SecretString" in value
                else {"SecretBinary": value["SecretBinary"]}
            )
            if item.exists:
                _call("secretsmanager:PutSecretValue", name, target_sm.put_secret_value, SecretId=name, **payload)
            else:
                _call(
                    "secretsmanager:CreateSecret",
                    name,
                    target_sm.create_secret,
                    Name=name,
                    Description="restored by failsafe from the backup copy",
                    Tags=[{"Key": RESTORED_FROM_TAG, "Value": secrets[name]["ARN"]}],
                    **({"KmsKeyId": kms_key_id} if kms_key_id else {}),
                    **payload,
                )
            done.append(item)
        except Denied:
            raise
        except Exception as exc:
            failures.append({"item": item.label, "error": _error(exc)})
    return done, skipped, failures


@guarded
def cmd_params(args: argparse.Namespace) -> int:
    out: TextIO = getattr(args, "out", None) or sys.stdout
    path = args.path or "/"
    if not (path.startswith("/") and path.endswith("/")):
        raise RestoreInputError(f"--path {path!r}: expected a path that starts and ends with '/', such as /app/")
    backup = _session("--profile", args.profile, args.from_region)
    target = _session("--to-profile", args.to_profile, args.to_region)
    if args.from_region == args.to_region and args.profile == args.to_profile:
        raise RestoreInputError(
            f"--to-region {args.to_region!r} with --to-profile {args.to_profile!r}: expected a target other than "
            "the backup account and region"
        )
    done, skipped, failures = restore_params(
        _client(backup, "ssm"),
        _client(backup, "secretsmanager"),
        _client(target, "ssm"),
        _client(target, "secretsmanager"),
        path=path,
        secret_prefix=args.secret_prefix or "",
        kms_key_id=args.kms_key_id,
        overwrite=args.overwrite,
        execute=args.execute,
    )
    verb = "restored" if args.execute else "would restore"
    for item in done:
        print(f"  {verb:<14} {item.label}{' (overwrite)' if item.exists else ''}", file=out)
    for item in skipped:
        print(f"  {'exists, kept':<14} {item.label} (--overwrite to replace)", file=out)
    for f in failures:
        print(f"  {'FAILED':<14} {f['item']}: {f['error']}", file=out)
    print(
        f"{len(done)} {verb}, {len(skipped)} kept, {len(failures)} failed"
        + ("" if args.execute else "; dry run: nothing written, --execute to write"),
        file=out,
    )
    return EXIT_FAILED if failures else EXIT_OK


# --- restore snapshot ------------------------------------------------------------------------------------


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
            snaps = _call("ec2:DescribeSnapshots", snapshot_id, ec2.describe_snapshots, SnapshotIds=[snapshot_id])
        except ClientError as exc:
            if retry.error_code(exc) in ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"):
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
            s = _call(
                "rds:DescribeDBSnapshots", snapshot_id, rds.describe_db_snapshots, DBSnapshotIdentifier=snapshot_id
            )["DBSnapshots"][0]
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
            if retry.error_code(exc) not in missing or kind == "rds":
                if kind == "rds" and retry.error_code(exc) in missing:
                    raise RestoreInputError(f"--id {snapshot_id!r}: expected an RDS DB snapshot identifier") from None
                raise
    try:
        s = _call(
            "rds:DescribeDBClusterSnapshots",
            snapshot_id,
            rds.describe_db_cluster_snapshots,
            DBClusterSnapshotIdentifier=snapshot_id,
        )["DBClusterSnapshots"][0]
    except ClientError as exc:
        if retry.error_code(exc) in missing:
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


@guarded
def cmd_snapshot(args: argparse.Namespace) -> int:
    out: TextIO = getattr(args, "out", None) or sys.stdout
    if args.share_with:
        _account("--share-with", args.share_with)
        _need("--kms-key-id", args.kms_key_id, "a customer-managed KMS key that the target account may use")
    timeout = parse_int("--timeout-minutes", args.timeout_minutes, 1) * 60
    sess = _session("--profile", args.profile, args.region)
    rds, ec2 = _client(sess, "rds"), _client(sess, "ec2")
    snap = find_snapshot(rds, ec2, args.id, args.kind)
    print(
        f"{snap.kind} snapshot {snap.id} ({snap.status}); key {snap.kms_key_id or 'unencrypted'}; "
        f"source {snap.tags.get(copier.SOURCE_TAG, '-')}; copied {snap.tags.get(copier.COPIED_AT_TAG, '-')}"
        + ("" if snap.ours else "; NOT a failsafe copy (no failsafe:copied-by tag)"),
        file=out,
    )
    if snap.status not in ("available", "completed"):
        raise RestoreInputError(f"--id {snap.id!r}: status {snap.status}; expected available/completed")
    tags = [{"Key": RESTORED_FROM_TAG, "Value": snap.arn}]
    if args.share_with:
        return _share(args, snap, rds, ec2, timeout, out)
    target_id = args.target_id or default_target_id(snap.id)
    if snap.kind == "ebs":
        zone = (
            args.availability_zone
            or _call("ec2:DescribeAvailabilityZones", "*", ec2.describe_availability_zones)["AvailabilityZones"][0][
                "ZoneName"
            ]
        )
        call = {
            "SnapshotId": snap.id,
            "AvailabilityZone": zone,
            "VolumeType": args.volume_type,
            "TagSpecifications": [{"ResourceType": "volume", "Tags": [*tags, {"Key": "Name", "Value": target_id}]}],
            **({"Encrypted": True, "KmsKeyId": args.kms_key_id} if args.kms_key_id else {}),
        }
        print(f"ec2.create_volume {json.dumps(call)}", file=out)
        if not args.execute:
            print("dry run: nothing created; --execute to create the volume", file=out)
            return EXIT_OK
        volume = _call("ec2:CreateVolume", snap.id, ec2.create_volume, **call)["VolumeId"]
        print(f"volume {volume} created in {zone}", file=out)
        if args.wait:
            poll(
                lambda: _call("ec2:DescribeVolumes", volume, ec2.describe_volumes, VolumeIds=[volume])["Volumes"][0][
                    "State"
                ],
                {"available"},
                {"error", "deleted"},
                timeout,
                what=f"volume {volume}",
            )
            print(f"volume {volume} available", file=out)
        return EXIT_OK
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
        print(f"rds.restore_db_instance_from_db_snapshot {json.dumps(call)}", file=out)
        if not args.execute:
            print("dry run: nothing created; --execute to restore", file=out)
            return EXIT_OK
        started = time.monotonic()
        _call("rds:RestoreDBInstanceFromDBSnapshot", snap.arn, rds.restore_db_instance_from_db_snapshot, **call)
        print(f"DB instance {target_id} restoring from {snap.id}", file=out)
        if args.wait:
            poll(
                lambda: _call(
                    "rds:DescribeDBInstances", target_id, rds.describe_db_instances, DBInstanceIdentifier=target_id
                )["DBInstances"][0]["DBInstanceStatus"],
                {"available"},
                {"failed", "incompatible-restore", "incompatible-parameters", "storage-full"},
                timeout,
                what=f"DB instance {target_id}",
            )
            print(f"DB instance {target_id} available after {time.monotonic() - started:.0f} s", file=out)
        return EXIT_OK
    call = {
        "DBClusterIdentifier": target_id,
        "SnapshotIdentifier": snap.id,
        "Engine": snap.engine or "aurora-postgresql",
        "Tags": tags,
        **network,
    }
    print(f"rds.restore_db_cluster_from_snapshot {json.dumps(call)}", file=out)
    if args.instance_class:
        print(f"rds.create_db_instance {target_id}-1 ({args.instance_class}) in the cluster", file=out)
    if not args.execute:
        print("dry run: nothing created; --execute to restore", file=out)
        return EXIT_OK
    started = time.monotonic()
    _call("rds:RestoreDBClusterFromSnapshot", snap.arn, rds.restore_db_cluster_from_snapshot, **call)
    print(f"DB cluster {target_id} restoring from {snap.id}", file=out)
    if args.instance_class:
        _call(
            "rds:CreateDBInstance",
            f"{target_id}-1",
            rds.create_db_instance,
            DBInstanceIdentifier=f"{target_id}-1",
            DBClusterIdentifier=target_id,
            DBInstanceClass=args.instance_class,
            Engine=call["Engine"],
            Tags=tags,
        )
        print(f"DB instance {target_id}-1 added to the cluster", file=out)
    else:
        print("a restored cluster has no instances: add one (--instance-class) before connecting", file=out)
    if args.wait:
        poll(
            lambda: _call("rds:DescribeDBClusters", target_id, rds.describe_db_clusters, DBClusterIdentifier=target_id)[
                "DBClusters"
            ][0]["Status"],
            {"available"},
            {"failed", "inaccessible-encryption-credentials"},
            timeout,
            what=f"DB cluster {target_id}",
        )
        print(f"DB cluster {target_id} available after {time.monotonic() - started:.0f} s", file=out)
    return EXIT_OK


def _share(args: argparse.Namespace, snap: Snapshot, rds: Any, ec2: Any, timeout: int, out: TextIO) -> int:
    """Re-encrypt the copy with a key the target account may use, then add the account to its restore list."""
    account, key = args.share_with, args.kms_key_id
    tags = [{"Key": RESTORED_FROM_TAG, "Value": snap.arn}, {"Key": "failsafe:shared-with", "Value": account}]
    if snap.kind == "ebs":
        print(f"ec2.copy_snapshot {snap.id} with KmsKeyId {key}; ec2.modify_snapshot_attribute add {account}", file=out)
        if not args.execute:
            print("dry run: nothing copied or shared; --execute to share", file=out)
            return EXIT_OK
        copy = _call(
            "ec2:CopySnapshot",
            snap.id,
            ec2.copy_snapshot,
            SourceSnapshotId=snap.id,
            SourceRegion=ec2.meta.region_name,
            Encrypted=True,
            KmsKeyId=key,
            Description=f"failsafe share of {snap.id} with {account}",
            TagSpecifications=[{"ResourceType": "snapshot", "Tags": tags}],
        )["SnapshotId"]
        poll(
            lambda: _call("ec2:DescribeSnapshots", copy, ec2.describe_snapshots, SnapshotIds=[copy])["Snapshots"][0][
                "State"
            ],
            {"completed"},
            {"error"},
            timeout,
            what=f"snapshot copy {copy}",
        )
        _call(
            "ec2:ModifySnapshotAttribute",
            copy,
            ec2.modify_snapshot_attribute,
            SnapshotId=copy,
            Attribute="createVolumePermission",
            OperationType="add",
            UserIds=[account],
        )
        print(f"snapshot {copy} (key {key}) shared with {account}", file=out)
        return EXIT_OK
    target = share_copy_id(snap.id, account)
    cluster = snap.kind == "rds-cluster"
    verb = "copy_db_cluster_snapshot" if cluster else "copy_db_snapshot"
    print(f"rds.{verb} {snap.id} -> {target} with KmsKeyId {key}; add {account} to its restore attribute", file=out)
    if not args.execute:
        print("dry run: nothing copied or shared; --execute to share", file=out)
        return EXIT_OK
    try:
        if cluster:
            _call(
                "rds:CopyDBClusterSnapshot",
                snap.arn,
                rds.copy_db_cluster_snapshot,
                SourceDBClusterSnapshotIdentifier=snap.arn,
                TargetDBClusterSnapshotIdentifier=target,
                KmsKeyId=key,
                Tags=tags,
            )
        else:
            _call(
                "rds:CopyDBSnapshot",
                snap.arn,
                rds.copy_db_snapshot,
                SourceDBSnapshotIdentifier=snap.arn,
                TargetDBSnapshotIdentifier=target,
                KmsKeyId=key,
                Tags=tags,
            )
    except ClientError as exc:
        if retry.error_code(exc) not in ("DBSnapshotAlreadyExists", "DBClusterSnapshotAlreadyExistsFault"):
            raise
        print(f"{target} exists already (an earlier run): sharing it", file=out)

    def status() -> str:
        if cluster:
            found = _call(
                "rds:DescribeDBClusterSnapshots",
                target,
                rds.describe_db_cluster_snapshots,
                DBClusterSnapshotIdentifier=target,
            )
            return found["DBClusterSnapshots"][0]["Status"]
        found = _call("rds:DescribeDBSnapshots", target, rds.describe_db_snapshots, DBSnapshotIdentifier=target)
        return found["DBSnapshots"][0]["Status"]

    poll(status, {"available"}, {"failed", "error"}, timeout, what=f"snapshot copy {target}")
    if cluster:
        _call(
            "rds:ModifyDBClusterSnapshotAttribute",
            target,
            rds.modify_db_cluster_snapshot_attribute,
            DBClusterSnapshotIdentifier=target,
            AttributeName="restore",
            ValuesToAdd=[account],
        )
    else:
        _call(
            "rds:ModifyDBSnapshotAttribute",
            target,
            rds.modify_db_snapshot_attribute,
            DBSnapshotIdentifier=target,
            AttributeName="restore",
            ValuesToAdd=[account],
        )
    print(f"{snap.kind} snapshot {target} (key {key}) shared with {account}", file=out)
    return EXIT_OK


# --- restore recovery-point ------------------------------------------------------------------------------


def parse_metadata(pairs: Sequence[str] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise RestoreInputError(f"--metadata {pair!r}: expected key=value, such as availabilityZone=eu-central-1a")
        result[name.strip()] = value
    return result


def restore_recovery_point(
    backup: Any,
    *,
    arn: str,
    vault: str,
    role_arn: str,
    overrides: dict[str, str],
    execute: bool,
    wait_for: bool,
    timeout: float,
    out: TextIO,
    interval: float = 30.0,
) -> int:
    answer = _call(
        "backup:GetRecoveryPointRestoreMetadata",
        arn,
        backup.get_recovery_point_restore_metadata,
        BackupVaultName=vault,
        RecoveryPointArn=arn,
    )
    metadata = {**(answer.get("RestoreMetadata") or {}), **overrides}
    resource_type = answer.get("ResourceType")
    print(f"recovery point {arn} in vault {vault} ({resource_type or 'type unknown'})", file=out)
    for name in sorted(metadata):
        print(f"  {name} = {metadata[name]}{'  (--metadata)' if name in overrides else ''}", file=out)
    if not execute:
        print(f"dry run: no restore job started; --execute to start it with role {role_arn}", file=out)
        return EXIT_OK
    token = hashlib.sha256(json.dumps([arn, role_arn, metadata], sort_keys=True).encode()).hexdigest()[:32]
    job_id = _call(
        "backup:StartRestoreJob",
        arn,
        backup.start_restore_job,
        RecoveryPointArn=arn,
        Metadata=metadata,
        IamRoleArn=role_arn,
        IdempotencyToken=token,
        **({"ResourceType": resource_type} if resource_type else {}),
    )["RestoreJobId"]
    print(f"restore job {job_id} started", file=out)
    if not wait_for:
        print(f"follow it with `aws backup describe-restore-job --restore-job-id {job_id}`", file=out)
        return EXIT_OK
    started = time.monotonic()
    final: dict[str, Any] = {}

    def status() -> str:
        final.clear()
        final.update(_call("backup:DescribeRestoreJob", job_id, backup.describe_restore_job, RestoreJobId=job_id))
        return final.get("Status", "")

    state = poll(status, {"COMPLETED", "ABORTED", "FAILED"}, (), timeout, interval, what=f"restore job {job_id}")
    created, completed = final.get("CreationDate"), final.get("CompletionDate")
    took = (completed - created).total_seconds() if created and completed else time.monotonic() - started
    resource = final.get("CreatedResourceArn") or "-"
    message = f": {final['StatusMessage']}" if final.get("StatusMessage") else ""
    print(f"restore job {job_id} {state} in {took:.0f} s; created {resource}{message}", file=out)
    return EXIT_OK if state == "COMPLETED" else EXIT_FAILED


@guarded
def cmd_recovery_point(args: argparse.Namespace) -> int:
    out: TextIO = getattr(args, "out", None) or sys.stdout
    if not re.fullmatch(r"arn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:.+", args.arn or ""):
        raise RestoreInputError(f"--arn {args.arn!r}: expected a recovery point ARN (arn:aws:backup:...)")
    if not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", args.role_arn or ""):
        raise RestoreInputError(
            f"--role-arn {args.role_arn!r}: expected an IAM role ARN trusted by backup.amazonaws.com"
        )
    overrides = parse_metadata(args.metadata)
    timeout = parse_int("--timeout-minutes", args.timeout_minutes, 1) * 60
    sess = _session("--profile", args.profile, args.region)
    return restore_recovery_point(
        _client(sess, "backup"),
        arn=args.arn,
        vault=args.vault,
        role_arn=args.role_arn,
        overrides=overrides,
        execute=args.execute,
        wait_for=args.wait,
        timeout=timeout,
        out=out,
    )


# --- restore tests: what AWS Backup's restore testing measured ---------------------------------------------


@dataclass(frozen=True)
class RestoreTestResult:
    resource_type: str
    source: str  # the protected resource the recovery point was taken of
    status: str  # COMPLETED, FAILED, ABORTED, RUNNING, PENDING
    started: datetime
    completed: datetime | None
    validation: str  # ValidationStatus (SUCCESSFUL, FAILED, ...) or "" when none ran
    message: str

    @property
    def minutes(self) -> float | None:
        return (self.completed - self.started).total_seconds() / 60 if self.completed else None


def restore_test_results(backup: Any, plan_arn: str) -> list[RestoreTestResult]:
    """The latest restore job of each protected resource the restore testing plan restored (every page read)."""
    jobs = _pages(
        "backup:ListRestoreJobs",
        plan_arn,
        backup.list_restore_jobs,
        "RestoreJobs",
        ByRestoreTestingPlanArn=plan_arn,
    )
    latest: dict[str, dict[str, Any]] = {}
    for job in jobs:
        source = job.get("SourceResourceArn") or job.get("RecoveryPointArn") or job["RestoreJobId"]
        if source not in latest or job["CreationDate"] > latest[source]["CreationDate"]:
            latest[source] = job
    return [
        RestoreTestResult(
            resource_type=job.get("ResourceType", ""),
            source=source,
            status=job.get("Status", ""),
            started=job["CreationDate"],
            completed=job.get("CompletionDate"),
            validation=job.get("ValidationStatus", ""),
            message=job.get("StatusMessage") or job.get("ValidationStatusMessage") or "",
        )
        for source, job in sorted(latest.items())
    ]


def report_restore_tests(results: Sequence[RestoreTestResult], rto_minutes: int | None, out: TextIO) -> int:
    """One line per resource; exit 1 when a latest test failed or took longer than the RTO, or none ran."""
    if not results:
        print("no restore tests recorded for this plan yet (it runs on its schedule)", file=out)
        return EXIT_FAILED
    bad = 0
    for r in results:
        took = f"{r.minutes:.1f} min" if r.minutes is not None else "running"
        late = rto_minutes is not None and r.minutes is not None and r.minutes > rto_minutes
        failed = r.status in ("FAILED", "ABORTED") or r.validation == "FAILED"
        verdict = "FAIL" if failed else "SLOW" if late else "ok"
        bad += verdict != "ok"
        detail = f" ({r.message})" if r.message and verdict != "ok" else ""
        print(
            f"{verdict:4}  {r.status:9}  {took:>11}  {r.resource_type:8}  {r.source}"
            f"  started {r.started:%Y-%m-%dT%H:%M:%SZ}{detail}",
            file=out,
        )
    if rto_minutes is not None:
        print(f"target: {rto_minutes} min (rtoMinutes)", file=out)
    return EXIT_FAILED if bad else EXIT_OK


@guarded
def cmd_tests(args: argparse.Namespace) -> int:
    out: TextIO = getattr(args, "out", None) or sys.stdout
    if not re.fullmatch(r"arn:aws[\w-]*:backup:[\w-]+:\d{12}:restore-testing-plan:.+", args.plan_arn or ""):
        raise RestoreInputError(
            f"--plan-arn {args.plan_arn!r}: expected a restore testing plan ARN (the dr output restoreTestingPlanArn)"
        )
    rto = parse_int("--rto-minutes", args.rto_minutes, 1) if args.rto_minutes else None
    sess = _session("--profile", args.profile, args.region)
    return report_restore_tests(restore_test_results(_client(sess, "backup"), args.plan_arn), rto, out)


# --- drill: each restore command timed by the tool itself ------------------------------------------------


def drill_timed(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """With ``--drill-dir``, the command is recorded as a step of the drill in progress there: its start and end
    measured here (not typed in afterwards), outcome ok on exit 0, else failed. A dry run is not recorded."""

    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> int:
        directory = getattr(args, "drill_dir", None)
        if not directory or not getattr(args, "execute", True):
            return fn(args)
        from failsafe.ops import drill

        log = drill.Drill(Path(directory))
        log.load()  # refuse before restoring when no drill is in progress there
        started = drill._iso(log.now())
        code = EXIT_ERROR
        try:
            code = fn(args)
        finally:
            ended = drill._iso(log.now())
            name = f"failsafe-dr restore {args.restore_command}" + (
                f" {args.step_label}" if getattr(args, "step_label", None) else ""
            )
            log.add(name, started, ended, "ok" if code == EXIT_OK else "failed", notes=f"exit {code}")
        return code

    return run


# --- parser ----------------------------------------------------------------------------------------------


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``restore s3|params|snapshot|recovery-point`` to the failsafe-dr parser."""
    r = subparsers.add_parser("restore", help="restore data from the backup account (dry run unless --execute)")
    rsub = r.add_subparsers(dest="restore_command", required=True)

    s3 = rsub.add_parser("s3", help="copy a replica bucket's versions as of a time into a target bucket")
    s3.add_argument("--bucket", required=True, help="the replica bucket in the backup account")
    s3.add_argument("--to", required=True, help="the target bucket (empty unless --allow-non-empty)")
    s3.add_argument("--as-of", help="ISO 8601 time, e.g. 2026-11-23T02:00:00Z (default: latest versions)")
    s3.add_argument("--prefix", default="", help="only keys under this prefix")
    s3.add_argument("--profile", help="AWS profile that reads the replica (backup account)")
    s3.add_argument("--region", help="region of the replica bucket")
    s3.add_argument("--to-profile", help="AWS profile that writes the target (default: --profile)")
    s3.add_argument("--to-region", help="region of the target bucket (default: --region)")
    s3.add_argument("--state-file", help="JSON lines of restored keys; re-run with it to resume")
    s3.add_argument("--concurrency", default=str(DEFAULT_CONCURRENCY), help=f"default {DEFAULT_CONCURRENCY}")
    s3.add_argument(
        "--batch-threshold",
        default=str(DEFAULT_BATCH_THRESHOLD),
        help=f"above this many objects use S3 Batch Operations (default {DEFAULT_BATCH_THRESHOLD})",
    )
    s3.add_argument("--batch-role-arn", help="role for the S3 Batch Operations job")
    s3.add_argument("--manifest-bucket", help="bucket for the batch manifest and completion report")
    s3.add_argument("--allow-non-empty", action="store_true", help="write into a bucket that holds objects")
    s3.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    s3.add_argument("--execute", action="store_true", help="copy (default: print the plan only)")
    s3.set_defaults(func=cmd_s3)

    p = rsub.add_parser("params", help="put the copied SSM parameters and secrets into a target account/region")
    p.add_argument("--profile", help="AWS profile in the backup account (default: ambient)")
    p.add_argument("--from-region", required=True, help="region of the copies (the backup region)")
    p.add_argument("--to-profile", required=True, help="AWS profile in the target account")
    p.add_argument("--to-region", required=True, help="target region")
    p.add_argument("--path", default="/", help="parameter path, e.g. /app/ (default: all copies)")
    p.add_argument("--secret-prefix", default="", help="secret name prefix, e.g. app/ (default: all copies)")
    p.add_argument("--kms-key-id", help="key for SecureStrings and secrets in the target (default: its AWS key)")
    p.add_argument("--overwrite", action="store_true", help="replace parameters/secrets that exist in the target")
    p.add_argument("--execute", action="store_true", help="write (default: print the plan only)")
    p.set_defaults(func=cmd_params)

    sn = rsub.add_parser("snapshot", help="restore (or share) a snapshot copy made by the copier")
    sn.add_argument("--id", required=True, help="copy id: snap-... or an RDS (cluster) snapshot identifier")
    sn.add_argument("--kind", choices=("rds", "rds-cluster", "ebs"), help="default: from the id")
    sn.add_argument("--profile", help="AWS profile in the account holding the copy (backup account)")
    sn.add_argument("--region", help="region of the copy")
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

    rp = rsub.add_parser("recovery-point", help="start an AWS Backup restore job from a recovery point")
    rp.add_argument("--arn", required=True, help="recovery point ARN")
    rp.add_argument("--vault", required=True, help="backup vault name")
    rp.add_argument("--role-arn", required=True, help="restore role (trusted by backup.amazonaws.com)")
    rp.add_argument("--metadata", nargs="*", help="key=value overrides of the recovery point's restore metadata")
    rp.add_argument("--profile", help="AWS profile in the vault's account")
    rp.add_argument("--region", help="vault region")
    rp.add_argument("--wait", action="store_true", help="poll the job until it ends and report its duration")
    rp.add_argument("--timeout-minutes", default="240", help="how long to wait (default 240)")
    rp.add_argument("--execute", action="store_true", help="start the job (default: print the plan only)")
    rp.set_defaults(func=cmd_recovery_point)

    t = rsub.add_parser("tests", help="the latest AWS Backup restore tests: status and duration against the RTO")
    t.add_argument("--plan-arn", required=True, help="restore testing plan ARN (dr output restoreTestingPlanArn)")
    t.add_argument("--rto-minutes", help="flag restores slower than this (failsafe:rtoMinutes)")
    t.add_argument("--profile", help="AWS profile in the backup account")
    t.add_argument("--region", help="the plan's region")
    t.set_defaults(func=cmd_tests)

    for command in (s3, p, sn, rp):
        command.add_argument("--drill-dir", help="record this command, timed by the tool, in the drill running there")
        command.add_argument("--step-label", help="what the drill step restores (default: the command)")
        command.set_defaults(func=drill_timed(command.get_default("func")))
    return r
