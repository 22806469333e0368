"""Configuration capture against moto: an estate of managed resources (named in a fake prod stack export stored
with archive.py) and hand-made ones across eleven services. The capture must find exactly the hand-made ones, write
them as import files in the documented `pulumi import --file` format, pace and retry its calls, and record a run
as incomplete (and say so on the topic) whenever a service fails, the budget runs out or a count drops."""

from __future__ import annotations

import io
import itertools
import json
import re
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from failsafe.ops import archive, cli, verify
from failsafe.ops.capture import collectors, matching, model, pacing, reading
from failsafe.ops.capture import run as running
from failsafe.ops.capture import store as storing
from failsafe.ops.errors import EXIT_FAILED, EXIT_USAGE
from tests.support.awsfaults import inject
from tests.support.moto import BACKUP, PROD, REGION, account_session, fresh_session, quick_symmetric_keys
from tests.support.pulumi_import import IMPORT_FILE_SCHEMA

pytestmark = pytest.mark.usefixtures("shared_models", "quick_kms_keys")  # tests/support/moto.py

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "example-failsafe-archive"
T0 = datetime(2026, 11, 23, 3, 17, tzinfo=UTC)
PROVIDER_URN = "urn:pulumi:prod::failsafe::pulumi:providers:aws::prod"
ZONE = "example.com"

# The import ID each type expects (pulumi-aws 7.x, Import section of each resource).
ID_FORMS = {
    model.T_BUCKET: r"^[a-z0-9.-]{3,63}$",
    model.T_BUCKET_POLICY: r"^[a-z0-9.-]{3,63}$",
    model.T_BUCKET_VERSIONING: r"^[a-z0-9.-]{3,63}$",
    model.T_BUCKET_LIFECYCLE: r"^[a-z0-9.-]{3,63}$",
    model.T_BUCKET_ENCRYPTION: r"^[a-z0-9.-]{3,63}$",
    model.T_ROLE: r"^[\w+=,.@-]{1,64}$",
    model.T_ROLE_POLICY: r"^[\w+=,.@-]+:[\w+=,.@-]+$",
    model.T_ROLE_ATTACHMENT: r"^[\w+=,.@-]+/arn:aws:iam::(\d{12}|aws):policy/.+$",
    model.T_POLICY: r"^arn:aws:iam::\d{12}:policy/.+$",
    model.T_FUNCTION: r"^[\w-]{1,64}$",
    model.T_KEY: r"^[0-9a-f-]{36}$",
    model.T_ALIAS: r"^alias/[\w/-]+$",
    model.T_TOPIC: r"^arn:aws:sns:[a-z0-9-]+:\d{12}:[\w-]+$",
    model.T_QUEUE: r"^https?://.+/\d{12}/[\w-]+$",
    model.T_TABLE: r"^[\w.-]{3,255}$",
    model.T_DB_INSTANCE: r"^[a-z][a-z0-9-]*$",
    model.T_DB_CLUSTER: r"^[a-z][a-z0-9-]*$",
    model.T_SECURITY_GROUP: r"^sg-[0-9a-f]+$",
    model.T_ZONE: r"^[A-Z0-9]+$",
    model.T_RECORD: r"^[A-Z0-9]+_[^_]+_[A-Z]+(_[\w-]+)?$",
    model.T_PARAMETER: r"^/[\w/.-]+$",
}


def throttling(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)


class FakeTime:
    """A clock that only moves when something sleeps, so tests see every pause and never wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive_file:
        archive_file.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def state(
    token: str, ident: str, outputs: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One resource of a `pulumi stack export`, provided by the prod stack's explicit provider."""
    name = re.sub(r"\W+", "-", ident)[-40:]
    return {
        "urn": f"urn:pulumi:prod::failsafe::{token}::{name}",
        "type": token,
        "id": ident,
        "inputs": inputs or {},
        "outputs": outputs or {},
        "provider": f"{PROVIDER_URN}::0f1e",
    }


