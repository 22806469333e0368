"""Values and limits that the components and their callers share: pure Python (no pulumi import), so the
program's config validation, the components' own argument checks and the operator tools apply the very same rules.
Each limit is written here once; a component validates with it, and config names its key when it is broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")

# S3 storage classes a replica may be written in (S3 API Reference, Destination.StorageClass, less the
# ones replication refuses: OUTPOSTS, and REDUCED_REDUNDANCY is deprecated).
STORAGE_CLASSES = (
    "STANDARD",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
)


@dataclass(frozen=True)
class DnsTarget:
    """Where a failover record points: an alias (zone ID + DNS name), a CNAME, or A records."""

    kind: str  # "alias" | "cname" | "ip"
    value: str  # DNS name, host name, or comma-joined addresses
    zone_id: str | None = None

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(self.value.split(",")) if self.kind == "ip" else ()
