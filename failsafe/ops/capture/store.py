"""The capture's place in the Object-Locked archive bucket: new keys only, each with its SHA-256 (as
:mod:`failsafe.ops.archive` stores exports), and the run records read back."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from failsafe.ops import archive, aws
from failsafe.ops.capture.model import BASELINE_RUNS, PREFIX, RUN_KEY, CaptureError
from failsafe.ops.errors import error_code


class Store:
    """The archive bucket: new keys only (``If-None-Match: *``), each with its SHA-256, as :mod:`archive` does."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def put(self, key: str, data: bytes, content_type: str = "application/json") -> str:
        digest = hashlib.sha256(data)
        try:
            with archive.missing_bucket(self.bucket, CaptureError):
                self.s3.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=data,
                    ContentType=content_type,
                    ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                    IfNoneMatch="*",
                    Metadata={"sha256": digest.hexdigest()},
                )
        except Exception as exc:
            if error_code(exc) in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise CaptureError(
                    f"s3://{self.bucket}/{key} already exists; captures are never overwritten "
                    "(run again in a second for a new timestamp)"
                ) from None
            raise
        return digest.hexdigest()

    def put_json(self, key: str, document: Any) -> str:
        return self.put(key, json.dumps(document, indent=2, sort_keys=True, default=str).encode())

    def get_json(self, key: str) -> Any:
        with archive.missing_bucket(self.bucket, CaptureError):
            return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def listing(self, prefix: str, delimiter: str | None = None) -> tuple[list[str], list[str]]:
        """(keys, common prefixes) under ``prefix``, all pages."""
        keys: list[str] = []
        prefixes: list[str] = []
        with archive.missing_bucket(self.bucket, CaptureError):
            request: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if delimiter:
                request["Delimiter"] = delimiter
            listing = aws.pages(self.s3, "list_objects_v2", **request)
            for page in listing:
                keys.extend(o["Key"] for o in page.get("Contents") or ())
                prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes") or ())
        return keys, prefixes

    def accounts(self) -> list[str]:
        _, prefixes = self.listing(f"{PREFIX}/", "/")
        return sorted(p.split("/")[1] for p in prefixes if re.fullmatch(r"\d{12}", p.split("/")[1]))

    def run_keys(self, account: str) -> list[str]:
        """The account's run records, newest first."""
        keys, _ = self.listing(f"{PREFIX}/{account}/runs/")
        return sorted((k for k in keys if RUN_KEY.match(k)), reverse=True)

    def runs(self, account: str, limit: int = BASELINE_RUNS) -> Iterator[tuple[str, dict[str, Any]]]:
        for key in self.run_keys(account)[:limit]:
            try:
                yield key, self.get_json(key)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue

    def baseline(self, account: str) -> dict[str, tuple[int, str]]:
        """Per service, the resource count and timestamp of its newest complete capture in earlier runs."""
        found: dict[str, tuple[int, str]] = {}
        for _, record in self.runs(account):
            for service, result in (record.get("services") or {}).items():
                if service not in found and result.get("status") == "complete":
                    found[service] = (int(result.get("resources", 0)), str(record.get("timestamp")))
        return found
