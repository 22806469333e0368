"""Every published figure the recovery model uses, with the page and section it comes from, and the pricing pages of
the dimensions a protection adds. Looked up on the providers' own documentation; a figure with no page here is not
used. Where a page says "typically" or gives no number, the model's term is ``none promised`` or ``UNKNOWN``, and the
page is cited for saying so.
"""

from __future__ import annotations

from failsafe.tooling.recovery.terms import Doc

# --- Amazon S3 -------------------------------------------------------------------------------------------------------
S3_RTC = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html",
    "Meeting compliance requirements using S3 Replication Time Control (S3 RTC)",
    "S3 RTC replicates most objects in seconds and 99.99 percent of them within 15 minutes",
)
S3_RTC_SLA = Doc(
    "https://aws.amazon.com/s3/sla-rtc/",
    "Feature Commitment",
    "service credits when fewer than 99.9% of the objects of a month replicate within 15 minutes",
)
RTC_MINUTES = 15.0
S3_REPLICATION_TIME = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-troubleshoot.html",
    "Troubleshooting replication",
    "the majority of objects replicate within 15 minutes, sometimes a couple of hours, in rare cases longer",
)
S3_STORAGE_CLASSES = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html",
    "Comparing the Amazon S3 storage classes",
    "every storage class but S3 One Zone-IA and S3 Express One Zone stores objects in at least three Availability "
    "Zones; One Zone-IA data is lost when its Availability Zone is destroyed",
)
SINGLE_AZ_CLASSES = ("ONEZONE_IA", "EXPRESS_ONEZONE")
S3_ARCHIVE_RETRIEVAL = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html",
    "Understanding archive retrieval options",
    "archived objects must be restored before they can be read; Standard retrievals typically finish within 3-5 hours "
    "(Glacier Flexible Retrieval) or 12 hours (Deep Archive), Bulk within 5-12 or 48 hours: typical times, no promise",
)
ARCHIVE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")
S3_VERSIONING = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
    "Retaining multiple versions of objects with S3 Versioning",
    "a delete on a versioned bucket inserts a delete marker; the earlier versions stay and can be read back",
)
S3_DELETE_MARKERS = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html",
    "Replicating delete markers between buckets",
    "with a Filter in the rule, delete markers are replicated only when DeleteMarkerReplication is Enabled; version "
    "deletes (DeleteObjectVersion) are never replicated",
)
S3_LIFECYCLE = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html",
    "Lifecycle configuration elements: NoncurrentVersionExpiration",
    "S3 permanently deletes a noncurrent version the given number of days after it became noncurrent",
)
S3_OBJECT_LOCK = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html",
    "Locking objects with Object Lock: Retention modes",
    "in governance mode a user with s3:BypassGovernanceRetention can delete a locked version; in compliance mode "
    "nobody can, not even the root user, until the retention period ends",
)
S3_DELETE_BUCKET = Doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html",
    "DeleteBucket",
    "all objects, including every version and delete marker, must be deleted before the bucket can be deleted",
)
S3_PRICING = "https://aws.amazon.com/s3/pricing/"

# --- AWS Backup ------------------------------------------------------------------------------------------------------
BACKUP_WINDOWS = Doc(
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html",
    "BackupRule: StartWindowMinutes, CompletionWindowMinutes",
    "a job that has not started StartWindowMinutes after its scheduled time is canceled; a started job must complete "
    "within CompletionWindowMinutes after it started",
)
BACKUP_SCHEDULE = Doc(
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/plan-options-and-configuration.html",
    "Backup plan options and configuration: Backup frequency, Backup window",
    "the rule's cron expression (UTC) sets when AWS Backup starts jobs; the window says how long one may take to start "
    "and to complete",
)
BACKUP_COPY = Doc(
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html",
    "Creating backup copies across AWS accounts",
    "a copy action copies a recovery point after its backup job completes; AWS Backup publishes no duration for copy "
    "jobs",
)
BACKUP_RESTORE = Doc(
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-a-backup.html",
    "Restore a backup by resource type",
    "AWS Backup publishes no restore duration; ExpectedCompletionTimeMinutes is reported per job once it runs",
)
BACKUP_VAULT_LOCK = Doc(
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html",
    "AWS Backup Vault Lock",
    "a vault lock in compliance mode cannot be changed or removed once its grace time ends; in governance mode users "
    "with the permission can remove it",
)
BACKUP_DELETE_VAULT = Doc(
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupVault.html",
    "DeleteBackupVault",
    "a backup vault can be deleted only when it holds no recovery points",
)
BACKUP_PRICING = "https://aws.amazon.com/backup/pricing/"
# ARN services a backup selection names, and the AWS Backup resource type each is (AWS Backup Developer Guide,
# "Supported AWS resources and third-party applications"; the ResourceType of a restore job).
BACKUP_TYPES_BY_ARN = (
    ("arn:aws:rds:", ":cluster:", "Aurora"),
    ("arn:aws:rds:", ":db:", "RDS"),
    ("arn:aws:dynamodb:", "", "DynamoDB"),
    ("arn:aws:ec2:", ":volume/", "EBS"),
    ("arn:aws:ec2:", ":instance/", "EC2"),
    ("arn:aws:elasticfilesystem:", "", "EFS"),
    ("arn:aws:fsx:", "", "FSx"),
    ("arn:aws:s3:::", "", "S3"),
)

