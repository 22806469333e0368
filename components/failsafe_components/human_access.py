"""The human read-only role of prod: what the runbook's ``prod-readonly`` profile assumes.

The recovery runbook verifies prod (replication status, backup plans, health checks) as a person; without a role
for it the only way in was the deploy role, which can change what it reads. This role is the prod twin of the backup
account's ``<namePrefix>-auditor``: people of the identity account with MFA, AWS's ``ReadOnlyAccess``, sessions of
``humanSessionSeconds`` (IAM User Guide, "AWS managed policies for job functions": ReadOnlyAccess).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from failsafe_components import iam


@dataclass(frozen=True)
class ProdAuditorArgs:
    name_prefix: str
    identity_account_id: str  # whose IAM users (with MFA) may assume it
    mfa_max_age_seconds: int
    session_seconds: int


def prod_auditor_role_name(name_prefix: str) -> str:
    return f"{name_prefix}-prod-auditor"


class ProdAuditor(pulumi.ComponentResource):
    """One MFA-only read-only role for people in prod (none without an identity account: federated estates give
    their people a read-only permission set in prod through their IdP instead)."""

    def __init__(self, name: str, args: ProdAuditorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("failsafe:index:ProdAuditor", name, None, opts)
        role = aws.iam.Role(
            f"{name}-role",
            name=prod_auditor_role_name(args.name_prefix),
            assume_role_policy=iam.to_json(iam.human_trust(args.identity_account_id, args.mfa_max_age_seconds)),
            max_session_duration=args.session_seconds,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-readonlyaccess",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_arn = role.arn
        self.register_outputs({"roleArn": role.arn})
