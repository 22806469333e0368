"""Every policy of the failsafe-guardrails pack, in the order the pack reports them. ``policies/__main__.py``
builds the PolicyPack from :data:`POLICIES`; importing this module starts nothing."""

from __future__ import annotations

from failsafe_guardrails import backup, iam, lambda_, providers, quotas, resource_policies, route53, s3, stack

POLICIES = [
    iam.trust_requires_mfa,
    s3.versioning_enabled,
    stack.no_hardcoded_account_ids,
    s3.public_access_blocked,
    lambda_.function_url_requires_auth,
    resource_policies.no_star_principal,
    resource_policies.no_allow_with_not_principal,
    resource_policies.condition_values_parse,
    providers.allowed_account_ids,
    stack.stateful_resources_protected,
    route53.primary_failover_health_check,
    s3.replication_safe,
    s3.replicated_bucket_sse_kms,
    s3.noncurrent_version_lifecycle,
    backup.air_gapped_vault_key_outside_its_account,
    *quotas.POLICIES,
]

NAMES = [p.name for p in POLICIES]
