"""The stacks' config and outputs as the operator tools read them: the one door from failsafe.ops to
failsafe.settings (never pulumi), and where a config error becomes a one-line :class:`UsageError` (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from failsafe.ops.errors import UsageError

# Validated configs by (stack, the raw values they came from): validating takes ~0.7 s and every command reads the
# files again (cheap), so a change to a file is still seen; the model is frozen dataclasses, safe to share.
_VALIDATED: dict[tuple[str, str], Any] = {}


def load_config(stack: str) -> Any:
    """The stack's validated config, read from the repository's stack files (as `pulumi up` would)."""
    from failsafe.settings import config, stackfiles

    try:
        raw = stackfiles.unnamespaced(stackfiles.raw_config(stack))
        key = (stack, json.dumps(raw, sort_keys=True, default=repr))
        if key not in _VALIDATED:
            _VALIDATED[key] = config.load_mapping(stack, raw)
        return _VALIDATED[key]
    except (config.ConfigError, stackfiles.StackFileError) as exc:
        raise UsageError(str(exc)) from None


def dns_target(flag: str, text: str) -> Any:
    """A DNS target as config spells it (``cname:<host>``, ``ip:<addr>``, ``alias:<zone>:<name>``)."""
    from failsafe.settings import config

    try:
        return config.parse_dns_target(flag, text)
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None


def outputs(paths: Sequence[str] | None) -> dict[str, Any]:
    """The merged JSON of ``pulumi stack output --json`` files (``--outputs``, repeatable)."""
    merged: dict[str, Any] = {}
    for path in paths or ():
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UsageError(
                f"--outputs {path}: cannot read JSON ({exc}); create it with "
                "`pulumi stack output --json -s dr > dr-outputs.json`"
            ) from None
        if not isinstance(data, dict):
            raise UsageError(f"--outputs {path}: expected a JSON object (pulumi stack output --json)")
        merged.update(data)
    return merged
