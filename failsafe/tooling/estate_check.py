"""``python -m failsafe check --all``: every stack of the estate planned and checked in one run, sharing the work.

What is shared, and why it is safe to share:

- **dr is planned once.** prod and every member read dr's outputs through a StackReference; the plan of dr does not
  depend on who reads it, so its outputs answer every reader (each reader still checks them against its own config:
  :func:`failsafe.settings.agreement.dr_disagreement`).
- **one policy pack process, two for a fleet.** Starting the pack costs about a second; it is started once and
  reconfigured per stack (``Configure`` takes each stack's generated policy config; failsafe-guardrails reads nothing
  else of the environment the CLI gives a pack, such as ``PULUMI_STACK``). For a fleet, a second pack is started when
  a plan waits for the first (:class:`_Packs`), and the members are planned in a second process
  (:mod:`failsafe.tooling.plan_worker`), so planning, proving and judging use both cores.
- **each stack's config is read once**, and the source scan for account literals once per set of named accounts.

Checks beyond the per-stack gate, which only the whole estate can see: the fleet's files agreeing with dr's registry
and with each other (:func:`failsafe.settings.estate.fleet_problems`), the backup account's perimeter in the org plan
(issue 25 item 4), and the quotas that span stacks (:mod:`failsafe.tooling.quotas`). Output: one line per stack and a
total; exit 1 on any mandatory violation, failing or unknown path, or fleet problem, 2 when a stack cannot be planned.
"""

from __future__ import annotations

import functools
import gc
import json
import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from failsafe.settings import agreement, estate, stackfiles
from failsafe.settings.config import ConfigError, Role, StackConfig, load_mapping
from failsafe.settings.errors import MEMBER_STACK
from failsafe.tooling import air_gap_check, analyzer, harness, literals, plan_worker, policyconfig, quotas, secretscheck
from failsafe.tooling.access import collect, perimeter, proofs
from failsafe.tooling.planning import PlanError
from failsafe.tooling.recovery.model import ModelError

PREVIEW_SAMPLE = 42  # the preview stack checked for the template, as `./dev.sh check` always has
# How long a thread holds the GIL while another waits for it (Python docs, ``sys.setswitchinterval``; CPython's
# default is 5 ms). A pack thread waits on the pack's answer once per resource, and then on the GIL while this process
# plans: with the default, judging dr planned with 100 members (1,686 requests) took 18.5 s during the members'
# planning, and 7.0 s at 0.5 ms (3.4 s alone). Set for the run of check_all and put back after.
SWITCH_INTERVAL_SECONDS = 0.0005
# The collector's thresholds for the whole of check_all, as for each run of the program (harness.RUN_GC_THRESHOLDS,
# which says why): between the runs this process proves access and models recovery over a heap that holds every plan
# made so far: with CPython's default thresholds, 504 collections at N = 100 (7 of them full) took 3.4 s of its 17 s.
# Put back after the run, as the switch interval is; what the run left is collected then.
CHECK_GC_THRESHOLDS = harness.RUN_GC_THRESHOLDS
# Member stacks from which their plans are made in a process of their own: starting it costs about a second of the
# other core (the program's imports), which planning eight members in this process costs too (about 0.15 s each).
PLAN_WORKER_FROM = 8
FLEET_PACKS = 2  # pack processes for a fleet (PLAN_WORKER_FROM members or more); a smaller estate has one


