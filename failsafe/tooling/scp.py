"""The service control policy the backup account needs from its AWS Organization (docs/access-proofs.md, "What an
account cannot do for itself").

Inside an account, an administrator can always change IAM and key policies: the deny statements failsafe puts on the
backup key, the replica buckets and the vault stop everyone but break-glass only as long as nobody with IAM rights
rewrites them. An SCP is the one control an account's own administrators cannot lift, so the guard that matters most
(recovery data and the key outlive a compromised admin) is shipped as one. The org stack attaches it to the backup
account (failsafe_components.organization_policies); `python -m failsafe scp` prints it for an estate without one.
The document lives in ``policies/scp/backup-account-guard.json`` with ``${placeholders}`` filled from the stack config
(:func:`failsafe.program.organization.guard_scp`), so it never carries an account ID.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from failsafe.program.organization import TEMPLATE, guard_scp, scp_values
from failsafe.settings.config import StackConfig
from failsafe_components.organization_policies import minified
from failsafe_guardrails.limits import SCP

SCP_MAX_CHARACTERS = SCP.limit  # Organizations quota for one SCP document, counted as sent (failsafe sends it minified)
values = scp_values

__all__ = ["SCP_MAX_CHARACTERS", "TEMPLATE", "render", "values"]


def render(cfg: StackConfig, template: Path = TEMPLATE) -> dict[str, Any]:
    """The SCP for this estate's backup account; refused when it would not fit the Organizations quota."""
    document = guard_scp(cfg, template)
    size = len(minified(document))
    if size > SCP_MAX_CHARACTERS:
        raise ValueError(f"{template.name}: {size} characters minified; {SCP.sentence()}")
    return document
