"""Configuration capture throughput against moto: resources captured per second, with and without pacing.

    python bench/capture_bench.py [--resources 1000] [--rate 50]

Starts its own moto server on 127.0.0.1, builds an estate of hand-made resources spread over the eleven captured
services (plus one managed table in a fake prod export in the archive account), then runs the capture twice: with
pacing off (retries stay on) and at ``--rate`` calls per second. Prints resources, API calls, seconds, resources/s
and calls/s of each run, their ratio, and how long the same calls take at the default rate (4 calls/s, under Route
53's 5 requests/s account limit). Not a timed test: moto answers in microseconds what AWS answers in tens of
milliseconds, so the unpaced number is an upper bound of the tool's own overhead; the paced run shows that the
rate, not the tool, sets the pace.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import socket
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3

from failsafe.ops import archive, capture

PROD, BACKUP, REGION = "111111111111", "222222222222", "eu-central-1"
BUCKET = "bench-failsafe-archive"
# Resources per service, in proportion to 1,000 (buckets and KMS keys count twice: versioning, alias).
SHARES = {
    "s3": 50,
    "iam": 100,
    "lambda": 50,
    "kms": 50,
    "sns": 100,
    "sqs": 100,
    "dynamodb": 100,
    "rds": 25,
    "ec2": 100,
    "route53": 100,  # one zone and its records
    "ssm": 125,
}


def start_moto() -> str:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    url = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION
    )
    return url


def session(account: str) -> boto3.Session:
    sess = boto3.Session(region_name=REGION)

    def header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    sess.events.register("before-sign", header)
    return sess


def build(scale: float) -> int:
    """Hand-made resources in prod; returns how many the capture should find."""
    prod = session(PROD)
    n = {service: max(1, round(count * scale)) for service, count in SHARES.items()}
    s3, iam, kms = prod.client("s3"), prod.client("iam"), prod.client("kms")
    for i in range(n["s3"]):
        s3.create_bucket(Bucket=f"bench-bucket-{i:04d}", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=f"bench-bucket-{i:04d}", VersioningConfiguration={"Status": "Enabled"})
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    roles = [iam.create_role(RoleName=f"bench-role-{i:04d}", AssumeRolePolicyDocument=trust) for i in range(n["iam"])]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as bundle:
        bundle.writestr("index.py", "def handler(event, context):\n    return None\n")
    for i in range(n["lambda"]):
        prod.client("lambda").create_function(
            FunctionName=f"bench-fn-{i:04d}",
            Runtime="python3.12",
            Role=roles[0]["Role"]["Arn"],
            Handler="index.handler",
            Code={"ZipFile": code.getvalue()},
        )
    for i in range(n["kms"]):
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/bench-{i:04d}", TargetKeyId=key)
    for i in range(n["sns"]):
        prod.client("sns").create_topic(Name=f"bench-topic-{i:04d}")
    for i in range(n["sqs"]):
        prod.client("sqs").create_queue(QueueName=f"bench-queue-{i:04d}")
    for i in range(n["dynamodb"]):
        prod.client("dynamodb").create_table(
            TableName=f"bench-table-{i:04d}",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    for i in range(n["rds"]):
        prod.client("rds").create_db_instance(
            DBInstanceIdentifier=f"bench-db-{i:04d}",
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="app",
            MasterUserPassword="not-a-real-password",
        )
    ec2 = prod.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    for i in range(n["ec2"]):
        ec2.create_security_group(GroupName=f"bench-sg-{i:04d}", Description="bench", VpcId=vpc)
    r53 = prod.client("route53")
    zone = r53.create_hosted_zone(Name="bench.example.com", CallerReference="bench")["HostedZone"]["Id"]
    changes = [
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": f"host{i:04d}.bench.example.com",
                "Type": "A",
                "TTL": 60,
                "ResourceRecords": [{"Value": "192.0.2.1"}],
            },
        }
        for i in range(n["route53"] - 1)
    ]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    for i in range(n["ssm"]):
        prod.client("ssm").put_parameter(Name=f"/bench/param-{i:04d}", Value="x", Type="String")
    # The archive (backup account) with a prod export naming one managed resource that does not exist.
    backup_s3 = session(BACKUP).client("s3")
    backup_s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    export = {"version": 3, "deployment": {"resources": [{"urn": "u", "type": capture.T_TABLE, "id": "managed"}]}}
    archive.Archive(backup_s3, BUCKET).store("prod", json.dumps(export).encode(), 20)
    return (
        n["s3"] * 2
        + n["iam"]
        + n["lambda"]
        + n["kms"] * 2
        + sum(n[s] for s in SHARES if s not in ("s3", "iam", "lambda", "kms"))
    )


def measure(rate: float | None, stamp: datetime) -> tuple[int, int, float]:
    store = capture.Store(session(BACKUP).client("s3"), BUCKET)
    settings = capture.Settings(regions=(REGION,), stacks=("prod",), rate=rate, budget_seconds=3600)
    start = time.perf_counter()
    (result,) = capture.run([capture.Target(session(PROD))], store, settings, now=stamp, progress=lambda _: None)
    seconds = time.perf_counter() - start
    if not result.complete:
        raise SystemExit(f"capture incomplete: {result.reasons}")
    return sum(s.resources for s in result.services), sum(s.calls for s in result.services), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=1000, help="approximate estate size")
    parser.add_argument("--rate", type=float, default=50.0, help="paced run: calls per second")
    args = parser.parse_args()
    start_moto()
    started = time.perf_counter()
    expected = build(args.resources / 1000)
    print(f"estate: {expected} hand-made resources in moto, built in {time.perf_counter() - started:.1f}s")
    now = datetime.now(UTC)
    rows = []
    for label, rate, stamp in (
        ("unpaced", None, now),
        (f"{args.rate:g} calls/s", args.rate, now + timedelta(seconds=1)),
    ):
        resources, calls, seconds = measure(rate, stamp)
        assert resources >= expected, f"found {resources}, built {expected}"
        rows.append((label, resources, calls, seconds))
    print(f"{'pacing':>14} {'resources':>10} {'calls':>6} {'seconds':>8} {'resources/s':>12} {'calls/s':>8}")
    for label, resources, calls, seconds in rows:
        per_second = f"{resources / seconds:>12.1f} {calls / seconds:>8.1f}"
        print(f"{label:>14} {resources:>10} {calls:>6} {seconds:>8.2f} {per_second}")
    unpaced, paced = rows[0][1] / rows[0][3], rows[1][1] / rows[1][3]
    print(f"paced/unpaced throughput: {paced / unpaced:.3f} ({unpaced / paced:.1f}x slower)")
    calls = rows[1][2]
    print(
        f"the same {calls} calls at the default {capture.DEFAULT_RATE:g} calls/s: "
        f"{calls / capture.DEFAULT_RATE / 60:.1f} min ({calls / rows[1][1]:.2f} calls per resource)"
    )


if __name__ == "__main__":
    main()
