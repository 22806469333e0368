"""Configuration capture: every resource of an account, per service, with the unmanaged ones as a Pulumi import file.

State exports (:mod:`failsafe.ops.archive`) protect what is already code. What takes longest to rebuild after a
disaster is everything else: the bucket, role, queue or DNS record someone made by hand or with another tool.
A capture lists the account's resources per service and region (read-only calls only), matches each against the
resources of the stacks' newest archived exports, and writes the ones no stack manages as a ``pulumi import
--file`` document; CI turns each document into Python code (``pulumi import --preview-only --out``) while the
resources still exist, because an import file can only become code by reading the live resource.

Layout in the Object-Locked archive bucket (new keys only, never overwritten, each with its SHA-256)::

    capture/<account>/<service>/<timestamp>/inventory.json   everything found, managed or not, with the stack
    capture/<account>/<service>/<timestamp>/import.json      the unmanaged ones, `pulumi import --file` format
    capture/<account>/<service>/<timestamp>/<service>.py     the code CI generated from import.json
    capture/<account>/<service>/<timestamp>/manifest.json    complete or not, counts, previous count, failures
    capture/<account>/runs/<timestamp>.json                  the run: complete only if every service is

Every call is paced (:class:`Pacer`: a jittered interval between calls at a configured rate, throttling retried
with bounded full-jitter backoff through :mod:`failsafe.ops.retry`), and the run has a time budget. A run is
*complete* only when every service was captured and none lost more than the configured percentage of its
resources against the previous capture; otherwise it is recorded as incomplete, the topic is notified and the
CLI exits 1. Pagination follows botocore's own paginator definitions page by page (not a boto3 ``PageIterator``,
which cannot resume after an exception), so a throttled page is retried alone and every page waits its turn.

AWS-made things nobody needs to rebuild are skipped and counted: service-linked and IAM Identity Center roles,
AWS-managed KMS keys and their ``alias/aws/*`` aliases, the default security group of each VPC, the SOA and NS
records at a zone's apex, and zones another service made. SSM parameters are captured by name and metadata only:
their values are never read, and the import file leaves ``value`` out of the generated code.

Pulumi import file format: https://www.pulumi.com/docs/iac/guides/migration/import/#bulk-import-operations
(pulumi/docs ``content/docs/iac/guides/migration/import/_index.md``); import IDs per type from the Import section
of each resource in pulumi-aws 7.x; ``<id>@<region>`` for a resource outside its provider's region from
pulumi-aws ``docs/enhanced-region-support.md``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore import xform_name

from failsafe.ops import archive, aws, retry

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


class CaptureError(RuntimeError):
    """Bad input or setup (not a failed service): the message says which value and what to do."""


class BudgetExceeded(RuntimeError):
    """The run's time budget ran out; the service in progress and every one not reached count as failed."""


class Gone(RuntimeError):
    """The resource disappeared between its listing and the next call about it."""


# --- pacing ----------------------------------------------------------------------------------------------


class Budget:
    """A deadline on an injected clock."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.deadline = clock() + seconds

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise BudgetExceeded(f"the time budget of {self.seconds:g}s ran out (--budget-seconds)")


class Pacer:
    """Spaces calls ``1/rate`` seconds apart times a jitter factor, and retries throttled calls with backoff.

    Former2 at DNAnexus slept a random time before every call to stay clear of throttling instead of relying on
    retries; this does the same at a stated rate, and still retries (a bounded number of times, full jitter) the
    throttling that happens anyway. Every attempt, retries included, waits its turn. ``rate=None`` turns pacing
    off (retries stay on).
    """

    def __init__(
        self,
        rate: float | None = DEFAULT_RATE,
        jitter: float = DEFAULT_JITTER,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        uniform: Callable[[float, float], float] = random.uniform,
        budget: Budget | None = None,
        attempts: int = retry.ATTEMPTS,
        base: float = retry.BASE_SECONDS,
        cap: float = retry.CAP_SECONDS,
    ) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.jitter, self.clock, self.sleep, self.uniform, self.budget = jitter, clock, sleep, uniform, budget
        self.attempts, self.base, self.cap = attempts, base, cap
        self.calls = 0  # attempts sent, retries included
        self.throttled = 0  # attempts answered with a throttling error
        self._next: float | None = None  # when the next call may start

    def wait(self) -> None:
        if self.budget:
            self.budget.check()
        if self.interval:
            now = self.clock()
            if self._next is not None and self._next > now:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval * self.uniform(1.0 - self.jitter, 1.0 + self.jitter)
            if self.budget:
                self.budget.check()
        self.calls += 1

    def call(self, fn: Callable[..., Any], **params: Any) -> Any:
        def attempt(**kwargs: Any) -> Any:
            self.wait()
            try:
                return fn(**kwargs)
            except Exception as exc:
                if retry.is_throttling(exc):
                    self.throttled += 1
                raise

        attempt.__name__ = getattr(fn, "__name__", "call")
        return retry.call(
            attempt,
            attempts=self.attempts,
            base=self.base,
            cap=self.cap,
            sleep=self.sleep,
            uniform=self.uniform,
            **params,
        )


@lru_cache(maxsize=1)
def _botocore() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=64)
def paginator_config(service: str, operation: str) -> dict[str, Any]:
    """botocore's paginator definition (input/output tokens, result key) of one operation."""
    return dict(_botocore().get_paginator_model(service).get_paginator(operation))


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _path(expression: str, page: Mapping[str, Any]) -> Any:
    """The value of a paginator token or result expression: ``A.B`` paths, alternatives joined by ``||``."""
    for alternative in expression.split("||"):
        value: Any = page
        for part in alternative.strip().split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            return value
    return None


# --- what a capture finds --------------------------------------------------------------------------------


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


def _subset(source: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: source[k] for k in keys if source.get(k) not in (None, "", [], {})}


