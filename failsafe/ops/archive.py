"""Configuration archive: ``pulumi stack export`` documents kept in the backup account's archive bucket.

A stack's state is the configuration of every resource in it; with the state, ``pulumi stack import`` plus
``pulumi up`` rebuilds the estate. Each export is validated before upload (it parses, it has
``deployment.resources``, its resource count has not fallen by more than the configured percentage from
the previous archive: a truncated or half-empty export must never become "the newest archive") and stored
as ``<stack>/<UTC timestamp>.json`` with its SHA-256 (S3 ``ChecksumSHA256`` and ``sha256`` metadata),
never overwriting an existing object (``IfNoneMatch="*"``). Retention is the bucket's lifecycle rule.

Secrets in an export stay encrypted: exports are taken without ``--show-secrets``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from failsafe.ops import aws
from failsafe.ops.errors import UsageError, error_code

KEY_TIME = "%Y%m%dT%H%M%SZ"
KEY = re.compile(r"^(?P<stack>.+)/(?P<time>\d{8}T\d{6}Z)\.json$")


class ArchiveError(UsageError):
    """An export refused or an archive that cannot be stored or fetched; the message says why and what to do."""


@dataclass(frozen=True)
class Stored:
    key: str
    sha256: str
    resources: int
    previous_key: str | None
    previous_resources: int | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resource_count(data: bytes, source: str = "export") -> int:
    """Validate a ``pulumi stack export`` document and return its resource count."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{source}: not valid JSON ({exc}); is it a `pulumi stack export` document?") from None
    deployment = document.get("deployment") if isinstance(document, dict) else None
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if not isinstance(resources, list):
        raise ArchiveError(f"{source}: has no deployment.resources list; expected `pulumi stack export` output")
    if not resources:
        raise ArchiveError(
            f"{source}: deployment.resources is empty; an empty stack is not worth archiving "
            "(and restoring it would forget every resource)"
        )
    return len(resources)


# A secret in state: {SECRET_SIG: SECRET_VALUE, "ciphertext": ...} (pulumi/pulumi sdk/go/common/resource/sig/sig.go,
# ``Key`` and ``Secret``; the export keeps the ciphertext, as `pulumi stack export` without --show-secrets does).
SECRET_SIG, SECRET_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
SECRET_SHOWN = "[secret]"  # what `pulumi stack output --json` prints for a secret without --show-secrets
STACK_TYPE = "pulumi:pulumi:Stack"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            return SECRET_SHOWN
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def stack_outputs(data: bytes, source: str = "export") -> dict[str, Any]:
    """The stack's outputs as ``pulumi stack output --json`` prints them, read from an export: they are the
    ``outputs`` of its one ``pulumi:pulumi:Stack`` resource (the root every other resource is parented to), with
    each secret shown as ``[secret]``. This is how ``fetch --outputs`` rebuilds dr-outputs.json from the archive
    when the dr stack's backend (and so ``pulumi stack output``) is gone."""
    resource_count(data, source)
    resources = json.loads(data)["deployment"]["resources"]
    roots = [r for r in resources if isinstance(r, dict) and r.get("type") == STACK_TYPE]
    if len(roots) != 1:
        raise ArchiveError(f"{source}: {len(roots)} {STACK_TYPE} resources; expected the stack's one root")
    outputs = roots[0].get("outputs") or {}
    if not isinstance(outputs, dict):
        raise ArchiveError(f"{source}: the {STACK_TYPE} resource's outputs are not an object")
    plain: dict[str, Any] = _plain(outputs)
    return plain


def check_shrink(count: int, previous: int | None, max_shrink_percent: int, previous_key: str | None) -> None:
    if previous is None or previous <= 0:
        return
    fallen = (previous - count) * 100 / previous
    if fallen > max_shrink_percent:
        raise ArchiveError(
            f"export has {count} resources, {fallen:.0f}% fewer than the {previous} of the previous archive "
            f"{previous_key} (limit {max_shrink_percent}%, config failsafe:archiveMaxShrinkPercent). "
            "A truncated export or a wrong stack? If the estate really shrank, archive with --allow-shrink."
        )


