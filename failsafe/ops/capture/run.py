"""A capture run: every service of every target account collected, judged against the previous capture, stored,
and the run recorded complete or not (and the topic told when not)."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from failsafe.ops import aws
from failsafe.ops.capture import generic
from failsafe.ops.capture.collectors import COLLECTORS, Ctx
from failsafe.ops.capture.matching import Managed, ProviderRef, import_document, load_managed
from failsafe.ops.capture.model import (
    DEFAULT_BUDGET_SECONDS,
    DEFAULT_JITTER,
    DEFAULT_MAX_DROP_PERCENT,
    DEFAULT_RATE,
    GLOBAL_SERVICES,
    NO_CODEGEN,
    PREFIX,
    SERVICES,
    BudgetExceeded,
    CaptureError,
    Collected,
    Found,
    stamp_of,
)
from failsafe.ops.capture.pacing import Budget, Pacer
from failsafe.ops.capture.store import Store
from failsafe.ops.cloudcontrol_catalog import Catalog, CatalogError, catalog
from failsafe.ops.progress import Progress


@dataclass(frozen=True)
class Settings:
    regions: tuple[str, ...]
    services: tuple[str, ...] = SERVICES
    stacks: tuple[str, ...] = ("prod", "dr")
    rate: float | None = DEFAULT_RATE
    jitter: float = DEFAULT_JITTER
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    max_drop_percent: float = DEFAULT_MAX_DROP_PERCENT
    allow_drop: bool = False
    attempts: int = aws.ATTEMPTS  # tries per call (botocore total_max_attempts)
    cloudcontrol: bool = False  # the generic inventory of every listable type (generic.py); the CLI turns it on

    def check(self) -> None:
        if not self.regions:
            raise CaptureError("--regions: give at least one region, e.g. --regions eu-west-1")
        for region in self.regions:
            if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
                raise CaptureError(f"--regions: {region!r} is not a region name like eu-west-1")
        unknown = [s for s in self.services if s not in COLLECTORS]
        if unknown or not self.services:
            raise CaptureError(
                f"--services: unknown {', '.join(unknown) or '(none)'}; choose from {' '.join(SERVICES)}"
            )
        if self.rate is not None and self.rate <= 0:
            raise CaptureError(f"--rate {self.rate}: expected calls per second above 0 (or 0 for no pacing)")
        if not 0 <= self.jitter < 1:
            raise CaptureError(f"--jitter {self.jitter}: expected a fraction from 0 up to (not including) 1")
        if self.budget_seconds <= 0:
            raise CaptureError(f"--budget-seconds {self.budget_seconds}: expected a positive number of seconds")
        if not 0 <= self.max_drop_percent <= 100:
            raise CaptureError(f"--max-shrink-percent {self.max_drop_percent}: expected 0 to 100")
        if not self.stacks:
            raise CaptureError("--stacks: name at least one stack whose exports are in the archive")
        if self.attempts < 1:
            raise CaptureError(f"attempts {self.attempts}: expected at least 1")
        if self.cloudcontrol:
            for region in self.regions:
                try:
                    catalog().partition(region)
                except CatalogError as exc:
                    raise CaptureError(f"--regions: {exc} (or pass --classic-only)") from None


@dataclass
class ServiceResult:
    service: str
    status: str  # complete | failed | dropped
    resources: int = 0
    managed: int = 0
    unmanaged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    previous: int | None = None
    previous_timestamp: str | None = None
    drop_percent: float | None = None
    calls: int = 0
    throttled: int = 0
    seconds: float = 0.0
    error: str | None = None
    prefix: str | None = None
    import_key: str | None = None
    cursor_key: str | None = None  # the generic inventory's resumable cursor when it did not complete
    resumed_from: str | None = None
    coverage: dict[str, Any] | None = None  # the generic inventory's per-service coverage

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class AccountRun:
    account: str
    timestamp: str
    services: list[ServiceResult]
    reasons: list[str]
    run_key: str
    codegen: list[dict[str, str]] = field(default_factory=list)  # per service with unmanaged resources

    @property
    def complete(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Target:
    """One account to capture: a session into it (and the role assumed for it, which CI reuses for codegen)."""

    session: Any
    role_arn: str | None = None
    account: str | None = None


def _collect(
    ctx: Ctx, service: str, regions: Sequence[str], budget: Budget, clock: Callable[[], float]
) -> tuple[Collected, ServiceResult]:
    """One service in every region it is listed in; any error (after retries) marks it failed."""
    pacer = ctx.pacer
    calls, throttled, start = pacer.calls, pacer.throttled, clock()
    collected = Collected()
    error: str | None = None
    try:
        budget.check()
        for region in regions:
            part = COLLECTORS[service](ctx, region)
            collected.found.extend(part.found)
            collected.skipped.update(part.skipped)
    except BudgetExceeded as exc:
        error = f"not finished: {exc}" if pacer.calls > calls else f"not reached: {exc}"
    except Exception as exc:
        error = aws.describe(exc)
    return collected, ServiceResult(
        service,
        "failed" if error else "complete",
        resources=len(collected.found),
        skipped=dict(collected.skipped),
        calls=pacer.calls - calls,
        throttled=pacer.throttled - throttled,
        seconds=round(clock() - start, 3),
        error=error,
    )


def _judge(result: ServiceResult, previous: tuple[int, str] | None, settings: Settings) -> None:
    """A complete service whose count fell more than the limit below its previous complete capture: dropped."""
    if previous:
        result.previous, result.previous_timestamp = previous
    if result.status != "complete" or not result.previous:
        return
    result.drop_percent = round((result.previous - result.resources) * 100 / result.previous, 1)
    if result.drop_percent > settings.max_drop_percent and not settings.allow_drop:
        result.status = "dropped"
        result.error = (
            f"{result.resources} resources, {result.drop_percent:g}% fewer than the {result.previous} of "
            f"capture {result.previous_timestamp} (limit {settings.max_drop_percent:g}%): missing "
            "permissions or a real deletion? If the estate really shrank, run again with --allow-shrink"
        )


def _store(
    store: Store,
    result: ServiceResult,
    collected: Collected,
    owners: Sequence[str | None],
    providers: Sequence[ProviderRef],
    context: Mapping[str, Any],
) -> list[Found]:
    """inventory.json, import.json (if anything is unmanaged) and manifest.json, in that order; the unmanaged."""
    prefix = result.prefix
    unmanaged = [f for f, owner in zip(collected.found, owners, strict=True) if owner is None]
    result.managed, result.unmanaged = len(collected.found) - len(unmanaged), len(unmanaged)
    resources = [
        {"type": f.type, "id": f.id, "name": f.name, "region": f.region, "arn": f.arn, "managed_by": owner}
        | {"detail": dict(f.detail)}
        for f, owner in zip(collected.found, owners, strict=True)
    ]
    inventory = {**context, "service": result.service, "resources": resources, "skipped": result.skipped}
    store.put_json(f"{prefix}inventory.json", inventory)
    if unmanaged:
        result.import_key = f"{prefix}import.json"
        store.put_json(result.import_key, import_document(unmanaged, providers, context["regions"][0]))
    store.put_json(
        f"{prefix}manifest.json",
        {**result.as_dict(), **context, "providers": {p.name: p.urn for p in providers}},
    )
    return unmanaged


GENERIC = "cloudcontrol"  # the service name the generic inventory is recorded under


def _resume_cursor(store: Store, account: str) -> tuple[dict[str, Any] | None, str | None]:
    """The cursor of the account's newest run when that run's generic inventory did not complete (and the key)."""
    for _, record in store.runs(account, 1):
        generic_result = (record.get("services") or {}).get(GENERIC) or {}
        key = generic_result.get("cursor_key")
        if generic_result.get("status") != "complete" and key:
            return store.get_json(key), key
    return None, None


def capture_generic(
    target: Target,
    settings: Settings,
    store: Store,
    managed: Managed,
    account: str,
    stamp: str,
    budget: Budget,
    pacer: Pacer,
    import_stack: str | None,
    say: Callable[[str], None],
    cat: Catalog | None = None,
) -> ServiceResult:
    """The generic inventory of one account (every listable type through Cloud Control, generic.py), stored as
    inventory.json, import.json (aws-native entries), providers.json, cursor.json and manifest.json."""
    cat = cat or catalog()
    cursor, cursor_from = _resume_cursor(store, account)

    def make_pacer() -> Pacer:
        return Pacer(
            settings.rate, settings.jitter, clock=pacer.clock, sleep=pacer.sleep, uniform=pacer.uniform, budget=budget
        )

    lister = generic.Lister(target.session, cat, budget, make_pacer, settings.attempts)
    start = pacer.clock()
    inventory = lister.run(settings.regions, cursor)
    problems = inventory.problems
    found = inventory.found
    owners = [managed.stack_of_native(f.identifier, f.properties.get("Arn")) for f in found]
    unmanaged = [f for f, owner in zip(found, owners, strict=True) if owner is None]
    prefix = f"{PREFIX}/{account}/{GENERIC}/{stamp}/"
    stack = import_stack or (settings.stacks[0] if settings.stacks else "prod")
    providers = generic.native_providers(
        account,
        {f.region for f in unmanaged},
        stack,
        managed.projects.get(stack, "failsafe"),
        managed.native_providers.get(stack, []),
    )
    coverage = generic.coverage(inventory)
    skipped: dict[str, int] = {}
    for row in coverage.values():
        for reason, n in row["skipped"].items():
            skipped[reason] = skipped.get(reason, 0) + n
    error = None
    if problems:
        denied = sum("AccessDenied" in p for p in problems)
        error = f"{len(problems)} of {len(inventory.listings)} listings not done ({denied} access denied): " + (
            "; ".join(problems[:3])
        )
    result = ServiceResult(
        GENERIC,
        "failed" if problems else "complete",
        resources=len(found),
        managed=len(found) - len(unmanaged),
        unmanaged=len(unmanaged),
        skipped=skipped,
        calls=lister.calls,
        throttled=lister.throttled,
        seconds=round(pacer.clock() - start, 3),
        error=error,
        prefix=prefix,
    )
    context = {"account": account, "timestamp": stamp, "regions": list(settings.regions), "import_stack": stack}
    store.put_json(
        f"{prefix}inventory.json",
        {
            **context,
            "service": GENERIC,
            "resources": [f.as_dict() | {"managed_by": o} for f, o in zip(found, owners, strict=True)],
            "uncapturable": generic.uncapturable(inventory),
            "left_out": "write-only and secret-bearing properties (failsafe/tooling/capture_curation.py), per resource",
        },
    )
    if unmanaged:
        result.import_key = f"{prefix}import.json"
        taken = managed.names.get(stack, set())
        store.put_json(result.import_key, generic.import_document(unmanaged, providers, taken))
        store.put_json(f"{prefix}providers.json", {r: p.as_dict() for r, p in providers.items()})
    extra: dict[str, Any] = {"coverage": coverage, "problems": problems, "resumed_from": cursor_from}
    if problems:
        extra["cursor_key"] = f"{prefix}cursor.json"
        store.put_json(extra["cursor_key"], inventory.cursor())
    store.put_json(f"{prefix}manifest.json", {**result.as_dict(), **context, **extra})
    result.cursor_key = extra.get("cursor_key")
    result.coverage = coverage
    result.resumed_from = cursor_from
    listed = sum(row["types_listed"] for row in coverage.values())
    say(
        f"capture {account} {GENERIC}: {listed} types listed, {len(found)} resources ({len(unmanaged)} unmanaged), "
        f"{lister.calls} calls, {lister.throttled} throttled"
        + (f"; INCOMPLETE: {error} (the next run resumes from {extra['cursor_key']})" if problems else "")
    )
    return result


def capture_account(
    target: Target,
    settings: Settings,
    store: Store,
    managed: Managed,
    now: datetime,
    pacer: Pacer,
    budget: Budget,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[str], None] | None = None,
    out_dir: Path | None = None,
) -> AccountRun:
    """Capture, judge and store every service of one account, then its run record."""
    home = settings.regions[0]
    say = progress or Progress().say
    account = target.account or aws.client(target.session, "sts", home).get_caller_identity()["Account"]
    stamp = stamp_of(now)
    ctx = Ctx(target.session, pacer, home, settings.attempts)
    providers = managed.provider_for(account, settings.stacks)
    import_stack = providers[0].stack if providers else None
    baseline = store.baseline(account)
    results: list[ServiceResult] = []
    codegen: list[dict[str, str]] = []
    say(
        f"capture {account}: {len(settings.services)} services in {' '.join(settings.regions)}, "
        f"{'unpaced' if not settings.rate else f'{settings.rate:g} calls/s'}, budget {settings.budget_seconds:g}s"
        + ("" if providers else "; WARNING: no stack provider is pinned to this account (import files use none)")
    )
    for service in settings.services:
        regions = [home] if service in GLOBAL_SERVICES else list(settings.regions)
        collected, result = _collect(ctx, service, regions, budget, clock)
        _judge(result, baseline.get(service), settings)
        result.prefix = f"{PREFIX}/{account}/{service}/{stamp}/"
        context = {
            "account": account,
            "timestamp": stamp,
            "regions": regions,
            "import_stack": import_stack,
            "max_drop_percent": settings.max_drop_percent,
        }
        owners = [managed.stack_of(f) for f in collected.found]
        unmanaged = _store(store, result, collected, owners, providers, context)
        results.append(result)
        if unmanaged and service not in NO_CODEGEN:
            entry = {"account": account, "service": service, "prefix": result.prefix, "region": home}
            entry |= {"role_arn": target.role_arn or "", "spec": ""}
            if out_dir is not None:
                folder = out_dir / account / service
                folder.mkdir(parents=True, exist_ok=True)
                # For CI's scratch stack: no provider references, IDs relative to its one region.
                spec = folder / "codegen.json"
                spec.write_text(json.dumps(import_document(unmanaged, (), home), indent=2) + "\n", encoding="utf-8")
                entry["spec"] = str(spec)
            codegen.append(entry)
        if result.status == "complete":
            say(
                f"capture {account} {service}: {result.resources} resources ({result.unmanaged} unmanaged, "
                f"{sum(result.skipped.values())} AWS-made skipped), {result.calls} calls, "
                f"{result.throttled} throttled, {result.seconds:.1f}s"
            )
        else:
            say(f"capture {account} {service}: {result.status.upper()} after {result.calls} calls: {result.error}")
    if settings.cloudcontrol:
        result = capture_generic(target, settings, store, managed, account, stamp, budget, pacer, import_stack, say)
        results.append(result)
    reasons = [f"{r.service}: {r.status}: {r.error}" for r in results if r.status != "complete"]
    run_key = f"{PREFIX}/{account}/runs/{stamp}.json"
    store.put_json(
        run_key,
        {
            "account": account,
            "timestamp": stamp,
            "status": "incomplete" if reasons else "complete",
            "reasons": reasons,
            "regions": list(settings.regions),
            "stacks": list(settings.stacks),
            "import_stack": import_stack,
            "rate": settings.rate,
            "jitter": settings.jitter,
            "budget_seconds": settings.budget_seconds,
            "max_drop_percent": settings.max_drop_percent,
            "calls": sum(r.calls for r in results),
            "throttled": sum(r.throttled for r in results),
            "services": {r.service: r.as_dict() for r in results},
        },
    )
    say(
        f"capture {account}: {'INCOMPLETE' if reasons else 'complete'}: "
        f"{sum(r.unmanaged for r in results)} unmanaged of {sum(r.resources for r in results)} resources; {run_key}"
    )
    return AccountRun(account, stamp, results, reasons, run_key, codegen)


def notify(sns: Any, topic_arn: str, bucket: str, runs: Sequence[AccountRun]) -> None:
    """One message on the topic naming every incomplete account and why."""
    incomplete = [r for r in runs if not r.complete]
    accounts = ", ".join(r.account for r in incomplete)
    lines = [f"failsafe configuration capture is INCOMPLETE for {accounts}.", ""]
    for r in incomplete:
        lines += [f"{r.account} (s3://{bucket}/{r.run_key}):", *(f"  - {reason}" for reason in r.reasons), ""]
    lines.append("Recorded as incomplete; the newest complete capture stays the restore point (failsafe-dr verify).")
    sns.publish(
        TopicArn=topic_arn,
        Subject=f"failsafe capture incomplete: {accounts}"[:100],
        Message="\n".join(lines),
    )


def run(
    targets: Sequence[Target],
    store: Store,
    settings: Settings,
    *,
    sns: Any | None = None,
    topic_arn: str | None = None,
    now: datetime | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    uniform: Callable[[float, float], float] = random.uniform,
    progress: Callable[[str], None] | None = None,
    out_dir: Path | None = None,
) -> list[AccountRun]:
    """Capture every target account; store everything; notify the topic if any account's run is incomplete."""
    settings.check()
    if topic_arn and sns is None:
        raise CaptureError("--topic-arn given without an SNS client")
    say = progress or Progress().say
    managed, export_keys = load_managed(store, settings.stacks)
    say("capture: managed resources from " + ", ".join(f"s3://{store.bucket}/{k}" for k in export_keys.values()))
    budget = Budget(settings.budget_seconds, clock)
    moment = now or datetime.now(UTC)
    runs: list[AccountRun] = []
    for target in targets:
        pacer = Pacer(
            settings.rate,
            settings.jitter,
            clock=clock,
            sleep=sleep,
            uniform=uniform,
            budget=budget,
        )
        runs.append(capture_account(target, settings, store, managed, moment, pacer, budget, clock, say, out_dir))
    if out_dir is not None:
        lines = [
            "\t".join([c["account"], c["service"], c["prefix"], c["region"], c["role_arn"], c["spec"]])
            for r in runs
            for c in r.codegen
        ]
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "codegen.tsv").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    if topic_arn and any(not r.complete for r in runs):
        notify(sns, topic_arn, store.bucket, runs)
    return runs
