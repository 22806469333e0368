"""The pieces every recovery figure is made of: a term (one reason a recovery point is old or a recovery takes time),
where it was read (the URN and property path of a planned resource, a workflow file, a config entry), the public
document behind any figure that is not a setting, and the sum of terms as a bound that is either a number or says why
there is none.

Two words are kept apart because they mean different things to whoever reads the table:

- ``none promised``: the provider says in writing that there is no bound (S3 replication without Replication Time
  Control "can take hours ... in rare cases longer"; GitHub may delay or drop scheduled runs);
- ``UNKNOWN``: nobody has published a figure and nothing in the plans sets one (how long a copy job takes, when prod
  takes its own snapshots, how long ``pulumi up`` runs before anyone measured it).

Neither is ever replaced by a guess: a sum with such a term is reported as "at least" its known part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Basis(StrEnum):
    SETTING = "setting"  # a resource's own setting, read from the plan (a schedule, a window, a TTL)
    DOCUMENTED = "documented"  # a figure the provider publishes (with the page and section)
    CONFIGURED = "configured"  # the owner's estimate in recoveryEstimates
    MEASURED = "measured"  # failsafe's own evidence (drill reports, restore run records, restore jobs)
    NONE_PROMISED = "none promised"
    UNKNOWN = "unknown"

    @property
    def bounded(self) -> bool:
        return self not in (Basis.NONE_PROMISED, Basis.UNKNOWN)


@dataclass(frozen=True)
class Doc:
    """A public document a figure comes from: the page, its section, and what it says there (paraphrased)."""

    url: str
    section: str
    says: str

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "section": self.section, "says": self.says}


@dataclass(frozen=True)
class Read:
    """Where a value was read: a resource of a stack's plan by URN and property path (or an option such as
    ``options.protect``), a workflow file by path, or a config entry."""

    where: str  # a URN, "<file>" or "config:<key>"
    path: str
    value: Any
    stack: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"stack": self.stack, "where": self.where, "path": self.path, "value": self.value}

    def text(self) -> str:
        short = self.where.rsplit("::", 1)[-1] if self.where.startswith("urn:") else self.where
        return f"{short} {self.path} = {self.value!r}"


@dataclass(frozen=True)
class Term:
    """One addend of a figure. ``minutes`` is None exactly when the basis is unbounded."""

    key: str  # stable across runs: what diff, targets and comparisons name ("s3.replication-time")
    name: str  # for people: "replication lag (S3 RTC)"
    minutes: float | None
    basis: Basis
    note: str = ""
    reads: tuple[Read, ...] = ()
    docs: tuple[Doc, ...] = ()
    why: str = ""  # a few words for a diff line: "S3 RTC off"

    def __post_init__(self) -> None:
        if (self.minutes is None) == self.basis.bounded:
            raise ValueError(f"term {self.key}: minutes {self.minutes} does not fit basis {self.basis}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "minutes": self.minutes,
            "basis": self.basis.value,
            "note": self.note,
            "why": self.why,
            "reads": [r.to_dict() for r in self.reads],
            "docs": [d.to_dict() for d in self.docs],
        }

    def text(self) -> str:
        amount = duration_text(self.minutes) if self.minutes is not None else self.basis.value.upper()
        if self.basis is Basis.NONE_PROMISED:
            amount = "none promised"
        return f"{self.name} {amount} ({self.basis.value})"


def duration_text(minutes: float) -> str:
    """Minutes as people read them: ``45 s``, ``15 min``, ``4 h``, ``2 h 10 min``, ``1 d 6 h``."""
    seconds = round(minutes * 60)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        whole, rest = divmod(seconds, 60)
        return f"{whole} min" + (f" {rest} s" if rest else "")
    hours, rest = divmod(seconds, 3600)
    mins = round(rest / 60)
    if mins == 60:
        hours, mins = hours + 1, 0
    if hours < 48:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")


def short_text(minutes: float) -> str:
    """A compact form for narrow tables: ``45s``, ``15m``, ``4h``, ``2h10m``, ``1d6h``."""
    return (
        duration_text(minutes)
        .replace(" min", "m")
        .replace(" h", "h")
        .replace(" s", "s")
        .replace(" d", "d")
        .replace(" ", "")
    )


@dataclass(frozen=True)
class Bound:
    """A sum of terms: a number when every term is bounded, else the known part and the terms without a bound."""

    minutes: float
    open: tuple[Term, ...] = ()

    @classmethod
    def of(cls, terms: Iterable[Term]) -> Bound:
        items = list(terms)
        return cls(sum(t.minutes or 0.0 for t in items), tuple(t for t in items if t.minutes is None))

    @property
    def bounded(self) -> bool:
        return not self.open

    @property
    def word(self) -> str:
        return "none promised" if any(t.basis is Basis.NONE_PROMISED for t in self.open) else "UNKNOWN"

    def text(self) -> str:
        if self.bounded:
            return duration_text(self.minutes) if self.minutes else "0"
        return self.word if not self.minutes else f"{self.word} (at least {duration_text(self.minutes)})"

    def short(self) -> str:
        """For the narrow table: ``15m``; ``none``/``UNK`` when nothing is known; ``>4h!`` (none promised beyond 4 h)
        and ``>4h?`` (UNKNOWN beyond 4 h)."""
        if self.bounded:
            return short_text(self.minutes) if self.minutes else "0"
        mark = "!" if self.word == "none promised" else "?"
        if not self.minutes:
            return "none" if mark == "!" else "UNK"
        return f">{short_text(self.minutes)}{mark}"

    def exceeds(self, minutes: float) -> bool:
        """True unless the bound is known to be at most ``minutes``: an open bound can never be shown to meet it."""
        return not self.bounded or self.minutes > minutes + 1e-9

    def sort_key(self) -> tuple[bool, float]:
        return (not self.bounded, self.minutes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes if self.bounded else None,
            "at_least_minutes": self.minutes,
            "bounded": self.bounded,
            "text": self.text(),
            "open": [t.key for t in self.open],
        }


ZERO = Bound(0.0)


@dataclass(frozen=True)
class Cost:
    """A pricing dimension a protection adds, named (never priced here), with the pricing page."""

    name: str
    url: str
    reads: tuple[Read, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "reads": [r.to_dict() for r in self.reads]}


@dataclass(frozen=True)
class Window:
    """How long after a bad change the good data can still be had back (old versions, recovery points, copies)."""

    days: float | None  # None: kept until someone deletes it
    what: str
    reads: tuple[Read, ...] = ()

    def text(self) -> str:
        return f"{self.what}: {'until deleted' if self.days is None else f'{self.days:g} days'}"

    def to_dict(self) -> dict[str, Any]:
        return {"days": self.days, "what": self.what, "reads": [r.to_dict() for r in self.reads]}
