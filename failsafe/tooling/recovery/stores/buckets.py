"""Replicated buckets: every bucket of the plans with an enabled replication rule into another planned bucket.

Read from the plans by type and property path, not from failsafe's components: the source bucket's versioning and
lifecycle, the rule's ``destination.replicationTime`` (S3 RTC), ``metrics``, ``storageClass`` and
``deleteMarkerReplication``, the replica's versioning, Object Lock and lifecycle, and each side's account and region
(their providers). So a ReplicatedBucket in someone else's program (examples/replicated-bucket) is modelled the same
way as failsafe's, and a change in code moves the cells as a change in config does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from failsafe.ops import runrecord
from failsafe.tooling.recovery import disruptions as d
from failsafe.tooling.recovery import figures as f
from failsafe.tooling.recovery.estate import Estate, Item, Place
from failsafe.tooling.recovery.steps import StepBook
from failsafe.tooling.recovery.stores.base import Cell, Store, StoreKind, not_protected, protected, register, unaffected
from failsafe.tooling.recovery.terms import Basis, Cost, Read, Term, Window

REPLICATION = ("aws:s3/bucketReplicationConfig:BucketReplicationConfig",)
VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
OBJECT_LOCK = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)


class Side:
    """One bucket of a replication pair and the settings the model reads from its side resources."""

    def __init__(self, estate: Estate, item: Item | None, name: str) -> None:
        self.item, self.name = item, name
        self.place = estate.where(item) if item else Place("unknown", "unknown")
        versioning = estate.on_bucket(VERSIONING, name)
        self.versioning = (
            estate.read(versioning[0], "versioningConfiguration.status")
            if versioning
            else Read(name, "versioning", None)
        )
        self.expiry: Read | None = None  # the shortest noncurrent-version expiry of an enabled, bucket-wide rule
        self.transitions: list[Read] = []
        for lifecycle in estate.on_bucket(LIFECYCLE, name):
            for n, rule in enumerate(lifecycle.inputs.get("rules") or []):
                if rule.get("status") != "Enabled":
                    continue
                days = estate.read(lifecycle, f"rules.{n}.noncurrentVersionExpiration.noncurrentDays")
                if days.value is not None and (self.expiry is None or days.value < self.expiry.value):
                    self.expiry = days
                for t, _ in enumerate(rule.get("noncurrentVersionTransitions") or []):
                    self.transitions.append(
                        estate.read(lifecycle, f"rules.{n}.noncurrentVersionTransitions.{t}.storageClass")
                    )
        locks = estate.on_bucket(OBJECT_LOCK, name)
        self.lock_mode = estate.read(locks[0], "rule.defaultRetention.mode") if locks else None
        self.lock_days = estate.read(locks[0], "rule.defaultRetention.days") if locks else None
        self.protect = estate.read(item, "options.protect") if item else None
        self.force_destroy = estate.read(item, "forceDestroy") if item else None

    @property
    def versioned(self) -> bool:
        return bool(self.versioning.value == "Enabled")


def lag_term(rc: Item, rule: str, rtc: Read, minutes: Read) -> Term:
    """How much of the newest writes may not have reached the replica when the source is lost."""
    if rtc.value == "Enabled":
        return Term(
            "s3.replication-time",
            "replication lag (S3 RTC)",
            float(minutes.value or f.RTC_MINUTES),
            Basis.DOCUMENTED,
            note="99.99% of new objects within 15 minutes; SLA credits below 99.9% in a month; the rest unbounded",
            reads=(rtc, minutes),
            docs=(f.S3_RTC, f.S3_RTC_SLA),
            why="S3 RTC on",
        )
    return Term(
        "s3.replication-time",
        "replication lag",
        None,
        Basis.NONE_PROMISED,
        note="without S3 Replication Time Control S3 promises no replication time",
        reads=(rtc,),
        docs=(f.S3_REPLICATION_TIME,),
        why=f"S3 RTC off: {rule}.destination.replicationTime is not Enabled",
    )


class Buckets(StoreKind):
    def __init__(self) -> None:
        super().__init__("bucket", "replicated S3 bucket")

    def discover(self, estate: Estate, book: StepBook) -> list[Store]:
        stores = []
        for rc in estate.items(REPLICATION[0]):
            rules = [(n, r) for n, r in enumerate(rc.inputs.get("rules") or []) if r.get("status") == "Enabled"]
            source_name = str(rc.inputs.get("bucket", ""))
            source = Side(estate, estate.bucket(source_name), source_name)
            store_id = f"s3:{source.item.name if source.item else source_name}"
            if not rules:
                cells = self.cells({x.id: _off(x.id) for x in d.all_disruptions()})
                stores.append(Store(store_id, self.name, f"s3://{source_name}", cells))
                continue
            n, rule = rules[0]
            stores.append(self._store(estate, book, rc, n, rule, source, store_id))
        return stores

    def _store(
        self, estate: Estate, book: StepBook, rc: Item, n: int, rule: dict[str, Any], source: Side, store_id: str
    ) -> Store:
        path = f"rules.{n}"
        destination = str(rule.get("destination", {}).get("bucket", ""))
        replica = Side(estate, estate.bucket(destination), destination.removeprefix("arn:aws:s3:::"))
        rtc = estate.read(rc, f"{path}.destination.replicationTime.status")
        lag = lag_term(rc, path, rtc, estate.read(rc, f"{path}.destination.replicationTime.time.minutes"))
        storage = estate.read(rc, f"{path}.destination.storageClass")
        markers = estate.read(rc, f"{path}.deleteMarkerReplication.status")
        prefix = estate.read(rc, f"{path}.filter.prefix")
        label = source.item.name if source.item else source.name
        declare = book.declare()
        up_source = book.up(source.item.stack if source.item else rc.stack)
        extra: tuple[Term, ...] = ()
        if storage.value in f.ARCHIVE_CLASSES:
            extra = (
                Term(
                    "s3.archive-retrieval",
                    f"restore the {storage.value} replicas before reading them",
                    None,
                    Basis.NONE_PROMISED,
                    note="typically 3-5 h (Glacier Flexible Retrieval, Standard) or 12 h (Deep Archive): no promise",
                    reads=(storage,),
                    docs=(f.S3_ARCHIVE_RETRIEVAL,),
                    why=f"replicas in {storage.value}",
                ),
            )
        restore = book.restore(
            store_id,
            self.name,
            f"failsafe-dr restore s3 ({label})",
            command="restore s3",
            drill_names=(f"{runrecord.RESTORE_STEP_PREFIX}s3 {label}",),  # --step-label <bucket>, as the runbook says
            what="copy the replica's versions back",
            extra=extra,
        )
        kept = Window(
            None if replica.expiry is None else float(replica.expiry.value),
            "old versions kept on the replica (NoncurrentVersionExpiration)",
            (replica.expiry,) if replica.expiry else (replica.versioning,),
        )
        lock = (
            f"replica versions are locked {replica.lock_days.value} days in {replica.lock_mode.value} mode"
            if replica.lock_mode is not None and replica.lock_days is not None
            else "the replica has no default Object Lock retention"
        )
        scope = (
            []
            if prefix.value in ("", None)
            else [f"only keys under {prefix.value!r} replicate ({path}.filter.prefix): the rest is not protected"]
        )

        def copy_guard(disruption: str) -> Cell | None:
            if estate.bucket(destination) is None:
                return not_protected(
                    disruption, f"the replication destination {destination} is in no plan of the estate"
                )
            if not replica.versioned:
                return not_protected(
                    disruption,
                    f"the replica's versioning is {replica.versioning.value!r}: S3 replicates into versioned buckets "
                    "only",
                )
            return None

        def copy_cell(disruption: str, reason: str, steps: tuple[Any, ...], window: Window | None = None) -> Cell:
            guard = copy_guard(disruption)
            if guard is not None:
                return guard
            return protected(disruption, reason, (lag,), (*steps, restore), window, tuple(scope))

        def az() -> Cell:
            single = [t for t in source.transitions if t.value in f.SINGLE_AZ_CLASSES]
            notes = tuple(
                f"noncurrent versions move to {t.value} ({t.path}): those are lost with their AZ (the replica keeps "
                "them)"
                for t in single
            )
            return unaffected(
                d.AZ_LOSS.id,
                "S3 keeps every object in at least three Availability Zones (all classes but One Zone-IA and Express "
                "One Zone); writers choosing a single-AZ class are outside the plans",
                notes,
            )

        def region() -> Cell:
            if replica.place.region == source.place.region:
                return not_protected(d.REGION_LOSS.id, f"the replica is in the source's region {source.place.region}")
            return copy_cell(
                d.REGION_LOSS.id,
                f"the replica in {replica.place.region} holds what had replicated; rebuild prod in a surviving region "
                "and copy it back",
                (declare, up_source),
            )

        def account(disruption: str) -> Cell:
            if replica.place.account == source.place.account:
                return not_protected(disruption, f"the replica is in the source's account {source.place.account}")
            dr = [book.up(s) for s in estate.stacks("dr")] if replica.item and replica.item.stack != rc.stack else []
            reason = f"the replica in account {replica.place.account} survives; rebuild prod in a new account"
            window = kept if disruption == d.PROD_COMPROMISED.id else None
            cell = copy_cell(disruption, reason, (declare, book.new_account(), *dr, up_source), window)
            if disruption == d.PROD_COMPROMISED.id and cell.status.value == "protected":
                notes = [
                    f"delete markers are {'not ' if markers.value != 'Enabled' else ''}replicated "
                    f"({path}.deleteMarkerReplication.status = {markers.value!r}); version deletes never are",
                    f"writes made by the attacker replicate as new versions: restore as of a time before them ({lock})",
                ]
                cell = replace(cell, notes=cell.notes + tuple(notes))
            return cell

        def backup_lost() -> Cell:
            return unaffected(
                d.BACKUP_LOST.id,
                f"the source bucket in account {source.place.account} holds the data; only the copy is lost",
                (f"while the backup account is held by an attacker: {lock} (governance mode can be bypassed)",),
            )

        def corrupted() -> Cell:
            return copy_cell(
                d.RANSOMWARE.id,
                "restore the replica's versions as of a time before the corruption (prod's own versions may be gone)",
                (declare,),
                kept,
            )

        def deleted() -> Cell:
            notes: tuple[str, ...] = ()
            if source.versioned:
                notes = (
                    f"a plain delete leaves a delete marker: the version stays in the source for "
                    f"{source.expiry.value if source.expiry else 'ever'} days (RPO 0); the worst case is a version "
                    "delete, whose data only the replica has",
                )
            cell = copy_cell(d.ACCIDENTAL_DELETE.id, "restore the deleted versions from the replica", (declare,), kept)
            return replace(cell, notes=cell.notes + notes) if cell.status.value == "protected" else cell

        def destroyed() -> Cell:
            if source.protect is not None and source.protect.value:
                return unaffected(d.STACK_DESTROYED.id, "the source bucket is protected: pulumi refuses to delete it")
            if source.force_destroy is not None and not source.force_destroy.value:
                return unaffected(
                    d.STACK_DESTROYED.id,
                    "forceDestroy is false: S3 refuses to delete a bucket that holds objects or versions",
                )
            return copy_cell(
                d.STACK_DESTROYED.id,
                "an unprotected bucket with forceDestroy is emptied and deleted: recreate it and copy the replica back",
                (declare, up_source),
            )

        cells = self.cells(
            {
                d.AZ_LOSS.id: az,
                d.REGION_LOSS.id: region,
                d.PROD_LOST.id: lambda: account(d.PROD_LOST.id),
                d.PROD_COMPROMISED.id: lambda: account(d.PROD_COMPROMISED.id),
                d.BACKUP_LOST.id: backup_lost,
                d.RANSOMWARE.id: corrupted,
                d.ACCIDENTAL_DELETE.id: deleted,
                d.STACK_DESTROYED.id: destroyed,
            }
        )
        facts = tuple(
            r
            for r in (
                rtc,
                storage,
                markers,
                source.versioning,
                replica.versioning,
                replica.expiry,
                replica.lock_mode,
                replica.lock_days,
                source.protect,
            )
            if r is not None
        )
        return Store(
            store_id,
            self.name,
            f"s3://{source.name}",
            cells,
            _costs(rc, path, rtc, storage, source, replica, estate),
            facts,
        )


def _off(disruption: str) -> Any:
    return lambda: not_protected(disruption, "every replication rule of the bucket is Disabled")


def _costs(
    rc: Item, path: str, rtc: Read, storage: Read, source: Side, replica: Side, estate: Estate
) -> tuple[Cost, ...]:
    metrics = estate.read(rc, f"{path}.destination.metrics.status")
    costs = [
        Cost(f"replica storage per GB-month in {storage.value or 'the source object class'}", f.S3_PRICING, (storage,)),
        Cost("replication PUT requests per 1,000 at the destination class", f.S3_PRICING, (storage,)),
    ]
    if source.place.region != replica.place.region:
        costs.append(Cost("cross-region replication data transfer per GB replicated", f.S3_PRICING, ()))
    if rtc.value == "Enabled":
        costs.append(Cost("S3 Replication Time Control fee per GB replicated", f.S3_PRICING, (rtc,)))
    if metrics.value == "Enabled":
        costs.append(
            Cost("S3 replication metrics, billed as CloudWatch custom metrics", f.CLOUDWATCH_PRICING, (metrics,))
        )
    if replica.expiry is not None:
        costs.append(
            Cost(
                f"noncurrent replica versions kept {replica.expiry.value} days (storage)",
                f.S3_PRICING,
                (replica.expiry,),
            )
        )
    costs.append(
        Cost("SSE-KMS requests while replicating (decrypt at the source, encrypt at the replica)", f.KMS_PRICING)
    )
    return tuple(costs)


register(Buckets())
