"""Which S3 bucket of the stack a resource configures. Versioning, public access blocks, replication, encryption
and lifecycle are separate resources that name their bucket in a ``bucket`` input: by bucket name when it is
known, or, when the name is unknown at preview, only through the property dependency Pulumi records for that
input. Every S3 stack policy correlates buckets with those resources through :class:`Buckets`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from failsafe_guardrails.props import prop

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")


class Buckets:
    """The buckets among ``resources``, indexed once per stack policy run by bucket name and by resource name
    (so each policy stays linear in the size of the stack)."""

    def __init__(self, resources: Iterable[Any]) -> None:
        self.resources = list(resources)
        self.all = [r for r in self.resources if r.resource_type in BUCKET_TYPES]
        self._by_urn = {b.urn: b for b in self.all}
        self._by_name: dict[str, list[Any]] = {}
        for b in self.all:
            bucket = prop(b.props, "bucket")  # unknown at preview: reachable by resource name and dependencies
            for key in {b.name, bucket} if isinstance(bucket, str) else {b.name}:
                self._by_name.setdefault(key, []).append(b)

    def named(self, name: str | None) -> list[Any]:
        """The buckets whose bucket name or resource name is ``name``."""
        return self._by_name.get(name or "", [])

    def in_arn(self, arn: Any) -> list[Any]:
        """The buckets an S3 bucket ARN (``arn:aws:s3:::<name>``) names; none for anything else."""
        if isinstance(arn, str) and arn.startswith("arn:aws") and ":::" in arn:
            return self.named(arn.split(":::", 1)[1])
        return []

    def targeted_by(self, resource: Any, key: str = "bucket") -> list[Any]:
        """The buckets ``resource``'s input ``key`` refers to: by value (bucket or resource name) or, when the value
        is unknown or names no bucket of the stack, by the input's property dependencies."""
        value = prop(resource.props, key)
        if isinstance(value, str) and self._by_name.get(value):
            return self._by_name[value]
        deps = (resource.property_dependencies or {}).get(key) or []
        return [self._by_urn[d.urn] for d in deps if getattr(d, "urn", None) in self._by_urn]

    def targets(self, types: Sequence[str]) -> Iterator[tuple[Any, Any]]:
        """(resource, bucket) for every resource of one of ``types`` and every bucket it targets."""
        for r in self.resources:
            if r.resource_type in types:
                for b in self.targeted_by(r):
                    yield r, b
