"""The pull-based copiers of the backup account: snapshots and AMIs prod shares, and SSM parameters and secrets.

Found in the plans by the functions' interface (failsafe_components.recovery_functions documents it): a Lambda whose
environment names the source account (``SOURCE_ACCOUNT_ID``) and a retention (``RETENTION_DAYS``) is the snapshot
copier; one with ``PARAMETER_PATH`` the parameter copier. What starts them is read from the EventBridge targets that
point at them: a scheduled rule (its ``scheduleExpression``, the longest wait) and, for the snapshot copier, a rule on
the event bus prod forwards its snapshot events to (a prod rule whose target is that bus). A run lasts at most the
function's ``timeout``.

Behaviour that is code, not a setting, is cited from the source: the parameter copier overwrites its copy with prod's
current value on every change (failsafe/ops/params.py, ``put_parameter(Overwrite=True)``) and never deletes a copy;
the snapshot copier copies each shared snapshot once and expires only its own copies after ``RETENTION_DAYS``
(failsafe/ops/copier.py).
"""

from __future__ import annotations

from failsafe.ops import runrecord
from failsafe.tooling.recovery import disruptions as d
from failsafe.tooling.recovery import figures as f
from failsafe.tooling.recovery.estate import Estate, Item
from failsafe.tooling.recovery.schedules import max_gap_minutes
from failsafe.tooling.recovery.steps import Step, StepBook
from failsafe.tooling.recovery.stores.base import Cell, Store, StoreKind, not_protected, protected, register, unaffected
from failsafe.tooling.recovery.terms import Basis, Cost, Read, Term, Window

FUNCTION = "aws:lambda/function:Function"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
BUS = "aws:cloudwatch/eventBus:EventBus"
PARAMS_SOURCE = (
    "failsafe/ops/params.py: _copy_parameter writes put_parameter(Overwrite=True), secrets put_secret_value; it never "
    "deletes"
)


def _env(estate: Estate, fn: Item, key: str) -> Read:
    return estate.read(fn, f"environment.variables.{key}")


class Copier:
    """A copier function and what starts it."""

    def __init__(self, estate: Estate, fn: Item) -> None:
        self.fn = fn
        self.place = estate.where(fn)
        arn = fn.resource.outputs.get("arn")
        targets = [t for t in estate.items(TARGET) if t.inputs.get("arn") == arn]
        self.schedule: Read | None = None
        self.events: list[Item] = []  # rules on a custom bus that a prod rule forwards to
        for target in targets:
            rule = next(
                (r for r in estate.items(RULE, [target.stack]) if r.inputs.get("name") == target.inputs.get("rule")),
                None,
            )
            if rule is None:
                continue
            if rule.inputs.get("scheduleExpression"):
                self.schedule = estate.read(rule, "scheduleExpression")
            elif rule.inputs.get("eventBusName"):
                bus = next((b for b in estate.items(BUS) if b.inputs.get("name") == rule.inputs["eventBusName"]), None)
                arns = set()
                if bus is not None:  # its ARN (EventBridge User Guide, ARN formats): event-bus/<name>
                    place = estate.where(bus)
                    arns = {
                        bus.resource.outputs.get("arn"),
                        f"arn:aws:events:{place.region}:{place.account}:event-bus/{bus.inputs.get('name')}",
                    }
                forwarders = [t for t in estate.items(TARGET) if t.inputs.get("arn") in arns]
                if forwarders:
                    self.events.append(forwarders[0])
        self.timeout = estate.read(fn, "timeout")
        self.source_account = _env(estate, fn, "SOURCE_ACCOUNT_ID")
        self.source_region = _env(estate, fn, "SOURCE_REGION")

    def wait(self) -> Term:
        gap = max_gap_minutes(str(self.schedule.value)) if self.schedule else None
        if gap is None:
            return Term(
                "copier.schedule",
                "wait for the next run",
                None,
                Basis.UNKNOWN,
                note="no schedule the model can evaluate starts this function",
                reads=(self.schedule,) if self.schedule else (),
            )
        return Term(
            "copier.schedule",
            "wait for the next scheduled run",
            gap,
            Basis.SETTING,
            reads=(self.schedule,) if self.schedule else (),
            docs=(f.EVENTBRIDGE_SCHEDULE,),
            why=f"schedule {self.schedule.value if self.schedule else ''}",
        )

    def run(self) -> Term:
        return Term(
            "copier.run",
            "one run of the function",
            float(self.timeout.value or 3) / 60,
            Basis.SETTING,
            note="at most the function's timeout",
            reads=(self.timeout,),
            docs=(f.LAMBDA_TIMEOUT,),
        )