def build_estate(account: str, suffix: str = "") -> dict[str, Any]:
    """Managed resources (named in the prod export) and hand-made ones in ``account`` (prod's, or one of a test's own).

    Returns ``unmanaged``: the (type, import ID) of every hand-made resource, which is exactly what the import files
    must hold; and the export that names the managed ones, which :func:`estate` archives for each test. Bucket names
    are global (moto 5.2 ``s3_backends.bucket_accounts``), so a second estate's end in ``suffix``."""
    managed_bucket, logs_bucket = f"example-managed-assets{suffix}", f"example-hand-made-logs{suffix}"
    prod = account_session(account)
    s3, iam, lam, kms = prod.client("s3"), prod.client("iam"), prod.client("lambda"), prod.client("kms")
    sns, sqs, ddb, rds = prod.client("sns"), prod.client("sqs"), prod.client("dynamodb"), prod.client("rds")
    ec2, r53, ssm = prod.client("ec2"), prod.client("route53"), prod.client("ssm")
    where = {"LocationConstraint": REGION}
    managed: list[dict[str, Any]] = []
    unmanaged: set[tuple[str, str]] = set()

    # S3: a managed bucket (state under its v6 type name) and a hand-made one with every side configuration.
    s3.create_bucket(Bucket=managed_bucket, CreateBucketConfiguration=where)
    s3.put_bucket_versioning(Bucket=managed_bucket, VersioningConfiguration={"Status": "Enabled"})
    managed += [
        state("aws:s3/bucketV2:BucketV2", managed_bucket, {"bucket": managed_bucket}),
        state("aws:s3/bucketVersioningV2:BucketVersioningV2", managed_bucket),
    ]
    logs_key = kms.create_key(Description="hand-made logs key")["KeyMetadata"]
    s3.create_bucket(Bucket=logs_bucket, CreateBucketConfiguration=where)
    s3.put_bucket_versioning(Bucket=logs_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(
        Bucket=logs_bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecure",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": f"arn:aws:s3:::{logs_bucket}/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=logs_bucket,
        LifecycleConfiguration={
            "Rules": [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]
        },
    )
    s3.put_bucket_encryption(
        Bucket=logs_bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": logs_key["Arn"]}}
            ]
        },
    )
    unmanaged |= {
        (t, logs_bucket)
        for t in (
            model.T_BUCKET,
            model.T_BUCKET_POLICY,
            model.T_BUCKET_VERSIONING,
            model.T_BUCKET_LIFECYCLE,
            model.T_BUCKET_ENCRYPTION,
        )
    }

    # IAM: a managed role with a managed attachment (its state ID is Pulumi's random one, so it matches on
    # outputs), a hand-made role with an inline policy and an attached hand-made policy, a service-linked role.
    managed_role = iam.create_role(
        RoleName="failsafe-managed-role", AssumeRolePolicyDocument=trust("lambda.amazonaws.com")
    )
    managed_policy = iam.create_policy(PolicyName="failsafe-managed-policy", PolicyDocument=policy_document())
    iam.attach_role_policy(RoleName="failsafe-managed-role", PolicyArn=managed_policy["Policy"]["Arn"])
    managed += [
        state(model.T_ROLE, "failsafe-managed-role", {"arn": managed_role["Role"]["Arn"]}),
        state(model.T_POLICY, managed_policy["Policy"]["Arn"], {"arn": managed_policy["Policy"]["Arn"]}),
        state(
            model.T_ROLE_ATTACHMENT,
            "failsafe-managed-role-20261101000000000000000001",
            {"role": "failsafe-managed-role", "policyArn": managed_policy["Policy"]["Arn"]},
        ),
    ]
    hand_role = iam.create_role(RoleName="hand-made-role", AssumeRolePolicyDocument=trust("lambda.amazonaws.com"))
    hand_policy = iam.create_policy(PolicyName="hand-made-policy", PolicyDocument=policy_document())["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="hand-made-role", PolicyArn=hand_policy)
    iam.put_role_policy(RoleName="hand-made-role", PolicyName="inline-read", PolicyDocument=policy_document())
    iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    unmanaged |= {
        (model.T_ROLE, "hand-made-role"),
        (model.T_ROLE_POLICY, "hand-made-role:inline-read"),
        (model.T_ROLE_ATTACHMENT, f"hand-made-role/{hand_policy}"),
        (model.T_POLICY, hand_policy),
    }

    # Lambda.
    for name, role in (("failsafe-managed-fn", managed_role), ("hand-made-fn", hand_role)):
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="index.handler",
            Code={"ZipFile": lambda_zip()},
            Environment={"Variables": {"DB_PASSWORD": "do-not-capture"}},
        )
    managed.append(state(model.T_FUNCTION, "failsafe-managed-fn"))
    unmanaged.add((model.T_FUNCTION, "hand-made-fn"))

    # KMS: a managed key and alias; the hand-made key of the logs bucket with an alias. moto's alias/aws/* are
    # AWS-managed and skipped.
    managed_key = kms.create_key(Description="managed")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/failsafe-managed", TargetKeyId=managed_key)
    kms.create_alias(AliasName="alias/hand-made-logs", TargetKeyId=logs_key["KeyId"])
    managed += [state(model.T_KEY, managed_key), state(model.T_ALIAS, "alias/failsafe-managed")]
    unmanaged |= {(model.T_KEY, logs_key["KeyId"]), (model.T_ALIAS, "alias/hand-made-logs")}

    # SNS, SQS (the managed queue's state ID is another URL form: it must match on its ARN), DynamoDB.
    managed_topic = sns.create_topic(Name="failsafe-alerts")["TopicArn"]
    hand_topic = sns.create_topic(Name="hand-made-topic")["TopicArn"]
    managed.append(state(model.T_TOPIC, managed_topic, {"arn": managed_topic}))
    unmanaged.add((model.T_TOPIC, hand_topic))
    managed_queue = sqs.create_queue(QueueName="failsafe-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=managed_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    managed.append(
        state(model.T_QUEUE, f"https://sqs.{REGION}.amazonaws.com/{account}/failsafe-queue", {"arn": queue_arn})
    )
    unmanaged.add((model.T_QUEUE, sqs.create_queue(QueueName="hand-made-queue")["QueueUrl"]))
    for table in ("failsafe-locks", "hand-made-table"):
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    managed.append(state(model.T_TABLE, "failsafe-locks"))
    unmanaged.add((model.T_TABLE, "hand-made-table"))

    # RDS: a hand-made instance and cluster.
    rds.create_db_instance(
        DBInstanceIdentifier="hand-made-db",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword="not-a-real-password",
    )
    rds.create_db_cluster(
        DBClusterIdentifier="hand-made-cluster",
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword="not-a-real-password",
    )
    unmanaged |= {(model.T_DB_INSTANCE, "hand-made-db"), (model.T_DB_CLUSTER, "hand-made-cluster")}

    # EC2: a managed and a hand-made security group in the default VPC (whose default group is skipped).
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    managed_sg = ec2.create_security_group(GroupName="failsafe-sg", Description="managed", VpcId=vpc)["GroupId"]
    hand_sg = ec2.create_security_group(GroupName="hand-made-sg", Description="by hand", VpcId=vpc)["GroupId"]
    managed.append(state(model.T_SECURITY_GROUP, managed_sg))
    unmanaged.add((model.T_SECURITY_GROUP, hand_sg))

    # Route 53: a managed zone and record, hand-made simple and weighted records; the apex SOA/NS are skipped.
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="estate")["HostedZone"]["Id"].rsplit("/", 1)[-1]
    changes = [
        ("app.example.com", "A", None, {"TTL": 60, "ResourceRecords": [{"Value": "192.0.2.10"}]}),
        ("legacy.example.com", "CNAME", None, {"TTL": 300, "ResourceRecords": [{"Value": "old.example.net"}]}),
        ("w.example.com", "A", "blue", {"TTL": 60, "Weight": 10, "ResourceRecords": [{"Value": "192.0.2.20"}]}),
    ]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": kind,
                        **({"SetIdentifier": set_id} if set_id else {}),
                        **rest,
                    },
                }
                for name, kind, set_id, rest in changes
            ]
        },
    )
    managed += [
        state(model.T_ZONE, zone_id, {"zoneId": zone_id, "name": ZONE}),
        state(
            model.T_RECORD,
            f"{zone_id}_app_A",  # state IDs keep the name as written in the program: matched on fqdn instead
            {"zoneId": zone_id, "name": "app", "fqdn": "app.example.com", "type": "A"},
        ),
    ]
    unmanaged |= {
        (model.T_RECORD, f"{zone_id}_legacy.example.com_CNAME"),
        (model.T_RECORD, f"{zone_id}_w.example.com_A_blue"),
    }

    # SSM: names only; the hand-made one is a SecureString whose value must never be read.
    ssm.put_parameter(Name="/failsafe/managed", Value="x", Type="String")
    ssm.put_parameter(Name="/hand-made/db-password", Value="s3cr3t-value", Type="SecureString")
    managed.append(state(model.T_PARAMETER, "/failsafe/managed"))
    unmanaged.add((model.T_PARAMETER, "/hand-made/db-password"))

    # The export, with the stack's explicit provider.
    provider = {
        "urn": PROVIDER_URN,
        "type": "pulumi:providers:aws",
        "id": "0f1e",
        "inputs": {"region": REGION, "allowedAccountIds": json.dumps([account])},
        "outputs": {"region": REGION, "allowedAccountIds": json.dumps([account])},
    }
    stack = {"urn": "urn:pulumi:prod::failsafe::pulumi:pulumi:Stack::failsafe-prod", "type": "pulumi:pulumi:Stack"}
    export = {"version": 3, "deployment": {"manifest": {"time": "t"}, "resources": [stack, provider, *managed]}}
    return {"account": account, "export": export, "unmanaged": unmanaged, "managed": len(managed), "zone": zone_id}


