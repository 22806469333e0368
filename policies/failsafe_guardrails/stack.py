"""Rules over every resource of a stack, whatever its service: no account ID that is not the stack's own, and
stateful resources protected on the stacks that hold real data."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

from failsafe_guardrails.buckets import BUCKET_TYPES
from failsafe_guardrails.config import exempt, policy_config, schema, stack_role
from failsafe_guardrails.props import plain

# AWS-owned service accounts that legitimately appear in resource policies. Source: AWS documentation
# "Enable access logs for your Classic/Application Load Balancer" (Elastic Load Balancing account ID per region,
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
AWS_SERVICE_ACCOUNTS: dict[str, str] = {
    "127311923021": "ELB log delivery us-east-1",
    "033677994240": "ELB log delivery us-east-2",
    "027434742980": "ELB log delivery us-west-1",
    "797873946194": "ELB log delivery us-west-2",
    "054676820928": "ELB log delivery eu-central-1",
    "156460612806": "ELB log delivery eu-west-1",
    "652711504416": "ELB log delivery eu-west-2",
    "009996457667": "ELB log delivery eu-west-3",
    "897822967062": "ELB log delivery eu-north-1",
    "582318560864": "ELB log delivery ap-northeast-1",
    "600734575887": "ELB log delivery ap-northeast-2",
    "114774131450": "ELB log delivery ap-southeast-1",
    "783225319266": "ELB log delivery ap-southeast-2",
    "718504428378": "ELB log delivery ap-south-1",
    "507241528517": "ELB log delivery sa-east-1",
    "985666609251": "ELB log delivery ca-central-1",
}

# A 12-digit run not part of a longer digit/hex/UUID/timestamp token: UUIDs are removed first, then no letter or
# digit may touch the run (so hex digests and 13-digit millisecond timestamps don't match) and no decimal part.
UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
ACCOUNT_ID = re.compile(r"(?<![0-9A-Za-z.])(\d{12})(?![0-9A-Za-z]|\.\d)")

STATEFUL_TYPES = (
    *BUCKET_TYPES,
    "aws:kms/key:Key",
    "aws:backup/vault:Vault",
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
)


def account_ids(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(account ID, property path) for every account ID anywhere in plain ``value`` (nested, JSON strings
    included); an unknown value holds no literal account ID."""
    if isinstance(value, str):
        for match in ACCOUNT_ID.finditer(UUID.sub(" ", value)):
            yield match.group(1), path or "(value)"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from account_ids(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from account_ids(item, f"{path}[{index}]")
    elif (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 10**11 <= value < 10**12
        and value == int(value)
    ):  # range first: NaN and infinities never reach int()
        # A number with 12 digits. Over the analyzer protocol numbers arrive as doubles (protobuf Struct), so
        # 333333333333 is 333333333333.0 here. (An ID with a leading zero cannot be told apart once it is a number.)
        yield str(int(value)), path or "(value)"


def unlisted_accounts(props: Any, allowed: Sequence[str]) -> list[str]:
    """'account ID <id> at <path>' for every account ID in ``props`` that is neither allowed nor an AWS service's."""
    seen: dict[str, str] = {}
    for account, path in account_ids(plain(props)):
        if account not in allowed and account not in AWS_SERVICE_ACCOUNTS:
            seen.setdefault(account, path)
    return [f"account ID {a} at {p}" for a, p in seen.items()]


def _validate_accounts(args: Any, report: Any) -> None:
    if exempt(args, args.name, args.urn):
        return
    allowed = list(policy_config(args).get("allowedAccountIds") or [])
    problems = unlisted_accounts(args.props, allowed)
    if problems and not allowed:
        report(
            f"{args.name}: {'; '.join(problems)}; no allowedAccountIds configured: generate the pack's config "
            "with `python -m failsafe policy-config <stack>` and pass it with --policy-pack-config."
        )
    elif problems:
        report(f"{args.name}: {'; '.join(problems)} is not in allowedAccountIds {allowed}.")


def _validate_protect(args: Any, report: Any) -> None:
    role = stack_role(args)
    if role not in ("prod", "dr"):
        return
    for r in args.resources:
        if r.resource_type in STATEFUL_TYPES and not r.opts.protect and not exempt(args, r.name, r.urn):
            report(
                f"{r.resource_type.rsplit(':', 1)[-1]} {r.name}: stateful resource without protect on a {role} stack.",
                r.urn,
            )


no_hardcoded_account_ids = ResourceValidationPolicy(
    name="no-hardcoded-account-ids",
    description="Every AWS account ID in a resource's inputs must be one of the stack's own accounts "
    "(allowedAccountIds, generated from the stack config) or a documented AWS service account.",
    validate=_validate_accounts,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(allowedAccountIds={"type": "array", "items": {"type": "string"}}),
    remediation_steps="Take the account ID from stack configuration or from another resource's output (for "
    "example the caller identity or the ARN of the resource it refers to) instead of a literal. If the account "
    "is one of this stack's own, list it in the policy's allowedAccountIds.",
)

stateful_resources_protected = StackValidationPolicy(
    name="stateful-resources-protected",
    description="Stateful resources (buckets, KMS keys, backup vaults) must be protected on prod and dr "
    "stacks so that a mistaken change cannot delete them.",
    validate=_validate_protect,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set the protect resource option on the resource. To delete it deliberately, first remove "
    "the protection in a reviewed change (or with `pulumi state unprotect`).",
)

POLICIES = [no_hardcoded_account_ids, stateful_resources_protected]
