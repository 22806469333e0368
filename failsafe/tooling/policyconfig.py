"""The failsafe-guardrails pack's config for one stack, generated from the stack's config (the single source of
truth for account IDs): ``python -m failsafe policy-config <stack> --out policy-config.json`` then
``pulumi preview --policy-pack policies --policy-pack-config policy-config.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from failsafe.settings.config import ConfigError, Role, StackConfig

MANDATORY = "mandatory"
ADVISORY = "advisory"

# Enforcement per stack role. Previews are disposable: protect is moot there and a public function URL is allowed.
LEVELS: dict[str, dict[str, str]] = {
    "iam-role-trust-requires-mfa": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "s3-bucket-versioning-enabled": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "no-hardcoded-account-ids": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "s3-bucket-public-access-blocked": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "lambda-function-url-requires-auth": {"prod": MANDATORY, "dr": MANDATORY, "preview": ADVISORY},
    "resource-policy-no-star-principal": {"prod": ADVISORY, "dr": ADVISORY, "preview": ADVISORY},
    "resource-policy-no-allow-with-not-principal": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "iam-policy-condition-values-parse": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "aws-provider-allowed-account-ids": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "stateful-resources-protected": {"prod": MANDATORY, "dr": MANDATORY, "preview": "disabled"},
    "route53-primary-failover-health-check": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "s3-replication-safe": {"prod": MANDATORY, "dr": MANDATORY, "preview": MANDATORY},
    "s3-replicated-bucket-sse-kms": {"prod": MANDATORY, "dr": MANDATORY, "preview": ADVISORY},
    "s3-noncurrent-version-lifecycle": {"prod": ADVISORY, "dr": ADVISORY, "preview": ADVISORY},
}


def generate(cfg: StackConfig, exemptions: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """``{policy: {"enforcementLevel", "stackRole", "exemptions", ...}}`` for ``cfg``'s stack."""
    role = cfg.role.value if isinstance(cfg.role, Role) else str(cfg.role)
    merged: dict[str, set[str]] = {policy: set(names) for policy, names in (exemptions or {}).items()}
    for policy, resource in cfg.policy_exemptions:  # the stack config's reviewed exemptions
        if policy not in LEVELS:
            raise ConfigError(
                "policyExemptions",
                f"{policy}:{resource}",
                f"a policy of failsafe-guardrails ({', '.join(sorted(LEVELS))})",
            )
        merged.setdefault(policy, set()).add(resource)
    exemptions = merged
    config: dict[str, Any] = {}
    for policy, levels in LEVELS.items():
        entry: dict[str, Any] = {
            "enforcementLevel": levels[role],
            "stackRole": role,
            "exemptions": sorted(exemptions.get(policy, ())),
        }
        if policy == "no-hardcoded-account-ids":
            entry["allowedAccountIds"] = sorted(cfg.accounts.all())
        config[policy] = entry
    return config
