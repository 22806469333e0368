"""One source of truth: the outputs prod exports (``rpoMinutes``, ``backupWorstCaseMinutes``,
``failoverWorstCaseSeconds``), the README's recovery tables and docs/runbook.md's step durations are what the recovery
model derives from the same plans; a figure anywhere else that disagrees fails here (regenerate them with
``python -m failsafe.tooling.recovery.sources``)."""

from __future__ import annotations

import pytest

from failsafe.tooling.recovery import model, sources
from failsafe.tooling.recovery.estate import Estate
from tests.support.recovery import example_estate, example_model, what_if

README = sources.README.read_text(encoding="utf-8")
RUNBOOK = sources.RUNBOOK.read_text(encoding="utf-8")


def test_the_readme_and_the_runbook_state_the_models_figures() -> None:
    assert sources.disagreements(example_model(), README, RUNBOOK) == []


def test_a_figure_the_model_does_not_state_is_found() -> None:
    planted = RUNBOOK.replace("| 20 min (estimated) |", "| 10-20 min |", 1)
    assert planted != RUNBOOK
    (problem,) = sources.disagreements(example_model(), README, planted)
    assert problem == "docs/runbook.md: step 6 says '10-20 min', the model '20 min (estimated)'"
    table = sources.block(README, "table")
    assert table is not None and "RPO 15 min" in table
    edited = README.replace(table, table.replace("RPO 15 min", "RPO 5 min", 1))
    assert any(
        p.startswith("README.md: block recovery-model:table differs")
        for p in sources.disagreements(example_model(), edited, RUNBOOK)
    )


def test_the_rewrite_touches_the_step_tables_only() -> None:
    """Other tables whose rows start with a number (the README's fleet benchmarks: N = 1, 5, 10, ...) keep their
    figures; a step row of the README and of the runbook whose duration was edited is set back to the model's."""
    other = "| N | stacks | seconds | s/member | x N = 1 |\n|---|---|---|---|---|\n| 5 | 7 | 2.29 | 0.46 | 1.0 |\n"
    planted = RUNBOOK.replace("| 20 min (estimated) |", "| 10-20 min |", 1) + "\n" + other
    rewritten = sources.rewrite(planted, example_model(), sources.RUNBOOK_COLUMN)
    assert other in rewritten, "a non-step table was rewritten"
    assert sources.disagreements(example_model(), README, rewritten) == []
    assert sources.rewrite(README + "\n" + other, example_model(), sources.README_COLUMN) == README + "\n" + other


@pytest.mark.parametrize(
    "estate",
    [
        pytest.param(example_estate, id="example"),
        pytest.param(lambda: what_if(replicationTimeControl="false"), id="rtc-off"),
        pytest.param(lambda: what_if(dnsTtl="30"), id="ttl-30"),
        pytest.param(lambda: what_if(backupIntervalHours="4", rpoMinutes="420"), id="every-4-hours"),
    ],
)
def test_prods_recovery_outputs_are_what_the_model_derives_from_the_same_plan(estate: object) -> None:
    found: Estate = estate()  # type: ignore[operator]
    derived = sources.derived_outputs(model.build(found))
    outputs = found.plans["prod"].outputs
    assert set(derived) == {"rpoMinutes", "backupWorstCaseMinutes", "failoverWorstCaseSeconds"}
    for key, (value, _) in derived.items():
        assert outputs[key] == value, f"{key}: prod exports {outputs[key]!r}, the model derives {value!r}"
