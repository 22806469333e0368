"""The operator tools' door to config: validated once per set of values, read again on every call."""

from __future__ import annotations

from typing import Any

import pytest

from failsafe.ops import stackconfig
from failsafe.ops.errors import UsageError


def test_the_same_values_give_the_same_validated_config_and_a_changed_value_a_new_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from failsafe.settings import stackfiles

    first = stackconfig.load_config("prod")
    assert stackconfig.load_config("prod") is first, "validated again for unchanged values"
    real = stackfiles.raw_config

    def edited(stack: str) -> Any:
        values = dict(real(stack))
        values["failsafe:rpoMinutes"] = 480
        return values

    monkeypatch.setattr(stackfiles, "raw_config", edited)
    changed = stackconfig.load_config("prod")
    assert changed is not first and changed.recovery.rpo_minutes == 480 != first.recovery.rpo_minutes


def test_a_config_error_is_one_usage_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from failsafe.settings import stackfiles

    real = stackfiles.raw_config
    monkeypatch.setattr(stackfiles, "raw_config", lambda stack: {**real(stack), "failsafe:rpoMinutes": "soon"})
    with pytest.raises(UsageError, match="rpoMinutes") as refused:
        stackconfig.load_config("prod")
    assert "\n" not in str(refused.value)
