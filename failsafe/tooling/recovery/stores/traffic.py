"""Traffic: a failover record pair, whose recovery is moving clients to the secondary (it holds no data: RPO n/a).

Read from the plans: the PRIMARY record's health check (a CALCULATED check is followed to its endpoint child), the
check's ``requestInterval`` and ``failureThreshold``, the record's ``ttl``, the account the zone's records live in, and
the records' ``protect``. The failover time is the terms Route 53 publishes: detection (threshold consecutive failed
checks at the interval; the first may come an interval late, and each waits 4 s to connect and 2 s for an answer),
propagation to its edge within 60 s, and the TTL resolvers keep the old answer; Route 53 publishes no time for a
calculated check to follow its children, so with one the sum is "at least" its known part until a drill measures it.

The ``failoverWorstCaseSeconds`` output (failsafe_components.dns_failover.worst_case_seconds) is the published
formula's part: detection + propagation + TTL (tests/tooling/test_recovery_sources.py holds them equal).
"""

from __future__ import annotations

from failsafe.ops import runrecord
from failsafe.tooling.recovery import disruptions as d
from failsafe.tooling.recovery import figures as f
from failsafe.tooling.recovery.estate import Estate, Item
from failsafe.tooling.recovery.steps import Step, StepBook
from failsafe.tooling.recovery.stores.base import Cell, Status, Store, StoreKind, register
from failsafe.tooling.recovery.terms import Basis, Cost, Term

RECORD = "aws:route53/record:Record"
CHECK = "aws:route53/healthCheck:HealthCheck"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CHECK_TIMEOUT_SECONDS = 6  # HTTP(S): 4 s to connect, then 2 s for the status code (Route 53 Developer Guide)
FORMULA = ("dns.detection", "dns.propagation", "dns.ttl")  # the terms failoverWorstCaseSeconds adds up


def _policy(record: Item) -> str:
    policies = record.inputs.get("failoverRoutingPolicies") or []
    return str(policies[0].get("type", "")) if policies else ""


