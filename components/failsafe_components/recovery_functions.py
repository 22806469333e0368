"""Pull-based copiers in the backup account, and the read-only door in prod they pull through.

Production only *shares* (snapshots and AMIs shared with the backup account, parameters readable through
one read-only role); the backup account *copies*, with its own key, on a schedule and on each new-snapshot
notice. A compromised production account can therefore stop sending new copies, but it cannot reach into
the backup account to delete the old ones.

The handlers' code is an argument (``code``, ``copier_handler``, ``params_handler``): failsafe passes its own
``failsafe.ops`` modules (boto3 + stdlib only, their environment variables and IAM actions documented in their
module docstrings); another program can pass its own build of them. The component never looks for code on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, spec
from failsafe_components.errors import bad_arg

RUNTIME = "python3.12"
LOG_RETENTION_DAYS = 90
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS maximum: two weeks to notice and replay a failed copy
COPIER_TAG = "failsafe:copied-by"


def copier_role_name(name_prefix: str) -> str:
    """Deterministic: prod's read-only role trusts the parameter copier by this name (prod never reads dr)."""
    return f"{name_prefix}-params-copier"


def prod_reader_role_name(name_prefix: str) -> str:
    return f"{name_prefix}-dr-reader"


@dataclass(frozen=True)
class RecoveryFunctionsArgs:
    name_prefix: str
    backup_account_id: str
    prod_account_id: str
    region: str
    backup_kms_key_arn: pulumi.Input[str]
    notifications_topic_arn: pulumi.Input[str]
    snapshot_retention_days: int
    parameter_path: str
    secret_prefix: str
    code: pulumi.Archive  # the handlers' modules, e.g. an AssetArchive of .py files (no __pycache__: it would redeploy)
    copier_handler: str  # "module.function" inside ``code``
    params_handler: str
    schedule_expression: str = "rate(6 hours)"
    # 0: unreserved. 1 serialises the copiers (copies are idempotent by source tag either way), but needs the
    # account's Lambda concurrency quota above 10: new accounts often have 10 and refuse any reservation.
    reserved_concurrency: int = 0
    source_region: str = ""  # prod's region, where its shared snapshots live; empty = this region

    def validate(self) -> None:
        if not self.parameter_path.startswith("/") or not self.parameter_path.endswith("/"):
            raise bad_arg(
                "RecoveryFunctionsArgs",
                "parameter_path",
                self.parameter_path,
                "an SSM path that starts and ends with '/'",
            )
        if not self.secret_prefix or self.secret_prefix.startswith("/"):
            raise bad_arg("RecoveryFunctionsArgs", "secret_prefix", self.secret_prefix, "a name prefix such as app/")
        if self.snapshot_retention_days not in spec.RETENTION_DAYS:
            raise bad_arg(
                "RecoveryFunctionsArgs",
                "snapshot_retention_days",
                self.snapshot_retention_days,
                f"{spec.RETENTION_DAYS.low}-{spec.RETENTION_DAYS.high} days",
            )
        if self.backup_account_id == self.prod_account_id:
            raise bad_arg(
                "RecoveryFunctionsArgs",
                "backup_account_id",
                self.backup_account_id,
                "an account other than prod_account_id (copies must leave the prod account)",
            )


