"""Stack secrets that survive the loss of prod: the key of a stack's secrets provider must not live in prod.

A stack's config secrets and the secrets in its state are encrypted with the stack's secrets provider (Pulumi docs,
"Stack settings file reference": ``secretsprovider``, ``encryptedkey``). With ``awskms://`` that is a KMS key; lose
the account that holds it and ``pulumi up`` can no longer decrypt the stack restored from the archive
(scripts/restore-stack-state.sh). So ``check`` refuses, for every estate stack, an ``awskms://`` key in the prod
account: a key ARN naming prod, or, for a prod stack, a bare key ID or alias, which KMS resolves in the caller's
account, prod's deploy role (AWS KMS Developer Guide, "Key identifiers (KeyId)": a key ID or alias name without an
ARN names a key in the caller's account). A key in the backup account, a multi-Region replica there, Pulumi Cloud's
default provider and the non-AWS providers are outside prod. A passphrase is only as safe as where it is kept;
failsafe cannot see that, so it says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from failsafe.settings import stackfiles
from failsafe.settings.config import Role, StackConfig

POLICY = "stack-secrets-key-outside-prod"
KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?:key|alias)/.+$")


@dataclass(frozen=True)
class Finding:
    stack: str
    provider: str
    why: str

    def as_violation(self) -> dict[str, str]:
        return {
            "policy": POLICY,
            "urn": "",
            "location": f"Pulumi.{self.stack}.yaml",
            "message": f"Pulumi.{self.stack}.yaml: secretsprovider {self.provider}: {self.why}; losing prod then loses "
            "the key that decrypts this stack's secrets. Use a key in the backup account (or a multi-Region replica "
            "there): `pulumi stack change-secrets-provider awskms://<key ARN in the backup account>?region=<drRegion>`",
            "enforcementLevel": "mandatory",
        }


def provider_of(stack: str, root: Path) -> str:
    document = stackfiles.stack_document(stack, root)
    value = document.get("secretsprovider") if isinstance(document, dict) else None
    return str(value) if value else ""


def findings(stack: str, cfg: StackConfig, root: Path = stackfiles.ROOT) -> list[Finding]:
    provider = provider_of(stack, root)
    if not provider.startswith("awskms://"):
        return []
    parsed = urlparse(provider)
    key = unquote(parsed.netloc + parsed.path)
    arn = KMS_ARN.match(key)
    if arn is not None:
        if arn["account"] == cfg.accounts.prod:
            return [Finding(stack, provider, f"the key is in the prod account {cfg.accounts.prod}")]
        return []
    if cfg.role is Role.PROD:
        return [Finding(stack, provider, "a key ID or alias without an ARN is a key of the caller's account: prod's")]
    return []
