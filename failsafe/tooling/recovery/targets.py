"""The owner's targets (``recoveryTargets``) against the model: one line per store, disruption and measure that misses.

A target is missed when the estimated worst case is larger, when it has no bound ("none promised", UNKNOWN: a figure
that cannot be shown to meet a target does not meet it), or when the store is not protected in that disruption. The
line names the store, the disruption, the worst case with the reason it has that value, and the target, so a pull
request that turns RTC off or lengthens the backup interval past a target fails ``python -m failsafe check`` with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from failsafe.tooling import harness
from failsafe.tooling.recovery import estate
from failsafe.tooling.recovery.model import Model, build
from failsafe.tooling.recovery.stores.base import Cell
from failsafe.tooling.recovery.terms import Bound, duration_text


@dataclass(frozen=True)
class Missed:
    store: str
    disruption: str
    measure: str  # RPO | RTO
    worst: str
    target_minutes: float
    entry: str

    def line(self) -> str:
        return (
            f"recovery target missed: {self.store}, {self.disruption}: {self.measure} {self.worst} exceeds the target "
            f"{duration_text(self.target_minutes)} (recoveryTargets '{self.entry}')"
        )


def reason(bound: Bound, parts: list[tuple[str, float]]) -> str:
    """The worst case and why it has that value: an open term's reason, else the parts that add up to it."""
    if not bound.bounded:
        first = bound.open[0]
        return f"{bound.text()} ({first.why or first.name})"
    named = [f"{name} {duration_text(minutes)}" for name, minutes in parts if minutes]
    return f"{bound.text()} ({' + '.join(named)})" if named else bound.text()


def _worst(cell: Cell, measure: str) -> tuple[Bound | None, list[tuple[str, float]]]:
    if measure == "RPO":
        return cell.rpo, [(t.name, t.minutes or 0.0) for t in cell.rpo_terms]
    return cell.rto, [(s.name, s.duration.minutes) for s in cell.steps]


def check(model: Model) -> list[Missed]:
    missed = []
    for target in model.objectives.targets:
        for store in model.selected(target.selector):
            for d in model.disruptions:
                if not target.applies_to(d.id):
                    continue
                cell = store.cell(d.id)
                for measure, limit in (("RPO", target.rpo_minutes), ("RTO", target.rto_minutes)):
                    if limit is None or (measure == "RPO" and not cell.holds_data):
                        continue
                    bound, parts = _worst(cell, measure)
                    if bound is None:
                        missed.append(
                            Missed(store.id, d.title, measure, f"not protected ({cell.reason})", limit, target.entry)
                        )
                    elif bound.exceeds(limit):
                        missed.append(Missed(store.id, d.title, measure, reason(bound, parts), limit, target.entry))
    return missed


def check_stack(stack: str, plan_for: Callable[[str], harness.Plan]) -> list[str]:
    """What ``python -m failsafe check <stack>`` adds: the missed targets of a prod stack's estate, from the plans the
    gate made already (``plan_for``); none for a dr or preview stack (the prod stack's check sees dr's plan too)."""
    found = estate.for_stack(stack, plan_for)
    return [] if found is None else [m.line() for m in check(build(found))]
