"""ReplicatedBucket: a production bucket whose objects replicate to the backup account, deletes never.

Protects against: loss of the prod account or region (a copy lives in another account and region), and a
compromised or mistaken prod identity deleting data (delete markers are not replicated, the replica is
versioned and object-locked by the dr stack, and the replication role has no delete permission at all).

The replica side (bucket, key, bucket policy) belongs to the dr stack; this component only configures
replication *from* prod, addressed by the ARNs dr exports. Production never holds a provider for the
backup account.

RPO: with Replication Time Control on (config ``replicationTimeControl``), S3 replicates 99.99% of
objects within 15 minutes; without it, replication is asynchronous with no time promise (usually
minutes). ``rpo_minutes`` reports 15 or ``None`` accordingly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, spec
from failsafe_components.buckets import hardened_bucket
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.options import protects_state
from failsafe_components.spec import STORAGE_CLASSES

RTC_MINUTES = 15
REPLICATION_RULE_ID = "to-backup-account"  # the RuleId dimension of the replication metrics


@dataclass(frozen=True)
class ReplicatedBucketArgs:
    bucket_name: str
    destination_bucket_arn: pulumi.Input[str]
    destination_account_id: str
    replica_kms_key_arn: pulumi.Input[str]
    replication_role_name: str
    source_account_id: str
    noncurrent_transition_days: int = 30
    noncurrent_expiration_days: int = 365
    abort_incomplete_upload_days: int = 7
    storage_class: str = "STANDARD_IA"
    time_control: bool = False
    metrics: bool = False
    kms_key_arn: pulumi.Input[str] | None = None  # None: the component creates a key for this bucket
    # The bucket exists already (config adoptBuckets): import it instead of creating it, keep its key (kms_key_arn,
    # required), retain it on delete. Its side settings (versioning, encryption, public access block, ownership,
    # policy, lifecycle, replication) are separate resources that the next `up` writes over the existing ones.
    adopt: bool = False
    # Replication health: alarms on failed operations and on latency above ``alarm_latency_minutes`` (the RPO) to this
    # topic. None: no alarms. Needs ``metrics`` (S3 publishes the replication metrics only with them on).
    alarm_topic_arn: pulumi.Input[str] | None = None
    alarm_latency_minutes: int = RTC_MINUTES

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("ReplicatedBucketArgs", arg, value, expected)

        if not 3 <= len(self.bucket_name) <= 63:
            raise bad("bucket_name", self.bucket_name, "an S3 bucket name of 3-63 characters")
        if self.destination_account_id == self.source_account_id:
            raise bad(
                "destination_account_id",
                self.destination_account_id,
                "an account other than the source account (the copy must survive losing prod)",
            )
        if self.storage_class not in STORAGE_CLASSES:
            raise bad("storage_class", self.storage_class, f"one of {', '.join(STORAGE_CLASSES)}")
        if self.time_control and not self.metrics:
            raise bad("metrics", self.metrics, "True when time_control is on (S3 requires metrics with RTC)")
        if self.noncurrent_expiration_days <= self.noncurrent_transition_days:
            raise bad(
                "noncurrent_expiration_days",
                self.noncurrent_expiration_days,
                f"more than noncurrent_transition_days ({self.noncurrent_transition_days})",
            )
        if self.abort_incomplete_upload_days not in spec.ABORT_UPLOAD_DAYS:
            raise bad("abort_incomplete_upload_days", self.abort_incomplete_upload_days, "1-365")
        if self.alarm_topic_arn is not None and not self.metrics:
            raise bad("metrics", self.metrics, "True when alarm_topic_arn is set (the alarms read replication metrics)")
        if self.adopt and self.kms_key_arn is None:
            raise bad(
                "kms_key_arn",
                None,
                "the ARN of the adopted bucket's existing KMS key when adopt is True (an adopted bucket keeps its key)",
            )
        if not 1 <= self.alarm_latency_minutes <= 10080:
            raise bad("alarm_latency_minutes", self.alarm_latency_minutes, "1-10080 minutes")

    @property
    def rpo_minutes(self) -> int | None:
        return RTC_MINUTES if self.time_control else None


def backfill_role_name(replication_role_name: str) -> str:
    """The S3 Batch Replication role of a bucket (``failsafe-dr backfill`` derives it the same way)."""
    return f"{replication_role_name}-backfill"


class ReplicatedBucket(pulumi.ComponentResource):
    """A hardened prod bucket plus its one-way, delete-free replication to the backup account."""

    def __init__(self, name: str, args: ReplicatedBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()  # before any child exists: nothing half-created
        super().__init__("failsafe:index:ReplicatedBucket", name, None, opts)
        protect = protects_state(opts)  # stateful children: protected unless the caller set protect=False
        child = pulumi.ResourceOptions(parent=self)

        key_arn = args.kms_key_arn
        if key_arn is None:
            key = aws.kms.Key(
                f"{name}-key",
                description=f"SSE-KMS for s3://{args.bucket_name}",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                opts=pulumi.ResourceOptions(parent=self, protect=protect),
            )
            key_arn = key.arn

        parts = hardened_bucket(
            name,
            args.bucket_name,
            kms_key_arn=key_arn,
            noncurrent_transition_days=args.noncurrent_transition_days,
            noncurrent_expiration_days=args.noncurrent_expiration_days,
            abort_incomplete_upload_days=args.abort_incomplete_upload_days,
            parent=self,
            protect=protect,
            adopt=args.adopt,
        )
        bucket = parts.bucket

        role = aws.iam.Role(
            f"{name}-replication",
            name=args.replication_role_name,
            description=f"S3 replication of {args.bucket_name} to the backup account; cannot delete anything",
            assume_role_policy=iam.to_json(
                iam.service_trust(
                    "s3.amazonaws.com",
                    condition={"StringEquals": {"aws:SourceAccount": args.source_account_id}},
                )
            ),
            opts=child,
        )
        # Least privilege: read versions from the source, write replicas to the destination, use the two keys.
        # Deliberately absent: s3:ReplicateDelete and every s3:Delete* action.
        aws.iam.RolePolicy(
            f"{name}-replication-policy",
            role=role.id,
            policy=iam.to_json(
                iam.document(
                    iam.statement(
                        "ReadSourceConfig", ["s3:GetReplicationConfiguration", "s3:ListBucket"], [bucket.arn]
                    ),
                    iam.statement(
                        "ReadSourceVersions",
                        [
                            "s3:GetObjectVersionForReplication",
                            "s3:GetObjectVersionAcl",
                            "s3:GetObjectVersionTagging",
                            # Object Lock retention and legal holds replicate too (S3 User Guide, Object Lock with
                            # replication); without these S3 cannot read them from the source.
                            "s3:GetObjectRetention",
                            "s3:GetObjectLegalHold",
                        ],
                        [pulumi.Output.concat(bucket.arn, "/*")],
                    ),
                    iam.statement(
                        "WriteReplicas",
                        ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
                        [pulumi.Output.concat(args.destination_bucket_arn, "/*")],
                    ),
                    iam.statement("DecryptSource", ["kms:Decrypt"], [key_arn]),
                    # kms:Decrypt too: with S3 Bucket Keys S3 decrypts the bucket-level data key as this role (S3 User
                    # Guide, replicating objects encrypted with SSE-KMS); without it replicas fail silently.
                    iam.statement(
                        "UseReplicaKey",
                        ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                        [args.replica_kms_key_arn],
                    ),
                )
            ),
            opts=child,
        )

        destination: aws.s3.BucketReplicationConfigRuleDestinationArgsDict = {
            "bucket": args.destination_bucket_arn,
            "account": args.destination_account_id,
            "storage_class": args.storage_class,
            "access_control_translation": {"owner": "Destination"},
            "encryption_configuration": {"replica_kms_key_id": args.replica_kms_key_arn},
        }
        if args.time_control:
            destination["replication_time"] = {"status": "Enabled", "time": {"minutes": RTC_MINUTES}}
        if args.metrics:
            destination["metrics"] = {"status": "Enabled", "event_threshold": {"minutes": RTC_MINUTES}}
        replication = aws.s3.BucketReplicationConfig(
            f"{name}-replication-config",
            bucket=parts.versioning.bucket,  # data dependency: replication needs versioning on first
            role=role.arn,
            rules=[
                {
                    "id": REPLICATION_RULE_ID,
                    "status": "Enabled",
                    "priority": 1,
                    "filter": {"prefix": ""},
                    "delete_marker_replication": {"status": "Disabled"},  # deletes never reach the copy
                    "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                    "destination": destination,
                }
            ],
            opts=child,
        )

        if args.alarm_topic_arn is not None:
            self._alarms(name, args, bucket.bucket, replication)

        # Objects that predate the rule: S3 Batch Replication (failsafe-dr backfill) runs as this role and asks S3 to
        # replicate them through the rule above (S3 User Guide, "Configuring an IAM role for S3 Batch Replication").
        backfill = aws.iam.Role(
            f"{name}-backfill",
            name=backfill_role_name(args.replication_role_name),
            description=f"S3 Batch Replication of objects of {args.bucket_name} that predate replication",
            assume_role_policy=iam.to_json(
                iam.service_trust(
                    "batchoperations.s3.amazonaws.com",
                    condition={"StringEquals": {"aws:SourceAccount": args.source_account_id}},
                )
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-backfill-policy",
            role=backfill.id,
            policy=iam.to_json(
                iam.document(
                    iam.statement(
                        "ReplicateExisting", "s3:InitiateReplication", [pulumi.Output.concat(bucket.arn, "/*")]
                    ),
                    iam.statement(
                        "GenerateManifest",
                        ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
                        [bucket.arn],
                    ),
                )
            ),
            opts=child,
        )

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.kms_key_arn = pulumi.Output.from_input(key_arn)
        self.replication_role_arn = role.arn
        self.backfill_role_arn = backfill.arn
        self.replication_id = replication.id
        self.rpo_minutes = args.rpo_minutes
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "bucketArn": self.bucket_arn,
                "replicationRoleArn": self.replication_role_arn,
                "rpoMinutes": self.rpo_minutes,
            }
        )

    def _alarms(
        self, name: str, args: ReplicatedBucketArgs, bucket_name: pulumi.Output[str], replication: pulumi.Resource
    ) -> None:
        """Failed replication and latency above the RPO alarm (S3 User Guide, "Monitoring progress with replication
        metrics": metrics per rule, dimensions SourceBucket, DestinationBucket and RuleId)."""
        destination_name = pulumi.Output.from_input(args.destination_bucket_arn).apply(lambda a: a.split(":::")[-1])
        dimensions = pulumi.Output.all(bucket_name, destination_name).apply(
            lambda names: {"SourceBucket": names[0], "DestinationBucket": names[1], "RuleId": REPLICATION_RULE_ID}
        )
        opts = pulumi.ResourceOptions(parent=self, depends_on=[replication])  # metrics exist once replication does
        common: dict[str, Any] = {
            "namespace": "AWS/S3",
            "dimensions": dimensions,
            "period": 300,
            "alarm_actions": [args.alarm_topic_arn],
            "ok_actions": [args.alarm_topic_arn],
        }
        aws.cloudwatch.MetricAlarm(
            f"{name}-replication-failed",
            name=f"{args.bucket_name}-replication-failed",
            alarm_description=f"Objects of s3://{args.bucket_name} failed to replicate to the backup account "
            "(check the replica key policy and the replication role; docs/data-protection.md)",
            metric_name="OperationsFailedReplication",
            statistic="Sum",
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            treat_missing_data="notBreaching",  # no failures: no data points
            opts=opts,
            **common,
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-replication-latency",
            name=f"{args.bucket_name}-replication-latency",
            alarm_description=f"Replication of s3://{args.bucket_name} lags more than the RPO "
            f"({args.alarm_latency_minutes} minutes)",
            metric_name="ReplicationLatency",
            statistic="Maximum",
            evaluation_periods=2,
            comparison_operator="GreaterThanThreshold",
            threshold=args.alarm_latency_minutes * 60,  # the metric is in seconds
            treat_missing_data="notBreaching",
            opts=opts,
            **common,
        )