@pytest.fixture(scope="module")
def prod_estate(shared_moto: str) -> dict[str, Any]:
    """The estate in prod, built once for the module: a capture only reads prod, so its tests share it (the one test
    that deletes a resource builds an estate in an account of its own). Building it per test cost 2-5 s each."""
    with pytest.MonkeyPatch.context() as patch:
        quick_symmetric_keys(patch)
        return build_estate(PROD)


_ARCHIVES = itertools.count(1)


def archived(built: dict[str, Any]) -> dict[str, Any]:
    """``built``'s sessions and an archive bucket of this test's own in the backup account, holding the prod export
    stored the way archive.py stores it: captures are written there, so no test sees another's. The sessions are
    the test's own too: the faults and call recorders a test registers on them stay in that test."""
    prod, backup = fresh_session(built["account"]), fresh_session(BACKUP)
    bucket = f"{BUCKET}-{next(_ARCHIVES)}"
    backup_s3 = backup.client("s3")
    backup_s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    export = json.dumps(built["export"]).encode()
    archive.Archive(backup_s3, bucket).store("prod", export, 20, now=T0 - timedelta(minutes=36))
    return {**built, "prod": prod, "backup": backup, "s3": backup_s3, "bucket": bucket}


@pytest.fixture
def estate(prod_estate: dict[str, Any]) -> dict[str, Any]:
    """The shared prod estate (:func:`build_estate`) with this test's own sessions and archive bucket."""
    return archived(prod_estate)


def policy_document() -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    )


def settings(**overrides: Any) -> running.Settings:
    values: dict[str, Any] = {"regions": (REGION,), "stacks": ("prod",), "rate": 10.0, "jitter": 0.5}
    values.update(overrides)
    return running.Settings(**values)


def run(
    estate: dict[str, Any], now: datetime = T0, fake: FakeTime | None = None, **overrides: Any
) -> tuple[running.AccountRun, FakeTime, list[str]]:
    fake = fake or FakeTime()
    lines: list[str] = []
    sns = overrides.pop("sns", None)
    topic_arn = overrides.pop("topic_arn", None)
    out_dir = overrides.pop("out_dir", None)
    (result,) = running.run(
        [running.Target(estate["prod"])],
        storing.Store(estate["s3"], estate["bucket"]),
        settings(**overrides),
        sns=sns,
        topic_arn=topic_arn,
        now=now,
        clock=fake.clock,
        sleep=fake.sleep,
        uniform=lambda low, high: high,
        progress=lines.append,
        out_dir=out_dir,
    )
    return result, fake, lines


def stored(estate: dict[str, Any], key: str) -> Any:
    return json.loads(estate["s3"].get_object(Bucket=estate["bucket"], Key=key)["Body"].read())


def import_files(estate: dict[str, Any], result: running.AccountRun) -> dict[str, dict[str, Any]]:
    return {s.service: stored(estate, s.import_key) for s in result.services if s.import_key}