class Ctx:
    """One account's clients, all calls through one pacer."""

    def __init__(self, session: Any, pacer: Pacer, home_region: str) -> None:
        self.session, self.pacer, self.home_region = session, pacer, home_region
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.home_region)
        if key not in self._clients:
            self._clients[key] = aws.client(self.session, service, key[1])
        return self._clients[key]

    def call(self, client: Any, operation: str, **params: Any) -> Any:
        try:
            return self.pacer.call(getattr(client, xform_name(operation)), **params)
        except Exception as exc:
            if retry.error_code(exc) in GONE:
                raise Gone(f"{operation}: {retry.error_code(exc)}") from exc
            raise

    def optional(self, client: Any, operation: str, absent: Iterable[str], **params: Any) -> Any | None:
        """The call's response, or None when AWS answers with one of the ``absent`` codes (nothing configured)."""
        try:
            return self.call(client, operation, **params)
        except Exception as exc:
            if retry.error_code(exc) in set(absent):
                return None
            raise

    def items(self, client: Any, operation: str, **params: Any) -> Iterator[Any]:
        """Every item of a paginated listing, page by page, each page paced and retried on its own."""
        config = paginator_config(client.meta.service_model.service_name, operation)
        inputs, outputs = _as_list(config["input_token"]), _as_list(config["output_token"])
        more, result_key = config.get("more_results"), config["result_key"]
        request, previous = dict(params), None
        while True:
            page = self.call(client, operation, **request)
            yield from _path(result_key, page) or ()
            if more and not _path(more, page):
                return
            tokens = [_path(expr, page) for expr in outputs]
            if all(t is None for t in tokens):
                return
            if tokens == previous:
                raise RuntimeError(f"{operation}: the same page token came back twice; stopping the listing")
            previous = tokens
            request = {**params, **{k: v for k, v in zip(inputs, tokens, strict=True) if v is not None}}


# --- collectors: one per service, read-only calls only ---------------------------------------------------


