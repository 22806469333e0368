"""The recovery model of an estate: every store x every disruption, with the steps every recovery path uses.

Built from an :class:`~failsafe.tooling.recovery.estate.Estate` (plans, workflows, objectives) and failsafe's own
evidence. The owner's objectives are checked against what the model found: a target or estimate naming a store, kind,
tier or disruption that does not exist is refused with one line naming the entry (a typo would otherwise guard
nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from failsafe.ops.runrecord import Evidence
from failsafe.settings.recovery_targets import Objectives
from failsafe.tooling.recovery import disruptions
from failsafe.tooling.recovery.disruptions import Disruption
from failsafe.tooling.recovery.estate import Estate
from failsafe.tooling.recovery.steps import Step, StepBook
from failsafe.tooling.recovery.stores import backups, buckets, copiers, traffic, workflows
from failsafe.tooling.recovery.stores.base import Cell, Store, kinds
from failsafe.tooling.recovery.terms import Bound

FORMAT = "failsafe-recovery-model/1"
# The kind modules, imported for their registration; a new kind's module joins this tuple (docs/recovery.md).
KIND_MODULES = (buckets, backups, copiers, workflows, traffic)
KIND_ORDER = ("bucket", "backup", "snapshots", "parameters", "traffic", "state-archive", "captures")


class ModelError(ValueError):
    """The owner's objectives name something the model does not have; one line for a person."""


@dataclass(frozen=True)
class Model:
    estate: str
    stacks: dict[str, str]  # stack -> role
    stores: tuple[Store, ...]
    steps: dict[str, Step]
    disruptions: tuple[Disruption, ...]
    objectives: Objectives
    evidence: tuple[str, ...] = ()  # the evidence files that measured a step

    def store(self, store_id: str) -> Store:
        found = next((s for s in self.stores if s.id == store_id), None)
        if found is None:
            raise KeyError(f"no store {store_id}; stores: {', '.join(s.id for s in self.stores)}")
        return found

    def cell(self, store_id: str, disruption: str) -> Cell:
        return self.store(store_id).cell(disruption)

    def selected(self, selector: str) -> list[Store]:
        """The stores a selector names: a store id, ``kind:<kind>``, ``tier:<tier>`` or ``*``."""
        if selector == "*":
            return list(self.stores)
        if selector.startswith("kind:"):
            return [s for s in self.stores if s.kind == selector[5:]]
        if selector.startswith("tier:"):
            members = dict(self.objectives.tiers).get(selector[5:], ())
            return [s for s in self.stores if s.id in members]
        return [s for s in self.stores if s.id == selector]

    def worst_disruption(self) -> Disruption:
        """The disruption with the longest known recovery of any store (then: one with an open bound); cells that are
        not protected have no recovery to draw."""

        def key(d: Disruption) -> tuple[float, bool]:
            rtos = [c.rto for s in self.stores if (c := s.cell(d.id)).rto is not None]
            return (max((r.minutes for r in rtos), default=0.0), any(not r.bounded for r in rtos))

        return max(self.disruptions, key=key)

    def worst(self, store: Store, what: str) -> tuple[str, Bound | None]:
        """The disruption giving ``store`` its worst RPO (``what="rpo"``) or RTO, and that bound (None: not
        protected)."""
        cells = [(d.id, getattr(store.cell(d.id), what)) for d in self.disruptions]
        unprotected = [(d, b) for d, b in cells if b is None]
        if unprotected:
            return unprotected[0]
        return max(cells, key=lambda c: c[1].sort_key())

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "estate": self.estate,
            "stacks": self.stacks,
            "disruptions": [{"id": d.id, "title": d.title, "takes": d.takes} for d in self.disruptions],
            "stores": [s.to_dict() for s in self.stores],
            "steps": [s.to_dict() for s in self.steps.values()],
            "evidence": list(self.evidence),
            "worst_disruption": self.worst_disruption().id,
        }


def _check_objectives(model: Model) -> None:
    known_kinds = {k.name for k in kinds()}
    ids = {s.id for s in model.stores}
    for store in (s for _, members in model.objectives.tiers for s in members):
        if store not in ids:
            raise ModelError(
                f"invalid config failsafe:recoveryTiers: {store} is no store of estate {model.estate} "
                f"(stores: {', '.join(sorted(ids))})"
            )
    entries = [("recoveryTargets", t.selector, t.entry) for t in model.objectives.targets]
    entries += [("recoveryEstimates", e.selector, e.entry) for e in model.objectives.estimates]
    for key, selector, entry in entries:
        if selector.startswith("step:"):
            step_id = selector[5:]
            if not any(s == step_id or s.split(":", 1)[0] == step_id for s in model.steps):
                raise ModelError(
                    f"invalid config failsafe:{key} = '{entry}': no recovery step {step_id} "
                    f"(steps: {', '.join(sorted(model.steps))})"
                )
        elif selector.startswith("kind:") and selector[5:] not in known_kinds:
            raise ModelError(
                f"invalid config failsafe:{key} = '{entry}': no store kind {selector[5:]} "
                f"(kinds: {', '.join(sorted(known_kinds))})"
            )
        elif not selector.startswith(("kind:", "tier:")) and selector != "*" and selector not in ids:
            raise ModelError(
                f"invalid config failsafe:{key} = '{entry}': no store {selector} in estate {model.estate} "
                f"(stores: {', '.join(sorted(ids))})"
            )
    known = [d.id for d in model.disruptions]
    for target in model.objectives.targets:
        if target.disruption is not None and target.disruption not in known:
            raise ModelError(
                f"invalid config failsafe:recoveryTargets = '{target.entry}': no disruption {target.disruption} "
                f"(disruptions: {', '.join(known)})"
            )


def build(estate: Estate, evidence: Evidence | None = None, check: bool = True) -> Model:
    """The model of ``estate``; ``check``: refuse objectives that name nothing (ModelError)."""
    book = StepBook(estate.objectives, evidence or Evidence())
    stores: list[Store] = []
    ordered = sorted(kinds(), key=lambda k: KIND_ORDER.index(k.name) if k.name in KIND_ORDER else len(KIND_ORDER))
    for kind in ordered:
        stores += kind.discover(estate, book)
    # the runbook's own steps, in its order, whether or not a path uses them (their estimates are the runbook's timings)
    book.declare(), book.verify_backup()
    for stack in estate.plans:
        book.restore_state(stack), book.up(stack)
    book.verify()
    measured = tuple(dict.fromkeys(src for s in book.steps.values() if s.measured for src in s.measured.sources))
    model = Model(
        estate=estate.name,
        stacks=dict(estate.roles),
        stores=tuple(stores),
        steps=dict(book.steps),
        disruptions=disruptions.all_disruptions(),
        objectives=estate.objectives,
        evidence=measured,
    )
    if check:
        _check_objectives(model)
    return model
