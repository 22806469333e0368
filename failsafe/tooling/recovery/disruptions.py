"""The disruptions the recovery model answers for, in the order the table shows them. A registry: the air-gapped vault
work (issue 25) may split "backup account compromised or lost" in two, or add one, with :func:`register`; every store
kind then answers it or says "not protected: <kind> does not model <disruption> yet" (never a missing cell).

Each one says what it takes away, so a store kind can decide whether its data survives: "the prod account" is the
account that holds a store's primary copy, "the primary region" its region, "the backup account" the account holding
its copy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Disruption:
    id: str  # used in config (recoveryTargets '<store>@<id>'), JSON and diffs
    title: str  # the table's column
    short: str  # the narrow table's column (at most 8 characters)
    takes: str  # what is lost or whom the attacker is


AZ_LOSS = Disruption("az-loss", "AZ loss", "AZ", "one Availability Zone of the primary region is lost")
REGION_LOSS = Disruption("region-loss", "region loss", "region", "the primary region is lost (its data unreachable)")
PROD_LOST = Disruption(
    "prod-account-lost", "prod account lost", "prd-lost", "the prod account and everything in it are gone"
)
PROD_COMPROMISED = Disruption(
    "prod-account-compromised",
    "prod account compromised",
    "prd-pwnd",
    "an attacker holds administrator access to the prod account: deletes, overwrites, stops copies",
)
BACKUP_LOST = Disruption(
    "backup-account-lost",
    "backup account compromised or lost",
    "bkp-lost",
    "the backup account is gone, or an attacker holds it (its copies cannot be trusted)",
)
RANSOMWARE = Disruption(
    "ransomware",
    "data corrupted or encrypted (ransomware)",
    "ransom",
    "data in prod is overwritten, corrupted or encrypted with prod's credentials, and what prod can delete is deleted",
)
ACCIDENTAL_DELETE = Disruption(
    "accidental-delete",
    "accidental delete",
    "deleted",
    "a person or program deletes data or a resource in prod (objects, versions, a database, a record)",
)
STACK_DESTROYED = Disruption(
    "stack-destroyed",
    "destroyed stack",
    "destroy",
    "`pulumi destroy` (or a change that deletes resources) runs on a stack, or its state is lost",
)

_REGISTRY: dict[str, Disruption] = {}


def register(disruption: Disruption) -> Disruption:
    if disruption.id in _REGISTRY and _REGISTRY[disruption.id] != disruption:
        raise ValueError(f"disruption {disruption.id} is registered already")
    if len(disruption.short) > 8:
        raise ValueError(f"disruption {disruption.id}: short name {disruption.short!r} is longer than 8 characters")
    _REGISTRY[disruption.id] = disruption
    return disruption


for _d in (
    AZ_LOSS,
    REGION_LOSS,
    PROD_LOST,
    PROD_COMPROMISED,
    BACKUP_LOST,
    RANSOMWARE,
    ACCIDENTAL_DELETE,
    STACK_DESTROYED,
):
    register(_d)


def all_disruptions() -> tuple[Disruption, ...]:
    return tuple(_REGISTRY.values())


def get(disruption_id: str) -> Disruption | None:
    return _REGISTRY.get(disruption_id)


def unregister(disruption_id: str) -> None:
    """Take a registered disruption out again (a test, or an extension that replaces one with two)."""
    _REGISTRY.pop(disruption_id, None)
