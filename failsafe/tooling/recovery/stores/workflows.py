"""What scheduled GitHub workflows keep in the backup account: the stacks' state exports (archive.yml) and the
configuration captures of the resources no stack manages (capture.yml).

Read from the workflow files (``on.schedule[].cron``, the job's ``timeout-minutes``, the stacks of its matrix) and from
dr's plan: the role the job assumes must exist there (dr's ``archiveRoleArn`` / ``captureRoleArn`` outputs name it),
and the archive bucket's Object Lock. GitHub documents that scheduled runs may be delayed, or dropped under load, so
these RPOs are "none promised" beyond the schedule and the job's own time: they are what a missed run costs.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from failsafe.tooling.recovery import disruptions as d
from failsafe.tooling.recovery import figures as f
from failsafe.tooling.recovery.estate import Estate
from failsafe.tooling.recovery.schedules import max_gap_minutes
from failsafe.tooling.recovery.steps import Step, StepBook
from failsafe.tooling.recovery.stores.base import Cell, Store, StoreKind, not_protected, protected, register, unaffected
from failsafe.tooling.recovery.terms import Basis, Cost, Read, Term, Window

ROLE = "aws:iam/role:Role"


def schedule_terms(file: str, workflow: dict[str, Any]) -> tuple[tuple[Term, ...], list[Read]]:
    where = f".github/workflows/{file}"
    crons = [s.get("cron") for s in (workflow.get("on") or {}).get("schedule") or [] if isinstance(s, dict)]
    reads = [Read(where, f"on.schedule.{n}.cron", c) for n, c in enumerate(crons)]
    gaps = [max_gap_minutes(str(c), "github") for c in crons]
    if not crons or any(g is None for g in gaps):
        wait = Term("workflow.schedule", "wait for the next scheduled run", None, Basis.UNKNOWN, reads=tuple(reads))
    else:
        wait = Term(
            "workflow.schedule",
            "wait for the next scheduled run",
            float(min(g for g in gaps if g is not None)),
            Basis.SETTING,
            reads=tuple(reads),
            docs=(f.GITHUB_SCHEDULE,),
            why=f"cron {', '.join(str(c) for c in crons)}",
        )
    jobs = workflow.get("jobs") or {}
    timeouts = [(j, spec.get("timeout-minutes")) for j, spec in jobs.items() if isinstance(spec, dict)]
    longest = max((float(t) if t is not None else f.GITHUB_DEFAULT_TIMEOUT_MINUTES for _, t in timeouts), default=None)
    job_reads = tuple(Read(where, f"jobs.{j}.timeout-minutes", t) for j, t in timeouts)
    run = Term(
        "workflow.run",
        "one run of the job",
        longest if longest is not None else f.GITHUB_DEFAULT_TIMEOUT_MINUTES,
        Basis.SETTING,
        note="at most the job's timeout-minutes",
        reads=job_reads,
        docs=(f.GITHUB_TIMEOUT,),
    )
    delay = Term(
        "workflow.delay",
        "GitHub starting the scheduled run",
        None,
        Basis.NONE_PROMISED,
        note="scheduled runs can be delayed under load, and some dropped",
        reads=tuple(reads),
        docs=(f.GITHUB_SCHEDULE,),
        why="GitHub may delay or drop scheduled runs",
    )
    return (wait, run, delay), reads


class ScheduledExport(StoreKind):
    """A store that a scheduled workflow writes into the backup account, and the dr role that lets it."""

    def __init__(self, name: str, title: str, file: str, role_output: str, store_title: str) -> None:
        super().__init__(name, title)
        self.file, self.role_output, self.store_title = file, role_output, store_title

    def discover(self, estate: Estate, book: StepBook) -> list[Store]:
        workflow = estate.workflow(self.file)
        if workflow is None or not estate.stacks("dr"):
            return []
        terms, reads = schedule_terms(self.file, workflow)
        output = estate.stack_output("dr", self.role_output)
        role = estate.by_output(ROLE, "arn", output[1]) if output else None
        facts: list[Read] = [*reads]
        missing = None
        if role is None:
            missing = (
                f"{self.file} assumes a role the plans do not hold (dr exports no {self.role_output}: the CI roles are "
                "not deployed)"
            )
        else:
            facts.append(estate.read(role, "name"))
        return [self._store(estate, book, workflow, terms, tuple(facts), missing)]

    @abstractmethod
    def _store(
        self,
        estate: Estate,
        book: StepBook,
        workflow: dict[str, Any],
        terms: tuple[Term, ...],
        facts: tuple[Read, ...],
        missing: str | None,
    ) -> Store:
        """The store one scheduled export makes (each export, StateArchive and Captures, builds its own cells): an
        abstract method, so a kind that forgets it cannot even be made (StoreKind is an ABC)."""

    def guarded(self, cells: dict[str, Cell], missing: str | None) -> dict[str, Cell]:
        if missing is None:
            return cells
        return {k: c if c.status.value == "unaffected" else not_protected(k, missing) for k, c in cells.items()}


class StateArchive(ScheduledExport):
    def __init__(self) -> None:
        super().__init__(
            "state-archive", "archived Pulumi state", "archive.yml", "archiveRoleArn", "Pulumi state of the stacks"
        )

    def _store(
        self,
        estate: Estate,
        book: StepBook,
        workflow: dict[str, Any],
        terms: tuple[Term, ...],
        facts: tuple[Read, ...],
        missing: str | None,
    ) -> Store:
        stacks = _matrix_stacks(workflow) or list(estate.plans)
        declare = book.declare()
        restores: tuple[Step, ...] = tuple(book.restore_state(s) for s in stacks)
        bucket = estate.stack_output("dr", "archiveBucketName")
        lock = ""
        if bucket is not None:
            item = estate.bucket(str(bucket[1]))
            if item is not None:
                locks = estate.on_bucket(
                    ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",), str(bucket[1])
                )
                if locks:
                    days = estate.value(locks[0], "rule.defaultRetention.days")
                    lock = f"exports are locked {days} days"
        window = Window(
            None, "exports are new objects, never expired by the archive's lifecycle" + (f"; {lock}" if lock else "")
        )
        backend = "the state lives in the Pulumi backend, outside the estate's accounts; the archive is a second copy"
        cells = self.cells(
            {
                d.AZ_LOSS.id: lambda: unaffected(d.AZ_LOSS.id, backend),
                d.REGION_LOSS.id: lambda: unaffected(d.REGION_LOSS.id, backend),
                d.PROD_LOST.id: lambda: unaffected(d.PROD_LOST.id, backend),
                d.PROD_COMPROMISED.id: lambda: unaffected(d.PROD_COMPROMISED.id, backend),
                d.BACKUP_LOST.id: lambda: unaffected(
                    d.BACKUP_LOST.id, "the backend keeps the state; only the archive is lost"
                ),
                d.RANSOMWARE.id: lambda: unaffected(d.RANSOMWARE.id, backend),
                d.ACCIDENTAL_DELETE.id: lambda: protected(
                    d.ACCIDENTAL_DELETE.id,
                    "a stack's state deleted or broken in the backend: import the newest archived export",
                    terms,
                    (declare, *restores),
                    window,
                ),
                d.STACK_DESTROYED.id: lambda: protected(
                    d.STACK_DESTROYED.id,
                    "the state from before the destroy (or the lost state) is the newest archived export",
                    terms,
                    (declare, *restores),
                    window,
                ),
            }
        )
        costs = (
            Cost("S3 storage of the exports per GB-month (Object-Locked, kept)", f.S3_PRICING),
            Cost("GitHub Actions minutes of the daily job (private repositories)", f.GITHUB_PRICING),
        )
        title = f"{self.store_title} {', '.join(stacks)} ({self.file})"
        return Store(self.name, self.name, title, self.guarded(cells, missing), costs, facts)


class Captures(ScheduledExport):
    def __init__(self) -> None:
        super().__init__(
            "captures",
            "configuration captures",
            "capture.yml",
            "captureRoleArn",
            "configuration of the prod resources no stack manages",
        )

    def _store(
        self,
        estate: Estate,
        book: StepBook,
        workflow: dict[str, Any],
        terms: tuple[Term, ...],
        facts: tuple[Read, ...],
        missing: str | None,
    ) -> Store:
        declare = book.declare()
        rebuild = book.person(
            "recreate:captures", "rebuild unmanaged resources from the capture's code", ("rebuild unmanaged resources",)
        )
        steps = (declare, rebuild)

        def gone(disruption: str, what: str) -> Cell:
            return protected(disruption, f"{what}: rebuild them from the newest complete capture", terms, steps)

        cells = self.cells(
            {
                d.AZ_LOSS.id: lambda: unaffected(d.AZ_LOSS.id, "resource configuration is regional and survives an AZ"),
                d.REGION_LOSS.id: lambda: gone(d.REGION_LOSS.id, "the unmanaged resources of the region are lost"),
                d.PROD_LOST.id: lambda: gone(d.PROD_LOST.id, "the unmanaged resources are lost with the account"),
                d.PROD_COMPROMISED.id: lambda: gone(d.PROD_COMPROMISED.id, "the account cannot be trusted"),
                d.BACKUP_LOST.id: lambda: unaffected(
                    d.BACKUP_LOST.id, "the resources in prod are untouched; only the captures are lost"
                ),
                d.RANSOMWARE.id: lambda: gone(d.RANSOMWARE.id, "resources prod's credentials deleted"),
                d.ACCIDENTAL_DELETE.id: lambda: gone(d.ACCIDENTAL_DELETE.id, "a resource no stack manages was deleted"),
                d.STACK_DESTROYED.id: lambda: unaffected(d.STACK_DESTROYED.id, "unmanaged resources are in no stack"),
            }
        )
        costs = (
            Cost("S3 storage of the captures and generated code per GB-month", f.S3_PRICING),
            Cost("GitHub Actions minutes of the daily job (private repositories)", f.GITHUB_PRICING),
        )
        title = f"{self.store_title} ({self.file})"
        return Store(self.name, self.name, title, self.guarded(cells, missing), costs, facts)


def _matrix_stacks(workflow: dict[str, Any]) -> list[str]:
    for job in (workflow.get("jobs") or {}).values():
        stacks = ((job or {}).get("strategy") or {}).get("matrix", {}).get("stack")
        if isinstance(stacks, list):
            return [str(s) for s in stacks]
    return []


register(StateArchive())
register(Captures())