class RecoveryFunctions(pulumi.ComponentResource):
    """The copier and parameter-copier Lambdas, each with a dead-letter queue and failure notices."""

    def __init__(self, name: str, args: RecoveryFunctionsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()  # before registration: a bad argument creates nothing
        super().__init__("failsafe:index:RecoveryFunctions", name, None, opts)
        self._args = args
        code = args.code

        dlq = aws.sqs.Queue(
            f"{name}-dlq",
            name=f"{args.name_prefix}-recovery-dlq",
            sqs_managed_sse_enabled=True,
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            opts=pulumi.ResourceOptions(parent=self),
        )

        copier = self._function(
            name,
            "copier",
            args.copier_handler,
            code,
            dlq,
            role_name=f"{args.name_prefix}-snapshot-copier",
            statements=self._copier_statements(),
            environment={
                "BACKUP_KMS_KEY_ARN": args.backup_kms_key_arn,
                "RETENTION_DAYS": str(args.snapshot_retention_days),
                "NOTIFY_TOPIC_ARN": args.notifications_topic_arn,
                "SOURCE_ACCOUNT_ID": args.prod_account_id,
                "SOURCE_REGION": args.source_region or args.region,
            },
            timeout=900,
        )
        params = self._function(
            name,
            "params",
            args.params_handler,
            code,
            dlq,
            role_name=copier_role_name(args.name_prefix),
            statements=self._params_statements(),
            environment={
                "PROD_READ_ROLE_ARN": self._arn(
                    "iam", "", args.prod_account_id, f"role/{prod_reader_role_name(args.name_prefix)}"
                ),
                "PARAMETER_PATH": args.parameter_path,
                "SECRET_PREFIX": args.secret_prefix,
                "SOURCE_REGION": args.source_region or args.region,  # prod's parameters live in prod's region
                "BACKUP_KMS_KEY_ARN": args.backup_kms_key_arn,
                "NOTIFY_TOPIC_ARN": args.notifications_topic_arn,
            },
            timeout=300,
        )

        schedule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            name=f"{args.name_prefix}-recovery-schedule",
            schedule_expression=args.schedule_expression,
            opts=pulumi.ResourceOptions(parent=self),
        )
        for role, function in (("copier", copier), ("params", params)):
            permission = aws.lambda_.Permission(
                f"{name}-{role}-schedule",
                function=function.name,
                action="lambda:InvokeFunction",
                principal="events.amazonaws.com",
                source_arn=schedule.arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{role}-target",
                rule=schedule.name,
                arn=function.arn,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
            )

        # New-snapshot notices from prod arrive on the notifications topic and trigger a copy at once.
        notice_permission = aws.lambda_.Permission(
            f"{name}-copier-notices",
            function=copier.name,
            action="lambda:InvokeFunction",
            principal="sns.amazonaws.com",
            source_arn=args.notifications_topic_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicSubscription(
            f"{name}-copier-notices",
            topic=args.notifications_topic_arn,
            protocol="lambda",
            endpoint=copier.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[notice_permission]),
        )

        self.copier_name = copier.name
        self.params_name = params.name
        self.dead_letter_queue_url = dlq.url
        self.register_outputs(
            {
                "copierName": copier.name,
                "paramsName": params.name,
                "deadLetterQueueUrl": dlq.url,
            }
        )

    def _arn(self, service: str, region: str, account: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{account}:{resource}"

    def _function(
        self,
        name: str,
        role: str,
        handler: str,
        code: pulumi.Archive,
        dlq: aws.sqs.Queue,
        role_name: str,
        statements: list[dict[str, Any]],
        environment: dict[str, pulumi.Input[str]],
        timeout: int,
    ) -> aws.lambda_.Function:
        args = self._args
        function_name = f"{args.name_prefix}-{role}"
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-{role}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=LOG_RETENTION_DAYS,
            opts=pulumi.ResourceOptions(parent=self),
        )
        execution = aws.iam.Role(
            f"{name}-{role}-role",
            name=role_name,
            assume_role_policy=iam.to_json(iam.service_trust("lambda.amazonaws.com")),
            opts=pulumi.ResourceOptions(parent=self),
        )
        common = [
            iam.statement(
                "OwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [pulumi.Output.concat(log_group.arn, ":*")]
            ),
            iam.statement("DeadLetters", "sqs:SendMessage", [dlq.arn]),
            iam.statement("FailureNotices", "sns:Publish", [args.notifications_topic_arn]),
        ]
        policy = aws.iam.RolePolicy(
            f"{name}-{role}-policy",
            role=execution.id,
            policy=iam.to_json(iam.document(*common, *statements)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        function = aws.lambda_.Function(
            f"{name}-{role}",
            name=function_name,
            runtime=RUNTIME,
            handler=handler,
            code=code,
            architectures=["arm64"],
            role=execution.arn,
            timeout=timeout,
            memory_size=256,
            reserved_concurrent_executions=self._args.reserved_concurrency or None,
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=dlq.arn),
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=environment),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=log_group.name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-{role}-on-failure",
            function_name=function.name,
            maximum_retry_attempts=2,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(destination=dlq.arn),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return function

    def _copier_statements(self) -> list[dict[str, Any]]:
        a = self._args
        own_rds = [
            self._arn("rds", a.region, a.backup_account_id, "snapshot:*"),
            self._arn("rds", a.region, a.backup_account_id, "cluster-snapshot:*"),
        ]
        shared_rds = [
            self._arn("rds", "*", a.prod_account_id, "snapshot:*"),
            self._arn("rds", "*", a.prod_account_id, "cluster-snapshot:*"),
        ]
        managed = {"StringEquals": {f"aws:ResourceTag/{COPIER_TAG}": "failsafe"}}
        return [
            iam.statement(
                "FindShared",
                [
                    "rds:DescribeDBSnapshots",
                    "rds:DescribeDBClusterSnapshots",
                    "rds:ListTagsForResource",
                    "ec2:DescribeSnapshots",
                    "ec2:DescribeImages",
                    "ec2:DescribeTags",
                ],
                ["*"],
            ),
            iam.statement("CopyShared", ["rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot"], own_rds + shared_rds),
            iam.statement("TagCopies", "rds:AddTagsToResource", own_rds),
            # EC2 authorises Copy* against the *new* snapshot/image, whose ID does not exist yet: "*" (see
            # docs/data-protection.md, parliament findings).
            iam.statement("CopyEc2", ["ec2:CopySnapshot", "ec2:CopyImage"], ["*"]),
            iam.statement(
                "TagEc2Copies",
                "ec2:CreateTags",
                [self._arn("ec2", a.region, "", "snapshot/*"), self._arn("ec2", a.region, "", "image/*")],
                condition={"StringEquals": {"ec2:CreateAction": ["CopySnapshot", "CopyImage"]}},
            ),
            iam.statement(
                "ExpireOnlyOwnCopies",
                ["rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot", "ec2:DeleteSnapshot", "ec2:DeregisterImage"],
                # Only copies in the backup account's own region, and only those the copier tagged.
                [*own_rds, self._arn("ec2", a.region, "", "snapshot/*"), self._arn("ec2", a.region, "", "image/*")],
                condition=managed,
            ),
            iam.statement(
                "EncryptWithBackupKey",
                [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                    "kms:CreateGrant",
                ],
                [a.backup_kms_key_arn, self._arn("kms", "*", a.prod_account_id, "key/*")],
            ),
        ]

    def _params_statements(self) -> list[dict[str, Any]]:
        a = self._args
        path = a.parameter_path.strip("/")
        return [
            iam.statement(
                "ReadProdThroughReadOnlyRole",
                "sts:AssumeRole",
                [self._arn("iam", "", a.prod_account_id, f"role/{prod_reader_role_name(a.name_prefix)}")],
            ),
            iam.statement(
                "WriteParameterCopies",
                [
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                    "ssm:PutParameter",
                    "ssm:AddTagsToResource",
                    "ssm:ListTagsForResource",
                ],
                [self._arn("ssm", a.region, a.backup_account_id, f"parameter/{path}/*")],
            ),
            iam.statement("DescribeParameters", "ssm:DescribeParameters", ["*"]),
            iam.statement(
                "WriteSecretCopies",
                [
                    "secretsmanager:CreateSecret",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:TagResource",
                    "secretsmanager:UpdateSecret",
                ],
                [self._arn("secretsmanager", a.region, a.backup_account_id, f"secret:{a.secret_prefix}*")],
            ),
            iam.statement(
                "EncryptCopies",
                ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
                [a.backup_kms_key_arn],
            ),
        ]


@dataclass(frozen=True)
class ProdReadAccessArgs:
    name_prefix: str
    backup_account_id: str
    prod_account_id: str
    region: str
    parameter_path: str
    secret_prefix: str


class ProdReadAccess(pulumi.ComponentResource):
    """The one read-only role in prod that the backup account's parameter copier may assume.

    It trusts the copier role by its deterministic name in the backup account (a machine identity, so no
    MFA applies) and can only read the configured parameter path and secret prefix.
    """

    def __init__(self, name: str, args: ProdReadAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("failsafe:index:ProdReadAccess", name, None, opts)
        path = args.parameter_path.strip("/")
        copier = f"arn:aws:iam::{args.backup_account_id}:role/{copier_role_name(args.name_prefix)}"
        role = aws.iam.Role(
            f"{name}-role",
            name=prod_reader_role_name(args.name_prefix),
            max_session_duration=3600,
            assume_role_policy=iam.to_json(
                iam.document(
                    iam.statement("BackupCopierOnly", "sts:AssumeRole", principal={"AWS": copier}),
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-read",
            role=role.id,
            policy=iam.to_json(
                iam.document(
                    iam.statement(
                        "ReadParameters",
                        ["ssm:GetParameter", "ssm:GetParametersByPath"],
                        [f"arn:aws:ssm:{args.region}:{args.prod_account_id}:parameter/{path}/*"],
                    ),
                    iam.statement("DescribeParameters", "ssm:DescribeParameters", ["*"]),
                    iam.statement(
                        "ReadSecrets",
                        ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                        [f"arn:aws:secretsmanager:{args.region}:{args.prod_account_id}:secret:{args.secret_prefix}*"],
                    ),
                    iam.statement("ListSecrets", "secretsmanager:ListSecrets", ["*"]),
                    iam.statement(
                        "DecryptForTheseReadsOnly",
                        "kms:Decrypt",
                        [f"arn:aws:kms:{args.region}:{args.prod_account_id}:key/*"],
                        condition={
                            "StringLike": {
                                "kms:ViaService": [
                                    f"ssm.{args.region}.amazonaws.com",
                                    f"secretsmanager.{args.region}.amazonaws.com",
                                ]
                            }
                        },
                    ),
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_arn = role.arn
        self.register_outputs({"roleArn": role.arn})
