"""One resource per AWS quota, one unit over the limit (``<kind>-over``), and a twin exactly at the limit
(``<kind>-at``): what the pack's quota policies must fail and pass. Sizes are measured the way each service counts
(failsafe_guardrails.limits); documents are compact JSON, so the text as sent is the text without white space."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
account = config.require("accountId")
provider = aws.Provider("pinned", region=config.require("region"), allowed_account_ids=[account])
opts = pulumi.ResourceOptions(provider=provider)

LIMITS = {  # the figures of failsafe_guardrails.limits, written out: the test compares the two
    "bucket-policy": 20_000,
    "key-policy": 32_768,
    "trust-policy": 2_048,
    "managed-policy": 6_144,
    "inline-policies": 10_240,
    "scp": 10_240,
    "rcp": 5_120,
    "backup-policy": 10_000,
    "bus-policy": 10_240,
}


def sized(size: int, statement: dict) -> str:
    """A compact policy document of exactly ``size`` characters (ASCII: bytes too), padded in its Sid."""

    def text(pad: int) -> str:
        return json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Sid": "P" * pad, **statement}]}, separators=(",", ":")
        )

    pad = size - len(text(0))
    assert pad > 0, size
    out = text(pad)
    assert len(out) == size
    return out


def backup_content(size: int) -> str:
    """A backup policy document of exactly ``size`` characters (padded in the plan name)."""

    def text(pad: int) -> str:
        return json.dumps({"plans": {"p" * pad: {"regions": {"@@assign": ["eu-west-1"]}}}}, separators=(",", ":"))

    out = text(size - len(text(0)))
    assert len(out) == size
    return out


ALLOW_READ = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/*",
}
TRUST = {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}
IDENTITY = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
DENY = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
RCP_DENY = {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
PUT_EVENTS = {
    "Effect": "Allow",
    "Principal": {"AWS": account},
    "Action": "events:PutEvents",
    "Resource": f"arn:aws:events:eu-west-1:{account}:event-bus/default",
}

for suffix, extra in (("at", 0), ("over", 1)):
    aws.s3.BucketPolicy(
        f"bucket-policy-{suffix}",
        bucket=f"b-{suffix}",
        policy=sized(LIMITS["bucket-policy"] + extra, ALLOW_READ),
        opts=opts,
    )
    aws.kms.Key(f"key-policy-{suffix}", policy=sized(LIMITS["key-policy"] + extra, ALLOW_READ), opts=opts)
    aws.iam.Role(f"trust-policy-{suffix}", assume_role_policy=sized(LIMITS["trust-policy"] + extra, TRUST), opts=opts)
    aws.iam.Policy(f"managed-policy-{suffix}", policy=sized(LIMITS["managed-policy"] + extra, IDENTITY), opts=opts)
    half = LIMITS["inline-policies"] // 2
    aws.iam.Role(
        f"inline-policies-{suffix}",
        assume_role_policy=sized(200, TRUST),
        inline_policies=[
            {"name": "first", "policy": sized(half, IDENTITY)},
            {"name": "second", "policy": sized(half + extra, IDENTITY)},
        ],
        opts=opts,
    )
    aws.organizations.Policy(
        f"scp-{suffix}", type="SERVICE_CONTROL_POLICY", content=sized(LIMITS["scp"] + extra, DENY), opts=opts
    )
    aws.organizations.Policy(
        f"rcp-{suffix}", type="RESOURCE_CONTROL_POLICY", content=sized(LIMITS["rcp"] + extra, RCP_DENY), opts=opts
    )
    aws.organizations.Policy(
        f"backup-policy-{suffix}",
        type="BACKUP_POLICY",
        content=backup_content(LIMITS["backup-policy"] + extra),
        opts=opts,
    )
    aws.cloudwatch.EventBusPolicy(
        f"bus-policy-{suffix}",
        event_bus_name="default",
        policy=sized(LIMITS["bus-policy"] + extra, PUT_EVENTS),
        opts=opts,
    )
    aws.s3.BucketReplicationConfig(
        f"replication-rules-{suffix}",
        bucket=f"source-{suffix}",
        role=f"arn:aws:iam::{account}:role/replication",
        rules=[
            {
                "id": f"r{i}",
                "status": "Enabled",
                "priority": i,
                "filter": {"prefix": f"p{i}/"},
                "deleteMarkerReplication": {"status": "Disabled"},
                "destination": {"bucket": "arn:aws:s3:::replica"},
            }
            for i in range(1_000 + extra)
        ],
        opts=opts,
    )
    # Organizations policies per target: FullAWSAccess / RCPFullAWSAccess take one slot each; backup policies none
    target = f"ou-ex12-{suffix}target"
    for kind, count, statement in (
        ("SERVICE_CONTROL_POLICY", 9, DENY),
        ("RESOURCE_CONTROL_POLICY", 4, RCP_DENY),
        ("BACKUP_POLICY", 10, None),
    ):
        for i in range(count + extra):
            content = backup_content(80) if statement is None else sized(200, statement)
            policy = aws.organizations.Policy(f"{kind.lower()}-{suffix}-{i}", type=kind, content=content, opts=opts)
            aws.organizations.PolicyAttachment(
                f"{kind.lower()}-{suffix}-{i}-to-target", policy_id=policy.id, target_id=target, opts=opts
            )
    plan = aws.backup.Plan(f"backup-plan-{suffix}", rules=[{"rule_name": "r", "target_vault_name": "v"}], opts=opts)
    for i in range(100 + extra):
        aws.backup.Selection(
            f"assignment-{suffix}-{i}",
            plan_id=plan.id,
            name=f"s{i}",
            iam_role_arn=f"arn:aws:iam::{account}:role/backup",
            resources=[f"arn:aws:dynamodb:eu-west-1:{account}:table/t{i}"],
            opts=opts,
        )
    arns_plan = aws.backup.Plan(f"arns-plan-{suffix}", rules=[{"rule_name": "r", "target_vault_name": "v"}], opts=opts)
    aws.backup.Selection(
        f"selection-arns-{suffix}",
        plan_id=arns_plan.id,
        name="many",
        iam_role_arn=f"arn:aws:iam::{account}:role/backup",
        resources=[f"arn:aws:dynamodb:eu-west-1:{account}:table/t{i}" for i in range(500 + extra)],
        opts=opts,
    )
    aws.backup.Selection(
        f"selection-wildcards-{suffix}",
        plan_id=arns_plan.id,
        name="wild",
        iam_role_arn=f"arn:aws:iam::{account}:role/backup",
        resources=[f"arn:aws:dynamodb:eu-west-1:{account}:table/t{i}*" for i in range(30 + extra)],
        opts=opts,
    )