class Traffic(StoreKind):
    def __init__(self) -> None:
        super().__init__("traffic", "DNS failover")

    def discover(self, estate: Estate, book: StepBook) -> list[Store]:
        stores = []
        seen: set[str] = set()
        for record in estate.items(RECORD):
            name = str(record.inputs.get("name", ""))
            if _policy(record) != "PRIMARY" or name in seen:
                continue
            seen.add(name)
            stores.append(self._store(estate, book, record, name))
        return stores

    def _checks(self, estate: Estate, check_id: object) -> tuple[Item | None, Item | None]:
        """(the record's own check, the endpoint check detection depends on)."""
        own = next((c for c in estate.items(CHECK) if c.resource.id == check_id), None)
        if own is None or own.inputs.get("type") != "CALCULATED":
            return own, own
        children = [c for c in estate.items(CHECK) if c.resource.id in (own.inputs.get("childHealthchecks") or [])]
        endpoint = next((c for c in children if c.inputs.get("requestInterval") is not None), None)
        return own, endpoint

    def failover_terms(self, estate: Estate, record: Item) -> tuple[Term, ...]:
        own, endpoint = self._checks(estate, record.inputs.get("healthCheckId"))
        terms: list[Term] = []
        if endpoint is None:
            return (
                Term(
                    "dns.detection",
                    "detection",
                    None,
                    Basis.UNKNOWN,
                    note="the PRIMARY record has no endpoint health check",
                ),
            )
        interval = estate.read(endpoint, "requestInterval")
        threshold = estate.read(endpoint, "failureThreshold")
        seconds = float(interval.value or 30) * float(threshold.value or 3)
        terms.append(
            Term(
                "dns.detection",
                "detection: interval x failure threshold",
                seconds / 60,
                Basis.SETTING,
                reads=(interval, threshold),
                docs=(f.ROUTE53_HEALTH,),
                why=f"checks every {interval.value} s, {threshold.value} failures",
            )
        )
        terms.append(
            Term(
                "dns.phase",
                "first failed check up to one interval late, and its timeouts",
                (float(interval.value or 30) + CHECK_TIMEOUT_SECONDS) / 60,
                Basis.DOCUMENTED,
                reads=(interval,),
                docs=(f.ROUTE53_HEALTH,),
            )
        )
        terms.append(
            Term(
                "dns.propagation",
                "Route 53 propagation to its edge",
                f.PROPAGATION_MINUTES,
                Basis.DOCUMENTED,
                docs=(f.ROUTE53_PROPAGATION,),
            )
        )
        ttl = estate.read(record, "ttl")
        if ttl.value is None:
            terms.append(
                Term(
                    "dns.ttl",
                    "resolvers keep the old answer",
                    None,
                    Basis.UNKNOWN,
                    note="an alias record takes its target's TTL",
                    reads=(ttl,),
                    docs=(f.ROUTE53_TTL,),
                )
            )
        else:
            terms.append(
                Term(
                    "dns.ttl",
                    "resolvers keep the old answer (TTL)",
                    float(ttl.value) / 60,
                    Basis.SETTING,
                    reads=(ttl,),
                    docs=(f.ROUTE53_TTL,),
                    why=f"TTL {ttl.value} s",
                )
            )
        if own is not None and own is not endpoint:
            terms.append(
                Term(
                    "dns.calculated",
                    "the calculated check following its children",
                    None,
                    Basis.UNKNOWN,
                    note="Route 53 publishes no time for it: measure the failover in a drill",
                    reads=(estate.read(own, "type"),),
                    docs=(f.ROUTE53_HEALTH,),
                    why="calculated health check timing unpublished",
                )
            )
        return tuple(terms)

    def _store(self, estate: Estate, book: StepBook, record: Item, name: str) -> Store:
        store_id = f"dns:{name}"
        failover = book.timed(
            f"dns-failover:{name}",
            f"DNS fails over ({name})",
            self.failover_terms(estate, record),
            (runrecord.DNS_FAILOVER_STEP,),
        )
        self._hold(estate, book, record, name)
        zone = estate.where(record)
        records = [r for r in estate.items(RECORD) if r.inputs.get("name") == name]
        everywhere_protected = all(r.resource.protect for r in records)
        up = book.up(record.stack)
        declare = book.declare()
        in_prod = zone.account in estate.primary_accounts
        in_dr = any(
            estate.where(i).account == zone.account for s in estate.stacks("dr") for i in estate.items(RECORD, [s])
        )

        def moves(disruption: str, reason: str, steps: tuple[Step, ...]) -> Cell:
            return Cell(disruption, Status.PROTECTED, reason, (), steps, holds_data=False)

        def account(disruption: str, verb: str) -> Cell:
            if in_prod:
                return Cell(
                    disruption,
                    Status.NOT_PROTECTED,
                    f"the hosted zone's records and health checks are in the prod account {zone.account}: {verb}",
                    holds_data=False,
                )
            return moves(disruption, f"the zone is in account {zone.account}: the health check fails over", (failover,))

        cells = self.cells(
            {
                d.AZ_LOSS.id: lambda: moves(
                    d.AZ_LOSS.id,
                    "if the primary endpoint fails its health check, Route 53 answers with the secondary",
                    (failover,),
                ),
                d.REGION_LOSS.id: lambda: moves(
                    d.REGION_LOSS.id,
                    "the primary's health check fails and Route 53 answers with the secondary",
                    (failover,),
                ),
                d.PROD_LOST.id: lambda: account(d.PROD_LOST.id, "they go with it"),
                d.PROD_COMPROMISED.id: lambda: account(
                    d.PROD_COMPROMISED.id, "whoever holds prod can change or delete them"
                ),
                d.BACKUP_LOST.id: lambda: (
                    Cell(d.BACKUP_LOST.id, Status.NOT_PROTECTED, "the zone is in the backup account", holds_data=False)
                    if in_dr
                    else Cell(
                        d.BACKUP_LOST.id,
                        Status.UNAFFECTED,
                        f"the zone is in account {zone.account}, not the backup account",
                        holds_data=False,
                    )
                ),
                d.RANSOMWARE.id: lambda: Cell(
                    d.RANSOMWARE.id, Status.UNAFFECTED, "the record pair holds no data", holds_data=False
                ),
                d.ACCIDENTAL_DELETE.id: lambda: moves(
                    d.ACCIDENTAL_DELETE.id, "records deleted by hand come back with the next `pulumi up`", (declare, up)
                ),
                d.STACK_DESTROYED.id: lambda: (
                    Cell(
                        d.STACK_DESTROYED.id,
                        Status.UNAFFECTED,
                        "every record of the pair is protected",
                        holds_data=False,
                    )
                    if everywhere_protected
                    else moves(
                        d.STACK_DESTROYED.id,
                        "the records are not protected: a destroy deletes them; `pulumi up` recreates them",
                        (declare, up),
                    )
                ),
            }
        )
        _, endpoint = self._checks(estate, record.inputs.get("healthCheckId"))
        costs = [Cost("Route 53 health checks per check-month", f.ROUTE53_PRICING)]
        if endpoint is not None:
            interval = estate.read(endpoint, "requestInterval")
            if interval.value == 10:
                costs.append(Cost("fast interval (10 s) health check option", f.ROUTE53_PRICING, (interval,)))
            if endpoint.inputs.get("searchString"):
                costs.append(
                    Cost(
                        "string matching health check option",
                        f.ROUTE53_PRICING,
                        (estate.read(endpoint, "searchString"),),
                    )
                )
        costs.append(Cost("Route 53 queries per million", f.ROUTE53_PRICING))
        facts = tuple(t for term in failover.terms for t in term.reads)
        return Store(store_id, self.name, f"traffic to {name} (failover records)", cells, tuple(costs), facts)

    def _hold(self, estate: Estate, book: StepBook, record: Item, name: str) -> Step | None:
        """The operators' hold (``failsafe-dr dns hold-dr``): the switch alarm's period, Route 53 reading the alarm
        (no published figure), propagation, TTL."""
        own = next((c for c in estate.items(CHECK) if c.resource.id == record.inputs.get("healthCheckId")), None)
        children = [
            c for c in estate.items(CHECK) if own and c.resource.id in (own.inputs.get("childHealthchecks") or [])
        ]
        names = {c.inputs.get("cloudwatchAlarmName") for c in children if c.inputs.get("type") == "CLOUDWATCH_METRIC"}
        alarms = [a for a in estate.items(ALARM) if a.inputs.get("name") in names]
        if not alarms:
            return None  # no operators' switch: no hold step
        period, periods = estate.read(alarms[0], "period"), estate.read(alarms[0], "evaluationPeriods")
        terms = [
            Term(
                "dns.hold-alarm",
                "the switch alarm's evaluation",
                float(period.value or 60) * float(periods.value or 1) / 60,
                Basis.SETTING,
                reads=(period, periods),
            )
        ]
        terms.append(
            Term(
                "dns.hold-read",
                "Route 53 reading the alarm",
                None,
                Basis.UNKNOWN,
                note="no published figure",
                docs=(f.ROUTE53_HEALTH,),
                why="alarm-based check timing unpublished",
            )
        )
        failover = [t for t in self.failover_terms(estate, record) if t.key in ("dns.propagation", "dns.ttl")]
        return book.timed(
            f"dns-hold:{name}", f"DNS: hold traffic on DR ({name})", (*terms, *failover), (runrecord.DNS_HOLD_STEP,)
        )


register(Traffic())