class EstatePlanner:
    """Config and plans of one project folder, each made once (the folder may be a copy: the benches and tests plan
    fleets of other sizes in a temporary folder with the same program)."""

    def __init__(self, root: Path = stackfiles.ROOT, planned: Mapping[str, harness.Plan] | None = None) -> None:
        self.root = root
        self._configs: dict[str, tuple[dict[str, str], StackConfig]] = {}
        self._plans: dict[str, harness.Plan] = dict(planned or {})  # plans made already (the same program and files)
        self._pending: dict[str, Future[harness.Plan]] = {}  # plans being made in another process (plan_ahead)
        self.collected: dict[str, collect.StackPolicies] = {}  # the proofs' policies of each plan, collected once

    def config(self, stack: str) -> tuple[dict[str, str], StackConfig]:
        if stack not in self._configs:
            try:
                raw = stackfiles.raw_config(stack, self.root)
                self._configs[stack] = (raw, load_mapping(stack, stackfiles.unnamespaced(raw)))
            except (ConfigError, stackfiles.StackFileError) as error:
                raise PlanError(str(error)) from None
        return self._configs[stack]

    def plan(self, stack: str) -> harness.Plan:
        if stack in self._plans:
            return self._plans[stack]
        pending = self._pending.pop(stack, None)
        try:
            plan = pending.result() if pending is not None else harness.run_program(*self._inputs(stack))
        except plan_worker.WorkerGone:  # the planning process ended (its stderr says why): plan here instead
            plan = harness.run_program(*self._inputs(stack))
        if plan.error:
            raise PlanError(agreement.config_message(plan.error, stack, self.config(stack)[1].written))
        self._plans[stack] = plan
        return plan

    def plan_ahead(self, stacks: list[str], worker: plan_worker.PlanWorker) -> None:
        """Hand the plans of ``stacks`` to ``worker`` (another process), for :meth:`plan` to take in order. A stack
        whose inputs cannot be made is left to :meth:`plan`, which raises its error when its turn comes."""
        for stack in stacks:
            if stack in self._plans or stack in self._pending:
                continue
            try:
                inputs = self._inputs(stack)
            except PlanError:
                continue
            self._pending[stack] = worker.submit(*inputs)

    def _inputs(self, stack: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        """What :func:`failsafe.tooling.harness.run_program` takes for ``stack``: its config and, for a prod stack,
        the outputs of its dr stack as its StackReference reads them (dr planned first, and checked against the
        stack's own config)."""
        raw, cfg = self.config(stack)
        references: dict[str, Any] = {}
        if cfg.role is Role.PROD and cfg.dr_stack_name:
            try:
                dr_stack = stackfiles.stack_order(stack, self.root)[-2]
            except (ConfigError, stackfiles.StackFileError) as error:
                raise PlanError(str(error)) from None
            dr_plan = self.plan(dr_stack)
            disagreement = agreement.dr_disagreement(cfg, dr_plan.outputs, self.config(dr_stack)[1].written)
            if disagreement is not None:
                raise PlanError(str(disagreement.in_stack(stack)))
            references[cfg.dr_stack_name] = own_outputs(dr_plan.outputs, cfg)
        return stack, raw, references


def _reads_no_dr(cfg: StackConfig) -> bool:
    """Neither dr itself nor a stack whose plan needs dr's (:meth:`EstatePlanner._inputs`: a prod stack reads dr's
    outputs); org and the preview stacks."""
    return cfg.role is not Role.DR and not (cfg.role is Role.PROD and cfg.dr_stack_name)


def own_outputs(dr_outputs: dict[str, Any], cfg: StackConfig) -> dict[str, Any]:
    """dr's outputs as a member's plan is given them: ``members`` holds that member's entry only. A member reads its own
    entry and no other (``failsafe.program.wiring.replica_output``); handing every member all N entries made each
    member's plan lift O(N) values through Pulumi's Output machinery (``pulumi.output.Output.from_input``, a deep
    walk), so ``check --all`` grew as N squared (bench/check_all.py: 53x at N=100). A member that ever read another
    member's entry would fail its plan here rather than pass: the check is stricter than a deployment, never looser."""
    member = cfg.member
    if member is None or not isinstance(dr_outputs.get("members"), dict):
        return dr_outputs
    own = {k: v for k, v in dr_outputs["members"].items() if k == member.name}
    return {**dr_outputs, "members": own}


@dataclass
class StackResult:
    stack: str
    role: str
    seconds: float = 0.0
    error: str = ""
    violations: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[proofs.Outcome] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # recovery targets the estate's recovery model misses (prod)
    warnings: list[str] = field(default_factory=list)  # advisory, never a failure (critical data without air gap)
    omitted: list[str] = field(default_factory=list)  # what the config leaves out and what that turns off

    @property
    def mandatory(self) -> int:
        return sum(1 for v in self.violations if v["enforcementLevel"] == "mandatory")

    @property
    def open_paths(self) -> list[proofs.Outcome]:
        return [o for o in self.outcomes if o.status != proofs.PROVEN]

    @property
    def ok(self) -> bool:
        return not self.error and not self.mandatory and not self.open_paths and not self.missed

    def line(self) -> str:
        if self.error:
            return f"{self.stack}: cannot plan: {self.error}"
        counts = proofs.summary(self.outcomes)
        return (
            f"{self.stack} ({self.role}): {self.mandatory} mandatory, {len(self.violations) - self.mandatory} advisory "
            f"violation(s); access: {counts[proofs.PROVEN]} proven, {counts[proofs.FAILING]} failing, "
            f"{counts[proofs.UNKNOWN]} unknown; recovery: {len(self.missed)} target(s) missed ({self.seconds:.1f} s)"
        )


@dataclass
class EstateReport:
    results: list[StackResult]
    fleet: list[str]  # what the fleet's files disagree on
    cross: list[str]  # quotas spanning stacks, exceeded
    figures: list[str]  # the measured figures of those quotas
    seconds: float

    @property
    def code(self) -> int:
        if any(r.error for r in self.results):
            return 2
        return 0 if all(r.ok for r in self.results) and not self.fleet and not self.cross else 1


def previews_on(root: Path) -> bool:
    """Whether the estate runs previews: prod's ``previewAccountId`` is set (previews copy prod's config; empty turns
    them off, README "Configuration reference"). A prod that cannot be read says no: its own line reports why."""
    if not (root / "Pulumi.prod.yaml").exists():
        return False
    try:
        raw = stackfiles.raw_config("prod", root)
        return load_mapping("prod", stackfiles.unnamespaced(raw)).accounts.previews
    except (ConfigError, stackfiles.StackFileError):
        return False


def stacks_of(root: Path, preview_number: int | None = PREVIEW_SAMPLE) -> list[estate.Stack]:
    """The estate's stacks in deploy order, with one preview stack from the template when previews are on (what
    ``python -m failsafe stacks`` lists and ``check --all`` checks: an estate without previews, an organization or
    members has none of those stacks)."""
    found = estate.stacks(root)
    if preview_number is not None and (root / stackfiles.TEMPLATE).exists() and previews_on(root):
        name = f"pr-{preview_number}"
        if not any(s.name == name for s in found):
            found.append(estate.Stack(name, "preview", stackfiles.TEMPLATE))
    return found


def check_all(
    root: Path = stackfiles.ROOT,
    preview_number: int | None = PREVIEW_SAMPLE,
    planned: Mapping[str, harness.Plan] | None = None,
    plan_workers_from: int = PLAN_WORKER_FROM,
) -> EstateReport:
    """Plan and check every stack of the estate in ``root`` (``planned``: plans made already, reused). With at
    least ``plan_workers_from`` member stacks, their plans are made in a second process (:func:`_planning_process`)."""
    started = time.monotonic()
    planner = EstatePlanner(root, planned)
    found = stacks_of(root, preview_number)
    results = [StackResult(s.name, s.role) for s in found]
    configs: dict[str, StackConfig] = {}
    for result in results:
        try:
            configs[result.stack] = planner.config(result.stack)[1]
        except PlanError as error:
            result.error = str(error)
    try:
        dr = estate.one(found, "dr")
        org = estate.one(found, "org")
    except estate.EstateError as error:
        return EstateReport(results, [str(error)], [], [], time.monotonic() - started)
    scans = _Scans(root)
    packs: _Packs | None = None
    members = [r.stack for r in results if not r.error and configs[r.stack].member is not None]
    ahead: plan_worker.PlanWorker | None = None
    switch, thresholds = sys.getswitchinterval(), gc.get_threshold()
    # The pack judges stack k in its own process while this one plans and proves stack k+1: a thread per pack process
    # sends it plans (one analyzer connection each, as the CLI keeps one per stack) and waits on its answers, which
    # releases the GIL (grpc's blocking call); bench/check_all.py measures what it saves on two cores.
    packed: list[tuple[StackResult, Future[tuple[list[dict[str, Any]], float]]]] = []
    try:
        ahead = _planning_process(len(members), plan_workers_from)
        if ahead is not None:  # what reads no dr plan (org, the preview) is planned there while this process plans dr
            planner.plan_ahead([r.stack for r in results if not r.error and _reads_no_dr(configs[r.stack])], ahead)
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        gc.set_threshold(*CHECK_GC_THRESHOLDS)
        with ThreadPoolExecutor(max_workers=FLEET_PACKS, thread_name_prefix="failsafe-pack") as packer:
            for result in results:
                if result.error:
                    continue
                began = time.monotonic()
                try:
                    raw, cfg = planner.config(result.stack)
                    result.omitted = list(cfg.omissions())
                    plan = planner.plan(result.stack)
                    # Once dr is planned, the members' inputs can be made: handed on before dr's own proofs, so the
                    # planning process starts on them at once. A dr that could not be planned raised above and is
                    # not handed on: making each member's inputs would plan it again, each member reporting it.
                    if ahead is not None and dr is not None and result.stack == dr.name:
                        planner.plan_ahead(members, ahead)
                    if packs is None:
                        start = functools.partial(analyzer.Analyzer, plan.project, plan.stack, config=raw)
                        packs = _Packs(start, FLEET_PACKS if len(members) >= plan_workers_from else 1)
                    packed.append((result, packs.submit(packer, plan, cfg, raw, scans, root)))
                    result.outcomes = _proofs(planner, cfg, result.stack, dr, org)
                    result.warnings = air_gap_check.stack_warnings(cfg, planner.plan)
                    result.missed = _missed_targets(planner, cfg, result.stack)
                    if cfg.role in (Role.DR, Role.ORG) and dr is not None:
                        dr_cfg = planner.config(dr.name)[1]
                        org_plan = planner.plan(org.name) if org is not None else None
                        result.violations += [
                            {"policy": "backup-account-perimeter", "urn": "", "message": p,
                             "enforcementLevel": "mandatory"}
                            for p in perimeter.perimeter_problems(dr_cfg, org_plan, org.name if org else None)
                        ]  # fmt: skip
                except (PlanError, ModelError) as error:
                    result.error = str(error)
                except ValueError as error:  # a policy document that is no policy
                    result.violations.append(_not_a_policy(error))
                result.seconds = time.monotonic() - began
            for result, pending in packed:
                try:
                    violations, seconds = pending.result()
                except (PlanError, ModelError) as error:
                    result.error = result.error or str(error)
                    continue
                except ValueError as error:
                    violations, seconds = [_not_a_policy(error)], 0.0
                result.violations = violations + result.violations
                result.seconds += seconds
    finally:
        sys.setswitchinterval(switch)
        gc.set_threshold(*thresholds)
        if packs is not None:
            packs.close()
        if ahead is not None:
            ahead.shutdown()
    files = {s.name: s.file for s in found}
    fleet = estate.fleet_problems({s: c for s, c in configs.items()}, files)
    planned = {r.stack: planner.plan(r.stack) for r in results if not r.error}
    cross, figures = quotas.cross_stack(planned)
    figures += [m.line() for m in quotas.largest(planned).values()]  # the largest of each quota, over every plan
    return EstateReport(results, fleet, cross, figures, time.monotonic() - started)


def _not_a_policy(error: ValueError) -> dict[str, Any]:
    return {"policy": "access-proofs", "urn": "", "message": str(error), "enforcementLevel": "mandatory"}


def _planning_process(members: int, workers_from: int) -> plan_worker.PlanWorker | None:
    """One process that plans member stacks while this one proves and hands plans to the packs, so planning, proving
    and judging use both cores (bench/check_all.py). Started at once, so its imports overlap the planning of dr,
    which every member's plan needs first. A plan made there is the plan made here: the same function of the same
    config and dr outputs (tests/tooling/test_estate_check_parallel.py compares them)."""
    return plan_worker.PlanWorker() if members >= workers_from else None


class _Packs:
    """The pack processes judging plans, each used by one thread at a time: the first started with the first plan,
    another (up to ``limit``) when a plan is handed over while every started pack is busy. A fleet's member plans are
    made faster than one pack judges them (0.15 s against 0.19 s each, bench/check_all.py); a small estate keeps
    ``limit`` at one, so it never pays a second start (about a second of the other core). The packs are the same
    program with the same config, so which one judges a stack changes nothing in its result."""

    def __init__(self, start: Callable[[], analyzer.Analyzer], limit: int = 1) -> None:
        self._start = start
        self._limit = limit
        self._lock = threading.Lock()
        self._free: queue.SimpleQueue[analyzer.Analyzer | BaseException] = queue.SimpleQueue()
        self._started: list[analyzer.Analyzer] = []
        self._count = 0  # packs started or starting

    def submit(self, pool: ThreadPoolExecutor, *args: Any) -> Future[tuple[list[dict[str, Any]], float]]:
        return pool.submit(self._judge, *args)

    def _judge(self, *args: Any) -> tuple[list[dict[str, Any]], float]:
        with self._lock:
            start = self._count == 0 or (self._free.empty() and self._count < self._limit)
            self._count += start
        client = self._launch() if start else self._free.get()
        if isinstance(client, BaseException):  # no pack could start: every plan waiting for one gets the reason
            self._free.put(client)
            raise client
        try:
            return _timed_pack(client, *args)
        finally:
            self._free.put(client)

    def _launch(self) -> analyzer.Analyzer | BaseException:
        try:
            client = self._start()  # outside the lock: a start takes about a second, and the other pack may free up
        except Exception as error:
            with self._lock:
                self._count -= 1
                started = bool(self._started)
            if started:  # a second pack that cannot start: the first judges this plan too
                return self._free.get()
            self._free.put(error)  # none started: the plans waiting on the queue must not wait for ever
            raise
        with self._lock:
            self._started.append(client)
        return client

    def close(self) -> None:
        for client in self._started:
            client.close()


class _Scans:
    """The account-literal scan of the project's sources, made once for all stacks (each judges the constants against
    its own accounts) by whichever pack thread needs it first."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._constants: list[tuple[str, int, str, bool]] | None = None

    def constants(self) -> list[tuple[str, int, str, bool]]:
        with self._lock:
            if self._constants is None:
                self._constants = literals.constants(self.root)
            return self._constants


def _timed_pack(*args: Any) -> tuple[list[dict[str, Any]], float]:
    began = time.monotonic()
    violations = _pack(*args)
    return violations, time.monotonic() - began


def _pack(
    client: analyzer.Analyzer,
    plan: harness.Plan,
    cfg: StackConfig,
    raw: Mapping[str, str],
    scans: _Scans,
    root: Path,
) -> list[dict[str, Any]]:
    from failsafe.tooling import gate  # gate imports planning's process-wide caches; only analyze_plan is used

    violations, _ = gate.analyze_plan(plan, policyconfig.generate(cfg), client=client, raw_config=dict(raw))
    violations += [found.as_violation() for found in secretscheck.findings(plan.stack, cfg, root)]
    return violations + [found.as_violation() for found in literals.judge(scans.constants(), cfg.named_accounts())]


def _missed_targets(planner: EstatePlanner, cfg: StackConfig, stack: str) -> list[str]:
    """What ``check <stack>`` adds for a prod stack (a member included): the recovery targets its estate's model
    misses, from the plans made already (:func:`failsafe.tooling.recovery.targets.check_stack`)."""
    if cfg.role is not Role.PROD or not cfg.dr_stack_name:
        return []
    from failsafe.tooling.recovery import estate as recovery_estate
    from failsafe.tooling.recovery import targets
    from failsafe.tooling.recovery.model import build

    try:
        dr = stackfiles.stack_order(stack, planner.root)[-2]
    except (ConfigError, stackfiles.StackFileError) as error:
        raise PlanError(str(error)) from None
    found = recovery_estate.Estate(
        stack,
        {dr: planner.plan(dr), stack: planner.plan(stack)},
        {dr: Role.DR.value, stack: Role.PROD.value},
        root=planner.root,
        objectives=cfg.objectives,
    )
    return [m.line() for m in targets.check(build(found))]


def _proofs(
    planner: EstatePlanner, cfg: StackConfig, stack: str, dr: estate.Stack | None, org: estate.Stack | None
) -> list[proofs.Outcome]:
    if cfg.role in (Role.PREVIEW, Role.ORG):
        return []
    plans = {cfg.role.value: planner.plan(stack)}
    dr_cfg = None
    if cfg.role is Role.PROD and dr is not None:
        plans["dr"] = planner.plan(dr.name)
        dr_cfg = planner.config(dr.name)[1]
    registry = cfg if cfg.role is Role.DR else dr_cfg  # the organization is stated in dr's config
    if org is not None and registry is not None and registry.fleet is not None and registry.fleet.organization:
        plans["org"] = planner.plan(org.name)  # its SCPs and RCPs in force
    return proofs.prove(cfg, plans, dr_cfg, collected=planner.collected)


def render(report: EstateReport) -> str:
    lines = [r.line() for r in report.results]
    for result in report.results:
        for v in result.violations:
            if v["enforcementLevel"] == "mandatory":
                lines.append(f"  {result.stack}: [mandatory] {v['policy']}: {v['message']}")
        for outcome in result.open_paths:
            lines.append(f"  {result.stack}: {outcome.sentence()}")
        lines += [f"  {result.stack}: recovery target missed: {line}" for line in result.missed]
        lines += [f"  {result.stack}: warning: {warning}" for warning in result.warnings]
        lines += [f"  {result.stack}: omitted: {omission}" for omission in result.omitted]
    lines += [f"fleet: {problem}" for problem in report.fleet]
    lines += [f"quota: {problem}" for problem in report.cross]
    lines += [f"measured: {figure}" for figure in report.figures]
    failed = [r.stack for r in report.results if not r.ok]
    members = sum(1 for r in report.results if r.role == "prod" and MEMBER_STACK.match(r.stack) is not None)
    lines.append(
        f"total: {len(report.results)} stacks ({members} members), {len(failed)} failing"
        + (f" ({', '.join(failed)})" if failed else "")
        + f", {len(report.fleet)} fleet and {len(report.cross)} quota problem(s) ({report.seconds:.1f} s)"
    )
    return "\n".join(lines)


def to_dict(report: EstateReport) -> dict[str, Any]:
    return {
        "stacks": [
            {
                "stack": r.stack,
                "role": r.role,
                "seconds": round(r.seconds, 3),
                "error": r.error,
                "mandatory": r.mandatory,
                "violations": r.violations,
                "access": proofs.summary(r.outcomes),
                "recovery": {"missed": r.missed},
                "warnings": r.warnings,
                "omitted": r.omitted,
            }
            for r in report.results
        ],
        "fleet": report.fleet,
        "quotas": report.cross,
        "measured": report.figures,
        "seconds": round(report.seconds, 3),
        "exitCode": report.code,
    }


def main(json_output: bool, root: Path = stackfiles.ROOT) -> int:
    report = check_all(root)
    if json_output:
        print(json.dumps(to_dict(report), indent=2, sort_keys=True))
    else:
        print(render(report))
    if report.code == 2:
        print("check --all: some stacks could not be planned (see above)", file=sys.stderr)
    return report.code
