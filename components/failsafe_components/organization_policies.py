"""OrganizationPolicies (stack ``org``): the AWS Organizations policies that make a fleet recoverable and keep its
backup account inside a data perimeter.

Protects against:

- **a workload account without backups**: one backup policy (``BACKUP_POLICY``), attached to every protected OU, makes
  the AWS Backup plan of each of their accounts (tag ``failsafe:backup = true``, copy into the central vault of the
  backup account). A new account moved into the OU is backed up without a deploy of its own.
- **the backup account's own administrators** destroying recovery data: the guard SCP (``SERVICE_CONTROL_POLICY``,
  the document ``python -m failsafe scp`` prints) attached to the backup account.
- **a principal outside the organization** reaching the backup account's buckets, keys or roles, even through a
  resource policy someone widened by mistake: the perimeter RCP (``RESOURCE_CONTROL_POLICY``) attached to the backup
  account, statement by statement in :func:`backup_account_rcp`.

Sources: Organizations User Guide, "Backup policy syntax and examples" (``plans``/``rules``/``regions``/``selections``,
``@@assign``, ``$account``; the copy action's key must be the destination vault's ARN, exact case), "RCP syntax"
(``Deny`` only, ``Principal "*"``, no ``NotPrincipal``/``NotAction``, no ``*`` action), "Quotas and service limits"
(a policy saved through the API is counted exactly as sent, whitespace included: every document here is minified);
aws-samples/data-perimeter-policy-examples @ 8e0d3c5, ``resource_control_policies/identity_perimeter_rcp.json`` and
its README (the identity-perimeter and confused-deputy statements; why ``sts:AssumeRoleWithWebIdentity`` and
``sts:TagSession`` stay out of the org-identity statement).

Every value comes from config (no document lists the workload accounts: adding one to an OU changes nothing here).
The SCP and RCP and their attachments are ``skip_destroy``: destroying the org stack leaves the perimeter in place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, spec
from failsafe_components.errors import ComponentArgsError, bad_arg
from failsafe_components.options import protects_state

OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"

# STS actions a member principal calls on the backup account's roles, capped to the organization's identities; the
# federation calls (AssumeRoleWithWebIdentity, AssumeRoleWithSAML) and the ones they make on the way (TagSession,
# SetSourceIdentity) are left out: "the aws:PrincipalOrgID condition key is included in the request context only if the
# calling principal is a member of an organization. This is not the case with federated users" (data-perimeter README).
STS_ORG_ACTIONS = [
    "sts:AssumeRole",
    "sts:DecodeAuthorizationMessage",
    "sts:GetAccessKeyInfo",
    "sts:GetFederationToken",
    "sts:GetServiceBearerToken",
    "sts:GetSessionToken",
    "sts:SetContext",
]


def minified(document: dict[str, Any]) -> str:
    """A policy as Organizations stores it when saved through the API: exactly as sent, so with no white space."""
    return json.dumps(document, separators=(",", ":"))


def backup_account_rcp(organization_id: str, github_repository: str) -> dict[str, Any]:
    """The perimeter RCP for the backup account's S3, KMS and STS: Deny-only, ``Principal "*"`` (RCP syntax)."""
    statements = [
        # Stops: anyone whose credentials are not of this organization (a stolen key of another account, a bucket or
        # key policy widened to "*" by mistake, a role trust naming an outside account) reading or writing the replica
        # and archive buckets, using the backup key, or assuming the backup account's roles. AWS services calling as
        # themselves are left to the next statement (aws:PrincipalIsAWSService is true only for them).
        iam.statement(
            "EnforceOrgIdentities",
            ["s3:*", "kms:*", *STS_ORG_ACTIONS],
            "*",
            effect="Deny",
            principal="*",
            condition={
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": organization_id},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        ),
        # Stops: an AWS service acting for a resource of another organization (a confused deputy: another account's
        # S3 replication, SNS or Backup pointed at these buckets and keys). Only requests that carry aws:SourceAccount.
        iam.statement(
            "EnforceConfusedDeputyProtection",
            ["s3:*", "kms:*", "sts:*"],
            "*",
            effect="Deny",
            principal="*",
            condition={
                "StringNotEqualsIfExists": {"aws:SourceOrgID": organization_id},
                "Null": {"aws:SourceAccount": "false"},
                "Bool": {"aws:PrincipalIsAWSService": "true"},
            },
        ),
        # Stops: a GitHub token of another repository (GitHub's OIDC issuer is shared by every GitHub user) assuming
        # the backup account's CI roles, should a trust policy ever be widened. This repository's workflows still get
        # in: the deploy path of CI, which the org-identity statement above cannot cap (federated callers have no
        # aws:PrincipalOrgID).
        iam.statement(
            "EnforceTrustedGitHubRepository",
            "sts:AssumeRoleWithWebIdentity",
            "*",
            effect="Deny",
            principal="*",
            condition={
                "StringNotLikeIfExists": {f"{GITHUB_OIDC_HOST}:sub": f"repo:{github_repository}:*"},
                "Null": {f"{GITHUB_OIDC_HOST}:sub": "false"},
            },
        ),
        # Stops: any other OIDC provider's tokens (only GitHub's issuer is trusted in the backup account).
        iam.statement(
            "EnforceTrustedOidcProviders",
            "sts:AssumeRoleWithWebIdentity",
            "*",
            effect="Deny",
            principal="*",
            condition={"Null": {f"{GITHUB_OIDC_HOST}:sub": "true"}},
        ),
    ]
    return iam.document(*statements)


@dataclass(frozen=True)
class BackupPolicySettings:
    """The plan every protected account gets, in AWS Backup's own terms (the same meaning as ProdBackupArgs)."""

    regions: tuple[str, ...]
    member_vault_name: str  # the vault each member stack creates (target_backup_vault_name)
    member_role_name: str  # the role each member stack creates, named in the selection by $account
    central_vault_arn: str  # the backup account's vault: the copy action's destination
    interval_hours: int = 1
    completion_window_minutes: int = 120
    retention_days: int = 35
    copy_retention_days: int = 35
    plan_name: str = "failsafe"
    # The backup account's logically air-gapped vault (AirGappedVault), when there is one: a second copy action, kept
    # air_gapped_copy_retention_days (within that vault's min/max retention, or AWS Backup refuses the copy).
    air_gapped_vault_arn: str | None = None
    air_gapped_copy_retention_days: int = 35

    @property
    def schedule(self) -> str:
        hours = "*" if self.interval_hours == 1 else f"*/{self.interval_hours}"
        return f"cron(0 {hours} * * ? *)"


def backup_policy(settings: BackupPolicySettings) -> dict[str, Any]:
    """The backup policy document (Organizations User Guide, "Backup policy syntax and examples"): numbers as strings,
    as in every AWS example; the copy action keyed by the destination vault's exact ARN."""

    def assign(value: Any) -> dict[str, Any]:
        return {"@@assign": value}

    tag = spec.BACKUP_TAG_KEY
    copies = [(settings.central_vault_arn, settings.copy_retention_days)]
    if settings.air_gapped_vault_arn is not None:
        copies.append((settings.air_gapped_vault_arn, settings.air_gapped_copy_retention_days))
    return {
        "plans": {
            settings.plan_name: {
                "regions": assign(list(settings.regions)),
                "rules": {
                    settings.plan_name: {
                        "schedule_expression": assign(settings.schedule),
                        "start_backup_window_minutes": assign(str(spec.BACKUP_START_WINDOW_MINUTES)),
                        "complete_backup_window_minutes": assign(str(settings.completion_window_minutes)),
                        "target_backup_vault_name": assign(settings.member_vault_name),
                        "lifecycle": {"delete_after_days": assign(str(settings.retention_days))},
                        "recovery_point_tags": {
                            "failsafe:plan": {
                                "tag_key": assign("failsafe:plan"),
                                "tag_value": assign(settings.plan_name),
                            }
                        },
                        "copy_actions": {
                            arn: {
                                "target_backup_vault_arn": assign(arn),
                                "lifecycle": {"delete_after_days": assign(str(days))},
                            }
                            for arn, days in copies
                        },
                    }
                },
                "selections": {
                    "tags": {
                        tag: {
                            "iam_role_arn": assign(f"arn:aws:iam::$account:role/{settings.member_role_name}"),
                            "tag_key": assign(tag),
                            "tag_value": assign([spec.BACKUP_TAG_VALUE]),
                        }
                    }
                },
            }
        }
    }


@dataclass(frozen=True)
class OrganizationPoliciesArgs:
    name_prefix: str
    organization_id: str
    backup_account_id: str
    backup_ou_ids: tuple[str, ...]  # the protected OUs the backup policy is attached to (may be empty)
    backup: BackupPolicySettings
    guard_scp: dict[str, Any]  # the backup account's SCP (failsafe.program.organization.guard_scp)
    github_repository: str  # owner/repo whose workflows reach the backup account's CI roles

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("OrganizationPoliciesArgs", arg, value, expected)

        if not re.fullmatch(r"o-[a-z0-9]{10,32}", self.organization_id):
            raise bad("organization_id", self.organization_id, "an organization ID, o- and 10-32 letters or digits")
        if not re.fullmatch(r"\d{12}", self.backup_account_id):
            raise bad("backup_account_id", self.backup_account_id, "a 12-digit account ID")
        strays = [ou for ou in self.backup_ou_ids if not OU_ID.match(ou)]
        if strays or len(set(self.backup_ou_ids)) != len(self.backup_ou_ids):
            raise bad("backup_ou_ids", list(self.backup_ou_ids), "distinct OU IDs (ou-<root>-<8-32 characters>)")
        vault = "arn:aws:backup:"
        if not self.backup.central_vault_arn.startswith(vault) or f":{self.backup_account_id}:" not in (
            self.backup.central_vault_arn
        ):
            raise bad("backup", self.backup.central_vault_arn, "a central vault ARN in the backup account")
        if not self.backup.regions:
            raise bad("backup", list(self.backup.regions), "at least one region for the backup policy")
        if "/" not in self.github_repository:
            raise bad("github_repository", self.github_repository, "owner/repo")


class OrganizationPolicies(pulumi.ComponentResource):
    """The fleet's backup policy (per protected OU) and the backup account's SCP and RCP, each attached."""

    def __init__(self, name: str, args: OrganizationPoliciesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:OrganizationPolicies", name, None, opts)
        protect = protects_state(opts)
        kept = pulumi.ResourceOptions(parent=self, protect=protect)
        prefix = args.name_prefix
        backup_text = minified(backup_policy(args.backup))
        scp_text = minified(args.guard_scp)
        rcp_text = minified(backup_account_rcp(args.organization_id, args.github_repository))

        self.backup_policy_id: pulumi.Output[str] | None = None
        if args.backup_ou_ids:
            backup = aws.organizations.Policy(
                f"{name}-backup-policy",
                name=f"{prefix}-backup",
                type="BACKUP_POLICY",
                description="failsafe: every account of a protected OU backs up tagged resources into its vault and "
                "copies them to the backup account's vault",
                content=backup_text,
                opts=kept,
            )
            for ou in args.backup_ou_ids:  # keyed by the OU it protects, never by position
                aws.organizations.PolicyAttachment(
                    f"{name}-backup-policy-{ou}", policy_id=backup.id, target_id=ou, opts=kept
                )
            self.backup_policy_id = backup.id

        guard = aws.organizations.Policy(
            f"{name}-backup-account-guard",
            name=f"{prefix}-backup-account-guard",
            type="SERVICE_CONTROL_POLICY",
            description="failsafe: recovery data, the backup key and the guard roles of the backup account outlive its "
            "own administrators",
            content=scp_text,
            skip_destroy=True,
            opts=kept,
        )
        aws.organizations.PolicyAttachment(
            f"{name}-backup-account-guard-attachment",
            policy_id=guard.id,
            target_id=args.backup_account_id,
            skip_destroy=True,
            opts=kept,
        )
        perimeter = aws.organizations.Policy(
            f"{name}-backup-account-perimeter",
            name=f"{prefix}-backup-account-perimeter",
            type="RESOURCE_CONTROL_POLICY",
            description="failsafe: only the organization's identities, its services and this repository's GitHub "
            "workflows reach the backup account's S3, KMS and STS",
            content=rcp_text,
            skip_destroy=True,
            opts=kept,
        )
        aws.organizations.PolicyAttachment(
            f"{name}-backup-account-perimeter-attachment",
            policy_id=perimeter.id,
            target_id=args.backup_account_id,
            skip_destroy=True,
            opts=kept,
        )
        self.guard_scp_id = guard.id
        self.perimeter_rcp_id = perimeter.id
        self.sizes = {"backupPolicy": len(backup_text), "guardScp": len(scp_text), "perimeterRcp": len(rcp_text)}
        self.register_outputs(
            {
                "backupPolicyId": self.backup_policy_id,
                "guardScpId": self.guard_scp_id,
                "perimeterRcpId": self.perimeter_rcp_id,
                "sizes": self.sizes,
            }
        )
