"""EventIntake (dr side): the event bus prod forwards snapshot events to, and the rule that runs the copier on them.

SNS cannot carry RDS or EC2 events across accounts and regions as a direct target; EventBridge can target an event
bus in another account and region (EventBridge User Guide, "Sending and receiving events between AWS accounts"), if
the receiving bus's resource policy admits the sender. This bus admits the prod account only, and only events whose
``source`` is RDS or EC2. A rule on it invokes the copier (created by RecoveryFunctions), so a new snapshot in prod
is copied within minutes instead of on the copier's schedule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from failsafe_components import iam
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.prod_backup import SNAPSHOT_EVENT_PATTERN, event_bus_name


@dataclass(frozen=True)
class EventIntakeArgs:
    name_prefix: str
    prod_account_id: str
    backup_account_id: str
    copier_function_name: pulumi.Input[str]
    copier_function_arn: pulumi.Input[str]
    # A fleet's protected OUs (aws:PrincipalOrgPaths patterns): their accounts' forwarding roles may put snapshot
    # events on the bus too, by one statement whatever their number (EventBridge, PutPermission: "if all the accounts
    # are members of the same organization, you can ... specify the organization ID in Condition"). The copier rule
    # still runs on prod's events only: copying members' snapshots is the copier's (failsafe-dr) fleet work.
    organization_paths: tuple[str, ...] = ()

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("EventIntakeArgs", arg, value, expected)

        if self.prod_account_id == self.backup_account_id:
            raise bad("prod_account_id", self.prod_account_id, "an account other than the backup account")


class EventIntake(pulumi.ComponentResource):
    """The backup account's snapshot event bus (prod may put events on it, nobody else) and its copier rule."""

    def __init__(self, name: str, args: EventIntakeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:EventIntake", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        bus = aws.cloudwatch.EventBus(f"{name}-bus", name=event_bus_name(args.name_prefix), opts=child)
        aws.cloudwatch.EventBusPolicy(
            f"{name}-bus-policy",
            event_bus_name=bus.name,
            policy=iam.to_json(
                iam.document(
                    iam.statement(
                        "ProdSnapshotEventsOnly",
                        "events:PutEvents",
                        bus.arn,
                        principal={"AWS": f"arn:aws:iam::{args.prod_account_id}:root"},
                        condition={"StringEquals": {"events:source": SNAPSHOT_EVENT_PATTERN["source"]}},
                    ),
                    *(
                        [
                            iam.statement(
                                "MemberSnapshotEventsOnly",
                                "events:PutEvents",
                                bus.arn,
                                principal={"AWS": "*"},
                                condition={
                                    "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": list(args.organization_paths)},
                                    "StringEquals": {"events:source": SNAPSHOT_EVENT_PATTERN["source"]},
                                },
                            )
                        ]
                        if args.organization_paths
                        else []
                    ),
                )
            ),
            opts=child,
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-copier",
            name=f"{args.name_prefix}-snapshot-copier",
            description="Forwarded snapshot events from prod run the snapshot copier",
            event_bus_name=bus.name,
            event_pattern=json.dumps({**SNAPSHOT_EVENT_PATTERN, "account": [args.prod_account_id]}),
            opts=child,
        )
        permission = aws.lambda_.Permission(
            f"{name}-copier-invoke",
            action="lambda:InvokeFunction",
            function=args.copier_function_name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            source_account=args.backup_account_id,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-copier-target",
            rule=rule.name,
            event_bus_name=bus.name,
            target_id="snapshot-copier",
            arn=args.copier_function_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),  # invoke allowed before first event
        )

        self.bus_name = bus.name
        self.bus_arn = bus.arn
        self.register_outputs({"busName": self.bus_name, "busArn": self.bus_arn})
