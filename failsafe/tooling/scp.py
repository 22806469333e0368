"""The service control policy the backup account needs from its AWS Organization (docs/access-proofs.md, "What an
account cannot do for itself").

Inside an account, an administrator can always change IAM and key policies: the deny statements failsafe puts on the
backup key, the replica buckets and the vault stop everyone but break-glass only as long as nobody with IAM rights
rewrites them. An SCP is the one control an account's own administrators cannot lift, so the guard that matters most
(recovery data and the key outlive a compromised admin) is shipped as one, for the organization's management account
to attach to the backup account. The document lives in ``policies/scp/backup-account-guard.json`` with
``${placeholders}`` that :func:`render` fills from the stack config, so it never carries an account ID.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from failsafe.settings.config import StackConfig
from failsafe.settings.stackfiles import ROOT

TEMPLATE = ROOT / "policies" / "scp" / "backup-account-guard.json"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
SCP_MAX_CHARACTERS = 5120  # AWS Organizations quota for one SCP document (whitespace counts unless minified)


def values(cfg: StackConfig) -> dict[str, str]:
    """What the placeholders stand for, from the stack config (the names BackupAccount gives its roles)."""
    backup = cfg.accounts.backup
    return {
        "breakGlassRoleArn": cfg.role_arn(backup, f"{cfg.name_prefix}-break-glass"),
        "deployRoleArn": cfg.role_arn(backup, cfg.deploy_role_name),
    }


def render(cfg: StackConfig, template: Path = TEMPLATE) -> dict[str, Any]:
    """The SCP for this estate's backup account; a placeholder without a value is an error, never left in."""
    known = values(cfg)
    text = template.read_text(encoding="utf-8")
    missing = sorted(set(_PLACEHOLDER.findall(text)) - set(known))
    if missing:
        raise ValueError(f"{template.name}: placeholders without a value: {', '.join(missing)}")
    document: dict[str, Any] = json.loads(_PLACEHOLDER.sub(lambda m: known[m.group(1)], text))
    size = len(json.dumps(document, separators=(",", ":")))
    if size > SCP_MAX_CHARACTERS:
        raise ValueError(f"{template.name}: {size} characters minified; Organizations accepts {SCP_MAX_CHARACTERS}")
    return document
