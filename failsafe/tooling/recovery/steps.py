"""Recovery steps: what a recovery path is made of, each with an estimate (its terms) and, when failsafe's own evidence
has measured it, the measurement that replaces the estimate.

A step's estimate comes, in this order of preference, from the resources' settings and published figures (a DNS
failover: the health check's interval and threshold, Route 53's propagation, the record's TTL), from the owner's
``recoveryEstimates`` (what only a person or a size determines: ``step:up 20m``, ``s3:uploads size=50GiB
rate=100MiB/s``), or it is UNKNOWN. A measured step is labelled ``measured (n, p50, p95, last date)`` and its
duration is the 95th percentile, scaled to the store's size when every run says how much it restored. The evidence
matchers travel with the model's JSON, so ``failsafe-dr verify`` recognises the same runs (failsafe/ops/runrecord.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from failsafe.ops import runrecord
from failsafe.ops.runrecord import Evidence, Match, Summary
from failsafe.settings.recovery_targets import Estimate, Objectives
from failsafe.tooling.recovery.terms import Basis, Bound, Read, Term, duration_text

IEC = (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def size_text(size: float) -> str:
    for unit, factor in IEC:
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size:g} B"


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    terms: tuple[Term, ...]
    match: Match = field(default_factory=Match)
    measured: Summary | None = None
    size_bytes: int | None = None  # what a restore moves: the newest measured run's, else the configured size
    size_from: str = ""
    seconds_per_byte: float | None = None  # the estimate's own rate, to judge a run of another size

    @property
    def estimate(self) -> Bound:
        return Bound.of(self.terms)

    @property
    def measured_minutes(self) -> float | None:
        m = self.measured
        if m is None:
            return None
        if m.seconds_per_byte_p95 is not None and self.size_bytes:
            return m.seconds_per_byte_p95 * self.size_bytes / 60
        return m.p95_seconds / 60

    @property
    def duration(self) -> Bound:
        minutes = self.measured_minutes
        return self.estimate if minutes is None else Bound(minutes)

    def label(self) -> str:
        m = self.measured
        if m is None:
            return "estimated" if self.estimate.bounded else "estimated (incomplete)"
        return (
            f"measured (n={m.n}, p50 {duration_text(m.p50_seconds / 60)}, p95 {duration_text(m.p95_seconds / 60)}, "
            f"last {m.last})"
        )

    def to_dict(self) -> dict[str, Any]:
        estimate = self.estimate
        return {
            "id": self.id,
            "name": self.name,
            "label": self.label(),
            "duration": self.duration.to_dict(),
            "estimate": {
                "seconds": estimate.minutes * 60 if estimate.bounded else None,
                "seconds_per_byte": self.seconds_per_byte if estimate.bounded else None,  # open: bounds nothing
                "overhead_seconds": (estimate.minutes * 60 - self.seconds_per_byte * self.size_bytes)
                if self.seconds_per_byte is not None and self.size_bytes and estimate.bounded
                else None,
                "text": estimate.text(),
                "terms": [t.text() for t in self.terms],
                "detail": [t.to_dict() for t in self.terms],
            },
            "size_bytes": self.size_bytes,
            "size_from": self.size_from,
            "measured": self.measured.to_dict() if self.measured else None,
            "match": self.match.to_dict(),
        }


def _configured(estimate: Estimate, what: str) -> Read:
    return Read("config:recoveryEstimates", what, estimate.entry)


class StepBook:
    """Makes the steps of every recovery path, once each, with the owner's estimates and the evidence applied."""

    def __init__(self, objectives: Objectives, evidence: Evidence) -> None:
        self.objectives = objectives
        self.evidence = evidence
        self.steps: dict[str, Step] = {}

    def _keep(self, step: Step) -> Step:
        return self.steps.setdefault(step.id, step)

    def _measure(self, match: Match) -> Summary | None:
        return runrecord.summarise(runrecord.measurements(self.evidence, match)) if not self.evidence.empty else None

    def _step_estimate(self, step_id: str) -> Estimate | None:
        by = {e.selector: e for e in self.objectives.estimates}
        return by.get(f"step:{step_id}") or by.get(f"step:{step_id.split(':', 1)[0]}")

    def _store_estimate(self, store: str, kind: str) -> Estimate | None:
        by = {e.selector: e for e in self.objectives.estimates}
        tier = self.objectives.tier_of(store)
        for selector in (store, f"tier:{tier}" if tier else "", f"kind:{kind}", "*"):
            if selector in by:
                return by[selector]
        return None

    def person(self, step_id: str, name: str, drill_names: tuple[str, ...] = ()) -> Step:
        """A step a person takes (declare, pulumi up, create an account): the owner's estimate or UNKNOWN."""
        if step_id in self.steps:
            return self.steps[step_id]
        estimate = self._step_estimate(step_id)
        if estimate is not None and estimate.minutes is not None:
            term = Term(
                f"{step_id}.estimate",
                name,
                estimate.minutes,
                Basis.CONFIGURED,
                note="the owner's estimate",
                reads=(_configured(estimate, f"step:{step_id}"),),
            )
        else:
            term = Term(
                f"{step_id}.time",
                name,
                None,
                Basis.UNKNOWN,
                note=f"no published figure: set recoveryEstimates 'step:{step_id} <duration>' or time it in a drill",
                why="not estimated",
            )
        match = Match(drill_steps=drill_names)
        return self._keep(Step(step_id, name, (term,), match, self._measure(match)))

    def timed(self, step_id: str, name: str, terms: tuple[Term, ...], drill_names: tuple[str, ...] = ()) -> Step:
        """A step whose time follows from the resources' settings and published figures."""
        match = Match(drill_steps=drill_names)
        return self._keep(Step(step_id, name, terms, match, self._measure(match)))

    def restore(
        self,
        store: str,
        kind: str,
        name: str,
        *,
        command: str = "",
        drill_names: tuple[str, ...] = (),
        resource_type: str = "",
        what: str = "restore time",
        extra: tuple[Term, ...] = (),
    ) -> Step:
        """Getting a store's data back: size / rate or a fixed time from recoveryEstimates, measured runs when there
        are any, else UNKNOWN. ``extra``: terms that add to it whatever the copy takes (an archive retrieval)."""
        step_id = f"restore:{store}"
        if step_id in self.steps:
            return self.steps[step_id]
        match = Match(drill_steps=drill_names, store=store, command=command, resource_type=resource_type)
        measured = self._measure(match)
        runs = runrecord.measurements(self.evidence, match) if measured else []
        newest_bytes = next((r.bytes for r in reversed(runs) if r.bytes), 0)
        estimate = self._store_estimate(store, kind)
        size, size_from, per_byte = None, "", None
        terms: list[Term] = list(extra)
        if estimate is not None and estimate.size_bytes and estimate.rate_bytes_per_second:
            size, size_from = estimate.size_bytes, f"recoveryEstimates '{estimate.entry}'"
            per_byte = 1 / estimate.rate_bytes_per_second
            terms.append(
                Term(
                    f"{step_id}.copy",
                    f"copy {size_text(size)} at {size_text(estimate.rate_bytes_per_second)}/s",
                    size * per_byte / 60,
                    Basis.CONFIGURED,
                    note="the owner's size and copy rate (no published rate for this restore)",
                    reads=(_configured(estimate, store),),
                )
            )
        elif estimate is not None and estimate.minutes is not None:
            terms.append(
                Term(
                    f"{step_id}.estimate",
                    what,
                    estimate.minutes,
                    Basis.CONFIGURED,
                    note="the owner's estimate",
                    reads=(_configured(estimate, store),),
                )
            )
        else:
            terms.append(
                Term(
                    f"{step_id}.time",
                    what,
                    None,
                    Basis.UNKNOWN,
                    note=f"no published figure: set recoveryEstimates '{store} size=<size> rate=<size>/s' (or "
                    "time=<duration>), or record a restore run",
                    why="not estimated",
                )
            )
        if newest_bytes:
            size, size_from = newest_bytes, "the newest measured run"
        return self._keep(Step(step_id, name, tuple(terms), match, measured, size, size_from, per_byte))

    # --- the runbook's own steps (docs/runbook.md), recognised in drill reports by the names `drill run` gives them ---

    def declare(self) -> Step:
        return self.person("declare", "declare the incident, freeze deploys", (runrecord.RUNBOOK_STEP_IDS["declare"],))

    def verify_backup(self) -> Step:
        return self.person(
            "verify-backup", "failsafe-dr verify (backup side)", (runrecord.RUNBOOK_STEP_IDS["verify-backup"],)
        )

    def verify(self) -> Step:
        return self.person("verify", "failsafe-dr verify (both sides)", (runrecord.RUNBOOK_STEP_IDS["verify"],))

    def up(self, stack: str) -> Step:
        known = runrecord.RUNBOOK_STEP_IDS.get(f"up:{stack}")
        return self.person(f"up:{stack}", f"pulumi up -s {stack}", (known or f"pulumi up -s {stack}",))

    def restore_state(self, stack: str) -> Step:
        known = runrecord.RUNBOOK_STEP_IDS.get(f"restore-state:{stack}")
        names = (known,) if known else (f"restore {stack} stack state",)
        return self.person(f"restore-state:{stack}", f"restore {stack}'s Pulumi state from the archive", names)

    def new_account(self) -> Step:
        return self.person(
            "new-account", "create the new prod account and its deploy role", ("create the new prod account",)
        )