def by_service(result: running.AccountRun) -> dict[str, running.ServiceResult]:
    return {s.service: s for s in result.services}


# --- what is found ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_run(prod_estate: dict[str, Any]) -> tuple[dict[str, Any], running.AccountRun, list[str]]:
    """One capture of the shared estate with default settings into an archive of its own, read (never written) by
    the tests that only check what such a run found and stored."""
    estate = archived(prod_estate)
    result, _, lines = run(estate)
    return estate, result, lines


def test_capture_finds_exactly_the_unmanaged_resources_of_eleven_services(
    plain_run: tuple[dict[str, Any], running.AccountRun, list[str]],
) -> None:
    estate, result, lines = plain_run

    assert result.complete, result.reasons
    files = import_files(estate, result)
    found = {(r["type"], r["id"]) for document in files.values() for r in document["resources"]}
    assert found - estate["unmanaged"] == set(), (
        f"managed or AWS-made resources in the import files: {found - estate['unmanaged']}"
    )
    assert estate["unmanaged"] - found == set(), f"hand-made resources missed: {estate['unmanaged'] - found}"
    assert set(files) == set(model.SERVICES), f"services with unmanaged resources: {sorted(files)}"
    results = by_service(result)
    assert results["iam"].skipped == {"service-linked role (made by an AWS service)": 1}
    assert results["ec2"].skipped == {"default security group of a VPC": 1}
    assert results["route53"].skipped == {"zone apex SOA/NS record (made with the zone)": 2}
    assert set(results["kms"].skipped) == {"AWS-managed alias (alias/aws/*)"}
    assert sum(s.managed for s in result.services) == estate["managed"], "every managed resource is matched once"
    assert len(lines) == len(model.SERVICES) + 3 and all("FAILED" not in line for line in lines), lines


def test_the_inventory_keeps_managed_resources_with_their_stack_and_never_a_secret(estate: dict[str, Any]) -> None:
    calls: list[str] = []
    estate["prod"].events.register("before-call.ssm", lambda model, **_: calls.append(model.name))

    result, _, _ = run(estate)

    results = by_service(result)
    inventory = stored(estate, f"{results['sqs'].prefix}inventory.json")
    managed_by = {r["id"].rsplit("/", 1)[-1]: r["managed_by"] for r in inventory["resources"]}
    assert managed_by == {"failsafe-queue": "prod", "hand-made-queue": None}, "the managed queue matched on its ARN"
    assert calls and not [c for c in calls if c.startswith("GetParameter")], f"SSM calls: {calls}"
    everything = json.dumps([stored(estate, f"{s.prefix}inventory.json") for s in result.services])
    assert "s3cr3t-value" not in everything and "do-not-capture" not in everything
    lam = stored(estate, f"{results['lambda'].prefix}inventory.json")
    assert {tuple(r["detail"]["environment_names"]) for r in lam["resources"]} == {("DB_PASSWORD",)}
    (parameter,) = import_files(estate, result)["ssm"]["resources"]
    assert "value" not in parameter["properties"] and "insecureValue" not in parameter["properties"], parameter


def test_every_import_file_follows_the_documented_format(
    plain_run: tuple[dict[str, Any], running.AccountRun, list[str]],
) -> None:
    estate, result, _ = plain_run

    for service, document in import_files(estate, result).items():
        jsonschema.validate(document, IMPORT_FILE_SCHEMA)
        names = [(r["type"], r["name"]) for r in document["resources"]]
        assert len(names) == len(set(names)), f"{service}: two resources of one type share a name: {names}"
        for resource in document["resources"]:
            assert resource["provider"] in document["nameTable"], f"{service}: provider not in nameTable: {resource}"
            assert re.match(ID_FORMS[resource["type"]], resource["id"]), f"{service}: bad import ID {resource}"
        assert document["nameTable"] == {"prod": PROVIDER_URN}, "the prod stack's own explicit provider"
        manifest = stored(estate, f"{by_service(result)[service].prefix}manifest.json")
        assert manifest["import_stack"] == "prod" and manifest["status"] == "complete"


def test_a_resource_outside_its_providers_region_is_imported_with_a_region_suffix() -> None:
    provider = matching.ProviderRef("prod", "prod", PROVIDER_URN, "eu-west-1", (PROD,))
    found = [
        model.Found("sqs", model.T_QUEUE, "https://sqs.eu-west-1.amazonaws.com/1/a", "a", "eu-west-1"),
        model.Found("sqs", model.T_QUEUE, "https://sqs.us-east-1.amazonaws.com/1/a", "a", "us-east-1"),
        model.Found("iam", model.T_ROLE, "prod", "prod", None),
    ]

    document = matching.import_document(found, [provider], "eu-west-1")

    assert [(r["name"], r["id"]) for r in document["resources"]] == [
        ("prod-2", "prod"),  # never the name of a provider in nameTable
        ("a", "https://sqs.eu-west-1.amazonaws.com/1/a"),
        ("a-us-east-1", "https://sqs.us-east-1.amazonaws.com/1/a@us-east-1"),
    ]
    jsonschema.validate(document, IMPORT_FILE_SCHEMA)


