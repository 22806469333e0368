"""Issue 17, restore testing: dr's vault is restore-tested on the configured schedule as the Backup restore role, and a
Backup Audit Manager framework judges each restore against rtoMinutes. Planned with the real program (no AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from failsafe.settings.config import ConfigError
from failsafe.tooling import harness
from failsafe.tooling.cli import PlanError, plan_stack
from failsafe_components.errors import ComponentArgsError
from failsafe_components.restore_testing import RestoreTesting, RestoreTestingArgs
from tests.support.plans import cached_plan, config_of

PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
FRAMEWORK = "aws:backup/framework:Framework"


def one(plan: harness.Plan, type_: str) -> harness.PlannedResource:
    found = plan.by_type(type_)
    assert len(found) == 1, f"{plan.stack}: expected one {type_}, found {[r.name for r in found]}"
    return found[0]


def test_the_vaults_latest_recovery_points_are_restore_tested_as_the_backup_restore_role() -> None:
    plan, cfg = cached_plan("dr"), config_of("dr")
    testing = one(plan, PLAN).inputs
    assert testing["scheduleExpression"] == cfg.restore_test.schedule  # type: ignore[union-attr]
    selection = testing["recoveryPointSelection"]
    assert selection["algorithm"] == "LATEST_WITHIN_WINDOW"
    assert selection["includeVaults"] == [plan.outputs["backupVaultArn"]], "another vault is restore-tested"
    chosen = one(plan, SELECTION).inputs
    assert chosen["iamRoleArn"] == plan.outputs["backupRestoreRoleArn"]
    assert chosen["protectedResourceType"] == cfg.restore_test.resource_type  # type: ignore[union-attr]
    assert chosen["restoreTestingPlanName"] == testing["name"]
    assert plan.outputs["restoreTestingPlanArn"], "the plan ARN `failsafe-dr restore tests` reads is not exported"


def test_the_framework_judges_restores_against_the_rto() -> None:
    plan, cfg = cached_plan("dr"), config_of("dr")
    controls = {c["name"]: c for c in one(plan, FRAMEWORK).inputs["controls"]}
    assert set(controls) == {"RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"}, sorted(controls)
    (parameter,) = controls["RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"]["inputParameters"]
    assert parameter == {"name": "maxRestoreTime", "value": str(cfg.recovery.rto_minutes)}


def test_schedule_type_and_rto_come_from_config() -> None:
    plan = plan_stack(
        "dr",
        {
            "failsafe:restoreTestSchedule": "rate(1 day)",
            "failsafe:restoreTestResourceType": "RDS",
            "failsafe:rtoMinutes": "90",
        },
    )
    assert one(plan, PLAN).inputs["scheduleExpression"] == "rate(1 day)"
    assert one(plan, SELECTION).inputs["protectedResourceType"] == "RDS"
    (control,) = one(plan, FRAMEWORK).inputs["controls"]
    assert control["inputParameters"] == [{"name": "maxRestoreTime", "value": "90"}]
    assert control["scope"] == {"complianceResourceTypes": ["RDS"]}


def test_prod_has_no_restore_testing() -> None:
    assert not cached_plan("prod").by_type(PLAN)


@pytest.mark.parametrize(
    ("key", "value"),
    [("restoreTestSchedule", "weekly"), ("restoreTestResourceType", "Redshift")],
)
def test_bad_restore_test_settings_are_refused_in_config_terms(key: str, value: str) -> None:
    with pytest.raises((ConfigError, PlanError)) as caught:
        plan_stack("dr", {f"failsafe:{key}": value})
    assert key in str(caught.value) and value in str(caught.value), str(caught.value)


def _args(**changes: Any) -> RestoreTestingArgs:
    values: dict[str, Any] = {
        "name_prefix": "failsafe",
        "vault_arn": "arn:aws:backup:eu-central-1:222222222222:backup-vault:failsafe-vault",
        "restore_role_arn": "arn:aws:iam::222222222222:role/failsafe-backup-restore",
    }
    return RestoreTestingArgs(**(values | changes))


@pytest.mark.parametrize(
    ("change", "arg"),
    [
        ({"rto_minutes": 0}, "rto_minutes"),
        ({"validation_window_hours": 169}, "validation_window_hours"),
        ({"copy_to_accounts": ("22222222222",)}, "copy_to_accounts"),
    ],
)
def test_the_component_refuses_bad_args_before_declaring_anything(change: dict[str, Any], arg: str) -> None:
    with pytest.raises(ComponentArgsError, match=rf"^RestoreTestingArgs\.{arg}="):
        RestoreTesting("t", _args(**change))


def test_names_fit_awss_rules() -> None:
    args = _args(name_prefix="a-very-long-prefix-that-goes-on-and-on-and-on-forever")
    assert len(args.plan_name) <= 50 and args.plan_name.replace("_", "").isalnum(), args.plan_name
    assert args.framework_name[0].isalpha() and args.framework_name.replace("_", "").isalnum()