class Snapshots(StoreKind):
    def __init__(self) -> None:
        super().__init__("snapshots", "copies of the snapshots and AMIs prod shares")

    def discover(self, estate: Estate, book: StepBook) -> list[Store]:
        found = []
        for fn in estate.items(FUNCTION):
            variables = (fn.inputs.get("environment") or {}).get("variables") or {}
            if "SOURCE_ACCOUNT_ID" in variables and "RETENTION_DAYS" in variables:
                found.append(self._store(estate, book, Copier(estate, fn)))
        return found

    def _store(self, estate: Estate, book: StepBook, copier: Copier) -> Store:
        store_id = "snapshots"
        cadence = Term(
            "snapshots.cadence",
            "prod's own snapshot cadence",
            None,
            Basis.UNKNOWN,
            note="snapshots and AMIs are taken by the application or AWS services, outside the plans",
            why="prod's snapshot schedule is not in the plans",
        )
        wait = copier.wait()
        if copier.events:
            forward = copier.events[0]
            wait = Term(
                wait.key,
                "wait for the copier (a forwarded event, or the schedule at the latest)",
                wait.minutes,
                wait.basis,
                note="prod's snapshot events usually start it within minutes, but EventBridge publishes no delivery "
                "time: the schedule bounds the wait",
                reads=(*wait.reads, Read(forward.urn, "arn", forward.inputs.get("arn"), forward.stack)),
                docs=(*wait.docs, f.EVENTBRIDGE_DELIVERY),
                why=wait.why,
            )
        copy = Term(
            "snapshots.copy",
            "the snapshot copy itself",
            None,
            Basis.UNKNOWN,
            docs=(f.SNAPSHOT_COPY,),
            why="copy time unpublished",
        )
        terms = (cadence, wait, copier.run(), copy)
        kept = _env(estate, copier.fn, "RETENTION_DAYS")
        window = (
            Window(float(kept.value), "copies kept (RETENTION_DAYS of the copier)", (kept,)) if kept.value else None
        )
        declare = book.declare()
        up = [book.up(s) for s in estate.stacks("prod")]
        restore = book.restore(
            store_id,
            self.name,
            "failsafe-dr restore snapshot",
            command="restore snapshot",
            drill_names=(f"{runrecord.RESTORE_STEP_PREFIX}snapshot", f"{runrecord.RESTORE_STEP_PREFIX}snapshot "),
            what="restore a volume or database from its copy",
        )
        apart_region = copier.place.region != copier.source_region.value
        apart_account = copier.place.account != copier.source_account.value
        only = ("only snapshots prod shares with the backup account, under customer-managed keys, are copied",)

        def copies(disruption: str, apart: bool, what: str, steps: tuple[Step, ...], keep: bool = False) -> Cell:
            if not apart:
                return not_protected(disruption, f"the copies are made in the source's {what}")
            return protected(
                disruption,
                f"the copies in {copier.place.text()} survive",
                terms,
                (*steps, restore),
                window if keep else None,
                only,
            )

        cells = self.cells(
            {
                d.AZ_LOSS.id: lambda: protected(
                    d.AZ_LOSS.id,
                    "snapshots are regional: prod's own survive an Availability Zone",
                    (cadence,),
                    (declare, restore),
                ),
                d.REGION_LOSS.id: lambda: copies(d.REGION_LOSS.id, apart_region, "region", (declare, *up)),
                d.PROD_LOST.id: lambda: copies(
                    d.PROD_LOST.id, apart_account, "account", (declare, book.new_account(), *up)
                ),
                d.PROD_COMPROMISED.id: lambda: copies(
                    d.PROD_COMPROMISED.id, apart_account, "account", (declare, book.new_account(), *up), True
                ),
                d.BACKUP_LOST.id: lambda: unaffected(
                    d.BACKUP_LOST.id, "prod's own snapshots are untouched; only the copies are lost"
                ),
                d.RANSOMWARE.id: lambda: copies(d.RANSOMWARE.id, apart_account, "account", (declare,), True),
                d.ACCIDENTAL_DELETE.id: lambda: copies(
                    d.ACCIDENTAL_DELETE.id, apart_account, "account", (declare,), True
                ),
                d.STACK_DESTROYED.id: lambda: unaffected(
                    d.STACK_DESTROYED.id,
                    "the copies are made by the copier, not declared in a plan: a destroy leaves them (a destroyed dr "
                    "stops new copies)",
                ),
            }
        )
        costs = (
            Cost(f"EBS/RDS snapshot storage of the copies per GB-month ({kept.value} days)", f.EBS_PRICING, (kept,)),
            Cost("RDS snapshot copies beyond the free backup storage, per GB-month", f.RDS_PRICING),
            Cost("cross-region snapshot copy data transfer per GB", f.DATA_TRANSFER_PRICING, (copier.source_region,)),
            Cost("copier invocations and duration", f.LAMBDA_PRICING, (copier.timeout,)),
            Cost("cross-account events to the backup account's bus, per million", f.EVENTBRIDGE_PRICING),
        )
        facts = tuple(r for r in (copier.schedule, copier.timeout, copier.source_region, kept) if r is not None)
        return Store(
            store_id, self.name, "RDS/EBS snapshots and AMIs shared with the backup account", cells, costs, facts
        )


