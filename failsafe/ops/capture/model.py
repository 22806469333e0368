"""What a capture is made of: the services and type tokens, what is found, the errors, the time stamps.

(:mod:`failsafe.ops.capture`'s package docstring tells the whole story.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from failsafe.ops import archive
from failsafe.ops.errors import UsageError

PREFIX = "capture"
KEY_TIME = archive.KEY_TIME
STAMP = re.compile(r"^\d{8}T\d{6}Z$")
RUN_KEY = re.compile(r"^capture/(?P<account>\d{12})/runs/(?P<time>\d{8}T\d{6}Z)\.json$")
CAPTURE_PREFIX = re.compile(r"^capture/(?P<account>\d{12})/(?P<service>[a-z0-9]+)/(?P<time>\d{8}T\d{6}Z)/$")

SERVICES = ("s3", "iam", "lambda", "kms", "sns", "sqs", "dynamodb", "rds", "ec2", "route53", "ssm")
GLOBAL_SERVICES = frozenset({"s3", "iam", "route53"})  # listed once per account (S3 buckets keep their region)

DEFAULT_RATE = 4.0  # calls/s per account: under Route 53's 5 requests/s account limit, the tightest listed here
DEFAULT_JITTER = 0.5  # each interval is 1/rate times a uniform factor in [1 - jitter, 1 + jitter]
DEFAULT_BUDGET_SECONDS = 1800.0
DEFAULT_MAX_DROP_PERCENT = 20
BASELINE_RUNS = 30  # how many earlier runs to read for each service's previous complete count

# pulumi-aws v7 type tokens (import IDs in the comments, from each resource's Import section).
T_BUCKET = "aws:s3/bucket:Bucket"  # bucket name
T_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"  # bucket name
T_BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"  # bucket name
T_BUCKET_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"  # bucket name
T_BUCKET_ENCRYPTION = (  # bucket name
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
T_ROLE = "aws:iam/role:Role"  # role name
T_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"  # <role>:<policy name>
T_ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"  # <role>/<policy ARN>
T_POLICY = "aws:iam/policy:Policy"  # policy ARN
T_FUNCTION = "aws:lambda/function:Function"  # function name
T_KEY = "aws:kms/key:Key"  # key ID
T_ALIAS = "aws:kms/alias:Alias"  # alias name (alias/...)
T_TOPIC = "aws:sns/topic:Topic"  # topic ARN
T_QUEUE = "aws:sqs/queue:Queue"  # queue URL
T_TABLE = "aws:dynamodb/table:Table"  # table name
T_DB_INSTANCE = "aws:rds/instance:Instance"  # DB instance identifier
T_DB_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"  # DB instance identifier
T_DB_CLUSTER = "aws:rds/cluster:Cluster"  # cluster identifier
T_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"  # sg-...
T_ZONE = "aws:route53/zone:Zone"  # zone ID
T_RECORD = "aws:route53/record:Record"  # <zone ID>_<name>_<type>[_<set identifier>]
T_PARAMETER = "aws:ssm/parameter:Parameter"  # parameter name

# Services CI generates no code for: the provider's Read of an SSM parameter calls GetParameter with decryption,
# and the capture never reads a parameter's value (the parameter copier keeps the values in the backup account).
NO_CODEGEN = frozenset({"ssm"})
# What the generated code of a parameter may contain: everything but its value (value/insecureValue).
PARAMETER_PROPERTIES = ("name", "type", "description", "tier", "keyId", "dataType", "allowedPattern", "tags")
# A Bucket's deprecated inline arguments: when a managed bucket sets one, that side resource is managed too.
BUCKET_INLINE = {
    "policy": T_BUCKET_POLICY,
    "versioning": T_BUCKET_VERSIONING,
    "lifecycleRules": T_BUCKET_LIFECYCLE,
    "serverSideEncryptionConfiguration": T_BUCKET_ENCRYPTION,
}
# A resource deleted between its listing and its describe call: skipped, not a failure.
GONE = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucket",
        "NotFound",
        "NotFoundException",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "DBInstanceNotFound",
        "DBClusterNotFoundFault",
        "NoSuchHostedZone",
        "ParameterNotFound",
    }
)
OTHER_ENGINES = ("docdb", "neptune")  # RDS APIs list them too; they are other services' resources


class CaptureError(UsageError):
    """Bad input or setup (not a failed service): the message says which value and what to do."""


class BudgetExceeded(RuntimeError):
    """The run's time budget ran out; the service in progress and every one not reached count as failed."""


class Gone(RuntimeError):
    """The resource disappeared between its listing and the next call about it."""


@dataclass(frozen=True)
class Found:
    service: str
    type: str  # pulumi-aws type token
    id: str  # the import ID in the type's own form (no region suffix)
    name: str  # a readable resource name for the import file (made unique per file)
    region: str | None  # None for global resources (IAM, Route 53)
    arn: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    properties: tuple[str, ...] = ()  # restrict the generated code to these properties (import file "properties")


@dataclass
class Collected:
    found: list[Found] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1


def slug(text: str) -> str:
    """A resource name readable in generated code: letters, digits, dots, underscores and hyphens."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "resource"


def route53_name(name: str) -> str:
    """Route 53 escapes some characters as ``\\ddd`` octal (``\\052`` is ``*``); lower case, no trailing dot."""
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name).rstrip(".").lower()


def record_id(zone_id: str, name: str, record_type: str, set_identifier: str | None = None) -> str:
    """The import ID of ``aws:route53/record:Record``: ``<zone>_<name>_<type>[_<set identifier>]``."""
    parts = [zone_id.rsplit("/", 1)[-1], route53_name(name), record_type]
    return "_".join([*parts, set_identifier] if set_identifier else parts)


def stamp_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(KEY_TIME)


def parse_stamp(text: str) -> datetime:
    """``20261123T020000Z``, an ISO 8601 time (``2026-11-23T02:00:00Z``) or a date (``2026-11-23``), as UTC."""
    value = text.strip()
    try:
        if STAMP.match(value):
            return datetime.strptime(value, KEY_TIME).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CaptureError(
            f"--as-of {text!r}: not a time; expected 20261123T020000Z, 2026-11-23T02:00:00Z or 2026-11-23"
        ) from None
    if len(value) == 10:  # a date means the end of that day
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