def test_stack_state_in_other_forms_still_counts_as_managed() -> None:
    managed = matching.Managed()
    managed.add_export(
        "prod",
        {
            "deployment": {
                "resources": [
                    state("aws:s3/bucketV2:BucketV2", "logs", {"bucket": "logs"}, {"versioning": {"enabled": True}}),
                    state("aws:s3/bucketPolicy:BucketPolicy", "logs,111111111111"),
                    state("aws:iam/role:Role", "app", {"name": "app"}, {"inlinePolicies": [{"name": "read"}]}),
                ]
            }
        },
    )

    def stack(token: str, ident: str) -> str | None:
        return managed.stack_of(model.Found("x", token, ident, ident, None))

    assert stack(model.T_BUCKET, "logs") == "prod", "the v6 type name BucketV2 is the v7 Bucket"
    assert stack(model.T_BUCKET_VERSIONING, "logs") == "prod", "inline versioning on a managed bucket"
    assert stack(model.T_BUCKET_POLICY, "logs") == "prod", "bucket,owner IDs"
    assert stack(model.T_ROLE_POLICY, "app:read") == "prod", "inline policy of a managed role"
    assert stack(model.T_BUCKET_LIFECYCLE, "logs") is None


def test_route53_names_are_unescaped_and_lower_case() -> None:
    assert model.route53_name("\\052.Example.COM.") == "*.example.com"
    assert model.record_id("/hostedzone/Z123", "\\052.example.com.", "A") == "Z123_*.example.com_A"
    assert model.record_id("Z123", "w.example.com", "A", "blue") == "Z123_w.example.com_A_blue"


KMS_KEYS: dict[str, dict[str, str]] = {
    "11111111-1111-1111-1111-111111111111": {"KeyManager": "AWS", "KeyState": "Enabled"},
    "22222222-2222-2222-2222-222222222222": {"KeyManager": "CUSTOMER", "KeyState": "PendingDeletion"},
    "33333333-3333-3333-3333-333333333333": {"KeyManager": "CUSTOMER", "KeyState": "Enabled"},
}


def test_aws_managed_keys_and_keys_pending_deletion_are_skipped() -> None:
    """Answers moto cannot give (an AWS-managed key, one pending deletion), stubbed on a real client so every
    answer is checked against botocore's KMS model."""
    import boto3

    kms = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x").client("kms", region_name=REGION)
    stub = Stubber(kms)
    aliases = [
        {"AliasName": "alias/aws/s3", "TargetKeyId": "11111111-1111-1111-1111-111111111111"},
        {"AliasName": "alias/old", "TargetKeyId": "22222222-2222-2222-2222-222222222222"},
        {"AliasName": "alias/app", "TargetKeyId": "33333333-3333-3333-3333-333333333333"},
    ]
    stub.add_response("list_aliases", {"Aliases": aliases, "Truncated": False})
    stub.add_response("list_keys", {"Keys": [{"KeyId": k} for k in KMS_KEYS], "Truncated": False})
    for key_id, meta in KMS_KEYS.items():
        arn = f"arn:aws:kms:{REGION}:{PROD}:key/{key_id}"
        stub.add_response("describe_key", {"KeyMetadata": {"KeyId": key_id, "Arn": arn, **meta}}, {"KeyId": key_id})
    ctx = collectors.Ctx(None, pacing.Pacer(None), REGION)
    ctx._clients[("kms", REGION)] = kms

    with stub:
        collected = collectors.collect_kms(ctx, REGION)

    assert [(f.type, f.id, f.name) for f in collected.found] == [
        (model.T_KEY, "33333333-3333-3333-3333-333333333333", "app-key"),
        (model.T_ALIAS, "alias/app", "app"),
    ]
    assert collected.skipped == {
        "AWS-managed key": 1,
        "key pending deletion": 1,
        "AWS-managed alias (alias/aws/*)": 1,
        "alias of a key not captured": 1,
    }


# --- pacing, retries, budget -----------------------------------------------------------------------------


def test_a_throttled_call_is_retried_with_backoff_and_every_call_is_paced(estate: dict[str, Any], backoff: Any) -> None:
    inject(estate["prod"].events, "dynamodb", "DescribeTable", times=3)
    fake = FakeTime()
    backoff.on_sleep = fake.sleep

    result, fake, lines = run(estate, fake=fake, rate=10.0, jitter=0.5)

    assert result.complete, result.reasons
    dynamodb = by_service(result)["dynamodb"]
    assert (dynamodb.status, dynamodb.resources, dynamodb.throttled) == ("complete", 2, 3)
    record = stored(estate, result.run_key)
    calls = record["calls"]
    backoffs = [s for s in fake.sleeps if s >= 0.5]
    paced = [s for s in fake.sleeps if s < 0.5]
    assert backoffs == [1.0, 2.0, 4.0], "full-jitter backoff bounded by 2**n s (botocore retries/standard.py)"
    assert set(paced) == {0.15}, "1/rate * (1 + jitter) between calls (the upper bound drawn here)"
    assert len(paced) == calls - 1 - len(backoffs), "every call but the first waits (a backoff is longer already)"
    assert record["throttled"] == 3 and "2 resources (1 unmanaged" in next(x for x in lines if " dynamodb:" in x)


def test_without_pacing_only_throttling_sleeps(estate: dict[str, Any], backoff: Any) -> None:
    inject(estate["prod"].events, "sqs", "ListQueues", times=1)
    fake = FakeTime()
    backoff.on_sleep = fake.sleep

    result, fake, _ = run(estate, fake=fake, rate=None)

    assert result.complete and fake.sleeps == [1.0], fake.sleeps