class Parameters(StoreKind):
    def __init__(self) -> None:
        super().__init__("parameters", "copies of SSM parameters and secrets")

    def discover(self, estate: Estate, book: StepBook) -> list[Store]:
        found = []
        for fn in estate.items(FUNCTION):
            variables = (fn.inputs.get("environment") or {}).get("variables") or {}
            if "PARAMETER_PATH" in variables and "SECRET_PREFIX" in variables:
                found.append(self._store(estate, book, Copier(estate, fn)))
        return found

    def _store(self, estate: Estate, book: StepBook, copier: Copier) -> Store:
        store_id = "parameters"
        path = _env(estate, copier.fn, "PARAMETER_PATH")
        prefix = _env(estate, copier.fn, "SECRET_PREFIX")
        terms = (copier.wait(), copier.run())
        declare = book.declare()
        up = [book.up(s) for s in estate.stacks("prod")]
        restore = book.restore(
            store_id,
            self.name,
            "failsafe-dr restore params",
            command="restore params",
            drill_names=(f"{runrecord.RESTORE_STEP_PREFIX}params", f"{runrecord.RESTORE_STEP_PREFIX}params "),
            what="write the copies back",
        )
        apart_region = copier.place.region != copier.source_region.value
        poisoned = (
            "the copier overwrites its copy with prod's current value at its next run, so a bad value replaces the "
            f"good copy within the schedule ({PARAMS_SOURCE}); earlier values remain only in Parameter Store's version "
            "history (100 versions) and Secrets Manager's, which `restore params` does not read"
        )

        def copies(disruption: str, steps: tuple[Step, ...]) -> Cell:
            if not apart_region:
                return not_protected(disruption, "the copies are made in the source's region")
            return protected(disruption, f"the copies in {copier.place.text()} survive", terms, (*steps, restore))

        cells = self.cells(
            {
                d.AZ_LOSS.id: lambda: unaffected(
                    d.AZ_LOSS.id, "Parameter Store and Secrets Manager are regional services and keep working"
                ),
                d.REGION_LOSS.id: lambda: copies(d.REGION_LOSS.id, (declare, *up)),
                d.PROD_LOST.id: lambda: copies(d.PROD_LOST.id, (declare, book.new_account(), *up)),
                d.PROD_COMPROMISED.id: lambda: not_protected(
                    d.PROD_COMPROMISED.id, f"an attacker can change prod's values: {poisoned}"
                ),
                d.BACKUP_LOST.id: lambda: unaffected(
                    d.BACKUP_LOST.id, "prod's parameters and secrets are untouched; only the copies are lost"
                ),
                d.RANSOMWARE.id: lambda: not_protected(d.RANSOMWARE.id, f"corrupted values are copied too: {poisoned}"),
                d.ACCIDENTAL_DELETE.id: lambda: protected(
                    d.ACCIDENTAL_DELETE.id,
                    f"a parameter deleted in prod stays in the backup account ({PARAMS_SOURCE})",
                    terms,
                    (declare, restore),
                ),
                d.STACK_DESTROYED.id: lambda: unaffected(
                    d.STACK_DESTROYED.id, "parameters and secrets are the application's, not declared in a plan"
                ),
            }
        )
        costs = (
            Cost(
                "Secrets Manager: each copied secret per month, and API calls per 10,000", f.SECRETS_PRICING, (prefix,)
            ),
            Cost("Parameter Store: advanced parameters per month (standard ones are free)", f.SSM_PRICING, (path,)),
            Cost("copier invocations and duration", f.LAMBDA_PRICING, (copier.timeout,)),
            Cost("KMS requests to encrypt the copies", f.KMS_PRICING),
        )
        facts = tuple(r for r in (copier.schedule, copier.timeout, path, prefix, copier.source_region) if r is not None)
        title = f"SSM parameters under {path.value} and secrets named {prefix.value}*"
        return Store(store_id, self.name, title, cells, costs, facts)


register(Snapshots())
register(Parameters())