# --- snapshots, parameters, Lambda, EventBridge -----------------------------------------------------------------------
SNAPSHOT_COPY = Doc(
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html",
    "Copy an Amazon EBS snapshot",
    "a snapshot copy runs asynchronously; no completion time is published (RDS: CopyDBSnapshot, likewise)",
)
EVENTBRIDGE_SCHEDULE = Doc(
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html",
    "Using cron and rate expressions to schedule rules",
    "a rate expression runs the rule at that interval from the rule's creation; schedules have a precision of a minute",
)
EVENTBRIDGE_DELIVERY = Doc(
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html",
    "Event retry policy and using dead-letter queues",
    "EventBridge retries a failed delivery for up to 24 hours by default; it publishes no delivery time",
)
LAMBDA_TIMEOUT = Doc(
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",
    "Configure Lambda function timeout",
    "Lambda stops an invocation when it reaches the function's timeout",
)
PARAMETER_VERSIONS = Doc(
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-versions.html",
    "Working with parameter versions",
    "Parameter Store keeps up to 100 versions of a parameter",
)
REGIONAL_SERVICES = Doc(
    "https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/regional-services.html",
    "AWS Fault Isolation Boundaries: Regional services",
    "regional services are built on several Availability Zones and keep working when one of them is impaired",
)
EBS_PRICING = "https://aws.amazon.com/ebs/pricing/"
RDS_PRICING = "https://aws.amazon.com/rds/pricing/"
LAMBDA_PRICING = "https://aws.amazon.com/lambda/pricing/"
EVENTBRIDGE_PRICING = "https://aws.amazon.com/eventbridge/pricing/"
SECRETS_PRICING = "https://aws.amazon.com/secrets-manager/pricing/"
SSM_PRICING = "https://aws.amazon.com/systems-manager/pricing/"
CLOUDWATCH_PRICING = "https://aws.amazon.com/cloudwatch/pricing/"
KMS_PRICING = "https://aws.amazon.com/kms/pricing/"
DATA_TRANSFER_PRICING = "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer"

# --- Route 53 ---------------------------------------------------------------------------------------------------------
ROUTE53_HEALTH = Doc(
    "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html",
    "How Route 53 determines the status of health checks that monitor an endpoint",
    "checkers probe every 10 or 30 seconds and an endpoint is unhealthy after the failure threshold of consecutive "
    "failed checks; the first may come up to an interval late, and a check waits 4 s to connect and 2 s for a "
    "response; no time is published for a calculated check to follow its children",
)
ROUTE53_PROPAGATION = Doc(
    "https://aws.amazon.com/route53/faqs/",
    "How quickly will changes I make to my DNS settings on Amazon Route 53 propagate globally?",
    "Route 53 is designed to propagate updates to its authoritative servers within 60 seconds under normal conditions",
)
PROPAGATION_MINUTES = 1.0
ROUTE53_TTL = Doc(
    "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-failover.html",
    "Values specific for failover records: TTL",
    "resolvers cache a record for its TTL; an alias record takes the TTL of its target",
)
ROUTE53_PRICING = "https://aws.amazon.com/route53/pricing/"

# --- GitHub Actions ---------------------------------------------------------------------------------------------------
GITHUB_SCHEDULE = Doc(
    "https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#schedule",
    "Events that trigger workflows: schedule",
    "the schedule event can be delayed during periods of high load, and when the load is high enough some queued jobs "
    "may be dropped",
)
GITHUB_TIMEOUT = Doc(
    "https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idtimeout-minutes",
    "jobs.<job_id>.timeout-minutes",
    "GitHub cancels a job that runs longer than its timeout-minutes (360 when not set)",
)
GITHUB_DEFAULT_TIMEOUT_MINUTES = 360.0
GITHUB_PRICING = (
    "https://docs.github.com/en/billing/managing-billing-for-your-products/managing-billing-for-github-actions/"
    "about-billing-for-github-actions"
)

# --- Pulumi and KMS (a destroyed stack) ------------------------------------------------------------------------------
PULUMI_PROTECT = Doc(
    "https://www.pulumi.com/docs/iac/concepts/options/protect/",
    "Resource option: protect",
    "pulumi destroy and any update that would delete a protected resource fail until protect is removed",
)
PULUMI_RETAIN = Doc(
    "https://www.pulumi.com/docs/iac/concepts/options/retainondelete/",
    "Resource option: retainOnDelete",
    "a retained resource is removed from the state but not deleted in the cloud",
)
KMS_DELETION = Doc(
    "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
    "Deleting AWS KMS keys: waiting period",
    "a key is deleted only after its waiting period of 7-30 days, during which the deletion can be cancelled",
)
