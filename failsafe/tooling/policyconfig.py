"""The failsafe-guardrails pack's config for one stack, generated from the stack's config (the single source of
truth for account IDs): ``python -m failsafe policy-config <stack> --out policy-config.json`` then
``pulumi preview --policy-pack policies --policy-pack-config policy-config.json``.

The pack's policies and their level per stack role are :data:`failsafe.settings.exemptions.POLICY_LEVELS` (the config
reader needs the names to refuse an exemption for a policy the pack lacks); ``LEVELS`` here is the same table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from failsafe.settings.config import Role, StackConfig
from failsafe.settings.exemptions import ADVISORY, MANDATORY
from failsafe.settings.exemptions import POLICY_LEVELS as LEVELS

__all__ = ["ADVISORY", "LEVELS", "MANDATORY", "generate"]


def generate(cfg: StackConfig, exemptions: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """``{policy: {"enforcementLevel", "stackRole", "exemptions", ...}}`` for ``cfg``'s stack."""
    role = cfg.role.value if isinstance(cfg.role, Role) else str(cfg.role)
    merged: dict[str, set[str]] = {policy: set(names) for policy, names in (exemptions or {}).items()}
    for policy, resource in cfg.policy_exemptions:  # reviewed; their policy names checked by config.load
        merged.setdefault(policy, set()).add(resource)
    config: dict[str, Any] = {}
    for policy, levels in LEVELS.items():
        entry: dict[str, Any] = {
            "enforcementLevel": levels[role],
            "stackRole": role,
            "exemptions": sorted(merged.get(policy, ())),
        }
        if policy == "no-hardcoded-account-ids":
            entry["allowedAccountIds"] = sorted(cfg.named_accounts())
        config[policy] = entry
    return config
