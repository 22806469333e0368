"""What every store kind answers: one cell per disruption, and the registry that lists the kinds.

A store is one body of data the estate protects (a bucket, the recovery points of one resource type, ...). A cell
says, for one disruption, whether the store's data is affected, and if it is, how old the newest copy can be (the
worst-case RPO, as terms) and the recovery path with its steps (the RTO); or that nothing protects it, and why.

Extension points: a new kind subclasses :class:`StoreKind` and calls :func:`register` (the air-gapped vault of issue
25 in dr's plan; an organization's backup policies of issue 24 in the ``org`` stack's plan). A kind that has no
answer for a disruption registered later gets the explicit cell "not protected: <kind> does not model <disruption>
yet" from :meth:`StoreKind.cells`, never a missing one.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from failsafe.tooling.recovery import disruptions
from failsafe.tooling.recovery.estate import Estate
from failsafe.tooling.recovery.steps import Step, StepBook
from failsafe.tooling.recovery.terms import ZERO, Bound, Cost, Read, Term, Window


class Status(StrEnum):
    PROTECTED = "protected"  # affected, and a copy and a way back exist
    UNAFFECTED = "unaffected"  # this disruption does not reach the store's data
    NOT_PROTECTED = "not protected"  # affected, and nothing brings it back


def add(bounds: list[Bound]) -> Bound:
    return Bound(sum(b.minutes for b in bounds), tuple(t for b in bounds for t in b.open))


@dataclass(frozen=True)
class Cell:
    disruption: str
    status: Status
    reason: str
    rpo_terms: tuple[Term, ...] = ()
    steps: tuple[Step, ...] = ()
    window: Window | None = None
    notes: tuple[str, ...] = ()
    holds_data: bool = True  # False: a store without data (traffic): its RPO is "n/a"

    @property
    def rpo(self) -> Bound | None:
        if self.status is Status.NOT_PROTECTED:
            return None
        if self.status is Status.UNAFFECTED or not self.holds_data:
            return ZERO
        return Bound.of(self.rpo_terms)

    @property
    def rto(self) -> Bound | None:
        if self.status is Status.NOT_PROTECTED:
            return None
        if self.status is Status.UNAFFECTED:
            return ZERO
        return add([s.duration for s in self.steps])

    def rpo_text(self) -> str:
        if not self.holds_data:
            return "n/a"
        rpo = self.rpo
        return "not protected" if rpo is None else rpo.text()

    def rto_text(self) -> str:
        rto = self.rto
        return "not protected" if rto is None else rto.text()

    def to_dict(self) -> dict[str, Any]:
        rpo, rto = self.rpo, self.rto
        return {
            "status": self.status.value,
            "reason": self.reason,
            "holds_data": self.holds_data,
            "rpo": None if rpo is None else {**rpo.to_dict(), "terms": [t.to_dict() for t in self.rpo_terms]},
            "rto": None if rto is None else {**rto.to_dict(), "steps": [s.id for s in self.steps]},
            "window": self.window.to_dict() if self.window else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Store:
    id: str
    kind: str
    title: str
    cells: Mapping[str, Cell]
    costs: tuple[Cost, ...] = ()
    facts: tuple[Read, ...] = ()
    notes: tuple[str, ...] = ()

    def cell(self, disruption: str) -> Cell:
        return self.cells[disruption]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "cells": {d: c.to_dict() for d, c in self.cells.items()},
            "costs": [c.to_dict() for c in self.costs],
            "facts": [f.to_dict() for f in self.facts],
            "notes": list(self.notes),
        }


Handler = Callable[[], Cell]


@dataclass
class StoreKind(abc.ABC):
    """A kind of store: finds its stores in the estate's plans and answers each disruption for each. Abstract: each
    kind (stores/buckets.py, backups.py, ...) says how it finds its stores."""

    name: str = ""
    title: str = ""
    _handlers: dict[str, Handler] = field(default_factory=dict, init=False, repr=False)

    @abc.abstractmethod
    def discover(self, estate: Estate, book: StepBook) -> list[Store]:
        """The stores of this kind in the estate's plans."""

    def cells(self, handlers: Mapping[str, Handler]) -> dict[str, Cell]:
        """One cell per registered disruption; one the kind does not model says so."""
        out = {}
        for d in disruptions.all_disruptions():
            handler = handlers.get(d.id)
            out[d.id] = (
                handler()
                if handler is not None
                else Cell(d.id, Status.NOT_PROTECTED, f"the {self.name} store kind does not model {d.title} yet")
            )
        return out


def protected(
    disruption: str,
    reason: str,
    rpo_terms: tuple[Term, ...],
    steps: tuple[Step, ...],
    window: Window | None = None,
    notes: tuple[str, ...] = (),
) -> Cell:
    return Cell(disruption, Status.PROTECTED, reason, rpo_terms, steps, window, notes)


def unaffected(disruption: str, reason: str, notes: tuple[str, ...] = ()) -> Cell:
    return Cell(disruption, Status.UNAFFECTED, reason, notes=notes)


def not_protected(disruption: str, reason: str, notes: tuple[str, ...] = ()) -> Cell:
    return Cell(disruption, Status.NOT_PROTECTED, reason, notes=notes)


_KINDS: dict[str, StoreKind] = {}


def register(kind: StoreKind) -> StoreKind:
    if kind.name in _KINDS and type(_KINDS[kind.name]) is not type(kind):
        raise ValueError(f"store kind {kind.name} is registered already")
    _KINDS[kind.name] = kind
    return kind


def kinds() -> tuple[StoreKind, ...]:
    return tuple(_KINDS.values())
