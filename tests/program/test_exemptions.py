"""``policyExemptions`` checked in one place, so every command agrees (issue 22, item 5).

The pack skips a resource when its policy's exemptions hold the resource's name or URN
(policies/failsafe_guardrails/config.py, ``exempt``); an entry naming a policy the pack lacks, or no resource of the
stack, exempts nothing. The policy half is refused where the config is read (failsafe.settings.exemptions.parse, in
config.load: the program under ``pulumi preview``/``up`` and every command); the resource half by the program once it
has declared its resources (failsafe/program/registered.py), which ``plan``, ``check`` and ``policy-config`` run. URNs
as the engine makes them: pulumi/pulumi ``pkg/resource/deploy/deployment.go`` at 720a90c6, ``generateURN`` (the
parent's whole qualified type, the root stack's left out).
"""

from __future__ import annotations

from typing import Any

import pytest

from failsafe.program import registered
from failsafe.settings import exemptions, stackfiles
from failsafe.settings.config import ConfigError, load_mapping
from failsafe.tooling import cli, gate, harness, planning
from tests.support.plans import cached_plan, values_of

VERSIONING = "s3-bucket-versioning-enabled"


@pytest.fixture(scope="module")
def declared() -> dict[str, tuple[registered.Declared, harness.Plan]]:
    """prod planned (dr first), with what each program declared, seen from inside it; dr's plan is the shared one."""
    seen: list[registered.Declared] = []
    real_start = registered.Declared.start

    def recording_start() -> registered.Declared:
        seen.append(real_start())
        return seen[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registered.Declared, "start", staticmethod(recording_start))
        prod = planning.plan_stack("prod")
    by_stack = {d.stack: d for d in seen}
    return {"prod": (by_stack["prod"], prod), "dr": (by_stack["dr"], cached_plan("dr"))}


@pytest.mark.parametrize("stack", ["dr", "prod"])
def test_the_program_sees_every_resource_it_declares_by_the_name_and_urn_the_pack_matches(
    declared: dict[str, tuple[registered.Declared, harness.Plan]], stack: str
) -> None:
    found, plan = declared[stack]
    planned = {(r.name, r.urn) for r in plan.resources}
    assert planned and set(found.resources) == planned, (
        f"{stack}: declared but not planned {sorted(set(found.resources) - planned)[:5]}; "
        f"planned but not declared {sorted(planned - set(found.resources))[:5]}"
    )


def test_top_level_urns_leave_out_the_root_stack_and_children_carry_their_parents_type(
    declared: dict[str, tuple[registered.Declared, harness.Plan]],
) -> None:
    prod = dict(declared["prod"][0].resources)
    assert prod["dr"] == "urn:pulumi:prod::failsafe::pulumi:pulumi:StackReference::dr", prod["dr"]
    found, _ = declared["dr"]
    urns = dict(found.resources)
    assert not [u for u in urns.values() if "pulumi:pulumi:Stack$" in u], "the root stack's type is in no URN"
    assert urns["backup"] == "urn:pulumi:dr::failsafe::failsafe:index:BackupAccount::backup", urns.get("backup")
    child = urns["backup-restore-operator"]
    assert child == "urn:pulumi:dr::failsafe::failsafe:index:BackupAccount$aws:iam/role:Role::backup-restore-operator"


def test_an_exemption_naming_a_declared_resource_by_name_or_urn_is_accepted(
    declared: dict[str, tuple[registered.Declared, harness.Plan]],
) -> None:
    found, _ = declared["dr"]
    name, urn = next((n, u) for n, u in found.resources if n == "backup-restore-operator")
    assert exemptions.unplanned([(VERSIONING, name), (VERSIONING, urn)], found.resources) is None


@pytest.mark.parametrize(
    ("resource", "nearest"),
    [
        ("backup-restore-operater", "backup-restore-operator"),
        (
            "urn:pulumi:dr::failsafe::failsafe:index:BackupAccount$aws:iam/role:Role::backup-restore-operater",
            "urn:pulumi:dr::failsafe::failsafe:index:BackupAccount$aws:iam/role:Role::backup-restore-operator",
        ),
    ],
    ids=["name", "urn"],
)
def test_an_exemption_naming_no_declared_resource_is_refused_with_the_nearest(
    declared: dict[str, tuple[registered.Declared, harness.Plan]], resource: str, nearest: str
) -> None:
    found, _ = declared["dr"]
    error = exemptions.unplanned([(VERSIONING, resource)], found.resources)
    assert isinstance(error, ConfigError), f"{resource}: accepted, though no resource has it"
    message = str(error)
    assert message.startswith(f"invalid config failsafe:policyExemptions = '{VERSIONING}:{resource}': "), message
    assert f"did you mean '{nearest}'?" in message, message


def _dr_raw(exemption: str) -> dict[str, str]:
    return stackfiles.raw_config("dr", overrides={"failsafe:policyExemptions": [exemption]})


def test_the_program_itself_refuses_an_exemption_naming_no_resource() -> None:
    """What ``pulumi preview`` and ``pulumi up`` run: the program, given the raw config the CLI hands it."""
    plan = harness.run_program("dr", _dr_raw(f"{VERSIONING}:backup-replica-asets"))
    assert plan.error is not None, "the program accepted an exemption that exempts nothing"
    assert "failsafe:policyExemptions" in plan.error and "did you mean 'backup-replica-assets'?" in plan.error
    assert "\n" not in plan.error, plan.error


def test_the_program_itself_refuses_an_exemption_for_a_policy_the_pack_lacks() -> None:
    plan = harness.run_program("dr", _dr_raw("s3-bucket-versioning-enable:backup-replica-assets"))
    assert plan.error is not None and f"did you mean '{VERSIONING}'?" in plan.error, plan.error
    assert plan.resources == [], "config is refused before any resource is declared"


def test_an_unknown_policy_name_is_refused_where_the_config_is_read() -> None:
    values = {**values_of("dr"), "policyExemptions": '["no-such-policy:x"]'}
    with pytest.raises(ConfigError) as caught:
        load_mapping("dr", values)
    assert "a policy of failsafe-guardrails" in str(caught.value) and "no-such-policy" in str(caught.value)


def _with_exemption(monkeypatch: pytest.MonkeyPatch, exemption: str) -> None:
    real = planning.stack_config

    def stack_config(stack: str, overrides: dict[str, Any] | None = None) -> Any:
        return real(stack, overrides={**(overrides or {}), "failsafe:policyExemptions": [exemption]})

    monkeypatch.setattr(planning, "stack_config", stack_config)


@pytest.mark.parametrize(
    ("exemption", "hint"),
    [
        (f"{VERSIONING}:backup-replica-asets", "did you mean 'backup-replica-assets'?"),
        ("s3-bucket-versioning-enable:backup-replica-assets", f"did you mean '{VERSIONING}'?"),
    ],
    ids=["resource", "policy"],
)
def test_plan_check_and_policy_config_refuse_it_alike(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exemption: str, hint: str
) -> None:
    _with_exemption(monkeypatch, exemption)
    for command in (["plan", "dr"], ["policy-config", "dr"]):
        assert cli.main(command) == cli.EXIT_USAGE, command
        err = capsys.readouterr().err
        assert err.startswith("error: invalid config failsafe:policyExemptions") and hint in err, (command, err)
    assert gate.check("dr", json_output=False) == 2
    assert hint in capsys.readouterr().err
