"""A ReplicatedBucket whose replica this program makes by hand: a versioned, KMS-encrypted bucket in another account
and region, with the bucket and key policies that admit the source account's replication role.

Each side has its own provider, pinned to its account. In a real estate the replica side lives in the backup
account's own stack (failsafe's BackupAccount does that); one program is used here to keep the example whole.
"""

import json

import pulumi
import pulumi_aws as aws

from failsafe_components.replicated_bucket import ReplicatedBucket, ReplicatedBucketArgs

config = pulumi.Config()
source_account = config.require("sourceAccountId")
replica_account = config.require("replicaAccountId")
bucket_name = config.require("bucketName")
role_name = f"{bucket_name}-replication"
role_arn = f"arn:aws:iam::{source_account}:role/{role_name}"  # deterministic: the replica side trusts it by name

source = aws.Provider(
    "source",
    region=config.require("sourceRegion"),
    allowed_account_ids=[source_account],
    assume_roles=[{"role_arn": config.require("sourceRoleArn")}],
)
replica = aws.Provider(
    "replica",
    region=config.require("replicaRegion"),
    allowed_account_ids=[replica_account],
    assume_roles=[{"role_arn": config.require("replicaRoleArn")}],
)
on_replica = pulumi.ResourceOptions(provider=replica)

# --- the replica side, by hand ------------------------------------------------------------------------------
key = aws.kms.Key(
    "replica-key",
    enable_key_rotation=True,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{replica_account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    # S3 replication with bucket keys needs Decrypt as well as Encrypt/GenerateDataKey on the
                    # replica key (S3 User Guide, "Replicating objects created with server-side encryption").
                    "Sid": "SourceReplicationRoleEncrypts",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{source_account}:root"},
                    "Action": ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                    "Resource": "*",
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}},
                },
            ],
        }
    ),
    opts=pulumi.ResourceOptions(provider=replica, protect=True),
)
replica_bucket = aws.s3.Bucket(
    "replica", bucket=f"{bucket_name}-replica", opts=pulumi.ResourceOptions(provider=replica, protect=True)
)
versioning = aws.s3.BucketVersioning(
    "replica-versioning", bucket=replica_bucket.id, versioning_configuration={"status": "Enabled"}, opts=on_replica
)
aws.s3.BucketPublicAccessBlock(
    "replica-public-access",
    bucket=replica_bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
    opts=on_replica,
)
aws.s3.BucketPolicy(
    "replica-policy",
    bucket=replica_bucket.id,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SourceReplicationRoleWrites",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{source_account}:root"},
                    "Action": ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
                    "Resource": pulumi.Output.concat(replica_bucket.arn, "/*"),
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}},
                },
                {
                    "Sid": "SourceReplicationRoleReadsVersioning",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{source_account}:root"},
                    "Action": ["s3:GetBucketVersioning", "s3:ListBucket"],
                    "Resource": replica_bucket.arn,
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}},
                },
            ],
        }
    ),
    opts=pulumi.ResourceOptions(provider=replica, depends_on=[versioning]),
)

# --- the source side: the component ------------------------------------------------------------------------
orders = ReplicatedBucket(
    "orders",
    ReplicatedBucketArgs(
        bucket_name=bucket_name,
        destination_bucket_arn=replica_bucket.arn,
        destination_account_id=replica_account,
        replica_kms_key_arn=key.arn,
        replication_role_name=role_name,
        source_account_id=source_account,
    ),
    opts=pulumi.ResourceOptions(provider=source),  # protect unset: the component protects the bucket and its key
)
pulumi.export("sourceBucket", orders.bucket_name)
pulumi.export("replicaBucket", replica_bucket.bucket)
