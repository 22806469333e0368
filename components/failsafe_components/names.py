"""Physical names that must fit AWS limits and stay stable across deploys.

Names are keyed by meaning (the stack, the PR number, the bucket's logical name), never by branch names,
list positions or time, so a push, a retitle or a reorder never replaces a resource.
"""

from __future__ import annotations

import hashlib

LAMBDA_NAME_MAX = 64
ECR_NAME_MAX = 256
IAM_ROLE_NAME_MAX = 64


def fit(name: str, limit: int) -> str:
    """``name`` if it fits, else a prefix plus an 8-hex hash of the whole, so distinct names stay distinct."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"


def preview_name(prefix: str, pr_number: int, suffix: str = "", limit: int = LAMBDA_NAME_MAX) -> str:
    base = f"{prefix}-pr-{pr_number}"
    return fit(f"{base}-{suffix}" if suffix else base, limit)
