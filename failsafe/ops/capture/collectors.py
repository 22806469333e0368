"""The collectors: one per service, read-only calls only, each listing what it finds in one region.

A collector knows what AWS made and nobody needs to rebuild (service-linked and IAM Identity Center roles,
AWS-managed keys and their aliases, default security groups, a zone's apex SOA/NS records, zones another service
made), and skips it with a reason that the inventory counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from botocore import xform_name

from failsafe.ops import aws
from failsafe.ops.capture.model import (
    GONE,
    OTHER_ENGINES,
    PARAMETER_PROPERTIES,
    T_ALIAS,
    T_BUCKET,
    T_BUCKET_ENCRYPTION,
    T_BUCKET_LIFECYCLE,
    T_BUCKET_POLICY,
    T_BUCKET_VERSIONING,
    T_DB_CLUSTER,
    T_DB_CLUSTER_INSTANCE,
    T_DB_INSTANCE,
    T_FUNCTION,
    T_KEY,
    T_PARAMETER,
    T_POLICY,
    T_QUEUE,
    T_RECORD,
    T_ROLE,
    T_ROLE_ATTACHMENT,
    T_ROLE_POLICY,
    T_SECURITY_GROUP,
    T_TABLE,
    T_TOPIC,
    T_ZONE,
    Collected,
    Found,
    Gone,
    record_id,
    route53_name,
)
from failsafe.ops.capture.pacing import Pacer
from failsafe.ops.errors import error_code


def _subset(source: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: source[k] for k in keys if source.get(k) not in (None, "", [], {})}


class Ctx:
    """One account's clients, every attempt paced by one pacer, each client with ``attempts`` tries per call."""

    def __init__(self, session: Any, pacer: Pacer, home_region: str, attempts: int = aws.ATTEMPTS) -> None:
        self.session, self.pacer, self.home_region, self.attempts = session, pacer, home_region, attempts
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.home_region)
        if key not in self._clients:
            made = aws.client(self.session, service, key[1], attempts=self.attempts)
            self._clients[key] = self.pacer.attach(made)
        return self._clients[key]

    def call(self, client: Any, operation: str, **params: Any) -> Any:
        try:
            return getattr(client, xform_name(operation))(**params)
        except Exception as exc:
            if error_code(exc) in GONE:
                raise Gone(f"{operation}: {error_code(exc)}") from exc
            raise

    def optional(self, client: Any, operation: str, absent: Iterable[str], **params: Any) -> Any | None:
        """The call's response, or None when AWS answers with one of the ``absent`` codes (nothing configured)."""
        try:
            return self.call(client, operation, **params)
        except Exception as exc:
            if error_code(exc) in set(absent):
                return None
            raise

    def items(self, client: Any, operation: str, **params: Any) -> Iterator[Any]:
        """Every item of a listing, through botocore's paginator (each page a call with botocore's retries)."""
        try:
            listing = aws.pages(client, xform_name(operation), **params)
            for page in listing:
                for key in listing.result_keys:
                    yield from key.search(page) or ()
        except Exception as exc:
            if error_code(exc) in GONE:
                raise Gone(f"{operation}: {error_code(exc)}") from exc
            raise


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
