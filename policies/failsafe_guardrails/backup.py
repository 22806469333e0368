"""AWS Backup: a logically air-gapped vault must not be encrypted with a key of its own account.

- ``backup-air-gapped-vault-key-outside-its-account``: the vault exists to outlive its account; a customer-managed key
  of that same account can be disabled or scheduled for deletion by whoever holds the account, and every backup in the
  vault becomes unreadable with it. AWS Backup Developer Guide, "Logically air-gapped vault" -> "Understanding
  encryption key types for logically air-gapped vaults", Note: "AWS Backup recommends using AWS owned keys with
  logically air-gapped vaults. If your organization policy requires using a customer managed key, AWS does not
  recommend using keys from the same account, except for testing." No key (the AWS-owned key) passes; a key of another
  account passes; a key ARN of the vault's account, or a key the stack itself creates in that account (its ARN unknown
  at preview, found through the property dependency), is a violation. The vault's account is its provider's
  ``allowedAccountIds`` (every provider must set it: ``aws-provider-allowed-account-ids``); without it the rule cannot
  judge and stays silent.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import EnforcementLevel, Severity, StackValidationPolicy

from failsafe_guardrails.config import exempt, schema
from failsafe_guardrails.props import UNKNOWN, prop

AIR_GAPPED_VAULT_TYPE = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
KMS_KEY_TYPE = "aws:kms/key:Key"
KMS_ARN = re.compile(r"arn:aws[\w-]*:kms:[a-z0-9-]+:(\d{12}):(key|alias)/")


def provider_account(resource: Any) -> str | None:
    """The one account the resource's aws provider may deploy to (its first ``allowedAccountIds``), or None."""
    provider = getattr(resource, "provider", None)
    allowed = prop(provider.props, "allowedAccountIds") if provider is not None else None
    if isinstance(allowed, str):  # provider inputs reach the engine as JSON text
        try:
            allowed = json.loads(allowed)
        except json.JSONDecodeError:
            return None
    if isinstance(allowed, list) and allowed and isinstance(allowed[0], str | int | float):
        return str(int(allowed[0])) if isinstance(allowed[0], float) else str(allowed[0])
    return None


def key_in_vault_account(vault: Any) -> str | None:
    """Why the vault's key is of the vault's own account, or None when it is not (or cannot be told)."""
    account = provider_account(vault)
    if account is None:
        return None
    key = prop(vault.props, "encryptionKeyArn")
    if isinstance(key, str) and key:
        match = KMS_ARN.match(key)
        return f"its key {key} is in the vault's own account {account}" if match and match[1] == account else None
    if key is UNKNOWN:  # a key this stack creates: judged by the key's own provider
        for dependency in vault.property_dependencies.get("encryptionKeyArn", []):
            if dependency.resource_type == KMS_KEY_TYPE and provider_account(dependency) == account:
                return f"its key is {dependency.name}, created by this stack in the vault's own account {account}"
    return None


def _validate(args: Any, report: Any) -> None:
    for vault in args.resources:
        if vault.resource_type != AIR_GAPPED_VAULT_TYPE or exempt(args, vault.name, vault.urn):
            continue
        reason = key_in_vault_account(vault)
        if reason is not None:
            report(
                f"LogicallyAirGappedVault {vault.name}: {reason}; whoever holds that account can disable or delete "
                "the key, and every backup in the vault becomes unreadable.",
                vault.urn,
            )


air_gapped_vault_key_outside_its_account = StackValidationPolicy(
    name="backup-air-gapped-vault-key-outside-its-account",
    description="A logically air-gapped vault must be encrypted with the AWS-owned key or a key of another account, "
    "never a customer-managed key of its own account.",
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Leave encryptionKeyArn unset (the AWS-owned key AWS recommends; airGappedVaultKmsKeyArn: ''), "
    "or use a key of another account, preferably in a separate organization dedicated to recovery.",
)

POLICIES = [air_gapped_vault_key_outside_its_account]
