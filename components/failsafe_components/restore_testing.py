"""RestoreTesting: AWS Backup restores the backup account's recovery points on a schedule, and Backup Audit Manager
judges how long they took against the RTO.

Protects against: backups that exist but do not restore (a key the restore role cannot use, metadata that no longer
fits, a restore that takes longer than the RTO allows) going unnoticed until the day they are needed. AWS Backup
restores the latest recovery point of the vault within the selection window, records the job and its duration
(``ListRestoreJobs ByRestoreTestingPlanArn``; ``failsafe-dr restore tests`` reports them), and deletes the restored
resource after the validation window.

The framework holds the restore-time control (``RESTORE_TIME_FOR_RESOURCES_MEET_TARGET``, input ``maxRestoreTime`` in
minutes) and, when ``copy_to_accounts`` is given, the cross-account copy control
(``BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT``, input ``crossAccountList``): AWS Backup Developer Guide, "Controls
and remediation" and "Creating frameworks using the AWS Backup API". The copy control judges the resources of the
account the framework is in, so it belongs where the copies are made (prod); in the backup account it is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from failsafe_components import spec
from failsafe_components.errors import bad_arg

ALGORITHM = "LATEST_WITHIN_WINDOW"
RESTORE_TIME_CONTROL = "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"
CROSS_ACCOUNT_CONTROL = "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT"
RESOURCE_TYPES = spec.RESTORE_TEST_RESOURCE_TYPES
SCHEDULE = spec.SCHEDULE_EXPRESSION
ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class RestoreTestingArgs:
    name_prefix: str
    vault_arn: pulumi.Input[str]  # the vault whose recovery points are restored
    restore_role_arn: pulumi.Input[str]  # trusted by backup.amazonaws.com, with the restore managed policies
    schedule: str = "cron(0 5 ? * SUN *)"  # weekly, Sunday 05:00 UTC
    resource_type: str = "EBS"  # one of the types prod backs up and copies into the vault
    rto_minutes: int = 240  # the restore-time target the framework judges each restore against
    selection_window_days: int = 7
    start_window_hours: int = 8
    validation_window_hours: int = 4
    copy_to_accounts: tuple[str, ...] = ()  # the cross-account copy control, where the copies are made

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> Exception:
            return bad_arg("RestoreTestingArgs", arg, value, expected)

        if not SCHEDULE.fullmatch(self.schedule):
            raise bad("schedule", self.schedule, "an EventBridge cron(...) or rate(...) expression")
        if self.resource_type not in RESOURCE_TYPES:
            raise bad("resource_type", self.resource_type, f"one of {', '.join(RESOURCE_TYPES)}")
        if not 1 <= self.rto_minutes <= 10080:
            raise bad("rto_minutes", self.rto_minutes, "1-10080 minutes")
        if not 1 <= self.selection_window_days <= 365:
            raise bad("selection_window_days", self.selection_window_days, "1-365 days")
        if not 1 <= self.start_window_hours <= 168:
            raise bad("start_window_hours", self.start_window_hours, "1-168 hours")
        if not 1 <= self.validation_window_hours <= 168:
            raise bad("validation_window_hours", self.validation_window_hours, "1-168 hours")
        if any(not ACCOUNT.fullmatch(a) for a in self.copy_to_accounts):
            raise bad("copy_to_accounts", list(self.copy_to_accounts), "12-digit account IDs")

    @property
    def plan_name(self) -> str:
        """Restore testing plan names: letters, digits and underscores, at most 50."""
        return re.sub(r"[^A-Za-z0-9_]", "_", f"{self.name_prefix}_restore_test")[:50]

    @property
    def framework_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9_]", "_", f"{self.name_prefix}_recovery_controls")


class RestoreTesting(pulumi.ComponentResource):
    """A scheduled restore test of the vault's latest recovery points and the audit framework that judges them."""

    def __init__(self, name: str, args: RestoreTestingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:RestoreTesting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        plan = aws.backup.RestoreTestingPlan(
            f"{name}-plan",
            name=args.plan_name,
            schedule_expression=args.schedule,
            start_window_hours=args.start_window_hours,
            recovery_point_selection={
                "algorithm": ALGORITHM,
                "include_vaults": [args.vault_arn],
                "recovery_point_types": ["SNAPSHOT"],
                "selection_window_days": args.selection_window_days,
            },
            opts=child,
        )
        aws.backup.RestoreTestingSelection(
            f"{name}-selection",
            name=re.sub(r"[^A-Za-z0-9_]", "_", f"{args.resource_type.lower()}_latest"),
            restore_testing_plan_name=plan.name,
            protected_resource_type=args.resource_type,
            protected_resource_arns=["*"],  # every resource of the type with a recovery point in the vault
            iam_role_arn=args.restore_role_arn,
            validation_window_hours=args.validation_window_hours,
            opts=child,
        )
        controls: list[aws.backup.FrameworkControlArgsDict] = [
            {
                "name": RESTORE_TIME_CONTROL,
                "input_parameters": [{"name": "maxRestoreTime", "value": str(args.rto_minutes)}],
                "scope": {"compliance_resource_types": [args.resource_type]},
            }
        ]
        if args.copy_to_accounts:
            controls.append(
                {
                    "name": CROSS_ACCOUNT_CONTROL,
                    "input_parameters": [{"name": "crossAccountList", "value": ",".join(args.copy_to_accounts)}],
                }
            )
        framework = aws.backup.Framework(
            f"{name}-framework",
            name=args.framework_name,
            description=f"failsafe: restores finish within the RTO ({args.rto_minutes} minutes)",
            controls=controls,
            opts=child,
        )

        self.plan_arn = plan.arn
        self.plan_name = plan.name
        self.framework_arn = framework.arn
        self.register_outputs(
            {
                "restoreTestingPlanArn": self.plan_arn,
                "restoreTestingPlanName": self.plan_name,
                "frameworkArn": framework.arn,
            }
        )