def test_a_service_that_keeps_failing_makes_the_run_incomplete_and_notifies_the_topic(
    estate: dict[str, Any], backoff: Any
) -> None:
    inject(estate["prod"].events, "kms", "ListAliases", times=1000)
    backup_sns, backup_sqs = estate["backup"].client("sns"), estate["backup"].client("sqs")
    topic = backup_sns.create_topic(Name=f"failsafe-alerts-{estate['bucket']}")["TopicArn"]  # names of its own
    inbox = backup_sqs.create_queue(QueueName=f"inbox-{estate['bucket']}")["QueueUrl"]
    inbox_arn = backup_sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    backup_sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)

    result, _, lines = run(estate, sns=backup_sns, topic_arn=topic)

    kms = by_service(result)["kms"]
    assert not result.complete and kms.status == "failed" and kms.throttled == 5, kms
    assert result.reasons == [f"kms: failed: {kms.error}"] and "ThrottlingException after 5 attempts" in kms.error
    assert len(backoff.delays) == 4, "attempts are bounded: 5 tries, 4 backoffs"
    record = stored(estate, result.run_key)
    assert record["status"] == "incomplete" and record["services"]["kms"]["status"] == "failed"
    assert stored(estate, f"{kms.prefix}manifest.json")["status"] == "failed", "never stored as complete"
    others = [s for s in result.services if s.service != "kms"]
    assert all(s.status == "complete" for s in others), "one failing service must not stop the others"
    assert any("kms: FAILED" in line for line in lines)
    (message,) = backup_sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(message["Body"])
    assert body["Subject"] == f"failsafe capture incomplete: {PROD}"
    assert "kms: failed" in body["Message"] and result.run_key in body["Message"]


@pytest.fixture(scope="module")
def estate_to_shrink(shared_moto: str) -> dict[str, Any]:
    """An estate in an account of its own (not prod's), for the test that deletes one of its resources."""
    with pytest.MonkeyPatch.context() as patch:
        quick_symmetric_keys(patch)
        return build_estate("555555555555", "-shrink")


def test_a_count_that_drops_beyond_the_limit_makes_the_run_incomplete(estate_to_shrink: dict[str, Any]) -> None:
    estate = archived(estate_to_shrink)
    first, _, _ = run(estate)
    sqs = estate["prod"].client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="hand-made-queue")["QueueUrl"])

    dropped, _, _ = run(estate, now=T0 + timedelta(days=1), max_drop_percent=20)
    accepted, _, _ = run(estate, now=T0 + timedelta(days=2), max_drop_percent=20, allow_drop=True)

    assert first.complete
    sqs_result = by_service(dropped)["sqs"]
    assert (sqs_result.status, sqs_result.previous, sqs_result.resources, sqs_result.drop_percent) == (
        "dropped",
        2,
        1,
        50.0,
    )
    assert dropped.reasons == [f"sqs: dropped: {sqs_result.error}"] and "--allow-shrink" in sqs_result.error
    assert by_service(dropped)["sqs"].previous_timestamp == model.stamp_of(T0)
    assert accepted.complete, "--allow-drop accepts a real shrink"


