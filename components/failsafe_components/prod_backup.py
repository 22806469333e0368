"""ProdBackup: AWS Backup in prod, copying into the backup account's vault, and snapshot events forwarded to dr.

Protects against: loss of a tagged RDS database or cluster, DynamoDB table, EBS volume, EFS file system or (opt-in)
S3 bucket, by recovery points taken on a schedule into a prod vault and copied, by AWS Backup itself, into the backup
account's vault in the dr region (a copy that survives losing the prod account or region).

What is backed up: resources of the configured types that carry the tag ``failsafe:backup = true`` (AWS Backup
Developer Guide, "Assigning resources to a backup plan": ``Resources`` and ``Conditions`` are ANDed). The resource
types must also be opted in to AWS Backup in the account and region (``RegionSettings``, account-wide: documented in
docs/data-protection.md, not managed here, since another team's plans depend on it too).

The copy action is cross-account: AWS Backup needs AWS Organizations with cross-account backup turned on in the
management account (one-time setup, docs/data-protection.md); the vault policy in the backup account admits copies
from the prod account only (BackupAccount, ``ProdCopiesIn``). With ``air_gapped_vault_arn`` the same rule copies each
recovery point a second time, into the backup account's logically air-gapped vault (AirGappedVault), with its own
lifecycle: one rule, two copy actions, of the five AWS Backup allows per rule ("AWS Backup quotas", Policy quotas).

Snapshot events: an EventBridge rule on prod's default bus forwards RDS snapshot, EBS snapshot and AMI completion
events to the event bus the dr stack creates (EventIntake), through a role that may ``events:PutEvents`` on that bus
only (EventBridge User Guide, "Sending and receiving events between AWS accounts": a cross-account bus target needs a
role in the sending account). There the copier runs within minutes instead of on its schedule.

RPO of Backup copies: the interval plus the completion window (:func:`spec.backup_worst_case_minutes`), plus the
copy's own duration.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, spec
from failsafe_components.dns_failover import alarm_key_policy, alarm_topic_policy
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.options import protects_state

# The AWS-managed policies AWS Backup's own service role uses (AWS Backup Developer Guide, "Managed policies").
BACKUP_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)
S3_BACKUP_POLICIES = (
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
)

# Completion events of what the copier copies (EventBridge event reference for RDS and EC2). The copier itself
# keeps only snapshots that are available and shared, so the pattern may be broad.
SNAPSHOT_EVENT_PATTERN = {
    "source": ["aws.rds", "aws.ec2"],
    "detail-type": [
        "RDS DB Snapshot Event",
        "RDS DB Cluster Snapshot Event",
        "EBS Snapshot Notification",
        "EC2 AMI State Change",
    ],
}


def backup_vault_name(name_prefix: str) -> str:
    """The prod-side vault; an organization backup policy names it as ``target_backup_vault_name`` in every member."""
    return f"{name_prefix}-prod"


def backup_role_name(name_prefix: str) -> str:
    """The role AWS Backup runs as; an organization backup policy names it by ``$account`` in every member."""
    return f"{name_prefix}-backup-service"


def event_bus_name(name_prefix: str) -> str:
    """The dr event bus's name, deterministic so prod addresses it without reading dr's state."""
    return f"{name_prefix}-snapshot-events"


def event_bus_arn(name_prefix: str, account_id: str, region: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:event-bus/{event_bus_name(name_prefix)}"


@dataclass(frozen=True)
class ProdBackupArgs:
    name_prefix: str
    prod_account_id: str
    backup_account_id: str
    destination_vault_arn: pulumi.Input[str] | None  # None: no copy action (the recovery points stay in prod)
    organization_id: str | None = None  # required with a copy action: cross-account copies need Organizations
    interval_hours: int = 1
    completion_window_minutes: int = 120
    retention_days: int = 35  # in prod's vault
    copy_retention_days: int = 35  # in the backup account's vault
    resource_types: tuple[str, ...] = ("RDS", "DynamoDB", "EBS", "EFS")
    event_bus_arn: str | None = None  # the dr bus snapshot events are forwarded to; None: no forwarding
    # Where prod's data-protection alarms go (replication failures and latency, ReplicatedBucket): a topic given by
    # ARN, or None to create one here, encrypted with a key CloudWatch may use, with these (protocol, endpoint)s.
    alert_topic_arn: str | None = None
    alert_subscriptions: tuple[tuple[str, str], ...] = ()
    # False: the organization's backup policy makes this account's plan (stack org, OrganizationPolicies); only the
    # vault and the role it names are made here, by their fixed names (backup_vault_name, backup_role_name).
    backup_plan: bool = True
    # The backup account's logically air-gapped vault (AirGappedVault): a second copy action of the rule, kept
    # air_gapped_retention_days, which must lie within that vault's min/max retention or AWS Backup refuses the copy.
    air_gapped_vault_arn: pulumi.Input[str] | None = None
    air_gapped_retention_days: int = 35
    critical: bool = False  # tags the plan failsafe:critical=true: `check` warns while it has no air-gapped copy

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("ProdBackupArgs", arg, value, expected)

        if self.backup_account_id == self.prod_account_id:
            raise bad("backup_account_id", self.backup_account_id, "an account other than prod")
        if not self.backup_plan and self.destination_vault_arn is not None:
            raise bad(
                "destination_vault_arn",
                self.destination_vault_arn,
                "None without a backup plan here: the organization's backup policy holds the copy action",
            )
        if self.destination_vault_arn is not None and not self.organization_id:
            raise bad(
                "organization_id",
                self.organization_id,
                "the AWS Organizations ID (o-...) with cross-account backup on: AWS Backup refuses cross-account "
                "copies outside an organization",
            )
        if self.air_gapped_vault_arn is not None and not self.organization_id:
            raise bad(
                "organization_id",
                self.organization_id,
                "the AWS Organizations ID (o-...) with cross-account backup on: the air-gapped vault is in another "
                "account, and AWS Backup refuses cross-account copies outside an organization",
            )
        if self.air_gapped_retention_days not in spec.AIR_GAPPED_RETENTION_DAYS:
            raise bad("air_gapped_retention_days", self.air_gapped_retention_days, "7-36500 days")
        if len(self.copy_destinations) > spec.BACKUP_COPY_ACTIONS_PER_RULE:
            raise bad("air_gapped_vault_arn", self.air_gapped_vault_arn, "at most 5 copy actions per rule (AWS)")
        if self.interval_hours not in spec.BACKUP_INTERVAL_HOURS:
            raise bad("interval_hours", self.interval_hours, f"one of {spec.BACKUP_INTERVAL_HOURS}")
        if self.completion_window_minutes not in spec.BACKUP_COMPLETION_MINUTES:
            low, high = spec.BACKUP_COMPLETION_MINUTES
            raise bad("completion_window_minutes", self.completion_window_minutes, f"{low}-{high}")
        for arg in ("retention_days", "copy_retention_days"):
            if getattr(self, arg) not in spec.RETENTION_DAYS:
                raise bad(arg, getattr(self, arg), "1-36500 days")
        unknown = [t for t in self.resource_types if t not in spec.BACKUP_RESOURCE_PATTERNS]
        if not self.resource_types or unknown:
            raise bad("resource_types", self.resource_types, f"some of {', '.join(spec.BACKUP_RESOURCE_PATTERNS)}")
        if self.alert_topic_arn is None and not self.alert_subscriptions:
            raise bad(
                "alert_subscriptions",
                self.alert_subscriptions,
                "a subscription, or alert_topic_arn: alarms nobody receives protect nothing",
            )
        if self.event_bus_arn is not None and f":{self.backup_account_id}:" not in self.event_bus_arn:
            raise bad("event_bus_arn", self.event_bus_arn, "an event bus of the backup account")

    @property
    def copy_destinations(self) -> list[tuple[pulumi.Input[str], int]]:
        """(destination vault ARN, days kept there) of each copy action of the rule."""
        found: list[tuple[pulumi.Input[str], int]] = []
        if self.destination_vault_arn is not None:
            found.append((self.destination_vault_arn, self.copy_retention_days))
        if self.air_gapped_vault_arn is not None:
            found.append((self.air_gapped_vault_arn, self.air_gapped_retention_days))
        return found

    @property
    def schedule(self) -> str:
        hours = "*" if self.interval_hours == 1 else f"*/{self.interval_hours}"
        return f"cron(0 {hours} * * ? *)"

    @property
    def worst_case_minutes(self) -> int:
        return spec.backup_worst_case_minutes(self.interval_hours, self.completion_window_minutes)


class ProdBackup(pulumi.ComponentResource):
    """A backup plan over tagged resources with a copy into the backup account, and snapshot event forwarding."""

    def __init__(self, name: str, args: ProdBackupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:ProdBackup", name, None, opts)
        protect = protects_state(opts)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=protect)
        prod_root = f"arn:aws:iam::{args.prod_account_id}:root"

        # A customer-managed key: copies of fully managed resources (DynamoDB, EFS, S3) are encrypted with the
        # source vault's key, and the backup account must be able to use it to copy them.
        key = aws.kms.Key(
            f"{name}-vault-key",
            description="AWS Backup recovery points in prod (the backup account may copy them)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=iam.to_json(
                iam.document(
                    iam.statement("AccountAdministersKey", "kms:*", "*", principal={"AWS": prod_root}),
                    iam.statement(
                        "BackupAccountCopies",
                        ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
                        "*",
                        principal={"AWS": f"arn:aws:iam::{args.backup_account_id}:root"},
                        condition={"StringLike": {"kms:ViaService": "backup.*.amazonaws.com"}},
                    ),
                )
            ),
            opts=stateful,
        )
        vault = aws.backup.Vault(
            f"{name}-vault", name=backup_vault_name(args.name_prefix), kms_key_arn=key.arn, opts=stateful
        )

        role = aws.iam.Role(
            f"{name}-service",
            name=backup_role_name(args.name_prefix),
            description="AWS Backup takes and copies recovery points of tagged prod resources",
            assume_role_policy=iam.to_json(
                iam.service_trust(
                    "backup.amazonaws.com", condition={"StringEquals": {"aws:SourceAccount": args.prod_account_id}}
                )
            ),
            opts=child,
        )
        policies = BACKUP_POLICIES + (S3_BACKUP_POLICIES if "S3" in args.resource_types else ())
        for arn in policies:
            aws.iam.RolePolicyAttachment(
                f"{name}-service-{arn.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn, opts=child
            )

        self.plan_id: pulumi.Output[str] | None = None
        if args.backup_plan:
            rule: aws.backup.PlanRuleArgsDict = {
                "rule_name": "failsafe",
                "target_vault_name": vault.name,
                "schedule": args.schedule,
                "start_window": spec.BACKUP_START_WINDOW_MINUTES,
                "completion_window": args.completion_window_minutes,
                "lifecycle": {"delete_after": args.retention_days},
                "recovery_point_tags": {"failsafe:plan": args.name_prefix},
            }
            if args.copy_destinations:
                rule["copy_actions"] = [
                    {"destination_vault_arn": arn, "lifecycle": {"delete_after": days}}
                    for arn, days in args.copy_destinations
                ]
            critical = {spec.CRITICAL_TAG_KEY: spec.CRITICAL_TAG_VALUE} if args.critical else None
            plan = aws.backup.Plan(
                f"{name}-plan", name=f"{args.name_prefix}-prod", rules=[rule], tags=critical, opts=child
            )
            aws.backup.Selection(
                f"{name}-tagged",
                name=f"{args.name_prefix}-tagged",
                plan_id=plan.id,
                iam_role_arn=role.arn,
                resources=[p for t in args.resource_types for p in spec.BACKUP_RESOURCE_PATTERNS[t]],
                conditions=[
                    {
                        "string_equals": [
                            {"key": f"aws:ResourceTag/{spec.BACKUP_TAG_KEY}", "value": spec.BACKUP_TAG_VALUE}
                        ]
                    }
                ],
                opts=child,
            )
            self.plan_id = plan.id

        self.forwarding_role_arn: pulumi.Output[str] | None = None
        if args.event_bus_arn is not None:
            forward = aws.iam.Role(
                f"{name}-forward",
                name=f"{args.name_prefix}-snapshot-events-forward",
                description="EventBridge forwards prod's snapshot events to the backup account's event bus",
                assume_role_policy=iam.to_json(
                    iam.service_trust(
                        "events.amazonaws.com",
                        condition={"StringEquals": {"aws:SourceAccount": args.prod_account_id}},
                    )
                ),
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-forward-policy",
                role=forward.id,
                policy=iam.to_json(
                    iam.document(iam.statement("PutOnBackupBus", "events:PutEvents", args.event_bus_arn))
                ),
                opts=child,
            )
            event_rule = aws.cloudwatch.EventRule(
                f"{name}-snapshot-events",
                name=f"{args.name_prefix}-snapshot-events",
                description="Snapshot and AMI completions, forwarded to the backup account's copier",
                event_pattern=json.dumps(SNAPSHOT_EVENT_PATTERN),
                opts=child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-snapshot-events-to-backup",
                rule=event_rule.name,
                target_id="backup-account-bus",
                arn=args.event_bus_arn,
                role_arn=forward.arn,
                opts=child,
            )
            self.forwarding_role_arn = forward.arn

        self.alert_topic_arn: pulumi.Output[str] = pulumi.Output.from_input(
            args.alert_topic_arn or self._alert_topic(name, args, protect)
        )
        self.vault_name = vault.name
        self.service_role_arn = role.arn
        self.worst_case_minutes = args.worst_case_minutes
        self.register_outputs(
            {
                "vaultName": self.vault_name,
                "planId": self.plan_id,
                "serviceRoleArn": self.service_role_arn,
                "worstCaseMinutes": self.worst_case_minutes,
                "alertTopicArn": self.alert_topic_arn,
            }
        )

    def _alert_topic(self, name: str, args: ProdBackupArgs, protect: bool) -> pulumi.Output[str]:
        """CloudWatch cannot publish to a topic under ``alias/aws/sns``: a customer-managed key admits it."""
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=protect)
        key = aws.kms.Key(
            f"{name}-alerts-key",
            description="Data-protection alarm notices of prod (CloudWatch may encrypt)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=iam.to_json(alarm_key_policy(args.prod_account_id)),
            opts=stateful,
        )
        topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"{args.name_prefix}-data-protection-alarms",
            kms_master_key_id=key.arn,
            opts=stateful,
        )
        aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=topic.arn,
            policy=iam.to_json(alarm_topic_policy(topic.arn, args.prod_account_id)),
            opts=child,
        )
        for protocol, endpoint in args.alert_subscriptions:
            aws.sns.TopicSubscription(
                f"{name}-alerts-{protocol}-{re.sub(r'[^A-Za-z0-9.@_-]+', '-', endpoint)}",  # keyed by endpoint
                topic=topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                opts=child,
            )
        return topic.arn