def collect_s3(ctx: Ctx, region: str) -> Collected:
    """Buckets (ListBuckets is account-wide) with their policy, versioning, lifecycle and encryption."""
    out = Collected()
    s3 = ctx.client("s3", region)
    for bucket in ctx.items(s3, "ListBuckets", MaxBuckets=1000):
        name = bucket["Name"]
        try:
            where = bucket.get("BucketRegion")
            if not where:
                location = ctx.call(s3, "GetBucketLocation", Bucket=name).get("LocationConstraint")
                where = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
            client = ctx.client("s3", where)
            policy = ctx.optional(client, "GetBucketPolicy", {"NoSuchBucketPolicy"}, Bucket=name)
            versioning = ctx.call(client, "GetBucketVersioning", Bucket=name)
            lifecycle = ctx.optional(
                client, "GetBucketLifecycleConfiguration", {"NoSuchLifecycleConfiguration"}, Bucket=name
            )
            encryption = ctx.optional(
                client, "GetBucketEncryption", {"ServerSideEncryptionConfigurationNotFoundError"}, Bucket=name
            )
        except Gone:
            out.skip("deleted during the capture")
            continue
        rules = ((encryption or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
        default_encryption = len(rules) == 1 and (
            (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") == "AES256"
            and not rules[0].get("BucketKeyEnabled")
        )
        detail = {
            "region": where,
            "policy": json.loads(policy["Policy"]) if policy else None,
            "versioning": _subset(versioning, "Status", "MFADelete"),
            "lifecycle_rules": (lifecycle or {}).get("Rules") or [],
            "encryption_rules": rules,
        }
        arn = f"arn:aws:s3:::{name}"
        out.found.append(Found("s3", T_BUCKET, name, name, where, arn, detail))
        if policy:
            out.found.append(Found("s3", T_BUCKET_POLICY, name, f"{name}-policy", where))
        if versioning.get("Status") in ("Enabled", "Suspended"):
            out.found.append(Found("s3", T_BUCKET_VERSIONING, name, f"{name}-versioning", where))
        if lifecycle and lifecycle.get("Rules"):
            out.found.append(Found("s3", T_BUCKET_LIFECYCLE, name, f"{name}-lifecycle", where))
        if rules and not default_encryption:  # every bucket has SSE-S3 by default: only a changed one is config
            out.found.append(Found("s3", T_BUCKET_ENCRYPTION, name, f"{name}-encryption", where))
    return out


def collect_iam(ctx: Ctx, region: str) -> Collected:
    """Roles with their inline policies and attachments, and customer-managed policies."""
    out = Collected()
    iam = ctx.client("iam", region)
    for role in ctx.items(iam, "ListRoles", MaxItems=1000):
        name, path = role["RoleName"], role.get("Path", "/")
        if path.startswith("/aws-service-role/"):
            out.skip("service-linked role (made by an AWS service)")
            continue
        if path.startswith("/aws-reserved/"):
            out.skip("IAM Identity Center role (made by AWS SSO)")
            continue
        try:
            inline = list(ctx.items(iam, "ListRolePolicies", RoleName=name, MaxItems=1000))
            attached = list(ctx.items(iam, "ListAttachedRolePolicies", RoleName=name, MaxItems=1000))
        except Gone:
            out.skip("deleted during the capture")
            continue
        detail = {
            **_subset(role, "Path", "Description", "MaxSessionDuration", "AssumeRolePolicyDocument"),
            "inline_policies": inline,
            "attached_policies": [a["PolicyArn"] for a in attached],
        }
        out.found.append(Found("iam", T_ROLE, name, name, None, role.get("Arn"), detail))
        out.found.extend(Found("iam", T_ROLE_POLICY, f"{name}:{p}", f"{name}-{p}", None) for p in inline)
        out.found.extend(
            Found("iam", T_ROLE_ATTACHMENT, f"{name}/{a['PolicyArn']}", f"{name}-{a['PolicyName']}", None)
            for a in attached
        )
    for policy in ctx.items(iam, "ListPolicies", Scope="Local", MaxItems=1000):
        detail = _subset(policy, "Path", "Description", "DefaultVersionId", "AttachmentCount")
        out.found.append(Found("iam", T_POLICY, policy["Arn"], policy["PolicyName"], None, policy["Arn"], detail))
    return out


def collect_lambda(ctx: Ctx, region: str) -> Collected:
    """Functions, from the listing alone (environment variable names only: values may be secrets)."""
    out = Collected()
    for fn in ctx.items(ctx.client("lambda", region), "ListFunctions", MaxItems=50):
        detail = _subset(
            fn, "Runtime", "Handler", "Role", "MemorySize", "Timeout", "PackageType", "Architectures", "KMSKeyArn"
        )
        detail["environment_names"] = sorted(((fn.get("Environment") or {}).get("Variables") or {}).keys())
        name = fn["FunctionName"]
        out.found.append(Found("lambda", T_FUNCTION, name, name, region, fn.get("FunctionArn"), detail))
    return out


def collect_kms(ctx: Ctx, region: str) -> Collected:
    """Customer-managed keys (DescribeKey each) and their aliases."""
    out = Collected()
    kms = ctx.client("kms", region)
    aliases = list(ctx.items(kms, "ListAliases", Limit=100))
    names: dict[str, str] = {}
    for alias in aliases:
        if alias.get("TargetKeyId") and not alias["AliasName"].startswith("alias/aws/"):
            names.setdefault(alias["TargetKeyId"], alias["AliasName"].removeprefix("alias/"))
    keys: set[str] = set()
    for key in ctx.items(kms, "ListKeys", Limit=1000):
        try:
            meta = ctx.call(kms, "DescribeKey", KeyId=key["KeyId"])["KeyMetadata"]
        except Gone:
            out.skip("deleted during the capture")
            continue
        if meta.get("KeyManager") == "AWS":
            out.skip("AWS-managed key")
            continue
        if meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            out.skip("key pending deletion")
            continue
        key_id = meta["KeyId"]
        keys.add(key_id)
        detail = _subset(meta, "Description", "KeyUsage", "KeySpec", "MultiRegion", "Enabled", "Origin")
        label = f"{names[key_id]}-key" if key_id in names else f"key-{key_id[:8]}"
        out.found.append(Found("kms", T_KEY, key_id, label, region, meta.get("Arn"), detail))
    for alias in aliases:
        name = alias["AliasName"]
        if name.startswith("alias/aws/"):
            out.skip("AWS-managed alias (alias/aws/*)")
        elif alias.get("TargetKeyId") not in keys:
            out.skip("alias of a key not captured")
        else:
            detail = {"target_key_id": alias["TargetKeyId"]}
            out.found.append(
                Found("kms", T_ALIAS, name, name.removeprefix("alias/"), region, alias.get("AliasArn"), detail)
            )
    return out


def collect_sns(ctx: Ctx, region: str) -> Collected:
    out = Collected()
    sns = ctx.client("sns", region)
    for topic in ctx.items(sns, "ListTopics"):
        arn = topic["TopicArn"]
        try:
            attributes = ctx.call(sns, "GetTopicAttributes", TopicArn=arn)["Attributes"]
        except Gone:
            out.skip("deleted during the capture")
            continue
        detail = _subset(attributes, "DisplayName", "KmsMasterKeyId", "FifoTopic", "Policy")
        out.found.append(Found("sns", T_TOPIC, arn, arn.rsplit(":", 1)[-1], region, arn, detail))
    return out


def collect_sqs(ctx: Ctx, region: str) -> Collected:
    out = Collected()
    sqs = ctx.client("sqs", region)
    for url in ctx.items(sqs, "ListQueues", MaxResults=1000):
        try:
            attributes = ctx.call(sqs, "GetQueueAttributes", QueueUrl=url, AttributeNames=["All"])["Attributes"]
        except Gone:
            out.skip("deleted during the capture")
            continue
        detail = {k: v for k, v in attributes.items() if not k.startswith("Approximate")}
        out.found.append(
            Found("sqs", T_QUEUE, url, url.rstrip("/").rsplit("/", 1)[-1], region, attributes.get("QueueArn"), detail)
        )
    return out


def collect_dynamodb(ctx: Ctx, region: str) -> Collected:
    out = Collected()
    ddb = ctx.client("dynamodb", region)
    for name in ctx.items(ddb, "ListTables", Limit=100):
        try:
            table = ctx.call(ddb, "DescribeTable", TableName=name)["Table"]
        except Gone:
            out.skip("deleted during the capture")
            continue
        if table.get("TableStatus") == "DELETING":
            out.skip("table being deleted")
            continue
        detail = _subset(table, "KeySchema", "AttributeDefinitions", "BillingModeSummary", "StreamSpecification")
        out.found.append(Found("dynamodb", T_TABLE, name, name, region, table.get("TableArn"), detail))
    return out


def collect_rds(ctx: Ctx, region: str) -> Collected:
    out = Collected()
    rds = ctx.client("rds", region)
    for db in ctx.items(rds, "DescribeDBInstances", MaxRecords=100):
        if str(db.get("Engine", "")).startswith(OTHER_ENGINES):
            out.skip("DocumentDB or Neptune instance (another service)")
            continue
        name = db["DBInstanceIdentifier"]
        kind = T_DB_CLUSTER_INSTANCE if db.get("DBClusterIdentifier") else T_DB_INSTANCE
        detail = _subset(
            db, "Engine", "EngineVersion", "DBInstanceClass", "MultiAZ", "AllocatedStorage", "DBClusterIdentifier"
        )
        out.found.append(Found("rds", kind, name, name, region, db.get("DBInstanceArn"), detail))
    for cluster in ctx.items(rds, "DescribeDBClusters", MaxRecords=100):
        if str(cluster.get("Engine", "")).startswith(OTHER_ENGINES):
            out.skip("DocumentDB or Neptune cluster (another service)")
            continue
        name = cluster["DBClusterIdentifier"]
        detail = _subset(cluster, "Engine", "EngineVersion", "EngineMode", "StorageEncrypted")
        detail["members"] = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers") or ()]
        out.found.append(Found("rds", T_DB_CLUSTER, name, name, region, cluster.get("DBClusterArn"), detail))
    return out


def collect_ec2(ctx: Ctx, region: str) -> Collected:
    """Security groups, except each VPC's default group (made with the VPC)."""
    out = Collected()
    for group in ctx.items(ctx.client("ec2", region), "DescribeSecurityGroups", MaxResults=1000):
        if group.get("GroupName") == "default":
            out.skip("default security group of a VPC")
            continue
        detail = {
            **_subset(group, "GroupName", "Description", "VpcId"),
            "ingress_rules": len(group.get("IpPermissions") or ()),
            "egress_rules": len(group.get("IpPermissionsEgress") or ()),
        }
        out.found.append(
            Found(
                "ec2",
                T_SECURITY_GROUP,
                group["GroupId"],
                group.get("GroupName") or group["GroupId"],
                region,
                group.get("SecurityGroupArn"),
                detail,
            )
        )
    return out


def collect_route53(ctx: Ctx, region: str) -> Collected:
    """Hosted zones and their records, except the apex SOA/NS and zones another service made."""
    out = Collected()
    r53 = ctx.client("route53", region)
    for zone in ctx.items(r53, "ListHostedZones", MaxItems="100"):
        zone_id, zone_name = zone["Id"].rsplit("/", 1)[-1], route53_name(zone["Name"])
        if zone.get("LinkedService"):
            out.skip("zone made by another AWS service")
            continue
        config = zone.get("Config") or {}
        detail = {"name": zone_name, "private": bool(config.get("PrivateZone")), "comment": config.get("Comment")}
        arn = f"arn:aws:route53:::hostedzone/{zone_id}"
        out.found.append(Found("route53", T_ZONE, zone_id, zone_name, None, arn, detail))
        try:
            records = list(ctx.items(r53, "ListResourceRecordSets", HostedZoneId=zone_id, MaxItems="300"))
        except Gone:
            out.skip("deleted during the capture")
            continue
        for record in records:
            name, kind, set_id = route53_name(record["Name"]), record["Type"], record.get("SetIdentifier")
            if kind in ("SOA", "NS") and name == zone_name:
                out.skip("zone apex SOA/NS record (made with the zone)")
                continue
            detail = _subset(
                record, "TTL", "ResourceRecords", "AliasTarget", "Failover", "Weight", "Region", "HealthCheckId"
            )
            label = f"{name}-{kind}" + (f"-{set_id}" if set_id else "")
            out.found.append(
                Found("route53", T_RECORD, record_id(zone_id, name, kind, set_id), label, None, None, detail)
            )
    return out


def collect_ssm(ctx: Ctx, region: str) -> Collected:
    """Parameter names and metadata from DescribeParameters: no GetParameter, so no value is ever read."""
    out = Collected()
    for p in ctx.items(ctx.client("ssm", region), "DescribeParameters", MaxResults=50):
        detail = _subset(p, "Type", "Tier", "DataType", "KeyId", "Version", "Description", "LastModifiedDate")
        out.found.append(
            Found("ssm", T_PARAMETER, p["Name"], p["Name"], region, p.get("ARN"), detail, PARAMETER_PROPERTIES)
        )
    return out


COLLECTORS: dict[str, Callable[[Ctx, str], Collected]] = {
    "s3": collect_s3,
    "iam": collect_iam,
    "lambda": collect_lambda,
    "kms": collect_kms,
    "sns": collect_sns,
    "sqs": collect_sqs,
    "dynamodb": collect_dynamodb,
    "rds": collect_rds,
    "ec2": collect_ec2,
    "route53": collect_route53,
    "ssm": collect_ssm,
}


# --- managed or not: the stacks' newest exports ----------------------------------------------------------


def normalize_type(token: str) -> str:
    """pulumi-aws v6 names of S3 resources (``BucketV2``, ``BucketVersioningV2``...) as their v7 names."""
    return re.sub(r"^aws:s3/(\w+?)V2:(\w+?)V2$", r"aws:s3/\1:\2", token)


def normalize_id(token: str, ident: str) -> str:
    if token.startswith("aws:s3/bucket") and token != T_BUCKET:
        return ident.split(",", 1)[0]  # S3 side resources may be "<bucket>,<expected owner>"
    if token == T_RECORD:
        return ident.lower()
    return ident


@dataclass(frozen=True)
class ProviderRef:
    """An explicit aws provider of a stack, as its export records it."""

    stack: str
    name: str
    urn: str
    region: str | None
    accounts: tuple[str, ...]


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class Managed:
    """What the stacks manage, keyed by (type, id) and by ARN, and the explicit providers they hold."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], str] = {}
        self.arns: dict[str, str] = {}
        self.providers: list[ProviderRef] = []

    def _add(self, stack: str, token: str, ident: Any) -> None:
        if isinstance(ident, str) and ident:
            self.keys.setdefault((token, normalize_id(token, ident)), stack)

    def add_export(self, stack: str, document: Mapping[str, Any]) -> None:
        for resource in (document.get("deployment") or {}).get("resources") or ():
            token = normalize_type(str(resource.get("type", "")))
            inputs, outputs = resource.get("inputs") or {}, resource.get("outputs") or {}
            if token.startswith("pulumi:providers:aws"):
                props = {**inputs, **outputs}
                accounts = _maybe_json(props.get("allowedAccountIds")) or []
                self.providers.append(
                    ProviderRef(
                        stack,
                        str(resource["urn"]).rsplit("::", 1)[-1],
                        str(resource["urn"]),
                        props.get("region") or None,
                        tuple(str(a) for a in accounts) if isinstance(accounts, list) else (),
                    )
                )
                continue
            if not token.startswith("aws:"):
                continue
            self._add(stack, token, resource.get("id"))
            if isinstance(outputs.get("arn"), str):
                self.arns.setdefault(outputs["arn"], stack)
            if token == T_QUEUE:
                self._add(stack, token, outputs.get("url"))
            elif token == T_ROLE_ATTACHMENT and outputs.get("role") and outputs.get("policyArn"):
                self._add(stack, token, f"{outputs['role']}/{outputs['policyArn']}")
            elif token == T_ROLE_POLICY and outputs.get("role") and outputs.get("name"):
                self._add(stack, token, f"{outputs['role']}:{outputs['name']}")
            elif token == T_RECORD and outputs.get("zoneId") and outputs.get("type"):
                name = outputs.get("fqdn") or outputs.get("name") or ""
                self._add(
                    stack, token, record_id(outputs["zoneId"], name, outputs["type"], outputs.get("setIdentifier"))
                )
            elif token == T_BUCKET:
                bucket = outputs.get("bucket") or resource.get("id")
                for prop, side in BUCKET_INLINE.items():
                    if inputs.get(prop):
                        self._add(stack, side, bucket)
            elif token == T_ROLE:
                role = outputs.get("name") or resource.get("id")
                for policy in _maybe_json(inputs.get("inlinePolicies")) or ():
                    if isinstance(policy, Mapping) and policy.get("name"):
                        self._add(stack, T_ROLE_POLICY, f"{role}:{policy['name']}")
                for arn in _maybe_json(inputs.get("managedPolicyArns")) or ():
                    self._add(stack, T_ROLE_ATTACHMENT, f"{role}/{arn}")

    def stack_of(self, found: Found) -> str | None:
        stack = self.keys.get((found.type, normalize_id(found.type, found.id)))
        if stack is None and found.arn:
            stack = self.arns.get(found.arn)
        return stack

    def provider_for(self, account: str, stacks: Sequence[str]) -> list[ProviderRef]:
        """The providers pinned to ``account`` of the first stack (in ``stacks`` order) that has any."""
        for stack in stacks:
            mine = [p for p in self.providers if p.stack == stack and account in p.accounts]
            if mine:
                return mine
        return []


def load_managed(store: Store, stacks: Sequence[str]) -> tuple[Managed, dict[str, str]]:
    """The stacks' newest valid archived exports (ArchiveError when a stack has none)."""
    managed, keys = Managed(), {}
    arch = archive.Archive(store.s3, store.bucket, sleep=store.sleep)
    for stack in stacks:
        try:
            key, data = arch.newest_valid(stack)
        except archive.ArchiveError as exc:
            raise CaptureError(
                f"{exc}; without it nothing can be told managed from unmanaged (archive the stack first, "
                "or name only archived stacks with --stacks)"
            ) from None
        managed.add_export(stack, json.loads(data))
        keys[stack] = key
    return managed, keys


# --- the import file -------------------------------------------------------------------------------------


def choose_provider(providers: Sequence[ProviderRef], region: str | None) -> ProviderRef | None:
    """The provider in the resource's region if there is one, else the first (IDs then get ``@<region>``)."""
    if not providers:
        return None
    return next((p for p in providers if region and p.region == region), providers[0])


def import_id(found: Found, base_region: str | None) -> str:
    """A resource outside its provider's region is imported as ``<id>@<region>`` (pulumi-aws v7)."""
    if found.region and base_region and found.region != base_region:
        return f"{found.id}@{found.region}"
    return found.id


def import_document(found: Sequence[Found], providers: Sequence[ProviderRef], fallback_region: str) -> dict[str, Any]:
    """The ``pulumi import --file`` document of ``found``: ``{"nameTable": {...}, "resources": [...]}``.

    Each resource names its provider through ``nameTable`` (the provider's URN in the stack that holds it), so
    ``pulumi import --file`` into that stack uses the stack's own explicit provider (default providers are
    disabled in every stack). Names are unique per type and never equal to a provider's name.
    """
    reserved = {p.name for p in providers}
    taken: set[tuple[str, str]] = set()
    name_table: dict[str, str] = {}
    resources: list[dict[str, Any]] = []
    for item in sorted(found, key=lambda f: (f.type, f.region or "", f.id)):
        provider = choose_provider(providers, item.region)
        base = provider.region if provider and provider.region else fallback_region
        name, n = slug(item.name), 2
        if name in reserved or (item.type, name) in taken:
            name = f"{name}-{item.region}" if item.region else f"{name}-2"
        while name in reserved or (item.type, name) in taken:
            name, n = f"{slug(item.name)}-{n}", n + 1
        taken.add((item.type, name))
        entry: dict[str, Any] = {"type": item.type, "name": name, "id": import_id(item, base)}
        if provider:
            entry["provider"] = provider.name
            name_table[provider.name] = provider.urn
        if item.properties:
            entry["properties"] = list(item.properties)
        resources.append(entry)
    return {"nameTable": name_table, "resources": resources} if name_table else {"resources": resources}


# --- storage ---------------------------------------------------------------------------------------------


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
            f"--at {text!r}: not a time; expected 20261123T020000Z, 2026-11-23T02:00:00Z or 2026-11-23"
        ) from None
    if len(value) == 10:  # a date means the end of that day
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Store:
    """The archive bucket: new keys only (``If-None-Match: *``), each with its SHA-256, as :mod:`archive` does."""

    def __init__(self, s3: Any, bucket: str, sleep: Callable[[float], None] | None = None) -> None:
        self.s3, self.bucket, self.sleep = s3, bucket, sleep

    def _call(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        return archive.call_on_bucket(fn, self.bucket, CaptureError, self.sleep, **kwargs)

    def put(self, key: str, data: bytes, content_type: str = "application/json") -> str:
        digest = hashlib.sha256(data)
        try:
            self._call(
                self.s3.put_object,
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                IfNoneMatch="*",
                Metadata={"sha256": digest.hexdigest()},
            )
        except Exception as exc:
            if retry.error_code(exc) in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise CaptureError(
                    f"s3://{self.bucket}/{key} already exists; captures are never overwritten "
                    "(run again in a second for a new timestamp)"
                ) from None
            raise
        return digest.hexdigest()

    def put_json(self, key: str, document: Any) -> str:
        return self.put(key, json.dumps(document, indent=2, sort_keys=True, default=str).encode())

    def get_json(self, key: str) -> Any:
        return json.loads(self._call(self.s3.get_object, Bucket=self.bucket, Key=key)["Body"].read())

    def listing(self, prefix: str, delimiter: str | None = None) -> tuple[list[str], list[str]]:
        """(keys, common prefixes) under ``prefix``, all pages."""
        keys: list[str] = []
        prefixes: list[str] = []
        token = None
        while True:
            page = self._call(
                self.s3.list_objects_v2,
                Bucket=self.bucket,
                Prefix=prefix,
                **({"Delimiter": delimiter} if delimiter else {}),
                **({"ContinuationToken": token} if token else {}),
            )
            keys.extend(o["Key"] for o in page.get("Contents") or ())
            prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes") or ())
            token = page.get("NextContinuationToken")
            if not token:
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


# --- a run -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    regions: tuple[str, ...]
    services: tuple[str, ...] = SERVICES
    stacks: tuple[str, ...] = ("prod", "dr")
    rate: float | None = DEFAULT_RATE
    jitter: float = DEFAULT_JITTER
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    max_drop_percent: float = DEFAULT_MAX_DROP_PERCENT
    allow_drop: bool = False
    attempts: int = retry.ATTEMPTS

    def check(self) -> None:
        if not self.regions:
            raise CaptureError("--regions: give at least one region, e.g. --regions eu-west-1")
        for region in self.regions:
            if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
                raise CaptureError(f"--regions: {region!r} is not a region name like eu-west-1")
        unknown = [s for s in self.services if s not in COLLECTORS]
        if unknown or not self.services:
            raise CaptureError(
                f"--services: unknown {', '.join(unknown) or '(none)'}; choose from {' '.join(SERVICES)}"
            )
        if self.rate is not None and self.rate <= 0:
            raise CaptureError(f"--rate {self.rate}: expected calls per second above 0 (or 0 for no pacing)")
        if not 0 <= self.jitter < 1:
            raise CaptureError(f"--jitter {self.jitter}: expected a fraction from 0 up to (not including) 1")
        if self.budget_seconds <= 0:
            raise CaptureError(f"--budget-seconds {self.budget_seconds}: expected a positive number of seconds")
        if not 0 <= self.max_drop_percent <= 100:
            raise CaptureError(f"--max-drop-percent {self.max_drop_percent}: expected 0 to 100")
        if not self.stacks:
            raise CaptureError("--stacks: name at least one stack whose exports are in the archive")
        if self.attempts < 1:
            raise CaptureError(f"attempts {self.attempts}: expected at least 1")


@dataclass
class ServiceResult:
    service: str
    status: str  # complete | failed | dropped
    resources: int = 0
    managed: int = 0
    unmanaged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    previous: int | None = None
    previous_timestamp: str | None = None
    drop_percent: float | None = None
    calls: int = 0
    throttled: int = 0
    seconds: float = 0.0
    error: str | None = None
    prefix: str | None = None
    import_key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class AccountRun:
    account: str
    timestamp: str
    services: list[ServiceResult]
    reasons: list[str]
    run_key: str
    codegen: list[dict[str, str]] = field(default_factory=list)  # per service with unmanaged resources

    @property
    def complete(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Target:
    """One account to capture: a session into it (and the role assumed for it, which CI reuses for codegen)."""

    session: Any
    role_arn: str | None = None
    account: str | None = None


def assume_role_session(base: Any, role_arn: str, region: str, seconds: int = 3600) -> Any:
    """A session in another account through ``sts:AssumeRole`` (the read-only capture role)."""
    import boto3

    creds = retry.call(
        aws.client(base, "sts", region).assume_role,
        RoleArn=role_arn,
        RoleSessionName="failsafe-capture",
        DurationSeconds=seconds,
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _error(exc: BaseException) -> str:
    return f"{retry.error_code(exc) or type(exc).__name__}: {exc}"


def _collect(
    ctx: Ctx, service: str, regions: Sequence[str], budget: Budget, clock: Callable[[], float]
) -> tuple[Collected, ServiceResult]:
    """One service in every region it is listed in; any error (after retries) marks it failed."""
    pacer = ctx.pacer
    calls, throttled, start = pacer.calls, pacer.throttled, clock()
    collected = Collected()
    error: str | None = None
    try:
        budget.check()
        for region in regions:
            part = COLLECTORS[service](ctx, region)
            collected.found.extend(part.found)
            collected.skipped.update(part.skipped)
    except BudgetExceeded as exc:
        error = f"not finished: {exc}" if pacer.calls > calls else f"not reached: {exc}"
    except retry.ThrottledError as exc:
        error = f"throttled: {exc}"
    except Exception as exc:
        error = _error(exc)
    return collected, ServiceResult(
        service,
        "failed" if error else "complete",
        resources=len(collected.found),
        skipped=dict(collected.skipped),
        calls=pacer.calls - calls,
        throttled=pacer.throttled - throttled,
        seconds=round(clock() - start, 3),
        error=error,
    )


def _judge(result: ServiceResult, previous: tuple[int, str] | None, settings: Settings) -> None:
    """A complete service whose count fell more than the limit below its previous complete capture: dropped."""
    if previous:
        result.previous, result.previous_timestamp = previous
    if result.status != "complete" or not result.previous:
        return
    result.drop_percent = round((result.previous - result.resources) * 100 / result.previous, 1)
    if result.drop_percent > settings.max_drop_percent and not settings.allow_drop:
        result.status = "dropped"
        result.error = (
            f"{result.resources} resources, {result.drop_percent:g}% fewer than the {result.previous} of "
            f"capture {result.previous_timestamp} (limit {settings.max_drop_percent:g}%): missing "
            "permissions or a real deletion? If the estate really shrank, run again with --allow-drop"
        )


def _store(
    store: Store,
    result: ServiceResult,
    collected: Collected,
    owners: Sequence[str | None],
    providers: Sequence[ProviderRef],
    context: Mapping[str, Any],
) -> list[Found]:
    """inventory.json, import.json (if anything is unmanaged) and manifest.json, in that order; the unmanaged."""
    prefix = result.prefix
    unmanaged = [f for f, owner in zip(collected.found, owners, strict=True) if owner is None]
    result.managed, result.unmanaged = len(collected.found) - len(unmanaged), len(unmanaged)
    resources = [
        {"type": f.type, "id": f.id, "name": f.name, "region": f.region, "arn": f.arn, "managed_by": owner}
        | {"detail": dict(f.detail)}
        for f, owner in zip(collected.found, owners, strict=True)
    ]
    inventory = {**context, "service": result.service, "resources": resources, "skipped": result.skipped}
    store.put_json(f"{prefix}inventory.json", inventory)
    if unmanaged:
        result.import_key = f"{prefix}import.json"
        store.put_json(result.import_key, import_document(unmanaged, providers, context["regions"][0]))
    store.put_json(
        f"{prefix}manifest.json",
        {**result.as_dict(), **context, "providers": {p.name: p.urn for p in providers}},
    )
    return unmanaged


def capture_account(
    target: Target,
    settings: Settings,
    store: Store,
    managed: Managed,
    now: datetime,
    pacer: Pacer,
    budget: Budget,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[str], None] = _stderr,
    out_dir: Path | None = None,
) -> AccountRun:
    """Capture, judge and store every service of one account, then its run record."""
    home = settings.regions[0]
    account = target.account or retry.call(aws.client(target.session, "sts", home).get_caller_identity)["Account"]
    stamp = stamp_of(now)
    ctx = Ctx(target.session, pacer, home)
    providers = managed.provider_for(account, settings.stacks)
    import_stack = providers[0].stack if providers else None
    baseline = store.baseline(account)
    results: list[ServiceResult] = []
    codegen: list[dict[str, str]] = []
    progress(
        f"capture {account}: {len(settings.services)} services in {' '.join(settings.regions)}, "
        f"{'unpaced' if not settings.rate else f'{settings.rate:g} calls/s'}, budget {settings.budget_seconds:g}s"
        + ("" if providers else "; WARNING: no stack provider is pinned to this account (import files use none)")
    )
    for service in settings.services:
        regions = [home] if service in GLOBAL_SERVICES else list(settings.regions)
        collected, result = _collect(ctx, service, regions, budget, clock)
        _judge(result, baseline.get(service), settings)
        result.prefix = f"{PREFIX}/{account}/{service}/{stamp}/"
        context = {
            "account": account,
            "timestamp": stamp,
            "regions": regions,
            "import_stack": import_stack,
            "max_drop_percent": settings.max_drop_percent,
        }
        owners = [managed.stack_of(f) for f in collected.found]
        unmanaged = _store(store, result, collected, owners, providers, context)
        results.append(result)
        if unmanaged and service not in NO_CODEGEN:
            entry = {"account": account, "service": service, "prefix": result.prefix, "region": home}
            entry |= {"role_arn": target.role_arn or "", "spec": ""}
            if out_dir is not None:
                folder = out_dir / account / service
                folder.mkdir(parents=True, exist_ok=True)
                # For CI's scratch stack: no provider references, IDs relative to its one region.
                spec = folder / "codegen.json"
                spec.write_text(json.dumps(import_document(unmanaged, (), home), indent=2) + "\n", encoding="utf-8")
                entry["spec"] = str(spec)
            codegen.append(entry)
        if result.status == "complete":
            progress(
                f"capture {account} {service}: {result.resources} resources ({result.unmanaged} unmanaged, "
                f"{sum(result.skipped.values())} AWS-made skipped), {result.calls} calls, "
                f"{result.throttled} throttled, {result.seconds:.1f}s"
            )
        else:
            progress(f"capture {account} {service}: {result.status.upper()} after {result.calls} calls: {result.error}")
    reasons = [f"{r.service}: {r.status}: {r.error}" for r in results if r.status != "complete"]
    run_key = f"{PREFIX}/{account}/runs/{stamp}.json"
    store.put_json(
        run_key,
        {
            "account": account,
            "timestamp": stamp,
            "status": "incomplete" if reasons else "complete",
            "reasons": reasons,
            "regions": list(settings.regions),
            "stacks": list(settings.stacks),
            "import_stack": import_stack,
            "rate": settings.rate,
            "jitter": settings.jitter,
            "budget_seconds": settings.budget_seconds,
            "max_drop_percent": settings.max_drop_percent,
            "calls": sum(r.calls for r in results),
            "throttled": sum(r.throttled for r in results),
            "services": {r.service: r.as_dict() for r in results},
        },
    )
    progress(
        f"capture {account}: {'INCOMPLETE' if reasons else 'complete'}: "
        f"{sum(r.unmanaged for r in results)} unmanaged of {sum(r.resources for r in results)} resources; {run_key}"
    )
    return AccountRun(account, stamp, results, reasons, run_key, codegen)


def notify(sns: Any, topic_arn: str, bucket: str, runs: Sequence[AccountRun]) -> None:
    """One message on the topic naming every incomplete account and why."""
    incomplete = [r for r in runs if not r.complete]
    accounts = ", ".join(r.account for r in incomplete)
    lines = [f"failsafe configuration capture is INCOMPLETE for {accounts}.", ""]
    for r in incomplete:
        lines += [f"{r.account} (s3://{bucket}/{r.run_key}):", *(f"  - {reason}" for reason in r.reasons), ""]
    lines.append("Recorded as incomplete; the newest complete capture stays the restore point (failsafe-dr verify).")
    retry.call(
        sns.publish,
        TopicArn=topic_arn,
        Subject=f"failsafe capture incomplete: {accounts}"[:100],
        Message="\n".join(lines),
    )


def run(
    targets: Sequence[Target],
    store: Store,
    settings: Settings,
    *,
    sns: Any | None = None,
    topic_arn: str | None = None,
    now: datetime | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    uniform: Callable[[float, float], float] = random.uniform,
    progress: Callable[[str], None] = _stderr,
    out_dir: Path | None = None,
) -> list[AccountRun]:
    """Capture every target account; store everything; notify the topic if any account's run is incomplete."""
    settings.check()
    if topic_arn and sns is None:
        raise CaptureError("--topic-arn given without an SNS client")
    managed, export_keys = load_managed(store, settings.stacks)
    progress("capture: managed resources from " + ", ".join(f"s3://{store.bucket}/{k}" for k in export_keys.values()))
    budget = Budget(settings.budget_seconds, clock)
    moment = now or datetime.now(UTC)
    runs: list[AccountRun] = []
    for target in targets:
        pacer = Pacer(
            settings.rate,
            settings.jitter,
            clock=clock,
            sleep=sleep,
            uniform=uniform,
            budget=budget,
            attempts=settings.attempts,
        )
        runs.append(capture_account(target, settings, store, managed, moment, pacer, budget, clock, progress, out_dir))
    if out_dir is not None:
        lines = [
            "\t".join([c["account"], c["service"], c["prefix"], c["region"], c["role_arn"], c["spec"]])
            for r in runs
            for c in r.codegen
        ]
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "codegen.tsv").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    if topic_arn and any(not r.complete for r in runs):
        notify(sns, topic_arn, store.bucket, runs)
    return runs


# --- reading captures back -------------------------------------------------------------------------------


def show(store: Store, service: str, account: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Where the newest complete capture of ``service`` (at or before ``at``) and its generated code are."""
    if service not in COLLECTORS:
        raise CaptureError(f"service {service!r}: choose from {' '.join(SERVICES)}")
    accounts = store.accounts()
    if account is None:
        if len(accounts) != 1:
            listed = ", ".join(accounts) or "none"
            raise CaptureError(f"captures exist for accounts {listed}: pass --account")
        account = accounts[0]
    _, prefixes = store.listing(f"{PREFIX}/{account}/{service}/", "/")
    stamps = sorted((p.rstrip("/").rsplit("/", 1)[-1] for p in prefixes), reverse=True)
    skipped: list[str] = []
    for stamp in stamps:
        if not STAMP.match(stamp) or (at and datetime.strptime(stamp, KEY_TIME).replace(tzinfo=UTC) > at):
            continue
        prefix = f"{PREFIX}/{account}/{service}/{stamp}/"
        keys, _ = store.listing(prefix)
        if f"{prefix}manifest.json" not in keys:
            skipped.append(f"{stamp} (no manifest: the run did not finish)")
            continue
        manifest = store.get_json(f"{prefix}manifest.json")
        if manifest.get("status") != "complete":
            skipped.append(f"{stamp} ({manifest.get('status')}: {manifest.get('error')})")
            continue
        url = f"s3://{store.bucket}/"
        return {
            "account": account,
            "service": service,
            "timestamp": stamp,
            "prefix": f"{url}{prefix}",
            "inventory": f"{url}{prefix}inventory.json",
            "import_file": f"{url}{prefix}import.json" if f"{prefix}import.json" in keys else None,
            "code": [f"{url}{k}" for k in keys if k.endswith(".py")],
            "import_stack": manifest.get("import_stack"),
            "resources": manifest.get("resources"),
            "unmanaged": manifest.get("unmanaged"),
            "skipped_incomplete": skipped,
        }
    when = f" at or before {stamp_of(at)}" if at else ""
    tried = f"; incomplete ones skipped: {'; '.join(skipped)}" if skipped else ""
    raise CaptureError(f"no complete capture of {service} in account {account}{when}{tried}")


def attach(store: Store, prefix: str, files: Sequence[Path]) -> list[str]:
    """Store generated code next to its capture (the prefix must hold a manifest; new keys only)."""
    if not CAPTURE_PREFIX.match(prefix):
        raise CaptureError(f"--prefix {prefix!r}: expected capture/<account>/<service>/<timestamp>/")
    keys, _ = store.listing(prefix)
    if f"{prefix}manifest.json" not in keys:
        raise CaptureError(f"--prefix {prefix}: no manifest.json there; attach code to an existing capture only")
    stored = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CaptureError(f"{path}: {exc.strerror}") from None
        key = f"{prefix}{path.name}"
        store.put(key, data, "text/x-python" if path.suffix == ".py" else "application/octet-stream")
        stored.append(key)
    return stored


@dataclass(frozen=True)
class Summary:
    """An account's newest run and newest complete run, for ``verify``."""

    account: str
    newest_key: str | None
    newest_status: str | None
    complete_key: str | None
    complete: Mapping[str, Any] | None


def summaries(store: Store, scan: int = BASELINE_RUNS) -> list[Summary]:
    out: list[Summary] = []
    for account in store.accounts():
        newest_key = newest_status = complete_key = None
        complete = None
        for key, record in store.runs(account, scan):
            if newest_key is None:
                newest_key, newest_status = key, record.get("status")
            if record.get("status") == "complete":
                complete_key, complete = key, record
                break
        out.append(Summary(account, newest_key, newest_status, complete_key, complete))
    return out


def run_time(key: str) -> datetime:
    match = RUN_KEY.match(key)
    if not match:
        raise ValueError(f"not a capture run key: {key}")
    return datetime.strptime(match.group("time"), KEY_TIME).replace(tzinfo=UTC)