def test_services_not_reached_within_the_time_budget_fail_the_run(estate: dict[str, Any]) -> None:
    result, fake, _ = run(estate, rate=1.0, jitter=0.0, budget_seconds=2.5)

    statuses = {s.service: (s.status, (s.error or "").split(":")[0]) for s in result.services}
    assert statuses["s3"] == ("failed", "not finished")
    assert all(statuses[s] == ("failed", "not reached") for s in model.SERVICES[1:]), statuses
    assert not result.complete and fake.now == 3.0, "stops at the first call past the budget"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"regions": ()}, "--regions: give at least one region"),
        ({"regions": ("moon-1",)}, "'moon-1' is not a region name"),
        ({"services": ("s3", "ecs")}, "--services: unknown ecs"),
        ({"rate": -1.0}, "--rate -1.0: expected calls per second above 0"),
        ({"jitter": 1.0}, "--jitter 1.0"),
        ({"budget_seconds": 0}, "--budget-seconds 0"),
        ({"max_drop_percent": 101}, "--max-shrink-percent 101"),
    ],
)
def test_bad_settings_are_refused_with_the_flag_to_fix(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(model.CaptureError, match=re.escape(message)):
        settings(**overrides).check()


# --- storage, show, verify ------------------------------------------------------------------------------


def test_a_capture_is_never_overwritten(estate: dict[str, Any]) -> None:
    run(estate, services=("sqs",))
    with pytest.raises(model.CaptureError, match="already exists; captures are never overwritten"):
        run(estate, services=("sqs",))


def test_a_stack_without_an_archived_export_stops_the_run_before_any_call(estate: dict[str, Any]) -> None:
    with pytest.raises(model.CaptureError, match=r"no valid archive of stack dr.*--stacks"):
        run(estate, stacks=("prod", "dr"))
    assert "Contents" not in estate["s3"].list_objects_v2(Bucket=estate["bucket"], Prefix="capture/")


def test_show_points_at_the_newest_complete_capture_and_its_code(estate: dict[str, Any], tmp_path: Path) -> None:
    good, _, _ = run(estate)
    estate["prod"].events.register("before-call.kms.ListAliases", lambda model, **_: _throttle(model))
    bad, _, _ = run(estate, now=T0 + timedelta(days=1))
    store = storing.Store(estate["s3"], estate["bucket"])
    code = tmp_path / "kms.py"
    code.write_text("import pulumi_aws as aws\n")
    (key,) = reading.attach(store, by_service(good)["kms"].prefix, [code])

    shown = reading.show(store, "kms")
    earlier = reading.show(store, "sqs", at=model.parse_stamp("2026-11-23"))

    assert not bad.complete
    assert shown["timestamp"] == model.stamp_of(T0), "the newer, incomplete capture is not a restore point"
    assert shown["code"] == [f"s3://{estate['bucket']}/{key}"] and key.endswith(f"/{model.stamp_of(T0)}/kms.py")
    assert shown["import_file"] == f"s3://{estate['bucket']}/{by_service(good)['kms'].prefix}import.json"
    assert shown["skipped_incomplete"][0].startswith(model.stamp_of(T0 + timedelta(days=1)))
    assert earlier["timestamp"] == model.stamp_of(T0)
    with pytest.raises(model.CaptureError, match=r"no complete capture of sqs .* at or before 20261122T"):
        reading.show(store, "sqs", at=T0 - timedelta(days=1))
    with pytest.raises(model.CaptureError, match="attach code to an existing capture only"):
        reading.attach(store, f"capture/{PROD}/kms/20991231T000000Z/", [code])


def _throttle(model: Any) -> None:
    raise throttling(model.name)


def test_verify_reports_the_capture_age_and_unmanaged_resources_per_service(estate: dict[str, Any]) -> None:
    targets = verify.Targets({}, PROD, BACKUP, "333333333333", timedelta(hours=1), archive_bucket=estate["bucket"])
    sides = verify.Sides(None, estate["backup"], REGION, REGION)
    assert [c.status for c in verify.check_capture(sides, targets, T0)] == ["SKIP"], "no capture set up yet"
    result, _, _ = run(estate)

    (fresh,) = verify.check_capture(sides, targets, T0 + timedelta(hours=3))
    (stale,) = verify.check_capture(sides, targets, T0 + timedelta(hours=27))

    assert fresh.name == f"capture {PROD}" and fresh.ok is True, fresh
    assert "is 3h0m old" in fresh.evidence and "unmanaged: dynamodb 1, ec2 1, iam 4, kms 2" in fresh.evidence
    assert stale.ok is False and "1d3h0m old (limit 1 day, 2:00:00)" in stale.evidence
    assert result.complete


# --- the CLI and the workflow ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ambient_account(shared_moto: str) -> dict[str, Any]:
    """The CLI's view: ambient credentials (moto's default account), prod export in a bucket of that account. Built
    once for the module: the bad-input tests only read it; a test whose capture writes takes :func:`ambient`."""
    import boto3

    sess = boto3.Session(region_name=REGION)
    s3 = sess.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    archive.Archive(s3, BUCKET).store("prod", AMBIENT_EXPORT, 20, now=T0)
    sess.client("sqs").create_queue(QueueName="hand-made-queue")
    sess.client("ssm").put_parameter(Name="/hand-made/token", Value="s3cr3t-value", Type="SecureString")
    return {"session": sess, "s3": s3}


AMBIENT_EXPORT = json.dumps(
    {"version": 3, "deployment": {"resources": [state(model.T_TABLE, "failsafe-locks")]}}
).encode()


@pytest.fixture
def ambient(ambient_account: dict[str, Any]) -> dict[str, Any]:
    """:func:`ambient_account` with an archive bucket of this test's own holding the same export: its captures are
    its own (one run's drop check or ``show`` never sees another test's)."""
    bucket = f"{BUCKET}-cli-{next(_ARCHIVES)}"
    s3 = ambient_account["s3"]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    archive.Archive(s3, bucket).store("prod", AMBIENT_EXPORT, 20, now=T0)
    return {**ambient_account, "bucket": bucket}


def cli_run(bucket: str) -> list[str]:
    """:data:`CLI_RUN` against ``bucket``."""
    return [bucket if arg == BUCKET else arg for arg in CLI_RUN]


CLI_RUN = [
    *("capture", "run", "--archive-bucket", BUCKET, "--regions", REGION, "--stacks", "prod"),
    *("--max-shrink-percent", "20", "--classic-only"),  # moto has no Cloud Control (test_cloudcontrol_capture.py)
]


def test_cli_run_exits_0_and_writes_what_ci_turns_into_code(
    ambient: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = ambient["bucket"]
    code = cli.main([*cli_run(bucket), "--rate", "0", "--out", str(tmp_path), "--output", "json"])

    out, err = capsys.readouterr()
    assert code == 0, err
    (summary,) = json.loads(out)["runs"]
    assert summary["status"] == "complete" and summary["unmanaged"]["sqs"] == 1
    assert "capture 123456789012 sqs: 1 resources (1 unmanaged" in err, "progress per service on stderr"
    rows = {r.split("\t")[1]: r for r in (tmp_path / "codegen.tsv").read_text().splitlines()}
    assert set(rows) == {"s3", "sqs"}, "the hand-made queue, and the archive bucket that no stack here manages"
    assert summary["unmanaged"]["ssm"] == 1, "no code for parameters: generating it would read their values"
    line = rows["sqs"]
    account, service, prefix, region, role_arn, spec = line.split("\t")
    assert (account, service, region, role_arn) == ("123456789012", "sqs", REGION, "")
    assert prefix == f"capture/123456789012/sqs/{summary['run'].rsplit('/', 1)[-1][:-5]}/"
    assert json.loads(Path(spec).read_text())["resources"][0]["type"] == model.T_QUEUE
    assert cli.main(["capture", "show", "sqs", "--archive-bucket", bucket, "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["prefix"] == f"s3://{bucket}/{prefix}"
    assert cli.main(["capture", "show", "--coverage", "--archive-bucket", bucket, "--output", "json"]) == 0
    coverage = json.loads(capsys.readouterr().out)
    assert coverage["coverage"]["sqs"] == {"types_listed": 1, "resources": 1, "skipped": {}, "incomplete": 0}
    assert coverage["prefix"] == f"s3://{bucket}/{summary['run']}" and coverage["skipped_incomplete"] == []


def test_cli_run_exits_1_when_a_service_fails(
    ambient: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(ctx: collectors.Ctx, region: str) -> model.Collected:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListKeys")

    monkeypatch.setitem(collectors.COLLECTORS, "kms", broken)

    assert cli.main([*cli_run(ambient["bucket"]), "--rate", "0", "--output", "json"]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert json.loads(out)["runs"][0]["reasons"] == ["kms: failed: AccessDenied: no"]
    assert "kms: FAILED" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*CLI_RUN, "--regions", "nowhere"], "--regions: 'nowhere' is not a region name"),
        ([*CLI_RUN, "--stacks", "dr"], "no valid archive of stack dr"),
        ([*CLI_RUN, "--topic-arn", "alerts"], "--topic-arn 'alerts': expected arn:aws:sns:"),
        ([*CLI_RUN, "--capture-role-arn", "arn:aws:iam::1:role/r", "--budget-seconds", "4000"], "one hour at most"),
        (
            ["capture", "show", "sqs", "--archive-bucket", BUCKET, "--as-of", "yesterday"],
            "--as-of 'yesterday': not a time",
        ),
        (["capture", "show", "sqs", "--archive-bucket", "no-such-bucket"], "bucket no-such-bucket does not exist"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    ambient_account: dict[str, Any], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main(argv) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith("failsafe-dr: error: ") and message in err and "\n" not in err, err


WORKFLOW = ROOT / ".github" / "workflows" / "capture.yml"
FAKE = """#!/usr/bin/env bash
printf '%s %s\\n' "$(basename "$0")" "$*" >> "$CALLS"
if [ "$(basename "$0")" = python ]; then exit "${PYTHON_EXIT:-0}"; fi
if [ "$1" = import ]; then
  while [ $# -gt 0 ]; do [ "$1" = --out ] && echo "# code" > "$2"; shift; done
fi
"""


def workflow_step(name: str) -> dict[str, Any]:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return next(s for s in document["jobs"]["capture"]["steps"] if s.get("name") == name)


def run_step(step: dict[str, Any], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("pulumi", "python"):
        (bin_dir / tool).write_text(FAKE)
        (bin_dir / tool).chmod(0o755)
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    base = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "CALLS": str(tmp_path / "calls"),
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "ARCHIVE_BUCKET": BUCKET,
        "AWS_PLUGIN_VERSION": str(step.get("env", {}).get("AWS_PLUGIN_VERSION", "")),
    }
    return subprocess.run(
        ["bash", "-c", step["run"]],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("exit_code", "ok"), [(0, True), (1, True), (2, False)])
def test_workflow_capture_step_records_the_exit_code_and_stops_only_on_bad_input(
    tmp_path: Path, exit_code: int, ok: bool
) -> None:
    step = workflow_step("capture")
    env = {
        "PYTHON_EXIT": str(exit_code),
        "READ_ROLE_ARN": "arn:aws:iam::111111111111:role/failsafe-capture-read",
        "PRIMARY_REGION": "eu-west-1",
        "DR_REGION": "eu-central-1",
        "TOPIC_ARN": "",
    }

    result = run_step(step, tmp_path, **env)

    assert (result.returncode == 0) is ok, result.stderr
    assert (tmp_path / "output").read_text() == f"status={exit_code}\n"
    (call,) = (tmp_path / "calls").read_text().splitlines()
    assert call == (
        "python -m failsafe.ops capture run --capture-role-arn arn:aws:iam::111111111111:role/failsafe-capture-read "
        f"--regions eu-west-1 eu-central-1 --archive-bucket {BUCKET} --stacks prod dr --budget-seconds 3000 "
        "--out capture-out"
    )
    cli.parser().parse_args(call.split()[3:])  # the workflow's flags are the command's: argparse exits 2 otherwise


def test_workflow_generates_code_for_each_import_file_and_stores_it_next_to_its_capture(tmp_path: Path) -> None:
    out = tmp_path / "capture-out"
    out.mkdir()
    role = "arn:aws:iam::111111111111:role/failsafe-capture-read"
    rows = [
        [PROD, "s3", f"capture/{PROD}/s3/20261123T031700Z/", "eu-west-1", role, str(out / "s3.json")],
        [PROD, "sqs", f"capture/{PROD}/sqs/20261123T031700Z/", "eu-west-1", role, str(out / "sqs.json")],
    ]
    (out / "codegen.tsv").write_text("".join("\t".join(r) + "\n" for r in rows))

    result = run_step(workflow_step("generate code from the import files"), tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    runner = tmp_path / "runner" / "capture-codegen"
    assert (
        "pulumi plugin install resource aws 7.51.1" in calls and "pulumi stack init codegen --non-interactive" in calls
    )
    assert f"pulumi config set --path aws:assumeRoles[0].roleArn {role} --non-interactive" in calls
    for service, prefix in (("s3", rows[0][2]), ("sqs", rows[1][2])):
        assert f"pulumi import --file {out / service}.json --preview-only --out {service}.py --non-interactive" in calls
        assert (
            f"python -m failsafe.ops capture attach --archive-bucket {BUCKET} --prefix {prefix} {runner / service}.py"
            in calls
        )
    assert (runner / "Pulumi.yaml").read_text() == "name: failsafe-capture-codegen\nruntime: python\n"


def test_the_aws_plugin_the_workflow_installs_is_the_one_pinned_in_requirements() -> None:
    pinned = re.search(r"^pulumi[-_]aws==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned, "requirements.txt pins pulumi-aws"
    assert str(workflow_step("generate code from the import files")["env"]["AWS_PLUGIN_VERSION"]) == pinned.group(1)
