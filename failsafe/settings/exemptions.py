"""``policyExemptions``: reviewed exemptions from the failsafe-guardrails pack, each ``<policy>:<resource>``, checked
in the two halves that can go wrong silently. A typo exempts nothing and hides itself, so both are refused:

- the policy name, where the config is read (:func:`parse`, called by :func:`failsafe.settings.config.load`): every
  command (``plan``, ``check``, ``policy-config``) and the program under ``pulumi preview``/``up`` agree;
- the resource, where the resources are known (:func:`unplanned`): the program calls it once it has declared every
  resource (failsafe/program/registered.py), so the credential-free plan, ``check``, ``policy-config`` (which plan the
  stack) and the Pulumi CLI's own preview and update all refuse an exemption that names no resource of the stack.

The pack's policies and their enforcement per stack role live here (:data:`POLICY_LEVELS`), not in the tooling,
because the config reader needs the names and may not import the tooling or the pack (pulumi_policy). A test keeps
them equal to the pack's own list (tests/tooling/test_policy_gate.py).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from failsafe.settings.errors import ConfigError
from failsafe.settings.values import Raw

MANDATORY = "mandatory"
ADVISORY = "advisory"


def _levels(prod: str, dr: str, preview: str) -> dict[str, str]:
    """Enforcement per stack role; org's is dr's, since both hold what guards the backup."""
    return {"prod": prod, "dr": dr, "org": dr, "preview": preview}


M, A, OFF = MANDATORY, ADVISORY, "disabled"
# Previews are disposable: protect is moot there and a public function URL is allowed.
POLICY_LEVELS: dict[str, dict[str, str]] = {
    "iam-role-trust-requires-mfa": _levels(M, M, M),
    "s3-bucket-versioning-enabled": _levels(M, M, M),
    "no-hardcoded-account-ids": _levels(M, M, M),
    "s3-bucket-public-access-blocked": _levels(M, M, M),
    "lambda-function-url-requires-auth": _levels(M, M, A),
    "resource-policy-no-star-principal": _levels(A, A, A),
    "resource-policy-no-allow-with-not-principal": _levels(M, M, M),
    "iam-policy-condition-values-parse": _levels(M, M, M),
    "aws-provider-allowed-account-ids": _levels(M, M, M),
    "stateful-resources-protected": _levels(M, M, OFF),
    "route53-primary-failover-health-check": _levels(M, M, M),
    "s3-replication-safe": _levels(M, M, M),
    "s3-replicated-bucket-sse-kms": _levels(M, M, A),
    "s3-noncurrent-version-lifecycle": _levels(A, A, A),
    "backup-air-gapped-vault-key-outside-its-account": _levels(M, M, M),
    # AWS refuses a document or count above its quota on every stack alike (failsafe_guardrails.limits)
    "quota-s3-bucket-policy-size": _levels(M, M, M),
    "quota-kms-key-policy-size": _levels(M, M, M),
    "quota-iam-trust-policy-size": _levels(M, M, M),
    "quota-iam-managed-policy-size": _levels(M, M, M),
    "quota-iam-role-inline-policies-size": _levels(M, M, M),
    "quota-organizations-policy-size": _levels(M, M, M),
    "quota-organizations-policies-per-target": _levels(M, M, M),
    "quota-event-bus-policy-size": _levels(M, M, M),
    "quota-s3-replication-rules": _levels(M, M, M),
    "quota-backup-plan-assignments": _levels(M, M, M),
}

KEY = "policyExemptions"
FORM = "entries '<policy-name>:<resource name or URN>', e.g. 's3-bucket-versioning-enabled:scratch'"
URN_PREFIX = "urn:pulumi:"


def nearest(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate (difflib's ratio, the threshold it uses by default), or ''."""
    found = difflib.get_close_matches(word, sorted(set(candidates)), n=1)
    return f" (did you mean '{found[0]}'?)" if found else ""


def parse(raw: Raw) -> tuple[tuple[str, str], ...]:
    """The entries of ``policyExemptions`` as (policy, resource), each naming a policy of the pack, each listed once."""
    found: list[tuple[str, str]] = []
    for entry in raw.str_list(KEY):
        policy, _, resource = entry.partition(":")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", policy) or not resource.strip():
            raise ConfigError(KEY, entry, FORM)
        if policy not in POLICY_LEVELS:
            raise ConfigError(
                KEY,
                entry,
                f"a policy of failsafe-guardrails before the colon: {policy} is none of "
                f"{', '.join(sorted(POLICY_LEVELS))}{nearest(policy, POLICY_LEVELS)}",
            )
        if (policy, resource) in found:
            raise ConfigError(KEY, entry, "each exemption listed once")
        found.append((policy, resource))
    return tuple(found)


def unplanned(exemptions: Iterable[tuple[str, str]], resources: Iterable[tuple[str, str]]) -> ConfigError | None:
    """The first exemption whose resource is neither the name nor the URN of any of ``resources`` ((name, URN) of
    every resource the stack declares: what the pack matches an exemption against, failsafe_guardrails.config.exempt),
    or None."""
    resources = list(resources)
    names = {name for name, _ in resources}
    urns = {urn for _, urn in resources}
    for policy, resource in exemptions:
        if resource in names or resource in urns:
            continue
        by = "URN" if resource.startswith(URN_PREFIX) else "name"
        hint = nearest(resource, urns if by == "URN" else names)
        return ConfigError(
            KEY,
            f"{policy}:{resource}",
            f"an exemption naming a resource this stack declares (by name or URN): no resource has the {by} "
            f"{resource}, so the exemption would exempt nothing{hint}",
        )
    return None
