"""Recovery targets, estimates and tiers from config (``recoveryTargets``, ``recoveryEstimates``, ``recoveryTiers``).

The recovery model (failsafe/tooling/recovery, docs/recovery.md) derives every protection term from the plans; what
config adds is what the plans cannot know: the targets a store must meet, the estate owner's estimates of what only a
person or a size determines (how long ``pulumi up -s prod`` takes, how big ``uploads`` is and how fast it copies back),
and named groups of stores (tiers) a target or estimate can address at once. Each entry is one string, so the YAML
stays a list of lines a reviewer reads in a diff:

    recoveryTargets:   ["kind:bucket rpo=15m", "backup:RDS@az-loss rpo=4h", "tier:critical rto=2h"]
    recoveryEstimates: ["step:up 20m", "s3:uploads size=50GiB rate=100MiB/s", "tier:critical time=30m"]
    recoveryTiers:     ["critical=s3:uploads,backup:RDS"]

Selectors: a store id (``s3:uploads``, ``backup:RDS``, ``snapshots``, ...), ``kind:<store kind>``, ``tier:<name>``
(declared in recoveryTiers), ``*`` (every store), and in estimates ``step:<step id>`` (a step id or its prefix before
``:``, e.g. ``step:up`` for ``up:dr`` and ``up:prod``). Durations: ``90s``, ``15m``, ``4h``, ``1d``, ``1h30m`` or a
number of minutes. Sizes: bytes with an SI or IEC unit (``500MB``, ``50GiB``); rates: a size per second (``100MiB/s``).

Only the form is checked here (settings cannot know the plans); that a store, kind or disruption exists is checked by
the model, which names the entry when one does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from failsafe.settings.errors import ConfigError
from failsafe.settings.values import Raw

TARGETS, ESTIMATES, TIERS = "recoveryTargets", "recoveryEstimates", "recoveryTiers"
SELECTOR = re.compile(r"\*|(kind|tier|step):[a-z0-9][a-z0-9.:_-]*|[A-Za-z0-9][A-Za-z0-9.:_/-]*")
DISRUPTION = re.compile(r"[a-z0-9][a-z0-9-]*")
TIER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")
SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGTP]i?B|B)?")
UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}
UNITS |= {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}
DURATION_FORM = "a duration such as 90s, 15m, 4h, 1d or 1h30m (a bare number is minutes)"
SIZE_FORM = "a size such as 500MB or 50GiB"


@dataclass(frozen=True)
class Target:
    """The worst case a store (or every store a selector names) must meet, in one disruption or in all."""

    selector: str
    disruption: str | None
    rpo_minutes: float | None
    rto_minutes: float | None
    entry: str  # as written, for messages

    def applies_to(self, disruption: str) -> bool:
        return self.disruption in (None, disruption)


@dataclass(frozen=True)
class Estimate:
    """What the owner estimates for a store's restore (size, copy rate, or a fixed time) or for a step's time."""

    selector: str
    size_bytes: int | None = None
    rate_bytes_per_second: float | None = None
    minutes: float | None = None
    entry: str = ""


@dataclass(frozen=True)
class Objectives:
    targets: tuple[Target, ...] = ()
    estimates: tuple[Estimate, ...] = ()
    tiers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (tier, store ids)

    def tier_of(self, store: str) -> str | None:
        return next((tier for tier, stores in self.tiers if store in stores), None)


def minutes_of(text: str) -> float | None:
    """``text`` as minutes, or None when it is not a duration."""
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    match = DURATION.fullmatch(text)
    if not text or match is None or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return days * 1440 + hours * 60 + minutes + seconds / 60


def bytes_of(text: str) -> int | None:
    match = SIZE.fullmatch(text.strip())
    if match is None:
        return None
    return int(float(match.group(1)) * UNITS[match.group(2) or "B"])


def _fields(key: str, entry: str, allowed: tuple[str, ...]) -> tuple[str, dict[str, str], list[str]]:
    """``<selector> k=v k=v ...`` -> (selector, {k: v}, bare words)."""
    words = entry.split()
    if not words:
        raise ConfigError(key, entry, "an entry '<selector> <key>=<value> ...' (see docs/recovery.md)")
    values: dict[str, str] = {}
    bare: list[str] = []
    for word in words[1:]:
        name, sep, value = word.partition("=")
        if not sep:
            bare.append(word)
            continue
        if name not in allowed or not value or name in values:
            raise ConfigError(key, entry, f"'{words[0]}' followed by {', '.join(f'{a}=' for a in allowed)} (each once)")
        values[name] = value
    return words[0], values, bare


def _selector(key: str, entry: str, text: str, tiers: set[str], steps: bool) -> str:
    if not SELECTOR.fullmatch(text) or (text.startswith("step:") and not steps):
        forms = "a store id, kind:<kind>, tier:<name> or *" + (", or step:<step id>" if steps else "")
        raise ConfigError(key, entry, f"{forms} before the values; '{text}' is none of these")
    if text.startswith("tier:") and text[5:] not in tiers:
        known = ", ".join(sorted(tiers)) or "none declared"
        raise ConfigError(key, entry, f"a tier declared in recoveryTiers ({known}); '{text[5:]}' is not one")
    return text


def _duration(key: str, entry: str, name: str, text: str) -> float:
    value = minutes_of(text)
    if value is None or value <= 0:
        raise ConfigError(key, entry, f"{name}= {DURATION_FORM}, more than 0; '{text}' is not")
    return value


def tiers(raw: Raw) -> tuple[tuple[str, tuple[str, ...]], ...]:
    found: list[tuple[str, tuple[str, ...]]] = []
    placed: dict[str, str] = {}
    for entry in raw.str_list(TIERS):
        name, sep, members = entry.partition("=")
        stores = tuple(s.strip() for s in members.split(",") if s.strip())
        if not sep or not TIER_NAME.fullmatch(name.strip()) or not stores:
            raise ConfigError(
                TIERS, entry, "'<tier>=<store id>[,<store id>...]', a tier of lowercase letters and digits"
            )
        for store in stores:
            if not SELECTOR.fullmatch(store) or store.startswith(("kind:", "tier:", "step:")) or store == "*":
                raise ConfigError(TIERS, entry, f"store ids after '='; '{store}' is not one")
            if store in placed:
                raise ConfigError(TIERS, entry, f"each store in one tier; {store} is in {placed[store]} already")
            placed[store] = name.strip()
        if any(t == name.strip() for t, _ in found):
            raise ConfigError(TIERS, entry, f"each tier declared once; {name.strip()} is declared twice")
        found.append((name.strip(), stores))
    return tuple(found)


def targets(raw: Raw, declared: set[str]) -> tuple[Target, ...]:
    found = []
    for entry in raw.str_list(TARGETS):
        head, values, bare = _fields(TARGETS, entry, ("rpo", "rto"))
        selector, _, disruption = head.partition("@")
        if bare or not values or (disruption and not DISRUPTION.fullmatch(disruption)):
            raise ConfigError(TARGETS, entry, "'<selector>[@<disruption>] rpo=<duration> rto=<duration>' (one or both)")
        _selector(TARGETS, entry, selector, declared, steps=False)
        rpo = _duration(TARGETS, entry, "rpo", values["rpo"]) if "rpo" in values else None
        rto = _duration(TARGETS, entry, "rto", values["rto"]) if "rto" in values else None
        found.append(Target(selector, disruption or None, rpo, rto, entry))
    return tuple(found)


def estimates(raw: Raw, declared: set[str]) -> tuple[Estimate, ...]:
    found = []
    for entry in raw.str_list(ESTIMATES):
        selector, values, bare = _fields(ESTIMATES, entry, ("size", "rate", "time"))
        _selector(ESTIMATES, entry, selector, declared, steps=True)
        if selector.startswith("step:"):
            if len(bare) != 1 or values:
                raise ConfigError(ESTIMATES, entry, f"'step:<step id> <duration>', the duration {DURATION_FORM}")
            found.append(Estimate(selector, minutes=_duration(ESTIMATES, entry, "the step's", bare[0]), entry=entry))
            continue
        if bare or not values:
            raise ConfigError(
                ESTIMATES, entry, "'<selector> size=<size> rate=<size>/s' or '<selector> time=<duration>'"
            )
        size = bytes_of(values["size"]) if "size" in values else None
        if "size" in values and not size:
            raise ConfigError(ESTIMATES, entry, f"size= {SIZE_FORM}; '{values['size']}' is not")
        rate_text = values.get("rate", "")
        rate = bytes_of(rate_text.removesuffix("/s")) if rate_text.endswith("/s") else None
        if "rate" in values and not rate:
            raise ConfigError(ESTIMATES, entry, f"rate= a size per second such as 100MiB/s; '{rate_text}' is not")
        if ("size" in values) != ("rate" in values):
            raise ConfigError(ESTIMATES, entry, "size= and rate= together (a restore takes size / rate)")
        minutes = _duration(ESTIMATES, entry, "time", values["time"]) if "time" in values else None
        found.append(Estimate(selector, size, float(rate) if rate else None, minutes, entry))
    return tuple(found)


def read(raw: Raw) -> Objectives:
    """The three keys, validated in form; every refusal names the key and the entry as written."""
    declared_tiers = tiers(raw)
    names = {name for name, _ in declared_tiers}
    return Objectives(targets(raw, names), estimates(raw, names), declared_tiers)