@contextmanager
def missing_bucket(bucket: str, error: type[Exception]) -> Iterator[None]:
    """A missing archive bucket is one clear ``error``: the mistake is almost always a wrong name (the archive and the
    capture share this bucket, and this message)."""
    try:
        yield
    except Exception as exc:
        if error_code(exc) == "NoSuchBucket":
            raise error(
                f"bucket {bucket} does not exist: pass the dr stack's archive bucket name "
                "(pulumi stack output archiveBucketName -s dr)"
            ) from None
        raise


class Archive:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def keys(self, stack: str) -> list[str]:
        """The stack's archive keys, newest first (timestamps sort as text); the first call on the bucket."""
        with missing_bucket(self.bucket, ArchiveError):
            listed = [
                o["Key"]
                for o in aws.items(self.s3, "list_objects_v2", "Contents", Bucket=self.bucket, Prefix=f"{stack}/")
            ]
        return sorted((k for k in listed if (m := KEY.match(k)) and m.group("stack") == stack), reverse=True)

    def previous(self, stack: str) -> tuple[str, int] | None:
        """The newest archive and its resource count (from metadata; downloaded and counted if missing)."""
        for key in self.keys(stack):
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
            recorded = (head.get("Metadata") or {}).get("resources", "")
            if recorded.isdigit():
                return key, int(recorded)
            try:
                return key, resource_count(self.read(key), key)
            except ArchiveError:
                continue  # an invalid archive is no baseline; look further back
        return None

    def read(self, key: str) -> bytes:
        data: bytes = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return data

    def store(
        self, stack: str, data: bytes, max_shrink_percent: int, now: datetime | None = None, allow_shrink: bool = False
    ) -> Stored:
        count = resource_count(data)
        previous = self.previous(stack)
        if not allow_shrink:
            check_shrink(
                count, previous[1] if previous else None, max_shrink_percent, previous[0] if previous else None
            )
        key = f"{stack}/{(now or datetime.now(UTC)).astimezone(UTC).strftime(KEY_TIME)}.json"
        digest = hashlib.sha256(data)
        try:
            with missing_bucket(self.bucket, ArchiveError):
                self.s3.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=data,
                    ContentType="application/json",
                    ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                    IfNoneMatch="*",
                    Metadata={"sha256": digest.hexdigest(), "resources": str(count), "stack": stack},
                )
        except Exception as exc:
            code = error_code(exc)
            if code in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise ArchiveError(
                    f"s3://{self.bucket}/{key} already exists; archives are never overwritten "
                    "(run again in a second for a new timestamp)"
                ) from None
            raise
        return Stored(
            key, digest.hexdigest(), count, previous[0] if previous else None, previous[1] if previous else None
        )

    def newest_valid(self, stack: str) -> tuple[str, bytes]:
        """The newest archive whose checksum matches and which parses as an export (older ones as fallback)."""
        problems: list[str] = []
        for key in self.keys(stack):
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
            data = obj["Body"].read()
            expected = (obj.get("Metadata") or {}).get("sha256")
            if expected != sha256_hex(data):
                problems.append(f"{key}: checksum mismatch (recorded {expected}, actual {sha256_hex(data)})")
                continue
            try:
                resource_count(data, key)
            except ArchiveError as exc:
                problems.append(str(exc))
                continue
            return key, data
        detail = "; ".join(problems) if problems else "no archives at all"
        raise ArchiveError(f"no valid archive of stack {stack} in s3://{self.bucket}/{stack}/: {detail}")


def pulumi_export(stack: str, run: Callable[..., Any] = subprocess.run) -> bytes:
    """``pulumi stack export --stack <stack>`` (secrets stay encrypted: no --show-secrets)."""
    if run is subprocess.run and shutil.which("pulumi") is None:
        raise ArchiveError("the pulumi CLI is not on PATH; install it or pass --file with an export")
    result = run(["pulumi", "stack", "export", "--stack", stack], capture_output=True, check=False)
    if result.returncode != 0:
        message = (result.stderr or b"").decode(errors="replace").strip().splitlines()
        raise ArchiveError(f"pulumi stack export --stack {stack} failed: {message[-1] if message else 'no output'}")
    return bytes(result.stdout)
