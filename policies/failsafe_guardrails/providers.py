"""Providers: an aws provider without allowedAccountIds deploys into whatever account the ambient credentials
reach; with it, the provider refuses any other account before it changes anything."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from failsafe_guardrails.config import exempt, schema
from failsafe_guardrails.props import UNKNOWN, prop

AWS_PROVIDER_TYPE = "pulumi:providers:aws"
# aws-native (Cloud Control) providers take the same allowedAccountIds (pulumi-aws-native's provider arguments:
# "List of allowed AWS account IDs to prevent you from mistakenly using an incorrect one"); the capture's import files
# name one per captured account and region (docs/capture.md), so the pin is required of them alike.
AWS_PROVIDER_TYPES = frozenset({AWS_PROVIDER_TYPE, "pulumi:providers:aws-native"})


def _validate_provider_accounts(args: Any, report: Any) -> None:
    if args.resource_type not in AWS_PROVIDER_TYPES or exempt(args, args.name, args.urn):
        return
    allowed = prop(args.props, "allowedAccountIds")
    if allowed is not UNKNOWN and not allowed:
        report(
            f"Provider {args.name}: no allowedAccountIds, so it would deploy into whatever account the "
            "credentials reach."
        )


allowed_account_ids = ResourceValidationPolicy(
    name="aws-provider-allowed-account-ids",
    description="Every aws and aws-native provider sets allowed_account_ids: it cannot deploy into a wrong account.",
    validate=_validate_provider_accounts,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(),
    remediation_steps="Set allowedAccountIds on the aws provider to the one account this stack deploys to.",
)

POLICIES = [allowed_account_ids]
