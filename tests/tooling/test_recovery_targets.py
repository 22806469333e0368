"""Targets per store (or kind, tier, every store), enforced by ``python -m failsafe check``: a plan whose estimated
worst case exceeds one fails with one line naming the store, the disruption, the new worst case and the target.
Entries are checked in form when config is read (failsafe/settings/recovery_targets.py) and against the model's stores,
kinds, tiers and disruptions when the model is built, each refusal one line naming the key and the entry."""

from __future__ import annotations

from typing import Any

import pytest

from failsafe.settings.config import ConfigError, load_mapping
from failsafe.tooling import gate, harness, planning
from failsafe.tooling.recovery import estate, model, targets
from failsafe.tooling.recovery.model import ModelError
from tests.support.plans import ROOT, cached_plan, values_of
from tests.support.recovery import ROLES, example_model, what_if


def objectives_with(**keys: list[str]) -> Any:
    return planning.stack_config("prod", {f"failsafe:{k}": v for k, v in keys.items()})[1].objectives


def test_the_example_estate_meets_its_targets() -> None:
    m = example_model()
    assert len(m.objectives.targets) == 3 and targets.check(m) == []


def test_rtc_off_misses_the_bucket_target_with_one_line_per_cell() -> None:
    missed = targets.check(model.build(what_if(replicationTimeControl="false")))
    lines = [m.line() for m in missed if m.store == "s3:uploads" and m.disruption == "region loss"]
    assert lines == [
        "recovery target missed: s3:uploads, region loss: RPO none promised (S3 RTC off: "
        "rules.0.destination.replicationTime is not Enabled) exceeds the target 15 min (recoveryTargets "
        "'kind:bucket rpo=15m')"
    ], lines
    assert {(m.store, m.measure) for m in missed} == {("s3:assets", "RPO"), ("s3:uploads", "RPO")}


def test_a_longer_backup_interval_misses_the_backup_target_naming_the_terms() -> None:
    (missed,) = targets.check(model.build(what_if(backupIntervalHours="4", rpoMinutes="420")))
    assert missed.line() == (
        "recovery target missed: backup:RDS, AZ loss: RPO 7 h (time between two backups 4 h + start window 1 h + "
        "completion window 2 h) exceeds the target 4 h (recoveryTargets 'backup:RDS@az-loss rpo=4h')"
    )


def test_an_rto_target_counts_the_whole_recovery_path() -> None:
    """declare 5 + pulumi up -s prod 20 + copy 50 GiB at 100 MiB/s 8 min 32 s = 33 min 32 s: within 1 h, not 30 min."""
    m = example_model()
    tight = objectives_with(recoveryTargets=["s3:uploads@region-loss rto=30m"])
    plans = {"dr": cached_plan("dr"), "prod": cached_plan("prod")}
    (missed,) = targets.check(model.build(estate.from_plans(plans, ROLES, tight, ROOT, "prod")))
    assert missed.line().startswith("recovery target missed: s3:uploads, region loss: RTO 33 min 32 s (declare")
    assert m.cell("s3:uploads", "region-loss").rto_text() == "33 min 32 s"


def test_an_unbounded_or_unprotected_cell_never_meets_a_target() -> None:
    loose = objectives_with(recoveryTargets=["parameters rpo=30d", "dns:app.example.com rto=1d"])
    plans = {"dr": cached_plan("dr"), "prod": cached_plan("prod")}
    missed = targets.check(model.build(estate.from_plans(plans, ROLES, loose, ROOT, "prod")))
    found = {(m.store, m.disruption, m.measure, m.worst.split(" (")[0]) for m in missed}
    assert ("parameters", "prod account compromised", "RPO", "not protected") in found
    assert ("dns:app.example.com", "AZ loss", "RTO", "UNKNOWN") in found
    assert ("dns:app.example.com", "prod account lost", "RTO", "not protected") in found


def test_tiers_group_stores_for_targets() -> None:
    tiered = objectives_with(
        recoveryTiers=["critical=s3:uploads,backup:RDS"], recoveryTargets=["tier:critical@az-loss rpo=1h"]
    )
    plans = {"dr": cached_plan("dr"), "prod": cached_plan("prod")}
    (missed,) = targets.check(model.build(estate.from_plans(plans, ROLES, tiered, ROOT, "prod")))
    assert (missed.store, missed.disruption) == ("backup:RDS", "AZ loss")


@pytest.mark.parametrize(
    ("key", "entries", "message"),
    [
        ("recoveryTargets", ["s3:uploads rpo=soon"], "'s3:uploads rpo=soon': expected rpo= a duration such as 90s"),
        ("recoveryTargets", ["s3:uploads"], "'s3:uploads': expected '<selector>[@<disruption>] rpo=<duration>"),
        ("recoveryTargets", ["tier:gold rpo=1h"], "'tier:gold rpo=1h': expected a tier declared in recoveryTiers"),
        ("recoveryEstimates", ["s3:uploads size=50GiB"], "expected size= and rate= together"),
        ("recoveryEstimates", ["step:up soon"], "expected the step's= a duration such as 90s"),
        ("recoveryTiers", ["gold=s3:a", "silver=s3:a"], "each store in one tier; s3:a is in gold already"),
    ],
)
def test_malformed_entries_are_refused_in_one_line_naming_key_and_entry(
    key: str, entries: list[str], message: str
) -> None:
    values = values_of("prod") | {key: entries}
    with pytest.raises(ConfigError) as caught:
        load_mapping("prod", values)
    text = str(caught.value)
    assert text.startswith(f"invalid config failsafe:{key} = ") and message in text and "\n" not in text, text


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"recoveryTargets": ["s3:upload rpo=15m"]}, "= 's3:upload rpo=15m': no store s3:upload in estate prod"),
        ({"recoveryTargets": ["kind:buckets rpo=15m"]}, "no store kind buckets (kinds: "),
        ({"recoveryTargets": ["s3:uploads@flood rpo=15m"]}, "no disruption flood (disruptions: az-loss, "),
        ({"recoveryEstimates": ["step:deploy 5m"]}, "no recovery step deploy (steps: "),
    ],
)
def test_entries_naming_nothing_the_model_has_are_refused(keys: dict[str, list[str]], message: str) -> None:
    plans = {"dr": cached_plan("dr"), "prod": cached_plan("prod")}
    with pytest.raises(ModelError, match="invalid config failsafe:") as caught:
        model.build(estate.from_plans(plans, ROLES, objectives_with(**keys), ROOT, "prod"))
    assert message in str(caught.value), caught.value


def test_check_prod_fails_with_the_line_when_a_pull_request_turns_rtc_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What pr-checks.yml's gate runs on the pull request, with the plans of that change."""
    changed = what_if(replicationTimeControl="false")
    plans: dict[str, harness.Plan] = dict(changed.plans)
    # the org stack (its SCPs and RCPs in force in the proofs) is planned as it is
    monkeypatch.setattr(planning, "plan_stack", lambda stack, overrides=None: plans.get(stack) or cached_plan(stack))
    assert gate.check("prod", json_output=False) == 1
    out = capsys.readouterr().out
    assert "recovery targets missed (recoveryTargets; docs/recovery.md):" in out
    assert "  recovery target missed: s3:uploads, region loss: RPO none promised (S3 RTC off" in out
    assert (
        out.splitlines()[-1].startswith("prod: 0 mandatory") and "recovery: 10 target(s) missed" in out.splitlines()[-1]
    )
