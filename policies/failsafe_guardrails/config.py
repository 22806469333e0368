"""The per-policy config every policy of the pack accepts (generated per stack by the operator tooling and passed
with ``--policy-pack-config``):

``exemptions``: resource names or URNs the policy skips (explicit, reviewed in the stack's config);
``stackRole``: ``prod`` | ``dr`` | ``preview`` | ``org``, read by the rules that apply only to some stacks;
``allowedAccountIds`` (``no-hardcoded-account-ids`` only): the stack's own accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema

EXEMPTIONS = {"type": "array", "items": {"type": "string"}}
STACK_ROLE = {"type": "string", "enum": ["prod", "dr", "preview", "org"]}


def schema(**extra: Any) -> PolicyConfigSchema:
    """The config schema of a policy: exemptions and stackRole, plus ``extra`` properties."""
    return PolicyConfigSchema(properties={"exemptions": EXEMPTIONS, "stackRole": STACK_ROLE, **extra})


def policy_config(args: Any) -> Mapping[str, Any]:
    """The policy's config from validation args; empty when none was passed."""
    try:
        return args.get_config() or {}
    except AttributeError:
        return {}


def stack_role(args: Any) -> str | None:
    return policy_config(args).get("stackRole")


def exempt(args: Any, name: str, urn: str) -> bool:
    """Whether the policy's config names the resource (by name or URN) among its exemptions."""
    exemptions = policy_config(args).get("exemptions") or []
    return name in exemptions or urn in exemptions
